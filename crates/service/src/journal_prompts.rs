//! The journaling prompt library (built-ins in every practice, read-only, and the
//! practice's own) and the prompts clinicians assign to a couple or to one partner.

use tandem_domain::journal::{self, PROMPT_TEXT_MAX_CHARS, PROMPT_TITLE_MAX_CHARS};
use tandem_domain::refusal::Code;
use tandem_domain::validation::FieldError;
use tandem_domain::{Access, Action, UserKind};
use tandem_store::journal::{self as store, AssignmentRow, PromptRow};
use tandem_store::{AnyConnection, Page, PageRequest, ids, time};

use crate::access;
use crate::context::Ctx;
use crate::error::{Error, Result};

fn allow(access: Access) -> Result<()> {
    match access {
        Access::Allow => Ok(()),
        Access::DenyNotFound => Err(Error::NotFound),
        Access::DenyForbidden => Err(Error::Forbidden),
    }
}

fn text_field(errors: &mut Vec<FieldError>, field: &str, value: &str, max: usize) {
    let n = value.trim().chars().count();
    if n == 0 {
        errors.push(FieldError::new(field, "must not be empty"));
    } else if n > max {
        errors.push(FieldError::new(field, format!("must be at most {max} characters")));
    }
}

/// A page of the library the caller's practice sees: built-ins first, then the
/// practice's own (everyone of the practice; audited).
pub fn list_prompts(cx: &Ctx, page: &PageRequest) -> Result<Page<PromptRow>> {
    allow(journal::prompt_access(&cx.actor, None, false))?;
    let rows = cx.read(|conn| Ok(store::list_prompts(conn, &cx.actor.practice_id, page)?))?;
    cx.audit_read(cx.practice_event("journal_prompt.list", "journal_prompt"));
    Ok(rows)
}

/// A new prompt of the practice's own.
#[derive(Debug, Clone)]
pub struct NewPrompt {
    pub title: String,
    pub text: String,
}

/// Adds a prompt to the practice's library (clinicians).
pub fn create_prompt(cx: &Ctx, input: NewPrompt) -> Result<PromptRow> {
    allow(journal::prompt_access(&cx.actor, Some(&cx.actor.practice_id), true))?;
    let mut errors = Vec::new();
    text_field(&mut errors, "title", &input.title, PROMPT_TITLE_MAX_CHARS);
    text_field(&mut errors, "text", &input.text, PROMPT_TEXT_MAX_CHARS);
    Error::check_fields(errors)?;
    let row = PromptRow {
        id: ids::new_id(),
        practice_id: Some(cx.actor.practice_id.clone()),
        title: input.title.trim().to_owned(),
        text: input.text.trim().to_owned(),
        created_by: Some(cx.actor.user_id.clone()),
        created_at: time::to_db(cx.now),
        archived_at: None,
    };
    cx.write(|conn| {
        store::insert_prompt(conn, &row)?;
        let event = cx.practice_event("journal_prompt.create", "journal_prompt").resource(&row.id);
        Ok(crate::audit::record(conn, event)?)
    })?;
    Ok(row)
}

/// Archives one of the practice's prompts (clinicians): it leaves the library, while
/// entries and assignments that name it keep it. Built-ins are refused (409).
pub fn archive_prompt(cx: &Ctx, prompt_id: &str) -> Result<()> {
    if !ids::is_valid(prompt_id) {
        return Err(Error::NotFound);
    }
    let row = cx.read(|conn| store::find_prompt(conn, prompt_id)?.ok_or(Error::NotFound))?;
    allow(journal::prompt_access(&cx.actor, row.practice_id.as_deref(), true))?;
    if row.builtin() {
        return Err(Error::refused(Code::BuiltinPrompt, "built-in prompts are read-only"));
    }
    if row.archived_at.is_some() {
        return Err(Error::NotFound);
    }
    cx.write(|conn| {
        if !store::archive_prompt(conn, &row.id, time::to_db(cx.now))? {
            return Err(Error::NotFound);
        }
        let event = cx.practice_event("journal_prompt.archive", "journal_prompt").resource(&row.id);
        Ok(crate::audit::record(conn, event)?)
    })
}

/// A prompt the practice may use now: a built-in or its own, not archived.
pub(crate) fn usable_prompt(conn: &mut AnyConnection, practice_id: &str, prompt_id: &str) -> Result<Option<PromptRow>> {
    if !ids::is_valid(prompt_id) {
        return Ok(None);
    }
    Ok(store::find_prompt(conn, prompt_id)?
        .filter(|p| p.practice_id.as_deref().is_none_or(|p| p == practice_id) && p.archived_at.is_none()))
}

/// A new assignment: a prompt for both partners, or for one.
#[derive(Debug, Clone)]
pub struct NewAssignment {
    pub prompt_id: String,
    pub partner_id: Option<String>,
}

/// An assignment with its prompt and, for a partner, whether they have answered it.
#[derive(Debug, Clone)]
pub struct Assignment {
    pub row: AssignmentRow,
    pub prompt: PromptRow,
    /// Whether the calling partner answered it; `None` for staff (never the partners'
    /// answers, which may be private).
    pub answered: Option<bool>,
}

/// Assigns a prompt to the couple or to one of its partners (the couple's clinicians).
pub fn assign(cx: &Ctx, couple_id: &str, input: NewAssignment) -> Result<Assignment> {
    let couple = access::load_couple(cx, couple_id, Action::WriteClinical)?.couple;
    let prompt = cx.read(|conn| usable_prompt(conn, &couple.practice_id, &input.prompt_id))?;
    let mut errors = Vec::new();
    if prompt.is_none() {
        errors.push(FieldError::new("prompt_id", "is not a prompt in the practice's library"));
    }
    if input.partner_id.as_deref().is_some_and(|p| !couple.has_partner(p)) {
        errors.push(FieldError::new("partner_id", "is not a partner of this couple"));
    }
    let (Some(prompt), true) = (prompt, errors.is_empty()) else { return Err(Error::Invalid(errors)) };
    access::require_in_treatment(&couple)?;
    let row = AssignmentRow {
        id: ids::new_id(),
        practice_id: couple.practice_id.clone(),
        couple_id: couple.id.clone(),
        prompt_id: prompt.id.clone(),
        partner_id: input.partner_id,
        assigned_by: cx.actor.user_id.clone(),
        created_at: time::to_db(cx.now),
        removed_at: None,
    };
    cx.write(|conn| {
        store::insert_assignment(conn, &row)?;
        Ok(crate::audit::record(
            conn,
            cx.event("journal_assignment.create", "journal_assignment", &row.id, &couple.id),
        )?)
    })?;
    Ok(Assignment { row, prompt, answered: None })
}

/// A page of the couple's current assignments, newest first: all of them for clinicians,
/// those addressed to the caller for a partner (with whether they answered). Audited.
pub fn list_assignments(cx: &Ctx, couple_id: &str, page: &PageRequest) -> Result<Page<Assignment>> {
    let couple = access::load_couple(cx, couple_id, Action::ReadClinical)?.couple;
    let partner = (cx.actor.kind == UserKind::Client).then_some(cx.actor.user_id.as_str());
    let out = cx.read(|conn| {
        let rows = store::list_assignments(conn, &couple.id, partner, page)?;
        with_prompts(conn, rows, partner)
    })?;
    cx.audit_read(cx.event("journal_assignment.list", "journal_assignment", &couple.id, &couple.id));
    Ok(out)
}

/// Joins each assignment to its prompt and the partner's answered flag.
pub(crate) fn with_prompts(
    conn: &mut AnyConnection,
    page: Page<AssignmentRow>,
    partner: Option<&str>,
) -> Result<Page<Assignment>> {
    let ids: Vec<String> = page.items.iter().map(|a| a.id.clone()).collect();
    let answered = match partner {
        Some(me) => Some(store::answered_by(conn, &ids, me)?),
        None => None,
    };
    let prompt_ids: Vec<String> = page.items.iter().map(|a| a.prompt_id.clone()).collect();
    let prompts = store::prompts_by_id(conn, &prompt_ids)?;
    let mut items = Vec::with_capacity(page.items.len());
    for row in page.items {
        // The foreign key guarantees the prompt exists.
        let prompt = prompts.iter().find(|p| p.id == row.prompt_id).cloned().ok_or(Error::NotFound)?;
        let answered = answered.as_ref().map(|a| a.contains(&row.id));
        items.push(Assignment { row, prompt, answered });
    }
    Ok(Page { items, next_after: page.next_after })
}

/// Removes an assignment (the couple's clinicians): it leaves the partners' agendas;
/// entries that answered it keep it.
pub fn remove_assignment(cx: &Ctx, couple_id: &str, assignment_id: &str) -> Result<()> {
    let couple = access::load_couple(cx, couple_id, Action::WriteClinical)?.couple;
    if !ids::is_valid(assignment_id) {
        return Err(Error::NotFound);
    }
    let row = cx.read(|conn| store::find_assignment(conn, assignment_id)?.ok_or(Error::NotFound))?;
    if row.couple_id != couple.id || row.removed_at.is_some() {
        return Err(Error::NotFound);
    }
    access::require_in_treatment(&couple)?;
    cx.write(|conn| {
        if !store::remove_assignment(conn, &row.id, time::to_db(cx.now))? {
            return Err(Error::NotFound);
        }
        Ok(crate::audit::record(
            conn,
            cx.event("journal_assignment.remove", "journal_assignment", &row.id, &couple.id),
        )?)
    })
}
