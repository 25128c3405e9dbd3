//! The admin's view of the email outbox: delivery status and sending a message again.

use tandem_domain::refusal::Code;
use tandem_domain::{Action, Resource};
use tandem_store::outbox::{self, OutboxRow};
use tandem_store::{Page, PageRequest, ids};

use crate::access::allow;
use crate::audit;
use crate::context::Ctx;
use crate::error::{Error, Result};

/// Who may see and retry the practice's outbox: those who read its audit log.
fn check(cx: &Ctx) -> Result<()> {
    allow(&cx.actor, Action::ReadAuditLog, &Resource::Practice { practice_id: &cx.actor.practice_id })
}

/// A page of the practice's messages, newest first (optionally in one `status`).
pub fn list(cx: &Ctx, status: Option<&str>, page: &PageRequest) -> Result<Page<OutboxRow>> {
    check(cx)?;
    cx.read(|conn| Ok(outbox::list(conn, &cx.actor.practice_id, status, page)?))
}

/// Queues a dead or cancelled message again with a fresh attempt count.
pub fn retry(cx: &Ctx, id: &str) -> Result<()> {
    check(cx)?;
    if !ids::is_valid(id) {
        return Err(Error::NotFound);
    }
    cx.write(|conn| {
        let row = outbox::find(conn, id)?.filter(|r| r.practice_id == cx.actor.practice_id).ok_or(Error::NotFound)?;
        if !outbox::requeue(conn, &row.id, cx.now)? {
            return Err(Error::refused(
                Code::NotRetryable,
                format!("only dead or cancelled messages can be retried; this one is {}", row.status),
            ));
        }
        audit::record(conn, cx.practice_event("outbox.retry", "outbox").resource(id))?;
        Ok(())
    })
}
