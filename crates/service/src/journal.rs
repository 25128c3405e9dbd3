//! Partners' journal entries: written by a partner (optionally answering a prompt or an
//! assignment, linking milestones), read as their visibility allows.
//!
//! An entry touches nothing else the other partner can read: no couple summary refresh,
//! no agenda of theirs, no count. Creating one is two parts like a check-in, so the HTTP
//! edge can run the write inside its idempotency claim.

use tandem_domain::Action;
use tandem_domain::journal::{ENTRY_MAX_CHARS, JournalScope, MAX_MILESTONE_LINKS};
use tandem_domain::validation::{FieldError, one_of};
use tandem_domain::vocabulary::EntryVisibility;
use tandem_store::journal::{self as store, Entry, EntryRow};
use tandem_store::{AnyConnection, Page, PageRequest, ids, time};

use crate::access;
use crate::audit::{self, Event};
use crate::context::Ctx;
use crate::error::{Error, Result};
use crate::journal_prompts::usable_prompt;

/// A partner's entry.
#[derive(Debug, Clone)]
pub struct NewEntry {
    pub prompt_id: Option<String>,
    pub assignment_id: Option<String>,
    pub text: String,
    pub visibility: String,
    pub milestone_ids: Vec<String>,
}

/// A checked entry, ready to be written.
#[derive(Debug, Clone)]
pub struct PreparedEntry {
    entry: Entry,
    event: Event,
}

/// Checks a partner's entry: every field (all problems at once), then that the couple is
/// in treatment. An assignment must be the couple's, current and addressed to the
/// author; a prompt must be in the practice's library (or be the assignment's); milestones
/// must be the couple's.
pub fn prepare_entry(cx: &Ctx, couple_id: &str, input: NewEntry) -> Result<PreparedEntry> {
    let couple = access::load_couple(cx, couple_id, Action::PartnerAnswer)?.couple;
    let me = cx.actor.user_id.clone();
    let mut errors = Vec::new();
    let visibility = one_of("visibility", &input.visibility, EntryVisibility::ALL, EntryVisibility::as_str)
        .map_err(|e| errors.push(e))
        .ok();
    let n = input.text.trim().chars().count();
    if n == 0 {
        errors.push(FieldError::new("text", "must not be empty"));
    } else if n > ENTRY_MAX_CHARS {
        errors.push(FieldError::new("text", format!("must be at most {ENTRY_MAX_CHARS} characters")));
    }
    let mut milestone_ids = input.milestone_ids.clone();
    milestone_ids.sort();
    milestone_ids.dedup();
    if milestone_ids.len() > MAX_MILESTONE_LINKS {
        errors.push(FieldError::new("milestone_ids", format!("must name at most {MAX_MILESTONE_LINKS} milestones")));
    }
    let prompt_id = cx.read(|conn| {
        let assignment = match &input.assignment_id {
            None => None,
            Some(id) => {
                let found =
                    ids::is_valid(id).then(|| store::find_assignment(conn, id)).transpose()?.flatten().filter(|a| {
                        a.couple_id == couple.id
                            && a.removed_at.is_none()
                            && tandem_domain::journal::addressed_to(a.partner_id.as_deref(), &me)
                    });
                if found.is_none() {
                    errors.push(FieldError::new("assignment_id", "is not a current assignment addressed to you"));
                }
                found
            }
        };
        let prompt_id = match (&input.prompt_id, &assignment) {
            (Some(p), Some(a)) if *p != a.prompt_id => {
                errors.push(FieldError::new("prompt_id", "is not the assignment's prompt"));
                None
            }
            (_, Some(a)) => Some(a.prompt_id.clone()),
            (Some(p), None) => {
                if usable_prompt(conn, &couple.practice_id, p)?.is_none() {
                    errors.push(FieldError::new("prompt_id", "is not a prompt in the practice's library"));
                }
                Some(p.clone())
            }
            (None, None) => None,
        };
        if milestone_ids.len() <= MAX_MILESTONE_LINKS {
            let valid: Vec<String> = milestone_ids.iter().filter(|m| ids::is_valid(m)).cloned().collect();
            let found = store::milestones_of_couple(conn, &couple.id, &valid)?;
            if found.len() != milestone_ids.len() {
                errors.push(FieldError::new("milestone_ids", "must name milestones of this couple"));
            }
        }
        Ok(prompt_id)
    })?;
    let (Some(visibility), true) = (visibility, errors.is_empty()) else { return Err(Error::Invalid(errors)) };
    access::require_in_treatment(&couple)?;
    let row = EntryRow {
        id: ids::new_id(),
        practice_id: couple.practice_id.clone(),
        couple_id: couple.id.clone(),
        author_id: me,
        prompt_id,
        assignment_id: input.assignment_id,
        text: input.text.trim().to_owned(),
        visibility: visibility.as_str().to_owned(),
        created_at: time::to_db(cx.now),
    };
    let event = cx.event("journal_entry.create", "journal_entry", &row.id, &couple.id);
    Ok(PreparedEntry { entry: Entry { row, milestone_ids }, event })
}

/// Writes a prepared entry and its links in the caller's transaction. Nothing else
/// changes: the couple summary is not refreshed, so a private entry moves nothing the
/// other partner (or the caseload) can read.
pub fn record_entry(conn: &mut AnyConnection, p: PreparedEntry) -> Result<Entry> {
    store::insert_entry(conn, &p.entry)?;
    audit::record(conn, p.event)?;
    Ok(p.entry)
}

/// A page of the entries the caller may see, newest first: a partner their own and the
/// other's shared ones; a clinician clinician and shared ones; `scope=shared` the couple's
/// shared journal only. Audited.
pub fn list(cx: &Ctx, couple_id: &str, scope: JournalScope, page: &PageRequest) -> Result<Page<Entry>> {
    let couple = access::load_couple(cx, couple_id, Action::ReadClinical)?.couple;
    let reader = access::reader(&cx.actor);
    let rows = cx.read(|conn| Ok(store::list_entries(conn, &couple.id, &reader, scope, page)?))?;
    cx.audit_read(cx.event("journal_entry.list", "journal_entry", &couple.id, &couple.id));
    Ok(rows)
}

/// The open prompts on a partner's agenda: current assignments addressed to them that they
/// have not answered yet, oldest first (the other partner's answers change nothing here).
pub(crate) fn open_assignments(
    conn: &mut AnyConnection,
    couple_id: &str,
    partner_id: &str,
) -> Result<Vec<crate::journal_prompts::Assignment>> {
    let page = PageRequest { after: None, limit: 50 };
    let assigned = store::list_assignments(conn, couple_id, Some(partner_id), &page)?;
    let mut open = crate::journal_prompts::with_prompts(conn, assigned, Some(partner_id))?.items;
    open.retain(|a| {
        tandem_domain::journal::open_for(a.row.partner_id.as_deref(), partner_id, a.answered.unwrap_or(false))
    });
    open.reverse();
    Ok(open)
}
