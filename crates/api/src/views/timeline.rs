//! The timeline as a discriminated union: every entry says its `kind`, and its `data`
//! has the shape of that record's own endpoint, so a generated client narrows on `kind`
//! (`openapi::finish` adds the discriminator mapping).

use chrono::{DateTime, Utc};
use serde::Serialize;
use tandem_domain::Actor;
use tandem_domain::needs_map::CompromiseStatus;
use tandem_domain::plans::ConsentAnswer;
use tandem_service::timeline::{Entry, Item};
use utoipa::ToSchema;

use crate::views::journal::JournalEntry;
use crate::views::needs_map::{ComfortScript, NeedsMapRevision};
use crate::views::reconnect::ReconnectCheckIn;
use crate::views::record::{CheckIn, Decision, Incident, Milestone, Report, report_view};

/// One entry of a couple's timeline; `kind` says which.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum TimelineEntry {
    Report(ReportEntry),
    CheckIn(CheckInEntry),
    Decision(DecisionEntry),
    Incident(IncidentEntry),
    Consent(ConsentEntry),
    Withdrawal(WithdrawalEntry),
    Milestone(MilestoneEntry),
    NeedsMapItem(NeedsMapItemEntry),
    Compromise(CompromiseEntry),
    ComfortScript(ComfortScriptEntry),
    JournalEntry(JournalEntryEntry),
    MeasureResponse(MeasureResponseEntry),
    ReconnectCheckIn(ReconnectCheckInEntry),
}

/// `report`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportEntryKind {
    Report,
}

/// `check_in`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CheckInEntryKind {
    CheckIn,
}

/// `decision`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DecisionEntryKind {
    Decision,
}

/// `incident`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IncidentEntryKind {
    Incident,
}

/// `consent`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConsentEntryKind {
    Consent,
}

/// `withdrawal`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WithdrawalEntryKind {
    Withdrawal,
}

/// `milestone`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MilestoneEntryKind {
    Milestone,
}

/// `needs_map_item`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NeedsMapItemEntryKind {
    NeedsMapItem,
}

/// `compromise`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CompromiseEntryKind {
    Compromise,
}

/// `comfort_script`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ComfortScriptEntryKind {
    ComfortScript,
}

/// `journal_entry`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JournalEntryEntryKind {
    JournalEntry,
}

/// A journal entry, as `listJournalEntries` shows it to the caller (a partner: their own
/// and the other's shared ones; a clinician: never a private one).
#[derive(Debug, Serialize, ToSchema)]
pub struct JournalEntryEntry {
    pub kind: JournalEntryEntryKind,
    pub id: String,
    pub at: DateTime<Utc>,
    pub actor_id: String,
    pub data: JournalEntry,
}

/// `measure_response`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MeasureResponseEntryKind {
    MeasureResponse,
}

/// A scored questionnaire response, as `listMeasureResponses` shows it (its author and
/// the clinicians only).
#[derive(Debug, Serialize, ToSchema)]
pub struct MeasureResponseEntry {
    pub kind: MeasureResponseEntryKind,
    pub id: String,
    pub at: DateTime<Utc>,
    /// Who answered.
    pub actor_id: String,
    pub data: crate::views::measure::MeasureResponse,
}

/// `reconnect_check_in`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReconnectCheckInEntryKind {
    ReconnectCheckIn,
}

/// A partner's check-in after a reconnect-window occurrence (their own, the other
/// partner's shared ones; clinicians see clinician and shared ones, never private).
#[derive(Debug, Serialize, ToSchema)]
pub struct ReconnectCheckInEntry {
    pub kind: ReconnectCheckInEntryKind,
    pub id: String,
    pub at: DateTime<Utc>,
    pub actor_id: String,
    pub data: ReconnectCheckIn,
}

/// An attempt, as `listReports` shows it to the caller.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportEntry {
    pub kind: ReportEntryKind,
    pub id: String,
    pub at: DateTime<Utc>,
    /// Who wrote it.
    pub actor_id: String,
    pub data: Report,
}

/// A check-in (daily or weekly talk), as `listCheckIns` shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckInEntry {
    pub kind: CheckInEntryKind,
    pub id: String,
    pub at: DateTime<Utc>,
    pub actor_id: String,
    pub data: CheckIn,
}

/// A clinician's decision (clinicians only).
#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionEntry {
    pub kind: DecisionEntryKind,
    pub id: String,
    pub at: DateTime<Utc>,
    pub actor_id: String,
    pub data: Decision,
}

/// An incident (clinicians, and the partner who opened it).
#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentEntry {
    pub kind: IncidentEntryKind,
    pub id: String,
    pub at: DateTime<Utc>,
    pub actor_id: String,
    pub data: Incident,
}

/// A change of consent on a step.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentEntry {
    pub kind: ConsentEntryKind,
    pub id: String,
    pub at: DateTime<Utc>,
    pub actor_id: String,
    pub data: ConsentChange,
}

/// What a consent change said.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentChange {
    pub plan_id: String,
    pub step_id: String,
    #[schema(value_type = ConsentAnswer)]
    pub answer: String,
    /// The partner's note for the clinician.
    pub note: Option<String>,
}

/// A partner's withdrawal from the programme (clinicians only).
#[derive(Debug, Serialize, ToSchema)]
pub struct WithdrawalEntry {
    pub kind: WithdrawalEntryKind,
    pub id: String,
    pub at: DateTime<Utc>,
    pub actor_id: String,
    pub data: Withdrawal,
}

/// What a withdrawal said.
#[derive(Debug, Serialize, ToSchema)]
pub struct Withdrawal {
    /// The partner's reason, if they gave one.
    pub reason: Option<String>,
}

/// A milestone, shared with the couple.
#[derive(Debug, Serialize, ToSchema)]
pub struct MilestoneEntry {
    pub kind: MilestoneEntryKind,
    pub id: String,
    pub at: DateTime<Utc>,
    pub actor_id: String,
    pub data: Milestone,
}

/// A state of a needs-map item the caller may read (created, edited or deleted): the
/// author's own, the other partner's shared ones, or (clinicians) shared and clinician
/// ones; each state is judged by the visibility it had.
#[derive(Debug, Serialize, ToSchema)]
pub struct NeedsMapItemEntry {
    pub kind: NeedsMapItemEntryKind,
    pub id: String,
    pub at: DateTime<Utc>,
    /// The item's author.
    pub actor_id: String,
    pub data: NeedsMapRevision,
}

/// A compromise was proposed, agreed or withdrawn.
#[derive(Debug, Serialize, ToSchema)]
pub struct CompromiseEntry {
    pub kind: CompromiseEntryKind,
    pub id: String,
    pub at: DateTime<Utc>,
    /// The proposer (`proposed`), the partner who agreed (`agreed`), and always `null` for
    /// `withdrawn`: who withdrew a compromise is never shown.
    pub actor_id: Option<String>,
    pub data: CompromiseEvent,
}

/// What happened to a compromise.
#[derive(Debug, Serialize, ToSchema)]
pub struct CompromiseEvent {
    #[schema(example = "01939a8f-2b40-7c00-8000-0000000000c3")]
    pub compromise_id: String,
    /// The status the compromise moved to.
    #[schema(value_type = CompromiseStatus, example = "agreed")]
    pub event: String,
    #[schema(example = "Cuddles on the sofa on Sundays, clothes on, no expectations")]
    pub text: String,
    #[schema(example = "Either of us can end it at any time")]
    pub note: Option<String>,
    #[schema(example = "01939a8e-7c1f-7a00-8000-0000000000a1")]
    pub proposed_by: String,
}

/// A new version of the comfort script.
#[derive(Debug, Serialize, ToSchema)]
pub struct ComfortScriptEntry {
    pub kind: ComfortScriptEntryKind,
    pub id: String,
    pub at: DateTime<Utc>,
    /// The partner who wrote the version.
    pub actor_id: String,
    pub data: ComfortScript,
}

impl TimelineEntry {
    /// Renders an entry for `viewer` (a report hides `boundary_crossed` from the other
    /// partner, as its own endpoint does).
    #[must_use]
    pub fn of(e: Entry, viewer: &Actor) -> Self {
        let Entry { id, at, actor_id, item } = e;
        match item {
            Item::Report(r) => Self::Report(ReportEntry {
                kind: ReportEntryKind::Report,
                id,
                at,
                actor_id,
                data: report_view(r, viewer),
            }),
            Item::CheckIn(c) => {
                Self::CheckIn(CheckInEntry { kind: CheckInEntryKind::CheckIn, id, at, actor_id, data: c.into() })
            }
            Item::Milestone(m) => Self::Milestone(MilestoneEntry {
                kind: MilestoneEntryKind::Milestone,
                id,
                at,
                actor_id,
                data: m.into(),
            }),
            Item::Incident(i) => {
                Self::Incident(IncidentEntry { kind: IncidentEntryKind::Incident, id, at, actor_id, data: i.into() })
            }
            Item::Decision(d) => {
                Self::Decision(DecisionEntry { kind: DecisionEntryKind::Decision, id, at, actor_id, data: d.into() })
            }
            Item::Withdrawal(w) => Self::Withdrawal(WithdrawalEntry {
                kind: WithdrawalEntryKind::Withdrawal,
                id,
                at,
                actor_id,
                data: Withdrawal { reason: w.reason },
            }),
            Item::MeasureResponse(r) => Self::MeasureResponse(MeasureResponseEntry {
                kind: MeasureResponseEntryKind::MeasureResponse,
                id,
                at,
                actor_id,
                data: crate::views::measure::response_view(r, viewer),
            }),
            Item::Consent(c) => Self::Consent(ConsentEntry {
                kind: ConsentEntryKind::Consent,
                id,
                at,
                actor_id,
                data: ConsentChange { plan_id: c.plan_id, step_id: c.step_id, answer: c.answer, note: c.note },
            }),
            Item::NeedsMapRevision(r) => Self::NeedsMapItem(NeedsMapItemEntry {
                kind: NeedsMapItemEntryKind::NeedsMapItem,
                id,
                at,
                actor_id,
                data: NeedsMapRevision::of(r),
            }),
            // `by`, not the entry's actor: a withdrawal names nobody.
            Item::Compromise(e) => Self::Compromise(CompromiseEntry {
                kind: CompromiseEntryKind::Compromise,
                id,
                at,
                actor_id: e.by,
                data: CompromiseEvent {
                    compromise_id: e.compromise.id,
                    event: e.event.event,
                    text: e.compromise.text,
                    note: e.compromise.note,
                    proposed_by: e.compromise.proposed_by,
                },
            }),
            Item::ComfortScript(r, [a, b]) => Self::ComfortScript(ComfortScriptEntry {
                kind: ComfortScriptEntryKind::ComfortScript,
                id,
                at,
                actor_id,
                data: ComfortScript::with_partners([&a, &b], r),
            }),
            Item::JournalEntry(j) => Self::JournalEntry(JournalEntryEntry {
                kind: JournalEntryEntryKind::JournalEntry,
                id,
                at,
                actor_id,
                data: j.into(),
            }),
            Item::ReconnectCheckIn(c) => Self::ReconnectCheckIn(ReconnectCheckInEntry {
                kind: ReconnectCheckInEntryKind::ReconnectCheckIn,
                id,
                at,
                actor_id,
                data: c.into(),
            }),
        }
    }
}
