//! Drafting a couple's plan from a template: the template's steps are copied and each
//! exercise is snapshotted, exactly as a clinician adding them by hand would get, in one
//! transaction. An exercise the couple's safety agreement rules out (or one archived
//! since) is not put in the plan and not silently dropped either: the answer lists it,
//! its step is still created, and the clinician decides what to do instead.

use tandem_domain::Action;
use tandem_domain::plans::{PlanStatus, StepStatus, off_limits};
use tandem_domain::templates::LeftOutReason;
use tandem_store::plans::{self, PlanRow, StepRow};
use tandem_store::{ids, time};

use crate::access::{self, PlanContext};
use crate::audit;
use crate::context::Ctx;
use crate::error::{Error, Result};
use crate::plan_editing::snapshot;
use crate::plan_templates;
use crate::plans::check_len;
use crate::safety::governing_off_limits;

/// An exercise of the template that the new plan does not have, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftOut {
    /// The step's position in the plan (0 for the first).
    pub step_position: i32,
    pub step_id: String,
    pub step_title: String,
    pub exercise_id: String,
    pub exercise_title: String,
    pub reason: LeftOutReason,
    /// The exercise's tags that the agreement rules out (empty unless `off_limits`).
    pub off_limits_tags: Vec<String>,
}

/// A plan drafted from a template, with what was left out of it.
#[derive(Debug, Clone)]
pub struct DraftedPlan {
    pub plan: PlanContext,
    pub left_out: Vec<LeftOut>,
}

/// A plan from a template: the title and goal default to the template's.
#[derive(Debug, Clone)]
pub struct FromTemplate {
    pub template_id: String,
    pub title: Option<String>,
    pub goal: Option<String>,
}

/// Drafts a plan for a couple from a template (their clinicians; the couple in
/// treatment). The plan records the template's id and version. Exercises whose tags the
/// governing agreement rules out (the version in effect and any newer one awaiting
/// acknowledgement, as when adding one by hand) or that were archived are left out and
/// listed; every step is created.
pub fn create(cx: &Ctx, couple_id: &str, input: FromTemplate) -> Result<DraftedPlan> {
    let access::CoupleContext { couple, rel } = access::load_couple(cx, couple_id, Action::WriteClinical)?;
    access::require_in_treatment(&couple)?;
    let (tree, left_out) = cx.write(|conn| {
        let template = plan_templates::find(conn, &couple.practice_id, &input.template_id)?
            .filter(|t| t.archived_at.is_none())
            .ok_or_else(|| {
                Error::invalid(
                    "template_id",
                    "must name a built-in template or one of this practice's templates that is not archived",
                )
            })?;
        let title = input.title.clone().unwrap_or_else(|| template.title.clone());
        let goal = input.goal.clone().unwrap_or_else(|| template.goal.clone());
        let mut errors = Vec::new();
        check_len(&mut errors, "title", &title, 1, 200);
        check_len(&mut errors, "goal", &goal, 0, 2000);
        Error::check_fields(errors)?;
        let now = time::to_db(cx.now);
        let plan = PlanRow {
            id: ids::new_id(),
            practice_id: couple.practice_id.clone(),
            couple_id: couple.id.clone(),
            title: title.trim().to_owned(),
            goal: goal.trim().to_owned(),
            status: PlanStatus::Draft.as_str().into(),
            hold_cause: None,
            current_step_id: None,
            version: 1,
            created_by: cx.actor.user_id.clone(),
            created_at: now,
            updated_at: now,
            activated_at: None,
            completed_at: None,
            template_id: Some(template.id.clone()),
            template_version: Some(template.version),
        };
        plans::insert_plan(conn, &plan)?;
        let off = governing_off_limits(conn, &couple)?;
        let mut left_out = Vec::new();
        for (position, resolved) in (0..).zip(&template.steps) {
            let s = &resolved.step;
            let step = StepRow {
                id: ids::new_id(),
                practice_id: plan.practice_id.clone(),
                plan_id: plan.id.clone(),
                position,
                title: s.title.clone(),
                description: s.description.clone(),
                target_per_week: s.target_per_week,
                min_sessions: s.criteria.min_sessions,
                target_suds: s.criteria.target_suds,
                setback_suds: s.criteria.setback_suds,
                window_days: s.criteria.window_days,
                status: StepStatus::NotStarted.as_str().into(),
                activated_at: None,
                created_at: now,
                updated_at: now,
            };
            plans::insert_step(conn, &step)?;
            let mut item_position = 0;
            for exercise in &resolved.exercises {
                let conflicts = off_limits(&exercise.tag_list()?, &off);
                let reason = if !conflicts.is_empty() {
                    Some(LeftOutReason::OffLimits)
                } else if exercise.archived_at.is_some() {
                    Some(LeftOutReason::Archived)
                } else {
                    None
                };
                match reason {
                    Some(reason) => left_out.push(LeftOut {
                        step_position: position,
                        step_id: step.id.clone(),
                        step_title: step.title.clone(),
                        exercise_id: exercise.id.clone(),
                        exercise_title: exercise.title.clone(),
                        reason,
                        off_limits_tags: conflicts,
                    }),
                    None => {
                        plans::insert_item(conn, &snapshot(exercise, &step, item_position, cx.now))?;
                        item_position += 1;
                    }
                }
            }
        }
        audit::record(conn, cx.event("plan.create", "plan", &plan.id, &couple.id))?;
        audit::record(conn, cx.event("plan_template.use", "plan_template", &template.id, &couple.id))?;
        let tree = plans::tree(conn, &plan.id)?.ok_or(Error::NotFound)?;
        Ok((tree, left_out))
    })?;
    Ok(DraftedPlan { plan: PlanContext { tree, couple, rel }, left_out })
}
