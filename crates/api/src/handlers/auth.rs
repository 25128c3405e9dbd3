//! Sign-in, refresh and sign-out.

use actix_web::{HttpRequest, HttpResponse, post, web};
use serde::Deserialize;
use tandem_service::sessions::{self, Refreshed};
use utoipa::ToSchema;

use crate::auth::extractor::request_id;
use crate::auth::keys::Purpose;
use crate::auth::password;
use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::views::session::TokenPair;

/// Credentials.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// The account's email address (case does not matter).
    #[schema(example = "dr.rivera@example.org")]
    pub email: String,
    /// The account's password.
    #[schema(example = "correct horse battery staple", format = Password)]
    pub password: String,
    /// Only when this email and password open accounts in more than one practice (the
    /// answer is then 422 naming `practice_id`, with the choices): the practice to sign in to.
    #[schema(example = "01936f3e-8a4b-7c2d-9e1f-0a1b2c3d4e50")]
    pub practice_id: Option<String>,
}

/// A refresh token to exchange or revoke.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The refresh token from the last sign-in or refresh.
    #[schema(example = "3q2-7wAAAAB0aGlzIGlzIGFuIGV4YW1wbGUgdG9rZW4")]
    pub refresh_token: String,
}

#[utoipa::path(
    tag = "auth",
    operation_id = "login",
    summary = "Sign in with email and password",
    description = "Returns an access token (15 minutes) and a refresh token. An unknown email, a wrong password and an account that cannot sign in all get the same 401. Accounts belong to one practice, so one person may have accounts in two practices under the same email: the password picks the account, and only when the same password opens more than one does the answer ask (422 naming `practice_id`, listing those practices) for `practice_id`. Attempts are limited per client address (429 with `Retry-After`).",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in.", body = TokenPair),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 429, response = crate::openapi::TooManyRequests)
    )
)]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: crate::input::Json<LoginRequest>,
) -> ApiResult<web::Json<TokenPair>> {
    state.limiter.check(&state, &req).await?;
    let LoginRequest { email, password: pw, practice_id } = body.into_inner();
    let rid = request_id(&req);
    let accounts =
        db::call_anon(&state, rid.as_deref(), move |env| sessions::accounts(env, &email, practice_id)).await?;
    // One hash per account with this email (a dummy one when there is none).
    let verified = password::verify_each(pw, accounts.password_hashes()).await?;
    let keys = state.keys.clone();
    let issued = db::call_anon(&state, rid.as_deref(), move |env| {
        sessions::login(env, accounts, &verified, &|family| keys.session_ref(family))
    })
    .await?;
    Ok(web::Json(TokenPair::sign(&state, issued)?))
}

#[utoipa::path(
    tag = "auth",
    operation_id = "refreshSession",
    summary = "Exchange a refresh token for a new pair",
    description = "Each refresh token works once and is replaced by the one returned. A retry of the same request within 10 seconds (a flaky network) returns the same new pair. Any later reuse of an old token is treated as theft: the whole session is revoked and every token of it, refresh and access, stops working at once (on a deployment with several servers, within 10 seconds on the others). A session idle for longer than its limit (staff 60 minutes, clients 30 days) or past its absolute lifetime (12 hours, 90 days) has ended.",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new token pair; discard the old refresh token.", body = TokenPair),
        (status = 401, response = crate::openapi::Unauthorized)
    )
)]
#[post("/auth/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: crate::input::Json<RefreshRequest>,
) -> ApiResult<web::Json<TokenPair>> {
    let presented = body.into_inner().refresh_token;
    // The successor under the active key; a retry also finds one made under a key that
    // was active a moment ago (a rotation between the two requests).
    let successor_keys = state.keys.derived_all(Purpose::RefreshSuccessor);
    let keys = state.keys.clone();
    let outcome = db::call_anon(&state, request_id(&req).as_deref(), move |env| {
        sessions::refresh(env, &presented, &successor_keys, &|family| keys.session_ref(family))
    })
    .await?;
    // Whatever ended a session ends it on this replica at once, not when the cache ages.
    let (ended, why) = match outcome {
        Refreshed::Issued(issued) => return Ok(web::Json(TokenPair::sign(&state, issued)?)),
        // Ended elsewhere (another replica, or expired): stop it here at once too.
        Refreshed::Invalid(ended) => (ended, "the refresh token is not valid; sign in again"),
        Refreshed::Idle(family) => (Some(family), "the session was idle too long; sign in again"),
        Refreshed::Reused(family) => {
            (Some(family), "this refresh token was already used; the session has been ended for safety")
        }
    };
    if let Some(family_id) = ended {
        state.sessions.revoke_family(&family_id);
    }
    Err(ApiError::Unauthorized(why))
}

#[utoipa::path(
    tag = "auth",
    operation_id = "logout",
    summary = "Sign out",
    description = "Revokes the session the refresh token belongs to: the refresh token and the session's access tokens stop working at once (on a deployment with several servers, within 10 seconds on the others). Answers 204 even for an unknown token, so it is safe to retry.",
    request_body = RefreshRequest,
    responses((status = 204, description = "Signed out."))
)]
#[post("/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: crate::input::Json<RefreshRequest>,
) -> ApiResult<HttpResponse> {
    let token = body.into_inner().refresh_token;
    let keys = state.keys.clone();
    let family = db::call_anon(&state, request_id(&req).as_deref(), move |env| {
        sessions::logout(env, &token, &|family| keys.session_ref(family))
    })
    .await?;
    if let Some(family_id) = family {
        state.sessions.revoke_family(&family_id);
    }
    Ok(HttpResponse::NoContent().finish())
}
