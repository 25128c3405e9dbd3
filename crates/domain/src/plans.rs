//! Plans, steps and consent: the statuses, the gates and the safety stops of domain.md.
//!
//! Everything here is a plain function of plain facts, so every gate is unit-tested
//! without a database, and the handlers only load facts and apply the answer.

use serde::{Deserialize, Serialize};

/// Limits on a plan's size.
pub const MAX_STEPS: usize = 20;
pub const MAX_EXERCISES_PER_STEP: usize = 10;

macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        $(#[$meta])*
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            #[must_use]
            pub const fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }

            #[must_use]
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($text => Some(Self::$variant),)+ _ => None }
            }
        }
    };
}
pub(crate) use text_enum;

text_enum!(
    /// A plan's status; the codes follow FHIR CarePlan so an export maps one to one.
    PlanStatus {
        Draft = "draft",
        Active = "active",
        OnHold = "on_hold",
        Completed = "completed",
        Archived = "archived",
    }
);

text_enum!(
    /// A step's status.
    StepStatus {
        NotStarted = "not_started",
        Active = "active",
        OnHold = "on_hold",
        Completed = "completed",
        Skipped = "skipped",
    }
);

text_enum!(
    /// One partner's answer about one step. A soft no is a normal, respected answer.
    ConsentAnswer {
        NotAsked = "not_asked",
        Yes = "yes",
        TentativeYes = "tentative_yes",
        SoftNo = "soft_no",
        No = "no",
    }
);

impl ConsentAnswer {
    /// Whether this answer lets a step be active.
    #[must_use]
    pub const fn permits(self) -> bool {
        matches!(self, Self::Yes | Self::TentativeYes)
    }

    /// Whether this answer withdraws consent (a safety stop on the current step).
    #[must_use]
    pub const fn withdraws(self) -> bool {
        matches!(self, Self::SoftNo | Self::No)
    }
}

text_enum!(
    /// Why a plan is on hold. Safety stops happen at once without a clinician; only a
    /// clinician resumes.
    HoldCause {
        /// A clinician paused the plan.
        Clinician = "clinician",
        /// A partner answered soft_no or no on the current step.
        ConsentWithdrawn = "consent_withdrawn",
        /// An incident (a crossed boundary) is open.
        IncidentOpen = "incident_open",
        /// The agreement in effect marks a current exercise off-limits.
        OffLimits = "off_limits",
        /// A partner left the programme.
        Withdrawal = "withdrawal",
    }
);

text_enum!(
    /// What a clinician can do to a plan's lifecycle.
    LifecycleAction {
        Activate = "activate",
        Pause = "pause",
        Resume = "resume",
        Complete = "complete",
        Archive = "archive",
    }
);

/// What must hold for a plan to run; loaded by the caller, judged here.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanFacts {
    pub status: Option<PlanStatus>,
    pub step_count: usize,
    /// A safety agreement is in effect (both partners acknowledged a version).
    pub agreement_in_effect: bool,
    /// Both partners' answers on the step that would be (or is) current.
    pub consents: [Option<ConsentAnswer>; 2],
    /// Tags of that step's exercises that the agreement in effect marks off-limits.
    pub off_limits_tags: Vec<String>,
    pub open_incidents: usize,
    pub withdrawn: bool,
    /// Another plan of the couple is active or on hold.
    pub other_running_plan: bool,
}

pub use crate::refusal::{Code, Refusal};

/// Both partners answered yes or tentative yes (domain.md: a step runs, and a plan
/// advances to it, only with both partners' consent).
#[must_use]
pub fn both_consent(consents: &[Option<ConsentAnswer>; 2]) -> bool {
    consents.iter().all(|c| c.is_some_and(ConsentAnswer::permits))
}

/// Why the current step cannot run now (empty when it can): the stop causes of
/// domain.md, in a fixed order.
#[must_use]
pub fn stop_causes(facts: &PlanFacts) -> Vec<Refusal> {
    let mut out = Vec::new();
    if !both_consent(&facts.consents) {
        out.push(Refusal::new(
            Code::ConsentMissing,
            "both partners must answer yes or tentative yes to the current step",
        ));
    }
    if facts.open_incidents > 0 {
        out.push(Refusal::new(Code::IncidentOpen, "an incident is open; resolve it first"));
    }
    if !facts.off_limits_tags.is_empty() {
        out.push(Refusal::new(
            Code::OffLimits,
            format!("the current step includes off-limits content: {}", facts.off_limits_tags.join(", ")),
        ));
    }
    if facts.withdrawn {
        out.push(Refusal::new(Code::Withdrawn, "a partner has withdrawn from the programme"));
    }
    out
}

/// The status a lifecycle action leads to, or every reason it cannot happen now.
pub fn lifecycle(action: LifecycleAction, facts: &PlanFacts) -> Result<PlanStatus, Vec<Refusal>> {
    let status = facts.status.unwrap_or(PlanStatus::Draft);
    let wrong_status = |allowed: &str| {
        vec![Refusal::new(
            Code::InvalidTransition,
            format!("a plan that is {} cannot be {allowed}", status.as_str().replace('_', " ")),
        )]
    };
    match action {
        LifecycleAction::Activate => {
            if status != PlanStatus::Draft {
                return Err(wrong_status("activated"));
            }
            let mut reasons = Vec::new();
            if facts.step_count == 0 {
                reasons.push(Refusal::new(Code::NoSteps, "add at least one step first"));
            }
            if !facts.agreement_in_effect {
                reasons.push(Refusal::new(
                    Code::AgreementNotInEffect,
                    "a safety agreement must be in effect: both partners acknowledge it",
                ));
            }
            if facts.other_running_plan {
                reasons
                    .push(Refusal::new(Code::AnotherPlanRunning, "the couple already has an active or on-hold plan"));
            }
            if facts.step_count > 0 {
                reasons.extend(stop_causes(facts).into_iter().map(|r| match r.code {
                    Code::ConsentMissing => Refusal::new(
                        Code::ConsentMissing,
                        "both partners must answer yes or tentative yes to the first step",
                    ),
                    _ => r,
                }));
            }
            if reasons.is_empty() { Ok(PlanStatus::Active) } else { Err(reasons) }
        }
        LifecycleAction::Pause => match status {
            PlanStatus::Active => Ok(PlanStatus::OnHold),
            _ => Err(wrong_status("paused")),
        },
        LifecycleAction::Resume => {
            if status != PlanStatus::OnHold {
                return Err(wrong_status("resumed"));
            }
            let reasons = stop_causes(facts);
            if reasons.is_empty() { Ok(PlanStatus::Active) } else { Err(reasons) }
        }
        LifecycleAction::Complete => match status {
            PlanStatus::Active | PlanStatus::OnHold => Ok(PlanStatus::Completed),
            _ => Err(wrong_status("completed")),
        },
        LifecycleAction::Archive => match status {
            PlanStatus::Draft | PlanStatus::OnHold | PlanStatus::Completed => Ok(PlanStatus::Archived),
            _ => Err(wrong_status("archived")),
        },
    }
}

/// Whether a plan in this status may have its content (title, steps, exercises) edited.
#[must_use]
pub fn editable(status: PlanStatus) -> bool {
    matches!(status, PlanStatus::Draft | PlanStatus::Active | PlanStatus::OnHold)
}

/// Tags among `exercise_tags` that either partner marked off-limits.
#[must_use]
pub fn off_limits<'a>(exercise_tags: impl IntoIterator<Item = &'a String>, off_limits: &[String]) -> Vec<String> {
    let mut hits: Vec<String> = exercise_tags.into_iter().filter(|t| off_limits.contains(t)).cloned().collect();
    hits.sort();
    hits.dedup();
    hits
}

/// Progression criteria of a step (domain.md defaults, overridable per step).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Criteria {
    /// Completed attempts per partner in the window.
    pub min_sessions: i32,
    /// After-attempt distress at or under this counts as comfortable.
    pub target_suds: i32,
    /// Peak distress at or over this is a setback.
    pub setback_suds: i32,
    /// Days the window looks back (never before the step last became active).
    pub window_days: i32,
}

impl Default for Criteria {
    fn default() -> Self {
        Self { min_sessions: 3, target_suds: 30, setback_suds: 70, window_days: 14 }
    }
}

impl Criteria {
    /// Checks the ranges; returns (field, message) for each problem.
    #[must_use]
    pub fn problems(&self) -> Vec<(&'static str, &'static str)> {
        let mut out = Vec::new();
        if !(1..=50).contains(&self.min_sessions) {
            out.push(("min_sessions", "must be between 1 and 50"));
        }
        if !(0..=100).contains(&self.target_suds) {
            out.push(("target_suds", "must be between 0 and 100"));
        }
        if !(0..=100).contains(&self.setback_suds) {
            out.push(("setback_suds", "must be between 0 and 100"));
        } else if self.setback_suds <= self.target_suds {
            out.push(("setback_suds", "must be above target_suds"));
        }
        if !(1..=90).contains(&self.window_days) {
            out.push(("window_days", "must be between 1 and 90"));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ConsentAnswer::*;

    fn ready() -> PlanFacts {
        PlanFacts {
            status: Some(PlanStatus::Draft),
            step_count: 3,
            agreement_in_effect: true,
            consents: [Some(Yes), Some(TentativeYes)],
            ..PlanFacts::default()
        }
    }

    fn codes(r: Result<PlanStatus, Vec<Refusal>>) -> Vec<&'static str> {
        r.err().unwrap_or_default().into_iter().map(|r| r.code.as_str()).collect()
    }

    #[test]
    fn activation_gates() {
        let cases: Vec<(&str, PlanFacts, Vec<&str>)> = vec![
            ("all set", ready(), vec![]),
            ("no agreement", PlanFacts { agreement_in_effect: false, ..ready() }, vec!["agreement_not_in_effect"]),
            ("one consent missing", PlanFacts { consents: [Some(Yes), None], ..ready() }, vec!["consent_missing"]),
            ("not asked", PlanFacts { consents: [Some(Yes), Some(NotAsked)], ..ready() }, vec!["consent_missing"]),
            ("soft no", PlanFacts { consents: [Some(SoftNo), Some(Yes)], ..ready() }, vec!["consent_missing"]),
            ("no steps", PlanFacts { step_count: 0, ..ready() }, vec!["no_steps"]),
            ("another plan", PlanFacts { other_running_plan: true, ..ready() }, vec!["another_plan_running"]),
            (
                "off limits",
                PlanFacts { off_limits_tags: vec!["clothing:removed".into()], ..ready() },
                vec!["off_limits"],
            ),
            (
                "everything wrong",
                PlanFacts { agreement_in_effect: false, consents: [None, None], ..ready() },
                vec!["agreement_not_in_effect", "consent_missing"],
            ),
            ("already active", PlanFacts { status: Some(PlanStatus::Active), ..ready() }, vec!["invalid_transition"]),
        ];
        for (name, facts, expected) in cases {
            let result = lifecycle(LifecycleAction::Activate, &facts);
            assert_eq!(codes(result.clone()), expected, "{name}");
            if expected.is_empty() {
                assert_eq!(result, Ok(PlanStatus::Active), "{name}");
            }
        }
    }

    #[test]
    fn resume_is_refused_while_any_stop_cause_remains() {
        let held = PlanFacts { status: Some(PlanStatus::OnHold), ..ready() };
        let cases: Vec<(&str, PlanFacts, Vec<&str>)> = vec![
            ("all clear", held.clone(), vec![]),
            (
                "consent withdrawn",
                PlanFacts { consents: [Some(No), Some(Yes)], ..held.clone() },
                vec!["consent_missing"],
            ),
            ("incident open", PlanFacts { open_incidents: 1, ..held.clone() }, vec!["incident_open"]),
            (
                "off limits",
                PlanFacts { off_limits_tags: vec!["touch:hands".into()], ..held.clone() },
                vec!["off_limits"],
            ),
            ("withdrawn", PlanFacts { withdrawn: true, ..held.clone() }, vec!["withdrawn"]),
            (
                "several",
                PlanFacts { open_incidents: 2, withdrawn: true, consents: [None, Some(Yes)], ..held.clone() },
                vec!["consent_missing", "incident_open", "withdrawn"],
            ),
            ("not on hold", PlanFacts { status: Some(PlanStatus::Active), ..held }, vec!["invalid_transition"]),
        ];
        for (name, facts, expected) in cases {
            assert_eq!(codes(lifecycle(LifecycleAction::Resume, &facts)), expected, "{name}");
        }
    }

    #[test]
    fn every_transition_from_every_status() {
        use LifecycleAction as A;
        use PlanStatus as S;
        let table = [
            (A::Pause, S::Active, Some(S::OnHold)),
            (A::Pause, S::Draft, None),
            (A::Pause, S::OnHold, None),
            (A::Complete, S::Active, Some(S::Completed)),
            (A::Complete, S::OnHold, Some(S::Completed)),
            (A::Complete, S::Draft, None),
            (A::Complete, S::Completed, None),
            (A::Archive, S::Draft, Some(S::Archived)),
            (A::Archive, S::Completed, Some(S::Archived)),
            (A::Archive, S::OnHold, Some(S::Archived)),
            (A::Archive, S::Active, None),
            (A::Archive, S::Archived, None),
            (A::Activate, S::Archived, None),
            (A::Resume, S::Draft, None),
        ];
        for (action, from, to) in table {
            let facts = PlanFacts { status: Some(from), ..ready() };
            assert_eq!(lifecycle(action, &facts).ok(), to, "{action:?} from {from:?}");
        }
    }

    #[test]
    fn consent_answers() {
        assert!(Yes.permits() && TentativeYes.permits());
        assert!(!NotAsked.permits() && !SoftNo.permits() && !No.permits());
        assert!(SoftNo.withdraws() && No.withdraws() && !NotAsked.withdraws());
        for a in ConsentAnswer::ALL {
            assert_eq!(ConsentAnswer::parse(a.as_str()), Some(*a));
        }
    }

    #[test]
    fn off_limits_names_each_conflicting_tag_once() {
        let tags = vec!["touch:hands".to_owned(), "clothing:removed".to_owned(), "touch:hands".to_owned()];
        let off = vec!["touch:hands".to_owned(), "solo".to_owned()];
        assert_eq!(off_limits(&tags, &off), vec!["touch:hands".to_owned()]);
        assert!(off_limits(&tags, &[]).is_empty());
    }

    #[test]
    fn criteria_defaults_and_ranges() {
        let c = Criteria::default();
        assert_eq!((c.min_sessions, c.target_suds, c.setback_suds, c.window_days), (3, 30, 70, 14));
        assert!(c.problems().is_empty());
        let bad = Criteria { min_sessions: 0, target_suds: 101, setback_suds: 20, window_days: 0 };
        let fields: Vec<_> = bad.problems().into_iter().map(|p| p.0).collect();
        assert_eq!(fields, vec!["min_sessions", "target_suds", "setback_suds", "window_days"]);
        let inverted = Criteria { target_suds: 60, setback_suds: 50, ..c };
        assert_eq!(inverted.problems()[0].0, "setback_suds");
    }
}
