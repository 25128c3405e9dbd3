//! Reading the audit log (admins). Every read of it is itself audited.

use tandem_domain::{Action, Resource};
use tandem_store::audit::{self as audit_store, AuditFilter, AuditRow};
use tandem_store::{Page, PageRequest};

use crate::access::allow;
use crate::context::Ctx;
use crate::error::{Error, Result};

/// A page of the practice's events, newest first.
pub fn list(cx: &Ctx, filter: &AuditFilter, page: &PageRequest) -> Result<Page<AuditRow>> {
    allow(&cx.actor, Action::ReadAuditLog, &Resource::Practice { practice_id: &cx.actor.practice_id })?;
    if let (Some(from), Some(to)) = (filter.from, filter.to)
        && from > to
    {
        return Err(Error::invalid("from", "must not be after `to`"));
    }
    let rows = cx.read(|conn| Ok(audit_store::list(conn, &cx.actor.practice_id, filter, page)?))?;
    cx.audit_read(cx.practice_event("audit_event.list", "audit_event"));
    Ok(rows)
}
