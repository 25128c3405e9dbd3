//! Safety stops (domain.md, "Safety stops, and who moves a plan"): they happen at once,
//! without a clinician, and never move the plan to another step. This module is the only
//! place a plan is put on hold for a stop.

use chrono::{DateTime, Utc};
use tandem_domain::plans::{HoldCause, PlanStatus, StepStatus, off_limits};
use tandem_store::couples::{self, CoupleRow};
use tandem_store::error::StoreResult;
use tandem_store::exercises::json_list;
use tandem_store::incidents::{self, IncidentRow};
use tandem_store::plans::{self, PlanChanges, PlanRow};
use tandem_store::{AnyConnection, agreements, ids, time};

/// Puts the couple's running plan (and its current step) on hold for `cause`, and records
/// the cause in the couple's summary. Returns whether it stopped anything: a plan already
/// on hold keeps its first cause.
pub fn hold_plan(conn: &mut AnyConnection, plan: &PlanRow, cause: HoldCause, now: DateTime<Utc>) -> StoreResult<bool> {
    if plan.status()? != PlanStatus::Active {
        return Ok(false);
    }
    plans::update_plan(
        conn,
        &plan.id,
        &PlanChanges {
            status: Some(PlanStatus::OnHold.as_str().into()),
            hold_cause: Some(Some(cause.as_str().into())),
            // `updated_at` stays: partners read it, and a stop's time would date the
            // other partner's private event (an incident, a soft no, a withdrawal).
            ..PlanChanges::default()
        },
    )?;
    if let Some(step) = &plan.current_step_id {
        plans::set_step_status(conn, step, StepStatus::OnHold, now)?;
    }
    couples::set_pause_cause(conn, &plan.couple_id, Some(cause.as_str()), now)?;
    Ok(true)
}

/// Stops the couple's running plan when it is running and `cause` applies to it.
pub fn stop_running_plan(
    conn: &mut AnyConnection,
    couple_id: &str,
    cause: HoldCause,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    match plans::running(conn, couple_id)? {
        Some(plan) => hold_plan(conn, &plan, cause, now),
        None => Ok(false),
    }
}

/// Checks the couple's running plan against the agreement in effect and stops it if an
/// exercise of its current step has become off-limits.
pub fn stop_if_off_limits(conn: &mut AnyConnection, couple: &CoupleRow, now: DateTime<Utc>) -> StoreResult<bool> {
    let Some(plan) = plans::running(conn, &couple.id)? else { return Ok(false) };
    let Some(step_id) = plan.current_step_id.clone() else { return Ok(false) };
    let Some(tree) = plans::tree(conn, &plan.id)? else { return Ok(false) };
    let off = in_effect_off_limits(conn, couple)?.unwrap_or_default();
    let mut tags = Vec::new();
    for item in tree.items_of(&step_id) {
        tags.extend(json_list(&item.tags)?);
    }
    if off_limits(&tags, &off).is_empty() {
        return Ok(false);
    }
    hold_plan(conn, &plan, HoldCause::OffLimits, now)
}

/// The off-limits tags that govern new content: both the version in effect and any newer
/// version awaiting acknowledgement (the more protective reading).
pub fn governing_off_limits(conn: &mut AnyConnection, couple: &CoupleRow) -> StoreResult<Vec<String>> {
    let versions = agreements::versions(conn, &couple.id)?;
    let mut relevant = Vec::new();
    for v in versions {
        let effective = tandem_domain::agreements::in_effect(&v.acknowledged_by(), couple.partner_ids());
        relevant.extend(v.row.terms()?);
        if effective {
            break;
        }
    }
    Ok(tandem_domain::agreements::off_limits_tags(&relevant))
}

/// The off-limits tags of the version in effect only (what stops a running plan).
pub fn in_effect_off_limits(conn: &mut AnyConnection, couple: &CoupleRow) -> StoreResult<Option<Vec<String>>> {
    match agreements::in_effect(conn, &couple.id, couple.partner_ids())? {
        Some(v) => Ok(Some(tandem_domain::agreements::off_limits_tags(&v.row.terms()?))),
        None => Ok(None),
    }
}

/// Opens an incident (a crossed boundary, from a report or directly) and stops the running
/// plan, in the caller's transaction. The incident names the step that was current.
pub fn open_incident(
    conn: &mut AnyConnection,
    couple: &CoupleRow,
    author_id: &str,
    description: &str,
    report_id: Option<&str>,
    now: DateTime<Utc>,
) -> StoreResult<IncidentRow> {
    let running = plans::running(conn, &couple.id)?;
    let row = IncidentRow {
        id: ids::new_id(),
        practice_id: couple.practice_id.clone(),
        couple_id: couple.id.clone(),
        plan_id: running.as_ref().map(|p| p.id.clone()),
        step_id: running.as_ref().and_then(|p| p.current_step_id.clone()),
        report_id: report_id.map(str::to_owned),
        author_id: author_id.to_owned(),
        description: description.to_owned(),
        status: incidents::OPEN.into(),
        acknowledgement: None,
        revision: None,
        renewed_consent: false,
        resolution: None,
        resolved_by: None,
        opened_at: time::to_db(now),
        resolved_at: None,
    };
    incidents::insert(conn, &row)?;
    if let Some(plan) = running {
        hold_plan(conn, &plan, HoldCause::IncidentOpen, now)?;
    }
    Ok(row)
}
