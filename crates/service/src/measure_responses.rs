//! Partners' answers to assigned measures (docs/measures.md): scored by the server, seen
//! only by their author and the couple's clinicians (never by the other partner, not even
//! that they answered). A critical answer (PHQ-9 item 9 above 0) alerts the clinicians at
//! once and flags the couple until a clinician acknowledges it; it does not stop the plan.
//!
//! Creating one is two parts, as reports are: `prepare` checks access, the answers and
//! that the measure is due before any write; `record` writes in the caller's transaction
//! (the HTTP edge's idempotency claim, so a replay alerts nobody twice).

use chrono::{DateTime, Utc};
use tandem_domain::measures::{self, Measure};
use tandem_domain::refusal::Code;
use tandem_domain::{Action, UserKind};
use tandem_store::couples::CoupleRow;
use tandem_store::measures::{self as store, AssignmentRow, ResponseRow};
use tandem_store::{AnyConnection, Page, PageRequest, ids, time};

use crate::access;
use crate::audit::{self, Event};
use crate::context::Ctx;
use crate::error::{Error, Result};
use crate::measures::{measure_of, refresh_facts, schedule_of};

/// A checked response, ready to be written.
#[derive(Debug, Clone)]
pub struct PreparedResponse {
    row: ResponseRow,
    assignment: AssignmentRow,
    couple: CoupleRow,
    event: Event,
    critical_event: Event,
    now: DateTime<Utc>,
}

/// A written response, with the practice's crisis notice when an answer was critical.
#[derive(Debug, Clone)]
pub struct RecordedResponse {
    pub row: ResponseRow,
    pub measure: Measure,
    pub critical_items: Vec<usize>,
    pub crisis_notice: Option<String>,
}

fn not_due() -> Error {
    Error::refused(Code::MeasureNotDue, "this questionnaire is not waiting for an answer now")
}

/// Whether the assignment is open and waiting for `partner`, with the assignment locked
/// for the caller's transaction: two concurrent answers are checked one after the other,
/// so only one of them lands.
fn require_due(conn: &mut AnyConnection, a: &AssignmentRow, partner: &str, now: DateTime<Utc>) -> Result<()> {
    tandem_store::per_backend::lock_measure_assignment(conn, &a.id).map_err(tandem_store::StoreError::from)?;
    let last = store::last_answers(conn, &[a.id.as_str()])?
        .into_iter()
        .find(|(_, r, _)| r == partner)
        .map(|(_, _, t)| time::from_db(t));
    if a.ended_at.is_some() || !measures::is_due(&schedule_of(a), last, now) { Err(not_due()) } else { Ok(()) }
}

/// Checks a partner's answers to an assignment of theirs: the assignment must be this
/// couple's and ask this partner (else 404: someone else's assignment does not exist for
/// them), every answer present and in range (422 naming each), the couple in treatment
/// (409); [`record`] then refuses a measure not due (409).
pub fn prepare(cx: &Ctx, couple_id: &str, assignment_id: &str, answers: Vec<Option<i32>>) -> Result<PreparedResponse> {
    let couple = access::load_couple(cx, couple_id, Action::PartnerAnswer)?.couple;
    if !ids::is_valid(assignment_id) {
        return Err(Error::NotFound);
    }
    let me = cx.actor.user_id.clone();
    let assignment = cx.read(|conn| Ok(store::find_assignment(conn, assignment_id)?))?;
    let Some(assignment) = assignment.filter(|a| a.couple_id == couple.id && a.is_for(&me)) else {
        return Err(Error::NotFound);
    };
    let measure = measure_of(&assignment.measure)?;
    let scored = measures::score(measure, &answers).map_err(Error::Invalid)?;
    access::require_in_treatment(&couple)?;
    // Whether it is due is checked when writing (`record`), inside the idempotency claim's
    // transaction: a replay of an answer already given must still get its first answer.
    let values: Vec<i32> = answers.into_iter().flatten().collect();
    let row = ResponseRow {
        id: ids::new_id(),
        practice_id: couple.practice_id.clone(),
        couple_id: couple.id.clone(),
        assignment_id: assignment.id.clone(),
        measure: measure.as_str().to_owned(),
        respondent_id: me,
        answers: serde_json::to_string(&values).unwrap_or_else(|_| "[]".into()),
        score: scored.total,
        band: scored.band.as_str().to_owned(),
        critical: scored.critical(),
        acknowledged_at: None,
        acknowledged_by: None,
        acknowledgement_note: None,
        created_at: time::to_db(cx.now),
    };
    let event = cx.event("measure_response.create", "measure_response", &row.id, &couple.id);
    let critical_event = cx.event("measure_response.critical", "measure_response", &row.id, &couple.id);
    Ok(PreparedResponse { row, assignment, couple, event, critical_event, now: cx.now })
}

/// Writes a prepared response in the caller's transaction. A critical answer queues the
/// discreet alert to each of the couple's clinicians in the same transaction (exactly
/// once) and the answer carries the practice's crisis notice.
pub fn record(conn: &mut AnyConnection, p: PreparedResponse) -> Result<RecordedResponse> {
    let PreparedResponse { row, assignment, couple, event, critical_event, now } = p;
    require_due(conn, &assignment, &row.respondent_id, now)?;
    store::insert_response(conn, &row)?;
    audit::record(conn, event)?;
    if row.critical {
        tandem_notification::outbox::alert_clinicians(conn, &couple.practice_id, &couple.id, now)?;
        audit::record(conn, critical_event)?;
    }
    refresh_facts(conn, &couple)?;
    let measure = measure_of(&row.measure)?;
    let critical_items = measures::score(measure, &row.answer_values().into_iter().map(Some).collect::<Vec<_>>())
        .map(|s| s.critical_items)
        .unwrap_or_default();
    let crisis_notice = if row.critical { Some(access::practice_notice(conn, &couple.practice_id)?) } else { None };
    Ok(RecordedResponse { row, measure, critical_items, crisis_notice })
}

/// A page of the couple's responses, newest first (audited): a partner gets only their
/// own, a clinician everyone's.
pub fn list(cx: &Ctx, couple_id: &str, page: &PageRequest) -> Result<Page<ResponseRow>> {
    let couple = access::load_couple(cx, couple_id, Action::ReadClinical)?.couple;
    let own = (cx.actor.kind == UserKind::Client).then(|| cx.actor.user_id.clone());
    let rows = cx.read(|conn| Ok(store::list_responses(conn, &couple.id, own.as_deref(), page)?))?;
    cx.audit_read(cx.event("measure_response.list", "measure_response", &couple.id, &couple.id));
    Ok(rows)
}

/// The most characters an acknowledgement note holds.
pub const NOTE_MAX: usize = 2000;

/// A clinician of the couple acknowledges a critical answer with a note: the couple's
/// `critical_item` flag clears once none is left. The plan is untouched (the clinician
/// decides what follows). Allowed for a discharged couple too: safety is never blocked.
pub fn acknowledge(
    cx: &Ctx,
    couple_id: &str,
    assignment_id: &str,
    response_id: &str,
    note: &str,
) -> Result<ResponseRow> {
    let couple = access::load_couple(cx, couple_id, Action::WriteClinical)?.couple;
    if !ids::is_valid(response_id) {
        return Err(Error::NotFound);
    }
    let note = note.trim();
    if note.is_empty() {
        return Err(Error::invalid("note", "must not be empty"));
    }
    if note.chars().count() > NOTE_MAX {
        return Err(Error::invalid("note", format!("must be at most {NOTE_MAX} characters")));
    }
    let event = cx.event("measure_response.acknowledge", "measure_response", response_id, &couple.id);
    cx.write(|conn| {
        let found = store::find_response(conn, response_id)?
            .filter(|r| r.couple_id == couple.id && r.assignment_id == assignment_id);
        if found.is_none() {
            return Err(Error::NotFound);
        }
        if !store::acknowledge(conn, response_id, &cx.actor.user_id, note, cx.now)? {
            return Err(Error::refused(Code::NothingToAcknowledge, "this response has no critical answer waiting"));
        }
        audit::record(conn, event)?;
        refresh_facts(conn, &couple)?;
        store::find_response(conn, response_id)?.ok_or(Error::NotFound)
    })
}
