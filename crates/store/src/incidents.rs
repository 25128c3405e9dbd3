//! Incidents (a crossed boundary) and withdrawals: private channels to the clinicians.

use diesel::prelude::*;

use crate::AnyConnection;
use crate::error::StoreResult;
use crate::pagination::{Page, PageRequest};
use crate::schema::{incidents, withdrawals};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, serde::Serialize)]
#[diesel(table_name = incidents)]
pub struct IncidentRow {
    pub id: String,
    pub practice_id: String,
    pub couple_id: String,
    pub plan_id: Option<String>,
    pub step_id: Option<String>,
    pub report_id: Option<String>,
    pub author_id: String,
    pub description: String,
    pub status: String,
    pub acknowledgement: Option<String>,
    pub revision: Option<String>,
    pub renewed_consent: bool,
    pub resolution: Option<String>,
    pub resolved_by: Option<String>,
    pub opened_at: chrono::NaiveDateTime,
    pub resolved_at: Option<chrono::NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = withdrawals)]
pub struct WithdrawalRow {
    pub id: String,
    pub practice_id: String,
    pub couple_id: String,
    pub user_id: String,
    pub reason: Option<String>,
    pub created_at: chrono::NaiveDateTime,
}

pub const OPEN: &str = "open";
pub const RESOLVED: &str = "resolved";

pub fn insert(conn: &mut AnyConnection, row: &IncidentRow) -> StoreResult<()> {
    diesel::insert_into(incidents::table).values(row).execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut AnyConnection, id: &str) -> StoreResult<Option<IncidentRow>> {
    Ok(incidents::table.find(id).select(IncidentRow::as_select()).first(conn).optional()?)
}

pub fn save(conn: &mut AnyConnection, row: &IncidentRow) -> StoreResult<()> {
    diesel::update(incidents::table.find(&row.id)).set(row).execute(conn)?;
    Ok(())
}

/// One page of a couple's incidents, newest first; `author` limits to one partner's own.
pub fn list(
    conn: &mut AnyConnection,
    couple_id: &str,
    author: Option<&str>,
    page: &PageRequest,
) -> StoreResult<Page<IncidentRow>> {
    let mut query = incidents::table.filter(incidents::couple_id.eq(couple_id)).into_boxed();
    if let Some(a) = author {
        query = query.filter(incidents::author_id.eq(a.to_owned()));
    }
    if let Some(after) = &page.after {
        query = query.filter(incidents::id.lt(after.clone()));
    }
    let rows =
        query.order(incidents::id.desc()).limit(page.fetch_limit()).select(IncidentRow::as_select()).load(conn)?;
    Ok(Page::from_rows(rows, page, |r| &r.id))
}

pub fn open_count(conn: &mut AnyConnection, couple_id: &str) -> StoreResult<i64> {
    Ok(incidents::table
        .filter(incidents::couple_id.eq(couple_id))
        .filter(incidents::status.eq(OPEN))
        .count()
        .get_result(conn)?)
}

pub fn insert_withdrawal(conn: &mut AnyConnection, row: &WithdrawalRow) -> StoreResult<()> {
    diesel::insert_into(withdrawals::table).values(row).execute(conn)?;
    Ok(())
}

/// Whether any partner of the couple has withdrawn (one indexed probe).
pub fn any_withdrawal(conn: &mut AnyConnection, couple_id: &str) -> StoreResult<bool> {
    Ok(withdrawals::table
        .filter(withdrawals::couple_id.eq(couple_id))
        .select(withdrawals::id)
        .first::<String>(conn)
        .optional()?
        .is_some())
}

pub fn withdrawals(conn: &mut AnyConnection, couple_id: &str) -> StoreResult<Vec<WithdrawalRow>> {
    Ok(withdrawals::table
        .filter(withdrawals::couple_id.eq(couple_id))
        .order(withdrawals::id.asc())
        .select(WithdrawalRow::as_select())
        .load(conn)?)
}
