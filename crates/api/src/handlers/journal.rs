//! Partners' journal entries: written with a visibility (private, clinician, shared),
//! optionally answering a prompt or an assignment and linking milestones; read as their
//! visibility allows. Idempotent creates (`Idempotency-Key`).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use tandem_domain::journal::JournalScope;
use tandem_service::journal;
use utoipa::{IntoParams, ToSchema};

use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::input::enum_field;
use crate::pagination::{PageParams, Paginated};
use crate::state::AppState;
use crate::views::journal::{EntryVisibility, JournalEntry};
use crate::{db, idempotency};

/// A partner's journal entry.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewJournalEntry {
    /// A prompt of the practice's library this entry answers (built-in or the practice's
    /// own, not archived). With `assignment_id`, it must be the assignment's prompt
    /// (or be left out).
    #[schema(example = "01930000-0000-7000-8000-000000000003")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_id: Option<String>,
    /// An assignment addressed to the caller that this entry answers: it then leaves the
    /// caller's agenda (never the other partner's).
    #[schema(example = json!(null))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignment_id: Option<String>,
    /// The entry, 1 to 8000 characters.
    #[schema(example = "We walked to the lake and held hands the whole way back.")]
    pub text: String,
    /// `private` (only you), `clinician` (you and the clinicians) or `shared` (your
    /// partner and the clinicians too: the couple's shared journal).
    #[schema(value_type = EntryVisibility, example = "shared")]
    pub visibility: String,
    /// Milestones of the couple to link (at most 10).
    #[schema(example = json!([]))]
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub milestone_ids: Vec<String>,
}

#[utoipa::path(
    tag = "journal",
    operation_id = "createJournalEntry",
    summary = "Write a journal entry (partners)",
    description = "A partner writes an entry with a visibility: `private` (only the author ever reads it; not even the clinicians), `clinician` (the author and the couple's clinicians) or `shared` (both partners and the clinicians: the couple's shared journal). An entry may answer a prompt (`prompt_id`) or an assignment addressed to the caller (`assignment_id`; it then leaves the caller's agenda), and link milestones of the couple. Nothing the other partner can read changes because of an entry they may not read. Honours `Idempotency-Key`: the same key and body replay the first answer, the same key with another body is 422. Refused (409) for a discharged couple.",
    params(
        ("couple_id" = String, Path, description = "The couple's id."),
        ("Idempotency-Key" = Option<String>, Header, description = "A unique key per entry, reused on retries.")
    ),
    request_body = NewJournalEntry,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The entry (or the replay of the first answer).", body = JournalEntry),
        (status = 409, response = crate::openapi::Conflict)
    )
)]
#[post("/couples/{couple_id}/journal")]
pub async fn create_journal_entry(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    path: web::Path<String>,
    body: crate::input::Json<NewJournalEntry>,
) -> ApiResult<HttpResponse> {
    let input = body.into_inner();
    let entry = journal::NewEntry {
        prompt_id: input.prompt_id.clone(),
        assignment_id: input.assignment_id.clone(),
        text: input.text.clone(),
        visibility: input.visibility.clone(),
        milestone_ids: input.milestone_ids.clone(),
    };
    let prepared = db::call(&state, &auth, move |cx| journal::prepare_entry(cx, &path, entry)).await?;
    idempotency::run(&state, &auth, &req, "journal_entry.create", &input, StatusCode::CREATED, move |conn| {
        Ok(JournalEntry::from(journal::record_entry(conn, prepared)?))
    })
    .await
}

/// Which entries to read, and the page.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct JournalListParams {
    /// `all` (default): everything the caller may read; `shared`: the couple's shared
    /// journal only.
    #[param(value_type = Option<JournalScope>, inline, example = "all")]
    pub scope: Option<String>,
    /// How many items to return, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page; omit for the first page.
    pub cursor: Option<String>,
}

#[utoipa::path(
    tag = "journal",
    operation_id = "listJournalEntries",
    summary = "A couple's journal",
    description = "Newest first, cursor-paginated. A partner reads their own entries (any visibility) and the other partner's shared ones; a clinician reads clinician and shared entries, never private ones. `scope=shared` gives the couple's shared journal only. Every read is audited.",
    params(("couple_id" = String, Path, description = "The couple's id."), JournalListParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of entries.", body = Paginated<JournalEntry>),
        (status = 422, response = crate::openapi::UnprocessableEntity)
    )
)]
#[get("/couples/{couple_id}/journal")]
pub async fn list_journal_entries(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
    query: web::Query<JournalListParams>,
) -> ApiResult<web::Json<Paginated<JournalEntry>>> {
    let q = query.into_inner();
    let page = PageParams { limit: q.limit, cursor: q.cursor }.request()?;
    let scope = match q.scope.as_deref() {
        None => JournalScope::All,
        Some(s) => enum_field("scope", s, JournalScope::ALL, JournalScope::as_str)
            .map_err(|e| ApiError::Validation(vec![e]))?,
    };
    let rows = db::call(&state, &auth, move |cx| journal::list(cx, &path, scope, &page)).await?;
    Ok(web::Json(Paginated::from_page(rows, |e| Ok(JournalEntry::from(e)))?))
}
