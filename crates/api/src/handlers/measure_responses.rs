//! Partners' answers to assigned questionnaires, scored by the server, with idempotent
//! retries (`Idempotency-Key`); clinicians acknowledge critical answers (docs/measures.md).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use tandem_service::measure_responses;
use utoipa::ToSchema;

use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::pagination::{PageParams, Paginated};
use crate::state::AppState;
use crate::views::measure::{MeasureResponse, response_view};
use crate::{db, idempotency};

/// A partner's answers, one per item in order.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMeasureResponse {
    /// One value per item, in item order, each one of that item's option values (see
    /// `listMeasures`). A missing (`null`) answer, too few or too many answers, or a
    /// value out of range is 422 naming `answers` or `answers[i]`.
    #[schema(example = json!([1, 1, 0, 2, 0, 1, 0, 0, 0]))]
    pub answers: Vec<Option<i32>>,
}

/// A clinician's acknowledgement of a critical answer.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMeasureAcknowledgement {
    /// What the clinician did (1 to 2000 characters); kept in the record.
    #[schema(example = "Called; safety plan reviewed, seen tomorrow.")]
    pub note: String,
}

#[utoipa::path(
    tag = "measures",
    operation_id = "createMeasureResponse",
    summary = "Answer a questionnaire (partners)",
    description = "Only for an open assignment that asks the caller and is due now (409 `measure_not_due` otherwise; 404 for anyone else's assignment). The server scores the answers and returns the score and band. Send an `Idempotency-Key` so a retry creates one response: the same key and body replay the first answer. A critical answer (PHQ-9 item 9 above 0) alerts the couple's clinicians by a discreet email at once (exactly once, also on replays), puts the couple first on their caseload until a clinician acknowledges it, and the answer carries the practice's crisis notice; it does not pause the plan. Nothing about it reaches the other partner.",
    params(
        ("couple_id" = String, Path, description = "The couple's id."),
        ("assignment_id" = String, Path, description = "The assignment's id."),
        ("Idempotency-Key" = Option<String>, Header, description = "A unique key per response, reused on retries.")
    ),
    request_body = NewMeasureResponse,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The scored response (or the replay of the first answer).", body = MeasureResponse),
        (status = 409, response = crate::openapi::Conflict)
    )
)]
#[post("/couples/{couple_id}/measures/{assignment_id}/responses")]
pub async fn create_response(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    path: web::Path<(String, String)>,
    body: crate::input::Json<NewMeasureResponse>,
) -> ApiResult<HttpResponse> {
    let (couple_id, assignment_id) = path.into_inner();
    let input = body.into_inner();
    let answers = input.answers.clone();
    let prepared =
        db::call(&state, &auth, move |cx| measure_responses::prepare(cx, &couple_id, &assignment_id, answers)).await?;
    let actor = auth.actor.clone();
    idempotency::run(&state, &auth, &req, "measure_response.create", &input, StatusCode::CREATED, move |conn| {
        let recorded = measure_responses::record(conn, prepared)?;
        let mut view = response_view(recorded.row, &actor);
        view.crisis_notice = recorded.crisis_notice;
        Ok(view)
    })
    .await
}

#[utoipa::path(
    tag = "measures",
    operation_id = "listMeasureResponses",
    summary = "A couple's questionnaire responses",
    description = "Newest first, cursor-paginated. A partner gets only their own responses (never the other partner's, nor whether they answered); clinicians get both partners', with critical findings and acknowledgements. Per-partner trends are in `getProgress`. Audited.",
    params(("couple_id" = String, Path, description = "The couple's id."), PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of responses.", body = Paginated<MeasureResponse>),
        (status = 422, response = crate::openapi::UnprocessableEntity)
    )
)]
#[get("/couples/{couple_id}/measure-responses")]
pub async fn list_responses(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
    query: web::Query<PageParams>,
) -> ApiResult<web::Json<Paginated<MeasureResponse>>> {
    let page = query.request()?;
    let rows = db::call(&state, &auth, move |cx| measure_responses::list(cx, &path, &page)).await?;
    Ok(web::Json(Paginated::from_page(rows, |r| Ok(response_view(r, &auth.actor)))?))
}

#[utoipa::path(
    tag = "measures",
    operation_id = "acknowledgeMeasureResponse",
    summary = "Acknowledge a critical answer (clinicians)",
    description = "A clinician of the couple records what they did; the couple's `critical_item` caseload flag clears once no critical answer is left unacknowledged. The plan is not changed: the clinician decides what follows. 409 `nothing_to_acknowledge` for a response without a critical answer or one already acknowledged.",
    params(
        ("couple_id" = String, Path, description = "The couple's id."),
        ("assignment_id" = String, Path, description = "The assignment's id."),
        ("response_id" = String, Path, description = "The response's id.")
    ),
    request_body = NewMeasureAcknowledgement,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The response with its acknowledgement.", body = MeasureResponse),
        (status = 409, response = crate::openapi::Conflict)
    )
)]
#[post("/couples/{couple_id}/measures/{assignment_id}/responses/{response_id}/acknowledgement")]
pub async fn acknowledge(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, String, String)>,
    body: crate::input::Json<NewMeasureAcknowledgement>,
) -> ApiResult<web::Json<MeasureResponse>> {
    let (couple_id, assignment_id, response_id) = path.into_inner();
    let note = body.into_inner().note;
    let row = db::call(&state, &auth, move |cx| {
        measure_responses::acknowledge(cx, &couple_id, &assignment_id, &response_id, &note)
    })
    .await?;
    Ok(web::Json(response_view(row, &auth.actor)))
}
