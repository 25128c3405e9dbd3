//! Scored measures: assignments of a questionnaire to partners, and their scored
//! responses (docs/measures.md).

use diesel::prelude::*;

use crate::error::StoreResult;
use crate::pagination::{Page, PageRequest};
use crate::schema::{couple_summaries, measure_assignments, measure_responses};
use crate::{AnyConnection, time};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = measure_assignments)]
pub struct AssignmentRow {
    pub id: String,
    pub practice_id: String,
    pub couple_id: String,
    pub measure: String,
    /// `None`: both partners.
    pub partner_id: Option<String>,
    /// `None`: once.
    pub every_weeks: Option<i32>,
    pub starts_at: chrono::NaiveDateTime,
    pub created_by: String,
    pub created_at: chrono::NaiveDateTime,
    pub ended_at: Option<chrono::NaiveDateTime>,
    pub ended_by: Option<String>,
}

impl AssignmentRow {
    /// Whether the assignment asks `user_id` (a partner of the couple) to answer.
    #[must_use]
    pub fn is_for(&self, user_id: &str) -> bool {
        self.partner_id.as_deref().is_none_or(|p| p == user_id)
    }

    /// When its occurrences fall due (the domain's schedule of this row).
    #[must_use]
    pub fn schedule(&self) -> tandem_domain::measures::Schedule {
        tandem_domain::measures::Schedule {
            starts_at: time::from_db(self.starts_at),
            every_weeks: self.every_weeks.and_then(|w| u32::try_from(w).ok()),
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = measure_responses)]
pub struct ResponseRow {
    pub id: String,
    pub practice_id: String,
    pub couple_id: String,
    pub assignment_id: String,
    pub measure: String,
    pub respondent_id: String,
    /// JSON array of the answers, in item order.
    pub answers: String,
    pub score: i32,
    pub band: String,
    pub critical: bool,
    pub acknowledged_at: Option<chrono::NaiveDateTime>,
    pub acknowledged_by: Option<String>,
    pub acknowledgement_note: Option<String>,
    pub created_at: chrono::NaiveDateTime,
}

impl ResponseRow {
    /// The stored answers (an unreadable value reads as none: it was written by us).
    #[must_use]
    pub fn answer_values(&self) -> Vec<i32> {
        serde_json::from_str(&self.answers).unwrap_or_default()
    }
}

pub fn insert_assignment(conn: &mut AnyConnection, row: &AssignmentRow) -> StoreResult<()> {
    diesel::insert_into(measure_assignments::table).values(row).execute(conn)?;
    Ok(())
}

pub fn find_assignment(conn: &mut AnyConnection, id: &str) -> StoreResult<Option<AssignmentRow>> {
    Ok(measure_assignments::table.find(id).select(AssignmentRow::as_select()).first(conn).optional()?)
}

/// The couple's open (not ended) assignments, oldest first; `for_partner` keeps those
/// that ask this partner (theirs and the both-partner ones).
pub fn open_assignments(
    conn: &mut AnyConnection,
    couple_id: &str,
    for_partner: Option<&str>,
) -> StoreResult<Vec<AssignmentRow>> {
    let mut q = measure_assignments::table
        .filter(measure_assignments::couple_id.eq(couple_id))
        .filter(measure_assignments::ended_at.is_null())
        .into_boxed();
    if let Some(p) = for_partner {
        q = q.filter(measure_assignments::partner_id.is_null().or(measure_assignments::partner_id.eq(p.to_owned())));
    }
    Ok(q.order(measure_assignments::id.asc()).select(AssignmentRow::as_select()).load(conn)?)
}

/// Every assignment of a couple, open and ended, oldest first (the export).
pub fn all_assignments(conn: &mut AnyConnection, couple_id: &str) -> StoreResult<Vec<AssignmentRow>> {
    Ok(measure_assignments::table
        .filter(measure_assignments::couple_id.eq(couple_id))
        .order(measure_assignments::id.asc())
        .select(AssignmentRow::as_select())
        .load(conn)?)
}

/// The open assignments of several couples (the scheduler's bulk read, by the couple index).
pub fn open_assignments_of(conn: &mut AnyConnection, couple_ids: &[&str]) -> StoreResult<Vec<AssignmentRow>> {
    if couple_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(measure_assignments::table
        .filter(measure_assignments::couple_id.eq_any(couple_ids))
        .filter(measure_assignments::ended_at.is_null())
        .select(AssignmentRow::as_select())
        .load(conn)?)
}

/// Ends an open assignment; false if it was already ended.
pub fn end_assignment(
    conn: &mut AnyConnection,
    id: &str,
    by: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> StoreResult<bool> {
    let n = diesel::update(measure_assignments::table.find(id).filter(measure_assignments::ended_at.is_null()))
        .set((measure_assignments::ended_at.eq(Some(time::to_db(at))), measure_assignments::ended_by.eq(Some(by))))
        .execute(conn)?;
    Ok(n > 0)
}

pub fn insert_response(conn: &mut AnyConnection, row: &ResponseRow) -> StoreResult<()> {
    diesel::insert_into(measure_responses::table).values(row).execute(conn)?;
    Ok(())
}

pub fn find_response(conn: &mut AnyConnection, id: &str) -> StoreResult<Option<ResponseRow>> {
    Ok(measure_responses::table.find(id).select(ResponseRow::as_select()).first(conn).optional()?)
}

/// One page of a couple's responses, newest first; `respondent` keeps one partner's own.
pub fn list_responses(
    conn: &mut AnyConnection,
    couple_id: &str,
    respondent: Option<&str>,
    page: &PageRequest,
) -> StoreResult<Page<ResponseRow>> {
    let mut q = measure_responses::table.filter(measure_responses::couple_id.eq(couple_id)).into_boxed();
    if let Some(r) = respondent {
        q = q.filter(measure_responses::respondent_id.eq(r.to_owned()));
    }
    if let Some(after) = &page.after {
        q = q.filter(measure_responses::id.lt(after.clone()));
    }
    let rows =
        q.order(measure_responses::id.desc()).limit(page.fetch_limit()).select(ResponseRow::as_select()).load(conn)?;
    Ok(Page::from_rows(rows, page, |r| &r.id))
}

/// Every response of a couple, oldest first (timeline, export, progress, summary);
/// `respondent` keeps one partner's own.
pub fn all_responses(
    conn: &mut AnyConnection,
    couple_id: &str,
    respondent: Option<&str>,
) -> StoreResult<Vec<ResponseRow>> {
    let mut q = measure_responses::table.filter(measure_responses::couple_id.eq(couple_id)).into_boxed();
    if let Some(r) = respondent {
        q = q.filter(measure_responses::respondent_id.eq(r.to_owned()));
    }
    Ok(q.order(measure_responses::id.asc()).select(ResponseRow::as_select()).load(conn)?)
}

/// Each partner's latest answer time per assignment: `(assignment, respondent, at)`.
pub fn last_answers(
    conn: &mut AnyConnection,
    assignment_ids: &[&str],
) -> StoreResult<Vec<(String, String, chrono::NaiveDateTime)>> {
    if assignment_ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(String, String, Option<chrono::NaiveDateTime>)> = measure_responses::table
        .filter(measure_responses::assignment_id.eq_any(assignment_ids))
        .group_by((measure_responses::assignment_id, measure_responses::respondent_id))
        .select((
            measure_responses::assignment_id,
            measure_responses::respondent_id,
            diesel::dsl::max(measure_responses::created_at),
        ))
        .load(conn)?;
    Ok(rows.into_iter().filter_map(|(a, r, t)| Some((a, r, t?))).collect())
}

/// Clears a critical finding; false if it was not critical or already acknowledged.
pub fn acknowledge(
    conn: &mut AnyConnection,
    id: &str,
    by: &str,
    note: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> StoreResult<bool> {
    let n = diesel::update(
        measure_responses::table
            .find(id)
            .filter(measure_responses::critical.eq(true))
            .filter(measure_responses::acknowledged_at.is_null()),
    )
    .set((
        measure_responses::acknowledged_at.eq(Some(time::to_db(at))),
        measure_responses::acknowledged_by.eq(Some(by)),
        measure_responses::acknowledgement_note.eq(Some(note)),
    ))
    .execute(conn)?;
    Ok(n > 0)
}

/// The caseload summary's measure facts, written by the measures use cases only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasureFacts {
    pub critical_items: i32,
    pub worsened: bool,
    pub due_since: Option<chrono::NaiveDateTime>,
}

pub fn set_summary_facts(conn: &mut AnyConnection, couple_id: &str, facts: &MeasureFacts) -> StoreResult<()> {
    diesel::update(couple_summaries::table.find(couple_id))
        .set((
            couple_summaries::critical_items.eq(facts.critical_items),
            couple_summaries::measure_worsened.eq(facts.worsened),
            couple_summaries::measure_due_since.eq(facts.due_since),
        ))
        .execute(conn)?;
    Ok(())
}
