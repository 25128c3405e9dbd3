//! The exercise library: built-in starters in every practice (read-only) and the
//! practice's own. Clients read only exercises that appear in their own plans.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tandem_domain::exercises::{Category, is_known_tag};
use tandem_domain::{Action, Actor, Resource, UserKind};
use tandem_store::exercises::{self as library, ExerciseFilter, ExerciseRow, Visible, to_json};
use tandem_store::{couples, ids, time};
use utoipa::{IntoParams, ToSchema};

use crate::audit::{self, Event};
use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::handlers::allow;
use crate::pagination::{PageParams, Paginated};
use crate::state::AppState;
use crate::{db, etag};

/// An exercise of the library.
#[derive(Debug, Serialize, ToSchema)]
pub struct Exercise {
    #[schema(example = "01936f3e-8a4b-7c2d-9e1f-0a1b2c3d4e80")]
    pub id: String,
    /// Built-in starters are read-only; copy one (POST with its fields) to adapt it.
    pub builtin: bool,
    #[schema(example = "Holding hands")]
    pub title: String,
    pub category: Category,
    #[schema(example = "Sit side by side, clothed, and hold hands for five minutes.")]
    pub instructions: String,
    #[schema(example = 5)]
    pub duration_minutes: i32,
    /// Anticipated distress, 0-100.
    #[schema(example = 15, minimum = 0, maximum = 100)]
    pub intensity: i32,
    /// Questions to reflect on afterwards.
    pub check_in_prompts: Vec<String>,
    /// How to stop gently.
    pub exit_strategy: String,
    /// What the exercise involves, from the documented vocabulary (see `ExerciseInput`).
    #[schema(example = json!(["touch:hands", "clothing:on"]))]
    pub tags: Vec<String>,
    /// Set when archived: hidden from the library, still in running plans.
    pub archived_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

impl Exercise {
    fn from_row(row: ExerciseRow) -> ApiResult<Self> {
        Ok(Self {
            tags: row.tag_list()?,
            check_in_prompts: row.prompt_list()?,
            builtin: row.builtin_key.is_some(),
            category: Category::parse(&row.category).unwrap_or(Category::Connection),
            id: row.id,
            title: row.title,
            instructions: row.instructions,
            duration_minutes: row.duration_minutes,
            intensity: row.intensity,
            exit_strategy: row.exit_strategy,
            archived_at: row.archived_at.map(time::from_db),
            updated_at: time::from_db(row.updated_at),
        })
    }
}

/// A new exercise. Tags come from this vocabulary: `conversation`, `solo`, `writing`,
/// `breathing`, `eye_contact`, `touch:hands`, `touch:hugging`, `touch:massage`,
/// `touch:non-genital`, `touch:breasts`, `touch:genital`, `clothing:on`,
/// `clothing:partial`, `clothing:removed`, `setting:bed`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExerciseInput {
    #[schema(example = "Holding hands, eyes closed")]
    pub title: String,
    pub category: Category,
    #[schema(example = "Sit side by side and hold hands for five minutes with your eyes closed.")]
    pub instructions: String,
    #[schema(example = 5, minimum = 1, maximum = 240)]
    pub duration_minutes: i32,
    #[schema(example = 20, minimum = 0, maximum = 100)]
    pub intensity: i32,
    #[serde(default)]
    #[schema(example = json!(["What did you notice?"]))]
    pub check_in_prompts: Vec<String>,
    #[schema(example = "Open your eyes and let go whenever either of you wants.")]
    pub exit_strategy: String,
    #[schema(example = json!(["touch:hands", "clothing:on"]))]
    pub tags: Vec<String>,
}

/// Changes to an exercise; omitted fields stay as they are.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExercisePatch {
    pub title: Option<String>,
    pub category: Option<Category>,
    pub instructions: Option<String>,
    #[schema(minimum = 1, maximum = 240)]
    pub duration_minutes: Option<i32>,
    #[schema(minimum = 0, maximum = 100)]
    pub intensity: Option<i32>,
    pub check_in_prompts: Option<Vec<String>>,
    pub exit_strategy: Option<String>,
    pub tags: Option<Vec<String>>,
}

/// Library filters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ExerciseListParams {
    pub category: Option<Category>,
    /// Only exercises with this tag.
    #[param(example = "touch:hands")]
    pub tag: Option<String>,
    /// Include archived exercises (default false).
    pub include_archived: Option<bool>,
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

fn text_field(errors: &mut Vec<FieldError>, field: &str, value: &str, max: usize) {
    let n = value.trim().chars().count();
    if n == 0 {
        errors.push(FieldError::new(field, "must not be empty"));
    } else if n > max {
        errors.push(FieldError::new(field, format!("must be at most {max} characters")));
    }
}

/// Validates a complete exercise (after applying a patch, too).
fn validate(row: &ExerciseRow, tags: &[String], prompts: &[String]) -> ApiResult<()> {
    let mut errors = Vec::new();
    text_field(&mut errors, "title", &row.title, 120);
    text_field(&mut errors, "instructions", &row.instructions, 4000);
    text_field(&mut errors, "exit_strategy", &row.exit_strategy, 1000);
    if !(1..=240).contains(&row.duration_minutes) {
        errors.push(FieldError::new("duration_minutes", "must be between 1 and 240"));
    }
    if !(0..=100).contains(&row.intensity) {
        errors.push(FieldError::new("intensity", "must be between 0 and 100"));
    }
    if tags.is_empty() {
        errors.push(FieldError::new("tags", "name at least one tag from the vocabulary"));
    }
    for tag in tags {
        if !is_known_tag(tag) {
            errors.push(FieldError::new("tags", format!("{tag:?} is not in the tag vocabulary")));
        }
    }
    if prompts.len() > 10 || prompts.iter().any(|p| p.trim().is_empty() || p.chars().count() > 300) {
        errors.push(FieldError::new("check_in_prompts", "at most 10 prompts of 1 to 300 characters"));
    }
    if errors.is_empty() { Ok(()) } else { Err(ApiError::Validation(errors)) }
}

fn respond(status: actix_web::http::StatusCode, row: ExerciseRow) -> ApiResult<HttpResponse> {
    let tag = etag::of("exercise", &row.id, row.version);
    Ok(HttpResponse::build(status).insert_header((header::ETAG, tag)).json(Exercise::from_row(row)?))
}

async fn load(state: &AppState, actor: &Actor, id: String, action: Action) -> ApiResult<ExerciseRow> {
    if !ids::is_valid(&id) {
        return Err(ApiError::NotFound);
    }
    let user_id = actor.user_id.clone();
    let client = actor.kind == UserKind::Client;
    let (row, used) = db::read(state, move |conn| {
        let row = library::find(conn, &id)?.ok_or(ApiError::NotFound)?;
        let used = client && library::used_by_partner(conn, &row.id, &user_id)?;
        Ok((row, used))
    })
    .await?;
    let resource = Resource::Exercise {
        practice_id: &row.practice_id,
        builtin: row.builtin_key.is_some(),
        in_callers_plans: used,
    };
    allow(actor, action, &resource)?;
    Ok(row)
}

#[utoipa::path(
    tag = "exercises",
    operation_id = "listExercises",
    summary = "The exercise library",
    description = "Staff see the practice's library: the built-in starters and the practice's own exercises. Partners see only the exercises that appear in their own plans. Archived exercises are hidden unless asked for. Oldest first, cursor-paginated.",
    params(ExerciseListParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of exercises.", body = Paginated<Exercise>),
        (status = 422, response = crate::openapi::UnprocessableEntity)
    )
)]
#[get("/exercises")]
pub async fn list_exercises(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: web::Query<ExerciseListParams>,
) -> ApiResult<web::Json<Paginated<Exercise>>> {
    let actor = auth.actor;
    allow(&actor, Action::ListExercises, &Resource::Practice { practice_id: &actor.practice_id })?;
    let q = query.into_inner();
    let page = PageParams { limit: q.limit, cursor: q.cursor }.request()?;
    let filter = ExerciseFilter {
        category: q.category.map(|c| c.as_str().to_owned()),
        include_archived: q.include_archived.unwrap_or(false),
        tag: q.tag,
    };
    let rows = db::read(&state, move |conn| {
        let visible = match actor.kind {
            UserKind::Staff => Visible::Practice(actor.practice_id.clone()),
            UserKind::Client => match couples::find_for_partner(conn, &actor.user_id)? {
                Some(c) => Visible::CouplePlans(c.id),
                None => return Ok(tandem_store::Page { items: Vec::new(), next_after: None }),
            },
        };
        Ok(library::list(conn, &visible, &filter, &page)?)
    })
    .await?;
    Ok(web::Json(Paginated::from_page(rows, Exercise::from_row)?))
}

#[utoipa::path(
    tag = "exercises",
    operation_id = "createExercise",
    summary = "Add an exercise to the practice's library",
    description = "Staff only. To adapt a built-in starter, read it and post a copy with your changes.",
    request_body = ExerciseInput,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created; the ETag header is needed for later edits.", body = Exercise)
    )
)]
#[post("/exercises")]
pub async fn create_exercise(
    state: web::Data<AppState>,
    auth: Authenticated,
    body: crate::input::Json<ExerciseInput>,
) -> ApiResult<HttpResponse> {
    let actor = auth.actor.clone();
    allow(&actor, Action::CreateExercise, &Resource::Practice { practice_id: &actor.practice_id })?;
    let input = body.into_inner();
    let now = state.clock.now();
    let row = ExerciseRow {
        id: ids::new_id(),
        practice_id: actor.practice_id.clone(),
        builtin_key: None,
        title: input.title.trim().to_owned(),
        category: input.category.as_str().to_owned(),
        instructions: input.instructions.trim().to_owned(),
        duration_minutes: input.duration_minutes,
        intensity: input.intensity,
        check_in_prompts: to_json(&input.check_in_prompts),
        exit_strategy: input.exit_strategy.trim().to_owned(),
        tags: to_json(&input.tags),
        version: 1,
        archived_at: None,
        created_by: Some(actor.user_id.clone()),
        created_at: time::to_db(now),
        updated_at: time::to_db(now),
    };
    validate(&row, &input.tags, &input.check_in_prompts)?;
    let event = Event::new(&actor.practice_id, Some(&actor), "exercise.create", "exercise", now)
        .resource(&row.id)
        .request(auth.request_id.as_deref());
    let saved = row.clone();
    db::write(&state, move |conn| {
        library::insert(conn, &saved)?;
        audit::record(conn, event)?;
        Ok(())
    })
    .await?;
    respond(actix_web::http::StatusCode::CREATED, row)
}

#[utoipa::path(
    tag = "exercises",
    operation_id = "getExercise",
    summary = "Read one exercise",
    description = "Staff read any exercise of the practice; partners only those in their own plans (others are 404).",
    params(("exercise_id" = String, Path, description = "The exercise's id.")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The exercise, with its ETag.", body = Exercise)
    )
)]
#[get("/exercises/{exercise_id}")]
pub async fn get_exercise(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let row = load(&state, &auth.actor, path.into_inner(), Action::ReadExercise).await?;
    respond(actix_web::http::StatusCode::OK, row)
}

#[utoipa::path(
    tag = "exercises",
    operation_id = "updateExercise",
    summary = "Edit an exercise",
    description = "Staff only; built-in starters are read-only (403). Requires `If-Match` with the ETag you read (428 without, 412 when someone changed it since). Plans keep the snapshot taken when the exercise was added, so running plans do not change.",
    params(
        ("exercise_id" = String, Path, description = "The exercise's id."),
        ("If-Match" = String, Header, description = "The ETag from the last read.")
    ),
    request_body = ExercisePatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The exercise as changed, with its new ETag.", body = Exercise)
    )
)]
#[patch("/exercises/{exercise_id}")]
pub async fn update_exercise(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    path: web::Path<String>,
    body: crate::input::Json<ExercisePatch>,
) -> ApiResult<HttpResponse> {
    let current = load(&state, &auth.actor, path.into_inner(), Action::UpdateExercise).await?;
    etag::require_match(&req, &etag::of("exercise", &current.id, current.version))?;
    let patch = body.into_inner();
    let now = state.clock.now();
    let mut tags = current.tag_list()?;
    let mut prompts = current.prompt_list()?;
    let mut row = current.clone();
    if let Some(v) = patch.title {
        row.title = v.trim().to_owned();
    }
    if let Some(v) = patch.category {
        row.category = v.as_str().to_owned();
    }
    if let Some(v) = patch.instructions {
        row.instructions = v.trim().to_owned();
    }
    if let Some(v) = patch.duration_minutes {
        row.duration_minutes = v;
    }
    if let Some(v) = patch.intensity {
        row.intensity = v;
    }
    if let Some(v) = patch.exit_strategy {
        row.exit_strategy = v.trim().to_owned();
    }
    if let Some(v) = patch.tags {
        tags = v;
    }
    if let Some(v) = patch.check_in_prompts {
        prompts = v;
    }
    row.tags = to_json(&tags);
    row.check_in_prompts = to_json(&prompts);
    row.version = current.version + 1;
    row.updated_at = time::to_db(now);
    validate(&row, &tags, &prompts)?;
    let event = Event::new(&auth.actor.practice_id, Some(&auth.actor), "exercise.update", "exercise", now)
        .resource(&row.id)
        .request(auth.request_id.as_deref());
    let saved = row.clone();
    db::write(&state, move |conn| {
        if !library::update_if_version(conn, &saved, current.version)? {
            return Err(ApiError::PreconditionFailed);
        }
        audit::record(conn, event)?;
        Ok(())
    })
    .await?;
    respond(actix_web::http::StatusCode::OK, row)
}

#[utoipa::path(
    tag = "exercises",
    operation_id = "archiveExercise",
    summary = "Archive an exercise",
    description = "Hides the exercise from the library; plans that use it keep their snapshot. Staff only; built-in starters cannot be archived (403). Archiving twice is harmless.",
    params(("exercise_id" = String, Path, description = "The exercise's id.")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Archived.")
    )
)]
#[delete("/exercises/{exercise_id}")]
pub async fn archive_exercise(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let current = load(&state, &auth.actor, path.into_inner(), Action::UpdateExercise).await?;
    if current.archived_at.is_some() {
        return Ok(HttpResponse::NoContent().finish());
    }
    let now = state.clock.now();
    let mut row = current.clone();
    row.archived_at = Some(time::to_db(now));
    row.version += 1;
    row.updated_at = time::to_db(now);
    let event = Event::new(&auth.actor.practice_id, Some(&auth.actor), "exercise.archive", "exercise", now)
        .resource(&row.id)
        .request(auth.request_id.as_deref());
    db::write(&state, move |conn| {
        if !library::update_if_version(conn, &row, current.version)? {
            return Err(ApiError::PreconditionFailed);
        }
        audit::record(conn, event)?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
