//! Partners' check-ins (the daily note and the weekly talk), with idempotent retries
//! (`Idempotency-Key`) and the visibility rules between partners.

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

/// A partner's check-in: the daily note (`kind` absent or `daily`: `felt_good`,
/// `was_hard`, `to_adjust`, `stress`) or the weekly talk (`kind` = `weekly_talk`:
/// `gratitude`, `frustrations`, `next_steps`). One flat body rather than a `oneOf`: a body
/// without `kind` must stay a daily check-in (a discriminator has to be present), and a
/// field of the other kind is answered 422 naming it (a union would answer 400).
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCheckIn {
    /// `daily` (the default) or `weekly_talk`.
    #[schema(value_type = Option<tandem_domain::journal::CheckInKind>, example = "daily")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Daily: what felt good today. Required for a daily check-in, refused on a weekly talk.
    #[schema(example = "We laughed at dinner")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub felt_good: Option<String>,
    /// Daily: what was hard. Required for a daily check-in, refused on a weekly talk.
    #[schema(example = "A stressful day at work")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub was_hard: Option<String>,
    /// Daily: what to adjust. Required for a daily check-in, refused on a weekly talk.
    #[schema(example = "Earlier bedtime")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_adjust: Option<String>,
    /// Daily: stress today, 0-10. Required for a daily check-in, refused on a weekly talk.
    #[schema(example = 4, minimum = 0, maximum = 10)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stress: Option<i32>,
    /// Weekly talk: the gratitude segment (at most 2000 characters). Required for a weekly
    /// talk, refused on a daily check-in.
    #[schema(example = "You made tea every morning when I was tired.")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gratitude: Option<String>,
    /// Weekly talk: the frustration inventory (at most 2000 characters). Required for a
    /// weekly talk, refused on a daily check-in.
    #[schema(example = "We kept postponing our walk.")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frustrations: Option<String>,
    /// Weekly talk: the plan for next steps (at most 2000 characters). Required for a
    /// weekly talk, refused on a daily check-in.
    #[schema(example = "Walk on Saturday morning, phones at home.")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_steps: Option<String>,
    #[schema(value_type = Visibility)]
    pub visibility: String,
}

#[utoipa::path(
    tag = "reports",
    operation_id = "createCheckIn",
    summary = "Write a check-in: today's note or the weekly talk (partners)",
    description = "`kind` chooses the check-in: `daily` (the default when absent) takes `felt_good`, `was_hard`, `to_adjust` and `stress`; `weekly_talk`, the structured weekly conversation, takes `gratitude`, `frustrations` and `next_steps`. The kind's own fields are required and the other kind's are refused (422 naming each). `visibility` works the same for both: `clinician_only`, or `shared_with_partner` for the other partner too. A weekly talk does not count as the day's check-in on the agenda. Honours `Idempotency-Key` like reports. Refused (409) for a discharged couple.",
    params(
        ("couple_id" = String, Path, description = "The couple's id."),
        ("Idempotency-Key" = Option<String>, Header, description = "A unique key per check-in, reused on retries.")
    ),
    request_body(
        content = NewCheckIn,
        description = "A weekly talk, as below. A daily check-in leaves out `kind` (or sends `daily`) and sends `felt_good`, `was_hard`, `to_adjust` and `stress` instead of the three segments, e.g. `{\"felt_good\": \"We laughed at dinner\", \"was_hard\": \"A stressful day at work\", \"to_adjust\": \"Earlier bedtime\", \"stress\": 4, \"visibility\": \"shared_with_partner\"}`.",
        example = json!({"kind": "weekly_talk", "gratitude": "You made tea every morning when I was tired.", "frustrations": "We kept postponing our walk.", "next_steps": "Walk on Saturday morning, phones at home.", "visibility": "shared_with_partner"})
    ),
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
        kind: input.kind.clone(),
        felt_good: input.felt_good.clone(),
        was_hard: input.was_hard.clone(),
        to_adjust: input.to_adjust.clone(),
        stress: input.stress,
        gratitude: input.gratitude.clone(),
        frustrations: input.frustrations.clone(),
        next_steps: input.next_steps.clone(),
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
    description = "Daily check-ins and weekly talks (`kind` says which), newest first, cursor-paginated. Clinicians see all; a partner sees their own and the other partner's shared ones.",
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
