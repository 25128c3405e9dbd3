//! Reconnect windows: a recurring, agreed time for closeness without performance
//! (docs/reconnect-windows.md). One partner proposes a weekly slot in a time zone; it is
//! active only once the other partner accepts. Either partner may call off one occurrence
//! or the whole window, without a reason, and nothing records who did. After an
//! occurrence that took place, each partner is asked for a short check-in.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;

use crate::plans::text_enum;
use crate::refusal::{Code, Refusal};
use crate::reminders::{in_quiet_hours, resolve};

text_enum!(
    /// Where a reconnect window stands.
    #[cfg_attr(feature = "openapi", schema(as = ReconnectWindowStatus))]
    WindowStatus {
        /// Proposed by one partner, waiting for the other to accept.
        Proposed = "proposed",
        /// Both partners agreed: its occurrences take place unless called off.
        Active = "active",
        /// Called off as a whole (by either partner; nobody is told which).
        Cancelled = "cancelled",
    }
);

/// The shortest and longest occurrence: long enough to settle in, short enough to stay
/// an easy yes.
pub const MIN_MINUTES: u32 = 10;
pub const MAX_MINUTES: u32 = 240;
/// How long before an occurrence its reminder goes out.
pub const REMINDER_LEAD_MINUTES: i64 = 60;
/// How long after an occurrence the agenda keeps asking for its check-in.
pub const CHECK_IN_DAYS: i64 = 7;
/// How far ahead one occurrence can be called off.
pub const CANCEL_AHEAD_DAYS: i64 = 366;

/// When a window recurs: every `weekday` at local `start` in `time_zone`, for `minutes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    pub weekday: Weekday,
    pub start: NaiveTime,
    pub minutes: u32,
    pub time_zone: Tz,
}

impl Schedule {
    /// Whether `date` (a local date in the window's zone) is one of its occurrences.
    #[must_use]
    pub fn is_occurrence(&self, date: NaiveDate) -> bool {
        date.weekday() == self.weekday
    }

    /// When the occurrence on local `date` starts, by the reminder rules for clock changes
    /// (a start in the spring-forward gap moves to the next valid time, one in the fall-back
    /// overlap uses the first). `None` if `date` is not an occurrence.
    #[must_use]
    pub fn starts(&self, date: NaiveDate) -> Option<DateTime<Utc>> {
        if !self.is_occurrence(date) {
            return None;
        }
        resolve(self.time_zone, date, self.start)
    }

    /// When the occurrence on local `date` ends: its start plus the duration, in real time.
    #[must_use]
    pub fn ends(&self, date: NaiveDate) -> Option<DateTime<Utc>> {
        self.starts(date).map(|s| s + Duration::minutes(i64::from(self.minutes)))
    }

    /// The next `count` occurrences that have not ended at `now` (one in progress first).
    #[must_use]
    pub fn upcoming(&self, now: DateTime<Utc>, count: usize) -> Vec<NaiveDate> {
        // An occurrence that started late yesterday may still be running.
        let mut date = now.with_timezone(&self.time_zone).date_naive() - Duration::days(1);
        let mut out = Vec::with_capacity(count);
        while out.len() < count {
            if self.ends(date).is_some_and(|end| end > now) {
                out.push(date);
            }
            date += Duration::days(1);
        }
        out
    }

    /// Occurrences that ended in `(now - days, now]`, newest first.
    #[must_use]
    pub fn ended_within(&self, now: DateTime<Utc>, days: i64) -> Vec<NaiveDate> {
        let today = now.with_timezone(&self.time_zone).date_naive();
        (0..=days + 1)
            .map(|back| today - Duration::days(back))
            .filter(|d| self.ends(*d).is_some_and(|end| end <= now && end > now - Duration::days(days)))
            .collect()
    }
}

/// What the rules need to know about one window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    pub status: WindowStatus,
    pub proposed_by: String,
    pub schedule: Schedule,
    /// When the other partner accepted (`None` while proposed).
    pub accepted_at: Option<DateTime<Utc>>,
    /// When the whole window was called off.
    pub cancelled_at: Option<DateTime<Utc>>,
    /// Local dates of single occurrences called off.
    pub off_dates: Vec<NaiveDate>,
}

/// What accepting does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accept {
    /// The window becomes active now.
    Activate,
    /// Already active: a retried accept changes nothing.
    Unchanged,
}

impl Window {
    /// Whether the occurrence on `date` is off: called off on its own, or it starts after
    /// the whole window was called off. Nobody is recorded as having called it off.
    #[must_use]
    pub fn is_off(&self, date: NaiveDate) -> bool {
        self.off_dates.contains(&date)
            || self.cancelled_at.zip(self.schedule.starts(date)).is_some_and(|(cancelled, start)| start >= cancelled)
    }

    /// Whether the occurrence on `date` belongs to the agreed window: it starts once the
    /// window is active and it is not off.
    #[must_use]
    pub fn takes_place(&self, date: NaiveDate) -> bool {
        let agreed =
            self.accepted_at.zip(self.schedule.starts(date)).is_some_and(|(accepted, start)| start >= accepted);
        agreed && !self.is_off(date)
    }

    /// Accepting a proposal: only the partner who did not propose it, and never once it is
    /// cancelled. Accepting an active window again (a retry) changes nothing.
    pub fn accept(&self, caller: &str) -> Result<Accept, Refusal> {
        match self.status {
            WindowStatus::Cancelled => Err(cancelled()),
            _ if caller == self.proposed_by => {
                Err(Refusal::new(Code::OwnProposal, "the other partner accepts a window you proposed"))
            }
            WindowStatus::Active => Ok(Accept::Unchanged),
            WindowStatus::Proposed => Ok(Accept::Activate),
        }
    }

    /// Calling off the whole window: either partner, no reason asked, at any status.
    /// Returns whether anything changes (calling off a cancelled window again does not).
    #[must_use]
    pub fn cancel(&self) -> bool {
        self.status != WindowStatus::Cancelled
    }

    /// Calling off the occurrence on `date`: either partner, no reason asked, while the
    /// window is not cancelled, for a date that is one of its occurrences and has not ended.
    /// Returns whether anything changes (an occurrence already off stays off).
    pub fn cancel_occurrence(&self, date: NaiveDate, now: DateTime<Utc>) -> Result<bool, Refusal> {
        if self.status == WindowStatus::Cancelled {
            return Err(cancelled());
        }
        let Some(end) = self.schedule.ends(date) else { return Err(not_an_occurrence()) };
        if end <= now {
            return Err(Refusal::new(Code::OccurrenceOver, "this occurrence is already over"));
        }
        Ok(!self.off_dates.contains(&date))
    }

    /// A check-in answers an occurrence that took place (the window was active at its
    /// start and it was not off) and has ended.
    pub fn check_in_allowed(&self, date: NaiveDate, now: DateTime<Utc>) -> Result<(), Refusal> {
        let Some(end) = self.schedule.ends(date) else { return Err(not_an_occurrence()) };
        if self.is_off(date) {
            return Err(Refusal::new(Code::OccurrenceOff, "this occurrence was off"));
        }
        if !self.takes_place(date) {
            return Err(not_an_occurrence());
        }
        if end > now {
            return Err(Refusal::new(Code::OccurrenceNotEnded, "this occurrence has not ended yet"));
        }
        Ok(())
    }

    /// The check-ins the agenda asks a partner for: occurrences that took place and ended in
    /// the last [`CHECK_IN_DAYS`] days, minus those the partner already answered (the other
    /// partner's answers play no part). Newest first.
    #[must_use]
    pub fn check_ins_due(&self, now: DateTime<Utc>, answered: &[NaiveDate]) -> Vec<NaiveDate> {
        self.schedule
            .ended_within(now, CHECK_IN_DAYS)
            .into_iter()
            .filter(|d| self.takes_place(*d) && !answered.contains(d))
            .collect()
    }

    /// Reminders due in `(now - lookback, now]`: one per occurrence of an active window,
    /// [`REMINDER_LEAD_MINUTES`] before it starts, none for an occurrence that is off, and
    /// none that would fall in the recipient's quiet hours (`quiet`, in their own zone
    /// `recipient_zone`; skipped, not moved). Each carries the occurrence's date.
    #[must_use]
    pub fn reminders_due(
        &self,
        now: DateTime<Utc>,
        lookback: Duration,
        recipient_zone: Tz,
        quiet: Option<(NaiveTime, NaiveTime)>,
    ) -> Vec<(NaiveDate, DateTime<Utc>)> {
        if self.status != WindowStatus::Active {
            return Vec::new();
        }
        let today = now.with_timezone(&self.schedule.time_zone).date_naive();
        (-1..=1)
            .map(|d| today + Duration::days(d))
            .filter_map(|date| {
                let at = self.schedule.starts(date)? - Duration::minutes(REMINDER_LEAD_MINUTES);
                let due = at <= now && at > now - lookback && !self.is_off(date);
                let quiet = in_quiet_hours(at.with_timezone(&recipient_zone).time(), quiet);
                (due && !quiet).then_some((date, at))
            })
            .collect()
    }
}

/// The dedupe key of one partner's reminder for one occurrence: at most one each.
#[must_use]
pub fn reminder_key(user_id: &str, window_id: &str, date: NaiveDate) -> String {
    format!("{user_id}:reconnect_window:{window_id}:{date}")
}

/// The window and occurrence a reminder's dedupe key names (see [`reminder_key`]).
#[must_use]
pub fn parse_reminder_key(key: &str) -> Option<(&str, NaiveDate)> {
    let mut parts = key.rsplitn(3, ':');
    let date = parts.next()?.parse().ok()?;
    let window = parts.next()?;
    parts.next()?.ends_with(":reconnect_window").then_some((window, date))
}

fn cancelled() -> Refusal {
    Refusal::new(Code::WindowCancelled, "this reconnect window was called off")
}

fn not_an_occurrence() -> Refusal {
    Refusal::new(Code::NotAnOccurrence, "this date is not an occurrence of the agreed window")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).map(|d| d.with_timezone(&Utc)).unwrap_or_default()
    }

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap_or_default()
    }

    fn hm(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default()
    }

    fn sunday_berlin(start: NaiveTime) -> Schedule {
        Schedule { weekday: Weekday::Sun, start, minutes: 30, time_zone: chrono_tz::Europe::Berlin }
    }

    fn active(schedule: Schedule) -> Window {
        Window {
            status: WindowStatus::Active,
            proposed_by: "a".into(),
            schedule,
            accepted_at: Some(utc("2026-01-01T00:00:00Z")),
            cancelled_at: None,
            off_dates: Vec::new(),
        }
    }

    #[test]
    fn occurrences_follow_local_time_across_clock_changes() {
        let s = sunday_berlin(hm(19, 0));
        // (local date, start in UTC): winter CET is UTC+1, summer CEST UTC+2.
        let table = [
            ("2026-03-22", Some("2026-03-22T18:00:00Z")),
            ("2026-03-29", Some("2026-03-29T17:00:00Z")), // the day clocks go forward
            ("2026-10-25", Some("2026-10-25T18:00:00Z")), // the day clocks go back
            ("2026-11-29", Some("2026-11-29T18:00:00Z")),
            ("2026-11-30", None), // a Monday
        ];
        for (d, start) in table {
            assert_eq!(s.starts(date(d)), start.map(utc), "{d}");
        }
        assert_eq!(s.ends(date("2026-11-29")), Some(utc("2026-11-29T18:30:00Z")));
        // A start in the gap moves forward; one in the overlap uses the first.
        let gap = sunday_berlin(hm(2, 30));
        assert_eq!(gap.starts(date("2026-03-29")), Some(utc("2026-03-29T01:00:00Z")));
        assert_eq!(gap.starts(date("2026-10-25")), Some(utc("2026-10-25T00:30:00Z")));
    }

    #[test]
    fn upcoming_and_ended_occurrences() {
        let s = sunday_berlin(hm(19, 0));
        // During the 2026-11-29 occurrence it is still upcoming, and not yet ended.
        assert_eq!(s.upcoming(utc("2026-11-29T18:10:00Z"), 2), vec![date("2026-11-29"), date("2026-12-06")]);
        assert!(s.ended_within(utc("2026-11-29T18:10:00Z"), 7).iter().all(|d| *d != date("2026-11-29")));
        assert_eq!(s.upcoming(utc("2026-11-29T18:30:00Z"), 1), vec![date("2026-12-06")]);
        assert_eq!(s.ended_within(utc("2026-11-29T18:30:00Z"), 7), vec![date("2026-11-29")]);
        assert_eq!(
            s.ended_within(utc("2026-12-06T18:30:00Z"), 7),
            vec![date("2026-12-06")],
            "a week later it asks for the new one only"
        );
        // Late start: the occurrence runs past midnight.
        let late = sunday_berlin(hm(23, 45));
        assert_eq!(late.upcoming(utc("2026-11-29T23:00:00Z"), 1), vec![date("2026-11-29")]);
    }

    #[test]
    fn status_transitions() {
        let s = sunday_berlin(hm(19, 0));
        let proposed = Window { status: WindowStatus::Proposed, accepted_at: None, ..active(s) };
        let cancelled =
            Window { status: WindowStatus::Cancelled, cancelled_at: Some(utc("2026-11-20T00:00:00Z")), ..active(s) };
        let table: [(&Window, &str, Result<Accept, Code>); 5] = [
            (&proposed, "b", Ok(Accept::Activate)),
            (&proposed, "a", Err(Code::OwnProposal)),
            (&active(s), "b", Ok(Accept::Unchanged)),
            (&cancelled, "b", Err(Code::WindowCancelled)),
            (&cancelled, "a", Err(Code::WindowCancelled)),
        ];
        for (w, caller, expected) in table {
            assert_eq!(w.accept(caller).map_err(|r| r.code), expected, "{:?} by {caller}", w.status);
        }
        assert!(proposed.cancel() && active(s).cancel());
        assert!(!cancelled.cancel(), "calling off twice changes nothing");
    }

    #[test]
    fn calling_off_one_occurrence() {
        let s = sunday_berlin(hm(19, 0));
        let now = utc("2026-11-25T12:00:00Z");
        let w = Window { off_dates: vec![date("2026-12-06")], ..active(s) };
        let table: [(&str, Result<bool, Code>); 5] = [
            ("2026-11-29", Ok(true)),
            ("2026-12-06", Ok(false)),
            ("2026-11-30", Err(Code::NotAnOccurrence)),
            ("2026-11-22", Err(Code::OccurrenceOver)),
            ("2026-12-13", Ok(true)),
        ];
        for (d, expected) in table {
            assert_eq!(w.cancel_occurrence(date(d), now).map_err(|r| r.code), expected, "{d}");
        }
        let cancelled = Window { status: WindowStatus::Cancelled, ..active(s) };
        assert_eq!(
            cancelled.cancel_occurrence(date("2026-11-29"), now).map_err(|r| r.code),
            Err(Code::WindowCancelled)
        );
        assert!(w.is_off(date("2026-12-06")) && !w.is_off(date("2026-11-29")));
        // A whole window called off: later occurrences are off, earlier ones took place.
        let off = Window { status: WindowStatus::Cancelled, cancelled_at: Some(now), ..active(s) };
        assert!(off.is_off(date("2026-11-29")) && off.takes_place(date("2026-11-22")));
    }

    #[test]
    fn check_ins_answer_occurrences_that_took_place_and_ended() {
        let s = sunday_berlin(hm(19, 0));
        let w =
            Window { accepted_at: Some(utc("2026-11-16T00:00:00Z")), off_dates: vec![date("2026-11-22")], ..active(s) };
        let now = utc("2026-11-29T18:15:00Z");
        let table: [(&str, Result<(), Code>); 5] = [
            ("2026-11-15", Err(Code::NotAnOccurrence)), // before it was agreed
            ("2026-11-22", Err(Code::OccurrenceOff)),
            ("2026-11-29", Err(Code::OccurrenceNotEnded)), // in progress
            ("2026-11-28", Err(Code::NotAnOccurrence)),    // a Saturday
            ("2026-12-06", Err(Code::OccurrenceNotEnded)),
        ];
        for (d, expected) in table {
            assert_eq!(w.check_in_allowed(date(d), now).map_err(|r| r.code), expected, "{d}");
        }
        let later = utc("2026-11-29T18:30:00Z");
        assert_eq!(w.check_in_allowed(date("2026-11-29"), later), Ok(()));
        assert_eq!(w.check_ins_due(later, &[]), vec![date("2026-11-29")]);
        assert!(w.check_ins_due(later, &[date("2026-11-29")]).is_empty(), "answered");
        assert!(w.check_ins_due(utc("2026-11-29T12:00:00Z"), &[]).is_empty(), "the off one is not asked");
        let proposed = Window { status: WindowStatus::Proposed, accepted_at: None, ..w };
        assert!(proposed.check_ins_due(later, &[]).is_empty());
    }

    #[test]
    fn reminders_go_out_before_each_occurrence_once() {
        let s = sunday_berlin(hm(19, 0));
        let w = Window { off_dates: vec![date("2026-12-06")], ..active(s) };
        let berlin = chrono_tz::Europe::Berlin;
        let lookback = Duration::minutes(15);
        // 19:00 CET is 18:00 UTC; the reminder goes at 17:00 UTC.
        assert!(w.reminders_due(utc("2026-11-29T16:59:00Z"), lookback, berlin, None).is_empty());
        assert_eq!(
            w.reminders_due(utc("2026-11-29T17:05:00Z"), lookback, berlin, None),
            vec![(date("2026-11-29"), utc("2026-11-29T17:00:00Z"))]
        );
        assert!(w.reminders_due(utc("2026-11-29T17:20:00Z"), lookback, berlin, None).is_empty(), "past the lookback");
        assert!(w.reminders_due(utc("2026-12-06T17:05:00Z"), lookback, berlin, None).is_empty(), "off");
        let quiet = Some((hm(17, 30), hm(18, 30)));
        assert!(w.reminders_due(utc("2026-11-29T17:05:00Z"), lookback, berlin, quiet).is_empty(), "quiet hours");
        // Quiet hours are the recipient's own local time: 17:00 UTC is 12:00 in New York.
        let ny = chrono_tz::America::New_York;
        assert_eq!(w.reminders_due(utc("2026-11-29T17:05:00Z"), lookback, ny, quiet).len(), 1);
        for status in [WindowStatus::Proposed, WindowStatus::Cancelled] {
            let w = Window { status, ..active(s) };
            assert!(w.reminders_due(utc("2026-11-29T17:05:00Z"), lookback, berlin, None).is_empty());
        }
        // An occurrence just after midnight is reminded the evening before.
        let early = active(Schedule { weekday: Weekday::Mon, ..sunday_berlin(hm(0, 30)) });
        assert_eq!(
            early.reminders_due(utc("2026-11-29T22:35:00Z"), lookback, berlin, None),
            vec![(date("2026-11-30"), utc("2026-11-29T22:30:00Z"))]
        );
    }

    #[test]
    fn reminder_keys_name_the_occurrence() {
        let key = reminder_key("u1", "w1", date("2026-11-29"));
        assert_eq!(key, "u1:reconnect_window:w1:2026-11-29");
        assert_eq!(parse_reminder_key(&key), Some(("w1", date("2026-11-29"))));
        assert_eq!(parse_reminder_key("u1:daily_check_in:2026-11-29"), None);
    }
}
