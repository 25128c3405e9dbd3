//! Loading what a request acts on and asking the policy about it, the same way for every
//! couple-scoped resource. A denial inside the caller's own practice is audited; other
//! practices' things do not exist.

use chrono::{DateTime, Utc};
use tandem_domain::{Action, Actor, CoupleRelation, Resource};
use tandem_store::break_glass;
use tandem_store::couples::{self, CoupleRow, CoupleStatus};
use tandem_store::plans::{self, PlanTree};
use tandem_store::{AnyConnection, ids};

use crate::audit::{Event, Outcome};
use crate::auth::Authenticated;
use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::handlers::allow;
use crate::state::AppState;

/// The caller's relation to a couple at `now` (break-glass access expires).
pub fn relation(
    conn: &mut AnyConnection,
    actor: &Actor,
    couple: &CoupleRow,
    now: DateTime<Utc>,
) -> ApiResult<CoupleRelation> {
    let assigned_clinician = actor.is_clinician && couples::is_assigned(conn, &couple.id, &actor.user_id)?;
    let partner = couple.has_partner(&actor.user_id);
    let break_glass = actor.is_clinician
        && !assigned_clinician
        && !partner
        && break_glass::active(conn, &couple.id, &actor.user_id, now)?;
    Ok(CoupleRelation { assigned_clinician, partner, break_glass })
}

pub fn resource(couple: &CoupleRow, rel: CoupleRelation) -> Resource<'_> {
    Resource::Couple { practice_id: &couple.practice_id, relation: rel }
}

/// Asks the policy; audits a denial within the caller's practice.
pub async fn check(
    state: &AppState,
    auth: &Authenticated,
    couple: &CoupleRow,
    rel: CoupleRelation,
    action: Action,
) -> ApiResult<()> {
    if let Err(e) = allow(&auth.actor, action, &resource(couple, rel)) {
        if couple.practice_id == auth.actor.practice_id {
            let event =
                Event::new(&couple.practice_id, Some(&auth.actor), "couple.access", "couple", state.clock.now())
                    .resource(&couple.id)
                    .couple(&couple.id)
                    .outcome(Outcome::Denied)
                    .request(auth.request_id.as_deref());
            state.audit.read_event(event).await;
        }
        return Err(e);
    }
    Ok(())
}

/// Loads a couple and the caller's relation to it, and checks `action`.
pub async fn load_couple(
    state: &AppState,
    auth: &Authenticated,
    couple_id: String,
    action: Action,
) -> ApiResult<(CoupleRow, CoupleRelation)> {
    if !ids::is_valid(&couple_id) {
        return Err(ApiError::NotFound);
    }
    let actor = auth.actor.clone();
    let now = state.clock.now();
    let (couple, rel) = db::read(state, move |conn| {
        let couple = couples::find(conn, &couple_id)?.ok_or(ApiError::NotFound)?;
        let rel = relation(conn, &actor, &couple, now)?;
        Ok((couple, rel))
    })
    .await?;
    check(state, auth, &couple, rel, action).await?;
    Ok((couple, rel))
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
pub async fn load_plan(
    state: &AppState,
    auth: &Authenticated,
    plan_id: String,
    action: Action,
) -> ApiResult<PlanContext> {
    if !ids::is_valid(&plan_id) {
        return Err(ApiError::NotFound);
    }
    let actor = auth.actor.clone();
    let now = state.clock.now();
    let ctx = db::read(state, move |conn| {
        let tree = plans::tree(conn, &plan_id)?.ok_or(ApiError::NotFound)?;
        let couple = couples::find(conn, &tree.plan.couple_id)?.ok_or(ApiError::NotFound)?;
        let rel = relation(conn, &actor, &couple, now)?;
        Ok(PlanContext { tree, couple, rel })
    })
    .await?;
    check(state, auth, &ctx.couple, ctx.rel, action).await?;
    Ok(ctx)
}

/// An audit event about something of a couple's.
pub fn event(
    state: &AppState,
    auth: &Authenticated,
    action: &str,
    resource_type: &str,
    resource_id: &str,
    couple_id: &str,
) -> Event {
    Event::new(&auth.actor.practice_id, Some(&auth.actor), action, resource_type, state.clock.now())
        .resource(resource_id)
        .couple(couple_id)
        .request(auth.request_id.as_deref())
}

/// Refuses (409) anything a discharged couple may no longer do: they keep reading their
/// record, but nothing new is written for them.
pub fn require_in_treatment(couple: &CoupleRow) -> ApiResult<()> {
    if couple.status()? == CoupleStatus::Discharged {
        Err(ApiError::conflict(
            tandem_domain::refusal::Code::NotInTreatment,
            "the couple is discharged; nothing more can be submitted or changed".into(),
        ))
    } else {
        Ok(())
    }
}

/// The practice's crisis notice.
pub async fn practice_notice(state: &AppState, practice_id: &str) -> ApiResult<String> {
    let id = practice_id.to_owned();
    db::read(state, move |conn| Ok(tandem_store::practices::find(conn, &id)?.crisis_notice)).await
}
