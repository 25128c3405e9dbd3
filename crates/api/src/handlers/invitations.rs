//! Accepting an invitation: the invited account chooses its password and is signed in.

use actix_web::{HttpRequest, post, web};
use serde::Deserialize;
use tandem_service::invitations;
use utoipa::ToSchema;

use crate::auth::extractor::request_id;
use crate::auth::password;
use crate::db;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::views::session::TokenPair;

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
    let AcceptInvitationRequest { token, password: pw } = body.into_inner();
    let new_hash = password::hash_new(pw).await?;
    let issued =
        db::call_anon(&state, request_id(&req).as_deref(), move |env| invitations::accept(env, &token, new_hash))
            .await?;
    Ok(web::Json(TokenPair::sign(&state, issued)?))
}
