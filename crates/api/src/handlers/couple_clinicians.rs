//! A couple's care team: assigning and removing clinicians.

use actix_web::{HttpResponse, delete, post, web};
use serde::Deserialize;
use tandem_service::couples;
use utoipa::ToSchema;

use crate::auth::Authenticated;
use crate::db;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::views::couple::Couple;

/// A clinician to assign.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignClinicianRequest {
    /// A clinician of the same practice.
    #[schema(example = "01936f3e-8a4b-7c2d-9e1f-0a1b2c3d4e5f")]
    pub user_id: String,
}

#[utoipa::path(
    tag = "couples",
    operation_id = "assignClinician",
    summary = "Assign a clinician to a couple",
    description = "Admins and the couple's assigned clinicians may add a colleague. Assigning someone already assigned changes nothing (200).",
    params(("couple_id" = String, Path, description = "The couple's id.")),
    request_body = AssignClinicianRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The couple with its clinicians.", body = Couple)
    )
)]
#[post("/couples/{couple_id}/clinicians")]
pub async fn assign_clinician(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
    body: crate::input::Json<AssignClinicianRequest>,
) -> ApiResult<web::Json<Couple>> {
    let user_id = body.into_inner().user_id;
    let card = db::call(&state, &auth, move |cx| couples::assign_clinician(cx, &path, &user_id)).await?;
    Ok(web::Json(Couple::from_card(card)?))
}

#[utoipa::path(
    tag = "couples",
    operation_id = "unassignClinician",
    summary = "Remove a clinician from a couple",
    description = "Admins and the couple's assigned clinicians may remove a clinician. An active couple always keeps at least one clinician: removing the last one is refused (409); assign the successor first.",
    params(
        ("couple_id" = String, Path, description = "The couple's id."),
        ("user_id" = String, Path, description = "The clinician to remove.")
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed."),
        (status = 409, response = crate::openapi::Conflict)
    )
)]
#[delete("/couples/{couple_id}/clinicians/{user_id}")]
pub async fn unassign_clinician(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (couple_id, user_id) = path.into_inner();
    let removed = user_id.clone();
    db::call(&state, &auth, move |cx| couples::unassign_clinician(cx, &couple_id, &user_id)).await?;
    // The removed clinician's rights change now, not when their cache entry expires.
    state.sessions.forget_user(&removed);
    Ok(HttpResponse::NoContent().finish())
}
