//! Plan templates: the built-in ones (read-only, copyable) and the practice's own.
//! Clinicians write, admins read, partners are refused; another practice's template does
//! not exist. Edits and archiving need `If-Match`.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use serde::Deserialize;
use tandem_domain::plans::Criteria;
use tandem_domain::templates::TemplateStep;
use tandem_service::plan_templates::{self, NewTemplate, TemplatePatch};
use utoipa::ToSchema;

use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::pagination::{PageParams, Paginated};
use crate::state::AppState;
use crate::views::plan::CriteriaView;
use crate::views::plan_template::{PlanTemplate, document};
use crate::{db, etag};

/// A step of a template, as written.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateStepInput {
    /// 1-200 characters.
    #[schema(example = "Naming the grief together")]
    pub title: String,
    /// At most 4000 characters (default empty).
    #[schema(example = "Each partner says what they miss, and is heard without being fixed.")]
    pub description: Option<String>,
    /// Attempts per week to aim for, 1-21 (default 3).
    #[schema(example = 1, minimum = 1, maximum = 21)]
    pub target_per_week: Option<i32>,
    /// Progression criteria (defaults: 3 sessions, target 30, setback 70, 14 days).
    pub criteria: Option<CriteriaView>,
    /// Exercises of the practice's library that are not archived, in order; at most 10,
    /// none twice.
    #[serde(default)]
    #[schema(example = json!(["01936f3e-8a4b-7c2d-9e1f-0a1b2c3d4e80"]), max_items = 10)]
    pub exercise_ids: Vec<String>,
}

fn steps(input: Vec<TemplateStepInput>) -> Vec<TemplateStep> {
    input
        .into_iter()
        .map(|s| TemplateStep {
            title: s.title,
            description: s.description.unwrap_or_default(),
            target_per_week: s.target_per_week.unwrap_or(3),
            criteria: s.criteria.map_or_else(Criteria::default, Into::into),
            exercises: s.exercise_ids,
        })
        .collect()
}

/// A new template: a copy of another (`copy_of`), with any part replaced, or one written
/// whole (`title` and `steps` then required).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPlanTemplate {
    /// The id of a built-in template or one of the practice's templates to start from.
    #[schema(example = "00000000-0000-7000-8000-000000000002")]
    pub copy_of: Option<String>,
    /// 1-200 characters (default: the copied template's).
    #[schema(example = "Grief and reconnection (our practice)")]
    pub title: Option<String>,
    /// At most 2000 characters (default: the copied template's, or empty).
    #[schema(example = "Grieve what has changed together and find closeness again.")]
    pub goal: Option<String>,
    /// 1 to 20 steps, in order (default: the copied template's).
    #[schema(max_items = 20)]
    pub steps: Option<Vec<TemplateStepInput>>,
}

/// Changes to a template; omitted parts stay as they are. `steps` replaces every step.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanTemplatePatch {
    #[schema(example = "Grief and reconnection, gently")]
    pub title: Option<String>,
    #[schema(example = "Grieve what has changed together and find closeness again.")]
    pub goal: Option<String>,
    #[schema(max_items = 20)]
    pub steps: Option<Vec<TemplateStepInput>>,
}

#[utoipa::path(
    tag = "plans",
    operation_id = "listPlanTemplates",
    summary = "The plan templates",
    description = "Staff only (clinicians and admins; partners 403). The built-in templates first (\"Gradual return to touch\", \"Grief and reconnection\"), then the practice's own that are not archived, oldest first, cursor-paginated. Every read is audited.",
    params(PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of templates.", body = Paginated<PlanTemplate>),
        (status = 422, response = crate::openapi::UnprocessableEntity)
    )
)]
#[get("/plan-templates")]
pub async fn list_plan_templates(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: web::Query<PageParams>,
) -> ApiResult<web::Json<Paginated<PlanTemplate>>> {
    let page = query.request()?;
    let rows = db::call(&state, &auth, move |cx| plan_templates::list(cx, &page)).await?;
    Ok(web::Json(Paginated::from_page(rows, PlanTemplate::from_template)?))
}

#[utoipa::path(
    tag = "plans",
    operation_id = "createPlanTemplate",
    summary = "Add a plan template to the practice",
    description = "Clinicians only (admins and partners 403). With `copy_of` (a built-in template or one of the practice's, archived ones too) the new template starts as an editable copy, with any of `title`, `goal` and `steps` replaced; without it, `title` and `steps` are required. Every exercise must be one of the practice's library that is not archived (422 naming `steps[i].exercise_ids[j]`). Nothing is written when a field is invalid.",
    request_body = NewPlanTemplate,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The new template, with its ETag.", body = PlanTemplate)
    )
)]
#[post("/plan-templates")]
pub async fn create_plan_template(
    state: web::Data<AppState>,
    auth: Authenticated,
    body: crate::input::Json<NewPlanTemplate>,
) -> ApiResult<HttpResponse> {
    let NewPlanTemplate { copy_of, title, goal, steps: input } = body.into_inner();
    let input = NewTemplate { copy_of, title, goal, steps: input.map(steps) };
    let template = db::call(&state, &auth, move |cx| plan_templates::create(cx, input)).await?;
    let location = format!("/api/v1/plan-templates/{}", template.id);
    let mut res = document(StatusCode::CREATED, template)?;
    res.headers_mut()
        .insert(header::LOCATION, header::HeaderValue::from_str(&location).map_err(crate::ApiError::internal)?);
    Ok(res)
}

#[utoipa::path(
    tag = "plans",
    operation_id = "getPlanTemplate",
    summary = "Read a plan template",
    description = "Staff only (partners 403). A built-in template or one of the practice's own (archived ones too); another practice's template is 404. Each step lists its exercises as the library holds them now. Every read is audited.",
    params(("template_id" = String, Path, description = "The template's id.")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The template, with its ETag.", body = PlanTemplate)
    )
)]
#[get("/plan-templates/{template_id}")]
pub async fn get_plan_template(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let template = db::call(&state, &auth, move |cx| plan_templates::get(cx, &path)).await?;
    document(StatusCode::OK, template)
}

#[utoipa::path(
    tag = "plans",
    operation_id = "updatePlanTemplate",
    summary = "Edit a plan template",
    description = "Clinicians only, with `If-Match` (428 without, 412 when someone changed it since); every edit bumps the version. Built-in templates and archived ones are refused (409 `not_editable`): copy a built-in to adapt it. Plans already drafted from the template do not change.",
    params(
        ("template_id" = String, Path, description = "The template's id."),
        ("If-Match" = String, Header, description = "The template's ETag from the last read.")
    ),
    request_body = PlanTemplatePatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The template as changed, with its new ETag.", body = PlanTemplate),
        (status = 409, response = crate::openapi::Conflict)
    )
)]
#[patch("/plan-templates/{template_id}")]
pub async fn update_plan_template(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    path: web::Path<String>,
    body: crate::input::Json<PlanTemplatePatch>,
) -> ApiResult<HttpResponse> {
    let PlanTemplatePatch { title, goal, steps: input } = body.into_inner();
    let patch = TemplatePatch { title, goal, steps: input.map(steps) };
    let if_match = etag::if_match(&req);
    let judged = etag::judged(if_match.as_deref());
    let template = db::call(&state, &auth, move |cx| plan_templates::update(cx, &path, if_match.as_deref(), patch))
        .await
        .map_err(judged)?;
    document(StatusCode::OK, template)
}

#[utoipa::path(
    tag = "plans",
    operation_id = "archivePlanTemplate",
    summary = "Archive a plan template",
    description = "Clinicians only, with `If-Match` (428 without, 412 when stale). The template leaves the list and can no longer be edited or used for new plans; it stays readable, and plans drafted from it keep it as their provenance. Built-in templates are refused (409 `not_editable`). Archiving twice changes nothing.",
    params(
        ("template_id" = String, Path, description = "The template's id."),
        ("If-Match" = String, Header, description = "The template's ETag from the last read.")
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Archived."),
        (status = 409, response = crate::openapi::Conflict)
    )
)]
#[delete("/plan-templates/{template_id}")]
pub async fn archive_plan_template(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let if_match = etag::if_match(&req);
    let judged = etag::judged(if_match.as_deref());
    db::call(&state, &auth, move |cx| plan_templates::archive(cx, &path, if_match.as_deref())).await.map_err(judged)?;
    Ok(HttpResponse::NoContent().finish())
}
