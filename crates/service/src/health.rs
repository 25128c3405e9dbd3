//! What the operator endpoints ask the database.

use tandem_store::Backend;

use crate::context::Env;
use crate::error::Result;

/// The database's name as operators see it.
#[must_use]
pub const fn database(backend: Backend) -> &'static str {
    match backend {
        Backend::Postgres => "postgres",
        Backend::Sqlite => "sqlite",
    }
}

/// Migrations not yet applied.
pub fn pending_migrations(env: &Env) -> Result<usize> {
    env.read(|conn| Ok(tandem_store::migrations::pending_count(conn)?))
}

/// Outbox messages waiting to be sent.
pub fn outbox_depth(env: &Env) -> Result<i64> {
    env.read(|conn| Ok(tandem_store::outbox::depth(conn)?))
}
