//! A partner's home screen: what is waiting for them today.

use actix_web::{get, web};
use serde::Serialize;
use tandem_domain::CoupleRelation;
use tandem_service::agenda;
use utoipa::ToSchema;

use crate::auth::Authenticated;
use crate::db;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::views::journal::JournalPromptAssignment;
use crate::views::plan::StepExercise;

/// A plan on the agenda.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgendaPlan {
    pub id: String,
    pub title: String,
    /// `on_hold` means paused; the agenda never says who paused it or why.
    pub status: tandem_domain::plans::PlanStatus,
}

/// The step to practise now.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgendaStep {
    pub id: String,
    pub title: String,
    pub description: String,
    pub target_per_week: i32,
    pub exercises: Vec<StepExercise>,
}

/// A step waiting for the caller's answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentRequest {
    pub plan_id: String,
    pub step_id: String,
    pub step_title: String,
}

/// A partner's home screen: what is waiting for them today.
#[derive(Debug, Serialize, ToSchema)]
pub struct Agenda {
    pub couple_id: Option<String>,
    pub plan: Option<AgendaPlan>,
    /// The current step, while the plan is active.
    pub current_step: Option<AgendaStep>,
    /// Steps waiting for the caller's own answer (never the other partner's).
    pub consent_requested: Vec<ConsentRequest>,
    /// No check-in yet today (in the caller's time zone).
    pub check_in_due: bool,
    /// The agreement version waiting for the caller's acknowledgement.
    pub agreement_to_acknowledge: Option<i32>,
    /// Reconnect-window occurrences of the last week waiting for the caller's own short
    /// check-in (`createReconnectCheckIn`); one disappears once the caller answers it.
    pub reconnect_check_ins_due: Vec<crate::views::reconnect::ReconnectCheckInDue>,
    /// The practice's crisis notice.
    pub crisis_notice: String,
    /// Journaling prompts assigned to the caller that they have not answered yet, oldest
    /// first. Each leaves when the caller writes an entry answering it (`assignment_id`);
    /// the other partner's answers never change it.
    pub journal_prompts: Vec<JournalPromptAssignment>,
    /// Questionnaires waiting for the caller (only their own; never the other partner's).
    pub measures_due: Vec<crate::views::measure::AgendaMeasure>,
}

#[utoipa::path(
    tag = "me",
    operation_id = "getAgenda",
    summary = "A partner's home screen",
    description = "What is waiting for the calling partner today: the current step and its exercises, answers asked of them, whether today's check-in is due, an agreement to acknowledge, journaling prompts assigned to them and not yet answered, questionnaires waiting for them, and the practice's crisis notice. It reveals nothing about the other partner's answers. Partners only (403 for staff).",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The agenda.", body = Agenda)
    )
)]
#[get("/me/agenda")]
pub async fn get_agenda(state: web::Data<AppState>, auth: Authenticated) -> ApiResult<web::Json<Agenda>> {
    let a = db::call(&state, &auth, agenda::get).await?;
    let mut out = Agenda {
        couple_id: a.couple.as_ref().map(|c| c.id.clone()),
        plan: None,
        current_step: None,
        consent_requested: a
            .consent_requested
            .into_iter()
            .map(|r| ConsentRequest { plan_id: r.plan_id, step_id: r.step_id, step_title: r.step_title })
            .collect(),
        check_in_due: a.check_in_due,
        agreement_to_acknowledge: a.agreement_to_acknowledge,
        reconnect_check_ins_due: a.reconnect_check_ins_due.into_iter().map(Into::into).collect(),
        crisis_notice: a.crisis_notice,
        journal_prompts: a.journal_prompts.into_iter().map(JournalPromptAssignment::from).collect(),
        measures_due: a.measures_due.into_iter().map(Into::into).collect(),
    };
    if let (Some(couple), Some(plan)) = (&a.couple, a.plan) {
        let tree = &plan.tree;
        if let Some(step) = plan.current_step_id.and_then(|id| tree.steps.iter().find(|s| s.id == id)) {
            let partner = CoupleRelation { assigned_clinician: false, partner: true, break_glass: false };
            let exercises = crate::views::plan::view(&a.viewer, couple, partner, tree)?
                .steps
                .into_iter()
                .find(|s| s.id == step.id)
                .map(|s| s.exercises)
                .unwrap_or_default();
            out.current_step = Some(AgendaStep {
                id: step.id.clone(),
                title: step.title.clone(),
                description: step.description.clone(),
                target_per_week: step.target_per_week,
                exercises,
            });
        }
        out.plan = Some(AgendaPlan { id: tree.plan.id.clone(), title: tree.plan.title.clone(), status: plan.status });
    }
    Ok(web::Json(out))
}
