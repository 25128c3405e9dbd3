//! What every use case runs with: the pool (a use case owns its transaction), the audit
//! queue, the one clock reading of the request, and who is calling.

use chrono::{DateTime, Utc};
use tandem_domain::Actor;
use tandem_store::connection::discard_if_lost;
use tandem_store::{AnyConnection, Pool, StoreError, pooled_write_tx};

use crate::audit::{AuditLog, Event};
use crate::error::{Error, Result};

/// A use case's surroundings when nobody is signed in (login, invitations, unsubscribe,
/// the demo seeder and CLI tools).
#[derive(Clone)]
pub struct Env {
    pub pool: Pool,
    pub audit: AuditLog,
    /// The request's time: one reading of the injected clock, so every row a use case
    /// writes carries the same instant.
    pub now: DateTime<Utc>,
    /// The HTTP request id, carried into audit events.
    pub request_id: Option<String>,
}

impl std::fmt::Debug for Env {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Env").field("now", &self.now).field("request_id", &self.request_id).finish_non_exhaustive()
    }
}

impl Env {
    /// Runs reads (or one single-statement write) on a pooled connection. A connection
    /// that turns out dead is not pooled again.
    pub fn read<T>(&self, f: impl FnOnce(&mut AnyConnection) -> Result<T>) -> Result<T> {
        let mut conn = self.pool.get().map_err(StoreError::from)?;
        let result = f(&mut conn);
        if matches!(result, Err(Error::Store { source: StoreError::Unavailable(_), .. })) {
            discard_if_lost(&mut conn);
        }
        result
    }

    /// Runs `f` in one write transaction: everything it does commits together or not at
    /// all (every write that touches more than one row goes through here).
    pub fn write<T>(&self, f: impl FnOnce(&mut AnyConnection) -> Result<T>) -> Result<T> {
        pooled_write_tx(&self.pool, f)
    }

    /// Queues a read event (read events are batched; see [`AuditLog`]).
    pub fn audit_read(&self, event: Event) {
        self.audit.queue(event);
    }

    /// Signs in `actor` for a use case that needs one.
    #[must_use]
    pub fn as_actor(self, actor: Actor) -> Ctx {
        Ctx { env: self, actor }
    }
}

/// A use case's surroundings for a signed-in caller.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub env: Env,
    pub actor: Actor,
}

impl std::ops::Deref for Ctx {
    type Target = Env;
    fn deref(&self) -> &Env {
        &self.env
    }
}

impl Ctx {
    /// An audit event by the caller about something of a couple's.
    #[must_use]
    pub fn event(&self, action: &str, resource_type: &str, resource_id: &str, couple_id: &str) -> Event {
        self.practice_event(action, resource_type).resource(resource_id).couple(couple_id)
    }

    /// An audit event by the caller in their practice, not about a couple.
    #[must_use]
    pub fn practice_event(&self, action: &str, resource_type: &str) -> Event {
        Event::new(&self.actor.practice_id, Some(&self.actor), action, resource_type, self.now)
            .request(self.request_id.as_deref())
    }
}
