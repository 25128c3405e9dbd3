//! Break-glass: emergency, read-only access to a couple's clinical record for a clinician
//! outside its care team. Explicit (a reason), time-limited, audited, and the care team
//! is alerted by a discreet email at once.

use chrono::Duration;
use tandem_domain::Action;
use tandem_domain::policy::BREAK_GLASS_MINUTES;
use tandem_notification::outbox;
use tandem_store::break_glass::{self, GrantRow};
use tandem_store::{ids, time};

use crate::access;
use crate::audit;
use crate::context::Ctx;
use crate::error::{Error, Result};

/// Opens a grant for the caller, with a reason (10 to 500 characters), and alerts the
/// couple's clinicians in the same transaction.
pub fn open(cx: &Ctx, couple_id: &str, reason: &str) -> Result<GrantRow> {
    let couple = access::load_couple(cx, couple_id, Action::BreakGlass)?.couple;
    let reason = reason.trim().to_owned();
    if !(10..=500).contains(&reason.chars().count()) {
        return Err(Error::invalid("reason", "must be 10 to 500 characters"));
    }
    let row = GrantRow {
        id: ids::new_id(),
        practice_id: couple.practice_id.clone(),
        couple_id: couple.id.clone(),
        user_id: cx.actor.user_id.clone(),
        reason,
        created_at: time::to_db(cx.now),
        expires_at: time::to_db(cx.now + Duration::minutes(BREAK_GLASS_MINUTES)),
    };
    cx.write(|conn| {
        break_glass::insert(conn, &row)?;
        outbox::alert_clinicians(conn, &couple.practice_id, &couple.id, cx.now)?;
        audit::record(conn, cx.event("couple.break_glass", "break_glass_grant", &row.id, &couple.id))?;
        Ok(())
    })?;
    Ok(row)
}

/// The grants on a couple, newest first (its clinicians and the practice's admins).
pub fn list(cx: &Ctx, couple_id: &str) -> Result<Vec<GrantRow>> {
    let couple = access::load_couple(cx, couple_id, Action::ManageCoupleClinicians)?.couple;
    let rows = cx.read(|conn| Ok(break_glass::for_couple(conn, &couple.id)?))?;
    cx.audit_read(cx.event("break_glass.list", "couple", &couple.id, &couple.id));
    Ok(rows)
}
