//! What partners record: attempts (reports), daily check-ins and milestones.

use diesel::prelude::*;

use crate::error::StoreResult;
use crate::pagination::{Page, PageRequest};
use crate::schema::{check_ins, milestones, reports};
use crate::{AnyConnection, time};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = reports)]
pub struct ReportRow {
    pub id: String,
    pub practice_id: String,
    pub couple_id: String,
    pub plan_id: String,
    pub step_id: String,
    pub item_id: Option<String>,
    pub author_id: String,
    pub occurred_at: chrono::NaiveDateTime,
    pub outcome: String,
    pub distress_before: i32,
    pub distress_peak: i32,
    pub distress_after: i32,
    pub comfort: i32,
    pub closeness: i32,
    pub boundary_crossed: bool,
    pub note: Option<String>,
    pub visibility: String,
    pub created_at: chrono::NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = check_ins)]
pub struct CheckInRow {
    pub id: String,
    pub practice_id: String,
    pub couple_id: String,
    pub author_id: String,
    pub felt_good: String,
    pub was_hard: String,
    pub to_adjust: String,
    pub stress: i32,
    pub visibility: String,
    pub created_at: chrono::NaiveDateTime,
    /// `daily` or `weekly_talk` (`tandem_domain::journal::CheckInKind`); a weekly talk
    /// leaves the daily fields empty and fills the three below.
    pub kind: String,
    pub gratitude: Option<String>,
    pub frustrations: Option<String>,
    pub next_steps: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = milestones)]
pub struct MilestoneRow {
    pub id: String,
    pub practice_id: String,
    pub couple_id: String,
    pub author_id: String,
    pub title: String,
    pub note: Option<String>,
    pub achieved_at: chrono::NaiveDateTime,
    pub created_at: chrono::NaiveDateTime,
}

/// The entries a reader may see: everything (clinicians), or their own plus what the
/// other partner shared (partners).
#[derive(Debug, Clone)]
pub enum Reader {
    Clinician,
    Partner(String),
}

pub const SHARED: &str = "shared_with_partner";
pub const CLINICIAN_ONLY: &str = "clinician_only";

/// Report filters.
#[derive(Debug, Clone, Default)]
pub struct ReportFilter {
    pub plan_id: Option<String>,
    pub step_id: Option<String>,
    pub author_id: Option<String>,
    pub from: Option<chrono::NaiveDateTime>,
    pub to: Option<chrono::NaiveDateTime>,
}

pub fn insert_report(conn: &mut AnyConnection, row: &ReportRow) -> StoreResult<()> {
    diesel::insert_into(reports::table).values(row).execute(conn)?;
    Ok(())
}

pub fn find_report(conn: &mut AnyConnection, id: &str) -> StoreResult<Option<ReportRow>> {
    Ok(reports::table.find(id).select(ReportRow::as_select()).first(conn).optional()?)
}

/// One page of a couple's reports, newest first, as `reader` may see them.
pub fn list_reports(
    conn: &mut AnyConnection,
    couple_id: &str,
    reader: &Reader,
    filter: &ReportFilter,
    page: &PageRequest,
) -> StoreResult<Page<ReportRow>> {
    let mut query = reports::table.filter(reports::couple_id.eq(couple_id)).into_boxed();
    if let Reader::Partner(me) = reader {
        query = query.filter(reports::author_id.eq(me.clone()).or(reports::visibility.eq(SHARED)));
    }
    if let Some(v) = &filter.plan_id {
        query = query.filter(reports::plan_id.eq(v.clone()));
    }
    if let Some(v) = &filter.step_id {
        query = query.filter(reports::step_id.eq(v.clone()));
    }
    if let Some(v) = &filter.author_id {
        query = query.filter(reports::author_id.eq(v.clone()));
    }
    if let Some(v) = filter.from {
        query = query.filter(reports::occurred_at.ge(v));
    }
    if let Some(v) = filter.to {
        query = query.filter(reports::occurred_at.lt(v));
    }
    if let Some(after) = &page.after {
        query = query.filter(reports::id.lt(after.clone()));
    }
    let rows = query.order(reports::id.desc()).limit(page.fetch_limit()).select(ReportRow::as_select()).load(conn)?;
    Ok(Page::from_rows(rows, page, |r| &r.id))
}

/// Every report on a step since `since` (the progression window; one couple's, small).
pub fn step_reports_since(
    conn: &mut AnyConnection,
    step_id: &str,
    since: chrono::NaiveDateTime,
) -> StoreResult<Vec<ReportRow>> {
    Ok(reports::table
        .filter(reports::step_id.eq(step_id))
        .filter(reports::occurred_at.ge(since))
        .order(reports::occurred_at.asc())
        .select(ReportRow::as_select())
        .load(conn)?)
}

/// What the progress view needs of one report.
#[derive(Debug, Clone, Queryable)]
pub struct ReportFigures {
    pub step_id: String,
    pub author_id: String,
    pub outcome: String,
    pub distress_after: i32,
    pub comfort: i32,
}

/// The figures of every report on a plan, oldest first (for the progress view): only the
/// columns it uses, read by the `(plan_id, occurred_at)` index.
pub fn plan_report_figures(conn: &mut AnyConnection, plan_id: &str) -> StoreResult<Vec<ReportFigures>> {
    Ok(reports::table
        .filter(reports::plan_id.eq(plan_id))
        .order(reports::occurred_at.asc())
        .select((reports::step_id, reports::author_id, reports::outcome, reports::distress_after, reports::comfort))
        .load(conn)?)
}

/// Every report of a couple as `reader` may see them, oldest first (timeline, export).
pub fn all_reports(conn: &mut AnyConnection, couple_id: &str, reader: &Reader) -> StoreResult<Vec<ReportRow>> {
    let mut query = reports::table.filter(reports::couple_id.eq(couple_id)).into_boxed();
    if let Reader::Partner(me) = reader {
        query = query.filter(reports::author_id.eq(me.clone()).or(reports::visibility.eq(SHARED)));
    }
    Ok(query.order(reports::id.asc()).select(ReportRow::as_select()).load(conn)?)
}

pub fn insert_check_in(conn: &mut AnyConnection, row: &CheckInRow) -> StoreResult<()> {
    diesel::insert_into(check_ins::table).values(row).execute(conn)?;
    Ok(())
}

/// One page of a couple's check-ins, newest first, as `reader` may see them.
pub fn list_check_ins(
    conn: &mut AnyConnection,
    couple_id: &str,
    reader: &Reader,
    page: &PageRequest,
) -> StoreResult<Page<CheckInRow>> {
    let mut query = check_ins::table.filter(check_ins::couple_id.eq(couple_id)).into_boxed();
    if let Reader::Partner(me) = reader {
        query = query.filter(check_ins::author_id.eq(me.clone()).or(check_ins::visibility.eq(SHARED)));
    }
    if let Some(after) = &page.after {
        query = query.filter(check_ins::id.lt(after.clone()));
    }
    let rows =
        query.order(check_ins::id.desc()).limit(page.fetch_limit()).select(CheckInRow::as_select()).load(conn)?;
    Ok(Page::from_rows(rows, page, |r| &r.id))
}

pub fn all_check_ins(conn: &mut AnyConnection, couple_id: &str, reader: &Reader) -> StoreResult<Vec<CheckInRow>> {
    Ok(list_check_ins(conn, couple_id, reader, &PageRequest { after: None, limit: 100_000 })?.items)
}

/// A couple's weekly talks, oldest first (the progress view; a few a month), by the
/// `(couple_id, id)` index.
pub fn weekly_talks(conn: &mut AnyConnection, couple_id: &str) -> StoreResult<Vec<CheckInRow>> {
    Ok(check_ins::table
        .filter(check_ins::couple_id.eq(couple_id))
        .filter(check_ins::kind.eq(tandem_domain::journal::CheckInKind::WeeklyTalk.as_str()))
        .order(check_ins::id.asc())
        .select(CheckInRow::as_select())
        .load(conn)?)
}

/// The author's latest daily check-in time, if any (a weekly talk is not the day's note).
pub fn last_check_in(conn: &mut AnyConnection, author_id: &str) -> StoreResult<Option<chrono::NaiveDateTime>> {
    Ok(check_ins::table
        .filter(check_ins::author_id.eq(author_id))
        .filter(check_ins::kind.eq(tandem_domain::journal::CheckInKind::Daily.as_str()))
        .order(check_ins::created_at.desc())
        .select(check_ins::created_at)
        .first(conn)
        .optional()?)
}

pub fn insert_milestone(conn: &mut AnyConnection, row: &MilestoneRow) -> StoreResult<()> {
    diesel::insert_into(milestones::table).values(row).execute(conn)?;
    Ok(())
}

pub fn list_milestones(
    conn: &mut AnyConnection,
    couple_id: &str,
    page: &PageRequest,
) -> StoreResult<Page<MilestoneRow>> {
    let mut query = milestones::table.filter(milestones::couple_id.eq(couple_id)).into_boxed();
    if let Some(after) = &page.after {
        query = query.filter(milestones::id.lt(after.clone()));
    }
    let rows =
        query.order(milestones::id.desc()).limit(page.fetch_limit()).select(MilestoneRow::as_select()).load(conn)?;
    Ok(Page::from_rows(rows, page, |r| &r.id))
}

pub fn all_milestones(conn: &mut AnyConnection, couple_id: &str) -> StoreResult<Vec<MilestoneRow>> {
    Ok(list_milestones(conn, couple_id, &PageRequest { after: None, limit: 100_000 })?.items)
}

/// The couple's latest activity (report or check-in), for the inactivity flag.
pub fn last_activity(conn: &mut AnyConnection, couple_id: &str) -> StoreResult<Option<chrono::NaiveDateTime>> {
    let report: Option<chrono::NaiveDateTime> = reports::table
        .filter(reports::couple_id.eq(couple_id))
        .select(diesel::dsl::max(reports::created_at))
        .first(conn)?;
    let check_in: Option<chrono::NaiveDateTime> = check_ins::table
        .filter(check_ins::couple_id.eq(couple_id))
        .select(diesel::dsl::max(check_ins::created_at))
        .first(conn)?;
    Ok(report.max(check_in))
}

/// What the summary refresh needs of a couple's incidents and records, in one statement:
/// open incidents, whether a partner withdrew, and the latest activity (as
/// [`crate::incidents::open_count`], [`crate::incidents::any_withdrawal`] and
/// [`last_activity`] answer in four).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryFacts {
    pub open_incidents: i64,
    pub withdrawn: bool,
    pub last_activity: Option<chrono::NaiveDateTime>,
}

pub fn summary_facts(conn: &mut AnyConnection, couple_id: &str) -> StoreResult<SummaryFacts> {
    use crate::schema::{incidents, withdrawals};
    let (open, withdrawn, report, check_in): (
        Option<i64>,
        bool,
        Option<chrono::NaiveDateTime>,
        Option<chrono::NaiveDateTime>,
    ) = diesel::select((
        incidents::table
            .filter(incidents::couple_id.eq(couple_id))
            .filter(incidents::status.eq(crate::incidents::OPEN))
            .count()
            .single_value(),
        diesel::dsl::exists(withdrawals::table.filter(withdrawals::couple_id.eq(couple_id))),
        reports::table
            .filter(reports::couple_id.eq(couple_id))
            .select(diesel::dsl::max(reports::created_at))
            .single_value(),
        check_ins::table
            .filter(check_ins::couple_id.eq(couple_id))
            .select(diesel::dsl::max(check_ins::created_at))
            .single_value(),
    ))
    .get_result(conn)?;
    Ok(SummaryFacts { open_incidents: open.unwrap_or(0), withdrawn, last_activity: report.max(check_in) })
}

/// Converts for callers that keep `DateTime<Utc>`.
#[must_use]
pub fn at(t: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDateTime {
    time::to_db(t)
}
