//! The clinical read model: the current recommendation of a plan, and the per-couple
//! summary that the caseload reads. [`refresh_summary`] recomputes a couple's summary
//! from its own rows inside every write that can change it, so the caseload never scans
//! reports and never drifts from the data.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use tandem_domain::plans::{Criteria, PlanStatus, StepStatus};
use tandem_domain::progression::{
    Attempt, Baseline, Inputs, Kind, Outcome, Recommendation, WindowStats, recommend, window_stats,
};
use tandem_store::couples::{self, CoupleRow, SummaryChanges};
use tandem_store::plans::{self, PlanTree};
use tandem_store::{AnyConnection, agreements, incidents, records, time};

use tandem_store::error::StoreResult;

/// A recommendation with the ETag a decision must quote.
#[derive(Debug, Clone)]
pub struct Current {
    pub step_id: String,
    pub recommendation: Recommendation,
    pub etag: String,
}

/// The ETag of a recommendation: changes whenever its content does.
#[must_use]
pub fn etag_of(step_id: &str, r: &Recommendation) -> String {
    let mut h = Sha256::new();
    h.update(step_id.as_bytes());
    h.update(r.kind.as_str().as_bytes());
    h.update(r.baseline.as_ref().map_or("", |b| b.step_id.as_str()).as_bytes());
    h.update([u8::from(r.awaiting_consent)]);
    for reason in &r.reasons {
        h.update(reason.as_bytes());
        h.update([0]);
    }
    format!("\"rec-{}\"", &URL_SAFE_NO_PAD.encode(h.finalize())[..22])
}

fn criteria(step: &tandem_store::plans::StepRow) -> Criteria {
    Criteria {
        min_sessions: step.min_sessions,
        target_suds: step.target_suds,
        setback_suds: step.setback_suds,
        window_days: step.window_days,
    }
}

/// The recommendation and the window statistics of the current step, from one read of
/// the step's reports.
#[derive(Debug, Clone)]
pub struct Assessment {
    pub current: Current,
    pub stats: WindowStats,
}

/// The step to return to after a setback from the step at `position`: the one baseline
/// rule ([`tandem_domain::progression::baseline`]) over the plan's steps.
#[must_use]
pub fn baseline(tree: &PlanTree, position: usize) -> Option<Baseline> {
    let steps =
        tree.steps.iter().map(|s| (s.id.as_str(), StepStatus::parse(&s.status).unwrap_or(StepStatus::NotStarted)));
    tandem_domain::progression::baseline(steps, position)
}

/// Assesses the current step of an active or on-hold plan.
pub fn assess(
    conn: &mut AnyConnection,
    tree: &PlanTree,
    couple: &CoupleRow,
    now: DateTime<Utc>,
) -> StoreResult<Option<Assessment>> {
    assess_with(conn, tree, couple, now, None)
}

/// [`assess`], given the couple's open incident count when the caller already has it.
fn assess_with(
    conn: &mut AnyConnection,
    tree: &PlanTree,
    couple: &CoupleRow,
    now: DateTime<Utc>,
    open_incidents: Option<i64>,
) -> StoreResult<Option<Assessment>> {
    let status = tree.plan.status()?;
    if !matches!(status, PlanStatus::Active | PlanStatus::OnHold) {
        return Ok(None);
    }
    let Some(step_id) = tree.plan.current_step_id.clone() else { return Ok(None) };
    let Some(step) = tree.step(&step_id) else { return Ok(None) };
    let partners = [couple.partner_a_id.as_str(), couple.partner_b_id.as_str()];
    let activated = step.activated_at.map_or(now, time::from_db);
    let rows = records::step_reports_since(conn, &step_id, time::to_db(activated))?;
    let attempts: Vec<Attempt> = rows
        .iter()
        .filter_map(|r| {
            let partner = partners.iter().position(|p| *p == r.author_id)?;
            Some(Attempt {
                partner,
                occurred_at: time::from_db(r.occurred_at),
                outcome: Outcome::parse(&r.outcome)?,
                peak: r.distress_peak,
                after: r.distress_after,
            })
        })
        .collect();
    let position = tree.steps.iter().position(|s| s.id == step_id).unwrap_or(0);
    let next = tree.steps.get(position + 1);
    let baseline = baseline(tree, position);
    let inputs = Inputs {
        criteria: criteria(step),
        step_activated_at: activated,
        now,
        attempts: &attempts,
        consents: tree.answers(&step_id, partners),
        open_incidents: usize::try_from(match open_incidents {
            Some(n) => n,
            None => incidents::open_count(conn, &couple.id)?,
        })
        .unwrap_or(0),
        step_number: position + 1,
        next_step_consents: next.map(|n| tree.answers(&n.id, partners)),
        baseline,
    };
    let recommendation = recommend(&inputs);
    let stats = window_stats(&inputs);
    let etag = etag_of(&step_id, &recommendation);
    Ok(Some(Assessment { current: Current { step_id, recommendation, etag }, stats }))
}

/// The recommendation for the current step of an active or on-hold plan.
pub fn current(
    conn: &mut AnyConnection,
    tree: &PlanTree,
    couple: &CoupleRow,
    now: DateTime<Utc>,
) -> StoreResult<Option<Current>> {
    Ok(assess(conn, tree, couple, now)?.map(|a| a.current))
}

/// The summary's name for a recommendation.
#[must_use]
pub fn summary_label(r: &Recommendation) -> &'static str {
    match r.kind {
        Kind::Advance if r.awaiting_consent => "advance_awaiting_consent",
        kind => kind.as_str(),
    }
}

/// Recomputes the couple's summary row from its rows (one couple's, a bounded read:
/// indexed probes, the running plan's steps and consents, the current step's window).
pub fn refresh_summary(conn: &mut AnyConnection, couple: &CoupleRow, now: DateTime<Utc>) -> StoreResult<()> {
    let running = plans::running(conn, &couple.id)?;
    refresh_summary_with(conn, couple, running, now)
}

/// [`refresh_summary`] for a caller that has just read the couple's running plan (at most
/// one per couple: a unique index) in the same transaction and not changed it since.
pub fn refresh_summary_with(
    conn: &mut AnyConnection,
    couple: &CoupleRow,
    running: Option<plans::PlanRow>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    // Open incidents, withdrawal and last activity in one statement (was four).
    let facts = records::summary_facts(conn, &couple.id)?;
    let open = facts.open_incidents;
    let mut changes = SummaryChanges {
        open_incidents: Some(i32::try_from(open).unwrap_or(i32::MAX)),
        withdrawn: Some(facts.withdrawn),
        pause_cause: Some(running.as_ref().and_then(|p| p.hold_cause.clone())),
        recommendation: Some(None),
        rising_distress: Some(false),
        diverging: Some(false),
        last_activity_at: Some(facts.last_activity),
        updated_at: Some(time::to_db(now)),
        ..SummaryChanges::default()
    };
    let partners = [couple.partner_a_id.as_str(), couple.partner_b_id.as_str()];
    changes.agreement_review_due_at = Some(agreements::in_effect(conn, &couple.id, partners)?.map(|v| v.row.review_by));
    let tree = match running {
        Some(plan) => Some(plans::tree_of(conn, plan, false)?),
        None => None,
    };
    if let Some(tree) = tree
        && let Some(a) = assess_with(conn, &tree, couple, now, Some(open))?
    {
        changes.recommendation = Some(Some(summary_label(&a.current.recommendation).to_owned()));
        changes.rising_distress = Some(a.stats.rising_distress);
        changes.diverging = Some(a.stats.diverging);
    }
    couples::update_summary(conn, &couple.id, &changes)?;
    Ok(())
}
