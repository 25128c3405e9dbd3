//! Credential-attempt limits shared by every replica on one PostgreSQL database (10-second
//! buckets in `auth_attempts`; the last minute counts). SQLite is one process: its limit
//! is kept in memory at the edge.

use tandem_store::shared::{self, Attempt};

use crate::context::Env;
use crate::error::{Error, Result};

/// Counts one attempt by `client`, or refuses it ([`Error::RateLimited`]) when it would
/// pass `per_minute`; a refused attempt rolls back and does not count.
pub fn count_attempt(env: &Env, client: &str, per_minute: u32) -> Result<()> {
    env.write(|conn| match shared::count_attempt(conn, client, per_minute, env.now)? {
        Attempt::Allowed => Ok(()),
        Attempt::Refused(wait) => Err(Error::RateLimited(wait)),
    })
}

/// Deletes expired buckets (best effort; outside any attempt's transaction).
pub fn purge_expired(env: &Env) -> Result<usize> {
    env.read(|conn| Ok(shared::purge_attempts(conn, env.now)?))
}
