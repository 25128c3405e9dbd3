//! Reconnect windows and their check-ins as readers see them: the window's own routes,
//! the agenda, the timeline, the export and the progress view. Nothing here says who
//! called a window or an occurrence off.

use chrono::{DateTime, Utc};
use serde::Serialize;
use tandem_domain::reconnect::WindowStatus;
use tandem_domain::vocabulary::{EntryVisibility, Weekday};
use tandem_service::reconnect::{CheckInDue, CheckInRow, PartnerFigures, WindowRow, WindowView};
use tandem_service::records::time;
use utoipa::ToSchema;

/// One occurrence of a window.
#[derive(Debug, Serialize, ToSchema)]
pub struct Occurrence {
    /// The local date in the window's time zone; the value to send as `occurrence_date`.
    #[schema(example = "2026-11-29")]
    pub date: String,
    /// When it starts (clock changes follow the reminder rules).
    #[schema(example = "2026-11-29T18:00:00Z")]
    pub starts_at: DateTime<Utc>,
    /// The occurrence is off: called off by a partner (never saying which) or the whole
    /// window was.
    #[schema(example = false)]
    pub off: bool,
}

/// A recurring, agreed time for closeness without performance.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "01936f0e-5b2a-7cc0-8a35-3f1c2d4e5f60",
    "couple_id": "01936f0e-1111-7cc0-8a35-3f1c2d4e5f60",
    "proposed_by": "01936f0e-2222-7cc0-8a35-3f1c2d4e5f60",
    "weekday": "sun",
    "start_time": "19:00",
    "duration_minutes": 30,
    "time_zone": "Europe/Berlin",
    "status": "active",
    "created_at": "2026-11-22T18:30:00Z",
    "accepted_at": "2026-11-23T08:10:00Z",
    "upcoming": [
        {"date": "2026-11-29", "starts_at": "2026-11-29T18:00:00Z", "off": false},
        {"date": "2026-12-06", "starts_at": "2026-12-06T18:00:00Z", "off": true}
    ]
}))]
pub struct ReconnectWindow {
    #[schema(example = "01936f0e-5b2a-7cc0-8a35-3f1c2d4e5f60")]
    pub id: String,
    #[schema(example = "01936f0e-1111-7cc0-8a35-3f1c2d4e5f60")]
    pub couple_id: String,
    /// The partner who proposed it; the other partner accepts it.
    #[schema(example = "01936f0e-2222-7cc0-8a35-3f1c2d4e5f60")]
    pub proposed_by: String,
    #[schema(value_type = Weekday, example = "sun")]
    pub weekday: String,
    /// Local start time, `HH:MM`, in `time_zone`.
    #[schema(example = "19:00")]
    pub start_time: String,
    #[schema(example = 30, minimum = 10, maximum = 240)]
    pub duration_minutes: i32,
    /// IANA time zone the window keeps.
    #[schema(example = "Europe/Berlin")]
    pub time_zone: String,
    #[schema(value_type = WindowStatus, example = "active")]
    pub status: String,
    pub created_at: DateTime<Utc>,
    /// When the other partner accepted (`null` while proposed).
    pub accepted_at: Option<DateTime<Utc>>,
    /// The next occurrences that have not ended (one in progress first), with whether each
    /// is off.
    pub upcoming: Vec<Occurrence>,
}

fn window(row: WindowRow) -> ReconnectWindow {
    ReconnectWindow {
        id: row.id,
        couple_id: row.couple_id,
        proposed_by: row.proposed_by,
        weekday: row.weekday,
        start_time: row.start_time,
        duration_minutes: row.duration_minutes,
        time_zone: row.time_zone,
        status: row.status,
        created_at: time::from_db(row.created_at),
        accepted_at: row.accepted_at.map(time::from_db),
        upcoming: Vec::new(),
    }
}

impl From<WindowView> for ReconnectWindow {
    fn from(v: WindowView) -> Self {
        let upcoming = v
            .upcoming
            .into_iter()
            .map(|(date, starts_at, off)| Occurrence { date: date.to_string(), starts_at, off })
            .collect();
        Self { upcoming, ..window(v.row) }
    }
}

/// A window in the export: its schedule, status and the occurrences called off (never by
/// whom).
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportedReconnectWindow {
    #[serde(flatten)]
    pub window: ReconnectWindow,
    /// When the whole window was called off.
    pub cancelled_at: Option<DateTime<Utc>>,
    /// Local dates of single occurrences called off, oldest first.
    #[schema(example = json!(["2026-12-06"]))]
    pub off_dates: Vec<String>,
}

impl ExportedReconnectWindow {
    #[must_use]
    pub fn of(row: WindowRow, off_dates: Vec<String>) -> Self {
        let cancelled_at = row.cancelled_at.map(time::from_db);
        Self { window: window(row), cancelled_at, off_dates }
    }
}

/// A partner's short check-in after one occurrence of a reconnect window.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReconnectCheckIn {
    #[schema(example = "01936f0e-3333-7cc0-8a35-3f1c2d4e5f60")]
    pub id: String,
    #[schema(example = "01936f0e-1111-7cc0-8a35-3f1c2d4e5f60")]
    pub couple_id: String,
    #[schema(example = "01936f0e-5b2a-7cc0-8a35-3f1c2d4e5f60")]
    pub window_id: String,
    /// The occurrence's local date.
    #[schema(example = "2026-11-29")]
    pub occurrence_date: String,
    #[schema(example = "01936f0e-2222-7cc0-8a35-3f1c2d4e5f60")]
    pub author_id: String,
    /// How close the partner felt, 0-10.
    #[schema(example = 7, minimum = 0, maximum = 10)]
    pub closeness: i32,
    /// How safe the partner felt, 0-10.
    #[schema(example = 8, minimum = 0, maximum = 10)]
    pub safety: i32,
    #[schema(example = "Easier than last week")]
    pub note: Option<String>,
    #[schema(value_type = EntryVisibility, example = "shared")]
    pub visibility: String,
    pub created_at: DateTime<Utc>,
}

impl From<CheckInRow> for ReconnectCheckIn {
    fn from(r: CheckInRow) -> Self {
        Self {
            id: r.id,
            couple_id: r.couple_id,
            window_id: r.window_id,
            occurrence_date: r.occurrence_date,
            author_id: r.author_id,
            closeness: r.closeness,
            safety: r.safety,
            note: r.note,
            visibility: r.visibility,
            created_at: time::from_db(r.created_at),
        }
    }
}

/// An occurrence waiting for the caller's own check-in.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReconnectCheckInDue {
    #[schema(example = "01936f0e-5b2a-7cc0-8a35-3f1c2d4e5f60")]
    pub window_id: String,
    #[schema(example = "2026-11-29")]
    pub occurrence_date: String,
}

impl From<CheckInDue> for ReconnectCheckInDue {
    fn from(d: CheckInDue) -> Self {
        Self { window_id: d.window_id, occurrence_date: d.occurrence_date.to_string() }
    }
}

/// One partner's reconnect check-ins, as far as the caller may see them (clinicians:
/// clinician and shared ones, never private).
#[derive(Debug, Serialize, ToSchema)]
pub struct ReconnectProgress {
    #[schema(example = "01936f0e-2222-7cc0-8a35-3f1c2d4e5f60")]
    pub partner_id: String,
    #[schema(example = 3)]
    pub check_ins: usize,
    #[schema(example = 6.5)]
    pub closeness_mean: Option<f64>,
    #[schema(example = 7.0)]
    pub safety_mean: Option<f64>,
    #[schema(example = 7)]
    pub closeness_last: Option<i32>,
    #[schema(example = 8)]
    pub safety_last: Option<i32>,
}

impl From<PartnerFigures> for ReconnectProgress {
    fn from(f: PartnerFigures) -> Self {
        Self {
            partner_id: f.partner_id,
            check_ins: f.check_ins,
            closeness_mean: f.closeness_mean,
            safety_mean: f.safety_mean,
            closeness_last: f.closeness_last,
            safety_last: f.safety_last,
        }
    }
}
