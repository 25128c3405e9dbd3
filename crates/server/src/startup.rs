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
use tandem_store::{Backend, PoolOptions, StoreError, build_pool};

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
/// a tokio runtime (the writer and the SMTP pool live there).
pub fn build_state(
    config: &Config,
    clock: Arc<dyn Clock>,
) -> Result<(AppState, tokio::task::JoinHandle<()>), StartupError> {
    let options = PoolOptions {
        max_size: config.db_pool_size,
        connection_timeout: Duration::from_secs(config.db_timeout_secs.max(1)),
    };
    let (pool, backend) = build_pool(&config.database_url(), &options)?;
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
    Ok((state, audit_task))
}

/// Applies pending migrations; returns the versions applied.
pub fn migrate(config: &Config) -> Result<Vec<String>, StoreError> {
    let (pool, _) =
        build_pool(&config.database_url(), &PoolOptions { max_size: 1, connection_timeout: Duration::from_secs(10) })?;
    let mut conn = pool.get()?;
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
/// the sends under way and releases the claims it has not started.
pub async fn stop_background(
    stop: &tokio::sync::watch::Sender<bool>,
    handles: Vec<tokio::task::JoinHandle<()>>,
    limit: Duration,
) {
    let _ = stop.send(true);
    let all = async {
        for handle in handles {
            let _ = handle.await;
        }
    };
    if tokio::time::timeout(limit, all).await.is_err() {
        tracing::warn!("background tasks did not stop in time; their claims return when the lease runs out");
    }
}

/// A started server.
pub struct Running {
    pub server: actix_web::dev::Server,
    pub state: AppState,
    pub audit_task: tokio::task::JoinHandle<()>,
    pub port: u16,
    /// Stops the in-process worker and scheduler (if any) when set to true.
    pub stop_background: tokio::sync::watch::Sender<bool>,
    /// The in-process worker and scheduler; they end soon after `stop_background`.
    pub background: Vec<tokio::task::JoinHandle<()>>,
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
    let (state, audit_task) = build_state(config, clock)?;
    let server = tandem_api::server(state.clone(), listener, config.workers)?;
    if state.backend == Backend::Postgres {
        // Revocations by any replica reach this one's session cache at once.
        state.sessions.listen(&config.database_url())?;
    }
    let (stop_background, stop) = tokio::sync::watch::channel(false);
    let background = if config.run_worker { spawn_background(config, &state, stop) } else { Vec::new() };
    Ok(Running { server, state, audit_task, port, stop_background, background })
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
