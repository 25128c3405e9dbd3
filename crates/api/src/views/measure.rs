//! Scored measures as a reader may see them (docs/measures.md): definitions,
//! assignments, responses and trends. Shared by the measures routes, the agenda, the
//! progress view, the timeline and the export.

use chrono::{DateTime, Utc};
use serde::Serialize;
use tandem_domain::measures::{self, Band, Definition, Measure, Trend};
use tandem_domain::{Actor, UserKind};
use tandem_service::measures::{AssignmentStatus, MeasureTrend};
use tandem_service::records::time;
use tandem_service::records::{MeasureAssignmentRow as AssignmentRow, MeasureResponseRow as ResponseRow};
use utoipa::ToSchema;

/// One answer option of an item.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeasureOption {
    #[schema(example = 1)]
    pub value: i32,
    #[schema(example = "Several days")]
    pub label: String,
}

/// One question of a measure.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeasureItem {
    /// 1-based, as the instrument numbers it.
    #[schema(example = 1)]
    pub number: usize,
    #[schema(example = "Little interest or pleasure in doing things")]
    pub text: String,
    pub options: Vec<MeasureOption>,
}

/// A measure's definition: what to show a partner, and where it comes from.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeasureDefinition {
    pub measure: Measure,
    #[schema(example = "PHQ-9")]
    pub title: String,
    /// The stem shown above the items.
    #[schema(example = "Over the last 2 weeks, how often have you been bothered by any of the following problems?")]
    pub instructions: String,
    pub items: Vec<MeasureItem>,
    /// The lowest and highest total score.
    #[schema(example = 0)]
    pub min_score: i32,
    #[schema(example = 27)]
    pub max_score: i32,
    /// Where the items come from and why they may be reproduced.
    #[schema(example = "Kroenke, Spitzer & Williams (2001). No permission required to reproduce.")]
    pub source: String,
}

impl From<&Definition> for MeasureDefinition {
    fn from(d: &Definition) -> Self {
        Self {
            measure: d.measure,
            title: d.title.to_owned(),
            instructions: d.instructions.to_owned(),
            items: d
                .items
                .iter()
                .enumerate()
                .map(|(i, item)| MeasureItem {
                    number: i + 1,
                    text: item.text.to_owned(),
                    options: item
                        .options
                        .iter()
                        .map(|o| MeasureOption { value: o.value, label: o.label.to_owned() })
                        .collect(),
                })
                .collect(),
            min_score: 0,
            max_score: d.items.iter().map(|i| i.options.iter().map(|o| o.value).max().unwrap_or(0)).sum(),
            source: d.source.to_owned(),
        }
    }
}

/// One partner's standing on an assignment.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartnerMeasureDue {
    #[schema(example = "01936f3e-8a4b-7c2d-9e1f-0a1b2c3d4e5f")]
    pub partner_id: String,
    /// When their next unanswered occurrence is (or was) due; `null` once a one-off
    /// measure is answered.
    #[schema(example = "2026-11-24T09:00:00Z")]
    pub next_due_at: Option<DateTime<Utc>>,
    /// Waiting for them now.
    #[schema(example = true)]
    pub due: bool,
}

/// A measure assigned to one or both partners.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeasureAssignment {
    #[schema(example = "01936f3e-8a4b-7c2d-9e1f-0a1b2c3d4e60")]
    pub id: String,
    #[schema(example = "01936f3e-8a4b-7c2d-9e1f-0a1b2c3d4e61")]
    pub couple_id: String,
    pub measure: Measure,
    /// The partner asked; `null`: both partners.
    #[schema(example = json!(null))]
    pub partner_id: Option<String>,
    /// Recurs every this many weeks from `starts_at`; `null`: once.
    #[schema(example = 2)]
    pub every_weeks: Option<i32>,
    /// When the first occurrence is due.
    #[schema(example = "2026-11-24T09:00:00Z")]
    pub starts_at: DateTime<Utc>,
    #[schema(example = "01936f3e-8a4b-7c2d-9e1f-0a1b2c3d4e62")]
    pub created_by: String,
    #[schema(example = "2026-11-24T09:00:00Z")]
    pub created_at: DateTime<Utc>,
    /// When a clinician ended it (only in the export; ended assignments leave the list).
    #[schema(example = json!(null))]
    pub ended_at: Option<DateTime<Utc>>,
    /// Clinicians: each asked partner; a partner: only themself. Empty in the export.
    pub partners: Vec<PartnerMeasureDue>,
}

fn measure_of(text: &str) -> Measure {
    Measure::parse(text).unwrap_or(Measure::Phq9)
}

/// An assignment row with no standing (the export).
#[must_use]
pub fn assignment_view(a: AssignmentRow) -> MeasureAssignment {
    MeasureAssignment {
        id: a.id,
        couple_id: a.couple_id,
        measure: measure_of(&a.measure),
        partner_id: a.partner_id,
        every_weeks: a.every_weeks,
        starts_at: time::from_db(a.starts_at),
        created_by: a.created_by,
        created_at: time::from_db(a.created_at),
        ended_at: a.ended_at.map(time::from_db),
        partners: Vec::new(),
    }
}

impl From<AssignmentStatus> for MeasureAssignment {
    fn from(s: AssignmentStatus) -> Self {
        let mut view = assignment_view(s.row);
        view.partners = s
            .partners
            .into_iter()
            .map(|p| PartnerMeasureDue { partner_id: p.partner_id, next_due_at: p.next_due_at, due: p.due })
            .collect();
        view
    }
}

/// A clinician's acknowledgement of a critical answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeasureAcknowledgement {
    #[schema(example = "01936f3e-8a4b-7c2d-9e1f-0a1b2c3d4e62")]
    pub by: String,
    #[schema(example = "2026-11-24T10:00:00Z")]
    pub at: DateTime<Utc>,
    #[schema(example = "Called; safety plan reviewed, seen tomorrow.")]
    pub note: String,
}

/// A scored response as the caller may see it: its author and the couple's clinicians
/// only (the other partner never sees it, nor that it exists).
#[derive(Debug, Serialize, ToSchema)]
pub struct MeasureResponse {
    #[schema(example = "01936f3e-8a4b-7c2d-9e1f-0a1b2c3d4e63")]
    pub id: String,
    #[schema(example = "01936f3e-8a4b-7c2d-9e1f-0a1b2c3d4e61")]
    pub couple_id: String,
    #[schema(example = "01936f3e-8a4b-7c2d-9e1f-0a1b2c3d4e60")]
    pub assignment_id: String,
    pub measure: Measure,
    #[schema(example = "01936f3e-8a4b-7c2d-9e1f-0a1b2c3d4e5f")]
    pub respondent_id: String,
    /// The answers in item order.
    #[schema(example = json!([1, 1, 0, 2, 0, 1, 0, 0, 0]))]
    pub answers: Vec<i32>,
    /// The total, computed by the server.
    #[schema(example = 5)]
    pub score: i32,
    pub band: Band,
    #[schema(example = "2026-11-24T09:30:00Z")]
    pub created_at: DateTime<Utc>,
    /// Clinicians only (`null` for the partner): whether an answer was a critical finding.
    #[schema(example = false)]
    pub critical: Option<bool>,
    /// Clinicians only: the 1-based numbers of the critical items (PHQ-9 item 9).
    #[schema(example = json!([]))]
    pub critical_items: Option<Vec<usize>>,
    /// Clinicians only: the acknowledgement of a critical finding, once given.
    pub acknowledgement: Option<MeasureAcknowledgement>,
    /// Only in the answer to the partner's own critical submission: the practice's crisis
    /// notice, for a hard moment.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "If you are in danger, call 112.")]
    pub crisis_notice: Option<String>,
}

/// The response as `viewer` sees it (only the clinicians see the critical finding and
/// its acknowledgement).
#[must_use]
pub fn response_view(r: ResponseRow, viewer: &Actor) -> MeasureResponse {
    let clinician = viewer.kind == UserKind::Staff;
    let measure = measure_of(&r.measure);
    let answers = r.answer_values();
    let critical_items = answers
        .iter()
        .enumerate()
        .filter(|(i, v)| measures::is_critical(measure, i + 1, **v))
        .map(|(i, _)| i + 1)
        .collect();
    let acknowledgement = match (r.acknowledged_at, r.acknowledged_by, r.acknowledgement_note) {
        (Some(at), Some(by), Some(note)) if clinician => {
            Some(MeasureAcknowledgement { by, at: time::from_db(at), note })
        }
        _ => None,
    };
    MeasureResponse {
        id: r.id,
        couple_id: r.couple_id,
        assignment_id: r.assignment_id,
        measure,
        respondent_id: r.respondent_id,
        answers,
        score: r.score,
        band: Band::parse(&r.band).unwrap_or(Band::Minimal),
        created_at: time::from_db(r.created_at),
        critical: clinician.then_some(r.critical),
        critical_items: clinician.then_some(critical_items),
        acknowledgement,
        crisis_notice: None,
    }
}

/// One partner's scores on one measure: first and latest, and the trend between them.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeasureProgress {
    #[schema(example = "01936f3e-8a4b-7c2d-9e1f-0a1b2c3d4e5f")]
    pub partner_id: String,
    pub measure: Measure,
    /// How many responses.
    #[schema(example = 3)]
    pub responses: usize,
    #[schema(example = 14)]
    pub first_score: i32,
    pub first_band: Band,
    #[schema(example = "2026-11-03T09:30:00Z")]
    pub first_at: DateTime<Utc>,
    #[schema(example = 8)]
    pub last_score: i32,
    pub last_band: Band,
    #[schema(example = "2026-11-24T09:30:00Z")]
    pub last_at: DateTime<Utc>,
    /// By severity band, first to latest.
    pub trend: Trend,
    /// Latest minus first score.
    #[schema(example = -6)]
    pub score_change: i32,
}

impl From<MeasureTrend> for MeasureProgress {
    fn from(t: MeasureTrend) -> Self {
        Self {
            partner_id: t.partner_id,
            measure: t.measure,
            responses: t.responses,
            first_score: t.first_score,
            first_band: t.first_band,
            first_at: t.first_at,
            last_score: t.last_score,
            last_band: t.last_band,
            last_at: t.last_at,
            trend: t.trend,
            score_change: t.last_score - t.first_score,
        }
    }
}

/// A questionnaire waiting for the calling partner (the agenda).
#[derive(Debug, Serialize, ToSchema)]
pub struct AgendaMeasure {
    #[schema(example = "01936f3e-8a4b-7c2d-9e1f-0a1b2c3d4e60")]
    pub assignment_id: String,
    pub measure: Measure,
    #[schema(example = "PHQ-9")]
    pub title: String,
}

impl From<AssignmentRow> for AgendaMeasure {
    fn from(a: AssignmentRow) -> Self {
        let measure = measure_of(&a.measure);
        Self { assignment_id: a.id, measure, title: measures::definition(measure).title.to_owned() }
    }
}
