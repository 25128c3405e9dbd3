//! Scored measures (docs/measures.md): clinicians assign a questionnaire to one or both
//! partners, once or every N weeks; what is due for whom; the caseload summary's measure
//! facts; the per-partner trends of the review. Responses live in
//! [`crate::measure_responses`].

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use tandem_domain::measures::{self, Band, Measure, Schedule, Trend};
use tandem_domain::validation::{FieldError, one_of};
use tandem_domain::{Action, UserKind};
use tandem_store::couples::CoupleRow;
use tandem_store::measures::{self as store, AssignmentRow, MeasureFacts, ResponseRow};
use tandem_store::{AnyConnection, ids, time};

use crate::access;
use crate::audit;
use crate::context::Ctx;
use crate::error::{Error, Result};

/// A new assignment, as a clinician asks for it.
#[derive(Debug, Clone)]
pub struct NewAssignment {
    pub measure: String,
    /// `None`: both partners.
    pub partner_id: Option<String>,
    /// `None`: once.
    pub every_weeks: Option<i32>,
    /// `None`: now.
    pub starts_at: Option<DateTime<Utc>>,
}

/// One partner's standing on an assignment.
#[derive(Debug, Clone)]
pub struct PartnerDue {
    pub partner_id: String,
    /// When their next unanswered occurrence is (or was) due; `None`: nothing more to answer.
    pub next_due_at: Option<DateTime<Utc>>,
    /// Waiting for them now.
    pub due: bool,
}

/// An assignment and where the partners the caller may see stand on it.
#[derive(Debug, Clone)]
pub struct AssignmentStatus {
    pub row: AssignmentRow,
    /// Clinicians: every partner the assignment asks; a partner: only themself.
    pub partners: Vec<PartnerDue>,
}

/// The schedule an assignment row stands for.
#[must_use]
pub fn schedule_of(a: &AssignmentRow) -> Schedule {
    a.schedule()
}

/// The measure of a stored row (written by us, so unknown text is corruption).
pub fn measure_of(text: &str) -> Result<Measure> {
    Measure::parse(text).ok_or_else(|| Error::from(tandem_store::StoreError::Corrupt(format!("measure {text:?}"))))
}

/// The partners an assignment asks to answer.
fn asked<'a>(a: &AssignmentRow, couple: &'a CoupleRow) -> Vec<&'a str> {
    couple.partner_ids().into_iter().filter(|p| a.is_for(p)).collect()
}

/// Each partner's latest answer per assignment.
fn last_answers(conn: &mut AnyConnection, rows: &[AssignmentRow]) -> Result<HashMap<(String, String), DateTime<Utc>>> {
    let ids: Vec<&str> = rows.iter().map(|a| a.id.as_str()).collect();
    Ok(store::last_answers(conn, &ids)?.into_iter().map(|(a, r, t)| ((a, r), time::from_db(t))).collect())
}

fn status_of(
    a: AssignmentRow,
    partners: &[&str],
    last: &HashMap<(String, String), DateTime<Utc>>,
    now: DateTime<Utc>,
) -> AssignmentStatus {
    let schedule = schedule_of(&a);
    let partners = partners
        .iter()
        .map(|p| {
            let answered = last.get(&(a.id.clone(), (*p).to_owned())).copied();
            let next_due_at = schedule.next_due(answered);
            PartnerDue { partner_id: (*p).to_owned(), next_due_at, due: next_due_at.is_some_and(|d| d <= now) }
        })
        .collect();
    AssignmentStatus { row: a, partners }
}

/// The measures waiting for `partner` now (their agenda), oldest assignment first. Only
/// their own answers count: the other partner's never change it.
pub fn due_for(
    conn: &mut AnyConnection,
    couple: &CoupleRow,
    partner: &str,
    now: DateTime<Utc>,
) -> Result<Vec<AssignmentRow>> {
    let rows = store::open_assignments(conn, &couple.id, Some(partner))?;
    let last = last_answers(conn, &rows)?;
    Ok(rows
        .into_iter()
        .filter(|a| measures::is_due(&schedule_of(a), last.get(&(a.id.clone(), partner.to_owned())).copied(), now))
        .collect())
}

/// Recomputes the couple's measure facts for the caseload (in the caller's transaction):
/// unacknowledged critical answers, whether any partner's latest band on a measure is
/// worse than their one before, and the earliest open occurrence's due time.
pub fn refresh_facts(conn: &mut AnyConnection, couple: &CoupleRow) -> Result<()> {
    let responses = store::all_responses(conn, &couple.id, None)?;
    let critical_items = i32::try_from(responses.iter().filter(|r| r.critical && r.acknowledged_at.is_none()).count())
        .unwrap_or(i32::MAX);
    let mut bands: HashMap<(&str, &str), Vec<Band>> = HashMap::new();
    for r in &responses {
        if let Some(band) = Band::parse(&r.band) {
            bands.entry((r.respondent_id.as_str(), r.measure.as_str())).or_default().push(band);
        }
    }
    let worsened =
        bands.values().any(|b| matches!(b.as_slice(), [.., before, latest] if measures::worsened(*before, *latest)));
    let open = store::open_assignments(conn, &couple.id, None)?;
    let last = last_answers(conn, &open)?;
    let due_since = open
        .iter()
        .flat_map(|a| {
            let schedule = schedule_of(a);
            asked(a, couple)
                .into_iter()
                .filter_map(|p| schedule.next_due(last.get(&(a.id.clone(), p.to_owned())).copied()))
                .collect::<Vec<_>>()
        })
        .min()
        .map(time::to_db);
    store::set_summary_facts(conn, &couple.id, &MeasureFacts { critical_items, worsened, due_since })?;
    Ok(())
}

/// Assigns a measure to one or both partners, once or every N weeks (clinicians of the
/// couple). Every field is checked at once: the measure, a partner of this couple, 1 to
/// 52 weeks, a start from a day back to a year ahead.
pub fn assign(cx: &Ctx, couple_id: &str, input: NewAssignment) -> Result<AssignmentStatus> {
    let couple = access::load_couple(cx, couple_id, Action::WriteClinical)?.couple;
    let mut errors = Vec::new();
    let measure = one_of("measure", &input.measure, Measure::ALL, Measure::as_str).map_err(|e| errors.push(e)).ok();
    if input.partner_id.as_deref().is_some_and(|p| !couple.has_partner(p)) {
        errors.push(FieldError::new("partner_id", "is not a partner of this couple"));
    }
    let max = i32::try_from(measures::MAX_EVERY_WEEKS).unwrap_or(52);
    if input.every_weeks.is_some_and(|w| !(1..=max).contains(&w)) {
        errors.push(FieldError::new("every_weeks", format!("must be between 1 and {max}")));
    }
    let starts_at = input.starts_at.map_or(cx.now, tandem_domain::clock::truncate);
    if starts_at < cx.now - Duration::days(1) || starts_at > cx.now + Duration::days(365) {
        errors.push(FieldError::new("starts_at", "must be between a day ago and a year ahead"));
    }
    let (Some(measure), true) = (measure, errors.is_empty()) else { return Err(Error::Invalid(errors)) };
    access::require_in_treatment(&couple)?;
    let row = AssignmentRow {
        id: ids::new_id(),
        practice_id: couple.practice_id.clone(),
        couple_id: couple.id.clone(),
        measure: measure.as_str().to_owned(),
        partner_id: input.partner_id,
        every_weeks: input.every_weeks,
        starts_at: time::to_db(starts_at),
        created_by: cx.actor.user_id.clone(),
        created_at: time::to_db(cx.now),
        ended_at: None,
        ended_by: None,
    };
    let event = cx.event("measure_assignment.create", "measure_assignment", &row.id, &couple.id);
    cx.write(|conn| {
        store::insert_assignment(conn, &row)?;
        audit::record(conn, event)?;
        refresh_facts(conn, &couple)?;
        Ok(())
    })?;
    let partners = asked(&row, &couple);
    Ok(status_of(row, &partners, &HashMap::new(), cx.now))
}

/// The couple's open assignments (audited). Clinicians see each asked partner's standing;
/// a partner sees only the assignments that ask them, with only their own standing.
pub fn list(cx: &Ctx, couple_id: &str) -> Result<Vec<AssignmentStatus>> {
    let couple = access::load_couple(cx, couple_id, Action::ReadClinical)?.couple;
    let me = (cx.actor.kind == UserKind::Client).then(|| cx.actor.user_id.clone());
    let out = cx.read(|conn| {
        let rows = store::open_assignments(conn, &couple.id, me.as_deref())?;
        let last = last_answers(conn, &rows)?;
        Ok(rows
            .into_iter()
            .map(|a| {
                let partners = match &me {
                    Some(me) => vec![me.as_str()],
                    None => asked(&a, &couple),
                };
                status_of(a, &partners, &last, cx.now)
            })
            .collect())
    })?;
    cx.audit_read(cx.event("measure_assignment.list", "measure_assignment", &couple.id, &couple.id));
    Ok(out)
}

/// Ends an assignment (clinicians): it leaves the agenda and the reminders; its responses
/// stay in the record.
pub fn end(cx: &Ctx, couple_id: &str, assignment_id: &str) -> Result<()> {
    let couple = access::load_couple(cx, couple_id, Action::WriteClinical)?.couple;
    if !ids::is_valid(assignment_id) {
        return Err(Error::NotFound);
    }
    let event = cx.event("measure_assignment.end", "measure_assignment", assignment_id, &couple.id);
    cx.write(|conn| {
        let found = store::find_assignment(conn, assignment_id)?;
        if found.is_none_or(|a| a.couple_id != couple.id)
            || !store::end_assignment(conn, assignment_id, &cx.actor.user_id, cx.now)?
        {
            return Err(Error::NotFound);
        }
        audit::record(conn, event)?;
        refresh_facts(conn, &couple)?;
        Ok(())
    })
}

/// One partner's scores on one measure, for the review.
#[derive(Debug, Clone)]
pub struct MeasureTrend {
    pub partner_id: String,
    pub measure: Measure,
    pub responses: usize,
    pub first_score: i32,
    pub first_band: Band,
    pub first_at: DateTime<Utc>,
    pub last_score: i32,
    pub last_band: Band,
    pub last_at: DateTime<Utc>,
    pub trend: Trend,
}

/// Per partner and measure: first and latest score and band, and the trend between them,
/// from `responses` oldest first.
#[must_use]
pub fn trends(responses: &[ResponseRow], partners: [&str; 2]) -> Vec<MeasureTrend> {
    let mut out = Vec::new();
    for partner in partners {
        for &measure in Measure::ALL {
            let mine: Vec<&ResponseRow> =
                responses.iter().filter(|r| r.respondent_id == partner && r.measure == measure.as_str()).collect();
            let (Some(first), Some(last)) = (mine.first(), mine.last()) else { continue };
            let (Some(first_band), Some(last_band)) = (Band::parse(&first.band), Band::parse(&last.band)) else {
                continue;
            };
            out.push(MeasureTrend {
                partner_id: partner.to_owned(),
                measure,
                responses: mine.len(),
                first_score: first.score,
                first_band,
                first_at: time::from_db(first.created_at),
                last_score: last.score,
                last_band,
                last_at: time::from_db(last.created_at),
                trend: measures::trend(first_band, last_band),
            });
        }
    }
    out
}
