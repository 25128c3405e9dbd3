//! Incidents (a crossed boundary) and withdrawal: private channels from a partner to the
//! clinicians. Opening either is a safety stop and alerts the clinicians discreetly.
//! Nothing about them reaches the other partner.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tandem_service::incidents;
use utoipa::ToSchema;

use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::pagination::{PageParams, Paginated};
use crate::state::AppState;
use crate::views::record::Incident;
use crate::{db, idempotency};

/// A partner's own account of a crossed boundary.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewIncident {
    /// What happened, for the clinician.
    #[schema(example = "We went further than we had agreed.")]
    pub description: String,
}

#[utoipa::path(
    tag = "incidents",
    operation_id = "openIncident",
    summary = "Report a crossed boundary (partners)",
    description = "Opens an incident visible only to its author and the couple's clinicians, puts the plan on hold at once and alerts the clinicians by a discreet email. The answer carries the practice's crisis notice. Honours `Idempotency-Key`.",
    params(
        ("couple_id" = String, Path, description = "The couple's id."),
        ("Idempotency-Key" = Option<String>, Header, description = "A unique key, reused on retries.")
    ),
    request_body = NewIncident,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The incident, with the crisis notice.", body = Incident),
        (status = 409, response = crate::openapi::Conflict)
    )
)]
#[post("/couples/{couple_id}/incidents")]
pub async fn create_incident(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    path: web::Path<String>,
    body: crate::input::Json<NewIncident>,
) -> ApiResult<HttpResponse> {
    let input = body.into_inner();
    let description = input.description.clone();
    let draft = db::call(&state, &auth, move |cx| incidents::draft(cx, &path, &description)).await?;
    // The incident is opened in the transaction that claims the Idempotency-Key.
    let cx = db::env(&state, auth.request_id.as_deref()).as_actor(auth.actor.clone());
    idempotency::run(&state, &auth, &req, "incident.create", &input, StatusCode::CREATED, move |conn| {
        let mut view = Incident::from(incidents::open(&cx, conn, &draft)?);
        view.crisis_notice = Some(draft.crisis_notice);
        Ok(view)
    })
    .await
}

#[utoipa::path(
    tag = "incidents",
    operation_id = "listIncidents",
    summary = "A couple's incidents",
    description = "Clinicians see all; a partner sees only the incidents they opened. Newest first, cursor-paginated.",
    params(("couple_id" = String, Path, description = "The couple's id."), PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of incidents.", body = Paginated<Incident>),
        (status = 422, response = crate::openapi::UnprocessableEntity)
    )
)]
#[get("/couples/{couple_id}/incidents")]
pub async fn list_incidents(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
    query: web::Query<PageParams>,
) -> ApiResult<web::Json<Paginated<Incident>>> {
    let page = query.request()?;
    let rows = db::call(&state, &auth, move |cx| incidents::list(cx, &path, &page)).await?;
    Ok(web::Json(Paginated::from_page(rows, |r| Ok(Incident::from(r)))?))
}

/// The repair plan and resolution; omitted fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IncidentPatch {
    /// How the crossing was acknowledged.
    pub acknowledgement: Option<String>,
    /// What changed in the agreement or the step.
    pub revision: Option<String>,
    /// Whether both partners renewed consent.
    pub renewed_consent: Option<bool>,
    /// The resolution; required to resolve.
    pub resolution: Option<String>,
    /// `resolved` closes the incident. Resuming the plan stays a separate decision.
    #[schema(value_type = Option<tandem_domain::vocabulary::IncidentStatus>, example = "resolved")]
    pub status: Option<String>,
}

#[utoipa::path(
    tag = "incidents",
    operation_id = "updateIncident",
    summary = "Record the repair plan and resolve an incident (clinicians)",
    description = "Resolving needs a `resolution`. It lifts this stop cause; the plan stays on hold until a clinician resumes it.",
    params(("incident_id" = String, Path, description = "The incident's id.")),
    request_body = IncidentPatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The incident as changed.", body = Incident)
    )
)]
#[patch("/incidents/{incident_id}")]
pub async fn update_incident(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
    body: crate::input::Json<IncidentPatch>,
) -> ApiResult<web::Json<Incident>> {
    let IncidentPatch { acknowledgement, revision, renewed_consent, resolution, status } = body.into_inner();
    let patch = incidents::IncidentPatch { acknowledgement, revision, renewed_consent, resolution, status };
    let saved = db::call(&state, &auth, move |cx| incidents::update(cx, &path, patch)).await?;
    Ok(web::Json(Incident::from(saved)))
}

/// Leaving the programme.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawalRequest {
    /// Optional, for the clinician only.
    pub reason: Option<String>,
}

/// The answer to a withdrawal.
#[derive(Debug, Serialize, ToSchema)]
pub struct WithdrawalReceipt {
    pub withdrawn_at: DateTime<Utc>,
    /// The practice's crisis notice.
    pub crisis_notice: String,
}

#[utoipa::path(
    tag = "incidents",
    operation_id = "withdraw",
    summary = "Leave the programme (partners)",
    description = "A safety stop, private to the clinicians: the plan is put on hold at once, the couple is flagged and the clinicians are alerted discreetly. The other partner is not told why. The answer carries the practice's crisis notice.",
    params(("couple_id" = String, Path, description = "The couple's id.")),
    request_body = WithdrawalRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Withdrawn.", body = WithdrawalReceipt)
    )
)]
#[post("/couples/{couple_id}/withdrawal")]
pub async fn withdraw(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
    body: crate::input::Json<WithdrawalRequest>,
) -> ApiResult<HttpResponse> {
    let reason = body.into_inner().reason;
    let done = db::call(&state, &auth, move |cx| incidents::withdraw(cx, &path, reason)).await?;
    Ok(HttpResponse::Created()
        .json(WithdrawalReceipt { withdrawn_at: done.withdrawn_at, crisis_notice: done.crisis_notice }))
}
