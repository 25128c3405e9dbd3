//! A plan's lifecycle (domain.md, "Plans"): the gates on each action and the statuses
//! they lead to.

use proptest::prelude::*;
use tandem_domain::plans::{Code, LifecycleAction, PlanFacts, PlanStatus, lifecycle, stop_causes};

use crate::{answers, both_permit, config};

fn status() -> impl Strategy<Value = PlanStatus> {
    prop::sample::select(PlanStatus::ALL)
}

fn action() -> impl Strategy<Value = LifecycleAction> {
    prop::sample::select(LifecycleAction::ALL)
}

/// Facts about a plan, each gate open or closed; mostly open, so actions succeed often.
fn facts() -> impl Strategy<Value = PlanFacts> {
    (
        prop::option::of(status()),
        prop_oneof![4 => 1..5usize, 1 => Just(0usize)],
        prop::bool::weighted(0.8),
        answers(),
        prop_oneof![4 => Just(Vec::new()), 1 => Just(vec!["touch:hands".to_owned()])],
        prop_oneof![4 => Just(0usize), 1 => 1..3usize],
        prop::bool::weighted(0.15),
        prop::bool::weighted(0.15),
    )
        .prop_map(
            |(status, step_count, agreement_in_effect, consents, off_limits_tags, open_incidents, withdrawn, other)| {
                PlanFacts {
                    status,
                    step_count,
                    agreement_in_effect,
                    consents,
                    off_limits_tags,
                    open_incidents,
                    withdrawn,
                    other_running_plan: other,
                }
            },
        )
}

/// The transitions domain.md allows, whatever the gates say.
fn allowed(action: LifecycleAction, from: PlanStatus) -> Option<PlanStatus> {
    use LifecycleAction as A;
    use PlanStatus as S;
    match (action, from) {
        (A::Activate, S::Draft) | (A::Resume, S::OnHold) => Some(S::Active),
        (A::Pause, S::Active) => Some(S::OnHold),
        (A::Complete, S::Active | S::OnHold) => Some(S::Completed),
        (A::Archive, S::Draft | S::OnHold | S::Completed) => Some(S::Archived),
        _ => None,
    }
}

proptest! {
    #![proptest_config(config())]

    /// A plan only ever starts or resumes running with both partners' consent to the
    /// current step, no open incident, nothing off-limits and nobody withdrawn; a plan
    /// starts only with steps, an agreement in effect and no other plan running.
    #[test]
    fn a_plan_runs_only_when_every_gate_is_open(action in action(), facts in facts()) {
        if lifecycle(action, &facts) == Ok(PlanStatus::Active) {
            prop_assert!(both_permit(&facts.consents));
            prop_assert_eq!(facts.open_incidents, 0);
            prop_assert!(facts.off_limits_tags.is_empty());
            prop_assert!(!facts.withdrawn);
            if action == LifecycleAction::Activate {
                prop_assert!(facts.step_count > 0 && facts.agreement_in_effect && !facts.other_running_plan);
            }
        }
    }

    /// Every success is a transition the lifecycle allows, and a refusal names at least
    /// one reason, each code once; a wrong status is the only reason given.
    #[test]
    fn outcomes_follow_the_transition_table(action in action(), facts in facts()) {
        let from = facts.status.unwrap_or(PlanStatus::Draft);
        match lifecycle(action, &facts) {
            Ok(to) => prop_assert_eq!(Some(to), allowed(action, from)),
            Err(reasons) => {
                prop_assert!(!reasons.is_empty());
                let codes: Vec<Code> = reasons.iter().map(|r| r.code).collect();
                let mut distinct = codes.clone();
                distinct.sort_by_key(|c| c.as_str());
                distinct.dedup();
                prop_assert_eq!(distinct.len(), codes.len(), "{:?}", codes);
                if allowed(action, from).is_none() {
                    prop_assert_eq!(codes, vec![Code::InvalidTransition]);
                } else {
                    prop_assert!(!codes.contains(&Code::InvalidTransition));
                }
            }
        }
    }

    /// Pause, complete and archive are never blocked by the safety gates: a clinician
    /// can always stop a plan.
    #[test]
    fn stopping_a_plan_depends_on_its_status_only(action in action(), facts in facts(), status in status()) {
        let facts = PlanFacts { status: Some(status), ..facts };
        if matches!(action, LifecycleAction::Pause | LifecycleAction::Complete | LifecycleAction::Archive) {
            prop_assert_eq!(lifecycle(action, &facts).ok(), allowed(action, status));
        }
    }

    /// Resuming is possible exactly when no stop cause remains.
    #[test]
    fn resume_waits_for_every_stop_cause(facts in facts()) {
        let held = PlanFacts { status: Some(PlanStatus::OnHold), ..facts };
        let causes = stop_causes(&held);
        match lifecycle(LifecycleAction::Resume, &held) {
            Ok(to) => {
                prop_assert_eq!(to, PlanStatus::Active);
                prop_assert!(causes.is_empty());
            }
            Err(reasons) => prop_assert_eq!(reasons, causes),
        }
    }

    /// Whatever the clinician does, an ended plan (completed or archived) never runs
    /// again, and an archived plan never changes.
    #[test]
    fn an_ended_plan_never_runs_again(steps in prop::collection::vec((action(), facts()), 1..24)) {
        let mut status = PlanStatus::Draft;
        let mut ended = false;
        for (action, facts) in steps {
            let before = status;
            if let Ok(next) = lifecycle(action, &PlanFacts { status: Some(status), ..facts }) {
                status = next;
            }
            if before == PlanStatus::Archived {
                prop_assert_eq!(status, PlanStatus::Archived);
            }
            ended |= matches!(status, PlanStatus::Completed | PlanStatus::Archived);
            if ended {
                prop_assert!(matches!(status, PlanStatus::Completed | PlanStatus::Archived), "{:?} after ending", status);
            }
        }
    }
}
