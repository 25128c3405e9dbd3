//! The journal as the caller may see it: prompts, assignments and entries. Shared by the
//! journal's own routes, the agenda, the timeline and the export.

use chrono::{DateTime, Utc};
use serde::Serialize;
use tandem_service::journal_prompts::Assignment;
use tandem_service::records::{JournalEntryRecord, PromptRow, time};
use utoipa::ToSchema;

pub use tandem_domain::vocabulary::EntryVisibility;

/// A journaling prompt of the practice's library.
#[derive(Debug, Serialize, ToSchema)]
pub struct JournalPrompt {
    #[schema(example = "01930000-0000-7000-8000-000000000003")]
    pub id: String,
    #[schema(example = "A small win this week")]
    pub title: String,
    /// What the prompt asks.
    #[schema(
        example = "What went a little better this week than you expected? Write down one small win, however ordinary it seems."
    )]
    pub text: String,
    /// A built-in prompt: the same in every practice, read-only.
    #[schema(example = true)]
    pub builtin: bool,
    pub created_at: DateTime<Utc>,
}

impl From<PromptRow> for JournalPrompt {
    fn from(r: PromptRow) -> Self {
        Self { builtin: r.builtin(), id: r.id, title: r.title, text: r.text, created_at: time::from_db(r.created_at) }
    }
}

/// A prompt a clinician assigned to the couple or to one partner.
#[derive(Debug, Serialize, ToSchema)]
pub struct JournalPromptAssignment {
    #[schema(example = "0193a1b2-7c00-7def-8000-00000000a551")]
    pub id: String,
    pub couple_id: String,
    pub prompt: JournalPrompt,
    /// The partner it is for; `null`: both partners.
    #[schema(example = json!(null))]
    pub partner_id: Option<String>,
    /// The clinician who assigned it.
    pub assigned_by: String,
    pub assigned_at: DateTime<Utc>,
    /// For a partner: whether they have answered it with an entry. `null` for staff, who
    /// never learn from it whether a partner wrote (an answer may be private).
    #[schema(example = false)]
    pub answered: Option<bool>,
}

impl From<Assignment> for JournalPromptAssignment {
    fn from(a: Assignment) -> Self {
        Self {
            id: a.row.id,
            couple_id: a.row.couple_id,
            prompt: a.prompt.into(),
            partner_id: a.row.partner_id,
            assigned_by: a.row.assigned_by,
            assigned_at: time::from_db(a.row.created_at),
            answered: a.answered,
        }
    }
}

/// A journal entry as the caller may see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct JournalEntry {
    #[schema(example = "0193a1b2-7c00-7def-8000-00000000e171")]
    pub id: String,
    pub couple_id: String,
    pub author_id: String,
    /// The prompt it answers, if any.
    #[schema(example = "01930000-0000-7000-8000-000000000003")]
    pub prompt_id: Option<String>,
    /// The assignment it answers, if any.
    #[schema(example = json!(null))]
    pub assignment_id: Option<String>,
    #[schema(example = "We walked to the lake and held hands the whole way back.")]
    pub text: String,
    pub visibility: EntryVisibility,
    /// Milestones of the couple this entry links to.
    pub milestone_ids: Vec<String>,
    pub created_at: DateTime<Utc>,
}

impl From<JournalEntryRecord> for JournalEntry {
    fn from(e: JournalEntryRecord) -> Self {
        let r = e.row;
        Self {
            // The column's CHECK constraint admits only the enum's values.
            visibility: EntryVisibility::parse(&r.visibility).unwrap_or(EntryVisibility::Private),
            id: r.id,
            couple_id: r.couple_id,
            author_id: r.author_id,
            prompt_id: r.prompt_id,
            assignment_id: r.assignment_id,
            text: r.text,
            milestone_ids: e.milestone_ids,
            created_at: time::from_db(r.created_at),
        }
    }
}
