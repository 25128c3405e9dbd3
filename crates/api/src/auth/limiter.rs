//! Slows credential guessing: attempts per client IP for login, password reset and
//! invitation acceptance. Built once per process (not per worker) so all workers share it.
//!
//! On PostgreSQL the count is shared by every replica: each attempt is counted in the
//! `auth_attempts` table (10-second buckets, the last minute counts; see
//! `tandem_service::limits`), so three replicas allow what one does. Expired
//! buckets are deleted by whichever replica next finds a minute has passed. On SQLite
//! (one process) a token bucket in memory does the same.
//!
//! We use `governor` directly rather than through `actix-governor`: the handler then
//! answers our own problem+json 429, documented in the OpenAPI spec, and only the
//! credential routes are limited.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicI64, Ordering};

use actix_web::HttpRequest;
use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use tandem_service::limits;

use crate::error::ApiError;
use crate::state::AppState;

/// Per-IP limiter for credential routes.
pub struct AuthLimiter {
    inner: DefaultKeyedRateLimiter<IpAddr>,
    trust_forwarded_for: bool,
    per_minute: u32,
    /// Count in the database (PostgreSQL, several replicas) rather than in memory.
    shared: bool,
    /// When this replica last deleted expired buckets (Unix seconds).
    purged_at: AtomicI64,
}

impl std::fmt::Debug for AuthLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthLimiter").finish_non_exhaustive()
    }
}

impl AuthLimiter {
    #[must_use]
    pub fn new(per_minute: u32, trust_forwarded_for: bool) -> Self {
        let n = NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
        Self {
            inner: governor::RateLimiter::keyed(Quota::per_minute(n)),
            trust_forwarded_for,
            per_minute: n.get(),
            shared: false,
            purged_at: AtomicI64::new(0),
        }
    }

    /// A limiter whose counts every replica on the same PostgreSQL database shares.
    #[must_use]
    pub fn shared(per_minute: u32, trust_forwarded_for: bool) -> Self {
        Self { shared: true, ..Self::new(per_minute, trust_forwarded_for) }
    }

    /// The client's IP: the peer, or the first `X-Forwarded-For` hop when configured to
    /// trust a proxy in front of us.
    fn client_ip(&self, req: &HttpRequest) -> Option<IpAddr> {
        if self.trust_forwarded_for
            && let Some(ip) = req
                .headers()
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next())
                .and_then(|v| v.trim().parse().ok())
        {
            return Some(ip);
        }
        req.peer_addr().map(|a| a.ip())
    }

    /// Takes one attempt from the caller's allowance, or answers 429 with Retry-After.
    pub async fn check(&self, state: &AppState, req: &HttpRequest) -> Result<(), ApiError> {
        let Some(ip) = self.client_ip(req) else {
            return Ok(());
        };
        if !self.shared {
            return self.inner.check_key(&ip).map_err(|not_until| {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                ApiError::RateLimited(wait.as_secs().max(1))
            });
        }
        let env = crate::db::env(state, None);
        let now = env.now;
        let (limit, client) = (self.per_minute, ip.to_string());
        let counting = env.clone();
        let counted =
            crate::db::blocking(move || limits::count_attempt(&counting, &client, limit).map_err(ApiError::from)).await;
        let last = self.purged_at.load(Ordering::Relaxed);
        if now.timestamp() - last >= 60
            && self.purged_at.compare_exchange(last, now.timestamp(), Ordering::Relaxed, Ordering::Relaxed).is_ok()
        {
            // Best effort, outside the attempt's transaction: another replica may be
            // deleting the same rows, and a failure here only leaves them for next time.
            let purged = crate::db::blocking(move || limits::purge_expired(&env).map_err(ApiError::from)).await;
            if let Err(e) = purged {
                tracing::debug!(error = %e, "could not delete expired credential-attempt buckets");
            }
        }
        counted
    }
}
