//! Optimistic concurrency: ETags on mutable documents, `If-Match` on their updates.
//! A missing `If-Match` is 428, a stale one 412.

use actix_web::HttpRequest;
use actix_web::http::header;

use crate::error::ApiError;

/// The ETag of a document version: strong, opaque to clients.
#[must_use]
pub fn of(kind: &str, id: &str, version: i32) -> String {
    format!("\"{kind}-{id}-{version}\"")
}

/// Requires `If-Match` to name the current ETag (or `*`), by strong comparison (RFC 9110
/// 13.1.1): a weak tag `W/"…"` never matches.
pub fn require_match(req: &HttpRequest, current: &str) -> Result<(), ApiError> {
    let Some(value) = req.headers().get(header::IF_MATCH).and_then(|v| v.to_str().ok()) else {
        return Err(ApiError::PreconditionRequired);
    };
    if value.split(',').map(str::trim).any(|tag| tag == "*" || tag == current) {
        Ok(())
    } else {
        Err(ApiError::PreconditionFailed)
    }
}

/// Whether the request says `If-None-Match: *` (create only if nothing exists yet).
#[must_use]
pub fn if_none_match_any(req: &HttpRequest) -> bool {
    req.headers().get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).is_some_and(|v| v.trim() == "*")
}
