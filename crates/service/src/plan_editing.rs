//! Editing a plan's steps and their exercises (clinicians, at the version they read).
//! Every edit bumps the plan's version and answers with the plan as it now is.

use chrono::{DateTime, Utc};
use tandem_domain::plans::{Criteria, MAX_EXERCISES_PER_STEP, MAX_STEPS, StepStatus, off_limits};
use tandem_domain::refusal::Code;
use tandem_domain::validation::FieldError;
use tandem_store::exercises::{self, ExerciseRow};
use tandem_store::plans::{self, ItemRow, StepRow};
use tandem_store::{ids, time};

use crate::access::PlanContext;
use crate::context::Ctx;
use crate::error::{Error, Result};
use crate::plans::{check_edit, check_len, edit, load_for_edit};
use crate::safety::governing_off_limits;

/// A new step, or changes to one (omitted fields keep their value or default).
#[derive(Debug, Clone, Default)]
pub struct StepInput {
    pub title: Option<String>,
    pub description: Option<String>,
    /// Attempts per week to aim for, 1-21.
    pub target_per_week: Option<i32>,
    pub criteria: Option<Criteria>,
}

fn find_step<'a>(ctx: &'a PlanContext, step_id: &str) -> Result<&'a StepRow> {
    ctx.tree.step(step_id).ok_or(Error::NotFound)
}

fn apply(step: &mut StepRow, input: StepInput) {
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

fn validate(step: &StepRow) -> Result<()> {
    let mut errors = Vec::new();
    check_len(&mut errors, "title", &step.title, 1, 200);
    check_len(&mut errors, "description", &step.description, 0, 4000);
    if !(1..=21).contains(&step.target_per_week) {
        errors.push(FieldError::new("target_per_week", "must be between 1 and 21"));
    }
    let criteria = Criteria {
        min_sessions: step.min_sessions,
        target_suds: step.target_suds,
        setback_suds: step.setback_suds,
        window_days: step.window_days,
    };
    for (field, message) in criteria.problems() {
        errors.push(FieldError::new(format!("criteria.{field}"), message));
    }
    Error::check_fields(errors)
}

/// Adds a step at the end of the plan (at most [`MAX_STEPS`]).
pub fn add_step(cx: &Ctx, plan_id: &str, if_match: Option<&str>, input: StepInput) -> Result<PlanContext> {
    let ctx = load_for_edit(cx, plan_id)?;
    check_edit(&ctx, if_match)?;
    if ctx.tree.steps.len() >= MAX_STEPS {
        return Err(Error::invalid("steps", "a plan has at most 20 steps"));
    }
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
        created_at: time::to_db(cx.now),
        updated_at: time::to_db(cx.now),
    };
    apply(&mut step, input);
    validate(&step)?;
    edit(cx, ctx, "plan.step.create", |conn, _| Ok(plans::insert_step(conn, &step)?))
}

/// Changes a step's title, description, weekly target or criteria.
pub fn update_step(
    cx: &Ctx,
    plan_id: &str,
    step_id: &str,
    if_match: Option<&str>,
    input: StepInput,
) -> Result<PlanContext> {
    let ctx = load_for_edit(cx, plan_id)?;
    let mut step = find_step(&ctx, step_id)?.clone();
    check_edit(&ctx, if_match)?;
    apply(&mut step, input);
    step.updated_at = time::to_db(cx.now);
    validate(&step)?;
    edit(cx, ctx, "plan.step.update", |conn, _| Ok(plans::save_step(conn, &step)?))
}

/// Removes a step that has not started; the remaining steps close ranks.
pub fn delete_step(cx: &Ctx, plan_id: &str, step_id: &str, if_match: Option<&str>) -> Result<PlanContext> {
    let ctx = load_for_edit(cx, plan_id)?;
    let step = find_step(&ctx, step_id)?.clone();
    check_edit(&ctx, if_match)?;
    if step.status()? != StepStatus::NotStarted {
        return Err(Error::refused(
            Code::NotEditable,
            format!("a {} step cannot be removed", step.status.replace('_', " ")),
        ));
    }
    edit(cx, ctx, "plan.step.delete", |conn, ctx| {
        plans::delete_step(conn, &step.id)?;
        let order: Vec<String> = ctx.tree.steps.iter().filter(|s| s.id != step.id).map(|s| s.id.clone()).collect();
        plans::reorder_steps(conn, &order)?;
        Ok(())
    })
}

/// Puts the plan's steps in `order` (every step once). Steps that have started keep
/// their place at the front, so the plan's history stays truthful.
pub fn reorder_steps(cx: &Ctx, plan_id: &str, if_match: Option<&str>, order: Vec<String>) -> Result<PlanContext> {
    let ctx = load_for_edit(cx, plan_id)?;
    check_edit(&ctx, if_match)?;
    let mut given = order.clone();
    given.sort();
    let mut existing: Vec<String> = ctx.tree.steps.iter().map(|s| s.id.clone()).collect();
    existing.sort();
    if given != existing {
        return Err(Error::invalid("step_ids", "must list every step of the plan exactly once"));
    }
    let started = |id: &String| ctx.tree.step(id).is_some_and(|s| s.status != StepStatus::NotStarted.as_str());
    let first_unstarted = order.iter().position(|id| !started(id)).unwrap_or(order.len());
    let started_in_order: Vec<&String> =
        ctx.tree.steps.iter().filter(|s| s.status != StepStatus::NotStarted.as_str()).map(|s| &s.id).collect();
    if order[..first_unstarted].iter().collect::<Vec<_>>() != started_in_order
        || order[first_unstarted..].iter().any(started)
    {
        return Err(Error::refused(Code::NotEditable, "steps that have started stay first, in their order"));
    }
    edit(cx, ctx, "plan.step.reorder", |conn, _| Ok(plans::reorder_steps(conn, &order)?))
}

/// Copies a library exercise into a step (at most [`MAX_EXERCISES_PER_STEP`]); one with
/// a tag either partner marked off-limits is refused, naming the tag.
pub fn add_exercise(
    cx: &Ctx,
    plan_id: &str,
    step_id: &str,
    if_match: Option<&str>,
    exercise_id: &str,
) -> Result<PlanContext> {
    let ctx = load_for_edit(cx, plan_id)?;
    let step = find_step(&ctx, step_id)?.clone();
    check_edit(&ctx, if_match)?;
    if ctx.tree.items_of(&step.id).count() >= MAX_EXERCISES_PER_STEP {
        return Err(Error::invalid("exercise_id", "a step has at most 10 exercises"));
    }
    let (exercise, off) = cx.read(|conn| {
        let exercise = if ids::is_valid(exercise_id) { exercises::find(conn, exercise_id)? } else { None };
        let exercise = exercise
            .filter(|e| e.practice_id == ctx.tree.plan.practice_id && e.archived_at.is_none())
            .ok_or_else(|| {
                Error::invalid("exercise_id", "must name an exercise of this practice's library that is not archived")
            })?;
        Ok((exercise, governing_off_limits(conn, &ctx.couple)?))
    })?;
    let conflicts = off_limits(&exercise.tag_list()?, &off);
    if !conflicts.is_empty() {
        return Err(Error::refused(
            Code::OffLimits,
            format!(
                "off-limits: the safety agreement rules out {}",
                conflicts.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", ")
            ),
        ));
    }
    let position = ctx.tree.items_of(&step.id).map(|i| i.position + 1).max().unwrap_or(0);
    let item = snapshot(&exercise, &step, position, cx.now);
    edit(cx, ctx, "plan.exercise.add", |conn, _| Ok(plans::insert_item(conn, &item)?))
}

/// A step's copy of a library exercise, taken as it is now: later edits of the library
/// (or of a template that named it) never change a plan.
#[must_use]
pub fn snapshot(exercise: &ExerciseRow, step: &StepRow, position: i32, now: DateTime<Utc>) -> ItemRow {
    ItemRow {
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
    }
}

/// Removes an exercise (by its item id) from a step.
pub fn remove_exercise(
    cx: &Ctx,
    plan_id: &str,
    step_id: &str,
    item_id: &str,
    if_match: Option<&str>,
) -> Result<PlanContext> {
    let ctx = load_for_edit(cx, plan_id)?;
    let step = find_step(&ctx, step_id)?;
    if !ctx.tree.items_of(&step.id).any(|i| i.id == item_id) {
        return Err(Error::NotFound);
    }
    check_edit(&ctx, if_match)?;
    edit(cx, ctx, "plan.exercise.remove", |conn, _| Ok(plans::delete_item(conn, item_id)?))
}
