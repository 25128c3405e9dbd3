//! The progression recommendation (domain.md, "Progression") and the window statistics
//! behind the caseload's attention flags. Pure functions: the clinician decides.

use chrono::{DateTime, Duration, Utc};

use crate::plans::{ConsentAnswer, Criteria, StepStatus, both_consent, text_enum};

text_enum!(
    /// How an attempt went.
    #[cfg_attr(feature = "openapi", schema(as = ReportOutcome))]
    Outcome {
        Completed = "completed",
        Partial = "partial",
        Skipped = "skipped",
        Paused = "paused",
    }
);

text_enum!(
    /// What the recommendation (or a clinician's decision) says to do with the step.
    #[cfg_attr(feature = "openapi", schema(as = RecommendationKind))]
    Kind {
        Pause = "pause",
        StepBack = "step_back",
        Advance = "advance",
        Hold = "hold",
    }
);

/// One partner's attempt at the current step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// 0 for partner A, 1 for partner B.
    pub partner: usize,
    pub occurred_at: DateTime<Utc>,
    pub outcome: Outcome,
    pub peak: i32,
    pub after: i32,
}

/// The step to go back to after a setback: the last completed one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Baseline {
    pub step_id: String,
    /// 1-based, for people.
    pub number: usize,
}

/// Everything the recommendation depends on.
#[derive(Debug, Clone)]
pub struct Inputs<'a> {
    pub criteria: Criteria,
    /// When the current step last became active; the window never starts earlier.
    pub step_activated_at: DateTime<Utc>,
    pub now: DateTime<Utc>,
    /// Attempts at the current step (any time; the window is applied here).
    pub attempts: &'a [Attempt],
    pub consents: [Option<ConsentAnswer>; 2],
    pub open_incidents: usize,
    /// 1-based number of the current step.
    pub step_number: usize,
    /// The next step's consents, or `None` when the current step is the last.
    pub next_step_consents: Option<[Option<ConsentAnswer>; 2]>,
    pub baseline: Option<Baseline>,
}

/// The recommendation, with one reason per condition that decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recommendation {
    pub kind: Kind,
    /// For `step_back`: the step to return to.
    pub baseline: Option<Baseline>,
    /// For `advance`: the next step still lacks a consent.
    pub awaiting_consent: bool,
    pub reasons: Vec<String>,
}

const PARTNER: [&str; 2] = ["partner A", "partner B"];

/// The window's first instant: the later of `now - window_days` and the last activation.
#[must_use]
pub fn window_start(criteria: &Criteria, step_activated_at: DateTime<Utc>, now: DateTime<Utc>) -> DateTime<Utc> {
    (now - Duration::days(i64::from(criteria.window_days))).max(step_activated_at)
}

fn in_window<'a>(inputs: &'a Inputs<'_>) -> impl Iterator<Item = &'a Attempt> + 'a {
    let start = window_start(&inputs.criteria, inputs.step_activated_at, inputs.now);
    let now = inputs.now;
    inputs.attempts.iter().filter(move |a| a.occurred_at >= start && a.occurred_at <= now)
}

/// Recommends pause, step back, advance or hold, in that order of precedence.
#[must_use]
pub fn recommend(inputs: &Inputs<'_>) -> Recommendation {
    let c = &inputs.criteria;
    // 1. Pause: a withdrawn consent or an open incident.
    let mut reasons = Vec::new();
    for (i, consent) in inputs.consents.iter().enumerate() {
        if consent.is_some_and(ConsentAnswer::withdraws) {
            reasons.push(format!(
                "{}: answered {} to this step",
                PARTNER[i],
                consent.map_or("", |a| a.as_str()).replace('_', " ")
            ));
        }
    }
    if inputs.open_incidents > 0 {
        reasons.push(format!("{} open incident(s)", inputs.open_incidents));
    }
    if !reasons.is_empty() {
        return Recommendation { kind: Kind::Pause, baseline: None, awaiting_consent: false, reasons };
    }

    // 2. Step back: a setback in the window, or two paused/partial attempts in a row.
    let mut window: Vec<&Attempt> = in_window(inputs).collect();
    window.sort_by_key(|a| a.occurred_at);
    for a in &window {
        if a.peak >= c.setback_suds {
            reasons.push(format!(
                "{}: peak distress {} on {} reached the setback level {}",
                PARTNER[a.partner],
                a.peak,
                a.occurred_at.format("%Y-%m-%d"),
                c.setback_suds
            ));
        }
    }
    for (p, name) in PARTNER.iter().enumerate() {
        let last_two: Vec<&&Attempt> = window.iter().filter(|a| a.partner == p).rev().take(2).collect();
        if last_two.len() == 2 && last_two.iter().all(|a| matches!(a.outcome, Outcome::Paused | Outcome::Partial)) {
            reasons.push(format!("{name}: the last two attempts were paused or partial"));
        }
    }
    if !reasons.is_empty() {
        return match &inputs.baseline {
            Some(b) => {
                reasons.push(format!("return to step {}, the last step that felt safe", b.number));
                Recommendation { kind: Kind::StepBack, baseline: Some(b.clone()), awaiting_consent: false, reasons }
            }
            None => {
                reasons.push("no earlier step was completed, so there is no baseline to return to: pause".into());
                Recommendation { kind: Kind::Pause, baseline: None, awaiting_consent: false, reasons }
            }
        };
    }

    // 3. Advance: both partners have enough comfortable completed sessions.
    let comfortable = |p: usize| {
        window.iter().filter(|a| a.partner == p && a.outcome == Outcome::Completed && a.after <= c.target_suds).count()
    };
    let counts = [comfortable(0), comfortable(1)];
    let needed = usize::try_from(c.min_sessions).unwrap_or(0);
    if counts.iter().all(|n| *n >= needed) {
        let mut reasons: Vec<String> = counts
            .iter()
            .enumerate()
            .map(|(p, n)| format!("{}: {n} completed sessions at or under distress {}", PARTNER[p], c.target_suds))
            .collect();
        let awaiting_consent = match inputs.next_step_consents {
            None => {
                reasons.push("this is the last step: advancing completes the plan".into());
                false
            }
            Some(next) if both_consent(&next) => false,
            Some(_) => {
                reasons.push(format!("advance once both consent to step {}", inputs.step_number + 1));
                true
            }
        };
        return Recommendation { kind: Kind::Advance, baseline: None, awaiting_consent, reasons };
    }

    // 4. Hold, saying what is missing.
    let reasons = counts
        .iter()
        .enumerate()
        .filter(|(_, n)| **n < needed)
        .map(|(p, n)| {
            format!("{}: {n} of {needed} completed sessions at or under distress {}", PARTNER[p], c.target_suds)
        })
        .collect();
    Recommendation { kind: Kind::Hold, baseline: None, awaiting_consent: false, reasons }
}

/// Window statistics behind the rising-distress and diverging-partners flags.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct WindowStats {
    /// A partner has 3+ completed attempts whose after-distress rises by 2+ points per attempt.
    pub rising_distress: bool,
    /// Both partners have 2+ attempts and their mean after-distress differs by 25 or more.
    pub diverging: bool,
}

/// Least-squares slope of `ys` against 0, 1, 2, …
#[must_use]
pub fn slope(ys: &[f64]) -> f64 {
    let n = ys.len() as f64;
    if ys.len() < 2 {
        return 0.0;
    }
    let mean_x = (n - 1.0) / 2.0;
    let mean_y = ys.iter().sum::<f64>() / n;
    let (mut num, mut den) = (0.0, 0.0);
    for (i, y) in ys.iter().enumerate() {
        let dx = i as f64 - mean_x;
        num += dx * (y - mean_y);
        den += dx * dx;
    }
    if den == 0.0 { 0.0 } else { num / den }
}

/// Computes the flags from the attempts in the window.
#[must_use]
pub fn window_stats(inputs: &Inputs<'_>) -> WindowStats {
    let mut window: Vec<&Attempt> = in_window(inputs).collect();
    window.sort_by_key(|a| a.occurred_at);
    let mut stats = WindowStats::default();
    let mut means = [None, None];
    for (p, mean) in means.iter_mut().enumerate() {
        let completed: Vec<f64> = window
            .iter()
            .filter(|a| a.partner == p && a.outcome == Outcome::Completed)
            .map(|a| f64::from(a.after))
            .collect();
        if completed.len() >= 3 && slope(&completed) >= 2.0 {
            stats.rising_distress = true;
        }
        let all: Vec<f64> = window.iter().filter(|a| a.partner == p).map(|a| f64::from(a.after)).collect();
        if all.len() >= 2 {
            *mean = Some(all.iter().sum::<f64>() / all.len() as f64);
        }
    }
    if let [Some(a), Some(b)] = means {
        stats.diverging = (a - b).abs() >= 25.0;
    }
    stats
}

/// The step to return to after a setback from the step at `position` (domain.md,
/// "Progression": step back returns to the last completed step, the couple's baseline),
/// if one before it was completed. `steps` are the plan's steps in order, as (id, status).
#[must_use]
pub fn baseline<'a>(steps: impl IntoIterator<Item = (&'a str, StepStatus)>, position: usize) -> Option<Baseline> {
    steps
        .into_iter()
        .take(position)
        .enumerate()
        .filter(|(_, (_, status))| *status == StepStatus::Completed)
        .last()
        .map(|(i, (id, _))| Baseline { step_id: id.to_owned(), number: i + 1 })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ConsentAnswer::*;

    fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-01T12:00:00Z").map(|d| d.with_timezone(&Utc)).unwrap_or_default()
    }

    fn attempt(partner: usize, day: i64, outcome: Outcome, peak: i32, after: i32) -> Attempt {
        Attempt { partner, occurred_at: t0() + Duration::days(day), outcome, peak, after }
    }

    fn comfortable(partner: usize, day: i64) -> Attempt {
        attempt(partner, day, Outcome::Completed, 40, 20)
    }

    fn inputs(attempts: &[Attempt]) -> Inputs<'_> {
        Inputs {
            criteria: Criteria::default(),
            step_activated_at: t0(),
            now: t0() + Duration::days(10),
            attempts,
            consents: [Some(Yes), Some(Yes)],
            open_incidents: 0,
            step_number: 2,
            next_step_consents: Some([Some(Yes), Some(TentativeYes)]),
            baseline: Some(Baseline { step_id: "s1".into(), number: 1 }),
        }
    }

    fn ready() -> Vec<Attempt> {
        (1..=3).flat_map(|d| [comfortable(0, d), comfortable(1, d)]).collect()
    }

    #[test]
    fn recommendations_in_order_of_precedence() {
        let ready = ready();
        let mut setback = ready.clone();
        setback.push(attempt(1, 5, Outcome::Completed, 80, 25));
        let mut two_partial = ready.clone();
        two_partial.push(attempt(0, 6, Outcome::Partial, 40, 30));
        two_partial.push(attempt(0, 7, Outcome::Paused, 50, 40));
        let short: Vec<Attempt> =
            ready.iter().filter(|a| !(a.partner == 1 && a.occurred_at > t0() + Duration::days(1))).cloned().collect();
        let distressed: Vec<Attempt> = ready.iter().map(|a| Attempt { after: 45, ..a.clone() }).collect();

        let cases: Vec<(&str, Inputs<'_>, Kind, &str)> = vec![
            ("advance", inputs(&ready), Kind::Advance, "partner A: 3 completed sessions"),
            (
                "soft no pauses",
                Inputs { consents: [Some(Yes), Some(SoftNo)], ..inputs(&ready) },
                Kind::Pause,
                "partner B: answered soft no",
            ),
            ("incident pauses", Inputs { open_incidents: 1, ..inputs(&setback) }, Kind::Pause, "1 open incident"),
            ("setback steps back", inputs(&setback), Kind::StepBack, "peak distress 80"),
            ("step back names the baseline", inputs(&setback), Kind::StepBack, "return to step 1"),
            (
                "two paused or partial",
                inputs(&two_partial),
                Kind::StepBack,
                "partner A: the last two attempts were paused or partial",
            ),
            ("no baseline pauses", Inputs { baseline: None, ..inputs(&setback) }, Kind::Pause, "no baseline"),
            ("hold says what is missing", inputs(&short), Kind::Hold, "partner B: 1 of 3 completed sessions"),
            ("uncomfortable sessions do not count", inputs(&distressed), Kind::Hold, "partner A: 0 of 3"),
            (
                "advance once consented",
                Inputs { next_step_consents: Some([Some(Yes), None]), ..inputs(&ready) },
                Kind::Advance,
                "advance once both consent to step 3",
            ),
            (
                "last step completes",
                Inputs { next_step_consents: None, ..inputs(&ready) },
                Kind::Advance,
                "completes the plan",
            ),
            ("nothing yet", inputs(&[]), Kind::Hold, "partner A: 0 of 3"),
        ];
        for (name, input, kind, reason) in cases {
            let rec = recommend(&input);
            assert_eq!(rec.kind, kind, "{name}: {rec:?}");
            assert!(rec.reasons.iter().any(|r| r.contains(reason)), "{name}: {:?} lacks {reason:?}", rec.reasons);
        }
        let pending = recommend(&Inputs { next_step_consents: Some([Some(Yes), Some(NotAsked)]), ..inputs(&ready) });
        assert!(pending.awaiting_consent);
        assert_eq!(recommend(&inputs(&setback)).baseline.map(|b| b.step_id), Some("s1".into()));
    }

    #[test]
    fn the_window_starts_at_the_last_activation() {
        // A setback before the step was (re)activated no longer counts.
        let mut attempts = ready();
        attempts.push(attempt(0, -1, Outcome::Completed, 90, 60));
        assert_eq!(recommend(&inputs(&attempts)).kind, Kind::Advance);
        // The same setback inside the window does.
        let earlier = Inputs { step_activated_at: t0() - Duration::days(3), ..inputs(&attempts) };
        assert_eq!(recommend(&earlier).kind, Kind::StepBack);
        // And the window_days bound applies too.
        let late = Inputs { now: t0() + Duration::days(30), ..inputs(&attempts) };
        assert_eq!(recommend(&late).kind, Kind::Hold, "old sessions age out of the window");
        assert_eq!(window_start(&Criteria::default(), t0(), t0() + Duration::days(30)), t0() + Duration::days(16));
    }

    #[test]
    fn slope_is_least_squares() {
        assert!((slope(&[10.0, 12.0, 14.0]) - 2.0).abs() < 1e-9);
        assert!((slope(&[30.0, 30.0, 30.0])).abs() < 1e-9);
        assert!((slope(&[20.0]) - 0.0).abs() < 1e-9);
    }

    #[test]
    fn attention_statistics() {
        let rising = [
            attempt(0, 1, Outcome::Completed, 40, 10),
            attempt(0, 2, Outcome::Completed, 40, 14),
            attempt(0, 3, Outcome::Completed, 40, 16),
        ];
        assert!(window_stats(&inputs(&rising)).rising_distress);
        let flat = [
            attempt(0, 1, Outcome::Completed, 40, 10),
            attempt(0, 2, Outcome::Completed, 40, 11),
            attempt(0, 3, Outcome::Completed, 40, 10),
        ];
        assert!(!window_stats(&inputs(&flat)).rising_distress);
        let apart = [
            attempt(0, 1, Outcome::Completed, 40, 10),
            attempt(0, 2, Outcome::Completed, 40, 10),
            attempt(1, 1, Outcome::Completed, 60, 40),
            attempt(1, 2, Outcome::Partial, 60, 40),
        ];
        assert!(window_stats(&inputs(&apart)).diverging);
        assert!(!window_stats(&inputs(&apart[..3])).diverging, "each partner needs two attempts");
    }

    #[test]
    fn the_baseline_is_the_last_completed_step_before_this_one() {
        use StepStatus::{Active, Completed, NotStarted, Skipped};
        let plan = [("s1", Completed), ("s2", Completed), ("s3", Skipped), ("s4", Active), ("s5", NotStarted)];
        let found = |position| baseline(plan.iter().copied(), position).map(|b| (b.step_id, b.number));
        assert_eq!(found(3), Some(("s2".to_owned(), 2)), "a skipped step is not a baseline");
        assert_eq!(found(1), Some(("s1".to_owned(), 1)));
        assert_eq!(found(0), None, "the first step has nothing to return to");
        assert_eq!(found(9), Some(("s2".to_owned(), 2)), "a position past the end looks at every step");
        let fresh = [("s1", Active), ("s2", NotStarted)];
        assert_eq!(baseline(fresh.iter().copied(), 1), None, "nothing completed yet");
    }
}
