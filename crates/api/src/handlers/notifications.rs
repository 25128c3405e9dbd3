//! Reminder preferences, one-click unsubscribe, and the admin's view of the outbox.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use chrono::{DateTime, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use tandem_domain::reminders::ReminderKind;
use tandem_domain::validation::check_time_zone;
use tandem_domain::{Action, Resource, UserKind};
use tandem_store::outbox::{self as store, OutboxRow};
use tandem_store::preferences::{self, PreferencesRow};
use tandem_store::users::{self, UserChanges};
use tandem_store::{ids, time};
use utoipa::{IntoParams, ToSchema};

use crate::audit::{self, Event};
use crate::auth::Authenticated;
use crate::db;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::handlers::allow;
use crate::pagination::{PageParams, Paginated};
use crate::state::AppState;
use tandem_notification::outbox::{DAYS, preferences_of};

/// Quiet hours in local time; a reminder that falls inside is skipped, not moved.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuietHours {
    #[schema(example = "22:00")]
    pub start: String,
    #[schema(example = "07:00")]
    pub end: String,
}

/// A client's reminder preferences.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationPreferences {
    /// Reminders for the current step's exercises (at most its weekly target). Default on.
    pub exercise_reminders: bool,
    /// A daily check-in reminder. Default on.
    pub daily_check_in: bool,
    /// A reminder when the safety agreement is due for review. Default on.
    pub agreement_review: bool,
    /// A nudge after 7 quiet days. Default off.
    pub inactivity_nudge: bool,
    /// IANA time zone (also the account's).
    #[schema(example = "Europe/Berlin")]
    pub time_zone: String,
    /// Local time, `HH:MM`.
    #[schema(example = "19:00")]
    pub preferred_time: String,
    /// Days for reminders: `mon` … `sun`, each at most once (a repeated day is 422).
    #[schema(example = json!(["mon", "wed", "fri"]))]
    pub days: Vec<String>,
    pub quiet_hours: Option<QuietHours>,
}

fn hhmm(t: NaiveTime) -> String {
    t.format("%H:%M").to_string()
}

fn load(conn: &mut tandem_store::AnyConnection, user_id: &str) -> ApiResult<NotificationPreferences> {
    let p = preferences_of(conn, user_id)?;
    Ok(NotificationPreferences {
        exercise_reminders: p.exercise_reminders,
        daily_check_in: p.daily_check_in,
        agreement_review: p.agreement_review,
        inactivity_nudge: p.inactivity_nudge,
        time_zone: p.time_zone.name().to_owned(),
        preferred_time: hhmm(p.preferred_time),
        days: p.days.iter().filter_map(|d| DAYS.iter().find(|(_, w)| w == d).map(|(n, _)| (*n).to_owned())).collect(),
        quiet_hours: p.quiet_hours.map(|(s, e)| QuietHours { start: hhmm(s), end: hhmm(e) }),
    })
}

fn clients_only(auth: &Authenticated) -> ApiResult<()> {
    if auth.actor.kind == UserKind::Client { Ok(()) } else { Err(ApiError::Forbidden) }
}

#[utoipa::path(
    tag = "me",
    operation_id = "getNotificationPreferences",
    summary = "Your reminder preferences (partners)",
    description = "Defaults until changed: exercise, check-in and agreement-review reminders on, the inactivity nudge off, 19:00 every day, no quiet hours.",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The preferences.", body = NotificationPreferences)
    )
)]
#[get("/me/notification-preferences")]
pub async fn get_preferences(
    state: web::Data<AppState>,
    auth: Authenticated,
) -> ApiResult<web::Json<NotificationPreferences>> {
    clients_only(&auth)?;
    let me = auth.actor.user_id.clone();
    Ok(web::Json(db::read(&state, move |conn| load(conn, &me)).await?))
}

fn parse_time(field: &str, s: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    match NaiveTime::parse_from_str(s, "%H:%M") {
        Ok(t) => Some(hhmm(t)),
        Err(_) => {
            errors.push(FieldError::new(field, "must be a local time HH:MM"));
            None
        }
    }
}

#[utoipa::path(
    tag = "me",
    operation_id = "putNotificationPreferences",
    summary = "Set your reminder preferences (partners)",
    description = "Replaces all preferences. Switching a kind off cancels reminders of that kind already queued.",
    request_body = NotificationPreferences,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The preferences as saved.", body = NotificationPreferences)
    )
)]
#[put("/me/notification-preferences")]
pub async fn put_preferences(
    state: web::Data<AppState>,
    auth: Authenticated,
    body: crate::input::Json<NotificationPreferences>,
) -> ApiResult<web::Json<NotificationPreferences>> {
    clients_only(&auth)?;
    let input = body.into_inner();
    let mut errors = Vec::new();
    if let Err(m) = check_time_zone(&input.time_zone) {
        errors.push(FieldError::new("time_zone", m));
    }
    let time = parse_time("preferred_time", &input.preferred_time, &mut errors);
    let quiet = input.quiet_hours.as_ref().map(|q| {
        (parse_time("quiet_hours.start", &q.start, &mut errors), parse_time("quiet_hours.end", &q.end, &mut errors))
    });
    let mut days = Vec::new();
    for d in &input.days {
        if DAYS.iter().any(|(n, _)| n == d) {
            if days.contains(d) {
                errors.push(FieldError::new("days", format!("{d:?} is listed twice; list each day once")));
            } else {
                days.push(d.clone());
            }
        } else {
            errors.push(FieldError::new("days", format!("{d:?} is not one of mon, tue, wed, thu, fri, sat, sun")));
        }
    }
    let Some(time) = time.filter(|_| errors.is_empty()) else { return Err(ApiError::Validation(errors)) };
    let now = state.clock.now();
    let actor = auth.actor.clone();
    let (quiet_start, quiet_end) = match quiet {
        Some((Some(s), Some(e))) => (Some(s), Some(e)),
        _ => (None, None),
    };
    let row = PreferencesRow {
        user_id: actor.user_id.clone(),
        practice_id: actor.practice_id.clone(),
        exercise_reminders: input.exercise_reminders,
        daily_check_in: input.daily_check_in,
        agreement_review: input.agreement_review,
        inactivity_nudge: input.inactivity_nudge,
        preferred_time: time,
        days: serde_json::to_string(&days).unwrap_or_else(|_| "[]".into()),
        quiet_start,
        quiet_end,
        updated_at: time::to_db(now),
    };
    let event = Event::new(&actor.practice_id, Some(&actor), "notification_preferences.update", "user", now)
        .resource(&actor.user_id)
        .request(auth.request_id.as_deref());
    let tz = input.time_zone.clone();
    let saved = db::write(&state, move |conn| {
        preferences::save(conn, &row)?;
        users::update(
            conn,
            &row.user_id,
            &UserChanges { time_zone: Some(tz), updated_at: Some(time::to_db(now)), ..UserChanges::default() },
        )?;
        let off: Vec<&str> = [
            (ReminderKind::ExerciseReminder, row.exercise_reminders),
            (ReminderKind::DailyCheckIn, row.daily_check_in),
            (ReminderKind::AgreementReview, row.agreement_review),
            (ReminderKind::InactivityNudge, row.inactivity_nudge),
        ]
        .into_iter()
        .filter(|(_, on)| !on)
        .map(|(k, _)| k.as_str())
        .collect();
        store::cancel_pending(conn, &row.user_id, &off)?;
        audit::record(conn, event)?;
        load(conn, &row.user_id)
    })
    .await?;
    Ok(web::Json(saved))
}

/// The user and reminder kinds a genuine unsubscribe token (with `?all=true` or not)
/// stands for; 404 for anything else.
fn unsubscribe_target(state: &AppState, token: &str, all: bool) -> ApiResult<(String, Vec<&'static str>, bool)> {
    let (user_id, kind) = state.signer.verify(token).ok_or(ApiError::NotFound)?;
    let all = all || kind == "all";
    let kinds: Vec<&'static str> = if all {
        ReminderKind::ALL.iter().map(|k| k.as_str()).collect()
    } else {
        vec![ReminderKind::parse(&kind).ok_or(ApiError::NotFound)?.as_str()]
    };
    Ok((user_id, kinds, all))
}

/// Switches off one reminder kind (or all) for a token's user.
async fn unsubscribe_token(state: &AppState, token: &str, all: bool) -> ApiResult<(Vec<&'static str>, bool)> {
    let (user_id, kinds, all) = unsubscribe_target(state, token, all)?;
    let now = state.clock.now();
    let chosen = kinds.clone();
    db::write(state, move |conn| {
        let user = users::find(conn, &user_id)?.ok_or(ApiError::NotFound)?;
        let mut prefs = preferences_of(conn, &user_id)?;
        for k in &chosen {
            match ReminderKind::parse(k) {
                Some(ReminderKind::ExerciseReminder) => prefs.exercise_reminders = false,
                Some(ReminderKind::DailyCheckIn) => prefs.daily_check_in = false,
                Some(ReminderKind::AgreementReview) => prefs.agreement_review = false,
                Some(ReminderKind::InactivityNudge) => prefs.inactivity_nudge = false,
                None => {}
            }
        }
        let days: Vec<String> =
            prefs.days.iter().filter_map(|d| DAYS.iter().find(|(_, w)| w == d).map(|(n, _)| (*n).to_owned())).collect();
        preferences::save(
            conn,
            &PreferencesRow {
                user_id: user.id.clone(),
                practice_id: user.practice_id.clone(),
                exercise_reminders: prefs.exercise_reminders,
                daily_check_in: prefs.daily_check_in,
                agreement_review: prefs.agreement_review,
                inactivity_nudge: prefs.inactivity_nudge,
                preferred_time: hhmm(prefs.preferred_time),
                days: serde_json::to_string(&days).unwrap_or_else(|_| "[]".into()),
                quiet_start: prefs.quiet_hours.map(|(s, _)| hhmm(s)),
                quiet_end: prefs.quiet_hours.map(|(_, e)| hhmm(e)),
                updated_at: time::to_db(now),
            },
        )?;
        store::cancel_pending(conn, &user.id, &chosen)?;
        audit::record(
            conn,
            Event::new(&user.practice_id, None, "reminders.unsubscribe", "user", now)
                .resource(&user.id)
                .actor_id(&user.id, "client"),
        )?;
        Ok(())
    })
    .await?;
    Ok((kinds, all))
}

/// Which unsubscribe.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnsubscribeParams {
    /// `true` stops every reminder kind, not only the one the link was for.
    pub all: Option<bool>,
}

/// Escapes text for an HTML attribute or element.
fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A form that POSTs the one-click unsubscribe for `token`. The action is relative to
/// `/unsubscribe/{token}`, so it works behind a proxy that serves this under a prefix.
fn unsubscribe_form(token: &str, all: bool, label: &str) -> String {
    let query = if all { "?all=true" } else { "" };
    format!(
        "<form method=\"post\" action=\"{}{query}\"><input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\"><button type=\"submit\">{label}</button></form>",
        escape_html(token)
    )
}

/// A self-contained page: no scripts, no external assets, nothing that fetches or
/// changes anything on its own.
fn html_page(title: &str, body: &str) -> HttpResponse {
    let page = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><meta name=\"robots\" content=\"noindex\"><title>{title}</title><style>body{{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;line-height:1.5}}button{{font:inherit;padding:.5rem 1rem;margin:.25rem 0}}</style></head><body><main><h1>{title}</h1>{body}</main></body></html>"
    );
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ))
        .insert_header(("X-Robots-Tag", "noindex"))
        .body(page)
}

/// Whether the caller is a browser that wants a page rather than a one-click client.
fn wants_html(req: &HttpRequest) -> bool {
    req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/html"))
}

#[utoipa::path(
    tag = "me",
    operation_id = "unsubscribeOneClick",
    summary = "One-click unsubscribe (RFC 8058)",
    description = "The target of `List-Unsubscribe` with `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (the body, if any, is ignored), and of the buttons on the confirmation page. No login: the signed token says who and which reminder kind; `?all=true` stops every reminder. This is the only way the link changes anything. Idempotent: repeating it changes nothing more. Answers plain text, or a small HTML page when the caller accepts `text/html` (a browser submitting the page's form).",
    params(("token" = String, Path, description = "The signed token from the link."), UnsubscribeParams),
    responses(
        (status = 200, description = "Unsubscribed.", content(
            (String = "text/plain", example = "Unsubscribed from: daily_check_in\n"),
            (String = "text/html")
        ))
    )
)]
#[post("/unsubscribe/{token}")]
pub async fn unsubscribe_post(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<UnsubscribeParams>,
) -> ApiResult<HttpResponse> {
    let token = path.into_inner();
    let (kinds, all) = unsubscribe_token(&state, &token, query.all.unwrap_or(false)).await?;
    if !wants_html(&req) {
        return Ok(HttpResponse::Ok()
            .content_type("text/plain; charset=utf-8")
            .body(format!("Unsubscribed from: {}\n", kinds.join(", "))));
    }
    let body = if all {
        "<p>You will receive no more reminder emails. You can turn them back on any time in the app.</p>".to_owned()
    } else {
        format!(
            "<p>You will not get this kind of reminder email any more. You can change this any time in the app.</p>{}",
            unsubscribe_form(&token, true, "Stop all reminders")
        )
    };
    Ok(html_page("Unsubscribed", &body))
}

#[utoipa::path(
    tag = "me",
    operation_id = "unsubscribePage",
    summary = "Unsubscribe confirmation page",
    description = "For people who open the link in a browser, and for mail scanners that fetch every link: it changes nothing. It shows a button that unsubscribes from this reminder kind and one that stops all reminders; both POST to this path. Works without login.",
    params(("token" = String, Path, description = "The signed token from the link."), UnsubscribeParams),
    responses(
        (status = 200, description = "A self-contained HTML page with the buttons.", body = String, content_type = "text/html")
    )
)]
#[get("/unsubscribe/{token}")]
pub async fn unsubscribe_page(
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<UnsubscribeParams>,
) -> ApiResult<HttpResponse> {
    let token = path.into_inner();
    let (_, _, all) = unsubscribe_target(&state, &token, query.all.unwrap_or(false))?;
    let body = if all {
        format!(
            "<p>Stop all reminder emails? You can turn them back on any time in the app.</p>{}",
            unsubscribe_form(&token, true, "Stop all reminders")
        )
    } else {
        format!(
            "<p>Stop this kind of reminder email? You can change this any time in the app.</p>{}<p>Or stop every reminder email:</p>{}",
            unsubscribe_form(&token, false, "Unsubscribe"),
            unsubscribe_form(&token, true, "Stop all reminders")
        )
    };
    Ok(html_page("Reminder emails", &body))
}

/// An outbox message, without its content.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxMessage {
    pub id: String,
    /// `invitation`, `password_reset`, `clinician_alert` or a reminder kind.
    pub kind: String,
    pub user_id: Option<String>,
    #[schema(value_type = tandem_domain::vocabulary::OutboxStatus)]
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub next_attempt_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

impl From<OutboxRow> for OutboxMessage {
    fn from(r: OutboxRow) -> Self {
        Self {
            id: r.id,
            kind: r.kind,
            user_id: r.user_id,
            status: r.status,
            attempts: r.attempts,
            last_error: r.last_error,
            next_attempt_at: time::from_db(r.next_attempt_at),
            created_at: time::from_db(r.created_at),
            sent_at: r.sent_at.map(time::from_db),
        }
    }
}

/// Outbox filters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OutboxParams {
    /// Only messages in this state, e.g. `dead`.
    pub status: Option<String>,
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[utoipa::path(
    tag = "users",
    operation_id = "listOutbox",
    summary = "Email delivery status (admins)",
    description = "Newest first: kind, status, attempts and the last error. No addresses or bodies.",
    params(OutboxParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of messages.", body = Paginated<OutboxMessage>),
        (status = 422, response = crate::openapi::UnprocessableEntity)
    )
)]
#[get("/outbox")]
pub async fn list_outbox(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: web::Query<OutboxParams>,
) -> ApiResult<web::Json<Paginated<OutboxMessage>>> {
    allow(&auth.actor, Action::ReadAuditLog, &Resource::Practice { practice_id: &auth.actor.practice_id })?;
    let q = query.into_inner();
    let page = PageParams { limit: q.limit, cursor: q.cursor }.request()?;
    let practice = auth.actor.practice_id.clone();
    let rows = db::read(&state, move |conn| Ok(store::list(conn, &practice, q.status.as_deref(), &page)?)).await?;
    Ok(web::Json(Paginated::from_page(rows, |r| Ok(OutboxMessage::from(r)))?))
}

#[utoipa::path(
    tag = "users",
    operation_id = "retryOutboxMessage",
    summary = "Send a dead or cancelled message again (admins)",
    description = "Puts the message back in the queue with a fresh attempt count. 409 unless it is dead or cancelled.",
    params(("id" = String, Path, description = "The message id.")),
    security(("bearer" = [])),
    responses(
        (status = 202, description = "Queued again."),
        (status = 409, response = crate::openapi::Conflict)
    )
)]
#[post("/outbox/{id}/retry")]
pub async fn retry_outbox(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    allow(&auth.actor, Action::ReadAuditLog, &Resource::Practice { practice_id: &auth.actor.practice_id })?;
    let id = path.into_inner();
    if !ids::is_valid(&id) {
        return Err(ApiError::NotFound);
    }
    let practice = auth.actor.practice_id.clone();
    let now = state.clock.now();
    let event = Event::new(&practice, Some(&auth.actor), "outbox.retry", "outbox", now)
        .resource(&id)
        .request(auth.request_id.as_deref());
    db::write(&state, move |conn| {
        let row = store::find(conn, &id)?.filter(|r| r.practice_id == practice).ok_or(ApiError::NotFound)?;
        if !store::requeue(conn, &row.id, now)? {
            return Err(ApiError::conflict(
                tandem_domain::refusal::Code::NotRetryable,
                format!("only dead or cancelled messages can be retried; this one is {}", row.status),
            ));
        }
        audit::record(conn, event)?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::Accepted().finish())
}
