//! Slows credential guessing: a token bucket per client IP for login, password reset and
//! invitation acceptance. Built once per process (not per worker) so all workers share it.
//!
//! We use `governor` directly rather than through `actix-governor`: the handler then
//! answers our own problem+json 429, documented in the OpenAPI spec, and only the
//! credential routes are limited.

use std::net::IpAddr;
use std::num::NonZeroU32;

use actix_web::HttpRequest;
use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use crate::error::ApiError;

/// Per-IP limiter for credential routes.
pub struct AuthLimiter {
    inner: DefaultKeyedRateLimiter<IpAddr>,
    trust_forwarded_for: bool,
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
        Self { inner: governor::RateLimiter::keyed(Quota::per_minute(n)), trust_forwarded_for }
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

    /// Takes one attempt from the caller's bucket, or answers 429 with Retry-After.
    pub fn check(&self, req: &HttpRequest) -> Result<(), ApiError> {
        let Some(ip) = self.client_ip(req) else {
            return Ok(());
        };
        self.inner.check_key(&ip).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            ApiError::RateLimited(wait.as_secs().max(1))
        })
    }
}
