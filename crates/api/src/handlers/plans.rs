//! Graded-exposure plans: the plan document (one ETag over its steps, their order and
//! exercise snapshots) and its lifecycle. Steps, step exercises and consent have their
//! own route files.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tandem_domain::plans::{LifecycleAction, PlanStatus};
use tandem_service::records::time;
use tandem_service::{plans, template_plans};
use utoipa::ToSchema;

use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::pagination::{PageParams, Paginated};
use crate::state::AppState;
use crate::views::plan::{DraftedPlan, Plan, PlanAccess, access_of, document, view};
use crate::{db, etag};

/// A plan in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanSummary {
    pub id: String,
    /// `null` for admins (status only).
    pub title: Option<String>,
    pub status: PlanStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[utoipa::path(
    tag = "plans",
    operation_id = "listPlans",
    summary = "A couple's plans",
    description = "Newest first, cursor-paginated. Clinicians and partners see titles; admins see status only.",
    params(("couple_id" = String, Path, description = "The couple's id."), PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of plans.", body = Paginated<PlanSummary>),
        (status = 422, response = crate::openapi::UnprocessableEntity)
    )
)]
#[get("/couples/{couple_id}/plans")]
pub async fn list_plans(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
    query: web::Query<PageParams>,
) -> ApiResult<web::Json<Paginated<PlanSummary>>> {
    let page = query.request()?;
    let list = db::call(&state, &auth, move |cx| plans::list(cx, &path, &page)).await?;
    let full = access_of(&auth.actor, list.rel) != PlanAccess::StatusOnly;
    Ok(web::Json(Paginated::from_page(list.page, |p| {
        Ok(PlanSummary {
            status: p.status()?,
            title: full.then(|| p.title.clone()),
            id: p.id,
            created_at: time::from_db(p.created_at),
            updated_at: time::from_db(p.updated_at),
        })
    })?))
}

/// A new plan: written by hand (`title` and `goal` required), or drafted from a template
/// (`template_id`; `title` and `goal` then default to the template's).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPlan {
    /// 1-200 characters; required without `template_id`.
    #[schema(example = "Rebuilding comfortable touch")]
    pub title: Option<String>,
    /// At most 2000 characters; required without `template_id`.
    #[schema(example = "Feel at ease holding each other again")]
    pub goal: Option<String>,
    /// A built-in template or one of the practice's templates that is not archived
    /// (`GET /api/v1/plan-templates`).
    #[schema(example = "00000000-0000-7000-8000-000000000002")]
    pub template_id: Option<String>,
}

#[utoipa::path(
    tag = "plans",
    operation_id = "createPlan",
    summary = "Draft a plan for a couple",
    description = "The couple's clinicians only. The plan starts as a draft; add steps and exercises, then activate it.\n\nWith `template_id` the draft gets the template's steps with their criteria, and a snapshot of each exercise (as adding it by hand would), all in one transaction; the plan records the template's id and version (`template`). An exercise whose tags the couple's safety agreement rules out (the version in effect and any newer one awaiting acknowledgement), or one archived since, is not added: `left_out` lists it with its step and the tags that matched, and the step is still created, so you decide whether to swap the exercise or remove the step. A `template_id` that names no usable template is 422.",
    params(("couple_id" = String, Path, description = "The couple's id.")),
    request_body = NewPlan,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The draft, with its ETag, and what of its template it does not have.", body = DraftedPlan),
        (status = 409, response = crate::openapi::Conflict)
    )
)]
#[post("/couples/{couple_id}/plans")]
pub async fn create_plan(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
    body: crate::input::Json<NewPlan>,
) -> ApiResult<HttpResponse> {
    let NewPlan { title, goal, template_id } = body.into_inner();
    let drafted = match template_id {
        Some(template_id) => {
            let input = template_plans::FromTemplate { template_id, title, goal };
            db::call(&state, &auth, move |cx| template_plans::create(cx, &path, input)).await?
        }
        None => {
            let required = "is required unless `template_id` is given";
            let (Some(title), Some(goal)) = (title.clone(), goal.clone()) else {
                let missing = [("title", title.is_none()), ("goal", goal.is_none())];
                let errors = missing.iter().filter(|m| m.1).map(|m| FieldError::new(m.0, required)).collect();
                return Err(ApiError::Validation(errors));
            };
            let input = plans::NewPlan { title, goal };
            let plan = db::call(&state, &auth, move |cx| plans::create(cx, &path, input)).await?;
            template_plans::DraftedPlan { plan, left_out: Vec::new() }
        }
    };
    let ctx = &drafted.plan;
    let plan = view(&auth.actor, &ctx.couple, ctx.rel, &ctx.tree)?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/plans/{}", plan.id)))
        .insert_header((header::ETAG, plans::tag(&ctx.tree.plan)))
        .json(DraftedPlan { plan, left_out: drafted.left_out.into_iter().map(Into::into).collect() }))
}

#[utoipa::path(
    tag = "plans",
    operation_id = "getPlan",
    summary = "Read a plan",
    description = "Clinicians see everything, including who answered what and why the plan is on hold. Partners see the steps, exercises, status and their own answers, never the other partner's. Admins see status only. Every read is audited.",
    params(("plan_id" = String, Path, description = "The plan's id.")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The plan, with its ETag.", body = Plan)
    )
)]
#[get("/plans/{plan_id}")]
pub async fn get_plan(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let ctx = db::call(&state, &auth, move |cx| plans::get(cx, &path)).await?;
    document(&auth.actor, &ctx, StatusCode::OK)
}

/// Changes to a plan's title or goal.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanPatch {
    pub title: Option<String>,
    pub goal: Option<String>,
}

#[utoipa::path(
    tag = "plans",
    operation_id = "updatePlan",
    summary = "Change a plan's title or goal",
    description = "Clinicians only. Requires `If-Match` with the plan's ETag.",
    params(
        ("plan_id" = String, Path, description = "The plan's id."),
        ("If-Match" = String, Header, description = "The plan's ETag from the last read.")
    ),
    request_body = PlanPatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The plan as changed, with its new ETag.", body = Plan),
        (status = 409, response = crate::openapi::Conflict)
    )
)]
#[patch("/plans/{plan_id}")]
pub async fn update_plan(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    path: web::Path<String>,
    body: crate::input::Json<PlanPatch>,
) -> ApiResult<HttpResponse> {
    let PlanPatch { title, goal } = body.into_inner();
    let if_match = etag::if_match(&req);
    let judged = etag::judged(if_match.as_deref());
    let ctx = db::call(&state, &auth, move |cx| {
        plans::update(cx, &path, if_match.as_deref(), plans::PlanPatch { title, goal })
    })
    .await
    .map_err(judged)?;
    document(&auth.actor, &ctx, StatusCode::OK)
}

/// A lifecycle action.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    /// `activate`, `pause`, `resume`, `complete` or `archive`.
    #[schema(value_type = LifecycleAction)]
    pub action: String,
}

#[utoipa::path(
    tag = "plans",
    operation_id = "changePlanStatus",
    summary = "Activate, pause, resume, complete or archive a plan",
    description = "Clinicians only; no If-Match needed. `activate` needs a safety agreement in effect, both partners' yes or tentative yes on the first step, no off-limits exercise in it, and no other running plan. `resume` is refused while any safety stop remains (consent withdrawn, an open incident, an off-limits exercise, a withdrawal). Refusals are 409 with every reason in `detail`.",
    params(("plan_id" = String, Path, description = "The plan's id.")),
    request_body = StatusChange,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The plan in its new status, with its new ETag.", body = Plan),
        (status = 409, response = crate::openapi::Conflict)
    )
)]
#[post("/plans/{plan_id}/status")]
pub async fn change_status(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
    body: crate::input::Json<StatusChange>,
) -> ApiResult<HttpResponse> {
    let action = body.into_inner().action;
    let ctx = db::call(&state, &auth, move |cx| plans::change_status(cx, &path, &action)).await?;
    document(&auth.actor, &ctx, StatusCode::OK)
}
