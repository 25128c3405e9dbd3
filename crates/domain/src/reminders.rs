//! When reminders are due, in each client's own local time (domain.md, "Reminders").
//! Quiet hours skip a reminder (never move it); a local time that does not exist (the
//! spring-forward gap) moves to the next valid time; a repeated one (the fall-back
//! overlap) uses its first occurrence.

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

use crate::plans::text_enum;

text_enum!(
    /// The reminder kinds a client can switch on or off.
    ReminderKind {
        ExerciseReminder = "exercise_reminder",
        DailyCheckIn = "daily_check_in",
        AgreementReview = "agreement_review",
        InactivityNudge = "inactivity_nudge",
        /// "A short questionnaire is waiting" (scored measures, docs/measures.md).
        MeasureReminder = "measure_reminder",
        ReconnectWindow = "reconnect_window",
    }
);

/// A client's reminder preferences.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preferences {
    pub exercise_reminders: bool,
    pub daily_check_in: bool,
    pub agreement_review: bool,
    pub inactivity_nudge: bool,
    /// Reminders that a questionnaire is waiting (on by default).
    pub measure_reminders: bool,
    /// Before each occurrence of an agreed reconnect window.
    pub reconnect_window: bool,
    pub time_zone: Tz,
    pub preferred_time: NaiveTime,
    pub days: Vec<Weekday>,
    pub quiet_hours: Option<(NaiveTime, NaiveTime)>,
}

impl Preferences {
    /// domain.md defaults: exercise, check-in and review reminders on, the nudge off;
    /// reconnect-window reminders on (the couple agreed the window).
    #[must_use]
    pub fn defaults(time_zone: Tz) -> Self {
        Self {
            exercise_reminders: true,
            daily_check_in: true,
            agreement_review: true,
            inactivity_nudge: false,
            measure_reminders: true,
            reconnect_window: true,
            time_zone,
            preferred_time: NaiveTime::from_hms_opt(19, 0, 0).unwrap_or_default(),
            days: vec![
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
                Weekday::Sat,
                Weekday::Sun,
            ],
            quiet_hours: None,
        }
    }

    #[must_use]
    pub fn enabled(&self, kind: ReminderKind) -> bool {
        match kind {
            ReminderKind::ExerciseReminder => self.exercise_reminders,
            ReminderKind::DailyCheckIn => self.daily_check_in,
            ReminderKind::AgreementReview => self.agreement_review,
            ReminderKind::InactivityNudge => self.inactivity_nudge,
            ReminderKind::MeasureReminder => self.measure_reminders,
            ReminderKind::ReconnectWindow => self.reconnect_window,
        }
    }
}

/// What the scheduler knows about a client.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClientFacts {
    /// The couple is in treatment (not discharged, no withdrawal).
    pub couple_active: bool,
    /// The current step is active, with this weekly target.
    pub active_step_target_per_week: Option<u32>,
    pub agreement_review_by: Option<DateTime<Utc>>,
    pub last_activity: Option<DateTime<Utc>>,
}

/// One reminder to enqueue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    pub kind: ReminderKind,
    pub local_date: NaiveDate,
    pub at: DateTime<Utc>,
    /// Unique per (user, kind, local date): repeated ticks never duplicate.
    pub dedupe_key: String,
}

/// The UTC instant of a local wall-clock time, by the DST rules above.
#[must_use]
pub fn resolve(tz: Tz, date: NaiveDate, time: NaiveTime) -> Option<DateTime<Utc>> {
    let mut local = date.and_time(time);
    for _ in 0..=180 {
        match tz.from_local_datetime(&local) {
            LocalResult::Single(t) => return Some(t.with_timezone(&Utc)),
            LocalResult::Ambiguous(first, _) => return Some(first.with_timezone(&Utc)),
            LocalResult::None => local += Duration::minutes(1),
        }
    }
    None
}

/// Whether a local time falls in quiet hours (which may wrap past midnight).
#[must_use]
pub fn in_quiet_hours(time: NaiveTime, quiet: Option<(NaiveTime, NaiveTime)>) -> bool {
    match quiet {
        None => false,
        Some((start, end)) if start <= end => time >= start && time < end,
        Some((start, end)) => time >= start || time < end,
    }
}

/// The days of the week exercise reminders go out: the first `target` preferred days.
#[must_use]
pub fn exercise_days(days: &[Weekday], target: u32) -> Vec<Weekday> {
    let mut sorted = days.to_vec();
    sorted.sort_by_key(Weekday::num_days_from_monday);
    sorted.dedup();
    sorted.into_iter().take(usize::try_from(target).unwrap_or(0)).collect()
}

/// Reminders due for one client at `now`, looking back `lookback` (the tick interval plus
/// slack), for today and yesterday in the client's zone.
#[must_use]
pub fn due(
    user_id: &str,
    prefs: &Preferences,
    facts: &ClientFacts,
    now: DateTime<Utc>,
    lookback: Duration,
) -> Vec<Due> {
    let mut out = Vec::new();
    if !facts.couple_active {
        return out;
    }
    let today = now.with_timezone(&prefs.time_zone).date_naive();
    for date in [today - Duration::days(1), today] {
        let Some(at) = resolve(prefs.time_zone, date, prefs.preferred_time) else { continue };
        if at > now || at <= now - lookback {
            continue;
        }
        let local_time = at.with_timezone(&prefs.time_zone).time();
        if in_quiet_hours(local_time, prefs.quiet_hours) {
            continue;
        }
        let mut push = |kind: ReminderKind| {
            if prefs.enabled(kind) {
                out.push(Due { kind, local_date: date, at, dedupe_key: format!("{user_id}:{}:{date}", kind.as_str()) });
            }
        };
        push(ReminderKind::DailyCheckIn);
        if facts.active_step_target_per_week.is_some_and(|t| exercise_days(&prefs.days, t).contains(&date.weekday())) {
            push(ReminderKind::ExerciseReminder);
        }
        if facts.agreement_review_by.is_some_and(|r| r.with_timezone(&prefs.time_zone).date_naive() == date) {
            push(ReminderKind::AgreementReview);
        }
        if facts.last_activity.is_some_and(|t| at - t >= Duration::days(7)) {
            push(ReminderKind::InactivityNudge);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).map(|d| d.with_timezone(&Utc)).unwrap_or_default()
    }

    fn prefs(tz: Tz, hh: u32, mm: u32) -> Preferences {
        Preferences {
            preferred_time: NaiveTime::from_hms_opt(hh, mm, 0).unwrap_or_default(),
            ..Preferences::defaults(tz)
        }
    }

    fn active() -> ClientFacts {
        ClientFacts { couple_active: true, active_step_target_per_week: Some(3), ..ClientFacts::default() }
    }

    #[test]
    fn reminders_are_due_at_the_local_preferred_time() {
        let p = prefs(chrono_tz::Europe::Berlin, 19, 0);
        // 19:00 in Berlin in November is 18:00 UTC.
        assert!(due("u", &p, &active(), utc("2026-11-23T17:59:00Z"), Duration::minutes(15)).is_empty());
        let at = due("u", &p, &active(), utc("2026-11-23T18:05:00Z"), Duration::minutes(15));
        let kinds: Vec<_> = at.iter().map(|d| d.kind).collect();
        assert_eq!(
            kinds,
            vec![ReminderKind::DailyCheckIn, ReminderKind::ExerciseReminder],
            "Monday is an exercise day"
        );
        assert_eq!(at[0].dedupe_key, "u:daily_check_in:2026-11-23");
        assert!(
            due("u", &p, &active(), utc("2026-11-23T18:30:00Z"), Duration::minutes(15)).is_empty(),
            "outside the lookback"
        );
    }

    #[test]
    fn exercise_reminders_go_out_at_most_the_weekly_target() {
        let days = vec![Weekday::Sun, Weekday::Mon, Weekday::Wed, Weekday::Fri];
        assert_eq!(exercise_days(&days, 2), vec![Weekday::Mon, Weekday::Wed]);
        let p = Preferences { days, ..prefs(chrono_tz::UTC, 9, 0) };
        let tuesday = due("u", &p, &active(), utc("2026-11-24T09:01:00Z"), Duration::minutes(15));
        assert!(tuesday.iter().all(|d| d.kind != ReminderKind::ExerciseReminder));
    }

    #[test]
    fn quiet_hours_skip_and_do_not_move() {
        let p = Preferences {
            quiet_hours: Some((
                NaiveTime::from_hms_opt(22, 0, 0).unwrap_or_default(),
                NaiveTime::from_hms_opt(7, 0, 0).unwrap_or_default(),
            )),
            ..prefs(chrono_tz::UTC, 23, 0)
        };
        for minute in [0, 30, 59] {
            let now = utc("2026-11-23T23:00:00Z") + Duration::minutes(minute);
            assert!(due("u", &p, &active(), now, Duration::hours(1)).is_empty());
        }
        assert!(
            due("u", &p, &active(), utc("2026-11-24T07:30:00Z"), Duration::hours(12)).is_empty(),
            "not moved to the morning"
        );
        assert!(in_quiet_hours(NaiveTime::from_hms_opt(3, 0, 0).unwrap_or_default(), p.quiet_hours));
    }

    #[test]
    fn daylight_saving_gaps_move_forward_and_overlaps_use_the_first() {
        let berlin = chrono_tz::Europe::Berlin;
        // 2026-03-29 02:30 does not exist in Berlin: it moves to 03:00 CEST = 01:00 UTC.
        let gap = resolve(
            berlin,
            NaiveDate::from_ymd_opt(2026, 3, 29).unwrap_or_default(),
            NaiveTime::from_hms_opt(2, 30, 0).unwrap_or_default(),
        );
        assert_eq!(gap, Some(utc("2026-03-29T01:00:00Z")));
        // 2026-10-25 02:30 happens twice: the first is 02:30 CEST = 00:30 UTC.
        let overlap = resolve(
            berlin,
            NaiveDate::from_ymd_opt(2026, 10, 25).unwrap_or_default(),
            NaiveTime::from_hms_opt(2, 30, 0).unwrap_or_default(),
        );
        assert_eq!(overlap, Some(utc("2026-10-25T00:30:00Z")));
        let p = prefs(berlin, 2, 30);
        let ticks = [utc("2026-10-25T00:35:00Z"), utc("2026-10-25T01:35:00Z")];
        let keys: Vec<String> = ticks
            .iter()
            .flat_map(|t| due("u", &p, &active(), *t, Duration::minutes(15)))
            .map(|d| d.dedupe_key)
            .collect();
        assert_eq!(
            keys.iter().filter(|k| k.contains("daily_check_in")).count(),
            1,
            "once, at the first 02:30: {keys:?}"
        );
    }

    #[test]
    fn nothing_for_discharged_couples_and_switches_are_honoured() {
        let p = Preferences { daily_check_in: false, exercise_reminders: false, ..prefs(chrono_tz::UTC, 9, 0) };
        assert!(due("u", &p, &active(), utc("2026-11-23T09:01:00Z"), Duration::minutes(15)).is_empty());
        let on = prefs(chrono_tz::UTC, 9, 0);
        assert!(due("u", &on, &ClientFacts::default(), utc("2026-11-23T09:01:00Z"), Duration::minutes(15)).is_empty());
        let quiet = ClientFacts { last_activity: Some(utc("2026-11-10T00:00:00Z")), ..active() };
        let nudge = Preferences { inactivity_nudge: true, ..on };
        assert!(
            due("u", &nudge, &quiet, utc("2026-11-23T09:01:00Z"), Duration::minutes(15))
                .iter()
                .any(|d| d.kind == ReminderKind::InactivityNudge)
        );
    }
}
