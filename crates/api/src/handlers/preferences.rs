//! Reminder preferences (partners).

use actix_web::{get, put, web};
use chrono::NaiveTime;
use serde::{Deserialize, Serialize};
use tandem_service::preferences::{self, DAYS, Preferences, PreferencesInput};
use utoipa::ToSchema;

use crate::auth::Authenticated;
use crate::db;
use crate::error::ApiResult;
use crate::state::AppState;

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
    /// A discreet reminder when a short questionnaire is waiting. Default on (also when
    /// a PUT leaves it out).
    #[serde(default = "on")]
    #[schema(default = true, example = true)]
    pub measure_reminders: bool,
    /// A reminder an hour before each occurrence of an agreed reconnect window. Default
    /// on; may be left out when setting preferences (it then stays on).
    #[serde(default = "on")]
    #[schema(default = true, example = true)]
    pub reconnect_window: bool,
    /// IANA time zone (also the account's).
    #[schema(example = "Europe/Berlin")]
    pub time_zone: String,
    /// Local time, `HH:MM`.
    #[schema(example = "19:00")]
    pub preferred_time: String,
    /// Days for reminders: `mon` … `sun`, each at most once (a repeated day is 422).
    #[schema(value_type = Vec<tandem_domain::vocabulary::Weekday>, example = json!(["mon", "wed", "fri"]))]
    pub days: Vec<String>,
    pub quiet_hours: Option<QuietHours>,
}

const fn on() -> bool {
    true
}

fn hhmm(t: NaiveTime) -> String {
    t.format("%H:%M").to_string()
}

impl From<Preferences> for NotificationPreferences {
    fn from(p: Preferences) -> Self {
        Self {
            exercise_reminders: p.exercise_reminders,
            daily_check_in: p.daily_check_in,
            agreement_review: p.agreement_review,
            inactivity_nudge: p.inactivity_nudge,
            measure_reminders: p.measure_reminders,
            reconnect_window: p.reconnect_window,
            time_zone: p.time_zone.name().to_owned(),
            preferred_time: hhmm(p.preferred_time),
            days: p
                .days
                .iter()
                .filter_map(|d| DAYS.iter().find(|(_, w)| w == d).map(|(n, _)| (*n).to_owned()))
                .collect(),
            quiet_hours: p.quiet_hours.map(|(s, e)| QuietHours { start: hhmm(s), end: hhmm(e) }),
        }
    }
}

#[utoipa::path(
    tag = "notifications",
    operation_id = "getNotificationPreferences",
    summary = "Your reminder preferences (partners)",
    description = "Defaults until changed: exercise, check-in, agreement-review, questionnaire and reconnect-window reminders on, the inactivity nudge off, 19:00 every day, no quiet hours.",
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
    let prefs = db::call(&state, &auth, preferences::get).await?;
    Ok(web::Json(prefs.into()))
}

#[utoipa::path(
    tag = "notifications",
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
    let p = body.into_inner();
    let input = PreferencesInput {
        exercise_reminders: p.exercise_reminders,
        daily_check_in: p.daily_check_in,
        agreement_review: p.agreement_review,
        inactivity_nudge: p.inactivity_nudge,
        measure_reminders: p.measure_reminders,
        reconnect_window: p.reconnect_window,
        time_zone: p.time_zone,
        preferred_time: p.preferred_time,
        days: p.days,
        quiet_hours: p.quiet_hours.map(|q| (q.start, q.end)),
    };
    let saved = db::call(&state, &auth, move |cx| preferences::put(cx, input)).await?;
    Ok(web::Json(saved.into()))
}
