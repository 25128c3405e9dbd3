//! The email outbox. Rows are written in the same transaction as the change that causes
//! them; workers claim due rows with a lease, send, and mark them.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;

use crate::error::StoreResult;
use crate::pagination::{Page, PageRequest};
use crate::schema::outbox;
use crate::{AnyConnection, time};

pub const PENDING: &str = "pending";
pub const SENDING: &str = "sending";
pub const SENT: &str = "sent";
pub const DEAD: &str = "dead";
pub const CANCELLED: &str = "cancelled";

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = outbox)]
pub struct OutboxRow {
    pub id: String,
    pub practice_id: String,
    pub user_id: Option<String>,
    pub kind: String,
    pub to_address: String,
    /// The one-time token an invitation or reset link carries; cleared once the row is
    /// finished, so tokens do not linger in clear.
    pub token: Option<String>,
    pub dedupe_key: Option<String>,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: chrono::NaiveDateTime,
    pub lease_until: Option<chrono::NaiveDateTime>,
    pub last_error: Option<String>,
    pub created_at: chrono::NaiveDateTime,
    pub sent_at: Option<chrono::NaiveDateTime>,
}

/// Enqueues a message; with a dedupe key, a second enqueue of the same key does nothing.
/// Returns whether a row was added.
pub fn enqueue(conn: &mut AnyConnection, row: &OutboxRow) -> StoreResult<bool> {
    Ok(crate::per_backend::insert_outbox(conn, row)? == 1)
}

/// Claims up to `limit` due rows for `lease` (rows whose earlier lease ran out count as
/// due: their worker died). On PostgreSQL, concurrent workers skip each other's rows.
pub fn claim(conn: &mut AnyConnection, now: DateTime<Utc>, lease: Duration, limit: i64) -> StoreResult<Vec<OutboxRow>> {
    let now_db = time::to_db(now);
    let ids = crate::per_backend::lock_due_outbox(conn, now_db, limit)?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    diesel::update(outbox::table.filter(outbox::id.eq_any(&ids)))
        .set((
            outbox::status.eq(SENDING),
            outbox::lease_until.eq(time::to_db(now + lease)),
            outbox::attempts.eq(outbox::attempts + 1),
        ))
        .execute(conn)?;
    Ok(outbox::table
        .filter(outbox::id.eq_any(&ids))
        .order(outbox::id.asc())
        .select(OutboxRow::as_select())
        .load(conn)?)
}

/// Marks a claimed row sent.
pub fn mark_sent(conn: &mut AnyConnection, id: &str, now: DateTime<Utc>) -> StoreResult<()> {
    diesel::update(outbox::table.find(id))
        .set((
            outbox::status.eq(SENT),
            outbox::sent_at.eq(time::to_db(now)),
            outbox::lease_until.eq(None::<chrono::NaiveDateTime>),
            outbox::token.eq(None::<String>),
            outbox::last_error.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(())
}

/// Puts a claimed row back for a later attempt.
pub fn mark_retry(conn: &mut AnyConnection, id: &str, at: DateTime<Utc>, error: &str) -> StoreResult<()> {
    diesel::update(outbox::table.find(id))
        .set((
            outbox::status.eq(PENDING),
            outbox::next_attempt_at.eq(time::to_db(at)),
            outbox::lease_until.eq(None::<chrono::NaiveDateTime>),
            outbox::last_error.eq(error),
        ))
        .execute(conn)?;
    Ok(())
}

/// Hands a claimed row that was never tried back to the queue at once (a worker stopping):
/// due now, unclaimed, and the claim's attempt not counted.
pub fn release(conn: &mut AnyConnection, id: &str) -> StoreResult<()> {
    diesel::update(outbox::table.find(id).filter(outbox::status.eq(SENDING)))
        .set((
            outbox::status.eq(PENDING),
            outbox::lease_until.eq(None::<chrono::NaiveDateTime>),
            outbox::attempts.eq(outbox::attempts - 1),
        ))
        .execute(conn)?;
    Ok(())
}

/// Finishes a row without sending: dead-lettered or cancelled.
pub fn finish(conn: &mut AnyConnection, id: &str, status: &str, error: Option<&str>) -> StoreResult<()> {
    diesel::update(outbox::table.find(id))
        .set((
            outbox::status.eq(status),
            outbox::lease_until.eq(None::<chrono::NaiveDateTime>),
            outbox::token.eq(None::<String>),
            outbox::last_error.eq(error),
        ))
        .execute(conn)?;
    Ok(())
}

/// Cancels a user's pending rows of the given kinds (opt-out, a paused plan).
pub fn cancel_pending(conn: &mut AnyConnection, user_id: &str, kinds: &[&str]) -> StoreResult<usize> {
    Ok(diesel::update(
        outbox::table
            .filter(outbox::user_id.eq(user_id))
            .filter(outbox::status.eq(PENDING))
            .filter(outbox::kind.eq_any(kinds)),
    )
    .set((outbox::status.eq(CANCELLED), outbox::token.eq(None::<String>)))
    .execute(conn)?)
}

pub fn find(conn: &mut AnyConnection, id: &str) -> StoreResult<Option<OutboxRow>> {
    Ok(outbox::table.find(id).select(OutboxRow::as_select()).first(conn).optional()?)
}

/// Puts a dead or cancelled row back in the queue (admin retry).
pub fn requeue(conn: &mut AnyConnection, id: &str, now: DateTime<Utc>) -> StoreResult<bool> {
    Ok(diesel::update(outbox::table.find(id).filter(outbox::status.eq_any([DEAD, CANCELLED])))
        .set((outbox::status.eq(PENDING), outbox::next_attempt_at.eq(time::to_db(now)), outbox::attempts.eq(0)))
        .execute(conn)?
        == 1)
}

/// One page of a practice's outbox, newest first.
pub fn list(
    conn: &mut AnyConnection,
    practice_id: &str,
    status: Option<&str>,
    page: &PageRequest,
) -> StoreResult<Page<OutboxRow>> {
    let mut query = outbox::table.filter(outbox::practice_id.eq(practice_id)).into_boxed();
    if let Some(s) = status {
        query = query.filter(outbox::status.eq(s.to_owned()));
    }
    if let Some(after) = &page.after {
        query = query.filter(outbox::id.lt(after.clone()));
    }
    let rows = query.order(outbox::id.desc()).limit(page.fetch_limit()).select(OutboxRow::as_select()).load(conn)?;
    Ok(Page::from_rows(rows, page, |r| &r.id))
}

/// Rows waiting to be sent (pending or being sent), for the depth metric.
pub fn depth(conn: &mut AnyConnection) -> StoreResult<i64> {
    Ok(outbox::table.filter(outbox::status.eq_any([PENDING, SENDING])).count().get_result(conn)?)
}
