//! The progression recommendation (domain.md, "Progression").

use chrono::Duration;
use proptest::prelude::*;
use tandem_domain::plans::Criteria;
use tandem_domain::progression::{Attempt, Baseline, Inputs, Kind, Outcome, recommend, window_start};

use crate::{answers, both_permit, config, t0};

/// Everything `Inputs` borrows or holds, generated together.
#[derive(Debug, Clone)]
struct Case {
    criteria: Criteria,
    activated_days_ago: i64,
    attempts: Vec<Attempt>,
    consents: [Option<tandem_domain::plans::ConsentAnswer>; 2],
    open_incidents: usize,
    step_number: usize,
    next_step_consents: Option<[Option<tandem_domain::plans::ConsentAnswer>; 2]>,
    baseline: Option<Baseline>,
}

impl Case {
    fn inputs(&self) -> Inputs<'_> {
        self.with(&self.attempts)
    }

    fn with<'a>(&self, attempts: &'a [Attempt]) -> Inputs<'a> {
        Inputs {
            criteria: self.criteria,
            step_activated_at: t0() - Duration::days(self.activated_days_ago),
            now: t0(),
            attempts,
            consents: self.consents,
            open_incidents: self.open_incidents,
            step_number: self.step_number,
            next_step_consents: self.next_step_consents,
            baseline: self.baseline.clone(),
        }
    }
}

fn criteria() -> impl Strategy<Value = Criteria> {
    (1..=4i32, 0..=60i32, 1..=40i32, 1..=21i32).prop_map(|(min_sessions, target_suds, above, window_days)| Criteria {
        min_sessions,
        target_suds,
        setback_suds: (target_suds + above).min(100),
        window_days,
    })
}

/// Attempts at distinct minutes over the last 40 days (and a little in the future, which
/// must not count), mostly comfortable so that every kind of recommendation comes up.
fn attempts() -> impl Strategy<Value = Vec<Attempt>> {
    let one = (
        0..2usize,
        prop::sample::select(
            &[Outcome::Completed, Outcome::Completed, Outcome::Partial, Outcome::Skipped, Outcome::Paused][..],
        ),
        prop_oneof![3 => 0..=50i32, 1 => 50..=100i32],
        prop_oneof![3 => 0..=35i32, 1 => 35..=100i32],
    );
    (prop::collection::btree_set(-40 * 24 * 60..60i64, 0..16), prop::collection::vec(one, 16)).prop_map(
        |(minutes, details)| {
            minutes
                .into_iter()
                .zip(details)
                .map(|(m, (partner, outcome, peak, after))| Attempt {
                    partner,
                    occurred_at: t0() + Duration::minutes(m),
                    outcome,
                    peak,
                    after,
                })
                .collect()
        },
    )
}

fn case() -> impl Strategy<Value = Case> {
    (
        criteria(),
        0..30i64,
        attempts(),
        answers(),
        prop_oneof![4 => Just(0usize), 1 => 1..3usize],
        1..8usize,
        prop::option::of(answers()),
        prop::option::of((0..5usize).prop_map(|n| Baseline { step_id: format!("step-{n}"), number: n + 1 })),
    )
        .prop_map(
            |(criteria, activated_days_ago, attempts, consents, open_incidents, step_number, next, baseline)| Case {
                criteria,
                activated_days_ago,
                attempts,
                consents,
                open_incidents,
                step_number,
                next_step_consents: next,
                baseline,
            },
        )
}

/// Comfortable completed sessions of `partner` inside the window.
fn comfortable(case: &Case, partner: usize) -> usize {
    let inputs = case.inputs();
    let start = window_start(&inputs.criteria, inputs.step_activated_at, inputs.now);
    case.attempts
        .iter()
        .filter(|a| a.partner == partner && a.occurred_at >= start && a.occurred_at <= inputs.now)
        .filter(|a| a.outcome == Outcome::Completed && a.after <= case.criteria.target_suds)
        .count()
}

proptest! {
    #![proptest_config(config())]

    /// A withdrawn consent or an open incident always pauses, whatever the sessions say.
    #[test]
    fn a_safety_stop_always_pauses(case in case()) {
        let stop = case.open_incidents > 0
            || case.consents.iter().any(|a| a.is_some_and(tandem_domain::plans::ConsentAnswer::withdraws));
        let rec = recommend(&case.inputs());
        if stop {
            prop_assert_eq!(rec.kind, Kind::Pause, "{:?}", rec.reasons);
        }
    }

    /// Advancing never skips consent: without both partners' yes (or tentative yes) to
    /// the next step, an advance is only ever "once both consent".
    #[test]
    fn a_plan_never_advances_without_both_consents(case in case()) {
        let rec = recommend(&case.inputs());
        if rec.kind == Kind::Advance && !rec.awaiting_consent {
            prop_assert!(case.next_step_consents.as_ref().is_none_or(both_permit), "{:?}", case.next_step_consents);
        }
        if rec.awaiting_consent {
            prop_assert_eq!(rec.kind, Kind::Advance);
            prop_assert!(case.next_step_consents.as_ref().is_some_and(|n| !both_permit(n)));
        }
    }

    /// An advance needs enough comfortable sessions from each partner in the window.
    #[test]
    fn an_advance_rests_on_both_partners_sessions(case in case()) {
        let rec = recommend(&case.inputs());
        let needed = usize::try_from(case.criteria.min_sessions).unwrap();
        let enough = comfortable(&case, 0) >= needed && comfortable(&case, 1) >= needed;
        if rec.kind == Kind::Advance {
            prop_assert!(enough);
        }
        if rec.kind == Kind::Hold {
            prop_assert!(!enough, "a hold says what is missing: {:?}", rec.reasons);
        }
    }

    /// A step back always returns to the last completed step (the baseline given), and
    /// without one it is refused: the plan pauses instead.
    #[test]
    fn a_step_back_targets_the_baseline_or_pauses(case in case()) {
        let rec = recommend(&case.inputs());
        if rec.kind == Kind::StepBack {
            prop_assert!(case.baseline.is_some());
            prop_assert_eq!(&rec.baseline, &case.baseline);
        } else {
            prop_assert_eq!(rec.baseline, None);
        }
        let without = Case { baseline: None, ..case };
        prop_assert_ne!(recommend(&without.inputs()).kind, Kind::StepBack);
    }

    /// Only sessions in the window count: dropping the others changes nothing, and the
    /// order attempts arrive in does not matter either.
    #[test]
    fn only_the_window_counts_and_order_does_not_matter(case in case()) {
        let inputs = case.inputs();
        let start = window_start(&inputs.criteria, inputs.step_activated_at, inputs.now);
        let inside: Vec<Attempt> =
            case.attempts.iter().filter(|a| a.occurred_at >= start && a.occurred_at <= inputs.now).cloned().collect();
        let mut reversed = case.attempts.clone();
        reversed.reverse();
        let rec = recommend(&inputs);
        prop_assert_eq!(&recommend(&case.with(&inside)), &rec);
        prop_assert_eq!(&recommend(&case.with(&reversed)), &rec);
    }

    /// The clinician always sees why.
    #[test]
    fn every_recommendation_gives_reasons(case in case()) {
        prop_assert!(!recommend(&case.inputs()).reasons.is_empty());
    }
}
