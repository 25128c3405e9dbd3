//! Reconnect windows, the occurrences called off and the partners' check-ins after each.
//! No table records who called anything off.

use std::collections::HashMap;

use diesel::prelude::*;

use crate::error::StoreResult;
use crate::pagination::{Page, PageRequest};
use crate::records::Reader;
use crate::schema::{reconnect_check_ins, reconnect_skips, reconnect_windows};
use crate::{AnyConnection, time};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = reconnect_windows)]
pub struct WindowRow {
    pub id: String,
    pub practice_id: String,
    pub couple_id: String,
    pub proposed_by: String,
    /// `mon` … `sun`.
    pub weekday: String,
    /// Local `HH:MM`.
    pub start_time: String,
    pub duration_minutes: i32,
    pub time_zone: String,
    pub status: String,
    pub created_at: chrono::NaiveDateTime,
    pub accepted_at: Option<chrono::NaiveDateTime>,
    pub cancelled_at: Option<chrono::NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = reconnect_skips)]
pub struct SkipRow {
    pub window_id: String,
    /// Local `YYYY-MM-DD`.
    pub occurrence_date: String,
    pub practice_id: String,
    pub couple_id: String,
    pub created_at: chrono::NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = reconnect_check_ins)]
pub struct CheckInRow {
    pub id: String,
    pub practice_id: String,
    pub couple_id: String,
    pub window_id: String,
    /// Local `YYYY-MM-DD`.
    pub occurrence_date: String,
    pub author_id: String,
    pub closeness: i32,
    pub safety: i32,
    pub note: Option<String>,
    /// `private`, `clinician` or `shared`.
    pub visibility: String,
    pub created_at: chrono::NaiveDateTime,
}

pub const PRIVATE: &str = "private";
pub const SHARED: &str = "shared";

pub fn insert(conn: &mut AnyConnection, row: &WindowRow) -> StoreResult<()> {
    diesel::insert_into(reconnect_windows::table).values(row).execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut AnyConnection, id: &str) -> StoreResult<Option<WindowRow>> {
    Ok(reconnect_windows::table.find(id).select(WindowRow::as_select()).first(conn).optional()?)
}

/// Marks a proposed window active.
pub fn activate(conn: &mut AnyConnection, id: &str, now: chrono::DateTime<chrono::Utc>) -> StoreResult<()> {
    diesel::update(reconnect_windows::table.find(id))
        .set((reconnect_windows::status.eq("active"), reconnect_windows::accepted_at.eq(Some(time::to_db(now)))))
        .execute(conn)?;
    Ok(())
}

/// Calls a whole window off (nothing says by whom).
pub fn cancel(conn: &mut AnyConnection, id: &str, now: chrono::DateTime<chrono::Utc>) -> StoreResult<()> {
    diesel::update(reconnect_windows::table.find(id))
        .set((reconnect_windows::status.eq("cancelled"), reconnect_windows::cancelled_at.eq(Some(time::to_db(now)))))
        .execute(conn)?;
    Ok(())
}

/// Calls one occurrence off (nothing says by whom).
pub fn skip(conn: &mut AnyConnection, row: &SkipRow) -> StoreResult<()> {
    diesel::insert_into(reconnect_skips::table).values(row).execute(conn)?;
    Ok(())
}

/// A page of a couple's windows, newest first.
pub fn list(conn: &mut AnyConnection, couple_id: &str, page: &PageRequest) -> StoreResult<Page<WindowRow>> {
    let mut q = reconnect_windows::table.filter(reconnect_windows::couple_id.eq(couple_id)).into_boxed();
    if let Some(after) = &page.after {
        q = q.filter(reconnect_windows::id.lt(after.clone()));
    }
    let rows =
        q.order(reconnect_windows::id.desc()).limit(page.fetch_limit()).select(WindowRow::as_select()).load(conn)?;
    Ok(Page::from_rows(rows, page, |r| &r.id))
}

/// Every window of a couple, oldest first (the agenda, the export).
pub fn all_of_couple(conn: &mut AnyConnection, couple_id: &str) -> StoreResult<Vec<WindowRow>> {
    Ok(reconnect_windows::table
        .filter(reconnect_windows::couple_id.eq(couple_id))
        .order(reconnect_windows::id.asc())
        .select(WindowRow::as_select())
        .load(conn)?)
}

/// The active windows of many couples at once (the reminder scheduler's page).
pub fn active_of_couples(conn: &mut AnyConnection, couple_ids: &[&str]) -> StoreResult<Vec<WindowRow>> {
    if couple_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(reconnect_windows::table
        .filter(reconnect_windows::couple_id.eq_any(couple_ids))
        .filter(reconnect_windows::status.eq("active"))
        .select(WindowRow::as_select())
        .load(conn)?)
}

/// The occurrences called off, per window, on or after local date `from` (`YYYY-MM-DD`
/// sorts as text), for many windows in one query.
pub fn skips_of(
    conn: &mut AnyConnection,
    window_ids: &[&str],
    from: Option<&str>,
) -> StoreResult<HashMap<String, Vec<String>>> {
    if window_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut q = reconnect_skips::table.filter(reconnect_skips::window_id.eq_any(window_ids)).into_boxed();
    if let Some(from) = from {
        q = q.filter(reconnect_skips::occurrence_date.ge(from.to_owned()));
    }
    let rows: Vec<(String, String)> =
        q.select((reconnect_skips::window_id, reconnect_skips::occurrence_date)).load(conn)?;
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for (window, date) in rows {
        out.entry(window).or_default().push(date);
    }
    Ok(out)
}

pub fn insert_check_in(conn: &mut AnyConnection, row: &CheckInRow) -> StoreResult<()> {
    diesel::insert_into(reconnect_check_ins::table).values(row).execute(conn)?;
    Ok(())
}

/// Whether `author` already answered the occurrence.
pub fn has_check_in(conn: &mut AnyConnection, window_id: &str, author: &str, date: &str) -> StoreResult<bool> {
    let n: i64 = reconnect_check_ins::table
        .filter(reconnect_check_ins::window_id.eq(window_id))
        .filter(reconnect_check_ins::author_id.eq(author))
        .filter(reconnect_check_ins::occurrence_date.eq(date))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// The occurrences `author` answered, per window, for these windows.
pub fn answered_by(
    conn: &mut AnyConnection,
    window_ids: &[&str],
    author: &str,
) -> StoreResult<HashMap<String, Vec<String>>> {
    if window_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(String, String)> = reconnect_check_ins::table
        .filter(reconnect_check_ins::window_id.eq_any(window_ids))
        .filter(reconnect_check_ins::author_id.eq(author))
        .select((reconnect_check_ins::window_id, reconnect_check_ins::occurrence_date))
        .load(conn)?;
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for (window, date) in rows {
        out.entry(window).or_default().push(date);
    }
    Ok(out)
}

/// Every check-in of a couple that `reader` may see, oldest first: a partner their own
/// and the other partner's shared ones; a clinician the clinician and shared ones, never
/// a private one.
pub fn check_ins_of_couple(conn: &mut AnyConnection, couple_id: &str, reader: &Reader) -> StoreResult<Vec<CheckInRow>> {
    let mut q = reconnect_check_ins::table.filter(reconnect_check_ins::couple_id.eq(couple_id)).into_boxed();
    q = match reader {
        Reader::Partner(me) => {
            q.filter(reconnect_check_ins::author_id.eq(me.clone()).or(reconnect_check_ins::visibility.eq(SHARED)))
        }
        Reader::Clinician => q.filter(reconnect_check_ins::visibility.ne(PRIVATE)),
    };
    Ok(q.order(reconnect_check_ins::id.asc()).select(CheckInRow::as_select()).load(conn)?)
}
