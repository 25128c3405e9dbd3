//! `Idempotency-Key` for POSTs that clients retry on bad networks (reports, check-ins,
//! incidents). The key is scoped to (user, route, key) and kept 24 hours. A replay gets
//! the stored status and body; the same key with a different body is 422. The claim, the
//! write and the stored response commit together, so concurrent duplicates create one.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use sha2::{Digest, Sha256};
use tandem_service::AnyConnection;
use tandem_service::idempotency::{self, Answer, Key};

use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult, PROBLEM_JSON};
use crate::state::AppState;

/// The request header.
pub const HEADER: &str = "Idempotency-Key";

fn key_of(req: &HttpRequest) -> ApiResult<Option<String>> {
    match req.headers().get(HEADER) {
        None => Ok(None),
        Some(v) => {
            let key =
                v.to_str().map_err(|_| ApiError::BadRequest("Idempotency-Key must be printable ASCII".into()))?.trim();
            if key.is_empty() || key.len() > 255 {
                return Err(ApiError::BadRequest("Idempotency-Key must be 1 to 255 characters".into()));
            }
            Ok(Some(key.to_owned()))
        }
    }
}

fn hash(body: &impl Serialize) -> ApiResult<String> {
    let json = serde_json::to_vec(body).map_err(|e| ApiError::internal(e))?;
    Ok(URL_SAFE_NO_PAD.encode(Sha256::digest(json)))
}

/// Runs `write` once per idempotency key, inside one transaction, and answers `status`
/// with its result as JSON (or replays the first answer).
pub async fn run<T, F>(
    state: &AppState,
    auth: &Authenticated,
    req: &HttpRequest,
    route: &'static str,
    body: &impl Serialize,
    status: StatusCode,
    write: F,
) -> ApiResult<HttpResponse>
where
    T: Serialize,
    F: FnOnce(&mut AnyConnection) -> ApiResult<T> + Send + 'static,
{
    let key = key_of(req)?;
    let request_hash = hash(body)?;
    let key = key.map(|key| Key {
        user_id: auth.actor.user_id.clone(),
        practice_id: auth.actor.practice_id.clone(),
        route,
        key,
        request_hash,
    });
    let pool = state.pool.clone();
    let now = state.clock.now();
    let answer = crate::db::blocking(move || {
        idempotency::once(&pool, key.as_ref(), status.as_u16(), now, |conn| {
            let result = write(conn)?;
            serde_json::to_string(&result).map_err(|e| ApiError::internal(e))
        })
    })
    .await?;
    Ok(match answer {
        Answer::Fresh(json) => HttpResponse::build(status).content_type("application/json").body(json),
        Answer::Replay(code, json) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::OK);
            let content_type = if status.is_success() { "application/json" } else { PROBLEM_JSON };
            HttpResponse::build(status)
                .content_type(content_type)
                .insert_header(("Idempotent-Replayed", "true"))
                .body(json)
        }
    })
}
