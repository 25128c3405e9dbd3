//! The audit log: append-only, no clinical text. Writes go in the caller's transaction;
//! read events arrive in batches from the API's audit queue.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::error::StoreResult;
use crate::pagination::{Page, PageRequest};
use crate::schema::audit_events;
use crate::{AnyConnection, time};

/// One event: who did what to which resource, and how it ended.
#[derive(Debug, Clone, PartialEq, Eq, Insertable, Queryable, Selectable)]
#[diesel(table_name = audit_events)]
pub struct AuditRow {
    pub id: String,
    pub practice_id: String,
    pub occurred_at: chrono::NaiveDateTime,
    pub actor_id: Option<String>,
    pub actor_role: Option<String>,
    pub action: String,
    pub resource_type: String,
    pub resource_id: Option<String>,
    pub couple_id: Option<String>,
    pub outcome: String,
    pub request_id: Option<String>,
}

/// Appends events. SQLite binds at most 32766 parameters per statement; a batch of
/// events stays far below that.
pub fn insert(conn: &mut AnyConnection, rows: &[AuditRow]) -> StoreResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    for chunk in rows.chunks(500) {
        crate::per_backend::insert_audit_batch(conn, chunk)?;
    }
    Ok(())
}

/// Filters for reading the audit log.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor_id: Option<String>,
    pub couple_id: Option<String>,
    pub action: Option<String>,
    pub resource_type: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// One page of a practice's audit log, newest first.
pub fn list(
    conn: &mut AnyConnection,
    practice_id: &str,
    filter: &AuditFilter,
    page: &PageRequest,
) -> StoreResult<Page<AuditRow>> {
    let mut query = audit_events::table.filter(audit_events::practice_id.eq(practice_id)).into_boxed();
    if let Some(actor) = &filter.actor_id {
        query = query.filter(audit_events::actor_id.eq(actor.clone()));
    }
    if let Some(couple) = &filter.couple_id {
        query = query.filter(audit_events::couple_id.eq(couple.clone()));
    }
    if let Some(action) = &filter.action {
        query = query.filter(audit_events::action.eq(action.clone()));
    }
    if let Some(resource_type) = &filter.resource_type {
        query = query.filter(audit_events::resource_type.eq(resource_type.clone()));
    }
    if let Some(from) = filter.from {
        query = query.filter(audit_events::occurred_at.ge(time::to_db(from)));
    }
    if let Some(to) = filter.to {
        query = query.filter(audit_events::occurred_at.lt(time::to_db(to)));
    }
    if let Some(after) = &page.after {
        query = query.filter(audit_events::id.lt(after.clone()));
    }
    let rows =
        query.order(audit_events::id.desc()).limit(page.fetch_limit()).select(AuditRow::as_select()).load(conn)?;
    Ok(Page::from_rows(rows, page, |r| &r.id))
}
