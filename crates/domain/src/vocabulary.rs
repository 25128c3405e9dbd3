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
