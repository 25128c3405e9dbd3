//! Password resets: a link by email, then a new password that signs the account out
//! everywhere.

use actix_web::{HttpRequest, HttpResponse, post, web};
use serde::Deserialize;
use tandem_service::password_reset;
use utoipa::ToSchema;

use crate::auth::extractor::request_id;
use crate::auth::password;
use crate::db;
use crate::error::ApiResult;
use crate::state::AppState;

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
    let email = body.into_inner().email;
    db::call_anon(&state, request_id(&req).as_deref(), move |env| password_reset::request(env, &email)).await?;
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
    let PasswordResetConfirm { token, password: pw } = body.into_inner();
    let new_hash = password::hash_new(pw).await?;
    let user_id =
        db::call_anon(&state, request_id(&req).as_deref(), move |env| password_reset::confirm(env, &token, new_hash))
            .await?;
    state.sessions.forget_user(&user_id);
    Ok(HttpResponse::NoContent().finish())
}
