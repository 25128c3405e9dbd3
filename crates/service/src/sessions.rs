//! Sessions: sign-in, refresh-token rotation, sign-out, and the check that an access
//! token's session is still live. A sign-in starts a session family; each refresh rotates
//! to a new opaque token in it. Signing access tokens and hashing passwords stay at the
//! edge that holds the keys; what a refresh does is `domain`'s
//! ([`tandem_domain::lifetimes::refresh_verdict`]).

use chrono::{DateTime, Utc};
use tandem_domain::lifetimes::{RefreshFacts, RefreshVerdict, refresh_verdict, session_limits};
use tandem_domain::validation::normalize_email;
use tandem_domain::{Actor, UserStatus};
use tandem_store::sessions::{self, RevokeReason};
use tandem_store::users::{self, UserChanges, UserRow};
use tandem_store::{AnyConnection, StoreError, ids, practices, time};

/// Revocations every replica applies, and the listener that hears them (PostgreSQL).
pub use tandem_store::shared::{LISTEN_PING, LISTEN_POLL, Listener, Revocation};

use crate::audit::{self, Event, Outcome};
use crate::context::{Ctx, Env};
use crate::error::{Error, Result};
use crate::tokens;

/// The one answer to every failed sign-in, so it reveals nothing.
pub const BAD_CREDENTIALS: &str = "the email or password is incorrect";

/// The opaque reference under which a session appears in the audit log (a keyed hash of
/// its id; the edge holds the key).
pub type SessionRef<'a> = &'a (dyn Fn(&str) -> String + Sync);

/// A session's new token pair, server side: the edge signs the access token from it.
#[derive(Debug, Clone)]
pub struct Issued {
    pub user_id: String,
    pub family_id: String,
    /// The refresh-token row the access token is issued with.
    pub jti: String,
    pub refresh_token: String,
    pub issued_at: DateTime<Utc>,
    pub session_expires_at: DateTime<Utc>,
}

/// Starts a session family for `user` inside the caller's transaction.
pub(crate) fn start(conn: &mut AnyConnection, user: &UserRow, now: DateTime<Utc>) -> Result<Issued> {
    let limits = session_limits(user.kind()?);
    let family_id = ids::new_id();
    let refresh_token = tokens::generate();
    let session_expires_at = now + limits.absolute;
    let jti = sessions::start_family(conn, &family_id, user, &tokens::hash(&refresh_token), now, session_expires_at)?;
    users::update(
        conn,
        &user.id,
        &UserChanges { last_login_at: Some(Some(time::to_db(now))), ..UserChanges::default() },
    )?;
    Ok(Issued { user_id: user.id.clone(), family_id, jti, refresh_token, issued_at: now, session_expires_at })
}

/// The accounts a sign-in may open, for the edge to check the password against each.
#[derive(Debug, Clone)]
pub struct Accounts(Vec<UserRow>);

impl Accounts {
    /// Each account's stored password hash, in order (empty: none has this email).
    #[must_use]
    pub fn password_hashes(&self) -> Vec<Option<String>> {
        self.0.iter().map(|u| u.password_hash.clone()).collect()
    }
}

/// The accounts with this email (in `practice_id` only, when given). A malformed email
/// has none.
pub fn accounts(env: &Env, email: &str, practice_id: Option<String>) -> Result<Accounts> {
    let Ok(email) = normalize_email(email) else {
        return Ok(Accounts(Vec::new()));
    };
    let found = env.read(|conn| Ok(users::find_by_email(conn, &email)?))?;
    Ok(Accounts(found.into_iter().filter(|u| practice_id.as_ref().is_none_or(|p| *p == u.practice_id)).collect()))
}

/// Signs in to the one active account whose password matched (`verified`, in the order
/// of [`Accounts::password_hashes`]). Failed attempts on a known account are audited in
/// its practice through the read queue, so a failure costs no write lock.
pub fn login(env: &Env, accounts: Accounts, verified: &[bool], session_ref: SessionRef<'_>) -> Result<Issued> {
    let mut signable = Vec::new();
    for (user, ok) in accounts.0.into_iter().zip(verified) {
        if *ok && user.status()? == UserStatus::Active {
            signable.push(user);
        } else {
            let event = Event::new(&user.practice_id, None, "auth.login", "session", env.now)
                .actor_id(&user.id, user.actor()?.primary_role().as_str())
                .outcome(Outcome::Failure)
                .request(env.request_id.as_deref());
            env.audit_read(event);
        }
    }
    let user = match signable.len() {
        0 => {
            tracing::info!("login failed");
            return Err(Error::Unauthorized(BAD_CREDENTIALS));
        }
        1 => signable.remove(0),
        _ => return Err(choose_practice(env, &signable)?),
    };
    env.write(|conn| {
        let issued = start(conn, &user, env.now)?;
        let actor = user.actor()?;
        audit::record(
            conn,
            Event::new(&user.practice_id, Some(&actor), "auth.login", "session", env.now)
                .resource(&session_ref(&issued.family_id))
                .request(env.request_id.as_deref()),
        )?;
        Ok(issued)
    })
}

/// The answer when one email and password open accounts in several practices: the caller
/// proved the password for each, so naming those practices reveals nothing new.
fn choose_practice(env: &Env, accounts: &[UserRow]) -> Result<Error> {
    let names = env.read(|conn| {
        let mut names = Vec::new();
        for u in accounts {
            let practice = practices::find(conn, &u.practice_id)?;
            names.push(format!("{} ({})", practice.name, u.practice_id));
        }
        Ok(names)
    })?;
    Ok(Error::invalid(
        "practice_id",
        format!("this email has accounts in several practices; send practice_id, one of: {}", names.join(", ")),
    ))
}

/// What a refresh came to.
#[derive(Debug, Clone)]
pub enum Refreshed {
    Issued(Issued),
    /// Unknown, or of a session already ended (its family, to forget at the edge too).
    Invalid(Option<String>),
    /// The session (this family) was idle too long and is now revoked.
    Idle(String),
    /// An old token came back: the session (this family) is now revoked.
    Reused(String),
}

/// Exchanges a refresh token for its successor. The successor is derived from the
/// presented token under the edge's key (`successor_keys`, active first), so a retry
/// within the grace window gets the very same pair, even across a key rotation.
pub fn refresh(
    env: &Env,
    presented: &str,
    successor_keys: &[[u8; 32]],
    session_ref: SessionRef<'_>,
) -> Result<Refreshed> {
    let hash = tokens::hash(presented);
    let successors: Vec<String> = successor_keys.iter().map(|key| tokens::successor(key, presented)).collect();
    let successor = successors.first().cloned().unwrap_or_else(tokens::generate);
    let successor_hash = tokens::hash(&successor);
    let now = env.now;
    env.write(|conn| {
        let Some((token, family, user)) = sessions::find_by_hash(conn, &hash)? else {
            return Ok(Refreshed::Invalid(None));
        };
        let facts = RefreshFacts {
            now,
            revoked: family.revoked_at.is_some(),
            expires_at: time::from_db(family.expires_at),
            user_active: user.status()? == UserStatus::Active,
            last_used_at: time::from_db(family.last_used_at),
            limits: session_limits(user.kind()?),
            rotated_at: token.rotated_at.map(time::from_db),
        };
        let issued = |jti: String, issued_at: DateTime<Utc>, refresh_token: &str| Issued {
            user_id: user.id.clone(),
            family_id: family.id.clone(),
            jti,
            refresh_token: refresh_token.to_owned(),
            issued_at,
            session_expires_at: facts.expires_at,
        };
        let replay = match refresh_verdict(&facts) {
            RefreshVerdict::Ended => return Ok(Refreshed::Invalid(Some(family.id))),
            RefreshVerdict::Inactive => return Ok(Refreshed::Invalid(None)),
            RefreshVerdict::Idle => {
                sessions::revoke_family(conn, &family.id, RevokeReason::Idle, now)?;
                return Ok(Refreshed::Idle(family.id));
            }
            RefreshVerdict::Rotate => match sessions::rotate(conn, &token, &successor_hash, now)? {
                Some(jti) => return Ok(Refreshed::Issued(issued(jti, now, &successor))),
                // A concurrent request rotated it a moment ago: treat as a retry.
                None => true,
            },
            RefreshVerdict::Replay => true,
            RefreshVerdict::Reuse => false,
        };
        if replay {
            for candidate in &successors {
                if let Some((next, _, _)) = sessions::find_by_hash(conn, &tokens::hash(candidate))?
                    && next.family_id == family.id
                    && next.rotated_at.is_none()
                {
                    return Ok(Refreshed::Issued(issued(next.id, time::from_db(next.issued_at), candidate)));
                }
            }
        }
        sessions::revoke_family(conn, &family.id, RevokeReason::Reuse, now)?;
        let actor = user.actor()?;
        audit::record(
            conn,
            Event::new(&user.practice_id, Some(&actor), "auth.refresh_reuse", "session", now)
                .resource(&session_ref(&family.id))
                .outcome(Outcome::Denied)
                .request(env.request_id.as_deref()),
        )?;
        Ok(Refreshed::Reused(family.id))
    })
}

/// Ends the session a refresh token belongs to; returns its family (to forget at the
/// edge), or `None` for an unknown token.
pub fn logout(env: &Env, refresh_token: &str, session_ref: SessionRef<'_>) -> Result<Option<String>> {
    let hash = tokens::hash(refresh_token);
    env.write(|conn| {
        let Some((_, family, user)) = sessions::find_by_hash(conn, &hash)? else {
            return Ok(None);
        };
        if family.revoked_at.is_none() {
            sessions::revoke_family(conn, &family.id, RevokeReason::Logout, env.now)?;
            let actor = user.actor()?;
            audit::record(
                conn,
                Event::new(&user.practice_id, Some(&actor), "auth.logout", "session", env.now)
                    .resource(&session_ref(&family.id))
                    .request(env.request_id.as_deref()),
            )?;
        }
        Ok(Some(family.id))
    })
}

/// Ends the caller's own session (`family_id` from their access token): the sign-out of a
/// browser app, whose refresh token is in a cookie it cannot read.
pub fn logout_own(cx: &Ctx, family_id: &str, session_ref: SessionRef<'_>) -> Result<()> {
    cx.write(|conn| {
        let (family, user) = sessions::family_with_user(conn, family_id)?;
        if user.id != cx.actor.user_id {
            return Err(Error::NotFound);
        }
        if family.revoked_at.is_none() {
            sessions::revoke_family(conn, &family.id, RevokeReason::Logout, cx.now)?;
            audit::record(conn, cx.practice_event("auth.logout", "session").resource(&session_ref(&family.id)))?;
        }
        Ok(())
    })
}

/// A live session's caller, as of now.
#[derive(Debug, Clone)]
pub struct LiveSession {
    pub actor: Actor,
    /// The session's absolute end.
    pub expires_at: DateTime<Utc>,
}

/// The caller of session `family_id`, when it is live and belongs to `user_id`, an
/// active account (the actor comes from the database, never from the token).
pub fn live(env: &Env, family_id: &str, user_id: &str) -> Result<Option<LiveSession>> {
    let found = env.read(|conn| match sessions::family_with_user(conn, family_id) {
        Ok(found) => Ok(Some(found)),
        Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    })?;
    let Some((family, user)) = found else { return Ok(None) };
    let expires_at = time::from_db(family.expires_at);
    let live = family.revoked_at.is_none()
        && expires_at > env.now
        && user.id == user_id
        && user.status()? == UserStatus::Active;
    Ok(if live { Some(LiveSession { actor: user.actor()?, expires_at }) } else { None })
}
