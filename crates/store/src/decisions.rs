//! Clinicians' progression decisions: append-only.

use diesel::prelude::*;

use crate::AnyConnection;
use crate::error::StoreResult;
use crate::pagination::{Page, PageRequest};
use crate::schema::decisions;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = decisions)]
pub struct DecisionRow {
    pub id: String,
    pub practice_id: String,
    pub couple_id: String,
    pub plan_id: String,
    pub step_id: String,
    pub kind: String,
    pub rationale: String,
    pub recommendation_kind: String,
    pub recommendation_etag: String,
    pub to_step_id: Option<String>,
    pub decided_by: String,
    pub created_at: chrono::NaiveDateTime,
}

pub fn insert(conn: &mut AnyConnection, row: &DecisionRow) -> StoreResult<()> {
    diesel::insert_into(decisions::table).values(row).execute(conn)?;
    Ok(())
}

pub fn list(conn: &mut AnyConnection, plan_id: &str, page: &PageRequest) -> StoreResult<Page<DecisionRow>> {
    let mut query = decisions::table.filter(decisions::plan_id.eq(plan_id)).into_boxed();
    if let Some(after) = &page.after {
        query = query.filter(decisions::id.lt(after.clone()));
    }
    let rows =
        query.order(decisions::id.desc()).limit(page.fetch_limit()).select(DecisionRow::as_select()).load(conn)?;
    Ok(Page::from_rows(rows, page, |r| &r.id))
}

pub fn for_couple(conn: &mut AnyConnection, couple_id: &str) -> StoreResult<Vec<DecisionRow>> {
    Ok(decisions::table
        .filter(decisions::couple_id.eq(couple_id))
        .order(decisions::id.asc())
        .select(DecisionRow::as_select())
        .load(conn)?)
}
