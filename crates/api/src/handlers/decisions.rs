//! The recommendation and the clinician's decisions. The system recommends; only a
//! clinician moves a plan, naming the recommendation they answer.

use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;
use tandem_domain::Action;
use tandem_domain::plans::{ConsentAnswer, PlanStatus, StepStatus};
use tandem_domain::progression::Kind;
use tandem_store::decisions::{self as store, DecisionRow};
use tandem_store::plans::{self, PlanChanges};
use tandem_store::{couples, ids, time};
use utoipa::ToSchema;

use crate::audit;
use crate::auth::Authenticated;
use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::handlers::access;
use crate::pagination::{PageParams, Paginated};
use crate::state::AppState;
use crate::views::record::{Decision, RecommendationView};
use tandem_service::review;

#[utoipa::path(
    tag = "decisions",
    operation_id = "getRecommendation",
    summary = "The recommendation for the current step (clinicians)",
    description = "Pause, step back (naming the baseline), advance (possibly once both consent to the next step) or hold (saying what is missing), with reasons. Partners never see recommendations. 409 when the plan is not running.",
    params(("plan_id" = String, Path, description = "The plan's id.")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The current recommendation.", body = RecommendationView),
        (status = 409, response = crate::openapi::Conflict)
    )
)]
#[get("/plans/{plan_id}/recommendation")]
pub async fn get_recommendation(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
) -> ApiResult<web::Json<RecommendationView>> {
    let ctx = access::load_plan(&state, &auth, path.into_inner(), Action::ReadReview).await?;
    let now = state.clock.now();
    let plan_id = ctx.tree.plan.id.clone();
    let couple_id = ctx.couple.id.clone();
    let current = db::read(&state, move |conn| Ok(review::current(conn, &ctx.tree, &ctx.couple, now)?)).await?;
    let cur = current.ok_or_else(|| {
        ApiError::conflict(tandem_domain::refusal::Code::PlanNotRunning, "the plan is not running".into())
    })?;
    state.audit.read_event(access::event(&state, &auth, "recommendation.read", "plan", &plan_id, &couple_id)).await;
    Ok(web::Json(RecommendationView {
        plan_id,
        step_id: cur.step_id,
        kind: cur.recommendation.kind,
        baseline_step_id: cur.recommendation.baseline.map(|b| b.step_id),
        awaiting_consent: cur.recommendation.awaiting_consent,
        reasons: cur.recommendation.reasons,
        etag: cur.etag,
    }))
}

#[utoipa::path(
    tag = "decisions",
    operation_id = "listDecisions",
    summary = "A plan's decisions (clinicians)",
    description = "Append-only history, newest first.",
    params(("plan_id" = String, Path, description = "The plan's id."), PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of decisions.", body = Paginated<Decision>),
        (status = 422, response = crate::openapi::UnprocessableEntity)
    )
)]
#[get("/plans/{plan_id}/decisions")]
pub async fn list_decisions(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
    query: web::Query<PageParams>,
) -> ApiResult<web::Json<Paginated<Decision>>> {
    let ctx = access::load_plan(&state, &auth, path.into_inner(), Action::ReadReview).await?;
    let page = query.request()?;
    let id = ctx.tree.plan.id.clone();
    let rows = db::read(&state, move |conn| Ok(store::list(conn, &id, &page)?)).await?;
    Ok(web::Json(Paginated::from_page(rows, |r| Ok(Decision::from(r)))?))
}

/// A clinician's decision.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDecision {
    #[schema(value_type = tandem_domain::vocabulary::DecisionKind, example = "advance")]
    pub kind: String,
    /// Why; always required.
    #[schema(example = "Both report low distress; they feel ready for the next step.")]
    pub rationale: String,
    /// The `etag` of the recommendation this decision answers.
    pub recommendation_etag: String,
}

#[utoipa::path(
    tag = "decisions",
    operation_id = "decide",
    summary = "Advance, hold or step back (clinicians)",
    description = "Applies the decision: `advance` completes this step and activates the next (or completes the plan after the last step), refused (409) unless both partners consented to the next step; `step_back` returns this step to not started and re-activates the last completed step, refused (409) when there is none; `hold` changes nothing but the record. Refused (409) when the recommendation changed since `recommendation_etag`, or the plan is not active.",
    params(("plan_id" = String, Path, description = "The plan's id.")),
    request_body = NewDecision,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The decision, applied.", body = Decision),
        (status = 409, response = crate::openapi::Conflict)
    )
)]
#[post("/plans/{plan_id}/decisions")]
pub async fn decide(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
    body: crate::input::Json<NewDecision>,
) -> ApiResult<HttpResponse> {
    let ctx = access::load_plan(&state, &auth, path.into_inner(), Action::WriteClinical).await?;
    let input = body.into_inner();
    let kind = match Kind::parse(&input.kind) {
        Some(k @ (Kind::Advance | Kind::Hold | Kind::StepBack)) => k,
        _ => return Err(ApiError::validation("kind", "must be one of: advance, hold, step_back")),
    };
    let rationale = input.rationale.trim().to_owned();
    if rationale.is_empty() || rationale.chars().count() > 4000 {
        return Err(ApiError::validation("rationale", "every decision needs a rationale (1 to 4000 characters)"));
    }
    let now = state.clock.now();
    let event =
        access::event(&state, &auth, &format!("decision.{}", kind.as_str()), "plan", &ctx.tree.plan.id, &ctx.couple.id);
    let decided_by = auth.actor.user_id.clone();
    let row = db::write(&state, move |conn| {
        let tree = plans::tree(conn, &ctx.tree.plan.id)?.ok_or(ApiError::NotFound)?;
        if tree.plan.status()? != PlanStatus::Active {
            return Err(ApiError::conflict(
                tandem_domain::refusal::Code::PlanNotRunning,
                "decisions apply to an active plan; resume it first".into(),
            ));
        }
        let cur = review::current(conn, &tree, &ctx.couple, now)?.ok_or_else(|| {
            ApiError::conflict(tandem_domain::refusal::Code::PlanNotRunning, "the plan is not running".into())
        })?;
        if cur.etag != input.recommendation_etag {
            return Err(ApiError::conflict(
                tandem_domain::refusal::Code::RecommendationChanged,
                "the recommendation has changed since you read it; read it again".into(),
            ));
        }
        let position = tree.steps.iter().position(|s| s.id == cur.step_id).ok_or(ApiError::NotFound)?;
        let partners = [ctx.couple.partner_a_id.as_str(), ctx.couple.partner_b_id.as_str()];
        let mut to_step = None;
        match kind {
            Kind::Advance => {
                plans::set_step_status(conn, &cur.step_id, StepStatus::Completed, now)?;
                match tree.steps.get(position + 1) {
                    Some(next) => {
                        if !tree.answers(&next.id, partners).iter().all(|a| a.is_some_and(ConsentAnswer::permits)) {
                            return Err(ApiError::conflict(
                                tandem_domain::refusal::Code::ConsentMissing,
                                format!("both partners must consent to step {} before advancing", position + 2),
                            ));
                        }
                        plans::set_step_status(conn, &next.id, StepStatus::Active, now)?;
                        plans::update_plan(
                            conn,
                            &tree.plan.id,
                            &PlanChanges {
                                current_step_id: Some(Some(next.id.clone())),
                                updated_at: Some(time::to_db(now)),
                                ..PlanChanges::default()
                            },
                        )?;
                        to_step = Some(next.id.clone());
                    }
                    None => {
                        plans::update_plan(
                            conn,
                            &tree.plan.id,
                            &PlanChanges {
                                status: Some(PlanStatus::Completed.as_str().into()),
                                completed_at: Some(Some(time::to_db(now))),
                                updated_at: Some(time::to_db(now)),
                                ..PlanChanges::default()
                            },
                        )?;
                    }
                }
            }
            Kind::StepBack => {
                let baseline = tree.steps[..position]
                    .iter()
                    .rev()
                    .find(|s| s.status == StepStatus::Completed.as_str())
                    .ok_or_else(|| {
                        ApiError::conflict(
                            tandem_domain::refusal::Code::NoBaseline,
                            "no earlier step was completed, so there is no baseline to return to".into(),
                        )
                    })?;
                plans::set_step_status(conn, &cur.step_id, StepStatus::NotStarted, now)?;
                plans::set_step_status(conn, &baseline.id, StepStatus::Active, now)?;
                plans::update_plan(
                    conn,
                    &tree.plan.id,
                    &PlanChanges {
                        current_step_id: Some(Some(baseline.id.clone())),
                        updated_at: Some(time::to_db(now)),
                        ..PlanChanges::default()
                    },
                )?;
                to_step = Some(baseline.id.clone());
            }
            _ => {}
        }
        if to_step.is_some() || kind == Kind::Advance {
            plans::bump_version(conn, &tree.plan.id, tree.plan.version, now)?;
        }
        let row = DecisionRow {
            id: ids::new_id(),
            practice_id: tree.plan.practice_id.clone(),
            couple_id: tree.plan.couple_id.clone(),
            plan_id: tree.plan.id.clone(),
            step_id: cur.step_id.clone(),
            kind: kind.as_str().into(),
            rationale,
            recommendation_kind: cur.recommendation.kind.as_str().into(),
            recommendation_etag: cur.etag,
            to_step_id: to_step,
            decided_by,
            created_at: time::to_db(now),
        };
        store::insert(conn, &row)?;
        audit::record(conn, event.resource(&row.id))?;
        review::refresh_summary(conn, &ctx.couple, now)?;
        couples::summary(conn, &ctx.couple.id)?;
        Ok(row)
    })
    .await?;
    Ok(HttpResponse::Created().json(Decision::from(row)))
}
