//! The signed-in user's own account.

use actix_web::{get, patch, web};
use serde::{Deserialize, Serialize};
use tandem_domain::validation::{check_display_name, check_time_zone};
use tandem_store::users::{self, UserChanges};
use tandem_store::{practices, time};
use utoipa::ToSchema;

use crate::audit::{self, Event};
use crate::auth::Authenticated;
use crate::db;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::state::AppState;
use crate::views::user::User;

/// The practice the user belongs to.
#[derive(Debug, Serialize, ToSchema)]
pub struct PracticeSummary {
    #[schema(example = "01936f3e-8a4b-7c2d-9e1f-0a1b2c3d4e50")]
    pub id: String,
    #[schema(example = "Riverside Couples Practice")]
    pub name: String,
    /// What to do in an emergency; client apps show it where a person may be struggling.
    pub crisis_notice: String,
}

/// The signed-in user and their practice.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub user: User,
    pub practice: PracticeSummary,
}

/// Changes to one's own account; omitted fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MePatch {
    #[schema(example = "Sam")]
    pub display_name: Option<String>,
    /// IANA time zone, used for reminders.
    #[schema(example = "America/Chicago")]
    pub time_zone: Option<String>,
}

async fn load(state: &AppState, user_id: String) -> ApiResult<Me> {
    db::read(state, move |conn| {
        let row = users::find(conn, &user_id)?.ok_or(ApiError::NotFound)?;
        let practice = practices::find(conn, &row.practice_id)?;
        Ok(Me {
            user: User::from_row(row, true)?,
            practice: PracticeSummary { id: practice.id, name: practice.name, crisis_notice: practice.crisis_notice },
        })
    })
    .await
}

#[utoipa::path(
    tag = "me",
    operation_id = "getMe",
    summary = "The signed-in user",
    description = "The caller's own account, roles and practice. Apps call this after sign-in to decide which screens to show.",
    security(("bearer" = [])),
    responses((status = 200, description = "The caller's account.", body = Me))
)]
#[get("/me")]
pub async fn get_me(state: web::Data<AppState>, auth: Authenticated) -> ApiResult<web::Json<Me>> {
    Ok(web::Json(load(&state, auth.actor.user_id).await?))
}

#[utoipa::path(
    tag = "me",
    operation_id = "updateMe",
    summary = "Change one's own name or time zone",
    description = "Roles, email and status cannot be changed here; unknown fields are refused with 400.",
    request_body = MePatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The account as changed.", body = Me)
    )
)]
#[patch("/me")]
pub async fn update_me(
    state: web::Data<AppState>,
    auth: Authenticated,
    body: crate::input::Json<MePatch>,
) -> ApiResult<web::Json<Me>> {
    let patch = body.into_inner();
    let mut errors = Vec::new();
    if let Some(Err(m)) = patch.display_name.as_deref().map(check_display_name) {
        errors.push(FieldError::new("display_name", m));
    }
    if let Some(Err(m)) = patch.time_zone.as_deref().map(check_time_zone) {
        errors.push(FieldError::new("time_zone", m));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let now = state.clock.now();
    let actor = auth.actor;
    let user_id = actor.user_id.clone();
    let rid = auth.request_id;
    db::write(&state, move |conn| {
        let changes = UserChanges {
            display_name: patch.display_name.map(|n| n.trim().to_owned()),
            time_zone: patch.time_zone,
            updated_at: Some(time::to_db(now)),
            ..UserChanges::default()
        };
        users::update(conn, &actor.user_id, &changes)?;
        audit::record(
            conn,
            Event::new(&actor.practice_id, Some(&actor), "user.update_self", "user", now)
                .resource(&actor.user_id)
                .request(rid.as_deref()),
        )?;
        Ok(())
    })
    .await?;
    Ok(web::Json(load(&state, user_id).await?))
}

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
    pub exercises: Vec<crate::views::plan::StepExercise>,
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
    /// The practice's crisis notice.
    pub crisis_notice: String,
}

#[utoipa::path(
    tag = "me",
    operation_id = "getAgenda",
    summary = "A partner's home screen",
    description = "What is waiting for the calling partner today: the current step and its exercises, answers asked of them, whether today's check-in is due, an agreement to acknowledge, and the practice's crisis notice. It reveals nothing about the other partner's answers. Partners only (403 for staff).",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The agenda.", body = Agenda)
    )
)]
#[get("/me/agenda")]
pub async fn get_agenda(state: web::Data<AppState>, auth: Authenticated) -> ApiResult<web::Json<Agenda>> {
    use tandem_domain::plans::{ConsentAnswer, PlanStatus};
    use tandem_store::{agreements, couples, plans, records};

    if auth.actor.kind != tandem_domain::UserKind::Client {
        return Err(ApiError::Forbidden);
    }
    let me = auth.actor.user_id.clone();
    let now = state.clock.now();
    let agenda = db::read(&state, move |conn| {
        let user = users::find(conn, &me)?.ok_or(ApiError::NotFound)?;
        let crisis_notice = practices::find(conn, &user.practice_id)?.crisis_notice;
        let check_in_due = records::last_check_in(conn, &me)?.is_none_or(|t| {
            tandem_domain::validation::local_date(time::from_db(t), &user.time_zone)
                != tandem_domain::validation::local_date(now, &user.time_zone)
        });
        let Some(couple) = couples::find_for_partner(conn, &me)? else {
            return Ok(Agenda {
                couple_id: None,
                plan: None,
                current_step: None,
                consent_requested: Vec::new(),
                check_in_due: false,
                agreement_to_acknowledge: None,
                crisis_notice,
            });
        };
        let versions = agreements::versions(conn, &couple.id)?;
        let agreement_to_acknowledge =
            versions.first().filter(|v| !v.acknowledged_by().contains(&me)).map(|v| v.row.version);
        let page = tandem_store::PageRequest { after: None, limit: 20 };
        let plan = match plans::running(conn, &couple.id)? {
            Some(p) => Some(p),
            None => {
                plans::list(conn, &couple.id, &page)?.items.into_iter().find(|p| p.status == PlanStatus::Draft.as_str())
            }
        };
        let mut out = Agenda {
            couple_id: Some(couple.id.clone()),
            plan: None,
            current_step: None,
            consent_requested: Vec::new(),
            check_in_due: check_in_due && couple.status == "active",
            agreement_to_acknowledge,
            crisis_notice,
        };
        if let Some(plan) = plan {
            let tree = plans::tree(conn, &plan.id)?.ok_or(ApiError::NotFound)?;
            let status = tree.plan.status()?;
            let position =
                tree.plan.current_step_id.as_ref().and_then(|id| tree.steps.iter().position(|s| &s.id == id));
            if status == PlanStatus::Active
                && let Some(step) = position.and_then(|p| tree.steps.get(p))
            {
                out.current_step = Some(AgendaStep {
                    id: step.id.clone(),
                    title: step.title.clone(),
                    description: step.description.clone(),
                    target_per_week: step.target_per_week,
                    exercises: crate::views::plan::view(
                        &auth_actor(&user)?,
                        &couple,
                        tandem_domain::CoupleRelation { assigned_clinician: false, partner: true, break_glass: false },
                        &tree,
                    )?
                    .steps
                    .into_iter()
                    .find(|s| s.id == step.id)
                    .map(|s| s.exercises)
                    .unwrap_or_default(),
                });
            }
            let asked: Vec<usize> = match position {
                Some(p) => vec![p, p + 1],
                None => vec![0],
            };
            for i in asked {
                if let Some(step) = tree.steps.get(i) {
                    let mine = tree
                        .consents
                        .iter()
                        .find(|c| c.step_id == step.id && c.user_id == me)
                        .and_then(|c| ConsentAnswer::parse(&c.answer));
                    if mine.is_none_or(|a| a == ConsentAnswer::NotAsked) {
                        out.consent_requested.push(ConsentRequest {
                            plan_id: plan.id.clone(),
                            step_id: step.id.clone(),
                            step_title: step.title.clone(),
                        });
                    }
                }
            }
            out.plan = Some(AgendaPlan { id: plan.id.clone(), title: plan.title.clone(), status });
        }
        Ok(out)
    })
    .await?;
    Ok(web::Json(agenda))
}

fn auth_actor(user: &tandem_store::users::UserRow) -> ApiResult<tandem_domain::Actor> {
    Ok(user.actor()?)
}
