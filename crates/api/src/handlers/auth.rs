//! Sign-in, refresh, sign-out, invitation acceptance and password resets.

use actix_web::{HttpRequest, HttpResponse, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tandem_domain::UserStatus;
use tandem_domain::lifetimes::{ACCESS_TOKEN_TTL, PASSWORD_RESET_TTL, REFRESH_RETRY_GRACE, session_limits};
use tandem_domain::validation::{check_password, normalize_email};
use tandem_notification::EmailKind;
use tandem_store::sessions::{self, RevokeReason};
use tandem_store::tokens::{self as one_time, TokenKind};
use tandem_store::users::{self, UserChanges, UserRow};
use tandem_store::{AnyConnection, ids, practices, time};
use utoipa::ToSchema;

use crate::audit::{self, Event, Outcome};
use crate::auth::extractor::request_id;
use crate::auth::keys::Purpose;
use crate::auth::{jwt, password, tokens};
use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

const BAD_CREDENTIALS: &str = "the email or password is incorrect";

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

/// A signed-in session: a short-lived access token and the refresh token that renews it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenPair {
    /// Send as `Authorization: Bearer <access_token>`. Lives 15 minutes.
    #[schema(example = "eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCIsImtpZCI6ImRldiJ9.e30.sig")]
    pub access_token: String,
    /// Always `Bearer`.
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds until the access token expires.
    #[schema(example = 900)]
    pub expires_in: i64,
    /// Opaque; exchange at `POST /api/v1/auth/refresh` for a new pair. It works once:
    /// store the new one each time. Reusing an old one ends the session everywhere.
    #[schema(example = "3q2-7wAAAAB0aGlzIGlzIGFuIGV4YW1wbGUgdG9rZW4")]
    pub refresh_token: String,
    /// When the session ends at the latest, however active (RFC 3339).
    pub session_expires_at: DateTime<Utc>,
}

/// A refresh token to exchange or revoke.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The refresh token from the last sign-in or refresh.
    #[schema(example = "3q2-7wAAAAB0aGlzIGlzIGFuIGV4YW1wbGUgdG9rZW4")]
    pub refresh_token: String,
}

/// An invitation token and the password the new user chooses.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptInvitationRequest {
    /// The token from the invitation link (the part after `#token=`).
    #[schema(example = "q8V1bXl0b2tlbi1mcm9tLXRoZS1lbWFpbC1saW5r")]
    pub token: String,
    /// At least 12 characters.
    #[schema(example = "a long and private passphrase", format = Password, min_length = 12)]
    pub password: String,
}

/// Asks for a password-reset email.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetRequest {
    #[schema(example = "dr.rivera@example.org")]
    pub email: String,
}

/// A reset token and the new password.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetConfirm {
    /// The token from the reset link (the part after `#token=`).
    #[schema(example = "q8V1bXl0b2tlbi1mcm9tLXRoZS1lbWFpbC1saW5r")]
    pub token: String,
    /// At least 12 characters.
    #[schema(example = "a new long passphrase", format = Password, min_length = 12)]
    pub password: String,
}

/// What a transaction decided about a token pair, acted on after it commits.
struct Issued {
    user_id: String,
    family_id: String,
    jti: String,
    refresh_token: String,
    issued_at: DateTime<Utc>,
    session_expires_at: DateTime<Utc>,
}

fn pair(state: &AppState, issued: &Issued) -> ApiResult<TokenPair> {
    let (access_token, expires_at) =
        jwt::issue(&state.keys, &state.config, &issued.user_id, &issued.family_id, &issued.jti, issued.issued_at)?;
    Ok(TokenPair {
        access_token,
        token_type: "Bearer".into(),
        expires_in: (expires_at - state.clock.now()).num_seconds().clamp(0, ACCESS_TOKEN_TTL.num_seconds()),
        refresh_token: issued.refresh_token.clone(),
        session_expires_at: issued.session_expires_at,
    })
}

/// Starts a session family for `user` inside the caller's transaction.
fn start_session(conn: &mut AnyConnection, user: &UserRow, now: DateTime<Utc>) -> ApiResult<Issued> {
    let limits = session_limits(user.kind()?);
    let family_id = ids::new_id();
    let refresh_token = tokens::generate();
    let session_expires_at = now + limits.absolute;
    let jti = sessions::start_family(conn, &family_id, user, &tokens::hash(&refresh_token), now, session_expires_at)?;
    users::update(
        conn,
        &user.id,
        &UserChanges { last_login_at: Some(Some(time::to_db(now))), ..UserChanges::default() },
    )?;
    Ok(Issued { user_id: user.id.clone(), family_id, jti, refresh_token, issued_at: now, session_expires_at })
}

/// Checks a new password against the policy and hashes it (on the blocking pool).
async fn new_password_hash(password: String) -> ApiResult<String> {
    check_password(&password).map_err(|m| ApiError::validation("password", m))?;
    blocking(move || password::hash(&password)).await?
}

/// Spends a live one-time token whose user is in `expected` state; anything else (unknown,
/// used, replaced, expired, or a user in another state) is the same 404.
fn redeem(
    conn: &mut AnyConnection,
    kind: TokenKind,
    token_hash: &str,
    expected: UserStatus,
    now: DateTime<Utc>,
) -> ApiResult<one_time::OneTimeToken> {
    let token = one_time::find_live(conn, kind, token_hash, now)?.ok_or(ApiError::NotFound)?;
    if token.user.status()? != expected || !one_time::spend(conn, kind, &token.id, now)? {
        return Err(ApiError::NotFound);
    }
    Ok(token)
}

/// Hashes or verifies passwords on the blocking pool: argon2 takes tens of milliseconds
/// of CPU and must not stall the async workers.
/// Runs a password hash off the async workers. At most one hash per core runs at once:
/// each holds 19 MiB, so the bound caps the memory that logins can take (the rest wait).
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> ApiResult<T> {
    static HASHES: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    let permits = HASHES.get_or_init(|| {
        tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, std::num::NonZero::get))
    });
    let _permit = permits.acquire().await.map_err(|e| ApiError::internal(format!("hash limiter: {e}")))?;
    web::block(f).await.map_err(|e| ApiError::internal(format!("blocking pool: {e}")))
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
    let body = body.into_inner();
    let Ok(email) = normalize_email(&body.email) else {
        let pw = body.password;
        blocking(move || password::burn_time(&pw)).await?;
        return Err(ApiError::Unauthorized(BAD_CREDENTIALS));
    };
    let practice = body.practice_id;
    let candidates: Vec<UserRow> = db::read(&state, move |conn| Ok(users::find_by_email(conn, &email)?))
        .await?
        .into_iter()
        .filter(|u| practice.as_ref().is_none_or(|p| *p == u.practice_id))
        .collect();
    // One hash per account with this email (a dummy one when there is none, so an unknown
    // email costs what a known one does).
    let stored: Vec<Option<String>> = candidates.iter().map(|u| u.password_hash.clone()).collect();
    let pw = body.password;
    let matches = blocking(move || {
        if stored.is_empty() {
            password::burn_time(&pw);
        }
        stored.iter().map(|h| password::verify(&pw, h.as_deref())).collect::<Vec<bool>>()
    })
    .await?;
    let now = state.clock.now();
    let rid = request_id(&req);
    let mut signable = Vec::new();
    for (user, ok) in candidates.into_iter().zip(matches) {
        if ok && user.status()? == UserStatus::Active {
            signable.push(user);
        } else {
            // Failed attempts on a known account go to that practice's audit log through
            // the read queue, so a failure costs no write lock and no extra latency.
            let event = Event::new(&user.practice_id, None, "auth.login", "session", now)
                .actor_id(&user.id, user.actor()?.primary_role().as_str())
                .outcome(Outcome::Failure)
                .request(rid.as_deref());
            state.audit.read_event(event).await;
        }
    }
    let user = match signable.len() {
        0 => {
            tracing::info!("login failed");
            return Err(ApiError::Unauthorized(BAD_CREDENTIALS));
        }
        1 => signable.remove(0),
        _ => return Err(choose_practice(&state, signable).await?),
    };
    let keys = state.keys.clone();
    let issued = db::write(&state, move |conn| {
        let issued = start_session(conn, &user, now)?;
        let actor = user.actor()?;
        audit::record(
            conn,
            Event::new(&user.practice_id, Some(&actor), "auth.login", "session", now)
                .resource(&keys.session_ref(&issued.family_id))
                .request(rid.as_deref()),
        )?;
        Ok(issued)
    })
    .await?;
    Ok(web::Json(pair(&state, &issued)?))
}

/// The answer when one email and password open accounts in several practices: the caller
/// proved the password for each, so naming those practices reveals nothing new.
async fn choose_practice(state: &AppState, accounts: Vec<UserRow>) -> ApiResult<ApiError> {
    let names = db::read(state, move |conn| {
        let mut names = Vec::new();
        for u in &accounts {
            let practice = practices::find(conn, &u.practice_id)?;
            names.push(format!("{} ({})", practice.name, u.practice_id));
        }
        Ok(names)
    })
    .await?;
    Ok(ApiError::validation(
        "practice_id",
        &format!("this email has accounts in several practices; send practice_id, one of: {}", names.join(", ")),
    ))
}

enum Refreshed {
    Issued(Issued),
    /// Unknown, or of a session already ended (its family, to forget here too).
    Invalid(Option<String>),
    /// The session (this family) was idle too long and is now revoked.
    Idle(String),
    /// An old token came back: the session (this family) is now revoked.
    Reused(String),
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
    let hash = tokens::hash(&presented);
    // The successor under the active key; a retry also finds one made under a key that
    // was active a moment ago (a rotation between the two requests).
    let successors: Vec<String> = state
        .keys
        .derived_all(Purpose::RefreshSuccessor)
        .iter()
        .map(|key| tokens::successor(key, &presented))
        .collect();
    let successor = successors.first().cloned().unwrap_or_else(tokens::generate);
    let successor_hash = tokens::hash(&successor);
    let now = state.clock.now();
    let rid = request_id(&req);
    let keys = state.keys.clone();
    let outcome = db::write(&state, move |conn| {
        let Some((token, family, user)) = sessions::find_by_hash(conn, &hash)? else {
            return Ok(Refreshed::Invalid(None));
        };
        if family.revoked_at.is_some() || time::from_db(family.expires_at) <= now {
            return Ok(Refreshed::Invalid(Some(family.id)));
        }
        if user.status()? != UserStatus::Active {
            return Ok(Refreshed::Invalid(None));
        }
        let limits = session_limits(user.kind()?);
        if now - time::from_db(family.last_used_at) > limits.idle {
            sessions::revoke_family(conn, &family.id, RevokeReason::Idle, now)?;
            return Ok(Refreshed::Idle(family.id));
        }
        let issued = |jti: String, issued_at: DateTime<Utc>| Issued {
            user_id: user.id.clone(),
            family_id: family.id.clone(),
            jti,
            refresh_token: successor.clone(),
            issued_at,
            session_expires_at: time::from_db(family.expires_at),
        };
        let rotated_at = match token.rotated_at {
            None => match sessions::rotate(conn, &token, &successor_hash, now)? {
                Some(jti) => return Ok(Refreshed::Issued(issued(jti, now))),
                // A concurrent request rotated it a moment ago: treat as a retry.
                None => now,
            },
            Some(at) => time::from_db(at),
        };
        if now - rotated_at <= REFRESH_RETRY_GRACE {
            for candidate in &successors {
                if let Some((next, _, _)) = sessions::find_by_hash(conn, &tokens::hash(candidate))?
                    && next.family_id == family.id
                    && next.rotated_at.is_none()
                {
                    let mut again = issued(next.id, time::from_db(next.issued_at));
                    again.refresh_token.clone_from(candidate);
                    return Ok(Refreshed::Issued(again));
                }
            }
        }
        sessions::revoke_family(conn, &family.id, RevokeReason::Reuse, now)?;
        let actor = user.actor()?;
        audit::record(
            conn,
            Event::new(&user.practice_id, Some(&actor), "auth.refresh_reuse", "session", now)
                .resource(&keys.session_ref(&family.id))
                .outcome(Outcome::Denied)
                .request(rid.as_deref()),
        )?;
        Ok(Refreshed::Reused(family.id))
    })
    .await?;
    match outcome {
        Refreshed::Issued(issued) => Ok(web::Json(pair(&state, &issued)?)),
        Refreshed::Invalid(ended) => {
            if let Some(family_id) = ended {
                // Ended elsewhere (another replica, or expired): stop it here at once too.
                state.sessions.revoke_family(&family_id);
            }
            Err(ApiError::Unauthorized("the refresh token is not valid; sign in again"))
        }
        Refreshed::Idle(family_id) => {
            state.sessions.revoke_family(&family_id);
            Err(ApiError::Unauthorized("the session was idle too long; sign in again"))
        }
        Refreshed::Reused(family_id) => {
            // The family's access tokens stop here at once, not when the cache entry ages.
            state.sessions.revoke_family(&family_id);
            Err(ApiError::Unauthorized("this refresh token was already used; the session has been ended for safety"))
        }
    }
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
    let hash = tokens::hash(&body.into_inner().refresh_token);
    let now = state.clock.now();
    let rid = request_id(&req);
    let keys = state.keys.clone();
    let family = db::write(&state, move |conn| {
        let Some((_, family, user)) = sessions::find_by_hash(conn, &hash)? else {
            return Ok(None);
        };
        if family.revoked_at.is_none() {
            sessions::revoke_family(conn, &family.id, RevokeReason::Logout, now)?;
            let actor = user.actor()?;
            audit::record(
                conn,
                Event::new(&user.practice_id, Some(&actor), "auth.logout", "session", now)
                    .resource(&keys.session_ref(&family.id))
                    .request(rid.as_deref()),
            )?;
        }
        Ok(Some(family.id))
    })
    .await?;
    if let Some(family_id) = family {
        state.sessions.revoke_family(&family_id);
    }
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(
    tag = "auth",
    operation_id = "acceptInvitation",
    summary = "Accept an invitation and choose a password",
    description = "Activates the invited account, sets its password and signs it in. The token works once and for 7 days; a re-sent invitation replaces the old token.",
    request_body = AcceptInvitationRequest,
    responses(
        (status = 200, description = "The account is active and signed in.", body = TokenPair),
        (status = 404, response = crate::openapi::NotFound),
        (status = 429, response = crate::openapi::TooManyRequests)
    )
)]
#[post("/auth/invitations/accept")]
pub async fn accept_invitation(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: crate::input::Json<AcceptInvitationRequest>,
) -> ApiResult<web::Json<TokenPair>> {
    state.limiter.check(&state, &req).await?;
    let body = body.into_inner();
    let new_hash = new_password_hash(body.password).await?;
    let hash = tokens::hash(&body.token);
    let now = state.clock.now();
    let rid = request_id(&req);
    let issued = db::write(&state, move |conn| {
        let invite = redeem(conn, TokenKind::Invitation, &hash, UserStatus::Invited, now)?;
        let changes = UserChanges {
            password_hash: Some(Some(new_hash)),
            status: Some(UserStatus::Active.as_str().into()),
            updated_at: Some(time::to_db(now)),
            ..UserChanges::default()
        };
        users::update(conn, &invite.user.id, &changes)?;
        let mut user = invite.user;
        user.status = UserStatus::Active.as_str().into();
        let actor = user.actor()?;
        audit::record(
            conn,
            Event::new(&user.practice_id, Some(&actor), "invitation.accept", "user", now)
                .resource(&user.id)
                .request(rid.as_deref()),
        )?;
        start_session(conn, &user, now)
    })
    .await?;
    Ok(web::Json(pair(&state, &issued)?))
}

#[utoipa::path(
    tag = "auth",
    operation_id = "requestPasswordReset",
    summary = "Ask for a password-reset email",
    description = "Always answers 202, whether or not the address has an account, so the answer reveals nothing. Each active account with the address (one per practice) gets an email with its own link, valid for 30 minutes; an earlier link stops working.",
    request_body = PasswordResetRequest,
    responses(
        (status = 202, description = "If the address has an active account, an email is on its way."),
        (status = 429, response = crate::openapi::TooManyRequests)
    )
)]
#[post("/auth/password-reset")]
pub async fn request_password_reset(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: crate::input::Json<PasswordResetRequest>,
) -> ApiResult<HttpResponse> {
    state.limiter.check(&state, &req).await?;
    let Ok(email) = normalize_email(&body.into_inner().email) else {
        return Ok(HttpResponse::Accepted().finish());
    };
    let now = state.clock.now();
    let rid = request_id(&req);
    db::write(&state, move |conn| {
        // Each active account with this email (one per practice) gets its own link.
        for user in users::find_by_email(conn, &email)? {
            if user.status()? != UserStatus::Active {
                continue;
            }
            let token = tokens::generate();
            let token_hash = tokens::hash(&token);
            one_time::issue(conn, TokenKind::PasswordReset, &user, &token_hash, now, now + PASSWORD_RESET_TTL)?;
            tandem_notification::outbox::enqueue(
                conn,
                &user.practice_id,
                Some(&user.id),
                EmailKind::PasswordReset,
                &user.email,
                Some(&token),
                now,
            )?;
            audit::record(
                conn,
                Event::new(&user.practice_id, None, "password_reset.request", "user", now)
                    .resource(&user.id)
                    .actor_id(&user.id, user.actor()?.primary_role().as_str())
                    .request(rid.as_deref()),
            )?;
        }
        Ok(())
    })
    .await?;
    Ok(HttpResponse::Accepted().finish())
}

#[utoipa::path(
    tag = "auth",
    operation_id = "confirmPasswordReset",
    summary = "Set a new password with a reset token",
    description = "Sets the new password and signs the account out everywhere. The token works once, for 30 minutes.",
    request_body = PasswordResetConfirm,
    responses(
        (status = 204, description = "The password is changed; sign in with it."),
        (status = 404, response = crate::openapi::NotFound),
        (status = 429, response = crate::openapi::TooManyRequests)
    )
)]
#[post("/auth/password-reset/confirm")]
pub async fn confirm_password_reset(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: crate::input::Json<PasswordResetConfirm>,
) -> ApiResult<HttpResponse> {
    state.limiter.check(&state, &req).await?;
    let body = body.into_inner();
    let new_hash = new_password_hash(body.password).await?;
    let hash = tokens::hash(&body.token);
    let now = state.clock.now();
    let rid = request_id(&req);
    let user_id = db::write(&state, move |conn| {
        let reset = redeem(conn, TokenKind::PasswordReset, &hash, UserStatus::Active, now)?;
        let changes = UserChanges {
            password_hash: Some(Some(new_hash)),
            updated_at: Some(time::to_db(now)),
            ..UserChanges::default()
        };
        users::update(conn, &reset.user.id, &changes)?;
        sessions::revoke_all_for_user(conn, &reset.user.id, RevokeReason::PasswordReset, now)?;
        let actor = reset.user.actor()?;
        audit::record(
            conn,
            Event::new(&reset.user.practice_id, Some(&actor), "password_reset.confirm", "user", now)
                .resource(&reset.user.id)
                .request(rid.as_deref()),
        )?;
        Ok(reset.user.id)
    })
    .await?;
    state.sessions.forget_user(&user_id);
    Ok(HttpResponse::NoContent().finish())
}
