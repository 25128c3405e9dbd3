//! Reminder preferences (partners) and one-click unsubscribe.

use chrono::NaiveTime;
use tandem_domain::UserKind;
use tandem_domain::reminders::ReminderKind;
use tandem_domain::validation::{FieldError, check_time_zone};
use tandem_notification::outbox::{UnsubscribeSigner, preferences_of};
use tandem_store::outbox;
use tandem_store::preferences::{self, PreferencesRow};
use tandem_store::time;
use tandem_store::users::{self, UserChanges};

/// A client's preferences as the scheduler reads them, and the weekday names.
pub use tandem_domain::reminders::Preferences;
pub use tandem_notification::outbox::DAYS;

use crate::audit::{self, Event};
use crate::context::{Ctx, Env};
use crate::error::{Error, Result};

/// Preferences as a partner sets them: times as `HH:MM`, days as `mon` … `sun`.
#[derive(Debug, Clone)]
pub struct PreferencesInput {
    pub exercise_reminders: bool,
    pub daily_check_in: bool,
    pub agreement_review: bool,
    pub inactivity_nudge: bool,
    /// "A short questionnaire is waiting" reminders.
    pub measure_reminders: bool,
    /// Before each occurrence of an agreed reconnect window.
    pub reconnect_window: bool,
    /// IANA time zone (also the account's).
    pub time_zone: String,
    pub preferred_time: String,
    pub days: Vec<String>,
    /// Start and end, local time.
    pub quiet_hours: Option<(String, String)>,
}

fn clients_only(cx: &Ctx) -> Result<()> {
    if cx.actor.kind == UserKind::Client { Ok(()) } else { Err(Error::Forbidden) }
}

fn hhmm(t: NaiveTime) -> String {
    t.format("%H:%M").to_string()
}

fn day_names(p: &Preferences) -> Vec<String> {
    p.days.iter().filter_map(|d| DAYS.iter().find(|(_, w)| w == d).map(|(n, _)| (*n).to_owned())).collect()
}

fn days_json(days: &[String]) -> String {
    serde_json::to_string(days).unwrap_or_else(|_| "[]".into())
}

/// The caller's preferences, or the defaults (partners only).
pub fn get(cx: &Ctx) -> Result<Preferences> {
    clients_only(cx)?;
    cx.read(|conn| Ok(preferences_of(conn, &cx.actor.user_id)?))
}

fn parse_time(field: &str, s: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    match NaiveTime::parse_from_str(s, "%H:%M") {
        Ok(t) => Some(hhmm(t)),
        Err(_) => {
            errors.push(FieldError::new(field, "must be a local time HH:MM"));
            None
        }
    }
}

/// Replaces the caller's preferences (partners only); switching a kind off cancels its
/// queued reminders.
pub fn put(cx: &Ctx, input: PreferencesInput) -> Result<Preferences> {
    clients_only(cx)?;
    let mut errors = Vec::new();
    if let Err(m) = check_time_zone(&input.time_zone) {
        errors.push(FieldError::new("time_zone", m));
    }
    let preferred = parse_time("preferred_time", &input.preferred_time, &mut errors);
    let quiet = input.quiet_hours.as_ref().map(|(start, end)| {
        (parse_time("quiet_hours.start", start, &mut errors), parse_time("quiet_hours.end", end, &mut errors))
    });
    let mut days = Vec::new();
    for d in &input.days {
        if DAYS.iter().any(|(n, _)| n == d) {
            if days.contains(d) {
                errors.push(FieldError::new("days", format!("{d:?} is listed twice; list each day once")));
            } else {
                days.push(d.clone());
            }
        } else {
            errors.push(FieldError::new("days", format!("{d:?} is not one of mon, tue, wed, thu, fri, sat, sun")));
        }
    }
    let Some(preferred) = preferred.filter(|_| errors.is_empty()) else { return Err(Error::Invalid(errors)) };
    let (quiet_start, quiet_end) = match quiet {
        Some((Some(s), Some(e))) => (Some(s), Some(e)),
        _ => (None, None),
    };
    let actor = &cx.actor;
    let row = PreferencesRow {
        user_id: actor.user_id.clone(),
        practice_id: actor.practice_id.clone(),
        exercise_reminders: input.exercise_reminders,
        daily_check_in: input.daily_check_in,
        agreement_review: input.agreement_review,
        inactivity_nudge: input.inactivity_nudge,
        measure_reminders: input.measure_reminders,
        reconnect_window: input.reconnect_window,
        preferred_time: preferred,
        days: days_json(&days),
        quiet_start,
        quiet_end,
        updated_at: time::to_db(cx.now),
    };
    cx.write(|conn| {
        preferences::save(conn, &row)?;
        let changes = UserChanges {
            time_zone: Some(input.time_zone),
            updated_at: Some(time::to_db(cx.now)),
            ..UserChanges::default()
        };
        users::update(conn, &row.user_id, &changes)?;
        let off: Vec<&str> = [
            (ReminderKind::ExerciseReminder, row.exercise_reminders),
            (ReminderKind::DailyCheckIn, row.daily_check_in),
            (ReminderKind::AgreementReview, row.agreement_review),
            (ReminderKind::InactivityNudge, row.inactivity_nudge),
            (ReminderKind::MeasureReminder, row.measure_reminders),
            (ReminderKind::ReconnectWindow, row.reconnect_window),
        ]
        .into_iter()
        .filter(|(_, on)| !on)
        .map(|(k, _)| k.as_str())
        .collect();
        outbox::cancel_pending(conn, &row.user_id, &off)?;
        audit::record(conn, cx.practice_event("notification_preferences.update", "user").resource(&row.user_id))?;
        Ok(preferences_of(conn, &row.user_id)?)
    })
}

/// What a genuine unsubscribe token stands for.
#[derive(Debug, Clone)]
pub struct Unsubscribe {
    user_id: String,
    /// The reminder kinds it switches off.
    pub kinds: Vec<&'static str>,
    /// Every kind (the link was for all, or `?all=true`).
    pub all: bool,
}

/// Reads a signed unsubscribe token (with `all` asked for or not); 404 for anything not
/// genuine. Changes nothing.
pub fn unsubscribe_target(signer: &UnsubscribeSigner, token: &str, all: bool) -> Result<Unsubscribe> {
    let (user_id, kind) = signer.verify(token).ok_or(Error::NotFound)?;
    let all = all || kind.as_str() == "all";
    let kinds: Vec<&'static str> = if all {
        ReminderKind::ALL.iter().map(|k| k.as_str()).collect()
    } else {
        vec![ReminderKind::parse(&kind).ok_or(Error::NotFound)?.as_str()]
    };
    Ok(Unsubscribe { user_id, kinds, all })
}

/// Switches off the reminder kinds a token stands for (idempotent) and cancels those
/// already queued. No sign-in: the signed token says who.
pub fn unsubscribe(env: &Env, signer: &UnsubscribeSigner, token: &str, all: bool) -> Result<Unsubscribe> {
    let target = unsubscribe_target(signer, token, all)?;
    env.write(|conn| {
        let user = users::find(conn, &target.user_id)?.ok_or(Error::NotFound)?;
        let mut prefs = preferences_of(conn, &target.user_id)?;
        for k in &target.kinds {
            match ReminderKind::parse(k) {
                Some(ReminderKind::ExerciseReminder) => prefs.exercise_reminders = false,
                Some(ReminderKind::DailyCheckIn) => prefs.daily_check_in = false,
                Some(ReminderKind::AgreementReview) => prefs.agreement_review = false,
                Some(ReminderKind::InactivityNudge) => prefs.inactivity_nudge = false,
                Some(ReminderKind::MeasureReminder) => prefs.measure_reminders = false,
                Some(ReminderKind::ReconnectWindow) => prefs.reconnect_window = false,
                None => {}
            }
        }
        preferences::save(
            conn,
            &PreferencesRow {
                user_id: user.id.clone(),
                practice_id: user.practice_id.clone(),
                exercise_reminders: prefs.exercise_reminders,
                daily_check_in: prefs.daily_check_in,
                agreement_review: prefs.agreement_review,
                inactivity_nudge: prefs.inactivity_nudge,
                measure_reminders: prefs.measure_reminders,
                reconnect_window: prefs.reconnect_window,
                preferred_time: hhmm(prefs.preferred_time),
                days: days_json(&day_names(&prefs)),
                quiet_start: prefs.quiet_hours.map(|(s, _)| hhmm(s)),
                quiet_end: prefs.quiet_hours.map(|(_, e)| hhmm(e)),
                updated_at: time::to_db(env.now),
            },
        )?;
        outbox::cancel_pending(conn, &user.id, &target.kinds)?;
        audit::record(
            conn,
            Event::new(&user.practice_id, None, "reminders.unsubscribe", "user", env.now)
                .resource(&user.id)
                .actor_id(&user.id, "client"),
        )?;
        Ok(())
    })?;
    Ok(target)
}
