//! A couple's record as a reader may see it: reports, check-ins, milestones, incidents,
//! decisions and recommendations. Shared by the record's own routes, the timeline and
//! the export.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tandem_domain::Actor;
use tandem_domain::progression::Kind;
use tandem_service::records::{CheckInRow, DecisionRow, IncidentRow, MilestoneRow, ReportRow, time};
use utoipa::ToSchema;

pub use tandem_domain::vocabulary::Visibility;

/// A report as the caller may see it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Report {
    pub id: String,
    pub couple_id: String,
    pub plan_id: String,
    pub step_id: String,
    pub item_id: Option<String>,
    pub author_id: String,
    pub occurred_at: DateTime<Utc>,
    #[schema(value_type = tandem_domain::progression::Outcome)]
    pub outcome: String,
    pub distress_before: i32,
    pub distress_peak: i32,
    pub distress_after: i32,
    pub comfort: i32,
    pub closeness: i32,
    /// `null` on the other partner's shared reports.
    pub boundary_crossed: Option<bool>,
    pub note: Option<String>,
    #[schema(value_type = Visibility)]
    pub visibility: String,
    pub created_at: DateTime<Utc>,
    /// Set on a partner's own report when it opened an incident: the practice's crisis
    /// notice, for a hard moment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crisis_notice: Option<String>,
}

/// The report as `viewer` sees it (the other partner never sees `boundary_crossed`).
#[must_use]
pub fn report_view(r: ReportRow, viewer: &Actor) -> Report {
    let own_or_clinician = r.author_id == viewer.user_id || viewer.kind == tandem_domain::UserKind::Staff;
    Report {
        boundary_crossed: own_or_clinician.then_some(r.boundary_crossed),
        id: r.id,
        couple_id: r.couple_id,
        plan_id: r.plan_id,
        step_id: r.step_id,
        item_id: r.item_id,
        author_id: r.author_id,
        occurred_at: time::from_db(r.occurred_at),
        outcome: r.outcome,
        distress_before: r.distress_before,
        distress_peak: r.distress_peak,
        distress_after: r.distress_after,
        comfort: r.comfort,
        closeness: r.closeness,
        note: r.note,
        visibility: r.visibility,
        created_at: time::from_db(r.created_at),
        crisis_notice: None,
    }
}

/// A check-in as the caller may see it: a daily note or a weekly talk; `kind` says which.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum CheckIn {
    Daily(DailyCheckIn),
    WeeklyTalk(WeeklyTalk),
}

/// `daily`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DailyCheckInKind {
    Daily,
}

/// `weekly_talk`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WeeklyTalkKind {
    WeeklyTalk,
}

/// A partner's daily note.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DailyCheckIn {
    pub kind: DailyCheckInKind,
    pub id: String,
    pub couple_id: String,
    pub author_id: String,
    #[schema(example = "We laughed at dinner")]
    pub felt_good: String,
    #[schema(example = "A stressful day at work")]
    pub was_hard: String,
    #[schema(example = "Earlier bedtime")]
    pub to_adjust: String,
    /// Stress that day, 0-10.
    #[schema(example = 4)]
    pub stress: i32,
    #[schema(value_type = Visibility)]
    pub visibility: String,
    pub created_at: DateTime<Utc>,
}

/// A partner's side of the structured weekly conversation.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct WeeklyTalk {
    pub kind: WeeklyTalkKind,
    pub id: String,
    pub couple_id: String,
    pub author_id: String,
    /// The gratitude segment: what they appreciated this week.
    #[schema(example = "You made tea every morning when I was tired.")]
    pub gratitude: String,
    /// The frustration inventory: what bothered them, said plainly and kindly.
    #[schema(example = "We kept postponing our walk.")]
    pub frustrations: String,
    /// The plan for next steps.
    #[schema(example = "Walk on Saturday morning, phones at home.")]
    pub next_steps: String,
    #[schema(value_type = Visibility)]
    pub visibility: String,
    pub created_at: DateTime<Utc>,
}

impl From<CheckInRow> for WeeklyTalk {
    fn from(r: CheckInRow) -> Self {
        Self {
            kind: WeeklyTalkKind::WeeklyTalk,
            id: r.id,
            couple_id: r.couple_id,
            author_id: r.author_id,
            gratitude: r.gratitude.unwrap_or_default(),
            frustrations: r.frustrations.unwrap_or_default(),
            next_steps: r.next_steps.unwrap_or_default(),
            visibility: r.visibility,
            created_at: time::from_db(r.created_at),
        }
    }
}

impl From<CheckInRow> for CheckIn {
    fn from(r: CheckInRow) -> Self {
        if r.kind == tandem_domain::journal::CheckInKind::WeeklyTalk.as_str() {
            return Self::WeeklyTalk(r.into());
        }
        Self::Daily(DailyCheckIn {
            kind: DailyCheckInKind::Daily,
            id: r.id,
            couple_id: r.couple_id,
            author_id: r.author_id,
            felt_good: r.felt_good,
            was_hard: r.was_hard,
            to_adjust: r.to_adjust,
            stress: r.stress,
            visibility: r.visibility,
            created_at: time::from_db(r.created_at),
        })
    }
}

/// The system's recommendation for the current step (clinicians only).
#[derive(Debug, Serialize, ToSchema)]
pub struct RecommendationView {
    pub plan_id: String,
    pub step_id: String,
    pub kind: Kind,
    /// For `step_back`: the step to return to.
    pub baseline_step_id: Option<String>,
    /// For `advance`: the next step still needs both partners' consent.
    pub awaiting_consent: bool,
    /// One human-readable reason per condition that decided it.
    pub reasons: Vec<String>,
    /// Quote this in a decision; it changes whenever the recommendation does.
    #[schema(example = "\"rec-3q2-7wAAAAB0aGlzIGlz\"")]
    pub etag: String,
}

/// A decision.
#[derive(Debug, Serialize, ToSchema)]
pub struct Decision {
    pub id: String,
    pub plan_id: String,
    /// The step the decision was about.
    pub step_id: String,
    /// `advance`, `hold` or `step_back`.
    pub kind: Kind,
    pub rationale: String,
    /// What the system recommended at the time.
    pub recommendation_kind: Kind,
    pub recommendation_etag: String,
    /// The step that became current (advance, step back).
    pub to_step_id: Option<String>,
    pub decided_by: String,
    pub created_at: DateTime<Utc>,
}

fn parse_kind(s: &str) -> Kind {
    Kind::parse(s).unwrap_or(Kind::Hold)
}

impl From<DecisionRow> for Decision {
    fn from(r: DecisionRow) -> Self {
        Self {
            kind: parse_kind(&r.kind),
            recommendation_kind: parse_kind(&r.recommendation_kind),
            id: r.id,
            plan_id: r.plan_id,
            step_id: r.step_id,
            rationale: r.rationale,
            recommendation_etag: r.recommendation_etag,
            to_step_id: r.to_step_id,
            decided_by: r.decided_by,
            created_at: time::from_db(r.created_at),
        }
    }
}

/// A milestone.
#[derive(Debug, Serialize, ToSchema)]
pub struct Milestone {
    pub id: String,
    pub couple_id: String,
    pub author_id: String,
    #[schema(example = "First relaxed cuddle in months")]
    pub title: String,
    pub note: Option<String>,
    pub achieved_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

impl From<MilestoneRow> for Milestone {
    fn from(r: MilestoneRow) -> Self {
        Self {
            id: r.id,
            couple_id: r.couple_id,
            author_id: r.author_id,
            title: r.title,
            note: r.note,
            achieved_at: time::from_db(r.achieved_at),
            created_at: time::from_db(r.created_at),
        }
    }
}

/// An incident.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Incident {
    pub id: String,
    pub couple_id: String,
    pub plan_id: Option<String>,
    pub step_id: Option<String>,
    /// The report that opened it, if any.
    pub report_id: Option<String>,
    pub author_id: String,
    pub description: String,
    #[schema(value_type = tandem_domain::vocabulary::IncidentStatus, example = "open")]
    pub status: String,
    /// The repair plan: how the crossing was acknowledged.
    pub acknowledgement: Option<String>,
    /// The repair plan: what changed in the agreement or the step.
    pub revision: Option<String>,
    /// The repair plan: whether consent was renewed.
    pub renewed_consent: bool,
    pub resolution: Option<String>,
    pub opened_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// For the partner who opened it: the practice's crisis notice.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crisis_notice: Option<String>,
}

impl From<IncidentRow> for Incident {
    fn from(r: IncidentRow) -> Self {
        Self {
            id: r.id,
            couple_id: r.couple_id,
            plan_id: r.plan_id,
            step_id: r.step_id,
            report_id: r.report_id,
            author_id: r.author_id,
            description: r.description,
            status: r.status,
            acknowledgement: r.acknowledgement,
            revision: r.revision,
            renewed_consent: r.renewed_consent,
            resolution: r.resolution,
            opened_at: time::from_db(r.opened_at),
            resolved_at: r.resolved_at.map(time::from_db),
            crisis_notice: None,
        }
    }
}
