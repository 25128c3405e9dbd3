//! Partners' reports of attempts and daily check-ins, with idempotent retries and the
//! visibility rules between partners.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use tandem_domain::Action;
use tandem_domain::plans::{PlanStatus, StepStatus};
use tandem_domain::progression::Outcome;
use tandem_store::records::{self, CheckInRow, ReportFilter, ReportRow};
use tandem_store::{ids, plans as plan_store, time};
use utoipa::{IntoParams, ToSchema};

use crate::audit;
use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::views::record::{CheckIn, Report, Visibility, reader, report_view};

use crate::handlers::access;
use crate::input::enum_field;
use crate::pagination::{PageParams, Paginated};
use crate::state::AppState;
use crate::{db, idempotency};
use tandem_service::{review, safety};

/// Collects the problem of an enum field into `errors`.
fn enum_text<T: Copy>(
    field: &str,
    value: &str,
    all: &[T],
    as_str: fn(T) -> &'static str,
    errors: &mut Vec<FieldError>,
) -> Option<T> {
    enum_field(field, value, all, as_str).map_err(|e| errors.push(e)).ok()
}

const VISIBILITIES: [&str; 2] = [records::CLINICIAN_ONLY, records::SHARED];

fn visibility(value: &str, errors: &mut Vec<FieldError>) -> Option<&'static str> {
    enum_text("visibility", value, &VISIBILITIES, |v| v, errors)
}

fn range(field: &str, value: i32, min: i32, max: i32, errors: &mut Vec<FieldError>) {
    if !(min..=max).contains(&value) {
        errors.push(FieldError::new(field, format!("must be between {min} and {max}")));
    }
}

fn text(field: &str, value: Option<&str>, max: usize, errors: &mut Vec<FieldError>) {
    if value.is_some_and(|v| v.chars().count() > max) {
        errors.push(FieldError::new(field, format!("must be at most {max} characters")));
    }
}

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
    let ctx = access::load_plan(&state, &auth, plan_id, Action::PartnerAnswer).await?;
    let step = ctx.tree.step(&step_id).ok_or(ApiError::NotFound)?.clone();
    let input = body.into_inner();
    let now = state.clock.now();
    let mut errors = Vec::new();
    let outcome = enum_text("outcome", &input.outcome, Outcome::ALL, Outcome::as_str, &mut errors);
    let vis = visibility(&input.visibility, &mut errors);
    for (field, v, max) in [
        ("distress_before", input.distress_before, 100),
        ("distress_peak", input.distress_peak, 100),
        ("distress_after", input.distress_after, 100),
        ("comfort", input.comfort, 10),
        ("closeness", input.closeness, 10),
    ] {
        range(field, v, 0, max, &mut errors);
    }
    if input.occurred_at > now + Duration::hours(24) {
        errors.push(FieldError::new("occurred_at", "must be at most 24 hours ahead"));
    } else if input.occurred_at < now - Duration::days(30) {
        errors.push(FieldError::new("occurred_at", "must be at most 30 days back"));
    }
    if let Some(item) = &input.item_id
        && !ctx.tree.items_of(&step.id).any(|i| &i.id == item)
    {
        errors.push(FieldError::new("item_id", "is not an exercise of this step"));
    }
    text("note", input.note.as_deref(), 4000, &mut errors);
    let (Some(outcome), Some(vis), true) = (outcome, vis, errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    access::require_in_treatment(&ctx.couple)?;
    let step_active = step.status()? == StepStatus::Active
        && ctx.tree.plan.status()? == PlanStatus::Active
        && ctx.tree.plan.current_step_id.as_deref() == Some(step.id.as_str());
    if !step_active {
        return Err(ApiError::conflict(
            tandem_domain::refusal::Code::StepNotCurrent,
            "only the plan's current, active step accepts reports".into(),
        ));
    }
    let row = ReportRow {
        id: ids::new_id(),
        practice_id: ctx.couple.practice_id.clone(),
        couple_id: ctx.couple.id.clone(),
        plan_id: ctx.tree.plan.id.clone(),
        step_id: step.id.clone(),
        item_id: input.item_id.clone(),
        author_id: auth.actor.user_id.clone(),
        occurred_at: time::to_db(tandem_domain::clock::truncate(input.occurred_at)),
        outcome: outcome.as_str().to_owned(),
        distress_before: input.distress_before,
        distress_peak: input.distress_peak,
        distress_after: input.distress_after,
        comfort: input.comfort,
        closeness: input.closeness,
        boundary_crossed: input.boundary_crossed,
        note: input.note.clone().map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()),
        visibility: vis.to_owned(),
        created_at: time::to_db(now),
    };
    let event = access::event(&state, &auth, "report.create", "report", &row.id, &ctx.couple.id);
    let incident_event = access::event(&state, &auth, "incident.open", "incident", &row.id, &ctx.couple.id);
    let actor = auth.actor.clone();
    let couple = ctx.couple.clone();
    let opens_incident = row.boundary_crossed;
    let res = idempotency::run(&state, &auth, &req, "report.create", &input, StatusCode::CREATED, move |conn| {
        // The step must still be current when we commit.
        let plan = plan_store::find_plan(conn, &row.plan_id)?.ok_or(ApiError::NotFound)?;
        if plan.status()? != PlanStatus::Active || plan.current_step_id.as_deref() != Some(row.step_id.as_str()) {
            return Err(ApiError::conflict(
                tandem_domain::refusal::Code::StepNotCurrent,
                "only the plan's current, active step accepts reports".into(),
            ));
        }
        records::insert_report(conn, &row)?;
        audit::record(conn, event)?;
        if row.boundary_crossed {
            safety::open_incident(
                conn,
                &couple,
                &actor.user_id,
                "A boundary was crossed during an attempt.",
                Some(&row.id),
                now,
            )?;
            tandem_notification::outbox::alert_clinicians(conn, &couple.practice_id, &couple.id, now)?;
            audit::record(conn, incident_event)?;
        }
        if row.boundary_crossed || plan.couple_id != couple.id {
            // An incident may have put the plan on hold: read it again.
            review::refresh_summary(conn, &couple, now)?;
        } else {
            // The plan read above is the couple's running plan (active, one per couple).
            review::refresh_summary_with(conn, &couple, Some(plan), now)?;
        }
        // The practice is read only when the answer carries its crisis notice.
        let crisis = if opens_incident {
            Some(tandem_store::practices::find(conn, &couple.practice_id)?.crisis_notice)
        } else {
            None
        };
        let mut view = report_view(row, &actor);
        view.crisis_notice = crisis;
        Ok(view)
    })
    .await?;
    Ok(res)
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
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<i64>,
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
    let (couple, _) = access::load_couple(&state, &auth, path.into_inner(), Action::ReadClinical).await?;
    let q = query.into_inner();
    let page = PageParams { limit: q.limit, cursor: q.cursor }.request()?;
    let filter = ReportFilter {
        plan_id: q.plan_id,
        step_id: q.step_id,
        author_id: q.partner_id,
        from: q.from.map(time::to_db),
        to: q.to.map(time::to_db),
    };
    let r = reader(&auth.actor);
    let id = couple.id.clone();
    let rows = db::read(&state, move |conn| Ok(records::list_reports(conn, &id, &r, &filter, &page)?)).await?;
    state.audit.read_event(access::event(&state, &auth, "report.list", "report", &couple.id, &couple.id)).await;
    let actor = auth.actor.clone();
    Ok(web::Json(Paginated::from_page(rows, |r| Ok(report_view(r, &actor)))?))
}

/// A partner's daily note.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCheckIn {
    #[schema(example = "We laughed at dinner")]
    pub felt_good: String,
    #[schema(example = "A stressful day at work")]
    pub was_hard: String,
    #[schema(example = "Earlier bedtime")]
    pub to_adjust: String,
    /// Stress today, 0-10.
    #[schema(example = 4, minimum = 0, maximum = 10)]
    pub stress: i32,
    #[schema(value_type = Visibility)]
    pub visibility: String,
}

#[utoipa::path(
    tag = "reports",
    operation_id = "createCheckIn",
    summary = "Write today's check-in (partners)",
    description = "Honours `Idempotency-Key` like reports. Refused (409) for a discharged couple.",
    params(
        ("couple_id" = String, Path, description = "The couple's id."),
        ("Idempotency-Key" = Option<String>, Header, description = "A unique key per check-in, reused on retries.")
    ),
    request_body = NewCheckIn,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The check-in.", body = CheckIn),
        (status = 409, response = crate::openapi::Conflict)
    )
)]
#[post("/couples/{couple_id}/check-ins")]
pub async fn create_check_in(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    path: web::Path<String>,
    body: crate::input::Json<NewCheckIn>,
) -> ApiResult<HttpResponse> {
    let (couple, _) = access::load_couple(&state, &auth, path.into_inner(), Action::PartnerAnswer).await?;
    let input = body.into_inner();
    let mut errors = Vec::new();
    let vis = visibility(&input.visibility, &mut errors);
    range("stress", input.stress, 0, 10, &mut errors);
    for (field, v) in [("felt_good", &input.felt_good), ("was_hard", &input.was_hard), ("to_adjust", &input.to_adjust)]
    {
        text(field, Some(v), 2000, &mut errors);
    }
    let (Some(vis), true) = (vis, errors.is_empty()) else { return Err(ApiError::Validation(errors)) };
    access::require_in_treatment(&couple)?;
    let now = state.clock.now();
    let row = CheckInRow {
        id: ids::new_id(),
        practice_id: couple.practice_id.clone(),
        couple_id: couple.id.clone(),
        author_id: auth.actor.user_id.clone(),
        felt_good: input.felt_good.trim().to_owned(),
        was_hard: input.was_hard.trim().to_owned(),
        to_adjust: input.to_adjust.trim().to_owned(),
        stress: input.stress,
        visibility: vis.to_owned(),
        created_at: time::to_db(now),
    };
    let event = access::event(&state, &auth, "check_in.create", "check_in", &row.id, &couple.id);
    idempotency::run(&state, &auth, &req, "check_in.create", &input, StatusCode::CREATED, move |conn| {
        records::insert_check_in(conn, &row)?;
        audit::record(conn, event)?;
        review::refresh_summary(conn, &couple, now)?;
        Ok(CheckIn::from(row))
    })
    .await
}

#[utoipa::path(
    tag = "reports",
    operation_id = "listCheckIns",
    summary = "A couple's check-ins",
    description = "Newest first, cursor-paginated. Clinicians see all; a partner sees their own and the other partner's shared ones.",
    params(("couple_id" = String, Path, description = "The couple's id."), PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of check-ins.", body = Paginated<CheckIn>),
        (status = 422, response = crate::openapi::UnprocessableEntity)
    )
)]
#[get("/couples/{couple_id}/check-ins")]
pub async fn list_check_ins(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
    query: web::Query<PageParams>,
) -> ApiResult<web::Json<Paginated<CheckIn>>> {
    let (couple, _) = access::load_couple(&state, &auth, path.into_inner(), Action::ReadClinical).await?;
    let page = query.request()?;
    let r = reader(&auth.actor);
    let id = couple.id.clone();
    let rows = db::read(&state, move |conn| Ok(records::list_check_ins(conn, &id, &r, &page)?)).await?;
    state.audit.read_event(access::event(&state, &auth, "check_in.list", "check_in", &couple.id, &couple.id)).await;
    Ok(web::Json(Paginated::from_page(rows, |r| Ok(CheckIn::from(r)))?))
}
