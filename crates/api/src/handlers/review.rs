//! The clinician's "how is this couple doing?": progress per step and partner, the
//! timeline, and the whole record as JSON.

use actix_web::{get, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use tandem_domain::progression::slope;
use tandem_domain::{Action, Actor};
use tandem_store::couples::CoupleRow;
use tandem_store::records::{self, Reader};
use tandem_store::{AnyConnection, agreements, decisions, incidents, plans, time};
use utoipa::ToSchema;

use crate::auth::Authenticated;
use crate::db;
use crate::error::ApiResult;
use crate::handlers::access;
use crate::state::AppState;
use crate::views::record::{CheckIn, Decision, Incident, Milestone, RecommendationView};
use crate::views::record::{reader, report_view};

/// One partner's figures on one step.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartnerProgress {
    pub partner_id: String,
    /// Attempts reported on this step.
    pub attempts: usize,
    pub completed: usize,
    /// After-attempt distress of the first and last attempt, and the mean.
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
#[derive(Debug, Serialize, ToSchema)]
pub struct StepProgress {
    pub step_id: String,
    pub title: String,
    #[schema(value_type = tandem_domain::plans::StepStatus)]
    pub status: String,
    pub target_per_week: i32,
    pub partners: Vec<PartnerProgress>,
}

/// The review summary of a couple's current (or latest) plan.
#[derive(Debug, Serialize, ToSchema)]
pub struct Progress {
    pub couple_id: String,
    pub plan_id: Option<String>,
    pub steps: Vec<StepProgress>,
    pub recommendation: Option<RecommendationView>,
}

fn mean(xs: &[f64]) -> Option<f64> {
    (!xs.is_empty()).then(|| xs.iter().sum::<f64>() / xs.len() as f64)
}

fn progress(conn: &mut AnyConnection, couple: &CoupleRow, now: DateTime<Utc>) -> ApiResult<Progress> {
    let latest = plans::running(conn, &couple.id)?.or(plans::list(
        conn,
        &couple.id,
        &tandem_store::PageRequest { after: None, limit: 1 },
    )?
    .items
    .into_iter()
    .next());
    let Some(plan) = latest else {
        return Ok(Progress { couple_id: couple.id.clone(), plan_id: None, steps: Vec::new(), recommendation: None });
    };
    let plan_id = plan.id.clone();
    // Steps and consents only: the progress view shows no exercise snapshots.
    let tree = plans::tree_of(conn, plan, false)?;
    let reports = records::plan_report_figures(conn, &plan_id)?;
    let partners = [couple.partner_a_id.clone(), couple.partner_b_id.clone()];
    let steps = tree
        .steps
        .iter()
        .map(|s| StepProgress {
            step_id: s.id.clone(),
            title: s.title.clone(),
            status: s.status.clone(),
            target_per_week: s.target_per_week,
            partners: partners
                .iter()
                .map(|p| {
                    let mine: Vec<_> = reports.iter().filter(|r| r.step_id == s.id && &r.author_id == p).collect();
                    let after: Vec<f64> = mine.iter().map(|r| f64::from(r.distress_after)).collect();
                    let comfort: Vec<f64> = mine.iter().map(|r| f64::from(r.comfort)).collect();
                    let weeks =
                        s.activated_at.map(|a| ((now - time::from_db(a)).num_hours() as f64 / (24.0 * 7.0)).max(1.0));
                    PartnerProgress {
                        partner_id: p.clone(),
                        attempts: mine.len(),
                        completed: mine.iter().filter(|r| r.outcome == "completed").count(),
                        distress_first: mine.first().map(|r| r.distress_after),
                        distress_last: mine.last().map(|r| r.distress_after),
                        distress_mean: mean(&after),
                        distress_trend: (after.len() >= 2).then(|| slope(&after)),
                        comfort_mean: mean(&comfort),
                        adherence: weeks.map(|w| mine.len() as f64 / w / f64::from(s.target_per_week.max(1))),
                    }
                })
                .collect(),
        })
        .collect();
    let recommendation = tandem_service::review::current(conn, &tree, couple, now)?.map(|cur| RecommendationView {
        plan_id: plan_id.clone(),
        step_id: cur.step_id,
        kind: cur.recommendation.kind,
        baseline_step_id: cur.recommendation.baseline.map(|b| b.step_id),
        awaiting_consent: cur.recommendation.awaiting_consent,
        reasons: cur.recommendation.reasons,
        etag: cur.etag,
    });
    Ok(Progress { couple_id: couple.id.clone(), plan_id: Some(plan_id), steps, recommendation })
}

#[utoipa::path(
    tag = "review",
    operation_id = "getProgress",
    summary = "How the couple is doing (clinicians)",
    description = "For the running (or latest) plan: per step and partner, attempts, distress first / last / mean and trend, comfort, adherence against the weekly target, and the current recommendation.",
    params(("couple_id" = String, Path, description = "The couple's id.")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The review summary.", body = Progress)
    )
)]
#[get("/couples/{couple_id}/progress")]
pub async fn get_progress(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
) -> ApiResult<web::Json<Progress>> {
    let (couple, _) = access::load_couple(&state, &auth, path.into_inner(), Action::ReadReview).await?;
    let now = state.clock.now();
    let c = couple.clone();
    let out = db::read(&state, move |conn| progress(conn, &c, now)).await?;
    state.audit.read_event(access::event(&state, &auth, "progress.read", "couple", &couple.id, &couple.id)).await;
    Ok(web::Json(out))
}

/// One entry of the timeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineEntry {
    #[schema(value_type = tandem_domain::vocabulary::TimelineKind, example = "report")]
    pub kind: String,
    pub id: String,
    pub at: DateTime<Utc>,
    /// Who wrote or decided it.
    pub actor_id: Option<String>,
    /// The entry itself, as the caller may see it (the same shape as its own endpoint).
    #[schema(value_type = Object)]
    pub data: Value,
}

/// A couple's timeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct Timeline {
    /// Oldest first, as the caller may see it.
    pub items: Vec<TimelineEntry>,
}

fn timeline(conn: &mut AnyConnection, couple: &CoupleRow, actor: &Actor) -> ApiResult<Vec<TimelineEntry>> {
    let r = reader(actor);
    let clinician = matches!(r, Reader::Clinician);
    let mut out = Vec::new();
    for report in records::all_reports(conn, &couple.id, &r)? {
        let at = time::from_db(report.occurred_at);
        let (id, author) = (report.id.clone(), report.author_id.clone());
        out.push(TimelineEntry {
            kind: "report".into(),
            id,
            at,
            actor_id: Some(author),
            data: json!(report_view(report, actor)),
        });
    }
    for c in records::all_check_ins(conn, &couple.id, &r)? {
        let (id, author, at) = (c.id.clone(), c.author_id.clone(), time::from_db(c.created_at));
        out.push(TimelineEntry {
            kind: "check_in".into(),
            id,
            at,
            actor_id: Some(author),
            data: json!(CheckIn::from(c)),
        });
    }
    for m in records::all_milestones(conn, &couple.id)? {
        let (id, author, at) = (m.id.clone(), m.author_id.clone(), time::from_db(m.achieved_at));
        out.push(TimelineEntry {
            kind: "milestone".into(),
            id,
            at,
            actor_id: Some(author),
            data: json!(Milestone::from(m)),
        });
    }
    let own_only = (!clinician).then(|| actor.user_id.clone());
    for i in incidents::list(
        conn,
        &couple.id,
        own_only.as_deref(),
        &tandem_store::PageRequest { after: None, limit: 100_000 },
    )?
    .items
    {
        let (id, author, at) = (i.id.clone(), i.author_id.clone(), time::from_db(i.opened_at));
        out.push(TimelineEntry {
            kind: "incident".into(),
            id,
            at,
            actor_id: Some(author),
            data: json!(Incident::from(i)),
        });
    }
    if clinician {
        for d in decisions::for_couple(conn, &couple.id)? {
            let (id, author, at) = (d.id.clone(), d.decided_by.clone(), time::from_db(d.created_at));
            out.push(TimelineEntry {
                kind: "decision".into(),
                id,
                at,
                actor_id: Some(author),
                data: json!(Decision::from(d)),
            });
        }
        for w in incidents::withdrawals(conn, &couple.id)? {
            let (id, author, at) = (w.id.clone(), w.user_id.clone(), time::from_db(w.created_at));
            out.push(TimelineEntry {
                kind: "withdrawal".into(),
                id,
                at,
                actor_id: Some(author),
                data: json!({"reason": w.reason}),
            });
        }
    }
    let page = tandem_store::PageRequest { after: None, limit: 10_000 };
    for plan in plans::list(conn, &couple.id, &page)?.items {
        for e in plans::consent_history(conn, &plan.id)? {
            if clinician || e.user_id == actor.user_id {
                let at = time::from_db(e.created_at);
                out.push(TimelineEntry {
                    kind: "consent".into(),
                    id: e.id.clone(),
                    at,
                    actor_id: Some(e.user_id.clone()),
                    data: json!({"plan_id": e.plan_id, "step_id": e.step_id, "answer": e.answer, "note": e.note}),
                });
            }
        }
    }
    out.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id)));
    Ok(out)
}

#[utoipa::path(
    tag = "review",
    operation_id = "getTimeline",
    summary = "Everything that happened, in order",
    description = "Reports, check-ins, decisions, incidents, consent changes, withdrawals and milestones, oldest first. Clinicians see everything; a partner sees their own entries, the other partner's shared reports and check-ins (without `boundary_crossed`) and milestones, and never decisions, the other's consent, incidents or withdrawals.",
    params(("couple_id" = String, Path, description = "The couple's id.")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The timeline.", body = Timeline)
    )
)]
#[get("/couples/{couple_id}/timeline")]
pub async fn get_timeline(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
) -> ApiResult<web::Json<Timeline>> {
    let (couple, _) = access::load_couple(&state, &auth, path.into_inner(), Action::ReadClinical).await?;
    let actor = auth.actor.clone();
    let c = couple.clone();
    let items = db::read(&state, move |conn| timeline(conn, &c, &actor)).await?;
    state.audit.read_event(access::event(&state, &auth, "timeline.read", "couple", &couple.id, &couple.id)).await;
    Ok(web::Json(Timeline { items }))
}

#[utoipa::path(
    tag = "review",
    operation_id = "exportCouple",
    summary = "The couple's whole record as JSON (clinicians)",
    description = "Couple, agreements (every version), plans with steps and snapshots, consent history, reports, check-ins, incidents, withdrawals, milestones and decisions. Audited.",
    params(("couple_id" = String, Path, description = "The couple's id.")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The record.", body = Object)
    )
)]
#[get("/couples/{couple_id}/export")]
pub async fn export(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
) -> ApiResult<web::Json<Value>> {
    let (couple, rel) = access::load_couple(&state, &auth, path.into_inner(), Action::ReadReview).await?;
    let actor = auth.actor.clone();
    let c = couple.clone();
    let now = state.clock.now();
    let record = db::read(&state, move |conn| {
        let page = tandem_store::PageRequest { after: None, limit: 10_000 };
        let mut plan_views = Vec::new();
        let mut consent = Vec::new();
        for plan in plans::list(conn, &c.id, &page)?.items {
            if let Some(tree) = plans::tree(conn, &plan.id)? {
                plan_views.push(json!(crate::views::plan::view(&actor, &c, rel, &tree)?));
            }
            consent.extend(plans::consent_history(conn, &plan.id)?);
        }
        let versions: Vec<Value> = agreements::versions(conn, &c.id)?
            .into_iter()
            .map(|v| {
                json!({
                    "version": v.row.version,
                    "terms": [serde_json::from_str::<Value>(&v.row.partner_a_terms).unwrap_or(Value::Null), serde_json::from_str::<Value>(&v.row.partner_b_terms).unwrap_or(Value::Null)],
                    "review_by": time::from_db(v.row.review_by),
                    "created_at": time::from_db(v.row.created_at),
                    "acknowledgements": v.acknowledgements.iter().map(|(u, at)| json!({"user_id": u, "at": time::from_db(*at)})).collect::<Vec<_>>(),
                })
            })
            .collect();
        Ok(json!({
            "exported_at": now,
            "couple": {"id": c.id, "label": c.label, "status": c.status, "partners": [c.partner_a_id, c.partner_b_id]},
            "safety_agreements": versions,
            "plans": plan_views,
            "consent_history": consent,
            "reports": records::all_reports(conn, &c.id, &Reader::Clinician)?,
            "check_ins": records::all_check_ins(conn, &c.id, &Reader::Clinician)?,
            "incidents": incidents::list(conn, &c.id, None, &page)?.items,
            "withdrawals": incidents::withdrawals(conn, &c.id)?,
            "milestones": records::all_milestones(conn, &c.id)?,
            "decisions": decisions::for_couple(conn, &c.id)?,
        }))
    })
    .await?;
    // An export is a read of the whole record: audited like every other read, but in the
    // write path so it is never lost.
    let event = access::event(&state, &auth, "couple.export", "couple", &couple.id, &couple.id);
    db::write(&state, move |conn| Ok(crate::audit::record(conn, event)?)).await?;
    Ok(web::Json(record))
}
