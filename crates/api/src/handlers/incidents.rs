//! Incidents (a crossed boundary) and withdrawal: private channels from a partner to the
//! clinicians. Opening either is a safety stop and alerts the clinicians discreetly.
//! Nothing about them reaches the other partner.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tandem_domain::plans::HoldCause;
use tandem_domain::{Action, UserKind};
use tandem_store::incidents::{self as store, OPEN, RESOLVED, WithdrawalRow};
use tandem_store::{ids, time};
use utoipa::ToSchema;

use crate::audit;
use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::handlers::access;
use crate::pagination::{PageParams, Paginated};
use crate::state::AppState;
use crate::views::record::Incident;
use crate::{db, idempotency};
use tandem_service::review;
use tandem_service::safety;

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
    let (couple, _) = access::load_couple(&state, &auth, path.into_inner(), Action::PartnerAnswer).await?;
    let input = body.into_inner();
    let n = input.description.trim().chars().count();
    if n == 0 || n > 4000 {
        return Err(ApiError::validation("description", "must be 1 to 4000 characters"));
    }
    let crisis = access::practice_notice(&state, &couple.practice_id).await?;
    let now = state.clock.now();
    let event = access::event(&state, &auth, "incident.open", "incident", &couple.id, &couple.id);
    let user = auth.actor.user_id.clone();
    let c = couple.clone();
    let description = input.description.trim().to_owned();
    let res = idempotency::run(&state, &auth, &req, "incident.create", &input, StatusCode::CREATED, move |conn| {
        let row = safety::open_incident(conn, &c, &user, &description, None, now)?;
        tandem_notification::outbox::alert_clinicians(conn, &c.practice_id, &c.id, now)?;
        audit::record(conn, event.resource(&row.id))?;
        review::refresh_summary(conn, &c, now)?;
        let mut view = Incident::from(row);
        view.crisis_notice = Some(crisis);
        Ok(view)
    })
    .await?;
    Ok(res)
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
    let (couple, _) = access::load_couple(&state, &auth, path.into_inner(), Action::ReadClinical).await?;
    let page = query.request()?;
    let author = (auth.actor.kind == UserKind::Client).then(|| auth.actor.user_id.clone());
    let id = couple.id.clone();
    let rows = db::read(&state, move |conn| Ok(store::list(conn, &id, author.as_deref(), &page)?)).await?;
    state.audit.read_event(access::event(&state, &auth, "incident.list", "incident", &couple.id, &couple.id)).await;
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
    #[schema(example = "resolved")]
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
    let incident_id = path.into_inner();
    if !ids::is_valid(&incident_id) {
        return Err(ApiError::NotFound);
    }
    let id = incident_id.clone();
    let (row, couple_id) = db::read(&state, move |conn| {
        let row = store::find(conn, &id)?.ok_or(ApiError::NotFound)?;
        let couple = row.couple_id.clone();
        Ok((row, couple))
    })
    .await?;
    let (couple, _) = access::load_couple(&state, &auth, couple_id, Action::WriteClinical).await?;
    let patch = body.into_inner();
    let mut errors = Vec::new();
    for (field, v) in
        [("acknowledgement", &patch.acknowledgement), ("revision", &patch.revision), ("resolution", &patch.resolution)]
    {
        if v.as_deref().is_some_and(|t| t.chars().count() > 4000) {
            errors.push(FieldError::new(field, "must be at most 4000 characters"));
        }
    }
    let resolving = match patch.status.as_deref() {
        None => false,
        Some(RESOLVED) => true,
        Some(_) => {
            errors.push(FieldError::new("status", "can only be set to resolved"));
            false
        }
    };
    let mut updated = row.clone();
    if let Some(v) = patch.acknowledgement {
        updated.acknowledgement = Some(v.trim().to_owned());
    }
    if let Some(v) = patch.revision {
        updated.revision = Some(v.trim().to_owned());
    }
    if let Some(v) = patch.renewed_consent {
        updated.renewed_consent = v;
    }
    if let Some(v) = patch.resolution {
        updated.resolution = Some(v.trim().to_owned()).filter(|s| !s.is_empty());
    }
    let now = state.clock.now();
    if resolving && row.status == OPEN {
        if updated.resolution.is_none() {
            errors.push(FieldError::new("resolution", "is required to resolve an incident"));
        }
        updated.status = RESOLVED.into();
        updated.resolved_at = Some(time::to_db(now));
        updated.resolved_by = Some(auth.actor.user_id.clone());
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let action = if updated.status != row.status { "incident.resolve" } else { "incident.update" };
    let event = access::event(&state, &auth, action, "incident", &row.id, &couple.id);
    let saved = db::write(&state, move |conn| {
        store::save(conn, &updated)?;
        audit::record(conn, event)?;
        review::refresh_summary(conn, &couple, now)?;
        Ok(updated)
    })
    .await?;
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
    let (couple, _) = access::load_couple(&state, &auth, path.into_inner(), Action::PartnerAnswer).await?;
    let reason = body.into_inner().reason.map(|r| r.trim().to_owned()).filter(|r| !r.is_empty());
    if reason.as_deref().is_some_and(|r| r.chars().count() > 4000) {
        return Err(ApiError::validation("reason", "must be at most 4000 characters"));
    }
    let crisis = access::practice_notice(&state, &couple.practice_id).await?;
    let now = state.clock.now();
    let row = WithdrawalRow {
        id: ids::new_id(),
        practice_id: couple.practice_id.clone(),
        couple_id: couple.id.clone(),
        user_id: auth.actor.user_id.clone(),
        reason,
        created_at: time::to_db(now),
    };
    let event = access::event(&state, &auth, "couple.withdrawal", "withdrawal", &row.id, &couple.id);
    let c = couple.clone();
    db::write(&state, move |conn| {
        store::insert_withdrawal(conn, &row)?;
        safety::stop_running_plan(conn, &c.id, HoldCause::Withdrawal, now)?;
        tandem_notification::outbox::alert_clinicians(conn, &c.practice_id, &c.id, now)?;
        audit::record(conn, event)?;
        review::refresh_summary(conn, &c, now)?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::Created().json(WithdrawalReceipt { withdrawn_at: now, crisis_notice: crisis }))
}
