//! The signed-in user's own account.

use actix_web::{get, patch, web};
use serde::{Deserialize, Serialize};
use tandem_domain::validation::{check_display_name, check_time_zone};
use tandem_store::users::{self, UserChanges};
use tandem_store::{practices, time};
use utoipa::ToSchema;

use crate::audit::{self, Event};
use crate::auth::Authenticated;
use crate::db;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::handlers::users::User;
use crate::state::AppState;

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

async fn load(state: &AppState, user_id: String) -> ApiResult<Me> {
    db::read(state, move |conn| {
        let row = users::find(conn, &user_id)?.ok_or(ApiError::NotFound)?;
        let practice = practices::find(conn, &row.practice_id)?;
        Ok(Me {
            user: User::from_row(row, true)?,
            practice: PracticeSummary { id: practice.id, name: practice.name, crisis_notice: practice.crisis_notice },
        })
    })
    .await
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
    Ok(web::Json(load(&state, auth.actor.user_id).await?))
}

#[utoipa::path(
    tag = "me",
    operation_id = "updateMe",
    summary = "Change one's own name or time zone",
    description = "Roles, email and status cannot be changed here; unknown fields are refused with 400.",
    request_body = MePatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The account as changed.", body = Me),
        (status = 422, response = crate::openapi::UnprocessableEntity)
    )
)]
#[patch("/me")]
pub async fn update_me(
    state: web::Data<AppState>,
    auth: Authenticated,
    body: web::Json<MePatch>,
) -> ApiResult<web::Json<Me>> {
    let patch = body.into_inner();
    let mut errors = Vec::new();
    if let Some(Err(m)) = patch.display_name.as_deref().map(check_display_name) {
        errors.push(FieldError::new("display_name", m));
    }
    if let Some(Err(m)) = patch.time_zone.as_deref().map(check_time_zone) {
        errors.push(FieldError::new("time_zone", m));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let now = state.clock.now();
    let actor = auth.actor;
    let user_id = actor.user_id.clone();
    let rid = auth.request_id;
    db::write(&state, move |conn| {
        let changes = UserChanges {
            display_name: patch.display_name.map(|n| n.trim().to_owned()),
            time_zone: patch.time_zone,
            updated_at: Some(time::to_db(now)),
            ..UserChanges::default()
        };
        users::update(conn, &actor.user_id, &changes)?;
        audit::record(
            conn,
            Event::new(&actor.practice_id, Some(&actor), "user.update_self", "user", now)
                .resource(&actor.user_id)
                .request(rid.as_deref()),
        )?;
        Ok(())
    })
    .await?;
    Ok(web::Json(load(&state, user_id).await?))
}
