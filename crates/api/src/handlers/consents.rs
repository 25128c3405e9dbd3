//! A partner's own answer about a step. Withdrawing consent on the current step is a
//! safety stop (the use case puts the plan on hold).

use actix_web::{put, web};
use serde::Deserialize;
use tandem_domain::plans::ConsentAnswer;
use tandem_service::consents;
use utoipa::ToSchema;

use crate::auth::Authenticated;
use crate::db;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::views::plan::MyConsent;

/// A partner's answer about a step.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentInput {
    /// `not_asked`, `yes`, `tentative_yes`, `soft_no` or `no`.
    #[schema(value_type = ConsentAnswer)]
    pub answer: String,
    /// An optional note for the clinician (never shown to the other partner).
    #[schema(example = "I'd like to go slower this week")]
    pub note: Option<String>,
}

#[utoipa::path(
    tag = "plans",
    operation_id = "setConsent",
    summary = "Give or change your own answer about a step (partners)",
    description = "The calling partner sets only their own answer. A `soft_no` or `no` on the current step of an active plan is a safety stop: the plan is put on hold at once. The other partner sees only that the plan is paused, never who paused it or why; the clinician sees who and when. Every answer is kept in the history.",
    params(
        ("plan_id" = String, Path, description = "The plan's id."),
        ("step_id" = String, Path, description = "The step's id.")
    ),
    request_body = ConsentInput,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Your answer as recorded.", body = MyConsent),
        (status = 409, response = crate::openapi::Conflict)
    )
)]
#[put("/plans/{plan_id}/steps/{step_id}/consent")]
pub async fn set_consent(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, String)>,
    body: crate::input::Json<ConsentInput>,
) -> ApiResult<web::Json<MyConsent>> {
    let (plan_id, step_id) = path.into_inner();
    let ConsentInput { answer, note } = body.into_inner();
    let r = db::call(&state, &auth, move |cx| consents::set(cx, &plan_id, &step_id, &answer, note)).await?;
    Ok(web::Json(MyConsent { answer: r.answer, note: r.note, updated_at: Some(r.updated_at) }))
}
