//! Compromises between the partners: one proposes, the other agrees, either withdraws;
//! nothing a partner or clinician reads says who withdrew.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, post, web};
use serde::{Deserialize, Serialize};
use tandem_service::needs_map;
use utoipa::ToSchema;

use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::views::needs_map::Compromise;
use crate::{db, idempotency};

/// A compromise, as proposed.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCompromise {
    /// Short: 1 to 280 characters.
    #[schema(
        example = "Cuddles on the sofa on Sundays, clothes on, no expectations",
        min_length = 1,
        max_length = 280
    )]
    pub text: String,
    /// Up to 2,000 characters.
    #[schema(example = "Either of us can end it at any time", max_length = 2000)]
    pub note: Option<String>,
}

#[utoipa::path(
    tag = "needs-map",
    operation_id = "proposeCompromise",
    summary = "Propose a compromise (partners)",
    description = "Partners only. The compromise is `proposed` until the other partner agrees it. Both partners and the couple's clinicians see it. Honours `Idempotency-Key`. Refused (409) for a discharged couple.",
    params(
        ("couple_id" = String, Path, description = "The couple's id."),
        ("Idempotency-Key" = Option<String>, Header, description = "A unique key per proposal, reused on retries.")
    ),
    request_body = NewCompromise,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The proposal.", body = Compromise),
        (status = 409, response = crate::openapi::Conflict)
    )
)]
#[post("/couples/{couple_id}/needs-map/compromises")]
pub async fn propose(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    path: web::Path<String>,
    body: crate::input::Json<NewCompromise>,
) -> ApiResult<HttpResponse> {
    let input = body.into_inner();
    let proposal = needs_map::NewCompromise { text: input.text.clone(), note: input.note.clone() };
    let prepared = db::call(&state, &auth, move |cx| needs_map::prepare_compromise(cx, &path, proposal)).await?;
    idempotency::run(&state, &auth, &req, "compromise.propose", &input, StatusCode::CREATED, move |conn| {
        Ok(Compromise::of(needs_map::record_compromise(conn, prepared)?))
    })
    .await
}

#[utoipa::path(
    tag = "needs-map",
    operation_id = "acceptCompromise",
    summary = "Agree a compromise the other partner proposed",
    description = "Only the partner who did not propose it: it becomes `agreed`. Accepting your own proposal, or one that was withdrawn, is refused (409); accepting an agreed one again changes nothing. Refused (409) for a discharged couple.",
    params(
        ("couple_id" = String, Path, description = "The couple's id."),
        ("compromise_id" = String, Path, description = "The compromise's id.")
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The compromise, agreed.", body = Compromise),
        (status = 409, response = crate::openapi::Conflict)
    )
)]
#[post("/couples/{couple_id}/needs-map/compromises/{compromise_id}/accept")]
pub async fn accept(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, String)>,
) -> ApiResult<web::Json<Compromise>> {
    let (couple_id, id) = path.into_inner();
    let row = db::call(&state, &auth, move |cx| needs_map::accept(cx, &couple_id, &id)).await?;
    Ok(web::Json(Compromise::of(row)))
}

#[utoipa::path(
    tag = "needs-map",
    operation_id = "withdrawCompromise",
    summary = "Withdraw a compromise (either partner)",
    description = "Either partner, at any time, without a reason, from `proposed` or `agreed`: it becomes `withdrawn`. Everyone then sees only that it is no longer agreed, never who withdrew it (not in the map, the timeline or the export). Withdrawing again changes nothing. Refused (409) for a discharged couple.",
    params(
        ("couple_id" = String, Path, description = "The couple's id."),
        ("compromise_id" = String, Path, description = "The compromise's id.")
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The compromise, withdrawn.", body = Compromise),
        (status = 409, response = crate::openapi::Conflict)
    )
)]
#[post("/couples/{couple_id}/needs-map/compromises/{compromise_id}/withdraw")]
pub async fn withdraw(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, String)>,
) -> ApiResult<web::Json<Compromise>> {
    let (couple_id, id) = path.into_inner();
    let row = db::call(&state, &auth, move |cx| needs_map::withdraw(cx, &couple_id, &id)).await?;
    Ok(web::Json(Compromise::of(row)))
}
