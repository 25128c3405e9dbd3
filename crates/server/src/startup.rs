//! Builds the application state from configuration and runs the HTTP server.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use tandem_api::audit::AuditLog;
use tandem_api::auth::cache::SessionCache;
use tandem_api::auth::keys::KeySet;
use tandem_api::auth::limiter::AuthLimiter;
use tandem_api::metrics::Metrics;
use tandem_api::{ApiConfig, AppState};
use tandem_domain::Clock;
use tandem_notification::{MailConfig, Mailer, TransportConfig};
use tandem_store::{Backend, PoolCloser, PoolOptions, StoreError, build_closable_pool};

use crate::Config;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error("database: {0}")]
    Store(#[from] StoreError),
    #[error("signing keys: {0}")]
    Keys(String),
    #[error("mail: {0}")]
    Mail(#[from] tandem_notification::MailError),
    #[error("metrics: {0}")]
    Metrics(String),
    #[error("cannot listen on {0}: {1}")]
    Bind(String, std::io::Error),
    #[error("server: {0}")]
    Io(#[from] std::io::Error),
}

/// Builds everything the handlers share, and starts the audit writer. Must run inside
/// a tokio runtime (the writer and the SMTP pool live there). The [`Shutdown`] stops
/// what runs beside the handlers once they are done.
pub fn build_state(config: &Config, clock: Arc<dyn Clock>) -> Result<(AppState, Shutdown), StartupError> {
    let options = PoolOptions {
        max_size: config.db_pool_size,
        connection_timeout: Duration::from_secs(config.db_timeout_secs.max(1)),
    };
    let (pool, backend, pool_closer) = build_closable_pool(&config.database_url(), &options)?;
    let keys = match &config.signing_keys {
        Some(spec) => KeySet::parse(spec, config.active_signing_key.as_deref()).map_err(StartupError::Keys)?,
        None => {
            tracing::warn!("no signing keys configured: using the development key (never do this in production)");
            KeySet::development()
        }
    };
    let transport = match &config.smtp {
        Some(smtp) => TransportConfig::Smtp(smtp.clone()),
        None => TransportConfig::Files(config.mail_dir()),
    };
    let mailer = Mailer::new(&MailConfig { from: config.mail_from.clone(), transport })?;
    let (audit, audit_task) = AuditLog::start(pool.clone());
    let api = ApiConfig {
        links: config.email_links(),
        cors_origins: config.cors_origins(),
        auth_attempts_per_minute: config.auth_attempts_per_minute,
        trust_forwarded_for: config.trust_forwarded_for,
        body_timeout: Duration::from_secs(config.body_timeout_secs.max(1)),
        ..ApiConfig::default()
    };
    let state = AppState {
        pool,
        backend,
        clock,
        mailer,
        audit,
        // Several replicas share one PostgreSQL database, so they share the count there;
        // SQLite is one process.
        limiter: Arc::new(match backend {
            Backend::Postgres => AuthLimiter::shared(api.auth_attempts_per_minute, api.trust_forwarded_for),
            Backend::Sqlite => AuthLimiter::new(api.auth_attempts_per_minute, api.trust_forwarded_for),
        }),
        config: Arc::new(api),
        sessions: SessionCache::default(),
        signer: keys.unsubscribe_signer(),
        keys: Arc::new(keys),
        metrics: Arc::new(Metrics::new().map_err(|e| StartupError::Metrics(e.to_string()))?),
    };
    let shutdown = Shutdown {
        stop: tokio::sync::watch::channel(false).0,
        background: Vec::new(),
        audit_task,
        listener: None,
        pool_closer,
    };
    Ok((state, shutdown))
}

/// Applies pending migrations; returns the versions applied. On a database already
/// migrated (a test database copied from a migrated template) it applies nothing.
pub fn migrate(config: &Config) -> Result<Vec<String>, StoreError> {
    // One connection of its own, closed on this thread when done.
    let mut conn = tandem_store::connect(&config.database_url())?;
    let applied = tandem_store::migrations::run_pending(&mut conn)?;
    // Every practice has the built-in starter library, including starters added by a
    // newer release.
    let now = tandem_domain::SystemClock.now();
    tandem_store::write_tx(&mut conn, |conn| {
        for practice in tandem_store::practices::all_ids(conn)? {
            tandem_store::exercises::ensure_starters(conn, &practice, now)?;
        }
        Ok::<_, StoreError>(())
    })?;
    Ok(applied)
}

/// Stops the background tasks and waits for them, at most `limit`: the worker finishes
/// the sends under way and releases the claims it has not started. Returns whether they
/// all stopped in time.
pub async fn stop_background(
    stop: &tokio::sync::watch::Sender<bool>,
    handles: Vec<tokio::task::JoinHandle<()>>,
    limit: Duration,
) -> bool {
    let _ = stop.send(true);
    let all = async {
        for handle in handles {
            let _ = handle.await;
        }
    };
    let stopped = tokio::time::timeout(limit, all).await.is_ok();
    if !stopped {
        tracing::warn!("background tasks did not stop in time; their claims return when the lease runs out");
    }
    stopped
}

/// What runs beside the handlers, to stop before the process exits: the outbox worker
/// and scheduler, the audit writer, the session listener and the database pool.
///
/// A process that exits while a database connection is still in use (a pool thread
/// opening one, the listener polling its own) can crash on the way out, after its work
/// is done: [`Shutdown::run`] waits until nothing uses the database any more.
pub struct Shutdown {
    stop: tokio::sync::watch::Sender<bool>,
    background: Vec<tokio::task::JoinHandle<()>>,
    audit_task: tokio::task::JoinHandle<()>,
    listener: Option<std::thread::JoinHandle<()>>,
    pool_closer: PoolCloser,
}

impl std::fmt::Debug for Shutdown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shutdown").field("background", &self.background.len()).finish_non_exhaustive()
    }
}

impl Shutdown {
    /// Starts the outbox worker and the reminder scheduler (see [`spawn_background`]);
    /// [`Shutdown::run`] stops them.
    pub fn spawn_background(&mut self, config: &Config, state: &AppState) {
        self.background.extend(spawn_background(config, state, self.stop.subscribe()));
    }

    /// Once the server has stopped: stops the worker and scheduler (sends under way
    /// finish, claims not started go back to the queue), writes the queued audit events,
    /// drops `state` (the caller's last handle), then waits until the audit writer and
    /// the session listener have ended and every pooled connection is closed. Each wait
    /// is bounded by `limit`; returns whether everything ended in time.
    pub async fn run(self, state: AppState, limit: Duration) -> bool {
        let Self { stop, background, audit_task, listener, pool_closer } = self;
        let mut clean = stop_background(&stop, background, limit).await;
        // Bounded: while the database is away the writer keeps its events and retries.
        clean &= tokio::time::timeout(limit, state.audit.flush()).await.is_ok();
        let pool = state.pool.clone();
        drop(state);
        // The writer ends once every handle to the audit queue is gone.
        let audit_ended = tokio::time::timeout(limit, audit_task).await.is_ok();
        if !audit_ended {
            tracing::warn!("the audit writer is still held after the server stopped");
        }
        clean &= audit_ended;
        let closed = tokio::task::spawn_blocking(move || {
            // The listener ends within a poll once the session cache is gone.
            let listener_ended = listener.is_none_or(|thread| join_within(thread, limit));
            let pool_closed = pool_closer.close(pool, limit);
            if !listener_ended {
                tracing::warn!("the session listener did not end in time");
            }
            if !pool_closed {
                tracing::warn!("database connections were still in use after the server stopped");
            }
            listener_ended && pool_closed
        })
        .await
        .unwrap_or(false);
        clean && closed
    }
}

/// Joins `thread` if it ends within `limit`; says whether it did.
fn join_within(thread: std::thread::JoinHandle<()>, limit: Duration) -> bool {
    let deadline = std::time::Instant::now() + limit;
    while !thread.is_finished() {
        if std::time::Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    thread.join().is_ok()
}

/// A started server.
pub struct Running {
    pub server: actix_web::dev::Server,
    pub state: AppState,
    pub port: u16,
    /// Stops the worker, scheduler, audit writer, session listener and pool once the
    /// server has stopped.
    pub shutdown: Shutdown,
}

impl std::fmt::Debug for Running {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Running").field("port", &self.port).finish_non_exhaustive()
    }
}

/// Migrates, builds the state and binds. The caller awaits `server`, then flushes the
/// audit queue.
pub fn start(config: &Config, clock: Arc<dyn Clock>) -> Result<Running, StartupError> {
    let applied = migrate(config)?;
    if !applied.is_empty() {
        tracing::info!(count = applied.len(), "applied migrations");
    }
    let listener = TcpListener::bind(&config.bind).map_err(|e| StartupError::Bind(config.bind.clone(), e))?;
    let port = listener.local_addr()?.port();
    let config = &config.bound_to(port);
    let (state, mut shutdown) = build_state(config, clock)?;
    let server = tandem_api::server(state.clone(), listener, config.workers)?;
    if state.backend == Backend::Postgres {
        // Revocations by any replica reach this one's session cache at once.
        shutdown.listener = Some(state.sessions.listen(&config.database_url())?);
    }
    if config.run_worker {
        shutdown.spawn_background(config, &state);
    }
    Ok(Running { server, state, port, shutdown })
}

/// Starts the outbox worker and the reminder scheduler on the current runtime. Once
/// `stop` fires, the worker finishes the sends under way, hands the rest of its batch
/// back to the queue and ends; await the handles before exiting.
pub fn spawn_background(
    config: &Config,
    state: &AppState,
    stop: tokio::sync::watch::Receiver<bool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let worker = tandem_notification::outbox::Worker {
        pool: state.pool.clone(),
        mailer: state.mailer.clone(),
        clock: state.clock.clone(),
        links: state.config.links.clone(),
        signer: state.signer.clone(),
        batch: 50,
        lease: chrono::Duration::seconds(i64::try_from(config.outbox_lease_secs.max(1)).unwrap_or(60)),
        on_outcome: Some({
            let metrics = state.metrics.clone();
            Arc::new(move |outcome: &'static str| metrics.outbox_event(outcome))
        }),
    };
    let mut handles =
        vec![tokio::spawn(worker.run(Duration::from_millis(config.outbox_poll_ms.max(10)), stop.clone()))];
    if !config.run_scheduler {
        return handles;
    }
    let interval = Duration::from_secs(config.scheduler_interval_secs.max(1));
    let pool = state.pool.clone();
    let clock = state.clock.clone();
    let mut stop = stop;
    handles.push(tokio::spawn(async move {
        // Look back two intervals and a minute: a late or skipped tick still catches its
        // reminders, and dedupe keys make the overlap harmless.
        // A reminder more than two hours late is no use; never look back further.
        let lookback = (chrono::Duration::from_std(interval * 2).unwrap_or_default() + chrono::Duration::minutes(1))
            .min(chrono::Duration::hours(2));
        loop {
            let now = clock.now();
            let pool = pool.clone();
            let result =
                tokio::task::spawn_blocking(move || tandem_notification::outbox::tick(&pool, now, lookback)).await;
            match result {
                Ok(Ok(n)) if n > 0 => tracing::info!(count = n, "scheduled reminders"),
                Ok(Err(e)) => tracing::warn!(error = %e, "reminder scheduler: database not available"),
                _ => {}
            }
            tokio::select! {
                () = tokio::time::sleep(interval) => {}
                changed = stop.changed() => match changed {
                    Ok(()) if *stop.borrow() => return,
                    Ok(()) => {}
                    Err(_) => tokio::time::sleep(interval).await,
                },
            }
        }
    }));
    handles
}
