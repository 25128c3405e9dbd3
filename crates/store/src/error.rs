//! The store's one error type.

use diesel::result::{DatabaseErrorKind, Error as DieselError};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row asked for does not exist (or is not in the caller's practice).
    #[error("not found")]
    NotFound,
    /// A uniqueness rule refused the write; the payload names the rule.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The database cannot be reached right now (pool timeout, connection refused, the
    /// connection lost mid-request: see [`is_connection_loss`]).
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// Anything else the database said.
    #[error("database error: {0}")]
    Database(DieselError),
    /// The database URL or setup is wrong; the message says how.
    #[error("{0}")]
    Config(String),
    /// A stored value does not parse (a CHECK constraint should have stopped it).
    #[error("corrupt row: {0}")]
    Corrupt(String),
}

impl From<DieselError> for StoreError {
    fn from(e: DieselError) -> Self {
        match e {
            DieselError::NotFound => Self::NotFound,
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                Self::Conflict(info.constraint_name().unwrap_or(info.message()).to_owned())
            }
            other if is_connection_loss(&other) => Self::Unavailable(other.to_string()),
            other => Self::Database(other),
        }
    }
}

/// Whether an error means the connection to the database is gone or the server is not
/// taking work: the server shut down or crashed (SQLSTATE 57P01, 57P02), is starting or
/// stopping (57P03), or the socket broke (class 08, a closed connection, a broken pipe).
/// The request may be retried; the connection must not be reused.
///
/// diesel reports most of these as `ClosedConnection` or `UnableToSendCommand`, but when
/// the server's last message arrives before libpq notices the closed socket, it is
/// `Unknown` with the server's message, and diesel keeps no SQLSTATE to look at: the
/// messages decide then. After such an error the transaction manager is broken, so a
/// rollback or a later statement fails with `BrokenTransactionManager`, which means the
/// same.
#[must_use]
pub fn is_connection_loss(e: &DieselError) -> bool {
    match e {
        DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand, _)
        | DieselError::BrokenTransactionManager => true,
        DieselError::DatabaseError(_, info) => says_connection_lost(info.message()),
        DieselError::RollbackErrorOnCommit { rollback_error, commit_error } => {
            is_connection_loss(commit_error) || is_connection_loss(rollback_error)
        }
        _ => false,
    }
}

/// libpq's and PostgreSQL's words for a lost connection or a server that is going or
/// coming (English messages; a server with translated messages still reports most of
/// these through libpq, whose connection state diesel checks first).
fn says_connection_lost(message: &str) -> bool {
    const SIGNS: [&str; 14] = [
        // 57P01 admin_shutdown, 57P02 crash_shutdown, 57P05 idle_session_timeout
        "terminating connection",
        // 57P03 cannot_connect_now: shutting down, starting up, in recovery
        "the database system is",
        "server closed the connection unexpectedly",
        "no connection to the server",
        "connection to server was lost",
        "could not send data to server",
        "could not receive data from server",
        "lost synchronization with server",
        "broken pipe",
        "connection reset by peer",
        "connection timed out",
        "ssl connection has been closed unexpectedly",
        "ssl syscall error",
        "connection is closed",
    ];
    let message = message.to_ascii_lowercase();
    SIGNS.iter().any(|sign| message.contains(sign))
}

impl From<r2d2::Error> for StoreError {
    fn from(e: r2d2::Error) -> Self {
        Self::Unavailable(e.to_string())
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

#[cfg(test)]
mod tests {
    use super::*;

    fn db_error(kind: DatabaseErrorKind, message: &str) -> DieselError {
        DieselError::DatabaseError(kind, Box::new(message.to_owned()))
    }

    #[test]
    fn lost_connections_are_unavailable_not_internal() {
        for e in [
            db_error(DatabaseErrorKind::ClosedConnection, "server closed the connection unexpectedly"),
            db_error(DatabaseErrorKind::UnableToSendCommand, "no connection to the server"),
            db_error(DatabaseErrorKind::Unknown, "terminating connection due to administrator command"),
            db_error(DatabaseErrorKind::Unknown, "terminating connection because of crash of another server process"),
            db_error(DatabaseErrorKind::Unknown, "FATAL:  the database system is shutting down"),
            db_error(DatabaseErrorKind::Unknown, "could not send data to server: Broken pipe"),
            DieselError::BrokenTransactionManager,
            DieselError::RollbackErrorOnCommit {
                rollback_error: Box::new(DieselError::BrokenTransactionManager),
                commit_error: Box::new(db_error(DatabaseErrorKind::ClosedConnection, "")),
            },
        ] {
            let shown = format!("{e:?}");
            assert!(matches!(StoreError::from(e), StoreError::Unavailable(_)), "{shown}");
        }
    }

    #[test]
    fn other_errors_stay_what_they_are() {
        assert!(matches!(
            StoreError::from(db_error(DatabaseErrorKind::UniqueViolation, "duplicate key")),
            StoreError::Conflict(_)
        ));
        for e in [
            db_error(DatabaseErrorKind::Unknown, "syntax error at or near \"SELEC\""),
            db_error(DatabaseErrorKind::CheckViolation, "new row violates check constraint"),
            db_error(DatabaseErrorKind::Unknown, "database is locked"),
            DieselError::RollbackTransaction,
        ] {
            let shown = format!("{e:?}");
            assert!(matches!(StoreError::from(e), StoreError::Database(_)), "{shown}");
        }
    }
}
