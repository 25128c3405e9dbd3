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
#[path = "measures_tests.rs"]
mod tests;
