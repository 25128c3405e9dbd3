//! The few statements `MultiConnection` cannot express (multi-row inserts, upserts,
//! `FOR UPDATE SKIP LOCKED`). Every backend-specific branch lives here and nowhere else.

use diesel::prelude::*;

use crate::AnyConnection;
use crate::audit::AuditRow;
use crate::schema::audit_events;

/// Inserts many audit rows in one statement.
pub fn insert_audit_batch(conn: &mut AnyConnection, rows: &[AuditRow]) -> QueryResult<usize> {
    match conn {
        AnyConnection::Postgresql(c) => diesel::insert_into(audit_events::table).values(rows).execute(c),
        AnyConnection::Sqlite(c) => diesel::insert_into(audit_events::table).values(rows).execute(c),
    }
}
