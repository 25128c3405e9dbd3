//! The recommendation and the clinician's decisions. The system recommends; only a
//! clinician moves a plan, naming the recommendation they answer.

use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;
use tandem_service::decisions;
use utoipa::ToSchema;

use crate::auth::Authenticated;
use crate::db;
use crate::error::ApiResult;
use crate::pagination::{PageParams, Paginated};
use crate::state::AppState;
use crate::views::record::{Decision, RecommendationView};

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
    let r = db::call(&state, &auth, move |cx| decisions::recommendation(cx, &path)).await?;
    let rec = r.current.recommendation;
    Ok(web::Json(RecommendationView {
        plan_id: r.plan_id,
        step_id: r.current.step_id,
        kind: rec.kind,
        baseline_step_id: rec.baseline.map(|b| b.step_id),
        awaiting_consent: rec.awaiting_consent,
        reasons: rec.reasons,
        etag: r.current.etag,
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
    let page = query.request()?;
    let rows = db::call(&state, &auth, move |cx| decisions::list(cx, &path, &page)).await?;
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
    let NewDecision { kind, rationale, recommendation_etag } = body.into_inner();
    let input = decisions::NewDecision { kind, rationale, recommendation_etag };
    let row = db::call(&state, &auth, move |cx| decisions::decide(cx, &path, input)).await?;
    Ok(HttpResponse::Created().json(Decision::from(row)))
}
