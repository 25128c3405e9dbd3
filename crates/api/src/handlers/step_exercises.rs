//! A step's exercises: snapshots of library entries, added and removed by clinicians
//! with `If-Match`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, post, web};
use serde::Deserialize;
use tandem_service::plan_editing;
use utoipa::ToSchema;

use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::views::plan::{Plan, document};
use crate::{db, etag};

/// An exercise to add to a step.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddExercise {
    /// A library exercise of the practice (not archived).
    #[schema(example = "01936f3e-8a4b-7c2d-9e1f-0a1b2c3d4e80")]
    pub exercise_id: String,
}

#[utoipa::path(
    tag = "plans",
    operation_id = "addStepExercise",
    summary = "Add an exercise to a step",
    description = "Clinicians only, with `If-Match`. Copies the library entry into the step (later library edits do not change it). At most 10 per step (422). An exercise with a tag either partner marked off-limits is refused with 409 naming the tag.",
    params(
        ("plan_id" = String, Path, description = "The plan's id."),
        ("step_id" = String, Path, description = "The step's id."),
        ("If-Match" = String, Header, description = "The plan's ETag from the last read.")
    ),
    request_body = AddExercise,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The plan with the exercise, and its new ETag.", body = Plan),
        (status = 409, response = crate::openapi::Conflict)
    )
)]
#[post("/plans/{plan_id}/steps/{step_id}/exercises")]
pub async fn add_exercise(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    path: web::Path<(String, String)>,
    body: crate::input::Json<AddExercise>,
) -> ApiResult<HttpResponse> {
    let (plan_id, step_id) = path.into_inner();
    let exercise_id = body.into_inner().exercise_id;
    let if_match = etag::if_match(&req);
    let judged = etag::judged(if_match.as_deref());
    let ctx = db::call(&state, &auth, move |cx| {
        plan_editing::add_exercise(cx, &plan_id, &step_id, if_match.as_deref(), &exercise_id)
    })
    .await
    .map_err(judged)?;
    document(&auth.actor, &ctx, StatusCode::CREATED)
}

#[utoipa::path(
    tag = "plans",
    operation_id = "removeStepExercise",
    summary = "Remove an exercise from a step",
    description = "Clinicians only, with `If-Match`.",
    params(
        ("plan_id" = String, Path, description = "The plan's id."),
        ("step_id" = String, Path, description = "The step's id."),
        ("item_id" = String, Path, description = "The step exercise's id (not the library id)."),
        ("If-Match" = String, Header, description = "The plan's ETag from the last read.")
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The plan without the exercise, with its new ETag.", body = Plan),
        (status = 409, response = crate::openapi::Conflict)
    )
)]
#[delete("/plans/{plan_id}/steps/{step_id}/exercises/{item_id}")]
pub async fn remove_exercise(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    path: web::Path<(String, String, String)>,
) -> ApiResult<HttpResponse> {
    let (plan_id, step_id, item_id) = path.into_inner();
    let if_match = etag::if_match(&req);
    let judged = etag::judged(if_match.as_deref());
    let ctx = db::call(&state, &auth, move |cx| {
        plan_editing::remove_exercise(cx, &plan_id, &step_id, &item_id, if_match.as_deref())
    })
    .await
    .map_err(judged)?;
    document(&auth.actor, &ctx, StatusCode::OK)
}
