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

/// The `If-Match` header as sent (`None` when absent or not text), for a use case that
/// judges it against the current version and answers a mismatch as stale.
#[must_use]
pub fn if_match(req: &HttpRequest) -> Option<String> {
    req.headers().get(header::IF_MATCH).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

/// Maps a use case's "stale" answer to the edge's: 428 when no `If-Match` was sent (the
/// use case cannot tell the two apart), 412 otherwise.
pub fn judged(sent: Option<&str>) -> impl FnOnce(ApiError) -> ApiError + use<> {
    let sent = sent.is_some();
    move |e| match e {
        ApiError::PreconditionFailed if !sent => ApiError::PreconditionRequired,
        e => e,
    }
}
