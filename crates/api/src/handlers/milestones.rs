//! Milestones: small victories worth celebrating, shared with the couple.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use tandem_service::milestones;
use utoipa::ToSchema;

use crate::auth::Authenticated;
use crate::db;
use crate::error::ApiResult;
use crate::pagination::{PageParams, Paginated};
use crate::state::AppState;
use crate::views::record::Milestone;
/// A new milestone.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMilestone {
    #[schema(example = "First relaxed cuddle in months")]
    pub title: String,
    pub note: Option<String>,
    /// When it happened (default: now).
    pub achieved_at: Option<DateTime<Utc>>,
}

#[utoipa::path(
    tag = "milestones",
    operation_id = "listMilestones",
    summary = "A couple's milestones",
    description = "Shared with the couple: both partners and the clinicians see all. Newest first, cursor-paginated.",
    params(("couple_id" = String, Path, description = "The couple's id."), PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of milestones.", body = Paginated<Milestone>),
        (status = 422, response = crate::openapi::UnprocessableEntity)
    )
)]
#[get("/couples/{couple_id}/milestones")]
pub async fn list_milestones(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
    query: web::Query<PageParams>,
) -> ApiResult<web::Json<Paginated<Milestone>>> {
    let page = query.request()?;
    let rows = db::call(&state, &auth, move |cx| milestones::list(cx, &path, &page)).await?;
    Ok(web::Json(Paginated::from_page(rows, |r| Ok(Milestone::from(r)))?))
}

#[utoipa::path(
    tag = "milestones",
    operation_id = "createMilestone",
    summary = "Celebrate a milestone",
    description = "Either partner or a clinician of the couple may add one; it is shared with the couple.",
    params(("couple_id" = String, Path, description = "The couple's id.")),
    request_body = NewMilestone,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The milestone.", body = Milestone)
    )
)]
#[post("/couples/{couple_id}/milestones")]
pub async fn create_milestone(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
    body: crate::input::Json<NewMilestone>,
) -> ApiResult<HttpResponse> {
    let NewMilestone { title, note, achieved_at } = body.into_inner();
    let input = milestones::NewMilestone { title, note, achieved_at };
    let row = db::call(&state, &auth, move |cx| milestones::create(cx, &path, input)).await?;
    Ok(HttpResponse::Created().json(Milestone::from(row)))
}
