//! Milestones: small victories worth celebrating, shared with the couple.

use chrono::{DateTime, Utc};
use tandem_domain::Action;
use tandem_domain::validation::{FieldError, check_milestone_date};
use tandem_store::records::{self, MilestoneRow};
use tandem_store::{Page, PageRequest, ids, time};

use crate::access;
use crate::audit;
use crate::context::Ctx;
use crate::error::{Error, Result};

/// A milestone to record.
#[derive(Debug, Clone)]
pub struct NewMilestone {
    pub title: String,
    pub note: Option<String>,
    /// When it happened (default: now).
    pub achieved_at: Option<DateTime<Utc>>,
}

/// A page of the couple's milestones, newest first (the couple and its clinicians).
pub fn list(cx: &Ctx, couple_id: &str, page: &PageRequest) -> Result<Page<MilestoneRow>> {
    let couple = access::load_couple(cx, couple_id, Action::ReadClinical)?.couple;
    let rows = cx.read(|conn| Ok(records::list_milestones(conn, &couple.id, page)?))?;
    cx.audit_read(cx.event("milestone.list", "milestone", &couple.id, &couple.id));
    Ok(rows)
}

/// Records a milestone (either partner or a clinician of the couple); it is shared with
/// the couple.
pub fn create(cx: &Ctx, couple_id: &str, input: NewMilestone) -> Result<MilestoneRow> {
    let couple = access::load_couple(cx, couple_id, Action::ReadClinical)?.couple;
    let mut errors = Vec::new();
    let n = input.title.trim().chars().count();
    if n == 0 || n > 200 {
        errors.push(FieldError::new("title", "must be 1 to 200 characters"));
    }
    if input.note.as_deref().is_some_and(|t| t.chars().count() > 2000) {
        errors.push(FieldError::new("note", "must be at most 2000 characters"));
    }
    if let Some(at) = input.achieved_at
        && let Err(why) =
            check_milestone_date(at, time::from_db(couple.created_at), couple.discharged_at.map(time::from_db), cx.now)
    {
        errors.push(FieldError::new("achieved_at", why));
    }
    Error::check_fields(errors)?;
    let row = MilestoneRow {
        id: ids::new_id(),
        practice_id: couple.practice_id.clone(),
        couple_id: couple.id.clone(),
        author_id: cx.actor.user_id.clone(),
        title: input.title.trim().to_owned(),
        note: input.note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()),
        achieved_at: time::to_db(tandem_domain::clock::truncate(input.achieved_at.unwrap_or(cx.now))),
        created_at: time::to_db(cx.now),
    };
    cx.write(|conn| {
        records::insert_milestone(conn, &row)?;
        audit::record(conn, cx.event("milestone.create", "milestone", &row.id, &couple.id))?;
        Ok(())
    })?;
    Ok(row)
}
