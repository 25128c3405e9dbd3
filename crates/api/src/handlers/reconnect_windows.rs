//! Reconnect windows: a recurring, agreed time for closeness without performance. One
//! partner proposes, the other accepts; either calls off one occurrence or the whole
//! window without a reason, and no reader is ever told who. After each occurrence each
//! partner may leave a short check-in (idempotent, with per-entry visibility).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use tandem_domain::vocabulary::{EntryVisibility, Weekday};
use tandem_service::reconnect;
use utoipa::ToSchema;

use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::pagination::{PageParams, Paginated};
use crate::state::AppState;
use crate::views::reconnect::{ReconnectCheckIn, ReconnectWindow};
use crate::{db, idempotency};

/// A proposed reconnect window.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"weekday": "sun", "start_time": "19:00", "duration_minutes": 30, "time_zone": "Europe/Berlin"}))]
pub struct NewReconnectWindow {
    /// The day of the week it recurs.
    #[schema(value_type = Weekday, example = "sun")]
    pub weekday: String,
    /// Local start time, `HH:MM`, in `time_zone`.
    #[schema(example = "19:00")]
    pub start_time: String,
    /// How long each occurrence lasts, 10-240 minutes.
    #[schema(example = 30, minimum = 10, maximum = 240)]
    pub duration_minutes: i32,
    /// IANA time zone; left out, the proposing partner's own.
    #[schema(example = "Europe/Berlin")]
    pub time_zone: Option<String>,
}

/// What to call off.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelReconnectWindow {
    /// One occurrence to call off (its local date, as `upcoming[].date` shows it). Left
    /// out, the whole window is called off. No reason is asked.
    #[schema(example = "2026-12-06")]
    pub occurrence_date: Option<String>,
}

/// A partner's short check-in after one occurrence.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReconnectCheckIn {
    /// The occurrence's local date.
    #[schema(example = "2026-11-29")]
    pub occurrence_date: String,
    /// How close you felt, 0-10.
    #[schema(example = 7, minimum = 0, maximum = 10)]
    pub closeness: i32,
    /// How safe you felt, 0-10.
    #[schema(example = 8, minimum = 0, maximum = 10)]
    pub safety: i32,
    /// Optional, at most 2000 characters.
    #[schema(example = "Easier than last week")]
    pub note: Option<String>,
    /// `private` (you only), `clinician` (you and the clinicians) or `shared` (also your
    /// partner).
    #[schema(value_type = EntryVisibility, example = "shared")]
    pub visibility: String,
}

const COUPLE: &str = "The couple's id.";
const WINDOW: &str = "The reconnect window's id.";

#[utoipa::path(
    tag = "reconnect",
    operation_id = "proposeReconnectWindow",
    summary = "Propose a reconnect window (partners)",
    description = "A weekly time for closeness without performance, e.g. Sundays 19:00 for 30 minutes. It is `proposed` until the other partner accepts it. The time zone defaults to yours. Send an `Idempotency-Key` so a retry proposes one window. Refused (409) for a discharged couple.",
    params(
        ("couple_id" = String, Path, description = COUPLE),
        ("Idempotency-Key" = Option<String>, Header, description = "A unique key per proposal, reused on retries.")
    ),
    request_body = NewReconnectWindow,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The proposed window.", body = ReconnectWindow, example = json!({
            "id": "01936f0e-5b2a-7cc0-8a35-3f1c2d4e5f60",
            "couple_id": "01936f0e-1111-7cc0-8a35-3f1c2d4e5f60",
            "proposed_by": "01936f0e-2222-7cc0-8a35-3f1c2d4e5f60",
            "weekday": "sun",
            "start_time": "19:00",
            "duration_minutes": 30,
            "time_zone": "Europe/Berlin",
            "status": "proposed",
            "created_at": "2026-11-22T18:30:00Z",
            "accepted_at": null,
            "upcoming": [{"date": "2026-11-29", "starts_at": "2026-11-29T18:00:00Z", "off": false}]
        })),
        (status = 409, response = crate::openapi::Conflict)
    )
)]
#[post("/couples/{couple_id}/reconnect-windows")]
pub async fn propose(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    path: web::Path<String>,
    body: crate::input::Json<NewReconnectWindow>,
) -> ApiResult<HttpResponse> {
    let input = body.into_inner();
    let window = reconnect::NewWindow {
        weekday: input.weekday.clone(),
        start_time: input.start_time.clone(),
        duration_minutes: input.duration_minutes,
        time_zone: input.time_zone.clone(),
    };
    let prepared = db::call(&state, &auth, move |cx| reconnect::prepare_propose(cx, &path, window)).await?;
    idempotency::run(&state, &auth, &req, "reconnect_window.propose", &input, StatusCode::CREATED, move |conn| {
        Ok(ReconnectWindow::from(reconnect::record_propose(conn, prepared)?))
    })
    .await
}

#[utoipa::path(
    tag = "reconnect",
    operation_id = "listReconnectWindows",
    summary = "A couple's reconnect windows",
    description = "Newest first, cursor-paginated; for both partners and the couple's clinicians. Each shows its status and next occurrences with `off` flags. Nothing here (nor in the timeline or export) says who called a window or an occurrence off.",
    params(("couple_id" = String, Path, description = COUPLE), PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of windows.", body = Paginated<ReconnectWindow>),
        (status = 422, response = crate::openapi::UnprocessableEntity)
    )
)]
#[get("/couples/{couple_id}/reconnect-windows")]
pub async fn list(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
    query: web::Query<PageParams>,
) -> ApiResult<web::Json<Paginated<ReconnectWindow>>> {
    let page = query.request()?;
    let rows = db::call(&state, &auth, move |cx| reconnect::list(cx, &path, &page)).await?;
    Ok(web::Json(Paginated::from_page(rows, |w| Ok(ReconnectWindow::from(w)))?))
}

#[utoipa::path(
    tag = "reconnect",
    operation_id = "acceptReconnectWindow",
    summary = "Accept a proposed reconnect window (the other partner)",
    description = "Only the partner who did not propose it; the window is `active` from now and its reminders start. Accepting an active window again changes nothing. Refused (409) for your own proposal, a cancelled window or a discharged couple.",
    params(("couple_id" = String, Path, description = COUPLE), ("window_id" = String, Path, description = WINDOW)),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The window.", body = ReconnectWindow),
        (status = 409, response = crate::openapi::Conflict)
    )
)]
#[post("/couples/{couple_id}/reconnect-windows/{window_id}/accept")]
pub async fn accept(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, String)>,
) -> ApiResult<web::Json<ReconnectWindow>> {
    let (couple_id, window_id) = path.into_inner();
    let view = db::call(&state, &auth, move |cx| reconnect::accept(cx, &couple_id, &window_id)).await?;
    Ok(web::Json(view.into()))
}

#[utoipa::path(
    tag = "reconnect",
    operation_id = "cancelReconnectWindow",
    summary = "Call off one occurrence or the whole window (either partner)",
    description = "With `occurrence_date`, that one occurrence is off; without, the whole window is (`cancelled`). No reason is asked, and nobody is told who called it off: the other partner and the clinicians see only that it is off. Calling off again changes nothing. Refused (409) for a date that is not an occurrence, one already over, or an occurrence of a cancelled window.",
    params(("couple_id" = String, Path, description = COUPLE), ("window_id" = String, Path, description = WINDOW)),
    request_body = CancelReconnectWindow,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The window.", body = ReconnectWindow),
        (status = 409, response = crate::openapi::Conflict)
    )
)]
#[post("/couples/{couple_id}/reconnect-windows/{window_id}/cancel")]
pub async fn cancel(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, String)>,
    body: crate::input::Json<CancelReconnectWindow>,
) -> ApiResult<web::Json<ReconnectWindow>> {
    let (couple_id, window_id) = path.into_inner();
    let date = body.into_inner().occurrence_date;
    let view =
        db::call(&state, &auth, move |cx| reconnect::cancel(cx, &couple_id, &window_id, date.as_deref())).await?;
    Ok(web::Json(view.into()))
}

#[utoipa::path(
    tag = "reconnect",
    operation_id = "createReconnectCheckIn",
    summary = "Check in after an occurrence (partners)",
    description = "How close and how safe you felt (0-10), an optional note and who may read it. One per partner per occurrence, once it has ended; it then leaves your agenda (your partner's agenda does not change). A private check-in is yours alone: nothing your partner reads changes. Honours `Idempotency-Key` like reports. Refused (409) for an occurrence that was off, has not ended, is not an occurrence of the agreed window, or that you already answered.",
    params(
        ("couple_id" = String, Path, description = COUPLE),
        ("window_id" = String, Path, description = WINDOW),
        ("Idempotency-Key" = Option<String>, Header, description = "A unique key per check-in, reused on retries.")
    ),
    request_body = NewReconnectCheckIn,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The check-in.", body = ReconnectCheckIn),
        (status = 409, response = crate::openapi::Conflict)
    )
)]
#[post("/couples/{couple_id}/reconnect-windows/{window_id}/check-ins")]
pub async fn create_check_in(
    state: web::Data<AppState>,
    req: HttpRequest,
    auth: Authenticated,
    path: web::Path<(String, String)>,
    body: crate::input::Json<NewReconnectCheckIn>,
) -> ApiResult<HttpResponse> {
    let (couple_id, window_id) = path.into_inner();
    let input = body.into_inner();
    let check_in = reconnect::NewCheckIn {
        occurrence_date: input.occurrence_date.clone(),
        closeness: input.closeness,
        safety: input.safety,
        note: input.note.clone(),
        visibility: input.visibility.clone(),
    };
    let prepared =
        db::call(&state, &auth, move |cx| reconnect::prepare_check_in(cx, &couple_id, &window_id, check_in)).await?;
    idempotency::run(&state, &auth, &req, "reconnect_check_in.create", &input, StatusCode::CREATED, move |conn| {
        Ok(ReconnectCheckIn::from(reconnect::record_check_in(conn, prepared)?))
    })
    .await
}
