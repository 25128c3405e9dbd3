//! A plan template as staff see it: built-in or the practice's own, with each step's
//! exercises as the practice's library holds them now.

use actix_web::HttpResponse;
use actix_web::http::{StatusCode, header};
use chrono::{DateTime, Utc};
use serde::Serialize;
use tandem_domain::exercises::Category;
use tandem_service::plan_templates;
use tandem_service::records::{ExerciseRow, time};
use utoipa::ToSchema;

use crate::error::ApiResult;
use crate::views::plan::CriteriaView;

/// An exercise a template step names, as the practice's library holds it now. A plan
/// drafted from the template takes a snapshot of it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateExercise {
    /// The exercise's id in the practice's library (`GET /api/v1/exercises/{id}`).
    #[schema(example = "01936f3e-8a4b-7c2d-9e1f-0a1b2c3d4e80")]
    pub exercise_id: String,
    #[schema(example = "Naming the grief together")]
    pub title: String,
    pub category: Category,
    /// Anticipated distress, 0-100.
    #[schema(example = 35, minimum = 0, maximum = 100)]
    pub intensity: i32,
    /// What the exercise involves; a couple's safety agreement can rule tags out.
    #[schema(value_type = Vec<tandem_domain::vocabulary::ExerciseTag>, example = json!(["conversation", "clothing:on"]))]
    pub tags: Vec<String>,
    /// Archived from the library since the template was written: a plan drafted from the
    /// template leaves it out (and lists it in `left_out`).
    #[schema(example = false)]
    pub archived: bool,
}

/// One step of a template.
#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateStep {
    /// 0 for the first step.
    #[schema(example = 0)]
    pub position: i32,
    #[schema(example = "Naming the grief together")]
    pub title: String,
    #[schema(example = "Each partner says what they miss, and is heard without being fixed.")]
    pub description: String,
    /// Attempts per week to aim for, 1-21.
    #[schema(example = 1, minimum = 1, maximum = 21)]
    pub target_per_week: i32,
    pub criteria: CriteriaView,
    /// The step's exercises, in order.
    pub exercises: Vec<TemplateExercise>,
}

/// A reusable plan: a title, a goal and ordered steps with exercises and criteria. Its
/// ETag (response header) names its version; send it as `If-Match` to edit or archive.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanTemplate {
    #[schema(example = "00000000-0000-7000-8000-000000000002")]
    pub id: String,
    /// Built-in templates are the same in every practice and read-only; copy one
    /// (`POST /api/v1/plan-templates` with `copy_of`) to adapt it.
    #[schema(example = true)]
    pub builtin: bool,
    /// Bumped by every edit (built-ins stay at 1).
    #[schema(example = 1)]
    pub version: i32,
    #[schema(example = "Grief and reconnection")]
    pub title: String,
    #[schema(example = "Grieve what has changed together and find closeness that does not depend on what was lost.")]
    pub goal: String,
    pub steps: Vec<TemplateStep>,
    /// Who wrote it; `null` for built-ins.
    #[schema(example = "01937b1e-5c3a-7d2e-9f41-2a6b8c0d4e5f")]
    pub created_by: Option<String>,
    /// `null` for built-ins.
    pub created_at: Option<DateTime<Utc>>,
    /// `null` for built-ins.
    pub updated_at: Option<DateTime<Utc>>,
    /// Set when archived: out of the list, not editable, not usable for new plans; plans
    /// drafted from it keep it as their provenance.
    pub archived_at: Option<DateTime<Utc>>,
}

fn exercise(e: &ExerciseRow) -> ApiResult<TemplateExercise> {
    Ok(TemplateExercise {
        exercise_id: e.id.clone(),
        title: e.title.clone(),
        category: Category::parse(&e.category).unwrap_or(Category::Connection),
        intensity: e.intensity,
        tags: e.tag_list()?,
        archived: e.archived_at.is_some(),
    })
}

impl PlanTemplate {
    pub fn from_template(t: plan_templates::PlanTemplate) -> ApiResult<Self> {
        let steps = (0..)
            .zip(&t.steps)
            .map(|(position, s)| {
                Ok(TemplateStep {
                    position,
                    title: s.step.title.clone(),
                    description: s.step.description.clone(),
                    target_per_week: s.step.target_per_week,
                    criteria: s.step.criteria.into(),
                    exercises: s.exercises.iter().map(exercise).collect::<ApiResult<_>>()?,
                })
            })
            .collect::<ApiResult<_>>()?;
        Ok(Self {
            id: t.id,
            builtin: t.builtin,
            version: t.version,
            title: t.title,
            goal: t.goal,
            steps,
            created_by: t.created_by,
            created_at: t.created_at.map(time::from_db),
            updated_at: t.updated_at.map(time::from_db),
            archived_at: t.archived_at.map(time::from_db),
        })
    }
}

/// The template answered with `status` and its ETag.
pub fn document(status: StatusCode, t: plan_templates::PlanTemplate) -> ApiResult<HttpResponse> {
    let tag = plan_templates::tag(&t);
    Ok(HttpResponse::build(status).insert_header((header::ETAG, tag)).json(PlanTemplate::from_template(t)?))
}
