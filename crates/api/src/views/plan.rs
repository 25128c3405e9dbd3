//! The plan document as each reader may see it (clinician, partner, status only).

use actix_web::HttpResponse;
use actix_web::http::{StatusCode, header};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tandem_domain::Actor;
use tandem_domain::plans::{ConsentAnswer, Criteria, HoldCause, PlanStatus, StepStatus};
use tandem_domain::templates::LeftOutReason;
use tandem_service::access::PlanContext;
use tandem_service::records::{CoupleRow, ItemRow, PlanTree, StepRow, json_list, time};
use tandem_service::template_plans::LeftOut;
use utoipa::ToSchema;

use crate::error::ApiResult;

/// How much of the plan the caller sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PlanAccess {
    /// The couple's clinicians: everything, including each partner's consent.
    Clinician,
    /// A partner: steps, exercises, status and their own consent, nothing about the other.
    Partner,
    /// An admin: existence and status only.
    StatusOnly,
}

/// Progression criteria of a step (defaults: 3 sessions, target 30, setback 70, 14 days).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CriteriaView {
    /// Completed attempts per partner in the window, 1-50.
    #[schema(example = 3)]
    pub min_sessions: i32,
    /// After-attempt distress (0-100) at or under which an attempt counts.
    #[schema(example = 30)]
    pub target_suds: i32,
    /// Peak distress (0-100) at or over which an attempt is a setback.
    #[schema(example = 70)]
    pub setback_suds: i32,
    /// How many days back the window looks, 1-90 (never before the step last became active).
    #[schema(example = 14)]
    pub window_days: i32,
}

impl From<Criteria> for CriteriaView {
    fn from(c: Criteria) -> Self {
        Self {
            min_sessions: c.min_sessions,
            target_suds: c.target_suds,
            setback_suds: c.setback_suds,
            window_days: c.window_days,
        }
    }
}

impl From<CriteriaView> for Criteria {
    fn from(c: CriteriaView) -> Self {
        Self {
            min_sessions: c.min_sessions,
            target_suds: c.target_suds,
            setback_suds: c.setback_suds,
            window_days: c.window_days,
        }
    }
}

/// An exercise in a step: a snapshot of the library entry taken when it was added.
#[derive(Debug, Serialize, ToSchema)]
pub struct StepExercise {
    /// The item id (for removal).
    pub id: String,
    /// The library entry this was copied from.
    pub exercise_id: String,
    pub title: String,
    #[schema(value_type = tandem_domain::exercises::Category)]
    pub category: String,
    pub instructions: String,
    pub duration_minutes: i32,
    /// Anticipated distress, 0-100.
    pub intensity: i32,
    pub check_in_prompts: Vec<String>,
    pub exit_strategy: String,
    #[schema(value_type = Vec<tandem_domain::vocabulary::ExerciseTag>)]
    pub tags: Vec<String>,
}

/// One partner's answer on a step, as the clinician sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartnerConsent {
    pub user_id: String,
    pub answer: ConsentAnswer,
    /// The partner's note for the clinician.
    pub note: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// The caller's own answer on a step.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyConsent {
    pub answer: ConsentAnswer,
    pub note: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// A step of a plan.
#[derive(Debug, Serialize, ToSchema)]
pub struct Step {
    pub id: String,
    /// 0 for the first step.
    pub position: i32,
    pub title: String,
    pub description: String,
    pub status: StepStatus,
    /// Attempts per week to aim for.
    pub target_per_week: i32,
    pub criteria: CriteriaView,
    /// When the step last became active.
    pub activated_at: Option<DateTime<Utc>>,
    /// The step's exercises, in order.
    pub exercises: Vec<StepExercise>,
    /// Both partners' answers: clinicians only (`null` otherwise).
    pub consents: Option<Vec<PartnerConsent>>,
    /// The caller's own answer: partners only (`null` otherwise).
    pub my_consent: Option<MyConsent>,
}

/// A graded-exposure plan. Its ETag (response header) covers the steps, their order and
/// their exercises; send it as `If-Match` with every edit.
#[derive(Debug, Serialize, ToSchema)]
pub struct Plan {
    pub id: String,
    pub couple_id: String,
    pub access: PlanAccess,
    /// `null` for `status_only` access.
    #[schema(example = "Rebuilding comfortable touch")]
    pub title: Option<String>,
    /// `null` for `status_only` access.
    #[schema(example = "Feel at ease holding each other again")]
    pub goal: Option<String>,
    pub status: PlanStatus,
    /// Why it is on hold: clinicians only. Partners see only that it is paused.
    pub hold_cause: Option<HoldCause>,
    pub current_step_id: Option<String>,
    /// Empty for `status_only` access.
    pub steps: Vec<Step>,
    pub created_at: DateTime<Utc>,
    /// When a clinician last changed the plan (its document or its lifecycle). A safety
    /// stop does not move it, so it never dates a partner's private event.
    pub updated_at: DateTime<Utc>,
    pub activated_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    /// The template the plan was drafted from: clinicians only (`null` otherwise, and for
    /// a plan written by hand).
    pub template: Option<PlanProvenance>,
}

/// Where a plan came from: the template and the version of it the plan was drafted from
/// (the plan holds snapshots, so later edits of the template do not reach it).
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanProvenance {
    #[schema(example = "00000000-0000-7000-8000-000000000002")]
    pub template_id: String,
    #[schema(example = 1)]
    pub template_version: i32,
}

/// An exercise of the template that the new plan does not have. Its step is in the plan;
/// the clinician decides whether to add another exercise or remove the step.
#[derive(Debug, Serialize, ToSchema)]
pub struct LeftOutExercise {
    /// The step's position in the plan (0 for the first).
    #[schema(example = 5)]
    pub step_position: i32,
    #[schema(example = "01937b1e-5c3a-7d2e-9f41-2a6b8c0d4e5f")]
    pub step_id: String,
    #[schema(example = "Sensate focus, stage 2")]
    pub step_title: String,
    /// The library exercise that was left out.
    #[schema(example = "01936f3e-8a4b-7c2d-9e1f-0a1b2c3d4e80")]
    pub exercise_id: String,
    #[schema(example = "Sensate focus, stage 2")]
    pub exercise_title: String,
    pub reason: LeftOutReason,
    /// The exercise's tags the couple's safety agreement rules out (empty unless `reason`
    /// is `off_limits`).
    #[schema(value_type = Vec<tandem_domain::vocabulary::ExerciseTag>, example = json!(["touch:genital", "clothing:removed"]))]
    pub off_limits_tags: Vec<String>,
}

impl From<LeftOut> for LeftOutExercise {
    fn from(l: LeftOut) -> Self {
        Self {
            step_position: l.step_position,
            step_id: l.step_id,
            step_title: l.step_title,
            exercise_id: l.exercise_id,
            exercise_title: l.exercise_title,
            reason: l.reason,
            off_limits_tags: l.off_limits_tags,
        }
    }
}

/// A new draft plan, and what of its template it does not have.
#[derive(Debug, Serialize, ToSchema)]
pub struct DraftedPlan {
    #[serde(flatten)]
    pub plan: Plan,
    /// Exercises of the template left out of the plan (always empty for a plan written
    /// by hand): off-limits under the couple's safety agreement, or archived since.
    pub left_out: Vec<LeftOutExercise>,
}

pub fn criteria_of(step: &StepRow) -> Criteria {
    Criteria {
        min_sessions: step.min_sessions,
        target_suds: step.target_suds,
        setback_suds: step.setback_suds,
        window_days: step.window_days,
    }
}

pub fn access_of(actor: &Actor, rel: tandem_domain::CoupleRelation) -> PlanAccess {
    if actor.is_clinician && (rel.assigned_clinician || rel.break_glass) {
        PlanAccess::Clinician
    } else if rel.partner {
        PlanAccess::Partner
    } else {
        PlanAccess::StatusOnly
    }
}

fn item_view(i: &ItemRow) -> ApiResult<StepExercise> {
    Ok(StepExercise {
        id: i.id.clone(),
        exercise_id: i.exercise_id.clone(),
        title: i.title.clone(),
        category: i.category.clone(),
        instructions: i.instructions.clone(),
        duration_minutes: i.duration_minutes,
        intensity: i.intensity,
        check_in_prompts: json_list(&i.check_in_prompts)?,
        exit_strategy: i.exit_strategy.clone(),
        tags: json_list(&i.tags)?,
    })
}

/// The plan as `actor` may see it.
pub fn view(actor: &Actor, couple: &CoupleRow, rel: tandem_domain::CoupleRelation, tree: &PlanTree) -> ApiResult<Plan> {
    let access = access_of(actor, rel);
    let p = &tree.plan;
    let partners = [couple.partner_a_id.as_str(), couple.partner_b_id.as_str()];
    let steps = if access == PlanAccess::StatusOnly {
        Vec::new()
    } else {
        tree.steps
            .iter()
            .map(|s| {
                let consent_of = |user: &str| tree.consents.iter().find(|c| c.step_id == s.id && c.user_id == user);
                let consents = (access == PlanAccess::Clinician).then(|| {
                    partners
                        .iter()
                        .map(|u| {
                            let c = consent_of(u);
                            PartnerConsent {
                                user_id: (*u).to_owned(),
                                answer: c
                                    .and_then(|c| ConsentAnswer::parse(&c.answer))
                                    .unwrap_or(ConsentAnswer::NotAsked),
                                note: c.and_then(|c| c.note.clone()),
                                updated_at: c.map(|c| time::from_db(c.updated_at)),
                            }
                        })
                        .collect()
                });
                let my_consent = (access == PlanAccess::Partner).then(|| {
                    let c = consent_of(&actor.user_id);
                    MyConsent {
                        answer: c.and_then(|c| ConsentAnswer::parse(&c.answer)).unwrap_or(ConsentAnswer::NotAsked),
                        note: c.and_then(|c| c.note.clone()),
                        updated_at: c.map(|c| time::from_db(c.updated_at)),
                    }
                });
                Ok(Step {
                    id: s.id.clone(),
                    position: s.position,
                    title: s.title.clone(),
                    description: s.description.clone(),
                    status: s.status()?,
                    target_per_week: s.target_per_week,
                    criteria: criteria_of(s).into(),
                    activated_at: s.activated_at.map(time::from_db),
                    exercises: tree.items_of(&s.id).map(item_view).collect::<ApiResult<_>>()?,
                    consents,
                    my_consent,
                })
            })
            .collect::<ApiResult<_>>()?
    };
    let full = access != PlanAccess::StatusOnly;
    Ok(Plan {
        id: p.id.clone(),
        couple_id: p.couple_id.clone(),
        access,
        title: full.then(|| p.title.clone()),
        goal: full.then(|| p.goal.clone()),
        status: p.status()?,
        hold_cause: if access == PlanAccess::Clinician {
            p.hold_cause.as_deref().and_then(HoldCause::parse)
        } else {
            None
        },
        current_step_id: if full { p.current_step_id.clone() } else { None },
        steps,
        created_at: time::from_db(p.created_at),
        updated_at: time::from_db(p.updated_at),
        activated_at: p.activated_at.map(time::from_db),
        completed_at: p.completed_at.map(time::from_db),
        template: match (&p.template_id, p.template_version) {
            (Some(template_id), Some(template_version)) if access == PlanAccess::Clinician => {
                Some(PlanProvenance { template_id: template_id.clone(), template_version })
            }
            _ => None,
        },
    })
}

/// The plan document as `actor` may see it, answered with `status` and its ETag (which
/// the next edit sends as `If-Match`).
pub fn document(actor: &Actor, ctx: &PlanContext, status: StatusCode) -> ApiResult<HttpResponse> {
    let plan = view(actor, &ctx.couple, ctx.rel, &ctx.tree)?;
    Ok(HttpResponse::build(status).insert_header((header::ETAG, tandem_service::plans::tag(&ctx.tree.plan))).json(plan))
}
