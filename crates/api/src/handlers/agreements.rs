//! Each couple's safety agreement: versioned, written by the couple's clinician, read
//! whole by both partners, in effect once both acknowledged it.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tandem_domain::Actor;
use tandem_service::agreements::{self, AgreementDoc};
use tandem_service::records::CoupleRow;
use utoipa::ToSchema;

use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::views::agreement::{Agreement, PartnerTermsView, view};
use crate::{db, etag};

/// A new version of the agreement.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgreementInput {
    /// When the couple and clinician review it next (RFC 3339).
    pub review_by: DateTime<Utc>,
    /// Exactly one entry per partner.
    #[schema(min_items = 2, max_items = 2)]
    pub partners: Vec<PartnerTermsView>,
}

fn tag_of(couple: &CoupleRow, version: i32) -> String {
    etag::of("agreement", &couple.id, version)
}

fn respond(status: StatusCode, actor: &Actor, doc: &AgreementDoc) -> ApiResult<HttpResponse> {
    let agreement = view(actor, &doc.couple, &doc.version, doc.in_effect)?;
    Ok(HttpResponse::build(status)
        .insert_header((header::ETAG, tag_of(&doc.couple, agreement.version)))
        .json(agreement))
}

#[utoipa::path(
    tag = "agreements",
    operation_id = "getSafetyAgreement",
    summary = "The couple's current safety agreement",
    description = "The latest version with both partners' terms, whether it is in effect, and which version is. The couple's clinicians see who acknowledged it; each partner sees whether they have. Every read is audited.",
    params(("couple_id" = String, Path, description = "The couple's id.")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The latest version, with its ETag.", body = Agreement)
    )
)]
#[get("/couples/{couple_id}/safety-agreement")]
pub async fn get_agreement(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let doc = db::call(&state, &auth, move |cx| agreements::get(cx, &path)).await?;
    respond(StatusCode::OK, &auth.actor, &doc)
}

#[utoipa::path(
    tag = "agreements",
    operation_id = "putSafetyAgreement",
    summary = "Write a new version of the safety agreement",
    description = "The couple's clinicians only. Creates the first version with `If-None-Match: *`, and each later version with `If-Match` carrying the current ETag (428 without, 412 when stale). A new version needs both partners' acknowledgements; until then the previous version stays in effect. When a version takes effect that makes an exercise of the current step off-limits, the running plan is put on hold at once.",
    params(
        ("couple_id" = String, Path, description = "The couple's id."),
        ("If-Match" = Option<String>, Header, description = "The ETag of the current version. Required for every version after the first (428 without it, 412 when stale); only the first version is written without it, with `If-None-Match: *`."),
        ("If-None-Match" = Option<String>, Header, description = "`*` to create the first version.")
    ),
    request_body = AgreementInput,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A new version, awaiting both acknowledgements.", body = Agreement),
        (status = 201, description = "The first version, awaiting both acknowledgements.", body = Agreement),
        (status = 409, response = crate::openapi::Conflict)
    )
)]
#[put("/couples/{couple_id}/safety-agreement")]
pub async fn put_agreement(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    path: web::Path<String>,
    body: crate::input::Json<AgreementInput>,
) -> ApiResult<HttpResponse> {
    let AgreementInput { review_by, partners } = body.into_inner();
    let partners = partners.into_iter().map(PartnerTermsView::into_input).collect();
    let input = agreements::AgreementInput { review_by, partners };
    let draft = db::call(&state, &auth, move |cx| agreements::draft(cx, &path, input)).await?;
    match draft.latest {
        None if etag::if_none_match_any(&req) => {}
        None if req.headers().contains_key(header::IF_MATCH) => return Err(ApiError::PreconditionFailed),
        None => return Err(ApiError::PreconditionRequired),
        Some(_) if etag::if_none_match_any(&req) => return Err(ApiError::PreconditionFailed),
        Some(v) => etag::require_match(&req, &tag_of(&draft.couple, v))?,
    }
    let first = draft.latest.is_none();
    let doc = db::call(&state, &auth, move |cx| agreements::put(cx, draft)).await?;
    respond(if first { StatusCode::CREATED } else { StatusCode::OK }, &auth.actor, &doc)
}

/// One page of versions.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgreementVersions {
    /// Every version, newest first (a couple has few).
    pub items: Vec<Agreement>,
    /// Always `null`: the whole history fits in one page.
    pub next_cursor: Option<String>,
}

#[utoipa::path(
    tag = "agreements",
    operation_id = "listSafetyAgreementVersions",
    summary = "Every version of the safety agreement",
    description = "Newest first. The history is short, so it comes whole (`next_cursor` is always null).",
    params(("couple_id" = String, Path, description = "The couple's id.")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "All versions.", body = AgreementVersions)
    )
)]
#[get("/couples/{couple_id}/safety-agreement/versions")]
pub async fn list_versions(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
) -> ApiResult<web::Json<AgreementVersions>> {
    let (couple, versions, in_effect) = db::call(&state, &auth, move |cx| agreements::versions(cx, &path)).await?;
    let items = versions.iter().map(|v| view(&auth.actor, &couple, v, in_effect)).collect::<ApiResult<_>>()?;
    Ok(web::Json(AgreementVersions { items, next_cursor: None }))
}

#[utoipa::path(
    tag = "agreements",
    operation_id = "acknowledgeSafetyAgreement",
    summary = "Acknowledge the current version (partners)",
    description = "The calling partner acknowledges the latest version. Once both have, it is in effect; if it makes an exercise of the current step off-limits, the plan is put on hold at once. Acknowledging twice changes nothing.",
    params(("couple_id" = String, Path, description = "The couple's id.")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The version as acknowledged.", body = Agreement),
        (status = 409, response = crate::openapi::Conflict)
    )
)]
#[post("/couples/{couple_id}/safety-agreement/acknowledgements")]
pub async fn acknowledge(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let doc = db::call(&state, &auth, move |cx| agreements::acknowledge(cx, &path)).await?;
    respond(StatusCode::OK, &auth.actor, &doc)
}
