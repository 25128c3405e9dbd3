//! The clinician's "how is this couple doing?": progress per step and partner, the
//! timeline, and the whole record as JSON.

use actix_web::{get, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use tandem_service::{export as record, progress, timeline};
use utoipa::ToSchema;

use crate::auth::Authenticated;
use crate::db;
use crate::error::ApiResult;
use crate::pagination::{PageParams, Paginated};
use crate::state::AppState;
use crate::views::export::CoupleExport;
use crate::views::record::{RecommendationView, WeeklyTalk};
use crate::views::timeline::TimelineEntry;

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
    /// Each partner's journal and weekly talks between sessions, as the clinician may see
    /// them (private journal entries never count).
    pub reflection: Vec<PartnerReflection>,
    /// Scored questionnaires per partner and measure: first and latest score and band,
    /// and the trend (both partners: the progress view is the clinicians').
    pub measures: Vec<crate::views::measure::MeasureProgress>,
    /// Per partner, the reconnect check-ins the caller may see (clinician and shared ones,
    /// never private).
    pub reconnect: Vec<crate::views::reconnect::ReconnectProgress>,
}

/// One partner's journal entries and weekly talks.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartnerReflection {
    pub partner_id: String,
    /// Journal entries the clinician may read (clinician and shared).
    #[schema(example = 3)]
    pub journal_entries: usize,
    pub last_journal_entry_at: Option<DateTime<Utc>>,
    /// Weekly talks written.
    #[schema(example = 2)]
    pub weekly_talks: usize,
    /// The partner's latest weekly talk.
    pub last_weekly_talk: Option<WeeklyTalk>,
}

impl From<progress::PartnerReflection> for PartnerReflection {
    fn from(r: progress::PartnerReflection) -> Self {
        Self {
            partner_id: r.partner_id,
            journal_entries: r.journal_entries,
            last_journal_entry_at: r.last_journal_entry_at,
            weekly_talks: r.weekly_talks,
            last_weekly_talk: r.last_weekly_talk.map(WeeklyTalk::from),
        }
    }
}

impl From<progress::Progress> for Progress {
    fn from(p: progress::Progress) -> Self {
        let plan_id = p.plan_id.clone().unwrap_or_default();
        Self {
            couple_id: p.couple_id,
            reconnect: p.reconnect.into_iter().map(Into::into).collect(),
            steps: p
                .steps
                .into_iter()
                .map(|s| StepProgress {
                    step_id: s.step_id,
                    title: s.title,
                    status: s.status,
                    target_per_week: s.target_per_week,
                    partners: s.partners.into_iter().map(PartnerProgress::from).collect(),
                })
                .collect(),
            recommendation: p.recommendation.map(|cur| RecommendationView {
                plan_id,
                step_id: cur.step_id,
                kind: cur.recommendation.kind,
                baseline_step_id: cur.recommendation.baseline.map(|b| b.step_id),
                awaiting_consent: cur.recommendation.awaiting_consent,
                reasons: cur.recommendation.reasons,
                etag: cur.etag,
            }),
            plan_id: p.plan_id,
            reflection: p.reflection.into_iter().map(PartnerReflection::from).collect(),
            measures: p.measures.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<progress::PartnerFigures> for PartnerProgress {
    fn from(f: progress::PartnerFigures) -> Self {
        Self {
            partner_id: f.partner_id,
            attempts: f.attempts,
            completed: f.completed,
            distress_first: f.distress_first,
            distress_last: f.distress_last,
            distress_mean: f.distress_mean,
            distress_trend: f.distress_trend,
            comfort_mean: f.comfort_mean,
            adherence: f.adherence,
        }
    }
}

#[utoipa::path(
    tag = "review",
    operation_id = "getProgress",
    summary = "How the couple is doing (clinicians)",
    description = "For the running (or latest) plan: per step and partner, attempts, distress first / last / mean and trend, comfort, adherence against the weekly target, and the current recommendation; per partner, the journal entries the clinician may read (never private ones) and their weekly talks, scored questionnaires (first / latest score and band, trend) and reconnect check-ins the caller may see (never private ones).",
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
    let out = db::call(&state, &auth, move |cx| progress::get(cx, &path)).await?;
    Ok(web::Json(out.into()))
}

#[utoipa::path(
    tag = "review",
    operation_id = "getTimeline",
    summary = "Everything that happened, in order",
    description = "Reports, check-ins (daily and weekly talks), reconnect check-ins, decisions, incidents, consent changes, withdrawals, milestones, journal entries, needs-map item revisions, compromises, comfort-script versions and questionnaire responses, oldest first, cursor-paginated. Each entry's `kind` says what it is and its `data` has the shape of that record's own endpoint. Clinicians see everything but private entries; a partner sees their own entries, the other partner's shared reports, check-ins, reconnect check-ins, journal entries and needs-map items (reports without `boundary_crossed`), the milestones, compromises and comfort script, and never decisions, the other's consent or questionnaire responses, incidents or withdrawals. A withdrawn compromise names nobody (`actor_id` is null).",
    params(("couple_id" = String, Path, description = "The couple's id."), PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of the timeline.", body = Paginated<TimelineEntry>)
    )
)]
#[get("/couples/{couple_id}/timeline")]
pub async fn get_timeline(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
    query: web::Query<PageParams>,
) -> ApiResult<web::Json<Paginated<TimelineEntry>>> {
    let page = query.request_ordered()?;
    let entries = db::call(&state, &auth, move |cx| timeline::get(cx, &path, &page)).await?;
    Ok(web::Json(Paginated::from_page(entries, |e| Ok(TimelineEntry::of(e, &auth.actor)))?))
}

#[utoipa::path(
    tag = "review",
    operation_id = "exportCouple",
    summary = "The couple's whole record as JSON (clinicians)",
    description = "Couple, agreements (every version), plans with steps and snapshots, consent history, reports, check-ins (daily and weekly talks), incidents, withdrawals, milestones, decisions, clinician and shared journal entries and needs-map items with their history (never private ones), journaling assignments, compromises (never who withdrew one), comfort-script versions, reconnect windows (never who called one off) with the clinician and shared check-ins, and questionnaire assignments and responses. Audited.",
    params(("couple_id" = String, Path, description = "The couple's id.")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The record.", body = CoupleExport)
    )
)]
#[get("/couples/{couple_id}/export")]
pub async fn export(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
) -> ApiResult<web::Json<CoupleExport>> {
    let record = db::call(&state, &auth, move |cx| record::export(cx, &path)).await?;
    Ok(web::Json(CoupleExport::of(record, &auth.actor)?))
}
