//! Partners' reports of attempts, with idempotent retries (`Idempotency-Key`) and the
//! visibility rules between partners.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tandem_service::records::{ReportFilter, time};
use tandem_service::reports;
use utoipa::{IntoParams, ToSchema};

use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::pagination::{PageParams, Paginated};
use crate::state::AppState;
use crate::views::record::{Report, Visibility, report_view};
use crate::{db, idempotency};

/// One attempt at an exercise of the current step.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReport {
    /// When it happened: at most 24 hours ahead and 30 days back.
    pub occurred_at: DateTime<Utc>,
    /// The step exercise attempted (`steps[].exercises[].id` of the plan).
    pub item_id: Option<String>,
    #[schema(value_type = tandem_domain::progression::Outcome)]
    pub outcome: String,
    /// Distress before, 0-100 (SUDS).
    #[schema(example = 30, minimum = 0, maximum = 100)]
    pub distress_before: i32,
    /// Highest distress during, 0-100.
    #[schema(example = 45, minimum = 0, maximum = 100)]
    pub distress_peak: i32,
    /// Distress after, 0-100.
    #[schema(example = 20, minimum = 0, maximum = 100)]
    pub distress_after: i32,
    /// Comfort, 0-10.
    #[schema(example = 7, minimum = 0, maximum = 10)]
    pub comfort: i32,
    /// Closeness, 0-10.
    #[schema(example = 8, minimum = 0, maximum = 10)]
    pub closeness: i32,
    /// Whether a boundary was crossed. `true` opens an incident, pauses the step and
    /// alerts the clinicians; the other partner never sees this field.
    #[serde(default)]
    pub boundary_crossed: bool,
    #[schema(example = "It felt easier than last time")]
    pub note: Option<String>,
    #[schema(value_type = Visibility)]
    pub visibility: String,
}

impl From<&NewReport> for reports::NewReport {
    fn from(r: &NewReport) -> Self {
        Self {
            occurred_at: r.occurred_at,
            item_id: r.item_id.clone(),
            outcome: r.outcome.clone(),
            distress_before: r.distress_before,
            distress_peak: r.distress_peak,
            distress_after: r.distress_after,
            comfort: r.comfort,
            closeness: r.closeness,
            boundary_crossed: r.boundary_crossed,
            note: r.note.clone(),
            visibility: r.visibility.clone(),
        }
    }
}

#[utoipa::path(
    tag = "reports",
    operation_id = "createReport",
    summary = "Report an attempt (partners)",
    description = "Only the plan's current, active step accepts reports (409 otherwise, and for a discharged couple). Send an `Idempotency-Key` header so retries on a bad network create one report: the same key and body replay the first answer, the same key with another body is 422. A report with `boundary_crossed` opens an incident, pauses the step and alerts the clinicians; the answer then carries the practice's crisis notice.",
    params(
        ("plan_id" = String, Path, description = "The plan's id."),
        ("step_id" = String, Path, description = "The current step's id."),
        ("Idempotency-Key" = Option<String>, Header, description = "A unique key per report, reused on retries.")
    ),
    request_body = NewReport,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The report (or the replay of the first answer).", body = Report),
        (status = 409, response = crate::openapi::Conflict)
    )
)]
#[post("/plans/{plan_id}/steps/{step_id}/reports")]
pub async fn create_report(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    path: web::Path<(String, String)>,
    body: crate::input::Json<NewReport>,
) -> ApiResult<HttpResponse> {
    let (plan_id, step_id) = path.into_inner();
    let input = body.into_inner();
    let report = reports::NewReport::from(&input);
    let prepared = db::call(&state, &auth, move |cx| reports::prepare_report(cx, &plan_id, &step_id, report)).await?;
    let actor = auth.actor.clone();
    idempotency::run(&state, &auth, &req, "report.create", &input, StatusCode::CREATED, move |conn| {
        let recorded = reports::record_report(conn, prepared)?;
        let mut view = report_view(recorded.row, &actor);
        view.crisis_notice = recorded.crisis_notice;
        Ok(view)
    })
    .await
}

/// Report filters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReportListParams {
    pub plan_id: Option<String>,
    pub step_id: Option<String>,
    /// Only this partner's reports.
    pub partner_id: Option<String>,
    /// Attempts at or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Attempts before this time.
    pub to: Option<DateTime<Utc>>,
    /// How many items to return, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page; omit for the first page.
    pub cursor: Option<String>,
}

#[utoipa::path(
    tag = "reports",
    operation_id = "listReports",
    summary = "A couple's reports",
    description = "Newest first, cursor-paginated, filterable by plan, step, partner and time. Clinicians see every report; a partner sees their own and the other partner's shared ones (without `boundary_crossed`). Every read is audited.",
    params(("couple_id" = String, Path, description = "The couple's id."), ReportListParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of reports.", body = Paginated<Report>),
        (status = 422, response = crate::openapi::UnprocessableEntity)
    )
)]
#[get("/couples/{couple_id}/reports")]
pub async fn list_reports(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
    query: web::Query<ReportListParams>,
) -> ApiResult<web::Json<Paginated<Report>>> {
    let q = query.into_inner();
    let page = PageParams { limit: q.limit, cursor: q.cursor }.request()?;
    let filter = ReportFilter {
        plan_id: q.plan_id,
        step_id: q.step_id,
        author_id: q.partner_id,
        from: q.from.map(time::to_db),
        to: q.to.map(time::to_db),
    };
    let rows = db::call(&state, &auth, move |cx| reports::list_reports(cx, &path, &filter, &page)).await?;
    Ok(web::Json(Paginated::from_page(rows, |r| Ok(report_view(r, &auth.actor)))?))
}
