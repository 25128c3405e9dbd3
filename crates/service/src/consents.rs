//! A partner's own answer about a step, with its safety stop: withdrawing consent on the
//! current step of a running plan puts the plan on hold at once.

use chrono::{DateTime, Utc};
use tandem_domain::Action;
use tandem_domain::plans::{ConsentAnswer, HoldCause, editable};
use tandem_domain::refusal::Code;
use tandem_domain::validation::one_of;
use tandem_store::plans;

use crate::access;
use crate::audit;
use crate::context::Ctx;
use crate::error::{Error, Result};
use crate::review;
use crate::safety::hold_plan;

/// The answer as recorded.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub answer: ConsentAnswer,
    pub note: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// Sets the calling partner's answer about a step (kept in the history). The other
/// partner learns only that the plan is paused.
pub fn set(cx: &Ctx, plan_id: &str, step_id: &str, answer: &str, note: Option<String>) -> Result<Recorded> {
    let ctx = access::load_plan(cx, plan_id, Action::PartnerAnswer)?;
    let step = ctx.tree.step(step_id).ok_or(Error::NotFound)?.clone();
    access::require_in_treatment(&ctx.couple)?;
    if !editable(ctx.tree.plan.status()?) {
        return Err(Error::refused(Code::PlanEnded, "this plan has ended"));
    }
    if note.as_deref().is_some_and(|n| n.chars().count() > 2000) {
        return Err(Error::invalid("note", "must be at most 2000 characters"));
    }
    let answer =
        one_of("answer", answer, ConsentAnswer::ALL, ConsentAnswer::as_str).map_err(|e| Error::Invalid(vec![e]))?;
    let note = note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    let event = cx.event("plan.consent", "consent", &step.id, &ctx.couple.id);
    cx.write(|conn| {
        let plan = plans::find_plan(conn, &ctx.tree.plan.id)?.ok_or(Error::NotFound)?;
        plans::set_consent(conn, &plan, &step.id, &cx.actor.user_id, answer, note.as_deref(), cx.now)?;
        if answer.withdraws() && plan.current_step_id.as_deref() == Some(step.id.as_str()) {
            hold_plan(conn, &plan, HoldCause::ConsentWithdrawn, cx.now)?;
        }
        audit::record(conn, event)?;
        review::refresh_summary(conn, &ctx.couple, cx.now)?;
        Ok(())
    })?;
    Ok(Recorded { answer, note, updated_at: cx.now })
}
