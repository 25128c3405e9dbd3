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
        /// A revision of a needs-map item (created, edited or deleted).
        NeedsMapItem = "needs_map_item",
        /// A compromise was proposed, agreed or withdrawn (never who withdrew).
        Compromise = "compromise",
        /// A new version of the comfort script.
        ComfortScript = "comfort_script",
        JournalEntry = "journal_entry",
        /// A scored questionnaire response (its author and the clinicians only).
        MeasureResponse = "measure_response",
        ReconnectCheckIn = "reconnect_check_in",
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
    /// Whether a couple is in treatment.
    #[cfg_attr(feature = "openapi", schema(as = CoupleStatus))]
    CoupleStatus {
        /// In treatment.
        Active = "active",
        /// Treatment ended: partners can still read their record but submit nothing.
        Discharged = "discharged",
    }
);

text_enum!(
    /// Who may read a partner's entry (a report, a check-in).
    #[cfg_attr(feature = "openapi", schema(as = Visibility))]
    Visibility {
        /// The author and the couple's clinicians.
        ClinicianOnly = "clinician_only",
        /// Also the other partner (who never sees `boundary_crossed`).
        SharedWithPartner = "shared_with_partner",
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

/// The exercise tag vocabulary (see [`crate::exercises::TAGS`] for what each means):
/// safety agreements name these to rule content out. Written out by hand rather than
/// with `text_enum!`: the tags are not snake case, and the schema derive reads a variant's
/// serde name only when it is a plain literal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ExerciseTag {
    #[serde(rename = "conversation")]
    Conversation,
    #[serde(rename = "solo")]
    Solo,
    #[serde(rename = "writing")]
    Writing,
    #[serde(rename = "breathing")]
    Breathing,
    #[serde(rename = "eye_contact")]
    EyeContact,
    #[serde(rename = "touch:hands")]
    TouchHands,
    #[serde(rename = "touch:hugging")]
    TouchHugging,
    #[serde(rename = "touch:massage")]
    TouchMassage,
    #[serde(rename = "touch:non-genital")]
    TouchNonGenital,
    #[serde(rename = "touch:breasts")]
    TouchBreasts,
    #[serde(rename = "touch:genital")]
    TouchGenital,
    #[serde(rename = "clothing:on")]
    ClothingOn,
    #[serde(rename = "clothing:partial")]
    ClothingPartial,
    #[serde(rename = "clothing:removed")]
    ClothingRemoved,
    #[serde(rename = "setting:bed")]
    SettingBed,
}

impl ExerciseTag {
    pub const ALL: &'static [Self] = &[
        Self::Conversation,
        Self::Solo,
        Self::Writing,
        Self::Breathing,
        Self::EyeContact,
        Self::TouchHands,
        Self::TouchHugging,
        Self::TouchMassage,
        Self::TouchNonGenital,
        Self::TouchBreasts,
        Self::TouchGenital,
        Self::ClothingOn,
        Self::ClothingPartial,
        Self::ClothingRemoved,
        Self::SettingBed,
    ];

    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Conversation => "conversation",
            Self::Solo => "solo",
            Self::Writing => "writing",
            Self::Breathing => "breathing",
            Self::EyeContact => "eye_contact",
            Self::TouchHands => "touch:hands",
            Self::TouchHugging => "touch:hugging",
            Self::TouchMassage => "touch:massage",
            Self::TouchNonGenital => "touch:non-genital",
            Self::TouchBreasts => "touch:breasts",
            Self::TouchGenital => "touch:genital",
            Self::ClothingOn => "clothing:on",
            Self::ClothingPartial => "clothing:partial",
            Self::ClothingRemoved => "clothing:removed",
            Self::SettingBed => "setting:bed",
        }
    }
}

text_enum!(
    /// The kinds of email the outbox sends.
    #[cfg_attr(feature = "openapi", schema(as = EmailKind))]
    EmailKind {
        Invitation = "invitation",
        PasswordReset = "password_reset",
        /// To a clinician: something in their caseload needs attention (an incident, a
        /// withdrawal). Says nothing about what or who.
        ClinicianAlert = "clinician_alert",
        /// Reminders to clients: something is waiting in the app.
        ExerciseReminder = "exercise_reminder",
        DailyCheckIn = "daily_check_in",
        AgreementReview = "agreement_review",
        InactivityNudge = "inactivity_nudge",
        /// To a partner: a short questionnaire is waiting (never which one).
        MeasureReminder = "measure_reminder",
        /// Before an occurrence of an agreed reconnect window.
        ReconnectWindow = "reconnect_window",
    }
);

impl EmailKind {
    /// Reminders carry a one-click unsubscribe; transactional emails do not.
    #[must_use]
    pub const fn is_reminder(self) -> bool {
        matches!(
            self,
            Self::ExerciseReminder
                | Self::DailyCheckIn
                | Self::AgreementReview
                | Self::InactivityNudge
                | Self::MeasureReminder
                | Self::ReconnectWindow
        )
    }
}

text_enum!(
    /// Who may read a partner's entry in the couple's toolkit (a reconnect check-in).
    #[cfg_attr(feature = "openapi", schema(as = EntryVisibility))]
    EntryVisibility {
        /// The author only; never the other partner, never a clinician.
        Private = "private",
        /// The author and the couple's clinicians.
        Clinician = "clinician",
        /// Both partners and the couple's clinicians.
        Shared = "shared",
    }
);

/// Who is reading a partner's entry in the couple's toolkit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryReader {
    /// The partner who wrote it.
    Author,
    /// The other partner.
    Partner,
    /// One of the couple's clinicians (or a break-glass reader).
    Clinician,
}

impl EntryVisibility {
    /// The toolkit's one visibility rule (needs-map items, journal entries, reconnect
    /// check-ins): the author always reads an entry, the other partner only a shared
    /// one, a clinician a clinician or shared one and never a private one. The store's
    /// filters are this rule written as SQL.
    #[must_use]
    pub fn readable_by(self, reader: EntryReader) -> bool {
        match reader {
            EntryReader::Author => true,
            EntryReader::Partner => self == Self::Shared,
            EntryReader::Clinician => self != Self::Private,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ExerciseTag;

    #[test]
    fn who_reads_a_toolkit_entry() {
        use super::EntryReader::{Author, Clinician as Staff, Partner};
        use super::EntryVisibility::{Clinician, Private, Shared};
        let table = [(Private, [true, false, false]), (Clinician, [true, false, true]), (Shared, [true, true, true])];
        for (visibility, expected) in table {
            assert_eq!([Author, Partner, Staff].map(|r| visibility.readable_by(r)), expected, "{visibility:?}");
        }
    }

    #[test]
    fn the_tag_enum_is_the_documented_vocabulary() {
        let listed: Vec<&str> = crate::exercises::TAGS.iter().map(|(t, _)| *t).collect();
        let enumerated: Vec<&str> = ExerciseTag::ALL.iter().map(|t| t.as_str()).collect();
        assert_eq!(listed, enumerated);
    }
}
