//! The audit writer, built once for every resource.
//!
//! - A write's event goes into the write's own transaction ([`record`]), so the change
//!   and its trace commit together.
//! - Read events go through a bounded queue ([`AuditLog::read_event`]) and are inserted
//!   in batches every 100 ms or 256 events, so reads do not each take the write lock
//!   (which matters most on SQLite). When the queue is full the request waits; nothing
//!   is dropped. [`AuditLog::flush`] (also run at shutdown) writes what is queued. A
//!   crash can lose at most the batch in flight.

use std::time::Duration;

use chrono::{DateTime, Utc};
use tandem_domain::Actor;
use tandem_store::audit::{self, AuditRow};
use tandem_store::{AnyConnection, Pool, StoreError, ids, time};
use tokio::sync::{mpsc, oneshot};

/// Queue capacity: a few seconds of heavy read traffic.
const QUEUE: usize = 4096;
const BATCH: usize = 256;
const INTERVAL: Duration = Duration::from_millis(100);

/// How an audited action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure,
    Denied,
}

impl Outcome {
    const fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
            Self::Denied => "denied",
        }
    }
}

/// Builds one event. `action` is a stable dotted name such as `user.update`; the event
/// holds ids only, never clinical text.
#[derive(Debug, Clone)]
pub struct Event {
    row: AuditRow,
}

impl Event {
    #[must_use]
    pub fn new(
        practice_id: &str,
        actor: Option<&Actor>,
        action: &str,
        resource_type: &str,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            row: AuditRow {
                id: ids::new_id(),
                practice_id: practice_id.to_owned(),
                occurred_at: time::to_db(now),
                actor_id: actor.map(|a| a.user_id.clone()),
                actor_role: actor.map(|a| a.primary_role().as_str().to_owned()),
                action: action.to_owned(),
                resource_type: resource_type.to_owned(),
                resource_id: None,
                couple_id: None,
                outcome: Outcome::Success.as_str().to_owned(),
                request_id: None,
            },
        }
    }

    #[must_use]
    pub fn resource(mut self, id: &str) -> Self {
        self.row.resource_id = Some(id.to_owned());
        self
    }

    #[must_use]
    pub fn couple(mut self, couple_id: &str) -> Self {
        self.row.couple_id = Some(couple_id.to_owned());
        self
    }

    #[must_use]
    pub fn outcome(mut self, outcome: Outcome) -> Self {
        self.row.outcome = outcome.as_str().to_owned();
        self
    }

    #[must_use]
    pub fn request(mut self, request_id: Option<&str>) -> Self {
        self.row.request_id = request_id.map(str::to_owned);
        self
    }

    /// For events without a signed-in actor that are still about a known user (a failed
    /// login): the user is named as the actor, in the role `system` did not grant.
    #[must_use]
    pub fn actor_id(mut self, user_id: &str, role: &str) -> Self {
        self.row.actor_id = Some(user_id.to_owned());
        self.row.actor_role = Some(role.to_owned());
        self
    }
}

/// Writes a write's event inside the write's transaction.
pub fn record(conn: &mut AnyConnection, event: Event) -> Result<(), StoreError> {
    audit::insert(conn, std::slice::from_ref(&event.row))
}

enum Msg {
    Event(Box<AuditRow>),
    Flush(oneshot::Sender<()>),
}

/// Where read events go: a batching queue in a server, or straight to the database for
/// a command-line tool (the demo seeder) that runs no async writer.
#[derive(Clone, Debug)]
pub struct AuditLog {
    sink: Sink,
}

#[derive(Clone)]
enum Sink {
    Queue(mpsc::Sender<Msg>),
    Direct(Pool),
}

impl std::fmt::Debug for Sink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Queue(_) => "Queue",
            Self::Direct(_) => "Direct",
        })
    }
}

impl std::fmt::Debug for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditMsg")
    }
}

impl AuditLog {
    /// Starts the batch writer on the current tokio runtime.
    #[must_use]
    pub fn start(pool: Pool) -> (Self, tokio::task::JoinHandle<()>) {
        let (tx, rx) = mpsc::channel(QUEUE);
        let handle = tokio::spawn(writer(pool, rx));
        (Self { sink: Sink::Queue(tx) }, handle)
    }

    /// Writes each read event at once, in its own transaction: for tools that run use
    /// cases without a server (the demo seeder).
    #[must_use]
    pub fn direct(pool: Pool) -> Self {
        Self { sink: Sink::Direct(pool) }
    }

    /// Queues a read event; waits while the queue is full.
    pub async fn read_event(&self, event: Event) {
        match &self.sink {
            Sink::Queue(tx) => {
                if tx.send(Msg::Event(Box::new(event.row))).await.is_err() {
                    tracing::error!("audit writer has stopped; a read event could not be queued");
                }
            }
            Sink::Direct(pool) => write_now(pool, &event.row),
        }
    }

    /// Queues a read event from a blocking thread (a use case runs on one); waits while
    /// the queue is full. Never call it from async code: use [`Self::read_event`] there.
    pub fn queue(&self, event: Event) {
        match &self.sink {
            Sink::Queue(tx) => {
                if tx.blocking_send(Msg::Event(Box::new(event.row))).is_err() {
                    tracing::error!("audit writer has stopped; a read event could not be queued");
                }
            }
            Sink::Direct(pool) => write_now(pool, &event.row),
        }
    }

    /// Writes everything queued so far, and returns once it is in the database.
    pub async fn flush(&self) {
        let Sink::Queue(tx) = &self.sink else { return };
        let (ack, done) = oneshot::channel();
        if tx.send(Msg::Flush(ack)).await.is_ok() {
            let _ = done.await;
        }
    }
}

/// Writes one event now; a failure is logged (the tool's own work has committed).
fn write_now(pool: &Pool, row: &AuditRow) {
    let written = pool
        .get()
        .map_err(StoreError::from)
        .and_then(|mut conn| tandem_store::write_tx(&mut conn, |c| audit::insert(c, std::slice::from_ref(row))));
    if let Err(e) = written {
        tracing::error!(error = %e, "a read event could not be written");
    }
}

async fn writer(pool: Pool, mut rx: mpsc::Receiver<Msg>) {
    let mut batch: Vec<AuditRow> = Vec::with_capacity(BATCH);
    let mut waiting: Vec<oneshot::Sender<()>> = Vec::new();
    loop {
        let first = rx.recv().await;
        let Some(first) = first else { break };
        let deadline = tokio::time::Instant::now() + INTERVAL;
        let mut next = Some(first);
        while let Some(msg) = next.take() {
            match msg {
                Msg::Event(row) => batch.push(*row),
                Msg::Flush(ack) => {
                    waiting.push(ack);
                    break;
                }
            }
            if batch.len() >= BATCH {
                break;
            }
            next = tokio::time::timeout_at(deadline, rx.recv()).await.ok().flatten();
        }
        persist(&pool, &mut batch).await;
        for ack in waiting.drain(..) {
            let _ = ack.send(());
        }
    }
    persist(&pool, &mut batch).await;
}

/// Inserts a batch, retrying with backoff while the database is unavailable: events
/// are kept, never dropped (the queue fills and requests wait meanwhile).
async fn persist(pool: &Pool, batch: &mut Vec<AuditRow>) {
    if batch.is_empty() {
        return;
    }
    let mut delay = Duration::from_millis(100);
    let mut retrying = false;
    loop {
        let rows = std::mem::take(batch);
        let pool = pool.clone();
        let result = tokio::task::spawn_blocking(move || {
            let outcome = pool
                .get()
                .map_err(StoreError::from)
                .and_then(|mut conn| tandem_store::write_tx(&mut conn, |c| audit::insert(c, &rows)));
            (outcome, rows)
        })
        .await;
        match result {
            Ok((Ok(()), _)) => return,
            // The rows have fresh ids: a retry that finds them taken means the attempt
            // before it committed, and only the answer to its COMMIT was lost.
            Ok((Err(StoreError::Conflict(_)), rows)) if retrying => {
                tracing::info!(rows = rows.len(), "audit batch was written by the attempt that lost its connection");
                return;
            }
            Ok((Err(e), rows)) => {
                retrying = true;
                tracing::warn!(error = %e, pending = rows.len(), "audit batch not written yet; retrying");
                *batch = rows;
            }
            Err(e) => {
                tracing::error!(error = %e, "audit writer task failed");
                return;
            }
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(5));
    }
}
