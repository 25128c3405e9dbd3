//! The journal: the prompt library (built-ins with `practice_id` NULL, and each practice's
//! own), prompt assignments, entries and the milestones they link.

use diesel::prelude::*;
use tandem_domain::journal::JournalScope;
use tandem_domain::vocabulary::EntryVisibility;

use crate::AnyConnection;
use crate::error::StoreResult;
use crate::pagination::{Page, PageRequest};
use crate::records::Reader;
use crate::schema::{
    journal_entries, journal_entry_milestones, journal_prompt_assignments, journal_prompts, milestones,
};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = journal_prompts)]
pub struct PromptRow {
    pub id: String,
    /// `None` for a built-in prompt (the same in every practice).
    pub practice_id: Option<String>,
    pub title: String,
    pub text: String,
    pub created_by: Option<String>,
    pub created_at: chrono::NaiveDateTime,
    pub archived_at: Option<chrono::NaiveDateTime>,
}

impl PromptRow {
    #[must_use]
    pub fn builtin(&self) -> bool {
        self.practice_id.is_none()
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = journal_prompt_assignments)]
pub struct AssignmentRow {
    pub id: String,
    pub practice_id: String,
    pub couple_id: String,
    pub prompt_id: String,
    /// `None`: both partners.
    pub partner_id: Option<String>,
    pub assigned_by: String,
    pub created_at: chrono::NaiveDateTime,
    pub removed_at: Option<chrono::NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = journal_entries)]
pub struct EntryRow {
    pub id: String,
    pub practice_id: String,
    pub couple_id: String,
    pub author_id: String,
    pub prompt_id: Option<String>,
    pub assignment_id: Option<String>,
    pub text: String,
    pub visibility: String,
    pub created_at: chrono::NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = journal_entry_milestones)]
pub struct LinkRow {
    pub entry_id: String,
    pub milestone_id: String,
}

/// An entry with the milestones it links, oldest link id first.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Entry {
    pub row: EntryRow,
    pub milestone_ids: Vec<String>,
}

pub fn insert_prompt(conn: &mut AnyConnection, row: &PromptRow) -> StoreResult<()> {
    diesel::insert_into(journal_prompts::table).values(row).execute(conn)?;
    Ok(())
}

pub fn find_prompt(conn: &mut AnyConnection, id: &str) -> StoreResult<Option<PromptRow>> {
    Ok(journal_prompts::table.find(id).select(PromptRow::as_select()).first(conn).optional()?)
}

/// One page of the library a practice sees: built-ins first (their ids sort first), then
/// the practice's own in the order they were added; archived prompts left out.
pub fn list_prompts(conn: &mut AnyConnection, practice_id: &str, page: &PageRequest) -> StoreResult<Page<PromptRow>> {
    let mut query = journal_prompts::table
        .filter(journal_prompts::practice_id.is_null().or(journal_prompts::practice_id.eq(practice_id)))
        .filter(journal_prompts::archived_at.is_null())
        .into_boxed();
    if let Some(after) = &page.after {
        query = query.filter(journal_prompts::id.gt(after.clone()));
    }
    let rows =
        query.order(journal_prompts::id.asc()).limit(page.fetch_limit()).select(PromptRow::as_select()).load(conn)?;
    Ok(Page::from_rows(rows, page, |r| &r.id))
}

/// Archives a practice's prompt; false when it was already archived.
pub fn archive_prompt(conn: &mut AnyConnection, id: &str, at: chrono::NaiveDateTime) -> StoreResult<bool> {
    let n = diesel::update(journal_prompts::table.find(id).filter(journal_prompts::archived_at.is_null()))
        .set(journal_prompts::archived_at.eq(Some(at)))
        .execute(conn)?;
    Ok(n == 1)
}

pub fn insert_assignment(conn: &mut AnyConnection, row: &AssignmentRow) -> StoreResult<()> {
    diesel::insert_into(journal_prompt_assignments::table).values(row).execute(conn)?;
    Ok(())
}

pub fn find_assignment(conn: &mut AnyConnection, id: &str) -> StoreResult<Option<AssignmentRow>> {
    Ok(journal_prompt_assignments::table.find(id).select(AssignmentRow::as_select()).first(conn).optional()?)
}

/// Removes an assignment; false when it was already removed.
pub fn remove_assignment(conn: &mut AnyConnection, id: &str, at: chrono::NaiveDateTime) -> StoreResult<bool> {
    let n = diesel::update(
        journal_prompt_assignments::table.find(id).filter(journal_prompt_assignments::removed_at.is_null()),
    )
    .set(journal_prompt_assignments::removed_at.eq(Some(at)))
    .execute(conn)?;
    Ok(n == 1)
}

/// One page of a couple's current assignments, newest first; `partner` keeps only those
/// addressed to that partner (to both, or to them alone).
pub fn list_assignments(
    conn: &mut AnyConnection,
    couple_id: &str,
    partner: Option<&str>,
    page: &PageRequest,
) -> StoreResult<Page<AssignmentRow>> {
    use journal_prompt_assignments as a;
    let mut query = a::table.filter(a::couple_id.eq(couple_id)).filter(a::removed_at.is_null()).into_boxed();
    if let Some(me) = partner {
        query = query.filter(a::partner_id.is_null().or(a::partner_id.eq(me.to_owned())));
    }
    if let Some(after) = &page.after {
        query = query.filter(a::id.lt(after.clone()));
    }
    let rows = query.order(a::id.desc()).limit(page.fetch_limit()).select(AssignmentRow::as_select()).load(conn)?;
    Ok(Page::from_rows(rows, page, |r| &r.id))
}

/// Every current assignment of a couple, oldest first (the export; one couple's, small).
pub fn all_assignments(conn: &mut AnyConnection, couple_id: &str) -> StoreResult<Vec<AssignmentRow>> {
    use journal_prompt_assignments as a;
    Ok(a::table
        .filter(a::couple_id.eq(couple_id))
        .filter(a::removed_at.is_null())
        .order(a::id.asc())
        .select(AssignmentRow::as_select())
        .load(conn)?)
}

/// Which of `assignment_ids` `author_id` has answered with an entry.
pub fn answered_by(conn: &mut AnyConnection, assignment_ids: &[String], author_id: &str) -> StoreResult<Vec<String>> {
    if assignment_ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Option<String>> = journal_entries::table
        .filter(journal_entries::assignment_id.eq_any(assignment_ids))
        .filter(journal_entries::author_id.eq(author_id))
        .select(journal_entries::assignment_id)
        .distinct()
        .load(conn)?;
    Ok(ids.into_iter().flatten().collect())
}

/// The prompts with these ids (any practice's: callers asked about ids they hold).
pub fn prompts_by_id(conn: &mut AnyConnection, ids: &[String]) -> StoreResult<Vec<PromptRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(journal_prompts::table.filter(journal_prompts::id.eq_any(ids)).select(PromptRow::as_select()).load(conn)?)
}

/// Which of `ids` are milestones of `couple_id`.
pub fn milestones_of_couple(conn: &mut AnyConnection, couple_id: &str, ids: &[String]) -> StoreResult<Vec<String>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(milestones::table
        .filter(milestones::id.eq_any(ids))
        .filter(milestones::couple_id.eq(couple_id))
        .select(milestones::id)
        .load(conn)?)
}

/// Writes an entry and its milestone links (in the caller's transaction).
pub fn insert_entry(conn: &mut AnyConnection, entry: &Entry) -> StoreResult<()> {
    diesel::insert_into(journal_entries::table).values(&entry.row).execute(conn)?;
    for milestone_id in &entry.milestone_ids {
        let link = LinkRow { entry_id: entry.row.id.clone(), milestone_id: milestone_id.clone() };
        diesel::insert_into(journal_entry_milestones::table).values(&link).execute(conn)?;
    }
    Ok(())
}

// The visibility rule (`EntryVisibility::readable_by`) as a filter, written once for
// both readers below (a boxed query's type is long to name).
macro_rules! visible {
    ($couple_id:expr, $reader:expr, $scope:expr) => {{
        let mut query = journal_entries::table.filter(journal_entries::couple_id.eq($couple_id)).into_boxed();
        let shared = EntryVisibility::Shared.as_str();
        query = match $reader {
            // A partner: their own entries and the other partner's shared ones.
            Reader::Partner(me) => {
                query.filter(journal_entries::author_id.eq(me.clone()).or(journal_entries::visibility.eq(shared)))
            }
            // A clinician: clinician and shared entries, never private ones.
            Reader::Clinician => {
                query.filter(journal_entries::visibility.eq_any([EntryVisibility::Clinician.as_str(), shared]))
            }
        };
        if $scope == JournalScope::Shared {
            query = query.filter(journal_entries::visibility.eq(shared));
        }
        query
    }};
}

/// One page of the entries `reader` may see, newest first.
pub fn list_entries(
    conn: &mut AnyConnection,
    couple_id: &str,
    reader: &Reader,
    scope: JournalScope,
    page: &PageRequest,
) -> StoreResult<Page<Entry>> {
    let mut query = visible!(couple_id, reader, scope);
    if let Some(after) = &page.after {
        query = query.filter(journal_entries::id.lt(after.clone()));
    }
    let rows =
        query.order(journal_entries::id.desc()).limit(page.fetch_limit()).select(EntryRow::as_select()).load(conn)?;
    let page = Page::from_rows(rows, page, |r| &r.id);
    let items = with_links(conn, page.items)?;
    Ok(Page { items, next_after: page.next_after })
}

/// Every entry `reader` may see, oldest first (timeline, export, progress).
pub fn all_entries(conn: &mut AnyConnection, couple_id: &str, reader: &Reader) -> StoreResult<Vec<Entry>> {
    let rows = visible!(couple_id, reader, JournalScope::All)
        .order(journal_entries::id.asc())
        .select(EntryRow::as_select())
        .load(conn)?;
    with_links(conn, rows)
}

/// Attaches each entry's milestone links (one query for the lot).
fn with_links(conn: &mut AnyConnection, rows: Vec<EntryRow>) -> StoreResult<Vec<Entry>> {
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let links: Vec<LinkRow> = if ids.is_empty() {
        Vec::new()
    } else {
        journal_entry_milestones::table
            .filter(journal_entry_milestones::entry_id.eq_any(&ids))
            .order((journal_entry_milestones::entry_id, journal_entry_milestones::milestone_id))
            .select(LinkRow::as_select())
            .load(conn)?
    };
    Ok(rows
        .into_iter()
        .map(|row| {
            let milestone_ids = links.iter().filter(|l| l.entry_id == row.id).map(|l| l.milestone_id.clone()).collect();
            Entry { row, milestone_ids }
        })
        .collect())
}
