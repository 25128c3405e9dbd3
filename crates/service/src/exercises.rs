//! The exercise library: built-in starters in every practice (read-only) and the
//! practice's own. Clients read only exercises that appear in their own plans.

use tandem_domain::exercises::{Category, is_known_tag};
use tandem_domain::validation::FieldError;
use tandem_domain::{Action, Resource, UserKind};
use tandem_store::exercises::{self as library, ExerciseFilter, ExerciseRow, Visible, to_json};
use tandem_store::{Page, PageRequest, couples, ids, time};

use crate::access::allow;
use crate::audit;
use crate::context::Ctx;
use crate::error::{Error, Result};

/// A new exercise.
#[derive(Debug, Clone)]
pub struct NewExercise {
    pub title: String,
    pub category: Category,
    pub instructions: String,
    pub duration_minutes: i32,
    pub intensity: i32,
    pub check_in_prompts: Vec<String>,
    pub exit_strategy: String,
    pub tags: Vec<String>,
}

/// Changes to an exercise; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct ExercisePatch {
    pub title: Option<String>,
    pub category: Option<Category>,
    pub instructions: Option<String>,
    pub duration_minutes: Option<i32>,
    pub intensity: Option<i32>,
    pub check_in_prompts: Option<Vec<String>>,
    pub exit_strategy: Option<String>,
    pub tags: Option<Vec<String>>,
}

fn text_field(errors: &mut Vec<FieldError>, field: &str, value: &str, max: usize) {
    let n = value.trim().chars().count();
    if n == 0 {
        errors.push(FieldError::new(field, "must not be empty"));
    } else if n > max {
        errors.push(FieldError::new(field, format!("must be at most {max} characters")));
    }
}

/// Validates a complete exercise (after applying a patch, too).
fn validate(row: &ExerciseRow, tags: &[String], prompts: &[String]) -> Result<()> {
    let mut errors = Vec::new();
    text_field(&mut errors, "title", &row.title, 120);
    text_field(&mut errors, "instructions", &row.instructions, 4000);
    text_field(&mut errors, "exit_strategy", &row.exit_strategy, 1000);
    if !(1..=240).contains(&row.duration_minutes) {
        errors.push(FieldError::new("duration_minutes", "must be between 1 and 240"));
    }
    if !(0..=100).contains(&row.intensity) {
        errors.push(FieldError::new("intensity", "must be between 0 and 100"));
    }
    if tags.is_empty() {
        errors.push(FieldError::new("tags", "name at least one tag from the vocabulary"));
    }
    for tag in tags {
        if !is_known_tag(tag) {
            errors.push(FieldError::new("tags", format!("{tag:?} is not in the tag vocabulary")));
        }
    }
    if prompts.len() > 10 || prompts.iter().any(|p| p.trim().is_empty() || p.chars().count() > 300) {
        errors.push(FieldError::new("check_in_prompts", "at most 10 prompts of 1 to 300 characters"));
    }
    Error::check_fields(errors)
}

/// Loads an exercise and checks `action` on it (a partner's "in my plans" included).
fn load(cx: &Ctx, id: &str, action: Action) -> Result<ExerciseRow> {
    if !ids::is_valid(id) {
        return Err(Error::NotFound);
    }
    let client = cx.actor.kind == UserKind::Client;
    let (row, used) = cx.read(|conn| {
        let row = library::find(conn, id)?.ok_or(Error::NotFound)?;
        let used = client && library::used_by_partner(conn, &row.id, &cx.actor.user_id)?;
        Ok((row, used))
    })?;
    let resource = Resource::Exercise {
        practice_id: &row.practice_id,
        builtin: row.builtin_key.is_some(),
        in_callers_plans: used,
    };
    allow(&cx.actor, action, &resource)?;
    Ok(row)
}

/// A page of the library: the practice's (staff) or the exercises of the caller's own
/// plans (partners).
pub fn list(cx: &Ctx, filter: &ExerciseFilter, page: &PageRequest) -> Result<Page<ExerciseRow>> {
    let actor = &cx.actor;
    allow(actor, Action::ListExercises, &Resource::Practice { practice_id: &actor.practice_id })?;
    cx.read(|conn| {
        let visible = match actor.kind {
            UserKind::Staff => Visible::Practice(actor.practice_id.clone()),
            UserKind::Client => match couples::find_for_partner(conn, &actor.user_id)? {
                Some(c) => Visible::CouplePlans(c.id),
                None => return Ok(Page { items: Vec::new(), next_after: None }),
            },
        };
        Ok(library::list(conn, &visible, filter, page)?)
    })
}

/// Adds an exercise to the practice's library (staff).
pub fn create(cx: &Ctx, input: NewExercise) -> Result<ExerciseRow> {
    let actor = &cx.actor;
    allow(actor, Action::CreateExercise, &Resource::Practice { practice_id: &actor.practice_id })?;
    let row = ExerciseRow {
        id: ids::new_id(),
        practice_id: actor.practice_id.clone(),
        builtin_key: None,
        title: input.title.trim().to_owned(),
        category: input.category.as_str().to_owned(),
        instructions: input.instructions.trim().to_owned(),
        duration_minutes: input.duration_minutes,
        intensity: input.intensity,
        check_in_prompts: to_json(&input.check_in_prompts),
        exit_strategy: input.exit_strategy.trim().to_owned(),
        tags: to_json(&input.tags),
        version: 1,
        archived_at: None,
        created_by: Some(actor.user_id.clone()),
        created_at: time::to_db(cx.now),
        updated_at: time::to_db(cx.now),
    };
    validate(&row, &input.tags, &input.check_in_prompts)?;
    cx.write(|conn| {
        library::insert(conn, &row)?;
        audit::record(conn, cx.practice_event("exercise.create", "exercise").resource(&row.id))?;
        Ok(())
    })?;
    Ok(row)
}

/// One exercise (staff: any of the practice; partners: those in their own plans).
pub fn get(cx: &Ctx, id: &str) -> Result<ExerciseRow> {
    load(cx, id, Action::ReadExercise)
}

/// The exercise as it is now, for a caller who may edit it (to check `If-Match` against
/// before [`update`]).
pub fn for_update(cx: &Ctx, id: &str) -> Result<ExerciseRow> {
    load(cx, id, Action::UpdateExercise)
}

/// Applies `patch` to `current` (read by [`for_update`]); [`Error::Stale`] when someone
/// changed it since.
pub fn update(cx: &Ctx, current: ExerciseRow, patch: ExercisePatch) -> Result<ExerciseRow> {
    let mut tags = current.tag_list()?;
    let mut prompts = current.prompt_list()?;
    let mut row = current.clone();
    if let Some(v) = patch.title {
        row.title = v.trim().to_owned();
    }
    if let Some(v) = patch.category {
        row.category = v.as_str().to_owned();
    }
    if let Some(v) = patch.instructions {
        row.instructions = v.trim().to_owned();
    }
    if let Some(v) = patch.duration_minutes {
        row.duration_minutes = v;
    }
    if let Some(v) = patch.intensity {
        row.intensity = v;
    }
    if let Some(v) = patch.exit_strategy {
        row.exit_strategy = v.trim().to_owned();
    }
    if let Some(v) = patch.tags {
        tags = v;
    }
    if let Some(v) = patch.check_in_prompts {
        prompts = v;
    }
    row.tags = to_json(&tags);
    row.check_in_prompts = to_json(&prompts);
    row.version = current.version + 1;
    row.updated_at = time::to_db(cx.now);
    validate(&row, &tags, &prompts)?;
    save(cx, &row, current.version, "exercise.update")?;
    Ok(row)
}

/// Hides an exercise from the library; plans keep their snapshot. Archiving twice is
/// harmless.
pub fn archive(cx: &Ctx, id: &str) -> Result<()> {
    let current = load(cx, id, Action::UpdateExercise)?;
    if current.archived_at.is_some() {
        return Ok(());
    }
    let mut row = current.clone();
    row.archived_at = Some(time::to_db(cx.now));
    row.version += 1;
    row.updated_at = time::to_db(cx.now);
    save(cx, &row, current.version, "exercise.archive")
}

fn save(cx: &Ctx, row: &ExerciseRow, expected_version: i32, action: &str) -> Result<()> {
    cx.write(|conn| {
        if !library::update_if_version(conn, row, expected_version)? {
            return Err(Error::Stale);
        }
        audit::record(conn, cx.practice_event(action, "exercise").resource(&row.id))?;
        Ok(())
    })
}
