//! Break-glass grants: time-limited, read-only access to a couple's clinical record for a
//! clinician outside its care team.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::error::StoreResult;
use crate::schema::break_glass_grants;
use crate::{AnyConnection, time};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = break_glass_grants)]
pub struct GrantRow {
    pub id: String,
    pub practice_id: String,
    pub couple_id: String,
    pub user_id: String,
    pub reason: String,
    pub created_at: chrono::NaiveDateTime,
    pub expires_at: chrono::NaiveDateTime,
}

pub fn insert(conn: &mut AnyConnection, row: &GrantRow) -> StoreResult<()> {
    diesel::insert_into(break_glass_grants::table).values(row).execute(conn)?;
    Ok(())
}

/// Whether `user_id` holds an unexpired grant on the couple at `now`.
pub fn active(conn: &mut AnyConnection, couple_id: &str, user_id: &str, now: DateTime<Utc>) -> StoreResult<bool> {
    let found = break_glass_grants::table
        .filter(break_glass_grants::couple_id.eq(couple_id))
        .filter(break_glass_grants::user_id.eq(user_id))
        .filter(break_glass_grants::expires_at.gt(time::to_db(now)))
        .select(break_glass_grants::id)
        .first::<String>(conn)
        .optional()?;
    Ok(found.is_some())
}

/// Every grant on the couple, newest first (a care team reads who looked and why).
pub fn for_couple(conn: &mut AnyConnection, couple_id: &str) -> StoreResult<Vec<GrantRow>> {
    Ok(break_glass_grants::table
        .filter(break_glass_grants::couple_id.eq(couple_id))
        .order(break_glass_grants::id.desc())
        .limit(500)
        .select(GrantRow::as_select())
        .load(conn)?)
}
