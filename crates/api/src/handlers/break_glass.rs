//! Break-glass: emergency, read-only access to a couple's clinical record for a clinician
//! outside its care team. Explicit (a reason), time-limited, audited, and the care team
//! is alerted by a discreet email at once.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tandem_service::break_glass;
use tandem_service::records::{GrantRow, time};
use utoipa::ToSchema;

use crate::auth::Authenticated;
use crate::db;
use crate::error::ApiResult;
use crate::input::Json;
use crate::state::AppState;

/// Why emergency access is needed.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BreakGlassRequest {
    /// Why, for the care team and the audit (10 to 500 characters, no clinical detail needed).
    #[schema(example = "Covering Dr. Rivera's on-call: a partner phoned in distress")]
    pub reason: String,
}

/// An emergency access grant.
#[derive(Debug, Serialize, ToSchema)]
pub struct BreakGlassGrant {
    pub id: String,
    pub couple_id: String,
    /// The clinician who opened it.
    pub user_id: String,
    pub reason: String,
    pub created_at: DateTime<Utc>,
    /// Access ends then; open a new grant (with a new reason) to continue.
    pub expires_at: DateTime<Utc>,
}

impl From<GrantRow> for BreakGlassGrant {
    fn from(r: GrantRow) -> Self {
        Self {
            id: r.id,
            couple_id: r.couple_id,
            user_id: r.user_id,
            reason: r.reason,
            created_at: time::from_db(r.created_at),
            expires_at: time::from_db(r.expires_at),
        }
    }
}

/// The grants on a couple.
#[derive(Debug, Serialize, ToSchema)]
pub struct BreakGlassGrants {
    /// Newest first (at most 500).
    pub items: Vec<BreakGlassGrant>,
}

#[utoipa::path(
    tag = "couples",
    operation_id = "breakGlass",
    summary = "Open emergency access to a couple's record (break-glass)",
    description = "For a clinician of the practice who is not on the couple's care team and must read its clinical record in an emergency. With a reason, it opens read-only access to the couple's plans, reports, check-ins, incidents, progress, timeline and export for 60 minutes; nothing can be written through it. The grant and every read under it are audited, and the couple's clinicians are alerted at once by a discreet email; they (and admins) see who opened access and why at `GET …/break-glass`. Admins without the clinician role cannot open it (403), nor can the care team or the partners (403). The couple's id must be known: it is not listed outside the care team.",
    params(("couple_id" = String, Path, description = "The couple's id.")),
    request_body = BreakGlassRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Access is open until `expires_at`.", body = BreakGlassGrant)
    )
)]
#[post("/couples/{couple_id}/break-glass")]
pub async fn open(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
    body: Json<BreakGlassRequest>,
) -> ApiResult<HttpResponse> {
    let reason = body.into_inner().reason;
    let row = db::call(&state, &auth, move |cx| break_glass::open(cx, &path, &reason)).await?;
    Ok(HttpResponse::Created().json(BreakGlassGrant::from(row)))
}

#[utoipa::path(
    tag = "couples",
    operation_id = "listBreakGlass",
    summary = "Who opened emergency access to a couple's record, and why",
    description = "The couple's clinicians and the practice's admins. Newest first.",
    params(("couple_id" = String, Path, description = "The couple's id.")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The grants.", body = BreakGlassGrants)
    )
)]
#[get("/couples/{couple_id}/break-glass")]
pub async fn list(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
) -> ApiResult<web::Json<BreakGlassGrants>> {
    let rows = db::call(&state, &auth, move |cx| break_glass::list(cx, &path)).await?;
    Ok(web::Json(BreakGlassGrants { items: rows.into_iter().map(Into::into).collect() }))
}
