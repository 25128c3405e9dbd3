//! Graded-exposure plans: the plan document (steps, their order and exercise snapshots,
//! all under one ETag), its lifecycle with the domain's gates, and per-partner consent
//! with its safety stop.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tandem_domain::plans::{
    ConsentAnswer, Criteria, HoldCause, LifecycleAction, MAX_EXERCISES_PER_STEP, MAX_STEPS, PlanFacts, PlanStatus,
    StepStatus, editable, lifecycle, off_limits,
};
use tandem_domain::{Action, Actor};
use tandem_store::couples::{self, CoupleRow};
use tandem_store::exercises::{self as library, json_list};
use tandem_store::plans::{self as store, ItemRow, PlanChanges, PlanRow, PlanTree, StepRow};
use tandem_store::{AnyConnection, Page, ids, time};
use utoipa::ToSchema;

use crate::audit;
use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::handlers::access::{self, PlanContext};
use crate::input::enum_field;
use crate::pagination::{PageParams, Paginated};
use crate::state::AppState;
use crate::views::plan::{CriteriaView, MyConsent, Plan, PlanAccess, access_of, criteria_of, view};
use crate::{db, etag};
use tandem_service::safety::{governing_off_limits, hold_plan, in_effect_off_limits};

fn plan_tag(plan: &PlanRow) -> String {
    etag::of("plan", &plan.id, plan.version)
}

fn respond(status: StatusCode, plan_view: Plan, tag: String) -> HttpResponse {
    HttpResponse::build(status).insert_header((header::ETAG, tag)).json(plan_view)
}

/// Loads the facts the lifecycle gates judge, about the step that would be current.
fn facts(conn: &mut AnyConnection, tree: &PlanTree, couple: &CoupleRow) -> ApiResult<PlanFacts> {
    let partners = [couple.partner_a_id.as_str(), couple.partner_b_id.as_str()];
    let step_id = tree.plan.current_step_id.clone().or_else(|| tree.steps.first().map(|s| s.id.clone()));
    let in_effect = in_effect_off_limits(conn, couple)?;
    let mut tags = Vec::new();
    if let Some(step) = &step_id {
        for item in tree.items_of(step) {
            tags.extend(json_list(&item.tags)?);
        }
    }
    let summary = couples::summary(conn, &couple.id)?;
    let running = store::running(conn, &couple.id)?;
    Ok(PlanFacts {
        status: Some(tree.plan.status()?),
        step_count: tree.steps.len(),
        agreement_in_effect: in_effect.is_some(),
        consents: step_id.as_deref().map_or([None, None], |s| tree.answers(s, partners)),
        off_limits_tags: off_limits(&tags, &in_effect.unwrap_or_default()),
        open_incidents: usize::try_from(summary.open_incidents).unwrap_or(0),
        withdrawn: summary.withdrawn,
        other_running_plan: running.is_some_and(|r| r.id != tree.plan.id),
    })
}

/// Reloads the plan and renders it with its ETag, inside the caller's transaction.
fn reload(conn: &mut AnyConnection, actor: &Actor, ctx: &PlanContext) -> ApiResult<(Plan, String)> {
    let tree = store::tree(conn, &ctx.tree.plan.id)?.ok_or(ApiError::NotFound)?;
    Ok((view(actor, &ctx.couple, ctx.rel, &tree)?, plan_tag(&tree.plan)))
}

/// Takes the plan's optimistic lock for an edit: `If-Match` must be current, and the
/// plan must still be at that version when the write commits.
fn lock(conn: &mut AnyConnection, plan: &PlanRow, now: DateTime<Utc>) -> ApiResult<()> {
    if store::bump_version(conn, &plan.id, plan.version, now)? { Ok(()) } else { Err(ApiError::PreconditionFailed) }
}

fn require_editable(ctx: &PlanContext) -> ApiResult<()> {
    access::require_in_treatment(&ctx.couple)?;
    if editable(ctx.tree.plan.status()?) {
        Ok(())
    } else {
        Err(ApiError::conflict(
            tandem_domain::refusal::Code::NotEditable,
            format!("a {} plan cannot be edited", ctx.tree.plan.status.replace('_', " ")),
        ))
    }
}

fn text(errors: &mut Vec<FieldError>, field: &str, value: &str, min: usize, max: usize) {
    let n = value.trim().chars().count();
    if n < min {
        errors.push(FieldError::new(field, "must not be empty"));
    } else if n > max {
        errors.push(FieldError::new(field, format!("must be at most {max} characters")));
    }
}

fn validation(errors: Vec<FieldError>) -> ApiResult<()> {
    if errors.is_empty() { Ok(()) } else { Err(ApiError::Validation(errors)) }
}

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
    let (couple, rel) = access::load_couple(&state, &auth, path.into_inner(), Action::ReadPlanStatus).await?;
    let page = query.request()?;
    let full = access_of(&auth.actor, rel) != PlanAccess::StatusOnly;
    let id = couple.id.clone();
    let rows: Page<PlanRow> = db::read(&state, move |conn| Ok(store::list(conn, &id, &page)?)).await?;
    state.audit.read_event(access::event(&state, &auth, "plan.list", "plan", &couple.id, &couple.id)).await;
    Ok(web::Json(Paginated::from_page(rows, |p| {
        Ok(PlanSummary {
            status: p.status()?,
            title: full.then(|| p.title.clone()),
            id: p.id,
            created_at: time::from_db(p.created_at),
            updated_at: time::from_db(p.updated_at),
        })
    })?))
}

/// A new plan.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPlan {
    #[schema(example = "Rebuilding comfortable touch")]
    pub title: String,
    #[schema(example = "Feel at ease holding each other again")]
    pub goal: String,
}

#[utoipa::path(
    tag = "plans",
    operation_id = "createPlan",
    summary = "Draft a plan for a couple",
    description = "The couple's clinicians only. The plan starts as a draft; add steps and exercises, then activate it.",
    params(("couple_id" = String, Path, description = "The couple's id.")),
    request_body = NewPlan,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The draft, with its ETag.", body = Plan),
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
    let (couple, rel) = access::load_couple(&state, &auth, path.into_inner(), Action::WriteClinical).await?;
    access::require_in_treatment(&couple)?;
    let input = body.into_inner();
    let mut errors = Vec::new();
    text(&mut errors, "title", &input.title, 1, 200);
    text(&mut errors, "goal", &input.goal, 0, 2000);
    validation(errors)?;
    let now = state.clock.now();
    let row = PlanRow {
        id: ids::new_id(),
        practice_id: couple.practice_id.clone(),
        couple_id: couple.id.clone(),
        title: input.title.trim().to_owned(),
        goal: input.goal.trim().to_owned(),
        status: PlanStatus::Draft.as_str().into(),
        hold_cause: None,
        current_step_id: None,
        version: 1,
        created_by: auth.actor.user_id.clone(),
        created_at: time::to_db(now),
        updated_at: time::to_db(now),
        activated_at: None,
        completed_at: None,
    };
    let event = access::event(&state, &auth, "plan.create", "plan", &row.id, &couple.id);
    let actor = auth.actor.clone();
    let plan_id = row.id.clone();
    let (plan, tag) = db::write(&state, move |conn| {
        store::insert_plan(conn, &row)?;
        audit::record(conn, event)?;
        let tree = store::tree(conn, &plan_id)?.ok_or(ApiError::NotFound)?;
        Ok((view(&actor, &couple, rel, &tree)?, plan_tag(&tree.plan)))
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/plans/{}", plan.id)))
        .insert_header((header::ETAG, tag))
        .json(plan))
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
    let ctx = access::load_plan(&state, &auth, path.into_inner(), Action::ReadPlanStatus).await?;
    state.audit.read_event(access::event(&state, &auth, "plan.read", "plan", &ctx.tree.plan.id, &ctx.couple.id)).await;
    Ok(respond(StatusCode::OK, view(&auth.actor, &ctx.couple, ctx.rel, &ctx.tree)?, plan_tag(&ctx.tree.plan)))
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
    let ctx = access::load_plan(&state, &auth, path.into_inner(), Action::WriteClinical).await?;
    etag::require_match(&req, &plan_tag(&ctx.tree.plan))?;
    require_editable(&ctx)?;
    let patch = body.into_inner();
    let mut errors = Vec::new();
    if let Some(t) = &patch.title {
        text(&mut errors, "title", t, 1, 200);
    }
    if let Some(g) = &patch.goal {
        text(&mut errors, "goal", g, 0, 2000);
    }
    validation(errors)?;
    edit(&state, &auth, ctx, "plan.update", move |conn, ctx, now| {
        let changes = PlanChanges {
            title: patch.title.map(|t| t.trim().to_owned()),
            goal: patch.goal.map(|g| g.trim().to_owned()),
            updated_at: Some(time::to_db(now)),
            ..PlanChanges::default()
        };
        store::update_plan(conn, &ctx.tree.plan.id, &changes)?;
        Ok(())
    })
    .await
}

/// Runs an edit of the plan document: takes the optimistic lock, applies `f`, audits,
/// and answers with the plan and its new ETag, all in one transaction.
async fn edit<F>(
    state: &AppState,
    auth: &Authenticated,
    ctx: PlanContext,
    action: &str,
    f: F,
) -> ApiResult<HttpResponse>
where
    F: FnOnce(&mut AnyConnection, &PlanContext, DateTime<Utc>) -> ApiResult<()> + Send + 'static,
{
    let now = state.clock.now();
    let event = access::event(state, auth, action, "plan", &ctx.tree.plan.id, &ctx.couple.id);
    let actor = auth.actor.clone();
    let (plan, tag) = db::write(state, move |conn| {
        lock(conn, &ctx.tree.plan, now)?;
        f(conn, &ctx, now)?;
        audit::record(conn, event)?;
        tandem_service::review::refresh_summary(conn, &ctx.couple, now)?;
        reload(conn, &actor, &ctx)
    })
    .await?;
    Ok(respond(StatusCode::OK, plan, tag))
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
    let ctx = access::load_plan(&state, &auth, path.into_inner(), Action::WriteClinical).await?;
    access::require_in_treatment(&ctx.couple)?;
    let action = enum_field("action", &body.into_inner().action, LifecycleAction::ALL, LifecycleAction::as_str)
        .map_err(|e| ApiError::Validation(vec![e]))?;
    let now = state.clock.now();
    let event =
        access::event(&state, &auth, &format!("plan.{}", action.as_str()), "plan", &ctx.tree.plan.id, &ctx.couple.id);
    let actor = auth.actor.clone();
    let (plan, tag) = db::write(&state, move |conn| {
        // Re-read inside the transaction: the gates judge the state we commit against.
        let tree = store::tree(conn, &ctx.tree.plan.id)?.ok_or(ApiError::NotFound)?;
        let facts = facts(conn, &tree, &ctx.couple)?;
        let next = lifecycle(action, &facts).map_err(ApiError::Conflict)?;
        apply_lifecycle(conn, &tree, action, next, now)?;
        store::bump_version(conn, &tree.plan.id, tree.plan.version, now)?;
        audit::record(conn, event)?;
        tandem_service::review::refresh_summary(conn, &ctx.couple, now)?;
        reload(conn, &actor, &PlanContext { tree, ..ctx })
    })
    .await?;
    Ok(respond(StatusCode::OK, plan, tag))
}

fn apply_lifecycle(
    conn: &mut AnyConnection,
    tree: &PlanTree,
    action: LifecycleAction,
    next: PlanStatus,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let plan = &tree.plan;
    let mut changes = PlanChanges {
        status: Some(next.as_str().into()),
        updated_at: Some(time::to_db(now)),
        ..PlanChanges::default()
    };
    let current = plan.current_step_id.clone();
    let mut pause_cause: Option<Option<&str>> = None;
    match action {
        LifecycleAction::Activate => {
            let first = tree
                .steps
                .first()
                .ok_or_else(|| ApiError::conflict(tandem_domain::refusal::Code::NoSteps, "add a step first".into()))?;
            store::set_step_status(conn, &first.id, StepStatus::Active, now)?;
            changes.current_step_id = Some(Some(first.id.clone()));
            changes.activated_at = Some(Some(time::to_db(now)));
            changes.hold_cause = Some(None);
            pause_cause = Some(None);
        }
        LifecycleAction::Pause => {
            if let Some(step) = &current {
                store::set_step_status(conn, step, StepStatus::OnHold, now)?;
            }
            changes.hold_cause = Some(Some(HoldCause::Clinician.as_str().into()));
            pause_cause = Some(Some(HoldCause::Clinician.as_str()));
        }
        LifecycleAction::Resume => {
            if let Some(step) = &current {
                // The progression window restarts here, so an old setback cannot fire again.
                store::set_step_status(conn, step, StepStatus::Active, now)?;
            }
            changes.hold_cause = Some(None);
            pause_cause = Some(None);
        }
        LifecycleAction::Complete => {
            if let Some(step) = &current {
                store::set_step_status(conn, step, StepStatus::Completed, now)?;
            }
            changes.completed_at = Some(Some(time::to_db(now)));
            changes.hold_cause = Some(None);
            pause_cause = Some(None);
        }
        LifecycleAction::Archive => {
            if plan.status()? == PlanStatus::OnHold {
                pause_cause = Some(None);
            }
        }
    }
    store::update_plan(conn, &plan.id, &changes)?;
    if let Some(cause) = pause_cause {
        couples::set_pause_cause(conn, &plan.couple_id, cause, now)?;
    }
    Ok(())
}

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

fn validate_step(step: &StepRow) -> ApiResult<()> {
    let mut errors = Vec::new();
    text(&mut errors, "title", &step.title, 1, 200);
    text(&mut errors, "description", &step.description, 0, 4000);
    if !(1..=21).contains(&step.target_per_week) {
        errors.push(FieldError::new("target_per_week", "must be between 1 and 21"));
    }
    for (field, message) in criteria_of(step).problems() {
        errors.push(FieldError::new(format!("criteria.{field}"), message));
    }
    validation(errors)
}

fn apply_step_input(step: &mut StepRow, input: StepInput) {
    if let Some(v) = input.title {
        step.title = v.trim().to_owned();
    }
    if let Some(v) = input.description {
        step.description = v.trim().to_owned();
    }
    if let Some(v) = input.target_per_week {
        step.target_per_week = v;
    }
    if let Some(c) = input.criteria {
        step.min_sessions = c.min_sessions;
        step.target_suds = c.target_suds;
        step.setback_suds = c.setback_suds;
        step.window_days = c.window_days;
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
    let ctx = access::load_plan(&state, &auth, path.into_inner(), Action::WriteClinical).await?;
    etag::require_match(&req, &plan_tag(&ctx.tree.plan))?;
    require_editable(&ctx)?;
    if ctx.tree.steps.len() >= MAX_STEPS {
        return Err(ApiError::validation("steps", "a plan has at most 20 steps"));
    }
    let now = state.clock.now();
    let defaults = Criteria::default();
    let position = ctx.tree.steps.iter().map(|s| s.position + 1).max().unwrap_or(0);
    let mut step = StepRow {
        id: ids::new_id(),
        practice_id: ctx.tree.plan.practice_id.clone(),
        plan_id: ctx.tree.plan.id.clone(),
        position,
        title: String::new(),
        description: String::new(),
        target_per_week: 3,
        min_sessions: defaults.min_sessions,
        target_suds: defaults.target_suds,
        setback_suds: defaults.setback_suds,
        window_days: defaults.window_days,
        status: StepStatus::NotStarted.as_str().into(),
        activated_at: None,
        created_at: time::to_db(now),
        updated_at: time::to_db(now),
    };
    apply_step_input(&mut step, body.into_inner());
    validate_step(&step)?;
    let mut res = edit(&state, &auth, ctx, "plan.step.create", move |conn, _, _| {
        store::insert_step(conn, &step)?;
        Ok(())
    })
    .await?;
    *res.status_mut() = StatusCode::CREATED;
    Ok(res)
}

fn find_step<'a>(ctx: &'a PlanContext, step_id: &str) -> ApiResult<&'a StepRow> {
    ctx.tree.step(step_id).ok_or(ApiError::NotFound)
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
    let ctx = access::load_plan(&state, &auth, plan_id, Action::WriteClinical).await?;
    let mut step = find_step(&ctx, &step_id)?.clone();
    etag::require_match(&req, &plan_tag(&ctx.tree.plan))?;
    require_editable(&ctx)?;
    apply_step_input(&mut step, body.into_inner());
    step.updated_at = time::to_db(state.clock.now());
    validate_step(&step)?;
    edit(&state, &auth, ctx, "plan.step.update", move |conn, _, _| {
        store::save_step(conn, &step)?;
        Ok(())
    })
    .await
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
    let ctx = access::load_plan(&state, &auth, plan_id, Action::WriteClinical).await?;
    let step = find_step(&ctx, &step_id)?.clone();
    etag::require_match(&req, &plan_tag(&ctx.tree.plan))?;
    require_editable(&ctx)?;
    if step.status()? != StepStatus::NotStarted {
        return Err(ApiError::conflict(
            tandem_domain::refusal::Code::NotEditable,
            format!("a {} step cannot be removed", step.status.replace('_', " ")),
        ));
    }
    edit(&state, &auth, ctx, "plan.step.delete", move |conn, ctx, _| {
        store::delete_step(conn, &step.id)?;
        let order: Vec<String> = ctx.tree.steps.iter().filter(|s| s.id != step.id).map(|s| s.id.clone()).collect();
        store::reorder_steps(conn, &order)?;
        Ok(())
    })
    .await
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
    let ctx = access::load_plan(&state, &auth, path.into_inner(), Action::WriteClinical).await?;
    etag::require_match(&req, &plan_tag(&ctx.tree.plan))?;
    require_editable(&ctx)?;
    let order = body.into_inner().step_ids;
    let mut given = order.clone();
    given.sort();
    let mut existing: Vec<String> = ctx.tree.steps.iter().map(|s| s.id.clone()).collect();
    existing.sort();
    if given != existing {
        return Err(ApiError::validation("step_ids", "must list every step of the plan exactly once"));
    }
    // Started steps keep their place at the front: the plan's history stays truthful.
    let started = |id: &String| ctx.tree.step(id).is_some_and(|s| s.status != StepStatus::NotStarted.as_str());
    let first_unstarted = order.iter().position(|id| !started(id)).unwrap_or(order.len());
    let started_in_order: Vec<&String> =
        ctx.tree.steps.iter().filter(|s| s.status != StepStatus::NotStarted.as_str()).map(|s| &s.id).collect();
    if order[..first_unstarted].iter().collect::<Vec<_>>() != started_in_order
        || order[first_unstarted..].iter().any(started)
    {
        return Err(ApiError::conflict(
            tandem_domain::refusal::Code::NotEditable,
            "steps that have started stay first, in their order".into(),
        ));
    }
    edit(&state, &auth, ctx, "plan.step.reorder", move |conn, _, _| {
        store::reorder_steps(conn, &order)?;
        Ok(())
    })
    .await
}

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
    let ctx = access::load_plan(&state, &auth, plan_id, Action::WriteClinical).await?;
    let step = find_step(&ctx, &step_id)?.clone();
    etag::require_match(&req, &plan_tag(&ctx.tree.plan))?;
    require_editable(&ctx)?;
    let count = ctx.tree.items_of(&step.id).count();
    if count >= MAX_EXERCISES_PER_STEP {
        return Err(ApiError::validation("exercise_id", "a step has at most 10 exercises"));
    }
    let exercise_id = body.into_inner().exercise_id;
    let couple = ctx.couple.clone();
    let practice_id = ctx.tree.plan.practice_id.clone();
    let (exercise, off) = db::read(&state, move |conn| {
        let exercise = if ids::is_valid(&exercise_id) { library::find(conn, &exercise_id)? } else { None };
        let exercise =
            exercise.filter(|e| e.practice_id == practice_id && e.archived_at.is_none()).ok_or_else(|| {
                ApiError::validation(
                    "exercise_id",
                    "must name an exercise of this practice's library that is not archived",
                )
            })?;
        let off = governing_off_limits(conn, &couple)?;
        Ok((exercise, off))
    })
    .await?;
    let tags = exercise.tag_list()?;
    let conflicts = off_limits(&tags, &off);
    if !conflicts.is_empty() {
        return Err(ApiError::conflict(
            tandem_domain::refusal::Code::OffLimits,
            format!(
                "off-limits: the safety agreement rules out {}",
                conflicts.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", ")
            ),
        ));
    }
    let now = state.clock.now();
    let position = ctx.tree.items_of(&step.id).map(|i| i.position + 1).max().unwrap_or(0);
    let item = ItemRow {
        id: ids::new_id(),
        practice_id: exercise.practice_id.clone(),
        plan_id: step.plan_id.clone(),
        step_id: step.id.clone(),
        position,
        exercise_id: exercise.id.clone(),
        title: exercise.title.clone(),
        category: exercise.category.clone(),
        instructions: exercise.instructions.clone(),
        duration_minutes: exercise.duration_minutes,
        intensity: exercise.intensity,
        check_in_prompts: exercise.check_in_prompts.clone(),
        exit_strategy: exercise.exit_strategy.clone(),
        tags: exercise.tags.clone(),
        created_at: time::to_db(now),
    };
    let mut res = edit(&state, &auth, ctx, "plan.exercise.add", move |conn, _, _| {
        store::insert_item(conn, &item)?;
        Ok(())
    })
    .await?;
    *res.status_mut() = StatusCode::CREATED;
    Ok(res)
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
    let ctx = access::load_plan(&state, &auth, plan_id, Action::WriteClinical).await?;
    let step = find_step(&ctx, &step_id)?.clone();
    if !ctx.tree.items_of(&step.id).any(|i| i.id == item_id) {
        return Err(ApiError::NotFound);
    }
    etag::require_match(&req, &plan_tag(&ctx.tree.plan))?;
    require_editable(&ctx)?;
    edit(&state, &auth, ctx, "plan.exercise.remove", move |conn, _, _| {
        store::delete_item(conn, &item_id)?;
        Ok(())
    })
    .await
}

/// A partner's answer about a step.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentInput {
    /// `not_asked`, `yes`, `tentative_yes`, `soft_no` or `no`.
    #[schema(value_type = ConsentAnswer)]
    pub answer: String,
    /// An optional note for the clinician (never shown to the other partner).
    #[schema(example = "I'd like to go slower this week")]
    pub note: Option<String>,
}

#[utoipa::path(
    tag = "plans",
    operation_id = "setConsent",
    summary = "Give or change your own answer about a step (partners)",
    description = "The calling partner sets only their own answer. A `soft_no` or `no` on the current step of an active plan is a safety stop: the plan is put on hold at once. The other partner sees only that the plan is paused, never who paused it or why; the clinician sees who and when. Every answer is kept in the history.",
    params(
        ("plan_id" = String, Path, description = "The plan's id."),
        ("step_id" = String, Path, description = "The step's id.")
    ),
    request_body = ConsentInput,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Your answer as recorded.", body = MyConsent),
        (status = 409, response = crate::openapi::Conflict)
    )
)]
#[put("/plans/{plan_id}/steps/{step_id}/consent")]
pub async fn set_consent(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, String)>,
    body: crate::input::Json<ConsentInput>,
) -> ApiResult<web::Json<MyConsent>> {
    let (plan_id, step_id) = path.into_inner();
    let ctx = access::load_plan(&state, &auth, plan_id, Action::PartnerAnswer).await?;
    let step = find_step(&ctx, &step_id)?.clone();
    access::require_in_treatment(&ctx.couple)?;
    if !editable(ctx.tree.plan.status()?) {
        return Err(ApiError::conflict(tandem_domain::refusal::Code::PlanEnded, "this plan has ended".into()));
    }
    let input = body.into_inner();
    if input.note.as_deref().is_some_and(|n| n.chars().count() > 2000) {
        return Err(ApiError::validation("note", "must be at most 2000 characters"));
    }
    let answer = enum_field("answer", &input.answer, ConsentAnswer::ALL, ConsentAnswer::as_str)
        .map_err(|e| ApiError::Validation(vec![e]))?;
    let note = input.note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    let now = state.clock.now();
    let event = access::event(&state, &auth, "plan.consent", "consent", &step.id, &ctx.couple.id);
    let user_id = auth.actor.user_id.clone();
    let recorded_note = note.clone();
    db::write(&state, move |conn| {
        let plan = store::find_plan(conn, &ctx.tree.plan.id)?.ok_or(ApiError::NotFound)?;
        store::set_consent(conn, &plan, &step.id, &user_id, answer, note.as_deref(), now)?;
        if answer.withdraws() && plan.current_step_id.as_deref() == Some(step.id.as_str()) {
            hold_plan(conn, &plan, HoldCause::ConsentWithdrawn, now)?;
        }
        audit::record(conn, event)?;
        tandem_service::review::refresh_summary(conn, &ctx.couple, now)?;
        Ok(())
    })
    .await?;
    Ok(web::Json(MyConsent { answer, note: recorded_note, updated_at: Some(now) }))
}
