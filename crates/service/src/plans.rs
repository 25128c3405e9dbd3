//! Graded-exposure plans: the plan document under one version (its ETag), and its
//! lifecycle through the domain's gates. Edits of steps and their exercises are in
//! [`crate::plan_editing`]; partners' answers in [`crate::consents`].

use chrono::{DateTime, Utc};
use tandem_domain::plans::{
    HoldCause, LifecycleAction, PlanFacts, PlanStatus, StepStatus, editable, lifecycle, off_limits,
};
use tandem_domain::refusal::Code;
use tandem_domain::validation::{FieldError, one_of};
use tandem_domain::{Action, CoupleRelation};
use tandem_store::couples::{self, CoupleRow};
use tandem_store::exercises::json_list;
use tandem_store::plans::{self, PlanChanges, PlanRow, PlanTree};
use tandem_store::{AnyConnection, Page, PageRequest, ids, time};

use crate::access::{self, PlanContext};
use crate::audit;
use crate::context::Ctx;
use crate::error::{Error, Result};
use crate::review;
use crate::safety::{hold_plan, in_effect_off_limits};

/// The plan's ETag: names its version, which every edit of the document bumps.
#[must_use]
pub fn tag(plan: &PlanRow) -> String {
    format!("\"plan-{}-{}\"", plan.id, plan.version)
}

/// Checks the version an edit is based on: `if_match` (the request's `If-Match`, `None`
/// when absent) must name the plan's current tag, or be `*`. Weak tags never match.
pub fn check_version(plan: &PlanRow, if_match: Option<&str>) -> Result<()> {
    let current = tag(plan);
    match if_match {
        Some(value) if value.split(',').map(str::trim).any(|t| t == "*" || t == current) => Ok(()),
        _ => Err(Error::Stale),
    }
}

/// Refuses edits of a plan that has ended, or of a discharged couple's plan.
pub fn require_editable(ctx: &PlanContext) -> Result<()> {
    access::require_in_treatment(&ctx.couple)?;
    if editable(ctx.tree.plan.status()?) {
        Ok(())
    } else {
        Err(Error::refused(
            Code::NotEditable,
            format!("a {} plan cannot be edited", ctx.tree.plan.status.replace('_', " ")),
        ))
    }
}

/// Loads a plan for an edit of its document by a clinician (the caller then finds what
/// the edit names, and calls [`check_edit`]).
pub fn load_for_edit(cx: &Ctx, plan_id: &str) -> Result<PlanContext> {
    access::load_plan(cx, plan_id, Action::WriteClinical)
}

/// The gates of every edit of the document, in the order callers see them: the version
/// the edit is based on, then whether the plan may change.
pub fn check_edit(ctx: &PlanContext, if_match: Option<&str>) -> Result<()> {
    check_version(&ctx.tree.plan, if_match)?;
    require_editable(ctx)
}

/// Checks a text field's length (trimmed, in characters).
pub fn check_len(errors: &mut Vec<FieldError>, field: &str, value: &str, min: usize, max: usize) {
    let n = value.trim().chars().count();
    if n < min {
        errors.push(FieldError::new(field, "must not be empty"));
    } else if n > max {
        errors.push(FieldError::new(field, format!("must be at most {max} characters")));
    }
}

/// Runs an edit of the plan document in one transaction: takes the optimistic lock (the
/// plan must still be at the version read), applies `f`, audits `action`, refreshes the
/// couple's summary, and returns the plan as it now is.
pub fn edit(
    cx: &Ctx,
    ctx: PlanContext,
    action: &str,
    f: impl FnOnce(&mut AnyConnection, &PlanContext) -> Result<()>,
) -> Result<PlanContext> {
    let event = cx.event(action, "plan", &ctx.tree.plan.id, &ctx.couple.id);
    cx.write(|conn| {
        if !plans::bump_version(conn, &ctx.tree.plan.id, ctx.tree.plan.version, cx.now)? {
            return Err(Error::Stale);
        }
        f(conn, &ctx)?;
        audit::record(conn, event)?;
        review::refresh_summary(conn, &ctx.couple, cx.now)?;
        let tree = plans::tree(conn, &ctx.tree.plan.id)?.ok_or(Error::NotFound)?;
        Ok(PlanContext { tree, ..ctx })
    })
}

/// A page of a couple's plans, and the caller's relation to the couple (which decides
/// how much of each the caller sees).
#[derive(Debug)]
pub struct PlanList {
    pub page: Page<PlanRow>,
    pub rel: CoupleRelation,
}

/// A page of the couple's plans, newest first.
pub fn list(cx: &Ctx, couple_id: &str, page: &PageRequest) -> Result<PlanList> {
    let ctx = access::load_couple(cx, couple_id, Action::ReadPlanStatus)?;
    let rows = cx.read(|conn| Ok(plans::list(conn, &ctx.couple.id, page)?))?;
    cx.audit_read(cx.event("plan.list", "plan", &ctx.couple.id, &ctx.couple.id));
    Ok(PlanList { page: rows, rel: ctx.rel })
}

/// A new plan's title and goal.
#[derive(Debug, Clone)]
pub struct NewPlan {
    pub title: String,
    pub goal: String,
}

/// Drafts a plan for a couple (their clinicians).
pub fn create(cx: &Ctx, couple_id: &str, input: NewPlan) -> Result<PlanContext> {
    let access::CoupleContext { couple, rel } = access::load_couple(cx, couple_id, Action::WriteClinical)?;
    access::require_in_treatment(&couple)?;
    let mut errors = Vec::new();
    check_len(&mut errors, "title", &input.title, 1, 200);
    check_len(&mut errors, "goal", &input.goal, 0, 2000);
    Error::check_fields(errors)?;
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
        created_by: cx.actor.user_id.clone(),
        created_at: time::to_db(cx.now),
        updated_at: time::to_db(cx.now),
        activated_at: None,
        completed_at: None,
        template_id: None,
        template_version: None,
    };
    let tree = cx.write(|conn| {
        plans::insert_plan(conn, &row)?;
        audit::record(conn, cx.event("plan.create", "plan", &row.id, &couple.id))?;
        plans::tree(conn, &row.id)?.ok_or(Error::NotFound)
    })?;
    Ok(PlanContext { tree, couple, rel })
}

/// Reads a plan (every read is audited).
pub fn get(cx: &Ctx, plan_id: &str) -> Result<PlanContext> {
    let ctx = access::load_plan(cx, plan_id, Action::ReadPlanStatus)?;
    cx.audit_read(cx.event("plan.read", "plan", &ctx.tree.plan.id, &ctx.couple.id));
    Ok(ctx)
}

/// Changes to a plan's title or goal.
#[derive(Debug, Clone, Default)]
pub struct PlanPatch {
    pub title: Option<String>,
    pub goal: Option<String>,
}

/// Changes a plan's title or goal (clinicians, at the version they read).
pub fn update(cx: &Ctx, plan_id: &str, if_match: Option<&str>, patch: PlanPatch) -> Result<PlanContext> {
    let ctx = load_for_edit(cx, plan_id)?;
    check_edit(&ctx, if_match)?;
    let mut errors = Vec::new();
    if let Some(t) = &patch.title {
        check_len(&mut errors, "title", t, 1, 200);
    }
    if let Some(g) = &patch.goal {
        check_len(&mut errors, "goal", g, 0, 2000);
    }
    Error::check_fields(errors)?;
    edit(cx, ctx, "plan.update", |conn, ctx| {
        let changes = PlanChanges {
            title: patch.title.map(|t| t.trim().to_owned()),
            goal: patch.goal.map(|g| g.trim().to_owned()),
            updated_at: Some(time::to_db(cx.now)),
            ..PlanChanges::default()
        };
        plans::update_plan(conn, &ctx.tree.plan.id, &changes)?;
        Ok(())
    })
}

/// Activates, pauses, resumes, completes or archives a plan (clinicians), when the
/// domain's lifecycle gates allow it; every reason they refuse is returned at once.
pub fn change_status(cx: &Ctx, plan_id: &str, action: &str) -> Result<PlanContext> {
    let ctx = access::load_plan(cx, plan_id, Action::WriteClinical)?;
    access::require_in_treatment(&ctx.couple)?;
    let action =
        one_of("action", action, LifecycleAction::ALL, LifecycleAction::as_str).map_err(|e| Error::Invalid(vec![e]))?;
    let event = cx.event(&format!("plan.{}", action.as_str()), "plan", &ctx.tree.plan.id, &ctx.couple.id);
    cx.write(|conn| {
        // Re-read inside the transaction: the gates judge the state we commit against.
        let tree = plans::tree(conn, &ctx.tree.plan.id)?.ok_or(Error::NotFound)?;
        let facts = facts(conn, &tree, &ctx.couple)?;
        let next = lifecycle(action, &facts).map_err(Error::Refused)?;
        apply_lifecycle(conn, &tree, action, next, cx.now)?;
        plans::bump_version(conn, &tree.plan.id, tree.plan.version, cx.now)?;
        audit::record(conn, event)?;
        review::refresh_summary(conn, &ctx.couple, cx.now)?;
        let tree = plans::tree(conn, &tree.plan.id)?.ok_or(Error::NotFound)?;
        Ok(PlanContext { tree, ..ctx })
    })
}

/// Loads the facts the lifecycle gates judge, about the step that would be current.
fn facts(conn: &mut AnyConnection, tree: &PlanTree, couple: &CoupleRow) -> Result<PlanFacts> {
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
    let running = plans::running(conn, &couple.id)?;
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

/// Writes what a lifecycle action does to the plan, its current step and the couple's
/// pause cause. A clinician's pause goes through [`hold_plan`], like every hold.
fn apply_lifecycle(
    conn: &mut AnyConnection,
    tree: &PlanTree,
    action: LifecycleAction,
    next: PlanStatus,
    now: DateTime<Utc>,
) -> Result<()> {
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
            let first = tree.steps.first().ok_or_else(|| Error::refused(Code::NoSteps, "add a step first"))?;
            plans::set_step_status(conn, &first.id, StepStatus::Active, now)?;
            changes.current_step_id = Some(Some(first.id.clone()));
            changes.activated_at = Some(Some(time::to_db(now)));
            changes.hold_cause = Some(None);
            pause_cause = Some(None);
        }
        LifecycleAction::Pause => {
            hold_plan(conn, plan, HoldCause::Clinician, now)?;
            // A clinician's change dates the plan (a safety stop does not).
            changes = PlanChanges { updated_at: Some(time::to_db(now)), ..PlanChanges::default() };
        }
        LifecycleAction::Resume => {
            if let Some(step) = &current {
                // The progression window restarts here, so an old setback cannot fire again.
                plans::set_step_status(conn, step, StepStatus::Active, now)?;
            }
            changes.hold_cause = Some(None);
            pause_cause = Some(None);
        }
        LifecycleAction::Complete => {
            if let Some(step) = &current {
                plans::set_step_status(conn, step, StepStatus::Completed, now)?;
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
    plans::update_plan(conn, &plan.id, &changes)?;
    if let Some(cause) = pause_cause {
        couples::set_pause_cause(conn, &plan.couple_id, cause, now)?;
    }
    Ok(())
}
