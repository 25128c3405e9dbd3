//! The signed-in user's own account.

use actix_web::{get, patch, web};
use serde::{Deserialize, Serialize};
use tandem_service::me;
use utoipa::ToSchema;

use crate::auth::Authenticated;
use crate::db;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::views::user::User;

/// The practice the user belongs to.
#[derive(Debug, Serialize, ToSchema)]
pub struct PracticeSummary {
    #[schema(example = "01936f3e-8a4b-7c2d-9e1f-0a1b2c3d4e50")]
    pub id: String,
    #[schema(example = "Riverside Couples Practice")]
    pub name: String,
    /// What to do in an emergency; client apps show it where a person may be struggling.
    pub crisis_notice: String,
}

/// The signed-in user and their practice.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub user: User,
    pub practice: PracticeSummary,
}

/// Changes to one's own account; omitted fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MePatch {
    #[schema(example = "Sam")]
    pub display_name: Option<String>,
    /// IANA time zone, used for reminders.
    #[schema(example = "America/Chicago")]
    pub time_zone: Option<String>,
}

impl Me {
    fn from_account(m: me::Me) -> ApiResult<Self> {
        Ok(Self {
            user: User::from_row(m.user, true)?,
            practice: PracticeSummary { id: m.practice_id, name: m.practice_name, crisis_notice: m.crisis_notice },
        })
    }
}

#[utoipa::path(
    tag = "me",
    operation_id = "getMe",
    summary = "The signed-in user",
    description = "The caller's own account, roles and practice. Apps call this after sign-in to decide which screens to show.",
    security(("bearer" = [])),
    responses((status = 200, description = "The caller's account.", body = Me))
)]
#[get("/me")]
pub async fn get_me(state: web::Data<AppState>, auth: Authenticated) -> ApiResult<web::Json<Me>> {
    let account = db::call(&state, &auth, me::get).await?;
    Ok(web::Json(Me::from_account(account)?))
}

#[utoipa::path(
    tag = "me",
    operation_id = "updateMe",
    summary = "Change one's own name or time zone",
    description = "Roles, email and status cannot be changed here; unknown fields are refused with 400.",
    request_body = MePatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The account as changed.", body = Me)
    )
)]
#[patch("/me")]
pub async fn update_me(
    state: web::Data<AppState>,
    auth: Authenticated,
    body: crate::input::Json<MePatch>,
) -> ApiResult<web::Json<Me>> {
    let MePatch { display_name, time_zone } = body.into_inner();
    let patch = me::MePatch { display_name, time_zone };
    let account = db::call(&state, &auth, move |cx| me::update(cx, patch)).await?;
    Ok(web::Json(Me::from_account(account)?))
}
