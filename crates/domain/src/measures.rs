//! Scored measures (docs/measures.md): the PHQ-9, the GAD-7 and the CSI-4, their items,
//! answer options, scoring, severity bands and critical items, and when an assignment is
//! due. Pure functions: the server scores, never the client.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::plans::text_enum;
use crate::reminders::{Due, Preferences, ReminderKind, in_quiet_hours, resolve};
use crate::validation::FieldError;

text_enum!(
    /// A standard questionnaire a clinician can assign.
    #[cfg_attr(feature = "openapi", schema(as = MeasureKind))]
    Measure {
        /// Patient Health Questionnaire, 9 items (depression), 0-27.
        Phq9 = "phq9",
        /// Generalized Anxiety Disorder scale, 7 items, 0-21.
        Gad7 = "gad7",
        /// Couples Satisfaction Index, 4 items, 0-21 (higher is more satisfied).
        Csi4 = "csi4",
    }
);

text_enum!(
    /// A score's severity band. PHQ-9: minimal 0-4, mild 5-9, moderate 10-14,
    /// moderately severe 15-19, severe 20-27. GAD-7: minimal 0-4, mild 5-9, moderate
    /// 10-14, severe 15-21. CSI-4: dissatisfied 0-13 (below the 13.5 cut-off), satisfied
    /// 14-21.
    #[cfg_attr(feature = "openapi", schema(as = MeasureBand))]
    Band {
        Minimal = "minimal",
        Mild = "mild",
        Moderate = "moderate",
        ModeratelySevere = "moderately_severe",
        Severe = "severe",
        Satisfied = "satisfied",
        Dissatisfied = "dissatisfied",
    }
);

impl Band {
    /// How severe a band is within its measure (0 is the best): a rise is a worsening.
    #[must_use]
    pub const fn severity(self) -> u8 {
        match self {
            Self::Minimal | Self::Satisfied => 0,
            Self::Mild | Self::Dissatisfied => 1,
            Self::Moderate => 2,
            Self::ModeratelySevere => 3,
            Self::Severe => 4,
        }
    }
}

/// One answer option of an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnswerOption {
    pub value: i32,
    pub label: &'static str,
}

/// One question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item {
    pub text: &'static str,
    pub options: &'static [AnswerOption],
}

/// A measure's definition, as the partner sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Definition {
    pub measure: Measure,
    pub title: &'static str,
    /// The stem shown above the items.
    pub instructions: &'static str,
    pub items: &'static [Item],
    /// Where the items come from and why they may be reproduced.
    pub source: &'static str,
}

const fn opt(value: i32, label: &'static str) -> AnswerOption {
    AnswerOption { value, label }
}

/// The PHQ-9 and GAD-7 frequency scale.
const FREQUENCY: &[AnswerOption] =
    &[opt(0, "Not at all"), opt(1, "Several days"), opt(2, "More than half the days"), opt(3, "Nearly every day")];

const fn freq(text: &'static str) -> Item {
    Item { text, options: FREQUENCY }
}

const PHQ9_ITEMS: &[Item] = &[
    freq("Little interest or pleasure in doing things"),
    freq("Feeling down, depressed, or hopeless"),
    freq("Trouble falling or staying asleep, or sleeping too much"),
    freq("Feeling tired or having little energy"),
    freq("Poor appetite or overeating"),
    freq("Feeling bad about yourself \u{2014} or that you are a failure or have let yourself or your family down"),
    freq("Trouble concentrating on things, such as reading the newspaper or watching television"),
    freq(
        "Moving or speaking so slowly that other people could have noticed? Or the opposite \u{2014} being so fidgety or restless that you have been moving around a lot more than usual",
    ),
    freq("Thoughts that you would be better off dead or of hurting yourself in some way"),
];

const GAD7_ITEMS: &[Item] = &[
    freq("Feeling nervous, anxious or on edge"),
    freq("Not being able to stop or control worrying"),
    freq("Worrying too much about different things"),
    freq("Trouble relaxing"),
    freq("Being so restless that it is hard to sit still"),
    freq("Becoming easily annoyed or irritable"),
    freq("Feeling afraid as if something awful might happen"),
];

const HAPPINESS: &[AnswerOption] = &[
    opt(0, "Extremely unhappy"),
    opt(1, "Fairly unhappy"),
    opt(2, "A little unhappy"),
    opt(3, "Happy"),
    opt(4, "Very happy"),
    opt(5, "Extremely happy"),
    opt(6, "Perfect"),
];

const TRUE_OF: &[AnswerOption] = &[
    opt(0, "Not at all true"),
    opt(1, "A little true"),
    opt(2, "Somewhat true"),
    opt(3, "Mostly true"),
    opt(4, "Almost completely true"),
    opt(5, "Completely true"),
];

const AMOUNT: &[AnswerOption] = &[
    opt(0, "Not at all"),
    opt(1, "A little"),
    opt(2, "Somewhat"),
    opt(3, "Mostly"),
    opt(4, "Almost completely"),
    opt(5, "Completely"),
];

const CSI4_ITEMS: &[Item] = &[
    Item {
        text: "Please indicate the degree of happiness, all things considered, of your relationship.",
        options: HAPPINESS,
    },
    Item { text: "I have a warm and comfortable relationship with my partner.", options: TRUE_OF },
    Item { text: "How rewarding is your relationship with your partner?", options: AMOUNT },
    Item { text: "In general, how satisfied are you with your relationship?", options: AMOUNT },
];

const PHQ9: Definition = Definition {
    measure: Measure::Phq9,
    title: "PHQ-9",
    instructions: "Over the last 2 weeks, how often have you been bothered by any of the following problems?",
    items: PHQ9_ITEMS,
    source: "Kroenke, Spitzer & Williams (2001). Developed by Drs. Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke and colleagues, with an educational grant from Pfizer Inc. No permission required to reproduce, translate, display or distribute.",
};

const GAD7: Definition = Definition {
    measure: Measure::Gad7,
    title: "GAD-7",
    instructions: "Over the last 2 weeks, how often have you been bothered by the following problems?",
    items: GAD7_ITEMS,
    source: "Spitzer, Kroenke, Williams & L\u{f6}we (2006). Developed by Drs. Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke and colleagues, with an educational grant from Pfizer Inc. No permission required to reproduce, translate, display or distribute.",
};

const CSI4: Definition = Definition {
    measure: Measure::Csi4,
    title: "CSI-4",
    instructions: "Please answer each question about your relationship as it is now.",
    items: CSI4_ITEMS,
    source: "Funk & Rogge (2007), Journal of Family Psychology 21(4), 572-583. Offered by its authors free for research and clinical use.",
};

/// A measure's definition.
#[must_use]
pub const fn definition(measure: Measure) -> &'static Definition {
    match measure {
        Measure::Phq9 => &PHQ9,
        Measure::Gad7 => &GAD7,
        Measure::Csi4 => &CSI4,
    }
}

/// A submission the server scored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scored {
    pub total: i32,
    pub band: Band,
    /// Item numbers (1-based) whose answer is a critical finding.
    pub critical_items: Vec<usize>,
}

impl Scored {
    #[must_use]
    pub fn critical(&self) -> bool {
        !self.critical_items.is_empty()
    }
}

/// The band of a total: the thresholds of [`Band`].
#[must_use]
pub fn band_of(measure: Measure, total: i32) -> Band {
    match measure {
        Measure::Phq9 => match total {
            ..=4 => Band::Minimal,
            5..=9 => Band::Mild,
            10..=14 => Band::Moderate,
            15..=19 => Band::ModeratelySevere,
            _ => Band::Severe,
        },
        Measure::Gad7 => match total {
            ..=4 => Band::Minimal,
            5..=9 => Band::Mild,
            10..=14 => Band::Moderate,
            _ => Band::Severe,
        },
        Measure::Csi4 => {
            if total <= 13 {
                Band::Dissatisfied
            } else {
                Band::Satisfied
            }
        }
    }
}

/// Whether an answer is a critical finding: PHQ-9 item 9 (thoughts of being better off
/// dead or of self-harm) above "Not at all". It reaches the clinicians at once.
#[must_use]
pub fn is_critical(measure: Measure, item: usize, value: i32) -> bool {
    measure == Measure::Phq9 && item == 9 && value > 0
}

/// Scores a submission: one answer per item, in order, each one of that item's options.
/// An incomplete submission (a missing answer, too few or too many) or a value out of
/// range is refused, naming every field (`answers`, `answers[i]`); nothing is guessed.
pub fn score(measure: Measure, answers: &[Option<i32>]) -> Result<Scored, Vec<FieldError>> {
    let items = definition(measure).items;
    let mut errors = Vec::new();
    if answers.len() != items.len() {
        errors.push(FieldError::new("answers", format!("must have exactly {} answers, one per item", items.len())));
    }
    let mut total = 0;
    let mut critical_items = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let field = format!("answers[{i}]");
        match answers.get(i).copied().flatten() {
            None if answers.len() > i => errors.push(FieldError::new(field, "is missing: every item needs an answer")),
            None => {}
            Some(v) if item.options.iter().any(|o| o.value == v) => {
                total += v;
                if is_critical(measure, i + 1, v) {
                    critical_items.push(i + 1);
                }
            }
            Some(_) => {
                let max = item.options.iter().map(|o| o.value).max().unwrap_or(0);
                errors.push(FieldError::new(field, format!("must be between 0 and {max}")));
            }
        }
    }
    if errors.is_empty() { Ok(Scored { total, band: band_of(measure, total), critical_items }) } else { Err(errors) }
}

/// Whether the latest band is worse than the one before it (the caseload's "worsened by a
/// severity band" flag): the severity rose by at least one band.
#[must_use]
pub fn worsened(previous: Band, latest: Band) -> bool {
    latest.severity() > previous.severity()
}

text_enum!(
    /// How a partner's scores on one measure moved from their first to their latest band.
    #[cfg_attr(feature = "openapi", schema(as = MeasureTrend))]
    Trend {
        Improved = "improved",
        Unchanged = "unchanged",
        Worsened = "worsened",
    }
);

/// The trend from a first to a latest band: by severity, so a change within a band is
/// `unchanged` (the score change says how much).
#[must_use]
pub fn trend(first: Band, latest: Band) -> Trend {
    match latest.severity().cmp(&first.severity()) {
        std::cmp::Ordering::Less => Trend::Improved,
        std::cmp::Ordering::Equal => Trend::Unchanged,
        std::cmp::Ordering::Greater => Trend::Worsened,
    }
}

/// How often an assignment recurs: once, or every `every_weeks` weeks from `starts_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    pub starts_at: DateTime<Utc>,
    pub every_weeks: Option<u32>,
}

/// The most weeks between occurrences a clinician may choose.
pub const MAX_EVERY_WEEKS: u32 = 52;

/// How long an open occurrence waits before the caseload flags it overdue.
pub const OVERDUE_AFTER: Duration = Duration::days(7);

impl Schedule {
    /// When the partner's next unanswered occurrence is (or was) due, given their latest
    /// answer: occurrence k is due at `starts_at + k × every_weeks`; an answer covers every
    /// occurrence due at or before it. `None`: a one-off measure already answered.
    #[must_use]
    pub fn next_due(&self, last_answered: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
        let Some(last) = last_answered.filter(|t| *t >= self.starts_at) else { return Some(self.starts_at) };
        let weeks = self.every_weeks?;
        let period = Duration::weeks(i64::from(weeks.max(1)));
        let k = (last - self.starts_at).num_seconds() / period.num_seconds() + 1;
        Some(self.starts_at + period * i32::try_from(k).unwrap_or(i32::MAX))
    }
}

/// Whether a partner has this measure waiting now (their agenda shows it and they may
/// answer it): the next occurrence is due at or before `now`.
#[must_use]
pub fn is_due(schedule: &Schedule, last_answered: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    schedule.next_due(last_answered).is_some_and(|due| due <= now)
}

/// Whether an open occurrence due at `due` is overdue at `now`: 7 days or more.
#[must_use]
pub fn overdue(due: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    due.is_some_and(|d| now - d >= OVERDUE_AFTER)
}

/// The discreet "a short questionnaire is waiting" reminder for one client at `now`,
/// looking back `lookback`: it goes out at the client's preferred local time on the first
/// day an occurrence is due at or before that time (an occurrence due in
/// `(previous day's preferred time, today's]`), once per local day, never in quiet hours
/// (skipped, not moved), only if the client keeps measure reminders on and the couple is
/// in treatment. `dues` are the next-due instants of the client's open assignments.
#[must_use]
pub fn reminder_due(
    user_id: &str,
    prefs: &Preferences,
    couple_active: bool,
    dues: &[DateTime<Utc>],
    now: DateTime<Utc>,
    lookback: Duration,
) -> Option<Due> {
    if !couple_active || !prefs.enabled(ReminderKind::MeasureReminder) || dues.is_empty() {
        return None;
    }
    let today = now.with_timezone(&prefs.time_zone).date_naive();
    [today - Duration::days(1), today].into_iter().find_map(|date: NaiveDate| {
        let at = resolve(prefs.time_zone, date, prefs.preferred_time)?;
        if at > now
            || at <= now - lookback
            || in_quiet_hours(at.with_timezone(&prefs.time_zone).time(), prefs.quiet_hours)
        {
            return None;
        }
        let since = resolve(prefs.time_zone, date - Duration::days(1), prefs.preferred_time)?;
        dues.iter().any(|d| *d > since && *d <= at).then(|| Due {
            kind: ReminderKind::MeasureReminder,
            local_date: date,
            at,
            dedupe_key: format!("{user_id}:{}:{date}", ReminderKind::MeasureReminder.as_str()),
        })
    })
}

#[cfg(test)]
mod tests {
    use chrono::NaiveTime;

    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).map(|d| d.with_timezone(&Utc)).unwrap_or_default()
    }

    /// Answers summing to `total` with every answer within its item's range.
    fn answers_for(measure: Measure, total: i32) -> Vec<Option<i32>> {
        let mut left = total;
        definition(measure)
            .items
            .iter()
            .map(|item| {
                let max = item.options.iter().map(|o| o.value).max().unwrap_or(0);
                let v = left.min(max);
                left -= v;
                Some(v)
            })
            .collect()
    }

    #[test]
    fn every_band_boundary_of_every_measure() {
        let table: &[(Measure, i32, Band)] = &[
            (Measure::Phq9, 0, Band::Minimal),
            (Measure::Phq9, 4, Band::Minimal),
            (Measure::Phq9, 5, Band::Mild),
            (Measure::Phq9, 9, Band::Mild),
            (Measure::Phq9, 10, Band::Moderate),
            (Measure::Phq9, 14, Band::Moderate),
            (Measure::Phq9, 15, Band::ModeratelySevere),
            (Measure::Phq9, 19, Band::ModeratelySevere),
            (Measure::Phq9, 20, Band::Severe),
            (Measure::Phq9, 27, Band::Severe),
            (Measure::Gad7, 0, Band::Minimal),
            (Measure::Gad7, 4, Band::Minimal),
            (Measure::Gad7, 5, Band::Mild),
            (Measure::Gad7, 9, Band::Mild),
            (Measure::Gad7, 10, Band::Moderate),
            (Measure::Gad7, 14, Band::Moderate),
            (Measure::Gad7, 15, Band::Severe),
            (Measure::Gad7, 21, Band::Severe),
            (Measure::Csi4, 0, Band::Dissatisfied),
            (Measure::Csi4, 13, Band::Dissatisfied),
            (Measure::Csi4, 14, Band::Satisfied),
            (Measure::Csi4, 21, Band::Satisfied),
        ];
        for &(measure, total, band) in table {
            assert_eq!(band_of(measure, total), band, "{measure:?} {total}");
            // Scoring real answers reaches the same band.
            let answers = answers_for(measure, total);
            let scored = score(measure, &answers).unwrap_or_else(|e| panic!("{measure:?} {total}: {e:?}"));
            assert_eq!((scored.total, scored.band), (total, band), "{measure:?} {answers:?}");
        }
    }

    #[test]
    fn the_maximum_scores_are_the_documented_ranges() {
        for (measure, max) in [(Measure::Phq9, 27), (Measure::Gad7, 21), (Measure::Csi4, 21)] {
            let all_max: Vec<Option<i32>> =
                definition(measure).items.iter().map(|i| i.options.iter().map(|o| o.value).max()).collect();
            assert_eq!(score(measure, &all_max).map(|s| s.total), Ok(max), "{measure:?}");
        }
        assert_eq!(definition(Measure::Phq9).items.len(), 9);
        assert_eq!(definition(Measure::Gad7).items.len(), 7);
        assert_eq!(definition(Measure::Csi4).items.len(), 4);
    }

    #[test]
    fn incomplete_or_out_of_range_submissions_are_refused_naming_the_field() {
        let fields = |r: Result<Scored, Vec<FieldError>>| -> Vec<String> {
            r.err().unwrap_or_default().into_iter().map(|e| e.field).collect()
        };
        let mut missing = vec![Some(1); 9];
        missing[3] = None;
        assert_eq!(fields(score(Measure::Phq9, &missing)), vec!["answers[3]"]);
        assert_eq!(fields(score(Measure::Phq9, &[Some(1); 8])), vec!["answers"]);
        assert_eq!(fields(score(Measure::Gad7, &[Some(1); 8])), vec!["answers"]);
        assert_eq!(fields(score(Measure::Gad7, &[])), vec!["answers"]);
        let mut high = vec![Some(0); 7];
        high[6] = Some(4);
        assert_eq!(fields(score(Measure::Gad7, &high)), vec!["answers[6]"]);
        assert_eq!(fields(score(Measure::Phq9, &[Some(-1); 9])).len(), 9);
        // CSI-4: the first item goes to 6, the others to 5.
        assert!(score(Measure::Csi4, &[Some(6), Some(5), Some(5), Some(5)]).is_ok());
        assert_eq!(fields(score(Measure::Csi4, &[Some(6), Some(6), Some(5), Some(5)])), vec!["answers[1]"]);
    }

    #[test]
    fn phq9_item_9_above_zero_is_the_only_critical_finding() {
        let mut answers = vec![Some(0); 9];
        assert!(!score(Measure::Phq9, &answers).is_ok_and(|s| s.critical()));
        for v in 1..=3 {
            answers[8] = Some(v);
            let scored = score(Measure::Phq9, &answers).unwrap_or_else(|e| panic!("{e:?}"));
            assert_eq!(scored.critical_items, vec![9]);
            assert_eq!(scored.band, Band::Minimal, "critical even in the minimal band");
        }
        let all_three = vec![Some(3); 9];
        assert_eq!(score(Measure::Phq9, &all_three).map(|s| s.critical_items), Ok(vec![9]));
        assert!(!score(Measure::Gad7, &[Some(3); 7]).is_ok_and(|s| s.critical()));
        assert!(!is_critical(Measure::Phq9, 8, 3));
    }

    #[test]
    fn worsening_is_a_rise_of_at_least_one_band() {
        assert!(worsened(Band::Mild, Band::Moderate));
        assert!(worsened(Band::Minimal, Band::Severe));
        assert!(worsened(Band::Satisfied, Band::Dissatisfied));
        assert!(!worsened(Band::Moderate, Band::Moderate));
        assert!(!worsened(Band::Severe, Band::Mild));
        assert!(!worsened(Band::Dissatisfied, Band::Satisfied));
        assert_eq!(trend(Band::Severe, Band::Mild), Trend::Improved);
        assert_eq!(trend(Band::Mild, Band::Mild), Trend::Unchanged);
        assert_eq!(trend(Band::Satisfied, Band::Dissatisfied), Trend::Worsened);
    }

    #[test]
    fn occurrences_fall_every_n_weeks_and_an_answer_covers_those_due_before_it() {
        let start = utc("2026-11-02T09:00:00Z");
        let every2 = Schedule { starts_at: start, every_weeks: Some(2) };
        assert_eq!(every2.next_due(None), Some(start));
        assert_eq!(every2.next_due(Some(start + Duration::hours(3))), Some(start + Duration::weeks(2)));
        assert_eq!(
            every2.next_due(Some(start + Duration::weeks(2))),
            Some(start + Duration::weeks(4)),
            "at the instant"
        );
        assert_eq!(every2.next_due(Some(start + Duration::days(20))), Some(start + Duration::weeks(4)));
        let once = Schedule { starts_at: start, every_weeks: None };
        assert_eq!(once.next_due(Some(start + Duration::days(1))), None);
        assert_eq!(
            once.next_due(Some(start - Duration::days(1))),
            Some(start),
            "an answer before the start covers nothing"
        );
        assert!(!is_due(&every2, None, start - Duration::seconds(1)));
        assert!(is_due(&every2, None, start));
        assert!(!is_due(&every2, Some(start), start + Duration::days(13)));
        assert!(is_due(&every2, Some(start), start + Duration::days(14)));
        assert!(!overdue(Some(start), start + Duration::days(7) - Duration::seconds(1)));
        assert!(overdue(Some(start), start + Duration::days(7)));
        assert!(!overdue(None, start + Duration::days(70)));
    }

    fn prefs(tz: chrono_tz::Tz, hh: u32) -> Preferences {
        Preferences {
            preferred_time: NaiveTime::from_hms_opt(hh, 0, 0).unwrap_or_default(),
            ..Preferences::defaults(tz)
        }
    }

    #[test]
    fn the_reminder_goes_at_the_local_preferred_time_on_the_day_a_measure_falls_due() {
        let berlin = chrono_tz::Europe::Berlin;
        let p = prefs(berlin, 19);
        // Due Monday 10:00 Berlin (09:00 UTC); Berlin's 19:00 is 18:00 UTC in November.
        let due = utc("2026-11-23T09:00:00Z");
        let tick = |now: &str| reminder_due("u", &p, true, &[due], utc(now), Duration::minutes(15));
        assert_eq!(tick("2026-11-23T17:59:00Z"), None, "not before the preferred time");
        let sent = tick("2026-11-23T18:05:00Z");
        assert_eq!(sent.as_ref().map(|d| d.dedupe_key.as_str()), Some("u:measure_reminder:2026-11-23"));
        assert_eq!(sent.map(|d| d.at), Some(utc("2026-11-23T18:00:00Z")));
        assert_eq!(tick("2026-11-24T18:05:00Z"), None, "once: not again the next day");
        // Due after today's preferred time: tomorrow's.
        let late = utc("2026-11-23T19:30:00Z");
        assert_eq!(reminder_due("u", &p, true, &[late], utc("2026-11-23T18:05:00Z"), Duration::minutes(15)), None);
        assert!(reminder_due("u", &p, true, &[late], utc("2026-11-24T18:05:00Z"), Duration::minutes(15)).is_some());
        // The same instant in another zone is another local evening.
        let ny = prefs(chrono_tz::America::New_York, 19);
        assert_eq!(reminder_due("u", &ny, true, &[due], utc("2026-11-23T18:05:00Z"), Duration::minutes(15)), None);
        assert!(reminder_due("u", &ny, true, &[due], utc("2026-11-24T00:05:00Z"), Duration::minutes(15)).is_some());
    }

    #[test]
    fn the_reminder_honours_switches_quiet_hours_and_treatment() {
        let due = utc("2026-11-23T08:00:00Z");
        let now = utc("2026-11-23T09:05:00Z");
        let on = prefs(chrono_tz::UTC, 9);
        assert!(reminder_due("u", &on, true, &[due], now, Duration::minutes(15)).is_some());
        assert!(reminder_due("u", &on, false, &[due], now, Duration::minutes(15)).is_none(), "discharged");
        assert!(reminder_due("u", &on, true, &[], now, Duration::minutes(15)).is_none(), "nothing due");
        let off = Preferences { measure_reminders: false, ..on.clone() };
        assert!(reminder_due("u", &off, true, &[due], now, Duration::minutes(15)).is_none());
        let quiet = Preferences {
            quiet_hours: Some((
                NaiveTime::from_hms_opt(8, 0, 0).unwrap_or_default(),
                NaiveTime::from_hms_opt(10, 0, 0).unwrap_or_default(),
            )),
            ..on
        };
        assert!(reminder_due("u", &quiet, true, &[due], now, Duration::minutes(15)).is_none());
    }
}
