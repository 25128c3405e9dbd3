//! Couples: two partners (client users), one or more clinicians, a status, and the
//! per-couple summary row.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::error::{StoreError, StoreResult};
use crate::pagination::{Page, PageRequest};
use crate::schema::{couple_clinicians, couple_summaries, couples, users};
use crate::users::UserRow;
use crate::{AnyConnection, time};

/// A couple's status (the one enum of the set lives in the domain).
pub use tandem_domain::vocabulary::CoupleStatus;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = couples)]
pub struct CoupleRow {
    pub id: String,
    pub practice_id: String,
    pub label: String,
    pub status: String,
    pub partner_a_id: String,
    pub partner_b_id: String,
    pub created_by: String,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
    pub discharged_at: Option<chrono::NaiveDateTime>,
}

impl CoupleRow {
    pub fn status(&self) -> StoreResult<CoupleStatus> {
        CoupleStatus::parse(&self.status).ok_or_else(|| StoreError::Corrupt(format!("couple status {:?}", self.status)))
    }

    #[must_use]
    pub fn has_partner(&self, user_id: &str) -> bool {
        self.partner_a_id == user_id || self.partner_b_id == user_id
    }

    /// Both partners' user ids, partner A first.
    #[must_use]
    pub fn partner_ids(&self) -> [&str; 2] {
        [self.partner_a_id.as_str(), self.partner_b_id.as_str()]
    }
}

/// Inserts a couple, its first clinicians and its summary row (caller's transaction).
pub fn insert(
    conn: &mut AnyConnection,
    couple: &CoupleRow,
    clinician_ids: &[String],
    now: DateTime<Utc>,
) -> StoreResult<()> {
    diesel::insert_into(couples::table).values(couple).execute(conn)?;
    for clinician in clinician_ids {
        assign(conn, couple, clinician, &couple.created_by, now)?;
    }
    diesel::insert_into(couple_summaries::table)
        .values((
            couple_summaries::couple_id.eq(&couple.id),
            couple_summaries::practice_id.eq(&couple.practice_id),
            couple_summaries::updated_at.eq(time::to_db(now)),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut AnyConnection, id: &str) -> StoreResult<Option<CoupleRow>> {
    Ok(couples::table.find(id).select(CoupleRow::as_select()).first(conn).optional()?)
}

/// The couple a client belongs to, if any.
pub fn find_for_partner(conn: &mut AnyConnection, user_id: &str) -> StoreResult<Option<CoupleRow>> {
    Ok(couples::table
        .filter(couples::partner_a_id.eq(user_id).or(couples::partner_b_id.eq(user_id)))
        .select(CoupleRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn is_assigned(conn: &mut AnyConnection, couple_id: &str, user_id: &str) -> StoreResult<bool> {
    let n: i64 = couple_clinicians::table
        .filter(couple_clinicians::couple_id.eq(couple_id))
        .filter(couple_clinicians::user_id.eq(user_id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// The couple's clinicians, in order of assignment.
pub fn clinicians(conn: &mut AnyConnection, couple_id: &str) -> StoreResult<Vec<UserRow>> {
    Ok(couple_clinicians::table
        .inner_join(users::table)
        .filter(couple_clinicians::couple_id.eq(couple_id))
        .order(couple_clinicians::assigned_at.asc())
        .select(UserRow::as_select())
        .load(conn)?)
}

/// Clinician ids for several couples at once (one query for a page of couples).
pub fn clinician_ids_for(conn: &mut AnyConnection, couple_ids: &[String]) -> StoreResult<Vec<(String, String)>> {
    Ok(couple_clinicians::table
        .filter(couple_clinicians::couple_id.eq_any(couple_ids))
        .order((couple_clinicians::couple_id.asc(), couple_clinicians::assigned_at.asc()))
        .select((couple_clinicians::couple_id, couple_clinicians::user_id))
        .load(conn)?)
}

/// Assigns a clinician. Returns false if they were already assigned.
pub fn assign(
    conn: &mut AnyConnection,
    couple: &CoupleRow,
    user_id: &str,
    by: &str,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    if is_assigned(conn, &couple.id, user_id)? {
        return Ok(false);
    }
    diesel::insert_into(couple_clinicians::table)
        .values((
            couple_clinicians::couple_id.eq(&couple.id),
            couple_clinicians::user_id.eq(user_id),
            couple_clinicians::practice_id.eq(&couple.practice_id),
            couple_clinicians::assigned_by.eq(by),
            couple_clinicians::assigned_at.eq(time::to_db(now)),
        ))
        .execute(conn)?;
    Ok(true)
}

/// Unassigns a clinician. Returns false if they were not assigned.
pub fn unassign(conn: &mut AnyConnection, couple_id: &str, user_id: &str) -> StoreResult<bool> {
    let n = diesel::delete(
        couple_clinicians::table
            .filter(couple_clinicians::couple_id.eq(couple_id))
            .filter(couple_clinicians::user_id.eq(user_id)),
    )
    .execute(conn)?;
    Ok(n > 0)
}

pub fn clinician_count(conn: &mut AnyConnection, couple_id: &str) -> StoreResult<i64> {
    Ok(couple_clinicians::table.filter(couple_clinicians::couple_id.eq(couple_id)).count().get_result(conn)?)
}

/// Whose couples to list.
#[derive(Debug, Clone)]
pub enum Scope {
    /// Every couple of the practice (admins).
    Practice(String),
    /// Couples assigned to this clinician.
    Clinician(String),
    /// The couple of this partner.
    Partner(String),
}

/// One page of couples, oldest first.
pub fn list(
    conn: &mut AnyConnection,
    scope: &Scope,
    status: Option<CoupleStatus>,
    page: &PageRequest,
) -> StoreResult<Page<CoupleRow>> {
    let mut query = couples::table.into_boxed();
    match scope {
        Scope::Practice(practice_id) => query = query.filter(couples::practice_id.eq(practice_id.clone())),
        Scope::Clinician(user_id) => {
            let assigned = couple_clinicians::table
                .filter(couple_clinicians::user_id.eq(user_id.clone()))
                .select(couple_clinicians::couple_id);
            query = query.filter(couples::id.eq_any(assigned));
        }
        Scope::Partner(user_id) => {
            query =
                query.filter(couples::partner_a_id.eq(user_id.clone()).or(couples::partner_b_id.eq(user_id.clone())))
        }
    }
    if let Some(status) = status {
        query = query.filter(couples::status.eq(status.as_str()));
    }
    if let Some(after) = &page.after {
        query = query.filter(couples::id.gt(after.clone()));
    }
    let rows = query.order(couples::id.asc()).limit(page.fetch_limit()).select(CoupleRow::as_select()).load(conn)?;
    Ok(Page::from_rows(rows, page, |c| &c.id))
}

/// Changes to a couple; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = couples)]
pub struct CoupleChanges {
    pub label: Option<String>,
    pub status: Option<String>,
    pub discharged_at: Option<Option<chrono::NaiveDateTime>>,
    pub updated_at: Option<chrono::NaiveDateTime>,
}

pub fn update(conn: &mut AnyConnection, id: &str, changes: &CoupleChanges) -> StoreResult<()> {
    let n = diesel::update(couples::table.find(id)).set(changes).execute(conn)?;
    if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

/// Records why the couple's plan is paused (or that it is not), for the caseload.
pub fn set_pause_cause(
    conn: &mut AnyConnection,
    couple_id: &str,
    cause: Option<&str>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    diesel::update(couple_summaries::table.find(couple_id))
        .set((couple_summaries::pause_cause.eq(cause), couple_summaries::updated_at.eq(time::to_db(now))))
        .execute(conn)?;
    Ok(())
}

/// The couple's summary row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = couple_summaries)]
pub struct SummaryRow {
    pub couple_id: String,
    pub practice_id: String,
    pub open_incidents: i32,
    pub withdrawn: bool,
    pub pause_cause: Option<String>,
    pub recommendation: Option<String>,
    pub last_activity_at: Option<chrono::NaiveDateTime>,
    pub agreement_review_due_at: Option<chrono::NaiveDateTime>,
    pub updated_at: chrono::NaiveDateTime,
    pub rising_distress: bool,
    pub diverging: bool,
    /// Critical questionnaire answers not yet acknowledged.
    pub critical_items: i32,
    /// A partner's latest score on a measure is a band worse than the one before.
    pub measure_worsened: bool,
    /// When the earliest open questionnaire occurrence fell (or falls) due.
    pub measure_due_since: Option<chrono::NaiveDateTime>,
}

pub fn summary(conn: &mut AnyConnection, couple_id: &str) -> StoreResult<SummaryRow> {
    Ok(couple_summaries::table.find(couple_id).select(SummaryRow::as_select()).first(conn)?)
}

/// Changes to the summary row; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = couple_summaries)]
pub struct SummaryChanges {
    pub open_incidents: Option<i32>,
    pub withdrawn: Option<bool>,
    pub pause_cause: Option<Option<String>>,
    pub recommendation: Option<Option<String>>,
    pub last_activity_at: Option<Option<chrono::NaiveDateTime>>,
    pub agreement_review_due_at: Option<Option<chrono::NaiveDateTime>>,
    pub rising_distress: Option<bool>,
    pub diverging: Option<bool>,
    pub updated_at: Option<chrono::NaiveDateTime>,
    pub critical_items: Option<i32>,
    pub measure_worsened: Option<bool>,
    pub measure_due_since: Option<Option<chrono::NaiveDateTime>>,
}

pub fn update_summary(conn: &mut AnyConnection, couple_id: &str, changes: &SummaryChanges) -> StoreResult<()> {
    diesel::update(couple_summaries::table.find(couple_id)).set(changes).execute(conn)?;
    Ok(())
}

/// The summaries of the couples assigned to a clinician, with the couples (one query).
pub fn caseload_summaries(
    conn: &mut AnyConnection,
    clinician_id: &str,
    limit: i64,
) -> StoreResult<Vec<(CoupleRow, SummaryRow)>> {
    let assigned = couple_clinicians::table
        .filter(couple_clinicians::user_id.eq(clinician_id))
        .select(couple_clinicians::couple_id);
    Ok(couples::table
        .inner_join(couple_summaries::table)
        .filter(couples::id.eq_any(assigned))
        .filter(couples::status.eq(CoupleStatus::Active.as_str()))
        .order(couples::id.asc())
        .limit(limit)
        .select((CoupleRow::as_select(), SummaryRow::as_select()))
        .load(conn)?)
}
