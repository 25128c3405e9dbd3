//! Runs diesel (synchronous) on actix's blocking pool, never on the async workers.

use actix_web::web;
use tandem_store::{AnyConnection, write_tx};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Runs a read (or a single-statement write) with a pooled connection.
pub async fn read<T, F>(state: &AppState, f: F) -> ApiResult<T>
where
    F: FnOnce(&mut AnyConnection) -> ApiResult<T> + Send + 'static,
    T: Send + 'static,
{
    let pool = state.pool.clone();
    web::block(move || {
        let mut conn = pool.get().map_err(tandem_store::StoreError::from)?;
        f(&mut conn)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("blocking pool: {e}")))?
}

/// Runs `f` in one write transaction: everything it does commits together or not at all.
pub async fn write<T, F>(state: &AppState, f: F) -> ApiResult<T>
where
    F: FnOnce(&mut AnyConnection) -> ApiResult<T> + Send + 'static,
    T: Send + 'static,
{
    read(state, move |conn| write_tx(conn, f)).await
}
