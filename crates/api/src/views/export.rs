//! The export: a couple's whole record as one typed document, every time RFC 3339 UTC,
//! every part in the shape its own endpoint uses (so a reader of the API reads the export).

use chrono::{DateTime, Utc};
use serde::Serialize;
use tandem_domain::Actor;
use tandem_domain::plans::ConsentAnswer;
use tandem_service::export::Record;
use tandem_service::records::time;
use utoipa::ToSchema;

use crate::error::ApiResult;
use crate::views::agreement::{Agreement, view as agreement_view};
use crate::views::journal::{JournalEntry, JournalPromptAssignment};
use crate::views::needs_map::{ComfortScript, Compromise, NeedsMapItem, NeedsMapRevision};
use crate::views::plan::{Plan, view as plan_view};
use crate::views::reconnect::{ExportedReconnectWindow, ReconnectCheckIn};
use crate::views::record::{CheckIn, Decision, Incident, Milestone, Report, report_view};

/// A couple's whole record, for the clinicians.
#[derive(Debug, Serialize, ToSchema)]
pub struct CoupleExport {
    pub exported_at: DateTime<Utc>,
    pub couple: ExportedCouple,
    /// Every version, newest first.
    pub safety_agreements: Vec<Agreement>,
    /// Newest first, with steps, exercise snapshots and both partners' consent.
    pub plans: Vec<Plan>,
    /// Every consent answer ever given: plans newest first, each plan's changes oldest first.
    pub consent_history: Vec<ConsentEvent>,
    pub reports: Vec<Report>,
    pub check_ins: Vec<CheckIn>,
    pub incidents: Vec<Incident>,
    pub withdrawals: Vec<ExportedWithdrawal>,
    pub milestones: Vec<Milestone>,
    pub decisions: Vec<Decision>,
    /// Both partners' live needs-map items a clinician may read (shared and clinician,
    /// never private).
    pub needs_map_items: Vec<NeedsMapItem>,
    /// Every state of those items a clinician could read, oldest first.
    pub needs_map_revisions: Vec<NeedsMapRevision>,
    /// Every compromise, oldest first (never who withdrew one).
    pub compromises: Vec<Compromise>,
    /// Every version of the comfort script, oldest first.
    pub comfort_script_versions: Vec<ComfortScript>,
    /// Clinician and shared journal entries, oldest first (private entries are the
    /// author's alone and never exported).
    pub journal_entries: Vec<JournalEntry>,
    /// Current journaling assignments, oldest first.
    pub journal_prompt_assignments: Vec<JournalPromptAssignment>,
    /// Every questionnaire assignment, open and ended, oldest first.
    pub measure_assignments: Vec<crate::views::measure::MeasureAssignment>,
    /// Every scored response of both partners, oldest first, with critical findings.
    pub measure_responses: Vec<crate::views::measure::MeasureResponse>,
    /// Reconnect windows, oldest first, with the occurrences called off (never by whom).
    pub reconnect_windows: Vec<ExportedReconnectWindow>,
    /// Clinician and shared reconnect check-ins, oldest first (never private ones).
    pub reconnect_check_ins: Vec<ReconnectCheckIn>,
}

/// The couple the record is about.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportedCouple {
    pub id: String,
    pub label: String,
    #[schema(value_type = tandem_domain::vocabulary::CoupleStatus)]
    pub status: String,
    /// Both partners' user ids.
    pub partners: Vec<String>,
}

/// One consent answer on one step, when it was given.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentEvent {
    pub id: String,
    pub plan_id: String,
    pub step_id: String,
    pub user_id: String,
    #[schema(value_type = ConsentAnswer)]
    pub answer: String,
    pub note: Option<String>,
    pub at: DateTime<Utc>,
}

/// A partner's withdrawal from the programme.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportedWithdrawal {
    pub id: String,
    pub user_id: String,
    pub reason: Option<String>,
    pub at: DateTime<Utc>,
}

impl CoupleExport {
    /// Renders the record for `actor` (a clinician of the couple).
    pub fn of(r: Record, actor: &Actor) -> ApiResult<Self> {
        let c = &r.couple;
        let in_effect = r
            .agreements
            .iter()
            .find(|v| tandem_domain::agreements::in_effect(&v.acknowledged_by(), c.partner_ids()))
            .map(|v| v.row.version);
        Ok(Self {
            exported_at: r.exported_at,
            couple: ExportedCouple {
                id: c.id.clone(),
                label: c.label.clone(),
                status: c.status.clone(),
                partners: c.partner_ids().iter().map(|p| (*p).to_owned()).collect(),
            },
            safety_agreements: r
                .agreements
                .iter()
                .map(|v| agreement_view(actor, c, v, in_effect))
                .collect::<ApiResult<_>>()?,
            plans: r.plans.iter().map(|t| plan_view(actor, c, r.rel, t)).collect::<ApiResult<_>>()?,
            consent_history: r
                .consent_history
                .into_iter()
                .map(|e| ConsentEvent {
                    id: e.id,
                    plan_id: e.plan_id,
                    step_id: e.step_id,
                    user_id: e.user_id,
                    answer: e.answer,
                    note: e.note,
                    at: time::from_db(e.created_at),
                })
                .collect(),
            reports: r.reports.into_iter().map(|x| report_view(x, actor)).collect(),
            check_ins: r.check_ins.into_iter().map(CheckIn::from).collect(),
            incidents: r.incidents.into_iter().map(Incident::from).collect(),
            withdrawals: r
                .withdrawals
                .into_iter()
                .map(|w| ExportedWithdrawal {
                    id: w.id,
                    user_id: w.user_id,
                    reason: w.reason,
                    at: time::from_db(w.created_at),
                })
                .collect(),
            milestones: r.milestones.into_iter().map(Milestone::from).collect(),
            decisions: r.decisions.into_iter().map(Decision::from).collect(),
            needs_map_items: r.needs_map_items.into_iter().map(NeedsMapItem::of).collect(),
            needs_map_revisions: r.needs_map_revisions.into_iter().map(NeedsMapRevision::of).collect(),
            compromises: r.compromises.into_iter().map(Compromise::of).collect(),
            comfort_script_versions: r.comfort_script_versions.into_iter().map(|v| ComfortScript::of(c, v)).collect(),
            journal_entries: r.journal_entries.into_iter().map(JournalEntry::from).collect(),
            journal_prompt_assignments: r
                .journal_prompt_assignments
                .into_iter()
                .map(JournalPromptAssignment::from)
                .collect(),
            measure_assignments: r
                .measure_assignments
                .into_iter()
                .map(crate::views::measure::assignment_view)
                .collect(),
            measure_responses: r
                .measure_responses
                .into_iter()
                .map(|x| crate::views::measure::response_view(x, actor))
                .collect(),
            reconnect_windows: r
                .reconnect_windows
                .into_iter()
                .map(|(w, off)| ExportedReconnectWindow::of(w, off))
                .collect(),
            reconnect_check_ins: r.reconnect_check_ins.into_iter().map(ReconnectCheckIn::from).collect(),
        })
    }
}
