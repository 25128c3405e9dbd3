//! Clients' reminder preferences. A missing row means the defaults.

use diesel::prelude::*;

use crate::AnyConnection;
use crate::error::StoreResult;
use crate::schema::notification_preferences;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = notification_preferences)]
#[diesel(treat_none_as_null = true)]
pub struct PreferencesRow {
    pub user_id: String,
    pub practice_id: String,
    pub exercise_reminders: bool,
    pub daily_check_in: bool,
    pub agreement_review: bool,
    pub inactivity_nudge: bool,
    /// `HH:MM`.
    pub preferred_time: String,
    /// JSON array of `mon`…`sun`.
    pub days: String,
    pub quiet_start: Option<String>,
    pub quiet_end: Option<String>,
    pub updated_at: chrono::NaiveDateTime,
    /// "A short questionnaire is waiting" reminders.
    pub measure_reminders: bool,
    /// Reminders before each occurrence of an agreed reconnect window.
    pub reconnect_window: bool,
}

pub fn find(conn: &mut AnyConnection, user_id: &str) -> StoreResult<Option<PreferencesRow>> {
    Ok(notification_preferences::table.find(user_id).select(PreferencesRow::as_select()).first(conn).optional()?)
}

/// Inserts or replaces a user's preferences.
pub fn save(conn: &mut AnyConnection, row: &PreferencesRow) -> StoreResult<()> {
    let n = diesel::update(notification_preferences::table.find(&row.user_id)).set(row).execute(conn)?;
    if n == 0 {
        diesel::insert_into(notification_preferences::table).values(row).execute(conn)?;
    }
    Ok(())
}

/// Every stored preference row (the scheduler joins them with users).
pub fn all(conn: &mut AnyConnection) -> StoreResult<Vec<PreferencesRow>> {
    Ok(notification_preferences::table.select(PreferencesRow::as_select()).load(conn)?)
}
