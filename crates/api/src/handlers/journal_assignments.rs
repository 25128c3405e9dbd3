//! Journaling prompts a clinician assigns to a couple or to one partner; they wait on the
//! partner's agenda until that partner answers them with an entry.

use actix_web::{HttpResponse, delete, get, post, web};
use serde::Deserialize;
use tandem_service::journal_prompts;
use utoipa::ToSchema;

use crate::auth::Authenticated;
use crate::db;
use crate::error::ApiResult;
use crate::pagination::{PageParams, Paginated};
use crate::state::AppState;
use crate::views::journal::JournalPromptAssignment;

/// A prompt to assign.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewJournalPromptAssignment {
    /// A prompt of the practice's library (built-in or the practice's own, not archived).
    #[schema(example = "01930000-0000-7000-8000-000000000001")]
    pub prompt_id: String,
    /// One partner of the couple; leave out to assign the prompt to both partners.
    #[schema(example = json!(null))]
    #[serde(default)]
    pub partner_id: Option<String>,
}

#[utoipa::path(
    tag = "journal",
    operation_id = "assignJournalPrompt",
    summary = "Assign a journaling prompt (clinicians)",
    description = "To both partners (no `partner_id`) or to one. Each partner it is for sees it on their agenda (`journal_prompts`) until they write an entry answering it; the other partner's answer never clears it, and a partner never sees an assignment meant for the other alone. Refused (409) for a discharged couple. Audited.",
    params(("couple_id" = String, Path, description = "The couple's id.")),
    request_body = NewJournalPromptAssignment,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The assignment.", body = JournalPromptAssignment),
        (status = 409, response = crate::openapi::Conflict)
    )
)]
#[post("/couples/{couple_id}/journal-prompt-assignments")]
pub async fn assign_journal_prompt(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
    body: crate::input::Json<NewJournalPromptAssignment>,
) -> ApiResult<HttpResponse> {
    let NewJournalPromptAssignment { prompt_id, partner_id } = body.into_inner();
    let input = journal_prompts::NewAssignment { prompt_id, partner_id };
    let row = db::call(&state, &auth, move |cx| journal_prompts::assign(cx, &path, input)).await?;
    Ok(HttpResponse::Created().json(JournalPromptAssignment::from(row)))
}

#[utoipa::path(
    tag = "journal",
    operation_id = "listJournalPromptAssignments",
    summary = "A couple's journaling assignments",
    description = "Current assignments, newest first, cursor-paginated. Clinicians see every assignment (and never whether a partner answered); a partner sees those addressed to them, with `answered` saying whether they have written an entry for it. Audited.",
    params(("couple_id" = String, Path, description = "The couple's id."), PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of assignments.", body = Paginated<JournalPromptAssignment>),
        (status = 422, response = crate::openapi::UnprocessableEntity)
    )
)]
#[get("/couples/{couple_id}/journal-prompt-assignments")]
pub async fn list_journal_prompt_assignments(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
    query: web::Query<PageParams>,
) -> ApiResult<web::Json<Paginated<JournalPromptAssignment>>> {
    let page = query.request()?;
    let rows = db::call(&state, &auth, move |cx| journal_prompts::list_assignments(cx, &path, &page)).await?;
    Ok(web::Json(Paginated::from_page(rows, |a| Ok(JournalPromptAssignment::from(a)))?))
}

#[utoipa::path(
    tag = "journal",
    operation_id = "removeJournalPromptAssignment",
    summary = "Remove a journaling assignment (clinicians)",
    description = "It leaves the partners' agendas; entries that answered it keep it. Refused (409) for a discharged couple. Audited.",
    params(
        ("couple_id" = String, Path, description = "The couple's id."),
        ("assignment_id" = String, Path, description = "The assignment's id.")
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed."),
        (status = 409, response = crate::openapi::Conflict)
    )
)]
#[delete("/couples/{couple_id}/journal-prompt-assignments/{assignment_id}")]
pub async fn remove_journal_prompt_assignment(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (couple_id, assignment_id) = path.into_inner();
    db::call(&state, &auth, move |cx| journal_prompts::remove_assignment(cx, &couple_id, &assignment_id)).await?;
    Ok(HttpResponse::NoContent().finish())
}
