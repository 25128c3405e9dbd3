//! The journaling prompt library: built-in prompts (the same in every practice,
//! read-only) and the practice's own.

use actix_web::{HttpResponse, delete, get, post, web};
use serde::Deserialize;
use tandem_service::journal_prompts;
use utoipa::ToSchema;

use crate::auth::Authenticated;
use crate::db;
use crate::error::ApiResult;
use crate::pagination::{PageParams, Paginated};
use crate::state::AppState;
use crate::views::journal::JournalPrompt;

/// A prompt of the practice's own.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewJournalPrompt {
    /// A short name, 1 to 120 characters.
    #[schema(example = "A door we closed")]
    pub title: String,
    /// What the prompt asks, 1 to 1000 characters.
    #[schema(example = "Is there something you stopped asking for? Write about when and why.")]
    pub text: String,
}

#[utoipa::path(
    tag = "journal",
    operation_id = "listJournalPrompts",
    summary = "The journaling prompt library",
    description = "The built-in prompts (`builtin`, the same in every practice: naming what was lost, what closeness feels like now, a small win this week, …) first, then the practice's own in the order they were added; archived prompts are left out. Staff and partners of the practice read it. Cursor-paginated. Audited.",
    params(PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of prompts.", body = Paginated<JournalPrompt>),
        (status = 422, response = crate::openapi::UnprocessableEntity)
    )
)]
#[get("/journal-prompts")]
pub async fn list_journal_prompts(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: web::Query<PageParams>,
) -> ApiResult<web::Json<Paginated<JournalPrompt>>> {
    let page = query.request()?;
    let rows = db::call(&state, &auth, move |cx| journal_prompts::list_prompts(cx, &page)).await?;
    Ok(web::Json(Paginated::from_page(rows, |r| Ok(JournalPrompt::from(r)))?))
}

#[utoipa::path(
    tag = "journal",
    operation_id = "createJournalPrompt",
    summary = "Add a prompt to the practice's library (clinicians)",
    description = "The prompt is the practice's own: its clinicians may assign it and archive it. Audited.",
    request_body = NewJournalPrompt,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The prompt.", body = JournalPrompt)
    )
)]
#[post("/journal-prompts")]
pub async fn create_journal_prompt(
    state: web::Data<AppState>,
    auth: Authenticated,
    body: crate::input::Json<NewJournalPrompt>,
) -> ApiResult<HttpResponse> {
    let NewJournalPrompt { title, text } = body.into_inner();
    let input = journal_prompts::NewPrompt { title, text };
    let row = db::call(&state, &auth, move |cx| journal_prompts::create_prompt(cx, input)).await?;
    Ok(HttpResponse::Created().json(JournalPrompt::from(row)))
}

#[utoipa::path(
    tag = "journal",
    operation_id = "archiveJournalPrompt",
    summary = "Archive a prompt of the practice (clinicians)",
    description = "The prompt leaves the library and can no longer be assigned or chosen; entries and open assignments that name it keep it. Built-in prompts are read-only (409 `builtin_prompt`). Audited.",
    params(("prompt_id" = String, Path, description = "The prompt's id.")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Archived."),
        (status = 409, response = crate::openapi::Conflict)
    )
)]
#[delete("/journal-prompts/{prompt_id}")]
pub async fn archive_journal_prompt(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    db::call(&state, &auth, move |cx| journal_prompts::archive_prompt(cx, &path)).await?;
    Ok(HttpResponse::NoContent().finish())
}
