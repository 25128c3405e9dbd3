//! Incidents (a crossed boundary) and withdrawal: private channels from a partner to the
//! clinicians. Opening either is a safety stop and alerts the clinicians discreetly.
//! Nothing about them reaches the other partner.

use chrono::{DateTime, Utc};
use tandem_domain::plans::HoldCause;
use tandem_domain::validation::FieldError;
use tandem_domain::{Action, UserKind};
use tandem_notification::outbox;
use tandem_store::couples::CoupleRow;
use tandem_store::incidents::{self, IncidentRow, OPEN, RESOLVED, WithdrawalRow};
use tandem_store::{AnyConnection, Page, PageRequest, ids, time};

use crate::access;
use crate::audit;
use crate::context::Ctx;
use crate::error::{Error, Result};
use crate::review;
use crate::safety;

/// A checked incident report, ready for [`open`].
#[derive(Debug, Clone)]
pub struct IncidentDraft {
    couple: CoupleRow,
    description: String,
    /// The practice's crisis notice, for the answer.
    pub crisis_notice: String,
}

/// Checks a partner's incident report (1 to 4000 characters) and reads the crisis
/// notice that answers it.
pub fn draft(cx: &Ctx, couple_id: &str, description: &str) -> Result<IncidentDraft> {
    let couple = access::load_couple(cx, couple_id, Action::PartnerAnswer)?.couple;
    let description = description.trim().to_owned();
    let n = description.chars().count();
    if n == 0 || n > 4000 {
        return Err(Error::invalid("description", "must be 1 to 4000 characters"));
    }
    let crisis_notice = cx.read(|conn| access::practice_notice(conn, &couple.practice_id))?;
    Ok(IncidentDraft { couple, description, crisis_notice })
}

/// Opens the drafted incident: a safety stop, with a discreet alert to the clinicians,
/// in the caller's transaction (the one that claims the request's `Idempotency-Key`).
pub fn open(cx: &Ctx, conn: &mut AnyConnection, draft: &IncidentDraft) -> Result<IncidentRow> {
    let c = &draft.couple;
    let row = safety::open_incident(conn, c, &cx.actor.user_id, &draft.description, None, cx.now)?;
    outbox::alert_clinicians(conn, &c.practice_id, &c.id, cx.now)?;
    audit::record(conn, cx.event("incident.open", "incident", &row.id, &c.id))?;
    review::refresh_summary(conn, c, cx.now)?;
    Ok(row)
}

/// A page of the couple's incidents, newest first: all for clinicians, a partner's own
/// for a partner.
pub fn list(cx: &Ctx, couple_id: &str, page: &PageRequest) -> Result<Page<IncidentRow>> {
    let couple = access::load_couple(cx, couple_id, Action::ReadClinical)?.couple;
    let author = (cx.actor.kind == UserKind::Client).then(|| cx.actor.user_id.clone());
    let rows = cx.read(|conn| Ok(incidents::list(conn, &couple.id, author.as_deref(), page)?))?;
    cx.audit_read(cx.event("incident.list", "incident", &couple.id, &couple.id));
    Ok(rows)
}

/// The repair plan and resolution; `None` keeps a field.
#[derive(Debug, Clone, Default)]
pub struct IncidentPatch {
    pub acknowledgement: Option<String>,
    pub revision: Option<String>,
    pub renewed_consent: Option<bool>,
    pub resolution: Option<String>,
    /// Only `resolved` (which needs a resolution).
    pub status: Option<String>,
}

/// Records the repair plan and, with a resolution, resolves the incident (clinicians).
/// Resolving lifts this stop cause; resuming the plan stays a separate decision.
pub fn update(cx: &Ctx, incident_id: &str, patch: IncidentPatch) -> Result<IncidentRow> {
    if !ids::is_valid(incident_id) {
        return Err(Error::NotFound);
    }
    let row = cx.read(|conn| incidents::find(conn, incident_id)?.ok_or(Error::NotFound))?;
    let couple = access::load_couple(cx, &row.couple_id, Action::WriteClinical)?.couple;
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
    if resolving && row.status == OPEN {
        if updated.resolution.is_none() {
            errors.push(FieldError::new("resolution", "is required to resolve an incident"));
        }
        updated.status = RESOLVED.into();
        updated.resolved_at = Some(time::to_db(cx.now));
        updated.resolved_by = Some(cx.actor.user_id.clone());
    }
    Error::check_fields(errors)?;
    let action = if updated.status != row.status { "incident.resolve" } else { "incident.update" };
    cx.write(|conn| {
        incidents::save(conn, &updated)?;
        audit::record(conn, cx.event(action, "incident", &row.id, &couple.id))?;
        review::refresh_summary(conn, &couple, cx.now)?;
        Ok(())
    })?;
    Ok(updated)
}

/// What a withdrawing partner is told.
#[derive(Debug, Clone)]
pub struct Withdrawal {
    pub withdrawn_at: DateTime<Utc>,
    pub crisis_notice: String,
}

/// A partner leaves the programme: a safety stop private to the clinicians (the plan is
/// put on hold, the couple flagged, the clinicians alerted discreetly).
pub fn withdraw(cx: &Ctx, couple_id: &str, reason: Option<String>) -> Result<Withdrawal> {
    let couple = access::load_couple(cx, couple_id, Action::PartnerAnswer)?.couple;
    let reason = reason.map(|r| r.trim().to_owned()).filter(|r| !r.is_empty());
    if reason.as_deref().is_some_and(|r| r.chars().count() > 4000) {
        return Err(Error::invalid("reason", "must be at most 4000 characters"));
    }
    let crisis_notice = cx.read(|conn| access::practice_notice(conn, &couple.practice_id))?;
    let row = WithdrawalRow {
        id: ids::new_id(),
        practice_id: couple.practice_id.clone(),
        couple_id: couple.id.clone(),
        user_id: cx.actor.user_id.clone(),
        reason,
        created_at: time::to_db(cx.now),
    };
    cx.write(|conn| {
        incidents::insert_withdrawal(conn, &row)?;
        safety::stop_running_plan(conn, &couple.id, HoldCause::Withdrawal, cx.now)?;
        outbox::alert_clinicians(conn, &couple.practice_id, &couple.id, cx.now)?;
        audit::record(conn, cx.event("couple.withdrawal", "withdrawal", &row.id, &couple.id))?;
        review::refresh_summary(conn, &couple, cx.now)?;
        Ok(())
    })?;
    Ok(Withdrawal { withdrawn_at: cx.now, crisis_notice })
}
