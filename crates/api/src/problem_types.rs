//! Which refusals (409 problem types) each operation can answer, so a client generator
//! (and a person) knows what a UI must tell apart. `openapi::finish` turns this into each
//! operation's 409 description and its `x-problem-types` list; the API suite checks every
//! 409 it receives against the operation's list.

use tandem_domain::refusal::Code;

/// Discharged couples keep reading their record; nothing new is written for them.
const WRITE_CLINICAL: &[Code] = &[Code::NotInTreatment];
/// Edits of the plan document.
const EDIT_PLAN: &[Code] = &[Code::NotInTreatment, Code::NotEditable];

/// The refusals of each operation that can refuse, by `operationId`.
pub const REFUSALS: &[(&str, &[Code])] = &[
    ("createCouple", &[Code::AlreadyExists]),
    ("unassignClinician", &[Code::LastClinician]),
    ("resendInvitation", &[Code::InvitationAccepted]),
    ("inviteStaff", &[Code::AlreadyExists]),
    ("updateUser", &[Code::LastAdmin]),
    ("retryOutboxMessage", &[Code::NotRetryable]),
    ("putSafetyAgreement", WRITE_CLINICAL),
    ("acknowledgeSafetyAgreement", WRITE_CLINICAL),
    ("createPlan", WRITE_CLINICAL),
    ("updatePlan", EDIT_PLAN),
    ("addStep", EDIT_PLAN),
    ("updateStep", EDIT_PLAN),
    ("deleteStep", EDIT_PLAN),
    ("reorderSteps", EDIT_PLAN),
    ("removeStepExercise", EDIT_PLAN),
    ("addStepExercise", &[Code::NotInTreatment, Code::NotEditable, Code::OffLimits]),
    (
        "changePlanStatus",
        &[
            Code::NotInTreatment,
            Code::InvalidTransition,
            Code::NoSteps,
            Code::AgreementNotInEffect,
            Code::AnotherPlanRunning,
            Code::ConsentMissing,
            Code::IncidentOpen,
            Code::OffLimits,
            Code::Withdrawn,
        ],
    ),
    ("setConsent", &[Code::NotInTreatment, Code::PlanEnded]),
    ("updatePlanTemplate", &[Code::NotEditable]),
    ("archivePlanTemplate", &[Code::NotEditable]),
    ("getRecommendation", &[Code::PlanNotRunning]),
    ("decide", &[Code::PlanNotRunning, Code::RecommendationChanged, Code::ConsentMissing, Code::NoBaseline]),
    ("createReport", &[Code::NotInTreatment, Code::StepNotCurrent, Code::RequestInProgress]),
    ("createCheckIn", &[Code::NotInTreatment, Code::RequestInProgress]),
    ("openIncident", &[Code::RequestInProgress]),
    ("createNeedsMapItem", &[Code::NotInTreatment, Code::RequestInProgress]),
    ("updateNeedsMapItem", WRITE_CLINICAL),
    ("deleteNeedsMapItem", WRITE_CLINICAL),
    ("proposeCompromise", &[Code::NotInTreatment, Code::RequestInProgress]),
    ("acceptCompromise", &[Code::NotInTreatment, Code::OwnProposal, Code::CompromiseWithdrawn]),
    ("withdrawCompromise", WRITE_CLINICAL),
    ("putComfortScript", WRITE_CLINICAL),
    ("archiveJournalPrompt", &[Code::BuiltinPrompt]),
    ("assignJournalPrompt", WRITE_CLINICAL),
    ("removeJournalPromptAssignment", WRITE_CLINICAL),
    ("createJournalEntry", &[Code::NotInTreatment, Code::RequestInProgress]),
    // Scored measures (docs/measures.md).
    ("createMeasureAssignment", WRITE_CLINICAL),
    ("createMeasureResponse", &[Code::NotInTreatment, Code::MeasureNotDue, Code::RequestInProgress]),
    ("acknowledgeMeasureResponse", &[Code::NothingToAcknowledge]),
    ("proposeReconnectWindow", &[Code::NotInTreatment, Code::RequestInProgress]),
    ("acceptReconnectWindow", &[Code::NotInTreatment, Code::OwnProposal, Code::WindowCancelled]),
    ("cancelReconnectWindow", &[Code::WindowCancelled, Code::NotAnOccurrence, Code::OccurrenceOver]),
    (
        "createReconnectCheckIn",
        &[
            Code::NotInTreatment,
            Code::NotAnOccurrence,
            Code::OccurrenceOff,
            Code::OccurrenceNotEnded,
            Code::AlreadyExists,
            Code::RequestInProgress,
        ],
    ),
];

/// The refusals `operation_id` can answer (empty: it never answers 409).
#[must_use]
pub fn refusals(operation_id: &str) -> &'static [Code] {
    REFUSALS.iter().find(|(id, _)| *id == operation_id).map_or(&[], |(_, codes)| codes)
}

/// The problem type (`urn:tandem:problem:{slug}`) of each status the shared machinery
/// answers; a 409's types come from [`REFUSALS`].
#[must_use]
pub fn slug_of_status(status: &str) -> Option<&'static str> {
    Some(match status {
        "400" => "bad-request",
        "401" => "unauthorized",
        "403" => "forbidden",
        "404" => "not-found",
        "408" => "request-timeout",
        "412" => "precondition-failed",
        "413" => "payload-too-large",
        "415" => "unsupported-media-type",
        "422" => "validation",
        "428" => "precondition-required",
        "429" => "rate-limited",
        "500" => "internal",
        "503" => "unavailable",
        _ => return None,
    })
}
