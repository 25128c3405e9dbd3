//! The few statements `MultiConnection` cannot express (multi-row inserts, upserts,
//! `FOR UPDATE SKIP LOCKED`). Every backend-specific branch lives here, but for the
//! PostgreSQL-only coordination between replicas in [`crate::shared`].

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

/// Inserts or replaces a partner's current answer on a step.
pub fn upsert_consent(conn: &mut AnyConnection, row: &crate::plans::ConsentRow) -> QueryResult<usize> {
    use crate::schema::consents::dsl as c;
    let set = (c::answer.eq(&row.answer), c::note.eq(&row.note), c::updated_at.eq(row.updated_at));
    match conn {
        AnyConnection::Postgresql(pg) => diesel::insert_into(c::consents)
            .values(row)
            .on_conflict((c::step_id, c::user_id))
            .do_update()
            .set(set)
            .execute(pg),
        AnyConnection::Sqlite(lite) => diesel::insert_into(c::consents)
            .values(row)
            .on_conflict((c::step_id, c::user_id))
            .do_update()
            .set(set)
            .execute(lite),
    }
}

/// Inserts an idempotency key unless it exists; returns rows inserted (0 or 1). On
/// PostgreSQL a plain insert that hits the key would abort the whole transaction.
pub fn insert_idempotency_key(
    conn: &mut AnyConnection,
    user_id: &str,
    practice_id: &str,
    route: &str,
    key: &str,
    request_hash: &str,
    now: chrono::NaiveDateTime,
) -> QueryResult<usize> {
    use crate::schema::idempotency_keys::dsl as k;
    let values = (
        k::user_id.eq(user_id),
        k::route.eq(route),
        k::idempotency_key.eq(key),
        k::practice_id.eq(practice_id),
        k::request_hash.eq(request_hash),
        k::created_at.eq(now),
    );
    match conn {
        AnyConnection::Postgresql(pg) => {
            diesel::insert_into(k::idempotency_keys).values(values).on_conflict_do_nothing().execute(pg)
        }
        AnyConnection::Sqlite(lite) => {
            diesel::insert_into(k::idempotency_keys).values(values).on_conflict_do_nothing().execute(lite)
        }
    }
}

/// Inserts an outbox row, doing nothing when its dedupe key exists already.
pub fn insert_outbox(conn: &mut AnyConnection, row: &crate::outbox::OutboxRow) -> QueryResult<usize> {
    use crate::schema::outbox::dsl as o;
    match conn {
        AnyConnection::Postgresql(pg) => {
            diesel::insert_into(o::outbox).values(row).on_conflict_do_nothing().execute(pg)
        }
        AnyConnection::Sqlite(lite) => {
            diesel::insert_into(o::outbox).values(row).on_conflict_do_nothing().execute(lite)
        }
    }
}

/// Inserts many outbox rows, skipping those whose dedupe key is taken. PostgreSQL takes
/// them in one statement (chunked under its bind-parameter limit); SQLite's inserts are
/// cheap inside the caller's transaction, one at a time.
pub fn insert_outbox_rows(conn: &mut AnyConnection, rows: &[crate::outbox::OutboxRow]) -> QueryResult<usize> {
    use crate::schema::outbox::dsl as o;
    match conn {
        AnyConnection::Postgresql(pg) => {
            let mut added = 0;
            for chunk in rows.chunks(1000) {
                added += diesel::insert_into(o::outbox).values(chunk).on_conflict_do_nothing().execute(pg)?;
            }
            Ok(added)
        }
        AnyConnection::Sqlite(lite) => {
            let mut added = 0;
            for row in rows {
                added += diesel::insert_into(o::outbox).values(row).on_conflict_do_nothing().execute(lite)?;
            }
            Ok(added)
        }
    }
}

/// Locks due outbox rows for the caller's transaction. PostgreSQL skips rows other
/// workers hold (`FOR UPDATE SKIP LOCKED`), so any number of workers share the queue;
/// SQLite runs one worker and its write transaction is exclusive anyway.
pub fn lock_due_outbox(conn: &mut AnyConnection, now: chrono::NaiveDateTime, limit: i64) -> QueryResult<Vec<String>> {
    use crate::schema::outbox::dsl as o;
    let due = o::status
        .eq(crate::outbox::PENDING)
        .and(o::next_attempt_at.le(now))
        .or(o::status.eq(crate::outbox::SENDING).and(o::lease_until.lt(now)));
    match conn {
        AnyConnection::Postgresql(pg) => o::outbox
            .filter(due)
            .order(o::next_attempt_at.asc())
            .limit(limit)
            .select(o::id)
            .for_update()
            .skip_locked()
            .load(pg),
        AnyConnection::Sqlite(lite) => {
            o::outbox.filter(due).order(o::next_attempt_at.asc()).limit(limit).select(o::id).load(lite)
        }
    }
}

/// Locks one questionnaire assignment for the caller's transaction, so that two answers
/// to it are checked ("is it due?") and written one after the other. PostgreSQL takes a
/// row lock (`FOR UPDATE`); SQLite's write transaction (`BEGIN IMMEDIATE`) is already
/// exclusive.
pub fn lock_measure_assignment(conn: &mut AnyConnection, id: &str) -> QueryResult<()> {
    use crate::schema::measure_assignments::dsl as a;
    if let AnyConnection::Postgresql(pg) = conn {
        a::measure_assignments.find(id).select(a::id).for_update().load::<String>(pg)?;
    }
    Ok(())
}
