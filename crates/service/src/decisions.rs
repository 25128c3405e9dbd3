//! The recommendation and the clinician's decisions. The system recommends; only a
//! clinician moves a plan, naming the recommendation they answer.

use tandem_domain::Action;
use tandem_domain::plans::{PlanStatus, StepStatus, both_consent};
use tandem_domain::progression::Kind;
use tandem_domain::refusal::Code;
use tandem_store::decisions::{self, DecisionRow};
use tandem_store::plans::{self, PlanChanges, PlanTree};
use tandem_store::{AnyConnection, Page, PageRequest, ids, time};

use crate::access;
use crate::audit;
use crate::context::Ctx;
use crate::error::{Error, Result};
use crate::review::{self, Current};

fn not_running() -> Error {
    Error::refused(Code::PlanNotRunning, "the plan is not running")
}

/// A plan's current recommendation.
#[derive(Debug, Clone)]
pub struct Recommendation {
    pub plan_id: String,
    pub current: Current,
}

/// The recommendation for the current step (clinicians); refused when the plan is not
/// running.
pub fn recommendation(cx: &Ctx, plan_id: &str) -> Result<Recommendation> {
    let ctx = access::load_plan(cx, plan_id, Action::ReadReview)?;
    let current =
        cx.read(|conn| Ok(review::current(conn, &ctx.tree, &ctx.couple, cx.now)?))?.ok_or_else(not_running)?;
    cx.audit_read(cx.event("recommendation.read", "plan", &ctx.tree.plan.id, &ctx.couple.id));
    Ok(Recommendation { plan_id: ctx.tree.plan.id, current })
}

/// A page of the plan's decisions, newest first (clinicians).
pub fn list(cx: &Ctx, plan_id: &str, page: &PageRequest) -> Result<Page<DecisionRow>> {
    let ctx = access::load_plan(cx, plan_id, Action::ReadReview)?;
    cx.read(|conn| Ok(decisions::list(conn, &ctx.tree.plan.id, page)?))
}

/// A clinician's decision.
#[derive(Debug, Clone)]
pub struct NewDecision {
    pub kind: String,
    pub rationale: String,
    /// The ETag of the recommendation the decision answers.
    pub recommendation_etag: String,
}

/// Applies a clinician's decision on the current step of an active plan: `advance`
/// (needs both partners' consent to the next step; after the last step it completes the
/// plan), `step_back` (to the baseline) or `hold` (the record only). Refused when the
/// recommendation changed since the clinician read it.
pub fn decide(cx: &Ctx, plan_id: &str, input: NewDecision) -> Result<DecisionRow> {
    let ctx = access::load_plan(cx, plan_id, Action::WriteClinical)?;
    let kind = match Kind::parse(&input.kind) {
        Some(k @ (Kind::Advance | Kind::Hold | Kind::StepBack)) => k,
        _ => return Err(Error::invalid("kind", "must be one of: advance, hold, step_back")),
    };
    let rationale = input.rationale.trim().to_owned();
    if rationale.is_empty() || rationale.chars().count() > 4000 {
        return Err(Error::invalid("rationale", "every decision needs a rationale (1 to 4000 characters)"));
    }
    let event = cx.event(&format!("decision.{}", kind.as_str()), "plan", &ctx.tree.plan.id, &ctx.couple.id);
    cx.write(|conn| {
        let tree = plans::tree(conn, &ctx.tree.plan.id)?.ok_or(Error::NotFound)?;
        if tree.plan.status()? != PlanStatus::Active {
            return Err(Error::refused(Code::PlanNotRunning, "decisions apply to an active plan; resume it first"));
        }
        let cur = review::current(conn, &tree, &ctx.couple, cx.now)?.ok_or_else(not_running)?;
        if cur.etag != input.recommendation_etag {
            return Err(Error::refused(
                Code::RecommendationChanged,
                "the recommendation has changed since you read it; read it again",
            ));
        }
        let partners = [ctx.couple.partner_a_id.as_str(), ctx.couple.partner_b_id.as_str()];
        let to_step = match kind {
            Kind::Advance => advance(cx, conn, &tree, &cur.step_id, partners)?,
            Kind::StepBack => Some(step_back(cx, conn, &tree, &cur.step_id)?),
            _ => None,
        };
        if to_step.is_some() || kind == Kind::Advance {
            plans::bump_version(conn, &tree.plan.id, tree.plan.version, cx.now)?;
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
            decided_by: cx.actor.user_id.clone(),
            created_at: time::to_db(cx.now),
        };
        decisions::insert(conn, &row)?;
        audit::record(conn, event.resource(&row.id))?;
        review::refresh_summary(conn, &ctx.couple, cx.now)?;
        Ok(row)
    })
}

fn position(tree: &PlanTree, step_id: &str) -> Result<usize> {
    tree.steps.iter().position(|s| s.id == step_id).ok_or(Error::NotFound)
}

/// Completes the current step and activates the next, once both partners consented to
/// it; after the last step, completes the plan. Returns the step moved to.
fn advance(
    cx: &Ctx,
    conn: &mut AnyConnection,
    tree: &PlanTree,
    current: &str,
    partners: [&str; 2],
) -> Result<Option<String>> {
    let position = position(tree, current)?;
    plans::set_step_status(conn, current, StepStatus::Completed, cx.now)?;
    let Some(next) = tree.steps.get(position + 1) else {
        let changes = PlanChanges {
            status: Some(PlanStatus::Completed.as_str().into()),
            completed_at: Some(Some(time::to_db(cx.now))),
            updated_at: Some(time::to_db(cx.now)),
            ..PlanChanges::default()
        };
        plans::update_plan(conn, &tree.plan.id, &changes)?;
        return Ok(None);
    };
    if !both_consent(&tree.answers(&next.id, partners)) {
        return Err(Error::refused(
            Code::ConsentMissing,
            format!("both partners must consent to step {} before advancing", position + 2),
        ));
    }
    plans::set_step_status(conn, &next.id, StepStatus::Active, cx.now)?;
    move_to(cx, conn, tree, &next.id)?;
    Ok(Some(next.id.clone()))
}

/// Returns the current step to not started and re-activates the baseline (the last
/// completed step). Returns the baseline's id.
fn step_back(cx: &Ctx, conn: &mut AnyConnection, tree: &PlanTree, current: &str) -> Result<String> {
    let baseline = review::baseline(tree, position(tree, current)?).ok_or_else(|| {
        Error::refused(Code::NoBaseline, "no earlier step was completed, so there is no baseline to return to")
    })?;
    plans::set_step_status(conn, current, StepStatus::NotStarted, cx.now)?;
    plans::set_step_status(conn, &baseline.step_id, StepStatus::Active, cx.now)?;
    move_to(cx, conn, tree, &baseline.step_id)?;
    Ok(baseline.step_id)
}

fn move_to(cx: &Ctx, conn: &mut AnyConnection, tree: &PlanTree, step_id: &str) -> Result<()> {
    let changes = PlanChanges {
        current_step_id: Some(Some(step_id.to_owned())),
        updated_at: Some(time::to_db(cx.now)),
        ..PlanChanges::default()
    };
    Ok(plans::update_plan(conn, &tree.plan.id, &changes)?)
}
