//! The couple's comfort script: read by both partners and the couple's clinicians,
//! co-written by both partners with `If-Match`, every version kept.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, put, web};
use serde::Deserialize;
use tandem_service::comfort_script::{self, ScriptDoc};
use utoipa::ToSchema;

use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::pagination::{PageParams, Paginated};
use crate::state::AppState;
use crate::views::needs_map::ComfortScript;
use crate::{db, etag};

/// What helps one partner, as written.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WhatHelpsInput {
    /// The partner this is about.
    #[schema(example = "01939a8e-7c1f-7a00-8000-0000000000a1")]
    pub user_id: String,
    /// Up to 2,000 characters; may be empty.
    #[schema(example = "A hand on my back, and time to finish my sentence", max_length = 2000)]
    pub text: String,
}

/// A new version of the comfort script (the whole document). Any part may be empty.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ComfortScriptInput {
    /// Exactly one entry per partner.
    #[schema(min_items = 2, max_items = 2)]
    pub what_helps: Vec<WhatHelpsInput>,
    /// Up to 2,000 characters.
    #[schema(example = "\"I'm here\", \"we'll figure it out together\"", max_length = 2000)]
    pub words_to_use: String,
    /// Up to 2,000 characters.
    #[schema(example = "\"always\", \"never\", \"calm down\"", max_length = 2000)]
    pub words_to_avoid: String,
    /// Up to 200 characters.
    #[schema(example = "A hand raised flat: twenty minutes apart, no questions", max_length = 200)]
    pub time_out_signal: String,
    /// How the couple comes back to a conversation; up to 2,000 characters.
    #[schema(example = "Whoever called the time-out comes back with a cup of tea and one sentence", max_length = 2000)]
    pub coming_back: String,
}

fn tag_of(couple_id: &str, version: i32) -> String {
    etag::of("comfort-script", couple_id, version)
}

fn respond(status: StatusCode, doc: ScriptDoc) -> HttpResponse {
    let tag = tag_of(&doc.couple.id, doc.row.version);
    HttpResponse::build(status).insert_header((header::ETAG, tag)).json(ComfortScript::of(&doc.couple, doc.row))
}

#[utoipa::path(
    tag = "comfort-script",
    operation_id = "getComfortScript",
    summary = "The couple's comfort script",
    description = "The latest version: what helps each partner, words to use and to avoid, the time-out signal and how the couple comes back to a conversation. Both partners and the couple's clinicians read it; 404 until a partner writes the first version. Audited.",
    params(("couple_id" = String, Path, description = "The couple's id.")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The latest version, with its ETag.", body = ComfortScript)
    )
)]
#[get("/couples/{couple_id}/comfort-script")]
pub async fn get_comfort_script(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let doc = db::call(&state, &auth, move |cx| comfort_script::get(cx, &path)).await?;
    Ok(respond(StatusCode::OK, doc))
}

#[utoipa::path(
    tag = "comfort-script",
    operation_id = "putComfortScript",
    summary = "Write a new version of the comfort script (partners)",
    description = "Either partner writes the whole document; clinicians read only (403). The first version is written with `If-None-Match: *`, each later one with `If-Match` carrying the current ETag (428 without it, 412 when stale). When both partners edit from the same version, the first to save wins and the other gets 412: nothing is overwritten; read again and merge. Every version is kept. Refused (409) for a discharged couple.",
    params(
        ("couple_id" = String, Path, description = "The couple's id."),
        ("If-Match" = Option<String>, Header, description = "The ETag of the current version. Required for every version after the first (428 without it, 412 when stale)."),
        ("If-None-Match" = Option<String>, Header, description = "`*` to create the first version.")
    ),
    request_body = ComfortScriptInput,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The new version, with its ETag.", body = ComfortScript),
        (status = 201, description = "The first version, with its ETag.", body = ComfortScript),
        (status = 409, response = crate::openapi::Conflict)
    )
)]
#[put("/couples/{couple_id}/comfort-script")]
pub async fn put_comfort_script(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    path: web::Path<String>,
    body: crate::input::Json<ComfortScriptInput>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    let input = comfort_script::ScriptInput {
        helps: b.what_helps.into_iter().map(|h| (h.user_id, h.text)).collect(),
        words_to_use: b.words_to_use,
        words_to_avoid: b.words_to_avoid,
        time_out_signal: b.time_out_signal,
        coming_back: b.coming_back,
    };
    let draft = db::call(&state, &auth, move |cx| comfort_script::draft(cx, &path, input)).await?;
    match draft.latest {
        None if etag::if_none_match_any(&req) => {}
        None if req.headers().contains_key(header::IF_MATCH) => return Err(ApiError::PreconditionFailed),
        None => return Err(ApiError::PreconditionRequired),
        Some(_) if etag::if_none_match_any(&req) => return Err(ApiError::PreconditionFailed),
        Some(v) => etag::require_match(&req, &tag_of(&draft.couple.id, v))?,
    }
    let first = draft.latest.is_none();
    let doc = db::call(&state, &auth, move |cx| comfort_script::put(cx, draft)).await?;
    Ok(respond(if first { StatusCode::CREATED } else { StatusCode::OK }, doc))
}

#[utoipa::path(
    tag = "comfort-script",
    operation_id = "listComfortScriptVersions",
    summary = "Every version of the comfort script",
    description = "Newest first, cursor-paginated; each version says which partner wrote it. Both partners and the couple's clinicians. Audited.",
    params(("couple_id" = String, Path, description = "The couple's id."), PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of versions.", body = Paginated<ComfortScript>),
        (status = 422, response = crate::openapi::UnprocessableEntity)
    )
)]
#[get("/couples/{couple_id}/comfort-script/versions")]
pub async fn list_versions(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
    query: web::Query<PageParams>,
) -> ApiResult<web::Json<Paginated<ComfortScript>>> {
    let page = query.request()?;
    let (couple, rows) = db::call(&state, &auth, move |cx| comfort_script::versions(cx, &path, &page)).await?;
    Ok(web::Json(Paginated::from_page(rows, |r| Ok(ComfortScript::of(&couple, r)))?))
}
