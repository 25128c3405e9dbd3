//! Reconnect windows (docs/reconnect-windows.md): a partner proposes a weekly time, the
//! other accepts, either calls off one occurrence or the whole window without a reason
//! (and nothing records who), and after each occurrence each partner checks in.
//!
//! Creating a window or a check-in is two parts, like reports: `prepare_*` checks access,
//! fields and rules before any write; `record_*` writes in the caller's transaction (the
//! HTTP edge's idempotency claim).

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use tandem_domain::Action;
use tandem_domain::reconnect::{self, Accept, CANCEL_AHEAD_DAYS, MAX_MINUTES, MIN_MINUTES, Window, WindowStatus};
use tandem_domain::refusal::{Code, Refusal};
use tandem_domain::validation::{FieldError, check_text, check_time_zone, one_of};
use tandem_domain::vocabulary::EntryVisibility;
use tandem_notification::outbox::{DAYS, reconnect_window};
use tandem_store::couples::CoupleRow;
use tandem_store::reconnect_windows::{self as store, SkipRow};
use tandem_store::{AnyConnection, Page, PageRequest, StoreError, ids, time, users};

/// The stored rows, for adapters that render them.
pub use tandem_store::reconnect_windows::{CheckInRow, WindowRow};

use crate::access;
use crate::audit::{self, Event};
use crate::context::Ctx;
use crate::error::{Error, Result};

/// How many coming occurrences a window shows.
pub const UPCOMING: usize = 4;

/// A window as a reader sees it: its schedule and status, and the next occurrences with
/// whether each is off. Never who called anything off.
#[derive(Debug, Clone)]
pub struct WindowView {
    pub row: WindowRow,
    /// The next occurrences (local dates) and whether each is off.
    pub upcoming: Vec<(NaiveDate, DateTime<Utc>, bool)>,
}

fn view(row: WindowRow, skips: &[String], now: DateTime<Utc>) -> Result<WindowView> {
    let window = rules(&row, skips)?;
    let upcoming = window
        .schedule
        .upcoming(now, UPCOMING)
        .into_iter()
        .filter_map(|d| Some((d, window.schedule.starts(d)?, window.is_off(d))))
        .collect();
    Ok(WindowView { row, upcoming })
}

fn rules(row: &WindowRow, skips: &[String]) -> Result<Window> {
    reconnect_window(row, skips).ok_or_else(|| StoreError::Corrupt(format!("reconnect window {}", row.id)).into())
}

fn refused(r: Refusal) -> Error {
    Error::Refused(vec![r])
}

/// A proposed window, as a partner sends it.
#[derive(Debug, Clone)]
pub struct NewWindow {
    /// `mon` … `sun`.
    pub weekday: String,
    /// Local `HH:MM`.
    pub start_time: String,
    pub duration_minutes: i32,
    /// IANA zone; `None`: the proposing partner's own.
    pub time_zone: Option<String>,
}

/// A checked proposal, ready to be written.
#[derive(Debug, Clone)]
pub struct PreparedWindow {
    row: WindowRow,
    event: Event,
    now: DateTime<Utc>,
}

/// Checks a partner's proposal: every field (all problems at once), then that the couple
/// is in treatment. The time zone defaults to the proposing partner's own.
pub fn prepare_propose(cx: &Ctx, couple_id: &str, input: NewWindow) -> Result<PreparedWindow> {
    let couple = access::load_couple(cx, couple_id, Action::PartnerAnswer)?.couple;
    let mut errors = Vec::new();
    if !DAYS.iter().any(|(n, _)| *n == input.weekday) {
        errors.push(FieldError::new("weekday", "must be one of: mon, tue, wed, thu, fri, sat, sun"));
    }
    let start = NaiveTime::parse_from_str(&input.start_time, "%H:%M")
        .ok()
        .filter(|_| input.start_time.len() == 5)
        .map(|t| t.format("%H:%M").to_string());
    if start.is_none() {
        errors.push(FieldError::new("start_time", "must be a local time HH:MM"));
    }
    let (min, max) = (i64::from(MIN_MINUTES), i64::from(MAX_MINUTES));
    if !(min..=max).contains(&i64::from(input.duration_minutes)) {
        errors.push(FieldError::new("duration_minutes", format!("must be between {min} and {max}")));
    }
    let time_zone = match input.time_zone {
        Some(tz) => {
            if let Err(m) = check_time_zone(&tz) {
                errors.push(FieldError::new("time_zone", m));
            }
            tz
        }
        None => cx.read(|conn| Ok(users::find(conn, &cx.actor.user_id)?.ok_or(Error::NotFound)?.time_zone))?,
    };
    let Some(start_time) = start.filter(|_| errors.is_empty()) else { return Err(Error::Invalid(errors)) };
    access::require_in_treatment(&couple)?;
    let row = WindowRow {
        id: ids::new_id(),
        practice_id: couple.practice_id.clone(),
        couple_id: couple.id.clone(),
        proposed_by: cx.actor.user_id.clone(),
        weekday: input.weekday,
        start_time,
        duration_minutes: input.duration_minutes,
        time_zone,
        status: WindowStatus::Proposed.as_str().to_owned(),
        created_at: time::to_db(cx.now),
        accepted_at: None,
        cancelled_at: None,
    };
    let event = cx.event("reconnect_window.propose", "reconnect_window", &row.id, &couple.id);
    Ok(PreparedWindow { row, event, now: cx.now })
}

/// Writes a prepared proposal in the caller's transaction.
pub fn record_propose(conn: &mut AnyConnection, p: PreparedWindow) -> Result<WindowView> {
    store::insert(conn, &p.row)?;
    audit::record(conn, p.event)?;
    view(p.row, &[], p.now)
}

/// Loads a window of this couple with the occurrences called off (inside the caller's
/// transaction, so a decision reads what it changes).
fn load(conn: &mut AnyConnection, couple: &CoupleRow, window_id: &str) -> Result<(WindowRow, Vec<String>)> {
    let row = store::find(conn, window_id)?.filter(|w| w.couple_id == couple.id).ok_or(Error::NotFound)?;
    let skips = store::skips_of(conn, &[row.id.as_str()], None)?.remove(&row.id).unwrap_or_default();
    Ok((row, skips))
}

/// Accepts a proposed window (only the partner who did not propose it); it is active from
/// now. Accepting again changes nothing.
pub fn accept(cx: &Ctx, couple_id: &str, window_id: &str) -> Result<WindowView> {
    let couple = access::load_couple(cx, couple_id, Action::PartnerAnswer)?.couple;
    if !ids::is_valid(window_id) {
        return Err(Error::NotFound);
    }
    access::require_in_treatment(&couple)?;
    cx.write(|conn| {
        let (row, skips) = load(conn, &couple, window_id)?;
        if rules(&row, &skips)?.accept(&cx.actor.user_id).map_err(refused)? == Accept::Activate {
            store::activate(conn, &row.id, cx.now)?;
            audit::record(conn, cx.event("reconnect_window.accept", "reconnect_window", &row.id, &couple.id))?;
        }
        let row = store::find(conn, &row.id)?.ok_or(Error::NotFound)?;
        view(row, &skips, cx.now)
    })
}

/// Calls off one occurrence (`occurrence_date`, a local date of the window) or, without
/// one, the whole window. Either partner; no reason asked, and nothing a reader sees says
/// who (only the admin-only audit log knows). Calling off again changes nothing.
pub fn cancel(cx: &Ctx, couple_id: &str, window_id: &str, occurrence_date: Option<&str>) -> Result<WindowView> {
    let couple = access::load_couple(cx, couple_id, Action::PartnerAnswer)?.couple;
    if !ids::is_valid(window_id) {
        return Err(Error::NotFound);
    }
    let date = occurrence_date.map(|d| parse_date("occurrence_date", d)).transpose()?;
    if date.is_some_and(|d| d > cx.now.date_naive() + Duration::days(CANCEL_AHEAD_DAYS)) {
        return Err(Error::invalid("occurrence_date", format!("must be within {CANCEL_AHEAD_DAYS} days")));
    }
    cx.write(|conn| {
        let (row, mut skips) = load(conn, &couple, window_id)?;
        let window = rules(&row, &skips)?;
        match date {
            Some(date) if window.cancel_occurrence(date, cx.now).map_err(refused)? => {
                let skip = SkipRow {
                    window_id: row.id.clone(),
                    occurrence_date: date.to_string(),
                    practice_id: couple.practice_id.clone(),
                    couple_id: couple.id.clone(),
                    created_at: time::to_db(cx.now),
                };
                store::skip(conn, &skip)?;
                skips.push(date.to_string());
                let event = cx.event("reconnect_window.cancel_occurrence", "reconnect_window", &row.id, &couple.id);
                audit::record(conn, event)?;
            }
            None if window.cancel() => {
                store::cancel(conn, &row.id, cx.now)?;
                audit::record(conn, cx.event("reconnect_window.cancel", "reconnect_window", &row.id, &couple.id))?;
            }
            Some(_) | None => {}
        }
        let row = store::find(conn, &row.id)?.ok_or(Error::NotFound)?;
        view(row, &skips, cx.now)
    })
}

fn parse_date(field: &str, s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| Error::invalid(field, "must be a date YYYY-MM-DD"))
}

/// A page of the couple's windows, newest first (partners and the couple's clinicians;
/// audited).
pub fn list(cx: &Ctx, couple_id: &str, page: &PageRequest) -> Result<Page<WindowView>> {
    let couple = access::load_couple(cx, couple_id, Action::ReadClinical)?.couple;
    let (rows, mut skips) = cx.read(|conn| {
        let rows = store::list(conn, &couple.id, page)?;
        let ids: Vec<&str> = rows.items.iter().map(|w| w.id.as_str()).collect();
        let skips = store::skips_of(conn, &ids, None)?;
        Ok((rows, skips))
    })?;
    let items = rows
        .items
        .into_iter()
        .map(|row| {
            let off = skips.remove(&row.id).unwrap_or_default();
            view(row, &off, cx.now)
        })
        .collect::<Result<Vec<_>>>()?;
    cx.audit_read(cx.event("reconnect_window.list", "reconnect_window", &couple.id, &couple.id));
    Ok(Page { items, next_after: rows.next_after })
}

/// A partner's check-in after one occurrence.
#[derive(Debug, Clone)]
pub struct NewCheckIn {
    /// Local `YYYY-MM-DD` of the occurrence.
    pub occurrence_date: String,
    pub closeness: i32,
    pub safety: i32,
    pub note: Option<String>,
    /// `private`, `clinician` or `shared`.
    pub visibility: String,
}

/// A checked check-in, ready to be written.
#[derive(Debug, Clone)]
pub struct PreparedCheckIn {
    row: CheckInRow,
    event: Event,
    now: DateTime<Utc>,
}

/// The largest note.
pub const MAX_NOTE: usize = 2000;

/// Checks a partner's check-in: every field, then that the couple is in treatment and
/// that the occurrence took place and ended, and that the partner has not answered it.
pub fn prepare_check_in(cx: &Ctx, couple_id: &str, window_id: &str, input: NewCheckIn) -> Result<PreparedCheckIn> {
    let couple = access::load_couple(cx, couple_id, Action::PartnerAnswer)?.couple;
    if !ids::is_valid(window_id) {
        return Err(Error::NotFound);
    }
    let mut errors = Vec::new();
    let date = NaiveDate::parse_from_str(&input.occurrence_date, "%Y-%m-%d")
        .map_err(|_| errors.push(FieldError::new("occurrence_date", "must be a date YYYY-MM-DD")))
        .ok();
    for (field, v) in [("closeness", input.closeness), ("safety", input.safety)] {
        if !(0..=10).contains(&v) {
            errors.push(FieldError::new(field, "must be between 0 and 10"));
        }
    }
    let visibility = one_of("visibility", &input.visibility, EntryVisibility::ALL, EntryVisibility::as_str)
        .map_err(|e| errors.push(e))
        .ok();
    let note = input.note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    if let Some(n) = &note {
        if n.chars().count() > MAX_NOTE {
            errors.push(FieldError::new("note", format!("must be at most {MAX_NOTE} characters")));
        } else if let Err(m) = check_text(n) {
            errors.push(FieldError::new("note", m));
        }
    }
    let (Some(date), Some(visibility), true) = (date, visibility, errors.is_empty()) else {
        return Err(Error::Invalid(errors));
    };
    access::require_in_treatment(&couple)?;
    let row = CheckInRow {
        id: ids::new_id(),
        practice_id: couple.practice_id.clone(),
        couple_id: couple.id.clone(),
        window_id: window_id.to_owned(),
        occurrence_date: date.to_string(),
        author_id: cx.actor.user_id.clone(),
        closeness: input.closeness,
        safety: input.safety,
        note,
        visibility: visibility.as_str().to_owned(),
        created_at: time::to_db(cx.now),
    };
    // Whether the partner already answered is checked on write only, so a retry with the
    // same `Idempotency-Key` reaches the replay of its first answer.
    cx.read(|conn| occurrence_rules(conn, &couple, &row, cx.now))?;
    let event = cx.event("reconnect_check_in.create", "reconnect_check_in", &row.id, &couple.id);
    Ok(PreparedCheckIn { row, event, now: cx.now })
}

fn occurrence_rules(conn: &mut AnyConnection, couple: &CoupleRow, row: &CheckInRow, now: DateTime<Utc>) -> Result<()> {
    let (window, skips) = load(conn, couple, &row.window_id)?;
    let date: NaiveDate = row.occurrence_date.parse().map_err(|_| Error::NotFound)?;
    rules(&window, &skips)?.check_in_allowed(date, now).map_err(refused)
}

fn check_in_rules(conn: &mut AnyConnection, couple: &CoupleRow, row: &CheckInRow, now: DateTime<Utc>) -> Result<()> {
    occurrence_rules(conn, couple, row, now)?;
    if store::has_check_in(conn, &row.window_id, &row.author_id, &row.occurrence_date)? {
        return Err(already_answered());
    }
    Ok(())
}

fn already_answered() -> Error {
    Error::refused(Code::AlreadyExists, "you already checked in for this occurrence")
}

/// Writes a prepared check-in in the caller's transaction, after checking the rules again
/// there. It touches nothing the other partner reads (no summary, no window), so a private
/// check-in leaves their views unchanged.
pub fn record_check_in(conn: &mut AnyConnection, p: PreparedCheckIn) -> Result<CheckInRow> {
    let couple = tandem_store::couples::find(conn, &p.row.couple_id)?.ok_or(Error::NotFound)?;
    check_in_rules(conn, &couple, &p.row, p.now)?;
    store::insert_check_in(conn, &p.row).map_err(|e| match e {
        StoreError::Conflict(_) => already_answered(),
        e => e.into(),
    })?;
    audit::record(conn, p.event)?;
    Ok(p.row)
}

/// One occurrence waiting for the partner's check-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckInDue {
    pub window_id: String,
    pub occurrence_date: NaiveDate,
}

/// The check-ins `me` owes (the agenda): occurrences of the couple's windows that took
/// place and ended in the last week, minus those `me` answered. The other partner's
/// answers play no part.
pub fn check_ins_due(
    conn: &mut AnyConnection,
    couple_id: &str,
    me: &str,
    now: DateTime<Utc>,
) -> Result<Vec<CheckInDue>> {
    let windows: Vec<WindowRow> = store::all_of_couple(conn, couple_id)?
        .into_iter()
        .filter(|w| w.status != WindowStatus::Proposed.as_str())
        .collect();
    if windows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<&str> = windows.iter().map(|w| w.id.as_str()).collect();
    let from = (now - Duration::days(reconnect::CHECK_IN_DAYS + 2)).date_naive().to_string();
    let skips = store::skips_of(conn, &ids, Some(&from))?;
    let answered = store::answered_by(conn, &ids, me)?;
    let mut out = Vec::new();
    for row in &windows {
        let window = rules(row, skips.get(&row.id).map(Vec::as_slice).unwrap_or_default())?;
        let mine: Vec<NaiveDate> = answered.get(&row.id).into_iter().flatten().filter_map(|d| d.parse().ok()).collect();
        for occurrence_date in window.check_ins_due(now, &mine) {
            out.push(CheckInDue { window_id: row.id.clone(), occurrence_date });
        }
    }
    Ok(out)
}

/// One partner's reconnect check-ins as a reader may see them, summed up.
#[derive(Debug, Clone, PartialEq)]
pub struct PartnerFigures {
    pub partner_id: String,
    pub check_ins: usize,
    pub closeness_mean: Option<f64>,
    pub safety_mean: Option<f64>,
    pub closeness_last: Option<i32>,
    pub safety_last: Option<i32>,
}

/// Per partner, the reconnect check-ins `reader` may see (a partner: their own and the
/// other's shared; a clinician: clinician and shared, never private).
pub fn figures(
    conn: &mut AnyConnection,
    couple: &CoupleRow,
    reader: &tandem_store::records::Reader,
) -> Result<Vec<PartnerFigures>> {
    let rows = store::check_ins_of_couple(conn, &couple.id, reader)?;
    let mut by: HashMap<&str, Vec<&CheckInRow>> = HashMap::new();
    for r in &rows {
        by.entry(r.author_id.as_str()).or_default().push(r);
    }
    let mean = |xs: &[i32]| (!xs.is_empty()).then(|| xs.iter().map(|x| f64::from(*x)).sum::<f64>() / xs.len() as f64);
    Ok(couple
        .partner_ids()
        .iter()
        .map(|p| {
            let mine = by.get(p).map(Vec::as_slice).unwrap_or_default();
            let closeness: Vec<i32> = mine.iter().map(|r| r.closeness).collect();
            let safety: Vec<i32> = mine.iter().map(|r| r.safety).collect();
            PartnerFigures {
                partner_id: (*p).to_owned(),
                check_ins: mine.len(),
                closeness_mean: mean(&closeness),
                safety_mean: mean(&safety),
                closeness_last: closeness.last().copied(),
                safety_last: safety.last().copied(),
            }
        })
        .collect())
}
