//! A plan's steps: add, change, remove and reorder them (clinicians, with `If-Match`).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, patch, post, put, web};
use serde::Deserialize;
use tandem_service::plan_editing;
use utoipa::ToSchema;

use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::views::plan::{CriteriaView, Plan, document};
use crate::{db, etag};

/// A new step, or changes to one (omitted fields keep their value or default).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepInput {
    #[schema(example = "Holding hands")]
    pub title: Option<String>,
    #[schema(example = "Five minutes of hand holding, three times a week")]
    pub description: Option<String>,
    /// Attempts per week to aim for, 1-21 (default 3).
    #[schema(example = 3, minimum = 1, maximum = 21)]
    pub target_per_week: Option<i32>,
    /// Progression criteria (defaults: 3, 30, 70, 14).
    pub criteria: Option<CriteriaView>,
}

impl From<StepInput> for plan_editing::StepInput {
    fn from(i: StepInput) -> Self {
        Self {
            title: i.title,
            description: i.description,
            target_per_week: i.target_per_week,
            criteria: i.criteria.map(Into::into),
        }
    }
}

#[utoipa::path(
    tag = "plans",
    operation_id = "addStep",
    summary = "Add a step at the end of a plan",
    description = "Clinicians only, with `If-Match`. A plan has at most 20 steps (422 beyond). The step starts with no exercises and default criteria unless given.",
    params(
        ("plan_id" = String, Path, description = "The plan's id."),
        ("If-Match" = String, Header, description = "The plan's ETag from the last read.")
    ),
    request_body = StepInput,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The plan with the new step, and its new ETag.", body = Plan),
        (status = 409, response = crate::openapi::Conflict)
    )
)]
#[post("/plans/{plan_id}/steps")]
pub async fn add_step(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    path: web::Path<String>,
    body: crate::input::Json<StepInput>,
) -> ApiResult<HttpResponse> {
    let input = body.into_inner().into();
    let if_match = etag::if_match(&req);
    let judged = etag::judged(if_match.as_deref());
    let ctx = db::call(&state, &auth, move |cx| plan_editing::add_step(cx, &path, if_match.as_deref(), input))
        .await
        .map_err(judged)?;
    document(&auth.actor, &ctx, StatusCode::CREATED)
}

#[utoipa::path(
    tag = "plans",
    operation_id = "updateStep",
    summary = "Change a step",
    description = "Clinicians only, with `If-Match`. Title, description, weekly target and criteria.",
    params(
        ("plan_id" = String, Path, description = "The plan's id."),
        ("step_id" = String, Path, description = "The step's id."),
        ("If-Match" = String, Header, description = "The plan's ETag from the last read.")
    ),
    request_body = StepInput,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The plan as changed, with its new ETag.", body = Plan),
        (status = 409, response = crate::openapi::Conflict)
    )
)]
#[patch("/plans/{plan_id}/steps/{step_id}")]
pub async fn update_step(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    path: web::Path<(String, String)>,
    body: crate::input::Json<StepInput>,
) -> ApiResult<HttpResponse> {
    let (plan_id, step_id) = path.into_inner();
    let input = body.into_inner().into();
    let if_match = etag::if_match(&req);
    let judged = etag::judged(if_match.as_deref());
    let ctx = db::call(&state, &auth, move |cx| {
        plan_editing::update_step(cx, &plan_id, &step_id, if_match.as_deref(), input)
    })
    .await
    .map_err(judged)?;
    document(&auth.actor, &ctx, StatusCode::OK)
}

#[utoipa::path(
    tag = "plans",
    operation_id = "deleteStep",
    summary = "Remove a step",
    description = "Clinicians only, with `If-Match`. Only a step that has not started can be removed (409 otherwise); the remaining steps close ranks.",
    params(
        ("plan_id" = String, Path, description = "The plan's id."),
        ("step_id" = String, Path, description = "The step's id."),
        ("If-Match" = String, Header, description = "The plan's ETag from the last read.")
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The plan without the step, with its new ETag.", body = Plan),
        (status = 409, response = crate::openapi::Conflict)
    )
)]
#[delete("/plans/{plan_id}/steps/{step_id}")]
pub async fn delete_step(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (plan_id, step_id) = path.into_inner();
    let if_match = etag::if_match(&req);
    let judged = etag::judged(if_match.as_deref());
    let ctx = db::call(&state, &auth, move |cx| plan_editing::delete_step(cx, &plan_id, &step_id, if_match.as_deref()))
        .await
        .map_err(judged)?;
    document(&auth.actor, &ctx, StatusCode::OK)
}

/// The new order of all the plan's steps.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepOrder {
    /// Every step id of the plan, each once, first step first.
    pub step_ids: Vec<String>,
}

#[utoipa::path(
    tag = "plans",
    operation_id = "reorderSteps",
    summary = "Reorder a plan's steps",
    description = "Clinicians only, with `If-Match`. `step_ids` must list every step exactly once (422 otherwise). Steps already started or completed cannot move behind steps that have not.",
    params(
        ("plan_id" = String, Path, description = "The plan's id."),
        ("If-Match" = String, Header, description = "The plan's ETag from the last read.")
    ),
    request_body = StepOrder,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The plan in its new order, with its new ETag.", body = Plan),
        (status = 409, response = crate::openapi::Conflict)
    )
)]
#[put("/plans/{plan_id}/steps/order")]
pub async fn reorder_steps(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    path: web::Path<String>,
    body: crate::input::Json<StepOrder>,
) -> ApiResult<HttpResponse> {
    let order = body.into_inner().step_ids;
    let if_match = etag::if_match(&req);
    let judged = etag::judged(if_match.as_deref());
    let ctx = db::call(&state, &auth, move |cx| plan_editing::reorder_steps(cx, &path, if_match.as_deref(), order))
        .await
        .map_err(judged)?;
    document(&auth.actor, &ctx, StatusCode::OK)
}
