//! Sign-in, refresh and sign-out.

use actix_web::{HttpRequest, HttpResponse, ResponseError, post, web};
use serde::Deserialize;
use tandem_service::sessions::{self, Refreshed};
use utoipa::ToSchema;

use crate::auth::Authenticated;
use crate::auth::cookie;
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
    /// For browser apps: `true` keeps the refresh token out of JavaScript. It is set in
    /// the HttpOnly, Secure, SameSite=Strict cookie `tandem_refresh` (sent only to
    /// `/api/v1/auth/refresh`), and the answer carries a `csrf_token` for the refresh
    /// instead. Access tokens stay bearer tokens either way.
    #[schema(example = false)]
    pub refresh_cookie: Option<bool>,
}

/// A refresh token to exchange or revoke.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The refresh token from the last sign-in or refresh. Omit it (send `{}`) in a
    /// browser session: the refresh then reads the `tandem_refresh` cookie and needs the
    /// `X-CSRF-Token` header; a sign-out then needs the access token.
    #[schema(example = "3q2-7wAAAAB0aGlzIGlzIGFuIGV4YW1wbGUgdG9rZW4")]
    pub refresh_token: Option<String>,
}

#[utoipa::path(
    tag = "auth",
    operation_id = "login",
    summary = "Sign in with email and password",
    description = "Returns an access token (15 minutes) and a refresh token. An unknown email, a wrong password and an account that cannot sign in all get the same 401. Accounts belong to one practice, so one person may have accounts in two practices under the same email: the password picks the account, and only when the same password opens more than one does the answer ask (422 naming `practice_id`, listing those practices) for `practice_id`. Attempts are limited per client address (429 with `Retry-After`).",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in. With `refresh_cookie: true`, also sets the `tandem_refresh` (HttpOnly) and `tandem_csrf` cookies.", body = TokenPair,
            headers(("Set-Cookie" = String, description = "Browser sessions only: `tandem_refresh` (HttpOnly; Secure; SameSite=Strict; Path=/api/v1/auth/refresh) and `tandem_csrf`."))),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 429, response = crate::openapi::TooManyRequests)
    )
)]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: crate::input::Json<LoginRequest>,
) -> ApiResult<HttpResponse> {
    state.limiter.check(&state, &req).await?;
    let LoginRequest { email, password: pw, practice_id, refresh_cookie } = body.into_inner();
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
    Ok(TokenPair::sign(&state, issued)?.respond(&state, refresh_cookie == Some(true)))
}

#[utoipa::path(
    tag = "auth",
    operation_id = "refreshSession",
    summary = "Exchange a refresh token for a new pair",
    description = "Each refresh token works once and is replaced by the one returned. A retry of the same request within 10 seconds (a flaky network) returns the same new pair. Any later reuse of an old token is treated as theft: the whole session is revoked and every token of it, refresh and access, stops working at once (on a deployment with several servers, within 10 seconds on the others). A session idle for longer than its limit (staff 60 minutes, clients 30 days) or past its absolute lifetime (12 hours, 90 days) has ended.",
    params(
        ("tandem_refresh" = Option<String>, Cookie, description = "Browser sessions: the refresh token, set by the sign-in (HttpOnly)."),
        ("X-CSRF-Token" = Option<String>, Header, description = "Browser sessions: the `csrf_token` of the last sign-in or refresh; required with the cookie.")
    ),
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new token pair; discard the old refresh token. A browser session gets its new refresh token in the cookie.", body = TokenPair,
            headers(("Set-Cookie" = String, description = "Browser sessions only: the new `tandem_refresh` and `tandem_csrf`; cleared on a 401."))),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, description = "A refresh by cookie without the matching `X-CSRF-Token`.", body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
#[post("/auth/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: crate::input::Json<RefreshRequest>,
) -> ApiResult<HttpResponse> {
    let (presented, browser) = match body.into_inner().refresh_token {
        Some(token) => (token, false),
        None => (browser_refresh_token(&state, &req)?, true),
    };
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
        Refreshed::Issued(issued) => return Ok(TokenPair::sign(&state, issued)?.respond(&state, browser)),
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
    Ok(with_cleared_cookies(ApiError::Unauthorized(why).error_response(), browser))
}

/// The refresh token of a browser session: the cookie, vouched for by the CSRF header.
fn browser_refresh_token(state: &AppState, req: &HttpRequest) -> ApiResult<String> {
    let Some(cookie) = req.cookie(cookie::REFRESH_COOKIE) else {
        return Err(ApiError::validation(
            "refresh_token",
            "is required (or, in a browser session, the refresh cookie with X-CSRF-Token)",
        ));
    };
    let presented = req.headers().get(cookie::CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if cookie::csrf_matches(&state.keys, cookie.value(), presented) {
        Ok(cookie.value().to_owned())
    } else {
        Err(ApiError::Forbidden)
    }
}

/// A browser session that ended loses its cookies with the answer.
fn with_cleared_cookies(mut response: HttpResponse, browser: bool) -> HttpResponse {
    if browser {
        for c in cookie::cleared_cookies() {
            // A removal cookie is always a valid header value.
            let _ = response.add_cookie(&c);
        }
    }
    response
}

#[utoipa::path(
    tag = "auth",
    operation_id = "logout",
    summary = "Sign out",
    description = "Revokes the session: the one the refresh token belongs to, or, when the body has none (a browser session), the one of the access token sent as `Authorization: Bearer …`. The refresh token and the session's access tokens stop working at once (on a deployment with several servers, within 10 seconds on the others), and a browser session's cookies are cleared. Answers 204 even for an unknown refresh token, so it is safe to retry.",
    request_body = RefreshRequest,
    responses(
        (status = 204, description = "Signed out.", headers(("Set-Cookie" = String, description = "Clears `tandem_refresh` and `tandem_csrf`."))),
        (status = 401, response = crate::openapi::Unauthorized)
    )
)]
#[post("/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Option<Authenticated>,
    body: crate::input::Json<RefreshRequest>,
) -> ApiResult<HttpResponse> {
    let keys = state.keys.clone();
    let family = match (body.into_inner().refresh_token, auth) {
        (Some(token), _) => {
            db::call_anon(&state, request_id(&req).as_deref(), move |env| {
                sessions::logout(env, &token, &|family| keys.session_ref(family))
            })
            .await?
        }
        (None, Some(auth)) => {
            let family_id = auth.family_id.clone();
            db::call(&state, &auth, move |cx| sessions::logout_own(cx, &family_id, &|f| keys.session_ref(f))).await?;
            Some(auth.family_id)
        }
        (None, None) => return Err(ApiError::Unauthorized("sign out with the refresh token or the access token")),
    };
    if let Some(family_id) = family {
        state.sessions.revoke_family(&family_id);
    }
    Ok(with_cleared_cookies(HttpResponse::NoContent().finish(), true))
}
