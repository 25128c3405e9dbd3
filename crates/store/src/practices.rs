//! Practices: the tenants.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::error::StoreResult;
use crate::schema::practices;
use crate::{AnyConnection, time};

/// The notice a new practice starts with; admins replace it with their own numbers.
pub const DEFAULT_CRISIS_NOTICE: &str =
    "This app is not monitored in real time. If you are in danger or in crisis, call your local emergency number now.";

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = practices)]
pub struct PracticeRow {
    pub id: String,
    pub name: String,
    pub crisis_notice: String,
    pub created_at: chrono::NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = practices)]
struct NewPractice<'a> {
    id: &'a str,
    practice_id: &'a str,
    name: &'a str,
    crisis_notice: &'a str,
    created_at: chrono::NaiveDateTime,
}

/// Inserts a practice; the caller wraps this in its transaction.
pub fn insert(conn: &mut AnyConnection, id: &str, name: &str, now: DateTime<Utc>) -> StoreResult<()> {
    diesel::insert_into(practices::table)
        .values(NewPractice {
            id,
            practice_id: id,
            name,
            crisis_notice: DEFAULT_CRISIS_NOTICE,
            created_at: time::to_db(now),
        })
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut AnyConnection, id: &str) -> StoreResult<PracticeRow> {
    Ok(practices::table.find(id).select(PracticeRow::as_select()).first(conn)?)
}

pub fn find_by_name(conn: &mut AnyConnection, name: &str) -> StoreResult<Option<PracticeRow>> {
    Ok(practices::table.filter(practices::name.eq(name)).select(PracticeRow::as_select()).first(conn).optional()?)
}

/// Every practice's id (for start-up maintenance such as adding new starter exercises).
pub fn all_ids(conn: &mut AnyConnection) -> StoreResult<Vec<String>> {
    Ok(practices::table.select(practices::id).load(conn)?)
}
