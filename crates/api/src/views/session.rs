//! A signed-in session as the client receives it.

use actix_web::HttpResponse;
use chrono::{DateTime, Utc};
use serde::Serialize;
use tandem_domain::lifetimes::ACCESS_TOKEN_TTL;
use tandem_service::sessions::Issued;
use utoipa::ToSchema;

use crate::auth::{cookie, jwt};
use crate::error::ApiResult;
use crate::state::AppState;

/// A signed-in session: a short-lived access token and the refresh token that renews it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenPair {
    /// Send as `Authorization: Bearer <access_token>`. Lives 15 minutes.
    #[schema(example = "eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCIsImtpZCI6ImRldiJ9.e30.sig")]
    pub access_token: String,
    /// Always `Bearer`.
    #[schema(value_type = TokenType, example = "Bearer")]
    pub token_type: String,
    /// Seconds until the access token expires.
    #[schema(example = 900)]
    pub expires_in: i64,
    /// Opaque; exchange at `POST /api/v1/auth/refresh` for a new pair. It works once:
    /// store the new one each time. Reusing an old one ends the session everywhere.
    /// Absent for a browser session (`refresh_cookie: true`): it is in an HttpOnly cookie.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "3q2-7wAAAAB0aGlzIGlzIGFuIGV4YW1wbGUgdG9rZW4")]
    pub refresh_token: Option<String>,
    /// Browser sessions only: send as `X-CSRF-Token` with the next refresh (also in the
    /// readable `tandem_csrf` cookie, so a reloaded page finds it). Changes with every refresh.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "Yb2lLm0sZ2F0ZS1leGFtcGxlLWNzcmYtdG9rZW4xMjM0")]
    pub csrf_token: Option<String>,
    /// When the session ends at the latest, however active (RFC 3339).
    pub session_expires_at: DateTime<Utc>,
}

impl TokenPair {
    /// Signs the access token of a session's new pair.
    pub fn sign(state: &AppState, issued: Issued) -> ApiResult<Self> {
        let (access_token, expires_at) =
            jwt::issue(&state.keys, &state.config, &issued.user_id, &issued.family_id, &issued.jti, issued.issued_at)?;
        Ok(Self {
            access_token,
            token_type: "Bearer".into(),
            expires_in: (expires_at - state.clock.now()).num_seconds().clamp(0, ACCESS_TOKEN_TTL.num_seconds()),
            refresh_token: Some(issued.refresh_token),
            csrf_token: None,
            session_expires_at: issued.session_expires_at,
        })
    }

    /// Answers the pair: in the body, or for a browser session with the refresh token in
    /// its HttpOnly cookie (and the CSRF token bound to it in the body and its cookie).
    #[must_use]
    pub fn respond(mut self, state: &AppState, browser: bool) -> HttpResponse {
        let mut response = HttpResponse::Ok();
        if browser && let Some(refresh) = self.refresh_token.take() {
            let csrf = cookie::csrf_token(&state.keys, &refresh);
            let lifetime = (self.session_expires_at - state.clock.now()).num_seconds();
            for c in cookie::session_cookies(&refresh, &csrf, lifetime) {
                response.cookie(c);
            }
            self.csrf_token = Some(csrf);
        }
        response.json(self)
    }
}

/// How to send the access token (RFC 6750): always `Bearer`.
#[derive(Debug, Serialize, ToSchema)]
pub enum TokenType {
    Bearer,
}
