//! Partners' reports of attempts and daily check-ins, and who may read them.
//!
//! Creating one is two parts, so an adapter can run the write inside its own transaction
//! (the HTTP edge's idempotency claim): `prepare_*` checks access, fields and gates
//! before any write; `record_*` writes in the caller's transaction.

use chrono::{DateTime, Duration, Utc};
use tandem_domain::Action;
use tandem_domain::journal::{CheckInKind, SEGMENT_MAX_CHARS};
use tandem_domain::plans::{PlanStatus, StepStatus};
use tandem_domain::progression::Outcome;
use tandem_domain::refusal::Code;
use tandem_domain::validation::{FieldError, one_of};
use tandem_store::couples::CoupleRow;
use tandem_store::records::{self, CheckInRow, ReportFilter, ReportRow};
use tandem_store::{AnyConnection, Page, PageRequest, ids, plans, time};

use crate::access;
use crate::audit::{self, Event};
use crate::context::Ctx;
use crate::error::{Error, Result};
use crate::{review, safety};

const VISIBILITIES: [&str; 2] = [records::CLINICIAN_ONLY, records::SHARED];

fn visibility(value: &str, errors: &mut Vec<FieldError>) -> Option<&'static str> {
    one_of("visibility", value, &VISIBILITIES, |v| v).map_err(|e| errors.push(e)).ok()
}

fn range(field: &str, value: i32, min: i32, max: i32, errors: &mut Vec<FieldError>) {
    if !(min..=max).contains(&value) {
        errors.push(FieldError::new(field, format!("must be between {min} and {max}")));
    }
}

fn text(field: &str, value: Option<&str>, max: usize, errors: &mut Vec<FieldError>) {
    if value.is_some_and(|v| v.chars().count() > max) {
        errors.push(FieldError::new(field, format!("must be at most {max} characters")));
    }
}

fn step_not_current() -> Error {
    Error::refused(Code::StepNotCurrent, "only the plan's current, active step accepts reports")
}

/// One attempt at an exercise of the current step.
#[derive(Debug, Clone)]
pub struct NewReport {
    pub occurred_at: DateTime<Utc>,
    pub item_id: Option<String>,
    pub outcome: String,
    pub distress_before: i32,
    pub distress_peak: i32,
    pub distress_after: i32,
    pub comfort: i32,
    pub closeness: i32,
    pub boundary_crossed: bool,
    pub note: Option<String>,
    pub visibility: String,
}

/// A checked report, ready to be written.
#[derive(Debug, Clone)]
pub struct PreparedReport {
    row: ReportRow,
    couple: CoupleRow,
    event: Event,
    incident_event: Event,
    now: DateTime<Utc>,
}

/// A written report, with the practice's crisis notice when it opened an incident.
#[derive(Debug, Clone)]
pub struct RecordedReport {
    pub row: ReportRow,
    pub crisis_notice: Option<String>,
}

/// Checks a partner's report: the step, every field (all problems at once), that the
/// couple is in treatment and that the step is the plan's current, active one.
pub fn prepare_report(cx: &Ctx, plan_id: &str, step_id: &str, input: NewReport) -> Result<PreparedReport> {
    let ctx = access::load_plan(cx, plan_id, Action::PartnerAnswer)?;
    let step = ctx.tree.step(step_id).ok_or(Error::NotFound)?.clone();
    let now = cx.now;
    let mut errors = Vec::new();
    let outcome = one_of("outcome", &input.outcome, Outcome::ALL, Outcome::as_str).map_err(|e| errors.push(e)).ok();
    let vis = visibility(&input.visibility, &mut errors);
    for (field, v, max) in [
        ("distress_before", input.distress_before, 100),
        ("distress_peak", input.distress_peak, 100),
        ("distress_after", input.distress_after, 100),
        ("comfort", input.comfort, 10),
        ("closeness", input.closeness, 10),
    ] {
        range(field, v, 0, max, &mut errors);
    }
    if input.occurred_at > now + Duration::hours(24) {
        errors.push(FieldError::new("occurred_at", "must be at most 24 hours ahead"));
    } else if input.occurred_at < now - Duration::days(30) {
        errors.push(FieldError::new("occurred_at", "must be at most 30 days back"));
    }
    if let Some(item) = &input.item_id
        && !ctx.tree.items_of(&step.id).any(|i| &i.id == item)
    {
        errors.push(FieldError::new("item_id", "is not an exercise of this step"));
    }
    text("note", input.note.as_deref(), 4000, &mut errors);
    let (Some(outcome), Some(vis), true) = (outcome, vis, errors.is_empty()) else {
        return Err(Error::Invalid(errors));
    };
    access::require_in_treatment(&ctx.couple)?;
    let step_active = step.status()? == StepStatus::Active
        && ctx.tree.plan.status()? == PlanStatus::Active
        && ctx.tree.plan.current_step_id.as_deref() == Some(step.id.as_str());
    if !step_active {
        return Err(step_not_current());
    }
    let row = ReportRow {
        id: ids::new_id(),
        practice_id: ctx.couple.practice_id.clone(),
        couple_id: ctx.couple.id.clone(),
        plan_id: ctx.tree.plan.id.clone(),
        step_id: step.id.clone(),
        item_id: input.item_id,
        author_id: cx.actor.user_id.clone(),
        occurred_at: time::to_db(tandem_domain::clock::truncate(input.occurred_at)),
        outcome: outcome.as_str().to_owned(),
        distress_before: input.distress_before,
        distress_peak: input.distress_peak,
        distress_after: input.distress_after,
        comfort: input.comfort,
        closeness: input.closeness,
        boundary_crossed: input.boundary_crossed,
        note: input.note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()),
        visibility: vis.to_owned(),
        created_at: time::to_db(now),
    };
    let event = cx.event("report.create", "report", &row.id, &ctx.couple.id);
    let incident_event = cx.event("incident.open", "incident", &row.id, &ctx.couple.id);
    Ok(PreparedReport { row, couple: ctx.couple, event, incident_event, now })
}

/// Writes a prepared report in the caller's transaction. A crossed boundary opens an
/// incident (a safety stop) and alerts the clinicians.
pub fn record_report(conn: &mut AnyConnection, p: PreparedReport) -> Result<RecordedReport> {
    let PreparedReport { row, couple, event, incident_event, now } = p;
    // The step must still be current when we commit.
    let plan = plans::find_plan(conn, &row.plan_id)?.ok_or(Error::NotFound)?;
    if plan.status()? != PlanStatus::Active || plan.current_step_id.as_deref() != Some(row.step_id.as_str()) {
        return Err(step_not_current());
    }
    records::insert_report(conn, &row)?;
    audit::record(conn, event)?;
    if row.boundary_crossed {
        let description = "A boundary was crossed during an attempt.";
        safety::open_incident(conn, &couple, &row.author_id, description, Some(&row.id), now)?;
        tandem_notification::outbox::alert_clinicians(conn, &couple.practice_id, &couple.id, now)?;
        audit::record(conn, incident_event)?;
    }
    if row.boundary_crossed || plan.couple_id != couple.id {
        // An incident may have put the plan on hold: the summary reads it again.
        review::refresh_summary(conn, &couple, now)?;
    } else {
        // The plan read above is the couple's running plan (active, one per couple).
        review::refresh_summary_with(conn, &couple, Some(plan), now)?;
    }
    // The practice is read only when the answer carries its crisis notice.
    let crisis_notice =
        if row.boundary_crossed { Some(access::practice_notice(conn, &couple.practice_id)?) } else { None };
    Ok(RecordedReport { row, crisis_notice })
}

/// A page of the couple's reports the caller may see, newest first (every read is
/// audited).
pub fn list_reports(cx: &Ctx, couple_id: &str, filter: &ReportFilter, page: &PageRequest) -> Result<Page<ReportRow>> {
    let couple = access::load_couple(cx, couple_id, Action::ReadClinical)?.couple;
    let rows =
        cx.read(|conn| Ok(records::list_reports(conn, &couple.id, &access::reader(&cx.actor), filter, page)?))?;
    cx.audit_read(cx.event("report.list", "report", &couple.id, &couple.id));
    Ok(rows)
}

/// A partner's check-in: the daily note (the default kind) or the weekly talk. Each kind
/// takes its own fields; the other kind's are refused by name.
#[derive(Debug, Clone, Default)]
pub struct NewCheckIn {
    /// `daily` when absent.
    pub kind: Option<String>,
    pub felt_good: Option<String>,
    pub was_hard: Option<String>,
    pub to_adjust: Option<String>,
    pub stress: Option<i32>,
    pub gratitude: Option<String>,
    pub frustrations: Option<String>,
    pub next_steps: Option<String>,
    pub visibility: String,
}

impl NewCheckIn {
    /// Whether `field` (one of the check-in's kind-specific fields) was sent.
    fn has(&self, field: &str) -> bool {
        match field {
            "felt_good" => self.felt_good.is_some(),
            "was_hard" => self.was_hard.is_some(),
            "to_adjust" => self.to_adjust.is_some(),
            "stress" => self.stress.is_some(),
            "gratitude" => self.gratitude.is_some(),
            "frustrations" => self.frustrations.is_some(),
            "next_steps" => self.next_steps.is_some(),
            _ => false,
        }
    }
}

/// A checked check-in, ready to be written.
#[derive(Debug, Clone)]
pub struct PreparedCheckIn {
    row: CheckInRow,
    couple: CoupleRow,
    event: Event,
    now: DateTime<Utc>,
}

/// Checks a partner's check-in: fields first (the kind's own, present; the other
/// kind's, absent), then that the couple is in treatment.
pub fn prepare_check_in(cx: &Ctx, couple_id: &str, input: NewCheckIn) -> Result<PreparedCheckIn> {
    let couple = access::load_couple(cx, couple_id, Action::PartnerAnswer)?.couple;
    let mut errors = Vec::new();
    let kind = match &input.kind {
        None => Some(CheckInKind::Daily),
        Some(k) => one_of("kind", k, CheckInKind::ALL, CheckInKind::as_str).map_err(|e| errors.push(e)).ok(),
    };
    let vis = visibility(&input.visibility, &mut errors);
    if let Some(kind) = kind {
        let (own, other) = kind.fields();
        for field in own.iter().filter(|f| !input.has(f)) {
            errors.push(FieldError::new(*field, "is required"));
        }
        for field in other.iter().filter(|f| input.has(f)) {
            errors.push(FieldError::new(*field, format!("is not a field of a {} check-in", kind.as_str())));
        }
    }
    if let Some(stress) = input.stress {
        range("stress", stress, 0, 10, &mut errors);
    }
    for (field, v, max) in [
        ("felt_good", &input.felt_good, 2000),
        ("was_hard", &input.was_hard, 2000),
        ("to_adjust", &input.to_adjust, 2000),
        ("gratitude", &input.gratitude, SEGMENT_MAX_CHARS),
        ("frustrations", &input.frustrations, SEGMENT_MAX_CHARS),
        ("next_steps", &input.next_steps, SEGMENT_MAX_CHARS),
    ] {
        text(field, v.as_deref(), max, &mut errors);
    }
    let (Some(kind), Some(vis), true) = (kind, vis, errors.is_empty()) else { return Err(Error::Invalid(errors)) };
    access::require_in_treatment(&couple)?;
    let trimmed = |v: Option<String>| v.map(|t| t.trim().to_owned());
    let row = CheckInRow {
        id: ids::new_id(),
        practice_id: couple.practice_id.clone(),
        couple_id: couple.id.clone(),
        author_id: cx.actor.user_id.clone(),
        // A weekly talk keeps the daily columns empty; its reads never show them.
        felt_good: trimmed(input.felt_good).unwrap_or_default(),
        was_hard: trimmed(input.was_hard).unwrap_or_default(),
        to_adjust: trimmed(input.to_adjust).unwrap_or_default(),
        stress: input.stress.unwrap_or(0),
        visibility: vis.to_owned(),
        created_at: time::to_db(cx.now),
        kind: kind.as_str().to_owned(),
        gratitude: trimmed(input.gratitude),
        frustrations: trimmed(input.frustrations),
        next_steps: trimmed(input.next_steps),
    };
    let event = cx.event("check_in.create", "check_in", &row.id, &couple.id);
    Ok(PreparedCheckIn { row, couple, event, now: cx.now })
}

/// Writes a prepared check-in in the caller's transaction.
pub fn record_check_in(conn: &mut AnyConnection, p: PreparedCheckIn) -> Result<CheckInRow> {
    records::insert_check_in(conn, &p.row)?;
    audit::record(conn, p.event)?;
    review::refresh_summary(conn, &p.couple, p.now)?;
    Ok(p.row)
}

/// A page of the couple's check-ins the caller may see, newest first (every read is
/// audited).
pub fn list_check_ins(cx: &Ctx, couple_id: &str, page: &PageRequest) -> Result<Page<CheckInRow>> {
    let couple = access::load_couple(cx, couple_id, Action::ReadClinical)?.couple;
    let rows = cx.read(|conn| Ok(records::list_check_ins(conn, &couple.id, &access::reader(&cx.actor), page)?))?;
    cx.audit_read(cx.event("check_in.list", "check_in", &couple.id, &couple.id));
    Ok(rows)
}
