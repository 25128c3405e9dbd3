//! A practice's plan templates. The steps are one JSON document (TEXT): a template is
//! always read and written whole under one version, and plans drafted from it take
//! snapshots, so nothing refers to a template's steps one by one.

use diesel::prelude::*;
use tandem_domain::templates::TemplateStep;

use crate::AnyConnection;
use crate::error::{StoreError, StoreResult};
use crate::pagination::{Page, PageRequest};
use crate::schema::plan_templates;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = plan_templates)]
#[diesel(treat_none_as_null = true)]
pub struct TemplateRow {
    pub id: String,
    pub practice_id: String,
    pub version: i32,
    pub title: String,
    pub goal: String,
    /// JSON: the ordered [`TemplateStep`]s, exercises named by id.
    pub steps: String,
    pub created_by: String,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
    pub archived_at: Option<chrono::NaiveDateTime>,
}

impl TemplateRow {
    pub fn step_list(&self) -> StoreResult<Vec<TemplateStep>> {
        serde_json::from_str(&self.steps).map_err(|e| StoreError::Corrupt(format!("template steps: {e}")))
    }
}

/// Encodes a template's steps for storage.
#[must_use]
pub fn steps_json(steps: &[TemplateStep]) -> String {
    serde_json::to_string(steps).unwrap_or_else(|_| "[]".into())
}

pub fn insert(conn: &mut AnyConnection, row: &TemplateRow) -> StoreResult<()> {
    diesel::insert_into(plan_templates::table).values(row).execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut AnyConnection, id: &str) -> StoreResult<Option<TemplateRow>> {
    Ok(plan_templates::table.find(id).select(TemplateRow::as_select()).first(conn).optional()?)
}

/// Replaces a template's content if its version is still `expected_version`; returns
/// false when someone else changed it first.
pub fn update_if_version(conn: &mut AnyConnection, row: &TemplateRow, expected_version: i32) -> StoreResult<bool> {
    let n = diesel::update(plan_templates::table.find(&row.id).filter(plan_templates::version.eq(expected_version)))
        .set(row)
        .execute(conn)?;
    Ok(n == 1)
}

/// One page of a practice's templates that are not archived, oldest first.
pub fn list(conn: &mut AnyConnection, practice_id: &str, page: &PageRequest) -> StoreResult<Page<TemplateRow>> {
    let mut query = plan_templates::table
        .filter(plan_templates::practice_id.eq(practice_id))
        .filter(plan_templates::archived_at.is_null())
        .into_boxed();
    if let Some(after) = &page.after {
        query = query.filter(plan_templates::id.gt(after.clone()));
    }
    let rows =
        query.order(plan_templates::id.asc()).limit(page.fetch_limit()).select(TemplateRow::as_select()).load(conn)?;
    Ok(Page::from_rows(rows, page, |t| &t.id))
}
