//! Everything a handler reaches for, shared by all workers.

use std::sync::Arc;

use tandem_domain::Clock;
use tandem_notification::Mailer;
use tandem_store::{Backend, Pool};

use crate::audit::AuditLog;
use crate::auth::cache::SessionCache;
use crate::auth::keys::KeySet;
use crate::auth::limiter::AuthLimiter;
use crate::config::ApiConfig;
use crate::metrics::Metrics;

/// Shared application state; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub pool: Pool,
    pub backend: Backend,
    pub clock: Arc<dyn Clock>,
    pub keys: Arc<KeySet>,
    pub mailer: Mailer,
    pub audit: AuditLog,
    pub config: Arc<ApiConfig>,
    pub sessions: SessionCache,
    pub limiter: Arc<AuthLimiter>,
    pub metrics: Arc<Metrics>,
    /// Signs and checks one-click unsubscribe links.
    pub signer: tandem_notification::outbox::UnsubscribeSigner,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").field("backend", &self.backend).finish_non_exhaustive()
    }
}
