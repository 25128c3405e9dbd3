//! Refresh-token sessions. A sign-in starts a family; each refresh rotates to a new
//! token in the same family. Only token hashes are stored.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::error::{StoreError, StoreResult};
use crate::schema::{refresh_tokens, session_families, users};
use crate::users::UserRow;
use crate::{AnyConnection, ids, time};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = session_families)]
pub struct FamilyRow {
    pub id: String,
    pub practice_id: String,
    pub user_id: String,
    pub created_at: chrono::NaiveDateTime,
    pub last_used_at: chrono::NaiveDateTime,
    pub expires_at: chrono::NaiveDateTime,
    pub revoked_at: Option<chrono::NaiveDateTime>,
    pub revoked_reason: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = refresh_tokens)]
pub struct TokenRow {
    pub id: String,
    pub practice_id: String,
    pub family_id: String,
    pub token_hash: String,
    pub issued_at: chrono::NaiveDateTime,
    pub rotated_at: Option<chrono::NaiveDateTime>,
}

/// Why a family was revoked; stored for the audit trail and support questions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevokeReason {
    Logout,
    Reuse,
    Idle,
    Deactivated,
    PasswordReset,
}

impl RevokeReason {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Logout => "logout",
            Self::Reuse => "reuse",
            Self::Idle => "idle",
            Self::Deactivated => "deactivated",
            Self::PasswordReset => "password_reset",
        }
    }
}

/// Starts a family with its first token; returns the token row's id.
pub fn start_family(
    conn: &mut AnyConnection,
    family_id: &str,
    user: &UserRow,
    token_hash: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> StoreResult<String> {
    diesel::insert_into(session_families::table)
        .values((
            session_families::id.eq(family_id),
            session_families::practice_id.eq(&user.practice_id),
            session_families::user_id.eq(&user.id),
            session_families::created_at.eq(time::to_db(now)),
            session_families::last_used_at.eq(time::to_db(now)),
            session_families::expires_at.eq(time::to_db(expires_at)),
        ))
        .execute(conn)?;
    insert_token(conn, &user.practice_id, family_id, token_hash, now)
}

fn insert_token(
    conn: &mut AnyConnection,
    practice_id: &str,
    family_id: &str,
    token_hash: &str,
    now: DateTime<Utc>,
) -> StoreResult<String> {
    let id = ids::new_id();
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::id.eq(&id),
            refresh_tokens::practice_id.eq(practice_id),
            refresh_tokens::family_id.eq(family_id),
            refresh_tokens::token_hash.eq(token_hash),
            refresh_tokens::issued_at.eq(time::to_db(now)),
        ))
        .execute(conn)?;
    Ok(id)
}

/// A token by its hash, with its family and the family's user.
pub fn find_by_hash(conn: &mut AnyConnection, token_hash: &str) -> StoreResult<Option<(TokenRow, FamilyRow, UserRow)>> {
    Ok(refresh_tokens::table
        .inner_join(session_families::table.inner_join(users::table))
        .filter(refresh_tokens::token_hash.eq(token_hash))
        .select((TokenRow::as_select(), FamilyRow::as_select(), UserRow::as_select()))
        .first(conn)
        .optional()?)
}

/// Marks `token` rotated and issues its successor. Returns `Ok(None)` when another
/// request rotated it first (the caller then treats this one as a retry or a reuse).
pub fn rotate(
    conn: &mut AnyConnection,
    token: &TokenRow,
    successor_hash: &str,
    now: DateTime<Utc>,
) -> StoreResult<Option<String>> {
    let n = diesel::update(refresh_tokens::table.find(&token.id).filter(refresh_tokens::rotated_at.is_null()))
        .set(refresh_tokens::rotated_at.eq(time::to_db(now)))
        .execute(conn)?;
    if n == 0 {
        return Ok(None);
    }
    let id = insert_token(conn, &token.practice_id, &token.family_id, successor_hash, now)?;
    diesel::update(session_families::table.find(&token.family_id))
        .set(session_families::last_used_at.eq(time::to_db(now)))
        .execute(conn)?;
    Ok(Some(id))
}

/// Revokes one family (logout, reuse, idle expiry).
pub fn revoke_family(
    conn: &mut AnyConnection,
    family_id: &str,
    reason: RevokeReason,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    diesel::update(session_families::table.find(family_id).filter(session_families::revoked_at.is_null()))
        .set((session_families::revoked_at.eq(time::to_db(now)), session_families::revoked_reason.eq(reason.as_str())))
        .execute(conn)?;
    // Every replica's session cache drops it at commit (PostgreSQL; nothing on SQLite).
    crate::shared::announce(conn, &crate::shared::Revocation::Family(family_id.to_owned()))?;
    Ok(())
}

/// Revokes every live family of a user (deactivation, password reset).
pub fn revoke_all_for_user(
    conn: &mut AnyConnection,
    user_id: &str,
    reason: RevokeReason,
    now: DateTime<Utc>,
) -> StoreResult<usize> {
    let n = diesel::update(
        session_families::table
            .filter(session_families::user_id.eq(user_id))
            .filter(session_families::revoked_at.is_null()),
    )
    .set((session_families::revoked_at.eq(time::to_db(now)), session_families::revoked_reason.eq(reason.as_str())))
    .execute(conn)?;
    // Every replica's session cache drops the user at commit (PostgreSQL only).
    crate::shared::announce(conn, &crate::shared::Revocation::User(user_id.to_owned()))?;
    Ok(n)
}

/// What every authenticated request needs to know: the family is live and its user
/// active. One indexed join by primary key.
pub fn family_with_user(conn: &mut AnyConnection, family_id: &str) -> StoreResult<(FamilyRow, UserRow)> {
    session_families::table
        .inner_join(users::table)
        .filter(session_families::id.eq(family_id))
        .select((FamilyRow::as_select(), UserRow::as_select()))
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound)
}
