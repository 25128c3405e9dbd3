//! Closed text sets of records that carry no rule of their own here, so that each exists
//! once (the store writes `as_str`, the API documents the enum).

use crate::plans::text_enum;

text_enum!(
    /// An incident's state: open until a clinician resolves it with a repair plan.
    #[cfg_attr(feature = "openapi", schema(as = IncidentStatus))]
    IncidentStatus {
        Open = "open",
        Resolved = "resolved",
    }
);

text_enum!(
    /// A clinician's progression decision (a pause is a lifecycle action, not a decision).
    #[cfg_attr(feature = "openapi", schema(as = DecisionKind))]
    DecisionKind {
        Advance = "advance",
        Hold = "hold",
        StepBack = "step_back",
    }
);

text_enum!(
    /// What a timeline entry is; its `data` has the shape of that record's own endpoint.
    #[cfg_attr(feature = "openapi", schema(as = TimelineKind))]
    TimelineKind {
        Report = "report",
        CheckIn = "check_in",
        Decision = "decision",
        Incident = "incident",
        Consent = "consent",
        Withdrawal = "withdrawal",
        Milestone = "milestone",
    }
);

text_enum!(
    /// Where an outbox message stands: pending (due or waiting to retry), sending (claimed by
    /// a worker), sent, dead (gave up; an admin may retry) or cancelled (no longer wanted).
    #[cfg_attr(feature = "openapi", schema(as = OutboxStatus))]
    OutboxStatus {
        Pending = "pending",
        Sending = "sending",
        Sent = "sent",
        Dead = "dead",
        Cancelled = "cancelled",
    }
);

text_enum!(
    /// A day of the week, as reminder preferences name it.
    #[cfg_attr(feature = "openapi", schema(as = Weekday))]
    Weekday {
        Mon = "mon",
        Tue = "tue",
        Wed = "wed",
        Thu = "thu",
        Fri = "fri",
        Sat = "sat",
        Sun = "sun",
    }
);

text_enum!(
    /// How an audited action ended.
    #[cfg_attr(feature = "openapi", schema(as = AuditOutcome))]
    AuditOutcome {
        Success = "success",
        Failure = "failure",
        Denied = "denied",
    }
);

text_enum!(
    /// The role an audited actor acted in (`system` for the server's own work).
    #[cfg_attr(feature = "openapi", schema(as = AuditActorRole))]
    AuditActorRole {
        Admin = "admin",
        Clinician = "clinician",
        Client = "client",
        System = "system",
    }
);

text_enum!(
    /// The exercise tag vocabulary (see [`crate::exercises::TAGS`] for what each means):
    /// safety agreements name these to rule content out.
    #[cfg_attr(feature = "openapi", schema(as = ExerciseTag))]
    ExerciseTag {
        Conversation = "conversation",
        Solo = "solo",
        Writing = "writing",
        Breathing = "breathing",
        EyeContact = "eye_contact",
        TouchHands = "touch:hands",
        TouchHugging = "touch:hugging",
        TouchMassage = "touch:massage",
        TouchNonGenital = "touch:non-genital",
        TouchBreasts = "touch:breasts",
        TouchGenital = "touch:genital",
        ClothingOn = "clothing:on",
        ClothingPartial = "clothing:partial",
        ClothingRemoved = "clothing:removed",
        SettingBed = "setting:bed",
    }
);

#[cfg(test)]
mod tests {
    use super::ExerciseTag;

    #[test]
    fn the_tag_enum_is_the_documented_vocabulary() {
        let listed: Vec<&str> = crate::exercises::TAGS.iter().map(|(t, _)| *t).collect();
        let enumerated: Vec<&str> = ExerciseTag::ALL.iter().map(|t| t.as_str()).collect();
        assert_eq!(listed, enumerated);
    }
}
