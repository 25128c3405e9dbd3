//! Partners' daily check-ins, with idempotent retries (`Idempotency-Key`) and the
//! visibility rules between partners.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use tandem_service::reports;
use utoipa::ToSchema;

use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::pagination::{PageParams, Paginated};
use crate::state::AppState;
use crate::views::record::{CheckIn, Visibility};
use crate::{db, idempotency};

/// A partner's daily note.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCheckIn {
    #[schema(example = "We laughed at dinner")]
    pub felt_good: String,
    #[schema(example = "A stressful day at work")]
    pub was_hard: String,
    #[schema(example = "Earlier bedtime")]
    pub to_adjust: String,
    /// Stress today, 0-10.
    #[schema(example = 4, minimum = 0, maximum = 10)]
    pub stress: i32,
    #[schema(value_type = Visibility)]
    pub visibility: String,
}

#[utoipa::path(
    tag = "reports",
    operation_id = "createCheckIn",
    summary = "Write today's check-in (partners)",
    description = "Honours `Idempotency-Key` like reports. Refused (409) for a discharged couple.",
    params(
        ("couple_id" = String, Path, description = "The couple's id."),
        ("Idempotency-Key" = Option<String>, Header, description = "A unique key per check-in, reused on retries.")
    ),
    request_body = NewCheckIn,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The check-in.", body = CheckIn),
        (status = 409, response = crate::openapi::Conflict)
    )
)]
#[post("/couples/{couple_id}/check-ins")]
pub async fn create_check_in(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    path: web::Path<String>,
    body: crate::input::Json<NewCheckIn>,
) -> ApiResult<HttpResponse> {
    let input = body.into_inner();
    let check_in = reports::NewCheckIn {
        felt_good: input.felt_good.clone(),
        was_hard: input.was_hard.clone(),
        to_adjust: input.to_adjust.clone(),
        stress: input.stress,
        visibility: input.visibility.clone(),
    };
    let prepared = db::call(&state, &auth, move |cx| reports::prepare_check_in(cx, &path, check_in)).await?;
    idempotency::run(&state, &auth, &req, "check_in.create", &input, StatusCode::CREATED, move |conn| {
        Ok(CheckIn::from(reports::record_check_in(conn, prepared)?))
    })
    .await
}

#[utoipa::path(
    tag = "reports",
    operation_id = "listCheckIns",
    summary = "A couple's check-ins",
    description = "Newest first, cursor-paginated. Clinicians see all; a partner sees their own and the other partner's shared ones.",
    params(("couple_id" = String, Path, description = "The couple's id."), PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of check-ins.", body = Paginated<CheckIn>),
        (status = 422, response = crate::openapi::UnprocessableEntity)
    )
)]
#[get("/couples/{couple_id}/check-ins")]
pub async fn list_check_ins(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
    query: web::Query<PageParams>,
) -> ApiResult<web::Json<Paginated<CheckIn>>> {
    let page = query.request()?;
    let rows = db::call(&state, &auth, move |cx| reports::list_check_ins(cx, &path, &page)).await?;
    Ok(web::Json(Paginated::from_page(rows, |r| Ok(CheckIn::from(r)))?))
}
