//! The exercise library: built-in starters (read-only, in every practice) and each
//! practice's own. List values are stored as JSON text.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use tandem_domain::exercises::STARTER_LIBRARY;

use crate::error::{StoreError, StoreResult};
use crate::pagination::{Page, PageRequest};
use crate::schema::{couples, exercises, plans, step_exercises};
use crate::{AnyConnection, ids, time};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = exercises)]
pub struct ExerciseRow {
    pub id: String,
    pub practice_id: String,
    pub builtin_key: Option<String>,
    pub title: String,
    pub category: String,
    pub instructions: String,
    pub duration_minutes: i32,
    pub intensity: i32,
    pub check_in_prompts: String,
    pub exit_strategy: String,
    pub tags: String,
    pub version: i32,
    pub archived_at: Option<chrono::NaiveDateTime>,
    pub created_by: Option<String>,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

impl ExerciseRow {
    pub fn tag_list(&self) -> StoreResult<Vec<String>> {
        json_list(&self.tags)
    }

    pub fn prompt_list(&self) -> StoreResult<Vec<String>> {
        json_list(&self.check_in_prompts)
    }
}

/// Decodes a JSON array of strings stored as text.
pub fn json_list(text: &str) -> StoreResult<Vec<String>> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("json list: {e}")))
}

/// Encodes a list of strings as JSON text.
#[must_use]
pub fn to_json(list: &[String]) -> String {
    serde_json::to_string(list).unwrap_or_else(|_| "[]".into())
}

/// Adds any missing built-in exercises to a practice (idempotent; run when a practice is
/// created and at start-up, so older databases get new starters too).
pub fn ensure_starters(conn: &mut AnyConnection, practice_id: &str, now: DateTime<Utc>) -> StoreResult<usize> {
    let present: Vec<Option<String>> = exercises::table
        .filter(exercises::practice_id.eq(practice_id))
        .filter(exercises::builtin_key.is_not_null())
        .select(exercises::builtin_key)
        .load(conn)?;
    let mut added = 0;
    for s in STARTER_LIBRARY {
        if present.iter().any(|k| k.as_deref() == Some(s.key)) {
            continue;
        }
        let tags: Vec<String> = s.tags.iter().map(|t| (*t).to_owned()).collect();
        let prompts: Vec<String> = s.check_in_prompts.iter().map(|p| (*p).to_owned()).collect();
        let row = ExerciseRow {
            id: ids::new_id(),
            practice_id: practice_id.to_owned(),
            builtin_key: Some(s.key.to_owned()),
            title: s.title.to_owned(),
            category: s.category.as_str().to_owned(),
            instructions: s.instructions.to_owned(),
            duration_minutes: s.duration_minutes,
            intensity: s.intensity,
            check_in_prompts: to_json(&prompts),
            exit_strategy: s.exit_strategy.to_owned(),
            tags: to_json(&tags),
            version: 1,
            archived_at: None,
            created_by: None,
            created_at: time::to_db(now),
            updated_at: time::to_db(now),
        };
        diesel::insert_into(exercises::table).values(&row).execute(conn)?;
        added += 1;
    }
    Ok(added)
}

pub fn insert(conn: &mut AnyConnection, row: &ExerciseRow) -> StoreResult<()> {
    diesel::insert_into(exercises::table).values(row).execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut AnyConnection, id: &str) -> StoreResult<Option<ExerciseRow>> {
    Ok(exercises::table.find(id).select(ExerciseRow::as_select()).first(conn).optional()?)
}

/// The exercises with these ids, in no particular order (one query for a whole page of
/// templates).
pub fn find_many(conn: &mut AnyConnection, ids: &[String]) -> StoreResult<Vec<ExerciseRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(exercises::table.filter(exercises::id.eq_any(ids)).select(ExerciseRow::as_select()).load(conn)?)
}

/// A practice's copies of the built-in starters.
pub fn starters(conn: &mut AnyConnection, practice_id: &str) -> StoreResult<Vec<ExerciseRow>> {
    Ok(exercises::table
        .filter(exercises::practice_id.eq(practice_id))
        .filter(exercises::builtin_key.is_not_null())
        .select(ExerciseRow::as_select())
        .load(conn)?)
}

/// Replaces an exercise's content if its version is still `expected_version`; returns
/// false when someone else changed it first.
pub fn update_if_version(conn: &mut AnyConnection, row: &ExerciseRow, expected_version: i32) -> StoreResult<bool> {
    let n = diesel::update(exercises::table.find(&row.id).filter(exercises::version.eq(expected_version)))
        .set(row)
        .execute(conn)?;
    Ok(n == 1)
}

/// Which exercises to list.
#[derive(Debug, Clone)]
pub enum Visible {
    /// The practice's whole library (staff).
    Practice(String),
    /// Only exercises used in the plans of this couple (partners).
    CouplePlans(String),
}

/// Filters for the library.
#[derive(Debug, Clone, Default)]
pub struct ExerciseFilter {
    pub category: Option<String>,
    pub include_archived: bool,
    /// Tag that must be present (matched on the JSON text).
    pub tag: Option<String>,
}

/// One page of the library, oldest first.
pub fn list(
    conn: &mut AnyConnection,
    visible: &Visible,
    filter: &ExerciseFilter,
    page: &PageRequest,
) -> StoreResult<Page<ExerciseRow>> {
    let mut query = exercises::table.into_boxed();
    match visible {
        Visible::Practice(practice_id) => query = query.filter(exercises::practice_id.eq(practice_id.clone())),
        Visible::CouplePlans(couple_id) => {
            let used = step_exercises::table
                .inner_join(plans::table)
                .filter(plans::couple_id.eq(couple_id.clone()))
                .select(step_exercises::exercise_id);
            query = query.filter(exercises::id.eq_any(used));
        }
    }
    if let Some(category) = &filter.category {
        query = query.filter(exercises::category.eq(category.clone()));
    }
    if !filter.include_archived {
        query = query.filter(exercises::archived_at.is_null());
    }
    if let Some(tag) = &filter.tag {
        query = query.filter(exercises::tags.like(format!("%\"{}\"%", tag.replace(['%', '_'], ""))));
    }
    if let Some(after) = &page.after {
        query = query.filter(exercises::id.gt(after.clone()));
    }
    let rows =
        query.order(exercises::id.asc()).limit(page.fetch_limit()).select(ExerciseRow::as_select()).load(conn)?;
    Ok(Page::from_rows(rows, page, |e| &e.id))
}

/// Whether the exercise appears in any plan of the couple the partner belongs to.
pub fn used_by_partner(conn: &mut AnyConnection, exercise_id: &str, user_id: &str) -> StoreResult<bool> {
    let n: i64 = step_exercises::table
        .inner_join(plans::table.inner_join(couples::table))
        .filter(step_exercises::exercise_id.eq(exercise_id))
        .filter(couples::partner_a_id.eq(user_id).or(couples::partner_b_id.eq(user_id)))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}
