//! Users: staff and clients, one login each; an email is unique within its practice.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use tandem_domain::{Actor, UserKind, UserStatus};

use crate::error::{StoreError, StoreResult};
use crate::pagination::{Page, PageRequest};
use crate::schema::users;
use crate::{AnyConnection, time};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: String,
    pub practice_id: String,
    pub email: String,
    pub display_name: String,
    pub kind: String,
    pub is_admin: bool,
    pub is_clinician: bool,
    pub status: String,
    pub password_hash: Option<String>,
    pub time_zone: String,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
    pub last_login_at: Option<chrono::NaiveDateTime>,
}

impl UserRow {
    pub fn kind(&self) -> StoreResult<UserKind> {
        UserKind::parse(&self.kind).ok_or_else(|| StoreError::Corrupt(format!("user kind {:?}", self.kind)))
    }

    pub fn status(&self) -> StoreResult<UserStatus> {
        UserStatus::parse(&self.status).ok_or_else(|| StoreError::Corrupt(format!("user status {:?}", self.status)))
    }

    pub fn actor(&self) -> StoreResult<Actor> {
        Ok(Actor {
            user_id: self.id.clone(),
            practice_id: self.practice_id.clone(),
            kind: self.kind()?,
            is_admin: self.is_admin,
            is_clinician: self.is_clinician,
        })
    }
}

/// What a new user starts with.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub id: &'a str,
    pub practice_id: &'a str,
    pub email: &'a str,
    pub display_name: &'a str,
    pub kind: UserKind,
    pub is_admin: bool,
    pub is_clinician: bool,
    pub status: UserStatus,
    pub password_hash: Option<&'a str>,
    pub time_zone: &'a str,
}

#[derive(Insertable)]
#[diesel(table_name = users)]
struct InsertUser<'a> {
    id: &'a str,
    practice_id: &'a str,
    email: &'a str,
    display_name: &'a str,
    kind: &'a str,
    is_admin: bool,
    is_clinician: bool,
    status: &'a str,
    password_hash: Option<&'a str>,
    time_zone: &'a str,
    created_at: chrono::NaiveDateTime,
    updated_at: chrono::NaiveDateTime,
}

/// Inserts a user. A taken email answers `Conflict`.
pub fn insert(conn: &mut AnyConnection, user: &NewUser<'_>, now: DateTime<Utc>) -> StoreResult<()> {
    let now = time::to_db(now);
    diesel::insert_into(users::table)
        .values(InsertUser {
            id: user.id,
            practice_id: user.practice_id,
            email: user.email,
            display_name: user.display_name,
            kind: user.kind.as_str(),
            is_admin: user.is_admin,
            is_clinician: user.is_clinician,
            status: user.status.as_str(),
            password_hash: user.password_hash,
            time_zone: user.time_zone,
            created_at: now,
            updated_at: now,
        })
        .execute(conn)
        .map_err(|e| match StoreError::from(e) {
            StoreError::Conflict(_) => StoreError::Conflict("email".into()),
            other => other,
        })?;
    Ok(())
}

/// A user by id, in any practice; callers check the practice through the policy.
pub fn find(conn: &mut AnyConnection, id: &str) -> StoreResult<Option<UserRow>> {
    Ok(users::table.find(id).select(UserRow::as_select()).first(conn).optional()?)
}

/// The most accounts one email may hold across practices that a login or reset looks at.
pub const MAX_ACCOUNTS_PER_EMAIL: i64 = 8;

/// Every account with this email, oldest first. Accounts are scoped to their practice, so
/// one person may have an account in more than one practice.
pub fn find_by_email(conn: &mut AnyConnection, email: &str) -> StoreResult<Vec<UserRow>> {
    Ok(users::table
        .filter(users::email.eq(email))
        .order(users::id.asc())
        .limit(MAX_ACCOUNTS_PER_EMAIL)
        .select(UserRow::as_select())
        .load(conn)?)
}

/// Filters for listing users.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    pub kind: Option<UserKind>,
    pub status: Option<UserStatus>,
}

/// One page of a practice's users, oldest first.
pub fn list(
    conn: &mut AnyConnection,
    practice_id: &str,
    filter: &UserFilter,
    page: &PageRequest,
) -> StoreResult<Page<UserRow>> {
    let mut query = users::table.filter(users::practice_id.eq(practice_id)).into_boxed();
    if let Some(kind) = filter.kind {
        query = query.filter(users::kind.eq(kind.as_str()));
    }
    if let Some(status) = filter.status {
        query = query.filter(users::status.eq(status.as_str()));
    }
    if let Some(after) = &page.after {
        query = query.filter(users::id.gt(after.clone()));
    }
    let rows = query.order(users::id.asc()).limit(page.fetch_limit()).select(UserRow::as_select()).load(conn)?;
    Ok(Page::from_rows(rows, page, |u| &u.id))
}

/// Changes to a user; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserChanges {
    pub display_name: Option<String>,
    pub is_admin: Option<bool>,
    pub is_clinician: Option<bool>,
    pub status: Option<String>,
    pub time_zone: Option<String>,
    pub password_hash: Option<Option<String>>,
    pub updated_at: Option<chrono::NaiveDateTime>,
    pub last_login_at: Option<Option<chrono::NaiveDateTime>>,
}

pub fn update(conn: &mut AnyConnection, id: &str, changes: &UserChanges) -> StoreResult<()> {
    let n = diesel::update(users::table.find(id)).set(changes).execute(conn)?;
    if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

/// Whether the practice would be left with no active admin if `user_id` lost the role
/// or was deactivated.
pub fn is_last_active_admin(conn: &mut AnyConnection, practice_id: &str, user_id: &str) -> StoreResult<bool> {
    let others: i64 = users::table
        .filter(users::practice_id.eq(practice_id))
        .filter(users::is_admin.eq(true))
        .filter(users::status.eq(UserStatus::Active.as_str()))
        .filter(users::id.ne(user_id))
        .count()
        .get_result(conn)?;
    Ok(others == 0)
}

/// Several users by id, in no particular order (one query for a page of couples).
pub fn find_many(conn: &mut AnyConnection, ids: &[String]) -> StoreResult<Vec<UserRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(users::table.filter(users::id.eq_any(ids)).select(UserRow::as_select()).load(conn)?)
}

/// Which of `ids` name a clinician of the practice who may be assigned to a couple
/// (staff with the clinician role, active or invited): one query for the whole list.
pub fn assignable_clinicians(conn: &mut AnyConnection, practice_id: &str, ids: &[String]) -> StoreResult<Vec<String>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(users::table
        .filter(users::id.eq_any(ids))
        .filter(users::practice_id.eq(practice_id))
        .filter(users::is_clinician.eq(true))
        .filter(users::kind.eq(UserKind::Staff.as_str()))
        .filter(users::status.ne(UserStatus::Deactivated.as_str()))
        .select(users::id)
        .load(conn)?)
}

/// Every active client (the reminder scheduler's population).
pub fn active_clients(conn: &mut AnyConnection) -> StoreResult<Vec<UserRow>> {
    Ok(users::table
        .filter(users::kind.eq(UserKind::Client.as_str()))
        .filter(users::status.eq(UserStatus::Active.as_str()))
        .order(users::id.asc())
        .select(UserRow::as_select())
        .load(conn)?)
}
