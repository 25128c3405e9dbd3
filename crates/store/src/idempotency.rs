//! Idempotency keys for client retries: scoped to (user, route, key), kept 24 hours.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;

use crate::error::StoreResult;
use crate::schema::idempotency_keys;
use crate::{AnyConnection, time};

/// How long a key is remembered.
pub const TTL: Duration = Duration::hours(24);

/// What an earlier request with the same key left behind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prior {
    /// First use: the caller goes ahead and then calls [`complete`].
    New,
    /// Same key, same body, finished: replay this status and body.
    Replay { status: i32, body: String },
    /// Same key, different body.
    Mismatch,
    /// Same key, still being processed.
    InFlight,
}

/// Claims a key inside the caller's transaction.
pub fn claim(
    conn: &mut AnyConnection,
    user_id: &str,
    practice_id: &str,
    route: &str,
    key: &str,
    request_hash: &str,
    now: DateTime<Utc>,
) -> StoreResult<Prior> {
    let expired = time::to_db(now - TTL);
    diesel::delete(
        idempotency_keys::table
            .filter(idempotency_keys::user_id.eq(user_id))
            .filter(idempotency_keys::route.eq(route))
            .filter(idempotency_keys::idempotency_key.eq(key))
            .filter(idempotency_keys::created_at.lt(expired)),
    )
    .execute(conn)?;
    let inserted = crate::per_backend::insert_idempotency_key(
        conn,
        user_id,
        practice_id,
        route,
        key,
        request_hash,
        time::to_db(now),
    )?;
    if inserted == 1 {
        return Ok(Prior::New);
    }
    let (hash, status, body): (String, Option<i32>, Option<String>) = idempotency_keys::table
        .filter(idempotency_keys::user_id.eq(user_id))
        .filter(idempotency_keys::route.eq(route))
        .filter(idempotency_keys::idempotency_key.eq(key))
        .select((idempotency_keys::request_hash, idempotency_keys::status, idempotency_keys::response))
        .first(conn)?;
    Ok(match (hash == request_hash, status, body) {
        (false, _, _) => Prior::Mismatch,
        (true, Some(status), Some(body)) => Prior::Replay { status, body },
        _ => Prior::InFlight,
    })
}

/// Stores the response for replays (same transaction as the write it answers).
pub fn complete(
    conn: &mut AnyConnection,
    user_id: &str,
    route: &str,
    key: &str,
    status: i32,
    body: &str,
) -> StoreResult<()> {
    diesel::update(
        idempotency_keys::table
            .filter(idempotency_keys::user_id.eq(user_id))
            .filter(idempotency_keys::route.eq(route))
            .filter(idempotency_keys::idempotency_key.eq(key)),
    )
    .set((idempotency_keys::status.eq(status), idempotency_keys::response.eq(body)))
    .execute(conn)?;
    Ok(())
}
