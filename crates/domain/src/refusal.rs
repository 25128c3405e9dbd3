//! Refusals: why a rule said no, as a stable code a client switches on (never on the
//! prose) and a sentence for people. The HTTP edge answers each as 409 with the problem
//! type `urn:tandem:problem:{code}`.

crate::plans::text_enum!(
    /// Every reason a well-formed request can be refused by a rule of the domain.
    #[cfg_attr(feature = "openapi", schema(as = RefusalCode))]
    Code {
        /// The plan's status does not allow this lifecycle action.
        InvalidTransition = "invalid_transition",
        /// A plan needs a step before it can start.
        NoSteps = "no_steps",
        /// No safety agreement is in effect (both partners must acknowledge one).
        AgreementNotInEffect = "agreement_not_in_effect",
        /// The couple already has an active or on-hold plan.
        AnotherPlanRunning = "another_plan_running",
        /// Both partners must answer yes or tentative yes first.
        ConsentMissing = "consent_missing",
        /// An incident is open.
        IncidentOpen = "incident_open",
        /// The agreement in effect rules out an exercise's tag.
        OffLimits = "off_limits",
        /// A partner has withdrawn from the programme.
        Withdrawn = "withdrawn",
        /// The couple is discharged: nothing more can be submitted or changed.
        NotInTreatment = "not_in_treatment",
        /// The plan has ended (completed or archived).
        PlanEnded = "plan_ended",
        /// The plan cannot be edited in its current status, or this part of it can no longer change.
        NotEditable = "not_editable",
        /// Decisions apply to an active plan.
        PlanNotRunning = "plan_not_running",
        /// Only the plan's current, active step takes reports.
        StepNotCurrent = "step_not_current",
        /// The recommendation changed since the caller read it.
        RecommendationChanged = "recommendation_changed",
        /// No earlier step was completed: there is no baseline to return to.
        NoBaseline = "no_baseline",
        /// The partner has already accepted their invitation.
        InvitationAccepted = "invitation_accepted",
        /// A practice keeps at least one active admin.
        LastAdmin = "last_admin",
        /// An active couple keeps at least one clinician.
        LastClinician = "last_clinician",
        /// Only dead or cancelled messages can be retried.
        NotRetryable = "not_retryable",
        /// A request with this `Idempotency-Key` is still being processed.
        RequestInProgress = "request_in_progress",
        /// Something with this identity (an email in the practice, a name) already exists.
        AlreadyExists = "already_exists",
        /// The compromise was withdrawn; it can no longer be agreed.
        CompromiseWithdrawn = "compromise_withdrawn",
        /// Built-in journal prompts are read-only (the same in every practice).
        BuiltinPrompt = "builtin_prompt",
        /// The questionnaire is not waiting for this partner now (answered, or not yet due).
        MeasureNotDue = "measure_not_due",
        /// The response has no critical finding waiting for acknowledgement.
        NothingToAcknowledge = "nothing_to_acknowledge",
        /// A compromise or a reconnect window is accepted by the partner who did not
        /// propose it.
        OwnProposal = "own_proposal",
        /// The reconnect window was called off.
        WindowCancelled = "window_cancelled",
        /// The date is not an occurrence of the agreed reconnect window.
        NotAnOccurrence = "not_an_occurrence",
        /// The occurrence is already over.
        OccurrenceOver = "occurrence_over",
        /// The occurrence was off (called off, or the window was).
        OccurrenceOff = "occurrence_off",
        /// The occurrence has not ended yet.
        OccurrenceNotEnded = "occurrence_not_ended",
    }
);

impl Code {
    /// A short title, the same for every occurrence.
    #[must_use]
    pub const fn title(self) -> &'static str {
        match self {
            Self::InvalidTransition => "Not possible in the plan's current status",
            Self::NoSteps => "The plan has no steps",
            Self::AgreementNotInEffect => "No safety agreement in effect",
            Self::AnotherPlanRunning => "Another plan is running",
            Self::ConsentMissing => "Both partners' consent is needed",
            Self::IncidentOpen => "An incident is open",
            Self::OffLimits => "Off-limits under the safety agreement",
            Self::Withdrawn => "A partner has withdrawn",
            Self::NotInTreatment => "The couple is discharged",
            Self::PlanEnded => "The plan has ended",
            Self::NotEditable => "This can no longer be edited",
            Self::PlanNotRunning => "The plan is not running",
            Self::StepNotCurrent => "Not the current step",
            Self::RecommendationChanged => "The recommendation has changed",
            Self::NoBaseline => "No baseline step to return to",
            Self::InvitationAccepted => "The invitation was already accepted",
            Self::LastAdmin => "The practice's last admin",
            Self::LastClinician => "The couple's last clinician",
            Self::NotRetryable => "The message cannot be retried",
            Self::RequestInProgress => "The same request is in progress",
            Self::AlreadyExists => "Already exists",
            Self::CompromiseWithdrawn => "The compromise was withdrawn",
            Self::BuiltinPrompt => "Built-in prompts are read-only",
            Self::MeasureNotDue => "The questionnaire is not due",
            Self::NothingToAcknowledge => "Nothing to acknowledge",
            Self::OwnProposal => "The other partner accepts this",
            Self::WindowCancelled => "The reconnect window was called off",
            Self::NotAnOccurrence => "Not an occurrence of the window",
            Self::OccurrenceOver => "The occurrence is over",
            Self::OccurrenceOff => "The occurrence was off",
            Self::OccurrenceNotEnded => "The occurrence has not ended",
        }
    }
}

/// One reason a request was refused: a stable code for programs and a sentence for
/// people. Reasons never say which partner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: Code,
    pub message: String,
}

impl Refusal {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::Code;

    #[test]
    fn codes_are_distinct_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            let s = code.as_str();
            assert!(s.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{s}");
            assert!(seen.insert(s), "{s} twice");
            assert!(!code.title().is_empty());
        }
    }
}
