//! Re-sent invitations for partners who have not joined yet.

use actix_web::{HttpResponse, post, web};
use tandem_service::couples;

use crate::auth::Authenticated;
use crate::db;
use crate::error::ApiResult;
use crate::state::AppState;

#[utoipa::path(
    tag = "couples",
    operation_id = "resendInvitation",
    summary = "Re-send a partner's invitation",
    description = "Assigned clinicians only. Sends a new invitation link (valid 7 days); the previous link stops working. Refused (409) once the partner has accepted.",
    params(
        ("couple_id" = String, Path, description = "The couple's id."),
        ("user_id" = String, Path, description = "The partner's user id.")
    ),
    security(("bearer" = [])),
    responses(
        (status = 202, description = "A new invitation is on its way."),
        (status = 409, response = crate::openapi::Conflict)
    )
)]
#[post("/couples/{couple_id}/partners/{user_id}/invitation")]
pub async fn resend_invitation(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (couple_id, user_id) = path.into_inner();
    db::call(&state, &auth, move |cx| couples::resend_invitation(cx, &couple_id, &user_id)).await?;
    Ok(HttpResponse::Accepted().finish())
}
