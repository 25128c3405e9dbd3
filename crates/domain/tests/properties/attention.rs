//! The caseload's attention flags: "who needs me today", most urgent first.

use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;
use tandem_domain::attention::{Flag, SummaryFacts, flags};

use crate::{config, t0};

fn instant() -> impl Strategy<Value = Option<DateTime<Utc>>> {
    prop::option::of((-30 * 24..30 * 24i64).prop_map(|h| t0() + Duration::hours(h)))
}

fn facts() -> impl Strategy<Value = SummaryFacts> {
    (
        prop_oneof![3 => Just(0i32), 1 => 1..3i32],
        prop::bool::weighted(0.2),
        prop::option::of(prop::sample::select(&["consent_withdrawn", "clinician", "incident_open"][..])),
        prop::option::of(prop::sample::select(
            &["step_back", "advance", "advance_awaiting_consent", "hold", "pause"][..],
        )),
        any::<bool>(),
        any::<bool>(),
        instant(),
        instant(),
        instant(),
        prop_oneof![3 => Just(0i32), 1 => 1..3i32],
        any::<bool>(),
        instant(),
    )
        .prop_map(
            |(
                open_incidents,
                withdrawn,
                pause,
                recommendation,
                rising,
                diverging,
                last,
                review,
                created,
                critical_items,
                measure_worsened,
                measure_due_since,
            )| {
                SummaryFacts {
                    open_incidents,
                    withdrawn,
                    pause_cause: pause.map(str::to_owned),
                    recommendation: recommendation.map(str::to_owned),
                    rising_distress: rising,
                    diverging,
                    last_activity_at: last,
                    agreement_review_due_at: review,
                    couple_created_at: created,
                    critical_items,
                    measure_worsened,
                    measure_due_since,
                }
            },
        )
}

/// A flag's place in the documented order of urgency (0 = most urgent).
fn rank(flag: Flag) -> usize {
    Flag::ALL.iter().position(|f| *f == flag).unwrap()
}

proptest! {
    #![proptest_config(config())]

    /// Flags come most urgent first, each at most once, in the documented order; so the
    /// first flag is the couple's urgency and ranking couples by it is a total order.
    #[test]
    fn flags_follow_the_documented_priority(facts in facts(), hours in -1000..1000i64) {
        let got = flags(&facts, t0() + Duration::hours(hours));
        let ranks: Vec<usize> = got.iter().map(|f| rank(*f)).collect();
        prop_assert!(ranks.windows(2).all(|w| w[0] < w[1]), "{:?}", got);
        prop_assert_eq!(got.first().map(|f| rank(*f)), ranks.iter().min().copied());
    }

    /// An unacknowledged critical answer always tops the couple's flags; after it, an
    /// open incident or a withdrawal.
    #[test]
    fn safety_comes_first(facts in facts()) {
        let got = flags(&facts, t0());
        prop_assert_eq!(got.first() == Some(&Flag::CriticalItem), facts.critical_items > 0);
        prop_assert_eq!(
            got.iter().find(|f| **f != Flag::CriticalItem) == Some(&Flag::IncidentOrWithdrawal),
            facts.open_incidents > 0 || facts.withdrawn
        );
    }

    /// Time only adds the time-based flags: a couple that needs attention because it
    /// went quiet or its agreement is due for review does not drop off the caseload as
    /// days pass, and the other flags do not depend on the time at all.
    #[test]
    fn waiting_never_clears_a_flag(facts in facts(), hours in 0..2000i64) {
        let now = flags(&facts, t0());
        let later = flags(&facts, t0() + Duration::hours(hours));
        for flag in &now {
            prop_assert!(later.contains(flag), "{:?} cleared by waiting", flag);
        }
        for flag in &later {
            prop_assert!(now.contains(flag) || matches!(flag, Flag::Inactive | Flag::AgreementReviewDue | Flag::MeasureOverdue));
        }
    }

    /// A couple with nothing to report is not on the list.
    #[test]
    fn calm_couples_have_no_flags(hours in 0..24 * 6i64) {
        let calm = SummaryFacts {
            last_activity_at: Some(t0() - Duration::hours(hours)),
            ..SummaryFacts::default()
        };
        prop_assert!(flags(&calm, t0()).is_empty());
    }
}
