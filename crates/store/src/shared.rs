//! State that several replicas on one PostgreSQL database share without another server:
//! credential attempts per client address (the `auth_attempts` table) and session
//! revocations pushed to every replica with `LISTEN/NOTIFY`.
//!
//! SQLite runs one process, which keeps both in memory; there these functions do nothing
//! (the table exists on both so the migration trees keep the same shape).

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, DurationRound, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamp};

use crate::error::StoreResult;
use crate::{AnyConnection, time};

/// The channel session revocations travel on.
pub const SESSIONS_CHANNEL: &str = "tandem_sessions";
/// Attempts are counted in buckets this long; the limit applies to the last minute.
pub const BUCKET: Duration = Duration::seconds(10);
/// How far back attempts count.
pub const WINDOW: Duration = Duration::minutes(1);

/// A session revocation, as sent to every replica.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revocation {
    /// One session family ended (logout, refresh-token reuse, idle).
    Family(String),
    /// Everything cached about a user is stale (deactivation, password reset, a role or
    /// care-team change).
    User(String),
}

impl Revocation {
    #[must_use]
    pub fn to_payload(&self) -> String {
        match self {
            Self::Family(id) => format!("family:{id}"),
            Self::User(id) => format!("user:{id}"),
        }
    }

    #[must_use]
    pub fn parse(payload: &str) -> Option<Self> {
        match payload.split_once(':')? {
            ("family", id) if !id.is_empty() => Some(Self::Family(id.to_owned())),
            ("user", id) if !id.is_empty() => Some(Self::User(id.to_owned())),
            _ => None,
        }
    }
}

/// Tells every replica listening on this database about a revocation. Call it inside
/// the transaction that makes the change: PostgreSQL delivers it at commit, and not at
/// all if the transaction rolls back. Does nothing on SQLite.
pub fn announce(conn: &mut AnyConnection, revocation: &Revocation) -> StoreResult<()> {
    if let AnyConnection::Postgresql(pg) = conn {
        diesel::sql_query("SELECT pg_notify($1, $2)")
            .bind::<Text, _>(SESSIONS_CHANNEL)
            .bind::<Text, _>(revocation.to_payload())
            .execute(pg)?;
    }
    Ok(())
}

#[derive(QueryableByName)]
struct Window {
    #[diesel(sql_type = BigInt)]
    total: i64,
    #[diesel(sql_type = Nullable<Timestamp>)]
    oldest: Option<chrono::NaiveDateTime>,
}

/// The result of counting one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// Within the limit; counted.
    Allowed,
    /// Over the limit: retry after this many seconds. The caller must roll back so the
    /// refused attempt is not counted.
    Refused(u64),
}

/// Counts one credential attempt by `client` and says whether it stays within `limit` for
/// the last minute, across every replica. Run it in a write transaction and roll back
/// when refused: the upsert's row lock orders concurrent attempts of one client, so two
/// replicas cannot both let the attempt past the limit through. On SQLite it always allows
/// (the caller uses its in-process limiter there).
pub fn count_attempt(conn: &mut AnyConnection, client: &str, limit: u32, now: DateTime<Utc>) -> StoreResult<Attempt> {
    let AnyConnection::Postgresql(pg) = conn else { return Ok(Attempt::Allowed) };
    let bucket = now.duration_trunc(BUCKET).unwrap_or(now);
    diesel::sql_query(
        "INSERT INTO auth_attempts (client, window_start, attempts) VALUES ($1, $2, 1) \
         ON CONFLICT (client, window_start) DO UPDATE SET attempts = auth_attempts.attempts + 1",
    )
    .bind::<Text, _>(client)
    .bind::<Timestamp, _>(time::to_db(bucket))
    .execute(pg)?;
    let window: Window = diesel::sql_query(
        "SELECT COALESCE(SUM(attempts), 0)::BIGINT AS total, MIN(window_start) AS oldest \
         FROM auth_attempts WHERE client = $1 AND window_start > $2",
    )
    .bind::<Text, _>(client)
    .bind::<Timestamp, _>(time::to_db(now - WINDOW))
    .get_result(pg)?;
    if window.total <= i64::from(limit) {
        return Ok(Attempt::Allowed);
    }
    let oldest = window.oldest.map_or(bucket, time::from_db);
    let wait = (oldest + WINDOW + BUCKET - now).num_seconds().max(1);
    Ok(Attempt::Refused(u64::try_from(wait).unwrap_or(1)))
}

/// Deletes attempt buckets that no longer count (older than two windows). Any replica may
/// run it; does nothing on SQLite. Returns how many rows went.
pub fn purge_attempts(conn: &mut AnyConnection, now: DateTime<Utc>) -> StoreResult<usize> {
    let AnyConnection::Postgresql(pg) = conn else { return Ok(0) };
    Ok(diesel::sql_query("DELETE FROM auth_attempts WHERE window_start < $1")
        .bind::<Timestamp, _>(time::to_db(now - WINDOW * 2))
        .execute(pg)?)
}

/// A dedicated PostgreSQL connection that listens for session revocations.
pub struct Listener {
    conn: diesel::PgConnection,
}

impl std::fmt::Debug for Listener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listener").finish_non_exhaustive()
    }
}

impl Listener {
    /// Connects to `url` (a `postgres://` URL) and starts listening.
    pub fn connect(url: &str) -> StoreResult<Self> {
        let mut conn = diesel::PgConnection::establish(url)
            .map_err(|e| crate::StoreError::Unavailable(format!("session listener: {e}")))?;
        diesel::sql_query(format!("LISTEN {SESSIONS_CHANNEL}")).execute(&mut conn)?;
        Ok(Self { conn })
    }

    /// The revocations that arrived since the last call; never blocks (libpq reads what
    /// the socket holds). An error means the connection is gone: connect again.
    pub fn poll(&mut self) -> StoreResult<Vec<Revocation>> {
        let mut out = Vec::new();
        for notification in self.conn.notifications_iter() {
            let notification = notification?;
            if let Some(r) = Revocation::parse(&notification.payload) {
                out.push(r);
            }
        }
        Ok(out)
    }

    /// Asks the server something, so a connection that died silently (a restart, a
    /// failover, a half-open socket) is noticed within the keep-alive period.
    pub fn ping(&mut self) -> StoreResult<()> {
        diesel::sql_query("SELECT 1").execute(&mut self.conn)?;
        Ok(())
    }
}

/// How often a listener polls its socket and pings the server.
pub const LISTEN_POLL: StdDuration = StdDuration::from_millis(25);
pub const LISTEN_PING: StdDuration = StdDuration::from_secs(2);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_round_trip() {
        for r in [Revocation::Family("f1".into()), Revocation::User("u1".into())] {
            assert_eq!(Revocation::parse(&r.to_payload()), Some(r));
        }
        assert_eq!(Revocation::parse("family:"), None);
        assert_eq!(Revocation::parse("other:x"), None);
        assert_eq!(Revocation::parse("nonsense"), None);
    }
}
