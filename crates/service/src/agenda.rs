//! A partner's home screen: what is waiting for them today.

use tandem_domain::plans::{ConsentAnswer, PlanStatus};
use tandem_domain::{Actor, UserKind};
use tandem_store::couples::{self, CoupleRow};
use tandem_store::plans::{self, PlanTree};
use tandem_store::{PageRequest, agreements, practices, records, time, users};

use crate::context::Ctx;
use crate::error::{Error, Result};

/// A step waiting for the caller's answer.
#[derive(Debug, Clone)]
pub struct ConsentRequest {
    pub plan_id: String,
    pub step_id: String,
    pub step_title: String,
}

/// The plan on the agenda: the running plan, else a draft.
#[derive(Debug, Clone)]
pub struct AgendaPlan {
    pub tree: PlanTree,
    pub status: PlanStatus,
    /// The step to practise now, while the plan is active.
    pub current_step_id: Option<String>,
}

/// What is waiting for the calling partner today.
#[derive(Debug, Clone)]
pub struct Agenda {
    /// The partner as a plan's reader (for rendering its exercises).
    pub viewer: Actor,
    pub couple: Option<CoupleRow>,
    pub plan: Option<AgendaPlan>,
    /// Steps waiting for the caller's own answer (never the other partner's).
    pub consent_requested: Vec<ConsentRequest>,
    pub check_in_due: bool,
    pub agreement_to_acknowledge: Option<i32>,
    /// Reconnect-window occurrences waiting for the caller's own check-in.
    pub reconnect_check_ins_due: Vec<crate::reconnect::CheckInDue>,
    pub crisis_notice: String,
    /// Journal prompts assigned to the caller and not answered by them yet, oldest first.
    pub journal_prompts: Vec<crate::journal_prompts::Assignment>,
    /// Questionnaires waiting for the caller (their own assignments and answers only).
    pub measures_due: Vec<tandem_store::measures::AssignmentRow>,
}

/// The calling partner's agenda (partners only). It reveals nothing about the other
/// partner's answers.
pub fn get(cx: &Ctx) -> Result<Agenda> {
    if cx.actor.kind != UserKind::Client {
        return Err(Error::Forbidden);
    }
    let me = cx.actor.user_id.as_str();
    cx.read(|conn| {
        let user = users::find(conn, me)?.ok_or(Error::NotFound)?;
        let crisis_notice = practices::find(conn, &user.practice_id)?.crisis_notice;
        let check_in_due = records::last_check_in(conn, me)?.is_none_or(|t| {
            tandem_domain::validation::local_date(time::from_db(t), &user.time_zone)
                != tandem_domain::validation::local_date(cx.now, &user.time_zone)
        });
        let viewer = user.actor()?;
        let Some(couple) = couples::find_for_partner(conn, me)? else {
            return Ok(Agenda {
                viewer,
                couple: None,
                plan: None,
                consent_requested: Vec::new(),
                check_in_due: false,
                agreement_to_acknowledge: None,
                reconnect_check_ins_due: Vec::new(),
                crisis_notice,
                journal_prompts: Vec::new(),
                measures_due: Vec::new(),
            });
        };
        let versions = agreements::versions(conn, &couple.id)?;
        let agreement_to_acknowledge =
            versions.first().filter(|v| !v.acknowledged_by().iter().any(|u| u == me)).map(|v| v.row.version);
        let page = PageRequest { after: None, limit: 20 };
        let plan = match plans::running(conn, &couple.id)? {
            Some(p) => Some(p),
            None => {
                plans::list(conn, &couple.id, &page)?.items.into_iter().find(|p| p.status == PlanStatus::Draft.as_str())
            }
        };
        let journal_prompts = crate::journal::open_assignments(conn, &couple.id, me)?;
        let measures_due =
            if couple.status == "active" { crate::measures::due_for(conn, &couple, me, cx.now)? } else { Vec::new() };
        let reconnect_check_ins_due = if couple.status == "active" {
            crate::reconnect::check_ins_due(conn, &couple.id, me, cx.now)?
        } else {
            Vec::new()
        };
        let mut out = Agenda {
            measures_due,
            viewer,
            journal_prompts,
            reconnect_check_ins_due,
            check_in_due: check_in_due && couple.status == "active",
            couple: Some(couple),
            plan: None,
            consent_requested: Vec::new(),
            agreement_to_acknowledge,
            crisis_notice,
        };
        if let Some(plan) = plan {
            let tree = plans::tree(conn, &plan.id)?.ok_or(Error::NotFound)?;
            let status = tree.plan.status()?;
            let position =
                tree.plan.current_step_id.as_ref().and_then(|id| tree.steps.iter().position(|s| &s.id == id));
            let current_step_id = if status == PlanStatus::Active {
                position.and_then(|p| tree.steps.get(p)).map(|s| s.id.clone())
            } else {
                None
            };
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
            out.plan = Some(AgendaPlan { tree, status, current_step_id });
        }
        Ok(out)
    })
}
