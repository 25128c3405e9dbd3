//! Milestones: small victories worth celebrating, shared with the couple.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tandem_domain::Action;
use tandem_store::records::{self, MilestoneRow};
use tandem_store::{ids, time};
use utoipa::ToSchema;

use crate::audit;
use crate::auth::Authenticated;
use crate::db;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::handlers::access;
use crate::pagination::{PageParams, Paginated};
use crate::state::AppState;

/// A milestone.
#[derive(Debug, Serialize, ToSchema)]
pub struct Milestone {
    pub id: String,
    pub couple_id: String,
    pub author_id: String,
    #[schema(example = "First relaxed cuddle in months")]
    pub title: String,
    pub note: Option<String>,
    pub achieved_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

impl From<MilestoneRow> for Milestone {
    fn from(r: MilestoneRow) -> Self {
        Self {
            id: r.id,
            couple_id: r.couple_id,
            author_id: r.author_id,
            title: r.title,
            note: r.note,
            achieved_at: time::from_db(r.achieved_at),
            created_at: time::from_db(r.created_at),
        }
    }
}

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
    let (couple, _) = access::load_couple(&state, &auth, path.into_inner(), Action::ReadClinical).await?;
    let page = query.request()?;
    let id = couple.id.clone();
    let rows = db::read(&state, move |conn| Ok(records::list_milestones(conn, &id, &page)?)).await?;
    state.audit.read_event(access::event(&state, &auth, "milestone.list", "milestone", &couple.id, &couple.id)).await;
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
    let (couple, _) = access::load_couple(&state, &auth, path.into_inner(), Action::ReadClinical).await?;
    let input = body.into_inner();
    let mut errors = Vec::new();
    let n = input.title.trim().chars().count();
    if n == 0 || n > 200 {
        errors.push(FieldError::new("title", "must be 1 to 200 characters"));
    }
    if input.note.as_deref().is_some_and(|t| t.chars().count() > 2000) {
        errors.push(FieldError::new("note", "must be at most 2000 characters"));
    }
    let now = state.clock.now();
    if let Some(at) = input.achieved_at
        && let Err(why) = tandem_domain::validation::check_milestone_date(
            at,
            time::from_db(couple.created_at),
            couple.discharged_at.map(time::from_db),
            now,
        )
    {
        errors.push(FieldError::new("achieved_at", why));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let row = MilestoneRow {
        id: ids::new_id(),
        practice_id: couple.practice_id.clone(),
        couple_id: couple.id.clone(),
        author_id: auth.actor.user_id.clone(),
        title: input.title.trim().to_owned(),
        note: input.note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()),
        achieved_at: time::to_db(tandem_domain::clock::truncate(input.achieved_at.unwrap_or(now))),
        created_at: time::to_db(now),
    };
    let event = access::event(&state, &auth, "milestone.create", "milestone", &row.id, &couple.id);
    let saved = row.clone();
    db::write(&state, move |conn| {
        records::insert_milestone(conn, &saved)?;
        audit::record(conn, event)?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::Created().json(Milestone::from(row)))
}
