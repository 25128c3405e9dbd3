//! The comfort script: one document per couple, every version kept.

use diesel::prelude::*;

use crate::AnyConnection;
use crate::error::{StoreError, StoreResult};
use crate::pagination::{Page, PageRequest};
use crate::schema::comfort_script_versions;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = comfort_script_versions)]
pub struct ComfortScriptRow {
    pub id: String,
    pub practice_id: String,
    pub couple_id: String,
    pub version: i32,
    pub partner_a_helps: String,
    pub partner_b_helps: String,
    pub words_to_use: String,
    pub words_to_avoid: String,
    pub time_out_signal: String,
    pub coming_back: String,
    pub edited_by: String,
    pub created_at: chrono::NaiveDateTime,
}

/// The couple's latest version, if any.
pub fn latest(conn: &mut AnyConnection, couple_id: &str) -> StoreResult<Option<ComfortScriptRow>> {
    Ok(comfort_script_versions::table
        .filter(comfort_script_versions::couple_id.eq(couple_id))
        .order(comfort_script_versions::version.desc())
        .select(ComfortScriptRow::as_select())
        .first(conn)
        .optional()?)
}

/// Writes a version. Another writer who took this version number first is a conflict:
/// the two partners edited from the same version, and the second must read again.
pub fn insert(conn: &mut AnyConnection, row: &ComfortScriptRow) -> StoreResult<()> {
    diesel::insert_into(comfort_script_versions::table).values(row).execute(conn).map_err(
        |e| match StoreError::from(e) {
            StoreError::Conflict(_) => StoreError::Conflict("comfort script version".into()),
            other => other,
        },
    )?;
    Ok(())
}

/// One page of a couple's versions, newest first.
pub fn versions(conn: &mut AnyConnection, couple_id: &str, page: &PageRequest) -> StoreResult<Page<ComfortScriptRow>> {
    let mut query =
        comfort_script_versions::table.filter(comfort_script_versions::couple_id.eq(couple_id)).into_boxed();
    if let Some(after) = &page.after {
        query = query.filter(comfort_script_versions::id.lt(after.clone()));
    }
    let rows = query
        .order(comfort_script_versions::id.desc())
        .limit(page.fetch_limit())
        .select(ComfortScriptRow::as_select())
        .load(conn)?;
    Ok(Page::from_rows(rows, page, |r| &r.id))
}

/// Every version of a couple's script, oldest first (timeline, export).
pub fn all_versions(conn: &mut AnyConnection, couple_id: &str) -> StoreResult<Vec<ComfortScriptRow>> {
    Ok(comfort_script_versions::table
        .filter(comfort_script_versions::couple_id.eq(couple_id))
        .order(comfort_script_versions::id.asc())
        .select(ComfortScriptRow::as_select())
        .load(conn)?)
}
