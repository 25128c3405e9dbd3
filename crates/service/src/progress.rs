//! How a couple is doing on its running (or latest) plan: figures per step and partner,
//! and the current recommendation.

use chrono::{DateTime, Utc};
use tandem_domain::Action;
use tandem_domain::progression::slope;
use tandem_store::couples::CoupleRow;
use tandem_store::records::{CheckInRow, ReportFigures};
use tandem_store::{AnyConnection, PageRequest, plans, records, time};

use crate::access;
use crate::context::Ctx;
use crate::error::Result;
use crate::review::{self, Current};

/// One partner's figures on one step.
#[derive(Debug, Clone)]
pub struct PartnerFigures {
    pub partner_id: String,
    pub attempts: usize,
    pub completed: usize,
    pub distress_first: Option<i32>,
    pub distress_last: Option<i32>,
    pub distress_mean: Option<f64>,
    /// Least-squares slope of after-distress per attempt (negative is improving).
    pub distress_trend: Option<f64>,
    pub comfort_mean: Option<f64>,
    /// Attempts per week since the step became active, against its weekly target.
    pub adherence: Option<f64>,
}

/// One step's figures.
#[derive(Debug, Clone)]
pub struct StepFigures {
    pub step_id: String,
    pub title: String,
    pub status: String,
    pub target_per_week: i32,
    pub partners: Vec<PartnerFigures>,
}

/// The review summary of a couple's current (or latest) plan.
#[derive(Debug, Clone)]
pub struct Progress {
    pub couple_id: String,
    pub plan_id: Option<String>,
    pub steps: Vec<StepFigures>,
    pub recommendation: Option<Current>,
    /// Each partner's journal and weekly talks, as the clinician may see them.
    pub reflection: Vec<PartnerReflection>,
    /// Scored measures per partner: first and latest score and band, and the trend.
    pub measures: Vec<crate::measures::MeasureTrend>,
    /// Per partner, the reconnect check-ins the caller may see.
    pub reconnect: Vec<crate::reconnect::PartnerFigures>,
}

/// One partner's journal entries and weekly talks between sessions.
#[derive(Debug, Clone)]
pub struct PartnerReflection {
    pub partner_id: String,
    /// Entries the clinician may read (clinician and shared; a private one never counts).
    pub journal_entries: usize,
    pub last_journal_entry_at: Option<DateTime<Utc>>,
    pub weekly_talks: usize,
    /// The partner's latest weekly talk.
    pub last_weekly_talk: Option<CheckInRow>,
}

/// Each partner's reflection figures: clinician-visible entries only, every weekly talk
/// (a check-in is always visible to the clinicians).
fn reflection(conn: &mut AnyConnection, couple: &CoupleRow) -> Result<Vec<PartnerReflection>> {
    let entries = tandem_store::journal::all_entries(conn, &couple.id, &records::Reader::Clinician)?;
    let talks = records::weekly_talks(conn, &couple.id)?;
    Ok(couple
        .partner_ids()
        .iter()
        .map(|p| {
            let mine: Vec<_> = entries.iter().filter(|e| e.row.author_id == *p).collect();
            let my_talks: Vec<_> = talks.iter().filter(|t| t.author_id == *p).collect();
            PartnerReflection {
                partner_id: (*p).to_owned(),
                journal_entries: mine.len(),
                last_journal_entry_at: mine.last().map(|e| time::from_db(e.row.created_at)),
                weekly_talks: my_talks.len(),
                last_weekly_talk: my_talks.last().map(|t| (*t).clone()),
            }
        })
        .collect())
}

/// Both partners' measure trends (the progress view is the clinicians').
fn measure_trends(conn: &mut AnyConnection, couple: &CoupleRow) -> Result<Vec<crate::measures::MeasureTrend>> {
    let responses = tandem_store::measures::all_responses(conn, &couple.id, None)?;
    Ok(crate::measures::trends(&responses, couple.partner_ids()))
}

fn mean(xs: &[f64]) -> Option<f64> {
    (!xs.is_empty()).then(|| xs.iter().sum::<f64>() / xs.len() as f64)
}

fn partner_figures(
    reports: &[ReportFigures],
    step: &plans::StepRow,
    partner: &str,
    now: DateTime<Utc>,
) -> PartnerFigures {
    let mine: Vec<_> = reports.iter().filter(|r| r.step_id == step.id && r.author_id == partner).collect();
    let after: Vec<f64> = mine.iter().map(|r| f64::from(r.distress_after)).collect();
    let comfort: Vec<f64> = mine.iter().map(|r| f64::from(r.comfort)).collect();
    let weeks = step.activated_at.map(|a| ((now - time::from_db(a)).num_hours() as f64 / (24.0 * 7.0)).max(1.0));
    PartnerFigures {
        partner_id: partner.to_owned(),
        attempts: mine.len(),
        completed: mine.iter().filter(|r| r.outcome == "completed").count(),
        distress_first: mine.first().map(|r| r.distress_after),
        distress_last: mine.last().map(|r| r.distress_after),
        distress_mean: mean(&after),
        distress_trend: (after.len() >= 2).then(|| slope(&after)),
        comfort_mean: mean(&comfort),
        adherence: weeks.map(|w| mine.len() as f64 / w / f64::from(step.target_per_week.max(1))),
    }
}

fn progress(conn: &mut AnyConnection, couple: &CoupleRow, now: DateTime<Utc>) -> Result<Progress> {
    let latest =
        plans::running(conn, &couple.id)?
            .or(plans::list(conn, &couple.id, &PageRequest { after: None, limit: 1 })?.items.into_iter().next());
    let Some(plan) = latest else {
        return Ok(Progress {
            couple_id: couple.id.clone(),
            plan_id: None,
            steps: Vec::new(),
            recommendation: None,
            reflection: reflection(conn, couple)?,
            measures: measure_trends(conn, couple)?,
            reconnect: Vec::new(),
        });
    };
    let plan_id = plan.id.clone();
    // Steps and consents only: the progress view shows no exercise snapshots.
    let tree = plans::tree_of(conn, plan, false)?;
    let reports = records::plan_report_figures(conn, &plan_id)?;
    let steps = tree
        .steps
        .iter()
        .map(|s| StepFigures {
            step_id: s.id.clone(),
            title: s.title.clone(),
            status: s.status.clone(),
            target_per_week: s.target_per_week,
            partners: couple.partner_ids().iter().map(|p| partner_figures(&reports, s, p, now)).collect(),
        })
        .collect();
    let recommendation = review::current(conn, &tree, couple, now)?;
    let reflection = reflection(conn, couple)?;
    let measures = measure_trends(conn, couple)?;
    Ok(Progress {
        couple_id: couple.id.clone(),
        plan_id: Some(plan_id),
        steps,
        recommendation,
        reflection,
        measures,
        reconnect: Vec::new(),
    })
}

/// The review summary (clinicians; audited).
pub fn get(cx: &Ctx, couple_id: &str) -> Result<Progress> {
    let couple = access::load_couple(cx, couple_id, Action::ReadReview)?.couple;
    let out = cx.read(|conn| {
        let mut out = progress(conn, &couple, cx.now)?;
        out.reconnect = crate::reconnect::figures(conn, &couple, &access::reader(&cx.actor))?;
        Ok(out)
    })?;
    cx.audit_read(cx.event("progress.read", "couple", &couple.id, &couple.id));
    Ok(out)
}
