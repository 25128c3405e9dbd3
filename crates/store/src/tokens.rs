//! One-time tokens: invitations (7 days) and password resets (30 minutes). Only hashes
//! are stored; each token works once.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::error::StoreResult;
use crate::schema::{invitations, password_resets, users};
use crate::users::UserRow;
use crate::{AnyConnection, ids, time};

/// Which kind of one-time token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Invitation,
    PasswordReset,
}

/// A live one-time token and its user.
#[derive(Debug, Clone)]
pub struct OneTimeToken {
    pub id: String,
    pub expires_at: chrono::NaiveDateTime,
    pub user: UserRow,
}

/// Issues a new token for `user`, revoking (invitations) or spending (resets) any earlier
/// one so that only the newest link works.
pub fn issue(
    conn: &mut AnyConnection,
    kind: TokenKind,
    user: &UserRow,
    token_hash: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> StoreResult<String> {
    let id = ids::new_id();
    let (now, expires) = (time::to_db(now), time::to_db(expires_at));
    match kind {
        TokenKind::Invitation => {
            diesel::update(
                invitations::table
                    .filter(invitations::user_id.eq(&user.id))
                    .filter(invitations::used_at.is_null())
                    .filter(invitations::revoked_at.is_null()),
            )
            .set(invitations::revoked_at.eq(now))
            .execute(conn)?;
            diesel::insert_into(invitations::table)
                .values((
                    invitations::id.eq(&id),
                    invitations::practice_id.eq(&user.practice_id),
                    invitations::user_id.eq(&user.id),
                    invitations::token_hash.eq(token_hash),
                    invitations::created_at.eq(now),
                    invitations::expires_at.eq(expires),
                ))
                .execute(conn)?;
        }
        TokenKind::PasswordReset => {
            diesel::update(
                password_resets::table
                    .filter(password_resets::user_id.eq(&user.id))
                    .filter(password_resets::used_at.is_null()),
            )
            .set(password_resets::used_at.eq(now))
            .execute(conn)?;
            diesel::insert_into(password_resets::table)
                .values((
                    password_resets::id.eq(&id),
                    password_resets::practice_id.eq(&user.practice_id),
                    password_resets::user_id.eq(&user.id),
                    password_resets::token_hash.eq(token_hash),
                    password_resets::created_at.eq(now),
                    password_resets::expires_at.eq(expires),
                ))
                .execute(conn)?;
        }
    }
    Ok(id)
}

/// Finds an unused, unrevoked, unexpired token by hash.
pub fn find_live(
    conn: &mut AnyConnection,
    kind: TokenKind,
    token_hash: &str,
    now: DateTime<Utc>,
) -> StoreResult<Option<OneTimeToken>> {
    let now = time::to_db(now);
    let found = match kind {
        TokenKind::Invitation => invitations::table
            .inner_join(users::table)
            .filter(invitations::token_hash.eq(token_hash))
            .filter(invitations::used_at.is_null())
            .filter(invitations::revoked_at.is_null())
            .filter(invitations::expires_at.gt(now))
            .select((invitations::id, invitations::expires_at, UserRow::as_select()))
            .first::<(String, chrono::NaiveDateTime, UserRow)>(conn)
            .optional()?,
        TokenKind::PasswordReset => password_resets::table
            .inner_join(users::table)
            .filter(password_resets::token_hash.eq(token_hash))
            .filter(password_resets::used_at.is_null())
            .filter(password_resets::expires_at.gt(now))
            .select((password_resets::id, password_resets::expires_at, UserRow::as_select()))
            .first::<(String, chrono::NaiveDateTime, UserRow)>(conn)
            .optional()?,
    };
    Ok(found.map(|(id, expires_at, user)| OneTimeToken { id, expires_at, user }))
}

/// Spends a token. Returns false when a concurrent request spent it first.
pub fn spend(conn: &mut AnyConnection, kind: TokenKind, id: &str, now: DateTime<Utc>) -> StoreResult<bool> {
    let now = time::to_db(now);
    let n = match kind {
        TokenKind::Invitation => diesel::update(invitations::table.find(id).filter(invitations::used_at.is_null()))
            .set(invitations::used_at.eq(now))
            .execute(conn)?,
        TokenKind::PasswordReset => {
            diesel::update(password_resets::table.find(id).filter(password_resets::used_at.is_null()))
                .set(password_resets::used_at.eq(now))
                .execute(conn)?
        }
    };
    Ok(n == 1)
}
