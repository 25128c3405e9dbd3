//! Loading what a request acts on and asking the one policy about it, the same way for
//! every couple-scoped resource. A denial inside the caller's own practice is audited;
//! other practices' things do not exist.

use chrono::{DateTime, Utc};
use tandem_domain::refusal::Code;
use tandem_domain::{Access, Action, Actor, CoupleRelation, Resource, UserKind, authorize};
use tandem_store::break_glass;
use tandem_store::couples::{self, CoupleRow, CoupleStatus};
use tandem_store::plans::{self, PlanTree};
use tandem_store::records::Reader;
use tandem_store::{AnyConnection, ids};

use crate::audit::{Event, Outcome};
use crate::context::Ctx;
use crate::error::{Error, Result};

/// Asks the one policy and turns its answer into the error to return.
pub fn allow(actor: &Actor, action: Action, resource: &Resource<'_>) -> Result<()> {
    match authorize(actor, action, resource) {
        Access::Allow => Ok(()),
        Access::DenyNotFound => Err(Error::NotFound),
        Access::DenyForbidden => Err(Error::Forbidden),
    }
}

/// The caller's relation to a couple at `now` (break-glass access expires).
pub fn relation(
    conn: &mut AnyConnection,
    actor: &Actor,
    couple: &CoupleRow,
    now: DateTime<Utc>,
) -> Result<CoupleRelation> {
    let assigned_clinician = actor.is_clinician && couples::is_assigned(conn, &couple.id, &actor.user_id)?;
    let partner = couple.has_partner(&actor.user_id);
    let break_glass = actor.is_clinician
        && !assigned_clinician
        && !partner
        && break_glass::active(conn, &couple.id, &actor.user_id, now)?;
    Ok(CoupleRelation { assigned_clinician, partner, break_glass })
}

/// The policy's view of a couple.
#[must_use]
pub fn resource(couple: &CoupleRow, rel: CoupleRelation) -> Resource<'_> {
    Resource::Couple { practice_id: &couple.practice_id, relation: rel }
}

/// Asks the policy about `action` on a couple; audits a denial within the caller's
/// practice.
pub fn check(cx: &Ctx, couple: &CoupleRow, rel: CoupleRelation, action: Action) -> Result<()> {
    let answer = allow(&cx.actor, action, &resource(couple, rel));
    if answer.is_err() && couple.practice_id == cx.actor.practice_id {
        let event = Event::new(&couple.practice_id, Some(&cx.actor), "couple.access", "couple", cx.now)
            .resource(&couple.id)
            .couple(&couple.id)
            .outcome(Outcome::Denied)
            .request(cx.request_id.as_deref());
        cx.audit_read(event);
    }
    answer
}

/// A couple and the caller's relation to it.
#[derive(Debug, Clone)]
pub struct CoupleContext {
    pub couple: CoupleRow,
    pub rel: CoupleRelation,
}

/// Loads a couple and the caller's relation to it, and checks `action`.
pub fn load_couple(cx: &Ctx, couple_id: &str, action: Action) -> Result<CoupleContext> {
    if !ids::is_valid(couple_id) {
        return Err(Error::NotFound);
    }
    let (couple, rel) = cx.read(|conn| {
        let couple = couples::find(conn, couple_id)?.ok_or(Error::NotFound)?;
        let rel = relation(conn, &cx.actor, &couple, cx.now)?;
        Ok((couple, rel))
    })?;
    check(cx, &couple, rel, action)?;
    Ok(CoupleContext { couple, rel })
}

/// A plan with its couple and the caller's relation, after checking `action`.
#[derive(Debug, Clone)]
pub struct PlanContext {
    pub tree: PlanTree,
    pub couple: CoupleRow,
    pub rel: CoupleRelation,
}

/// Loads a plan (with steps, exercises and consents), its couple and the caller's
/// relation, and checks `action`.
pub fn load_plan(cx: &Ctx, plan_id: &str, action: Action) -> Result<PlanContext> {
    if !ids::is_valid(plan_id) {
        return Err(Error::NotFound);
    }
    let ctx = cx.read(|conn| {
        let tree = plans::tree(conn, plan_id)?.ok_or(Error::NotFound)?;
        let couple = couples::find(conn, &tree.plan.couple_id)?.ok_or(Error::NotFound)?;
        let rel = relation(conn, &cx.actor, &couple, cx.now)?;
        Ok(PlanContext { tree, couple, rel })
    })?;
    check(cx, &ctx.couple, ctx.rel, action)?;
    Ok(ctx)
}

/// Refuses anything a discharged couple may no longer do: they keep reading their
/// record, but nothing new is written for them.
pub fn require_in_treatment(couple: &CoupleRow) -> Result<()> {
    if couple.status()? == CoupleStatus::Discharged {
        Err(Error::refused(Code::NotInTreatment, "the couple is discharged; nothing more can be submitted or changed"))
    } else {
        Ok(())
    }
}

/// Who reads a couple's entries: a partner sees their own and the shared ones, a
/// clinician all of them.
#[must_use]
pub fn reader(actor: &Actor) -> Reader {
    if actor.kind == UserKind::Client { Reader::Partner(actor.user_id.clone()) } else { Reader::Clinician }
}

/// The practice's crisis notice (shown with every safety stop).
pub fn practice_notice(conn: &mut AnyConnection, practice_id: &str) -> Result<String> {
    Ok(tandem_store::practices::find(conn, practice_id)?.crisis_notice)
}
