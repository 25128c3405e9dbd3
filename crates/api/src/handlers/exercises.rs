//! The exercise library: built-in starters in every practice (read-only) and the
//! practice's own. Clients read only exercises that appear in their own plans.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tandem_domain::exercises::Category;
use tandem_service::exercises::{self, NewExercise};
use tandem_service::records::{ExerciseFilter, ExerciseRow, time};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Authenticated;
use crate::error::ApiResult;
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
    #[schema(value_type = Vec<tandem_domain::vocabulary::ExerciseTag>, example = json!(["touch:hands", "clothing:on"]))]
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
    #[schema(value_type = Vec<tandem_domain::vocabulary::ExerciseTag>, example = json!(["touch:hands", "clothing:on"]))]
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
    #[schema(value_type = Option<Vec<tandem_domain::vocabulary::ExerciseTag>>)]
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
    /// How many items to return, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

fn respond(status: StatusCode, row: ExerciseRow) -> ApiResult<HttpResponse> {
    let tag = etag::of("exercise", &row.id, row.version);
    Ok(HttpResponse::build(status).insert_header((header::ETAG, tag)).json(Exercise::from_row(row)?))
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
    let q = query.into_inner();
    let page = PageParams { limit: q.limit, cursor: q.cursor }.request()?;
    let filter = ExerciseFilter {
        category: q.category.map(|c| c.as_str().to_owned()),
        include_archived: q.include_archived.unwrap_or(false),
        tag: q.tag,
    };
    let rows = db::call(&state, &auth, move |cx| exercises::list(cx, &filter, &page)).await?;
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
    let i = body.into_inner();
    let input = NewExercise {
        title: i.title,
        category: i.category,
        instructions: i.instructions,
        duration_minutes: i.duration_minutes,
        intensity: i.intensity,
        check_in_prompts: i.check_in_prompts,
        exit_strategy: i.exit_strategy,
        tags: i.tags,
    };
    let row = db::call(&state, &auth, move |cx| exercises::create(cx, input)).await?;
    respond(StatusCode::CREATED, row)
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
    let row = db::call(&state, &auth, move |cx| exercises::get(cx, &path)).await?;
    respond(StatusCode::OK, row)
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
    let current = db::call(&state, &auth, move |cx| exercises::for_update(cx, &path)).await?;
    etag::require_match(&req, &etag::of("exercise", &current.id, current.version))?;
    let p = body.into_inner();
    let patch = exercises::ExercisePatch {
        title: p.title,
        category: p.category,
        instructions: p.instructions,
        duration_minutes: p.duration_minutes,
        intensity: p.intensity,
        check_in_prompts: p.check_in_prompts,
        exit_strategy: p.exit_strategy,
        tags: p.tags,
    };
    let row = db::call(&state, &auth, move |cx| exercises::update(cx, current, patch)).await?;
    respond(StatusCode::OK, row)
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
    db::call(&state, &auth, move |cx| exercises::archive(cx, &path)).await?;
    Ok(HttpResponse::NoContent().finish())
}
