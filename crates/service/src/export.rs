//! The couple's whole record, for the clinicians (an export is a read of everything, so
//! it is audited in the write path and never lost).

use chrono::{DateTime, Utc};
use tandem_domain::{Action, CoupleRelation};
use tandem_store::PageRequest;
use tandem_store::agreements::{self, Version};
use tandem_store::comfort_scripts::{self, ComfortScriptRow};
use tandem_store::couples::CoupleRow;
use tandem_store::decisions::{self, DecisionRow};
use tandem_store::incidents::{self, IncidentRow, WithdrawalRow};
use tandem_store::needs_map::{self, CompromiseRow, ItemRow, RevisionRow};
use tandem_store::plans::{self, ConsentEventRow, PlanTree};
use tandem_store::reconnect_windows::{self, CheckInRow as ReconnectCheckInRow, WindowRow};
use tandem_store::records::{self, CheckInRow, MilestoneRow, Reader, ReportRow};

use crate::access;
use crate::audit;
use crate::context::Ctx;
use crate::error::Result;

/// Everything recorded about a couple.
#[derive(Debug, Clone)]
pub struct Record {
    pub exported_at: DateTime<Utc>,
    pub couple: CoupleRow,
    /// The caller's relation, for rendering the plans.
    pub rel: CoupleRelation,
    /// Every version, newest first.
    pub agreements: Vec<Version>,
    /// Newest first.
    pub plans: Vec<PlanTree>,
    /// Plans newest first, each plan's changes oldest first.
    pub consent_history: Vec<ConsentEventRow>,
    pub reports: Vec<ReportRow>,
    pub check_ins: Vec<CheckInRow>,
    pub incidents: Vec<IncidentRow>,
    pub withdrawals: Vec<WithdrawalRow>,
    pub milestones: Vec<MilestoneRow>,
    pub decisions: Vec<DecisionRow>,
    /// Live needs-map items a clinician may read (shared and clinician; never private).
    pub needs_map_items: Vec<ItemRow>,
    /// Every needs-map revision a clinician may read, oldest first.
    pub needs_map_revisions: Vec<RevisionRow>,
    /// Oldest first; never who withdrew one.
    pub compromises: Vec<CompromiseRow>,
    /// Every comfort-script version, oldest first.
    pub comfort_script_versions: Vec<ComfortScriptRow>,
    /// Clinician and shared entries (never private ones), oldest first.
    pub journal_entries: Vec<tandem_store::journal::Entry>,
    /// Current prompt assignments, oldest first, with their prompts.
    pub journal_prompt_assignments: Vec<crate::journal_prompts::Assignment>,
    /// Every measure assignment (open and ended), oldest first.
    pub measure_assignments: Vec<tandem_store::measures::AssignmentRow>,
    /// Every scored response, oldest first.
    pub measure_responses: Vec<tandem_store::measures::ResponseRow>,
    /// Oldest first, each with the local dates of occurrences called off (never by whom).
    pub reconnect_windows: Vec<(WindowRow, Vec<String>)>,
    /// Clinician and shared reconnect check-ins, oldest first (never private ones).
    pub reconnect_check_ins: Vec<ReconnectCheckInRow>,
}

/// The whole record (clinicians).
pub fn export(cx: &Ctx, couple_id: &str) -> Result<Record> {
    let loaded = access::load_couple(cx, couple_id, Action::ReadReview)?;
    let c = loaded.couple;
    let record = cx.read(|conn| {
        let page = PageRequest { after: None, limit: 10_000 };
        let mut trees = Vec::new();
        for plan in plans::list(conn, &c.id, &page)?.items {
            if let Some(tree) = plans::tree(conn, &plan.id)? {
                trees.push(tree);
            }
        }
        let windows = reconnect_windows::all_of_couple(conn, &c.id)?;
        let window_ids: Vec<&str> = windows.iter().map(|w| w.id.as_str()).collect();
        let mut skips = reconnect_windows::skips_of(conn, &window_ids, None)?;
        let reconnect_windows = windows
            .into_iter()
            .map(|w| {
                let mut off = skips.remove(&w.id).unwrap_or_default();
                off.sort();
                (w, off)
            })
            .collect();
        Ok(Record {
            reconnect_windows,
            reconnect_check_ins: reconnect_windows::check_ins_of_couple(conn, &c.id, &Reader::Clinician)?,
            exported_at: cx.now,
            agreements: agreements::versions(conn, &c.id)?,
            plans: trees,
            consent_history: plans::consent_history_of_couple(conn, &c.id)?,
            reports: records::all_reports(conn, &c.id, &Reader::Clinician)?,
            check_ins: records::all_check_ins(conn, &c.id, &Reader::Clinician)?,
            incidents: incidents::list(conn, &c.id, None, &page)?.items,
            withdrawals: incidents::withdrawals(conn, &c.id)?,
            milestones: records::all_milestones(conn, &c.id)?,
            decisions: decisions::for_couple(conn, &c.id)?,
            needs_map_items: needs_map::live_items(conn, &c.id, &Reader::Clinician)?,
            needs_map_revisions: needs_map::revisions(conn, &c.id, &Reader::Clinician)?,
            compromises: needs_map::compromises(conn, &c.id)?,
            comfort_script_versions: comfort_scripts::all_versions(conn, &c.id)?,
            journal_entries: tandem_store::journal::all_entries(conn, &c.id, &Reader::Clinician)?,
            journal_prompt_assignments: {
                let items = tandem_store::journal::all_assignments(conn, &c.id)?;
                crate::journal_prompts::with_prompts(conn, tandem_store::Page { items, next_after: None }, None)?.items
            },
            measure_assignments: tandem_store::measures::all_assignments(conn, &c.id)?,
            measure_responses: tandem_store::measures::all_responses(conn, &c.id, None)?,
            couple: c.clone(),
            rel: loaded.rel,
        })
    })?;
    cx.write(|conn| Ok(audit::record(conn, cx.event("couple.export", "couple", &c.id, &c.id))?))?;
    Ok(record)
}
