//! One connection type over both databases, a pool that reports the backend's real
//! error, and the write-transaction helper.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2::R2D2Connection;

use crate::error::StoreError;

/// PostgreSQL in production, SQLite as the embedded default; one code path over both.
#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    Postgresql(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

impl std::fmt::Debug for AnyConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Postgresql(_) => "AnyConnection::Postgresql",
            Self::Sqlite(_) => "AnyConnection::Sqlite",
        })
    }
}

impl AnyConnection {
    #[must_use]
    pub fn backend(&self) -> Backend {
        match self {
            Self::Postgresql(_) => Backend::Postgres,
            Self::Sqlite(_) => Backend::Sqlite,
        }
    }
}

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

impl Backend {
    /// Picks the backend from the URL scheme, and for SQLite the file path.
    pub fn from_url(url: &str) -> Result<(Self, String), StoreError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok((Self::Postgres, url.to_owned()))
        } else if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(StoreError::Config(
                    "a sqlite:// URL needs a file path, e.g. sqlite://./data/tandem.db".into(),
                ));
            }
            Ok((Self::Sqlite, path.to_owned()))
        } else {
            let scheme = url.split_once("://").map_or("(none)", |(s, _)| s);
            Err(StoreError::Config(format!(
                "unsupported database URL scheme {scheme:?}: use postgres://… or sqlite://PATH"
            )))
        }
    }
}

/// Errors while opening a connection, with the backend's own message.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(transparent)]
    Connection(#[from] diesel::ConnectionError),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    /// The pool is being closed ([`PoolCloser::close`]): no new connections.
    #[error("the connection pool is closing")]
    Closing,
    /// The SQLite file could not be opened; names the path, which SQLite's own message
    /// does not.
    #[error("cannot open the SQLite file {path}: {source}")]
    SqliteFile { path: String, source: diesel::ConnectionError },
    /// The SQLite file's directory did not exist and could not be made.
    #[error("cannot create the directory {path}: {source}")]
    Directory { path: String, source: std::io::Error },
}

/// An r2d2 manager that picks the backend from the URL scheme. diesel's own
/// `MultiConnection::establish` tries each backend in turn and hides why PostgreSQL
/// refused; this passes the real error through.
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    backend: Backend,
    target: String,
    /// Set by [`PoolCloser::close`]: no new connections, and each one handed back is
    /// closed instead of kept.
    closing: Arc<AtomicBool>,
    /// Lives as long as the pool's shared state (which owns this manager), so its weak
    /// side tells when the pool is gone ([`PoolCloser`]).
    _alive: Arc<()>,
}

/// Opens one connection to `url` outside any pool (with SQLite's pragmas), closed when
/// dropped on the caller's thread: for one-off work such as migrating.
pub fn connect(url: &str) -> Result<AnyConnection, StoreError> {
    let (backend, target) = Backend::from_url(url)?;
    open(backend, &target).map_err(|e| StoreError::Unavailable(e.to_string()))
}

fn open(backend: Backend, target: &str) -> Result<AnyConnection, ConnectError> {
    match backend {
        Backend::Postgres => Ok(AnyConnection::Postgresql(diesel::PgConnection::establish(target)?)),
        Backend::Sqlite => {
            // A first run needs no setup: the data directory is made on first use.
            let file = std::path::Path::new(target);
            if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty() && !target.starts_with("file:")) {
                std::fs::create_dir_all(dir)
                    .map_err(|source| ConnectError::Directory { path: dir.display().to_string(), source })?;
            }
            let mut conn = diesel::SqliteConnection::establish(target)
                .map_err(|source| ConnectError::SqliteFile { path: target.to_owned(), source })?;
            conn.batch_execute(SQLITE_PRAGMAS)?;
            Ok(AnyConnection::Sqlite(conn))
        }
    }
}

/// SQLite needs these on every connection: foreign keys are off by default, WAL lets
/// readers and the writer overlap, and the busy timeout makes writers queue instead of
/// failing at once.
const SQLITE_PRAGMAS: &str = "PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; \
     PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL;";

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = AnyConnection;
    type Error = ConnectError;

    fn connect(&self) -> Result<AnyConnection, ConnectError> {
        if self.closing.load(Ordering::SeqCst) {
            return Err(ConnectError::Closing);
        }
        open(self.backend, &self.target)
    }

    fn is_valid(&self, conn: &mut AnyConnection) -> Result<(), ConnectError> {
        conn.ping().map_err(ConnectError::Query)
    }

    fn has_broken(&self, conn: &mut AnyConnection) -> bool {
        self.closing.load(Ordering::SeqCst) || conn.is_broken()
    }
}

pub type Pool = r2d2::Pool<ConnectionManager>;
pub type PooledConnection = r2d2::PooledConnection<ConnectionManager>;

/// Pool sizing and timeouts.
#[derive(Debug, Clone)]
pub struct PoolOptions {
    pub max_size: u32,
    /// How long a request waits for a connection before answering 503. r2d2's default is
    /// 30 s; a client should hear "unavailable" quickly instead.
    pub connection_timeout: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self { max_size: 10, connection_timeout: Duration::from_secs(2) }
    }
}

/// Builds a pool without connecting, so the server can start (and report not-ready)
/// while the database is down, and recover when it comes back.
pub fn build_pool(url: &str, options: &PoolOptions) -> Result<(Pool, Backend), StoreError> {
    build_closable_pool(url, options).map(|(pool, backend, _)| (pool, backend))
}

/// [`build_pool`], with the means to close the pool for good before the process exits.
pub fn build_closable_pool(url: &str, options: &PoolOptions) -> Result<(Pool, Backend, PoolCloser), StoreError> {
    let (backend, target) = Backend::from_url(url)?;
    let parent = std::path::Path::new(&target).parent().filter(|d| !d.as_os_str().is_empty());
    if let (Backend::Sqlite, Some(dir)) = (backend, parent) {
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::Config(format!("cannot create the database directory {}: {e}", dir.display())))?;
    }
    let alive = Arc::new(());
    let closing = Arc::new(AtomicBool::new(false));
    let closer = PoolCloser { closing: closing.clone(), alive: Arc::downgrade(&alive) };
    let manager = ConnectionManager { backend, target, closing, _alive: alive };
    let pool = r2d2::Pool::builder()
        .max_size(options.max_size)
        .min_idle(Some(0))
        .connection_timeout(options.connection_timeout)
        .test_on_check_out(false)
        .build_unchecked(manager);
    Ok((pool, backend, closer))
}

/// Closes a pool for good and says when it is gone.
///
/// A database client library must not run while the process exits: libpq torn down
/// (with OpenSSL's exit handlers) under a thread still using a connection can crash the
/// process after its work is done. r2d2 opens connections on its own threads and closes
/// them wherever the last handle drops, so a process that wants to exit cleanly closes
/// the pool with this first.
#[derive(Debug, Clone)]
pub struct PoolCloser {
    closing: Arc<AtomicBool>,
    alive: Weak<()>,
}

impl PoolCloser {
    /// Refuses new connections, closes the idle ones on this thread, drops `pool` (the
    /// caller's last handle) and waits, at most `limit`, until every other handle is
    /// gone too. Connections still checked out are closed as they are handed back.
    /// Returns whether the pool is gone.
    pub fn close(&self, pool: Pool, limit: Duration) -> bool {
        self.closing.store(true, Ordering::SeqCst);
        for _ in 0..pool.state().idle_connections {
            // Handed straight back: `has_broken` now says yes, so r2d2 closes it here.
            drop(pool.try_get());
        }
        drop(pool);
        let deadline = Instant::now() + limit;
        while self.alive.strong_count() > 0 {
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        true
    }
}

/// Runs `f` in one transaction that may write. On SQLite it begins `IMMEDIATE`, so the
/// write lock is taken up front: a deferred transaction that reads first and writes later
/// fails with `SQLITE_BUSY` at once whatever the busy timeout says.
pub fn write_tx<T, E>(conn: &mut AnyConnection, f: impl FnOnce(&mut AnyConnection) -> Result<T, E>) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    let _turn = writer_turn(conn);
    begin_write(conn)?;
    in_tx(conn, f)
}

/// SQLite has one writer at a time. Left to itself, a waiting writer polls the lock with
/// sleeps that grow to 100 ms (its busy handler), so under 32 concurrent writers the tail
/// waits far longer than the queue ahead of it. Writers of this process instead queue on
/// a mutex and start the moment the previous one commits; the busy timeout remains for
/// writers in other processes (`tandem migrate`, a CLI). One process serves a SQLite
/// database, so one gate per process is enough. PostgreSQL needs none.
fn writer_turn(conn: &AnyConnection) -> Option<std::sync::MutexGuard<'static, ()>> {
    static SQLITE_WRITER: std::sync::Mutex<()> = std::sync::Mutex::new(());
    match conn {
        // A poisoned gate only means a writer panicked; the database is still consistent
        // (its transaction rolled back), so the next writer goes ahead.
        AnyConnection::Sqlite(_) => Some(SQLITE_WRITER.lock().unwrap_or_else(std::sync::PoisonError::into_inner)),
        AnyConnection::Postgresql(_) => None,
    }
}

/// Begins a write transaction (see [`write_tx`]).
fn begin_write(conn: &mut AnyConnection) -> diesel::QueryResult<()> {
    match conn {
        AnyConnection::Sqlite(inner) => AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE"),
        AnyConnection::Postgresql(inner) => AnsiTransactionManager::begin_transaction(inner),
    }
}

/// Runs `f` in the transaction begun on `conn`, then commits, or rolls back if `f` failed.
///
/// When the connection is lost inside `f`, the rollback fails too (the server has
/// already rolled back, and diesel's transaction manager is broken): the answer is still
/// `f`'s own error, which says what happened first, and the broken connection is
/// discarded by the pool ([`ConnectionManager::has_broken`]). A failed `COMMIT` answers
/// its own error; if the connection was lost, whether the server committed is unknown,
/// which is why clients retry writes with an `Idempotency-Key`.
fn in_tx<T, E>(conn: &mut AnyConnection, f: impl FnOnce(&mut AnyConnection) -> Result<T, E>) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    match f(conn) {
        Ok(value) => {
            <AnyConnection as Connection>::TransactionManager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(e) => {
            if let Err(rollback) = <AnyConnection as Connection>::TransactionManager::rollback_transaction(conn) {
                tracing::warn!(error = %rollback, broken = conn.is_broken(), "rollback failed after an error");
            }
            Err(e)
        }
    }
}

/// Takes a connection from the pool and runs `f` in one write transaction on it (see
/// [`write_tx`]).
///
/// A pooled connection whose server went away while it sat idle (a restart, a failover)
/// fails at `BEGIN`, before anything was written: it is dropped (the pool discards it)
/// and the next one is tried, so dead connections left over from an outage cost no
/// failed requests.
pub fn pooled_write_tx<T, E>(pool: &Pool, f: impl FnOnce(&mut AnyConnection) -> Result<T, E>) -> Result<T, E>
where
    E: From<diesel::result::Error> + From<StoreError>,
{
    let mut attempts = pool.max_size() + 1;
    let (mut conn, _turn) = loop {
        let mut conn = pool.get().map_err(StoreError::from)?;
        let turn = writer_turn(&conn);
        match begin_write(&mut conn) {
            Ok(()) => break (conn, turn),
            Err(e) if attempts > 1 && crate::error::is_connection_loss(&e) => {
                tracing::info!(error = %e, "a pooled connection was dead; taking another");
                attempts -= 1;
            }
            Err(e) => return Err(e.into()),
        }
    };
    // No check afterwards: a failed `f` is followed by `ROLLBACK`, which marks a dead
    // connection broken as any statement does.
    in_tx(&mut conn, f)
}

/// After an error that may have come from a lost connection, makes sure the pool will
/// not hand this connection out again if it is dead.
///
/// diesel marks a PostgreSQL connection broken (so [`ConnectionManager::has_broken`]
/// says so) when a statement or `BEGIN` fails on a lost connection, but not when it fails
/// while preparing a query to read. One more statement settles it: on a live connection
/// it succeeds and the connection stays pooled; on a dead one it fails locally and marks
/// the connection broken. Cheap: it runs only after an error.
pub fn discard_if_lost(conn: &mut AnyConnection) {
    if matches!(conn, AnyConnection::Postgresql(_)) && !conn.is_broken() {
        let _ = conn.batch_execute("SELECT 1");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_comes_from_the_scheme() {
        assert_eq!(Backend::from_url("postgres://u@h/db").map(|b| b.0).ok(), Some(Backend::Postgres));
        assert_eq!(Backend::from_url("sqlite://./data/t.db").ok(), Some((Backend::Sqlite, "./data/t.db".to_owned())));
        let err = Backend::from_url("mysql://h/db").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("unsupported database URL scheme \"mysql\""), "{err}");
        assert!(Backend::from_url("sqlite://").is_err());
    }

    #[test]
    fn sqlite_connections_get_their_pragmas() -> Result<(), Box<dyn std::error::Error>> {
        #[derive(QueryableByName)]
        struct Flag {
            #[diesel(sql_type = diesel::sql_types::Integer)]
            foreign_keys: i32,
        }
        let dir = tempfile::tempdir()?;
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let (pool, _) = build_pool(&url, &PoolOptions::default())?;
        let mut conn = pool.get()?;
        let flag: Flag = diesel::sql_query("PRAGMA foreign_keys").get_result(&mut *conn)?;
        assert_eq!(flag.foreign_keys, 1);
        Ok(())
    }
}
