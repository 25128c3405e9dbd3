//! Scored measures: the definitions, and clinicians assigning a questionnaire to one or
//! both partners, once or every N weeks (docs/measures.md).

use actix_web::{HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tandem_domain::measures::{Measure, definition};
use tandem_service::measures;
use utoipa::ToSchema;

use crate::auth::Authenticated;
use crate::db;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::views::measure::{MeasureAssignment, MeasureDefinition};

/// A measure to assign.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMeasureAssignment {
    #[schema(value_type = Measure, example = "phq9")]
    pub measure: String,
    /// One partner of the couple; leave out (or `null`) for both partners.
    #[schema(example = json!(null))]
    pub partner_id: Option<String>,
    /// Recur every this many weeks (1 to 52); leave out for once.
    #[schema(example = 2, minimum = 1, maximum = 52)]
    pub every_weeks: Option<i32>,
    /// When the first occurrence is due (from a day ago to a year ahead); default now.
    #[schema(example = "2026-11-24T09:00:00Z")]
    pub starts_at: Option<DateTime<Utc>>,
}

/// The couple's open measure assignments.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeasureAssignmentList {
    pub items: Vec<MeasureAssignment>,
}

/// Every measure a clinician can assign.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeasureDefinitionList {
    pub items: Vec<MeasureDefinition>,
}

#[utoipa::path(
    tag = "measures",
    operation_id = "listMeasures",
    summary = "The questionnaires Tandem scores",
    description = "PHQ-9, GAD-7 and CSI-4: items, answer options, score range and source, for rendering a questionnaire. Any signed-in user. The server scores every submission; clients never compute scores or bands.",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The definitions.", body = MeasureDefinitionList)
    )
)]
#[get("/measures")]
pub async fn list_measures(_auth: Authenticated) -> ApiResult<web::Json<MeasureDefinitionList>> {
    let items = Measure::ALL.iter().map(|m| MeasureDefinition::from(definition(*m))).collect();
    Ok(web::Json(MeasureDefinitionList { items }))
}

#[utoipa::path(
    tag = "measures",
    operation_id = "createMeasureAssignment",
    summary = "Assign a questionnaire (clinicians)",
    description = "The couple's clinicians assign PHQ-9, GAD-7 or CSI-4 to one partner or both, once or every N weeks from `starts_at`. A due questionnaire appears on the partner's agenda and gets one discreet reminder email (\"a short questionnaire is waiting\", never its name) at their preferred local time, subject to their preferences, quiet hours and unsubscribe. Every field is checked at once (422 naming each); refused (409) for a discharged couple.",
    params(("couple_id" = String, Path, description = "The couple's id.")),
    request_body = NewMeasureAssignment,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The assignment, with each asked partner's standing.", body = MeasureAssignment),
        (status = 409, response = crate::openapi::Conflict)
    )
)]
#[post("/couples/{couple_id}/measure-assignments")]
pub async fn create_assignment(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
    body: crate::input::Json<NewMeasureAssignment>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    let input = measures::NewAssignment {
        measure: b.measure,
        partner_id: b.partner_id,
        every_weeks: b.every_weeks,
        starts_at: b.starts_at,
    };
    let status = db::call(&state, &auth, move |cx| measures::assign(cx, &path, input)).await?;
    Ok(HttpResponse::Created().json(MeasureAssignment::from(status)))
}

#[utoipa::path(
    tag = "measures",
    operation_id = "listMeasureAssignments",
    summary = "A couple's questionnaire assignments",
    description = "The open assignments, oldest first. Clinicians see each asked partner's standing (next due, due now); a partner sees only the assignments that ask them, with only their own standing, never whether the other partner answered. Audited.",
    params(("couple_id" = String, Path, description = "The couple's id.")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The assignments.", body = MeasureAssignmentList)
    )
)]
#[get("/couples/{couple_id}/measure-assignments")]
pub async fn list_assignments(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
) -> ApiResult<web::Json<MeasureAssignmentList>> {
    let rows = db::call(&state, &auth, move |cx| measures::list(cx, &path)).await?;
    Ok(web::Json(MeasureAssignmentList { items: rows.into_iter().map(MeasureAssignment::from).collect() }))
}

#[utoipa::path(
    tag = "measures",
    operation_id = "endMeasureAssignment",
    summary = "End a questionnaire assignment (clinicians)",
    description = "It leaves the agenda and the reminders at once; the responses given stay in the record. An assignment already ended is 404.",
    params(
        ("couple_id" = String, Path, description = "The couple's id."),
        ("assignment_id" = String, Path, description = "The assignment's id.")
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Ended.")
    )
)]
#[delete("/couples/{couple_id}/measure-assignments/{assignment_id}")]
pub async fn end_assignment(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (couple_id, assignment_id) = path.into_inner();
    db::call(&state, &auth, move |cx| measures::end(cx, &couple_id, &assignment_id)).await?;
    Ok(HttpResponse::NoContent().finish())
}
