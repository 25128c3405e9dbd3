//! Runs diesel (synchronous) on actix's blocking pool, never on the async workers.
//!
//! When the database goes away mid-request (a restart, a failover, a crash), the answer
//! is 503 with `Retry-After` like a pool timeout, never 500, and the dead connection is
//! not pooled again.

use actix_web::web;
use tandem_service::{Ctx, Env};

use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The surroundings of a use case run for this request: the pool, the audit queue, one
/// clock reading and the request id.
#[must_use]
pub fn env(state: &AppState, request_id: Option<&str>) -> Env {
    Env {
        pool: state.pool.clone(),
        audit: state.audit.clone(),
        now: state.clock.now(),
        request_id: request_id.map(str::to_owned),
    }
}

/// Runs a use case for the signed-in caller on the blocking pool (use cases are
/// synchronous diesel code and own their transactions).
pub async fn call<T, F>(state: &AppState, auth: &Authenticated, f: F) -> ApiResult<T>
where
    F: FnOnce(&Ctx) -> tandem_service::Result<T> + Send + 'static,
    T: Send + 'static,
{
    let cx = env(state, auth.request_id.as_deref()).as_actor(auth.actor.clone());
    blocking(move || f(&cx).map_err(ApiError::from)).await
}

/// Runs a use case with nobody signed in (login, invitations, unsubscribe).
pub async fn call_anon<T, F>(state: &AppState, request_id: Option<&str>, f: F) -> ApiResult<T>
where
    F: FnOnce(&Env) -> tandem_service::Result<T> + Send + 'static,
    T: Send + 'static,
{
    let env = env(state, request_id);
    blocking(move || f(&env).map_err(ApiError::from)).await
}

pub(crate) async fn blocking<T: Send + 'static>(f: impl FnOnce() -> ApiResult<T> + Send + 'static) -> ApiResult<T> {
    web::block(f).await.map_err(|e| ApiError::internal(format!("blocking pool: {e}")))?
}
