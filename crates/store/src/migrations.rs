//! Embedded migrations, one tree per backend, kept in step (a test compares them).

use diesel::migration::MigrationSource;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::{AnyConnection, StoreError};

pub const POSTGRES: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");
pub const SQLITE: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");

fn migration_error(e: impl std::fmt::Display) -> StoreError {
    StoreError::Config(format!("migration failed: {e}"))
}

/// Applies every pending migration; returns the versions applied.
pub fn run_pending(conn: &mut AnyConnection) -> Result<Vec<String>, StoreError> {
    let applied = match conn {
        AnyConnection::Postgresql(c) => {
            c.run_pending_migrations(POSTGRES).map_err(migration_error)?.iter().map(ToString::to_string).collect()
        }
        AnyConnection::Sqlite(c) => {
            c.run_pending_migrations(SQLITE).map_err(migration_error)?.iter().map(ToString::to_string).collect()
        }
    };
    Ok(applied)
}

/// How many migrations are not yet applied; `/readyz` wants zero.
pub fn pending_count(conn: &mut AnyConnection) -> Result<usize, StoreError> {
    match conn {
        AnyConnection::Postgresql(c) => c.pending_migrations(POSTGRES).map(|m| m.len()).map_err(migration_error),
        AnyConnection::Sqlite(c) => c.pending_migrations(SQLITE).map(|m| m.len()).map_err(migration_error),
    }
}

/// Reverts the most recent migration (used by the schema tests and by operators rolling
/// back a release).
pub fn revert_last(conn: &mut AnyConnection) -> Result<String, StoreError> {
    match conn {
        AnyConnection::Postgresql(c) => {
            c.revert_last_migration(POSTGRES).map(|v| v.to_string()).map_err(migration_error)
        }
        AnyConnection::Sqlite(c) => c.revert_last_migration(SQLITE).map(|v| v.to_string()).map_err(migration_error),
    }
}

/// How many migrations each tree holds; the trees must hold the same number.
pub fn count(backend: crate::Backend) -> Result<usize, StoreError> {
    let source = match backend {
        crate::Backend::Postgres => POSTGRES,
        crate::Backend::Sqlite => SQLITE,
    };
    MigrationSource::<diesel::pg::Pg>::migrations(&source).map(|m| m.len()).map_err(migration_error)
}
