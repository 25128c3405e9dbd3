//! Password resets: a link by email, then a new password that ends every session.

use tandem_domain::UserStatus;
use tandem_domain::lifetimes::PASSWORD_RESET_TTL;
use tandem_domain::validation::normalize_email;
use tandem_notification::EmailKind;
use tandem_store::sessions::{self, RevokeReason};
use tandem_store::time;
use tandem_store::tokens::{self as one_time, TokenKind};
use tandem_store::users::{self, UserChanges};

use crate::audit::{self, Event};
use crate::context::Env;
use crate::error::Result;
use crate::tokens;

/// Emails a reset link to each active account with `email` (one per practice). Nothing
/// tells the caller whether there was one; a malformed address has none.
pub fn request(env: &Env, email: &str) -> Result<()> {
    let Ok(email) = normalize_email(email) else { return Ok(()) };
    let now = env.now;
    env.write(|conn| {
        for user in users::find_by_email(conn, &email)? {
            if user.status()? != UserStatus::Active {
                continue;
            }
            let token = tokens::generate();
            one_time::issue(
                conn,
                TokenKind::PasswordReset,
                &user,
                &tokens::hash(&token),
                now,
                now + PASSWORD_RESET_TTL,
            )?;
            tandem_notification::outbox::enqueue(
                conn,
                &user.practice_id,
                Some(&user.id),
                EmailKind::PasswordReset,
                &user.email,
                Some(&token),
                now,
            )?;
            audit::record(
                conn,
                Event::new(&user.practice_id, None, "password_reset.request", "user", now)
                    .resource(&user.id)
                    .actor_id(&user.id, user.actor()?.primary_role().as_str())
                    .request(env.request_id.as_deref()),
            )?;
        }
        Ok(())
    })
}

/// Sets `password_hash` (checked and hashed at the edge) on the account a reset `token`
/// is for and ends all its sessions; returns the user's id (for the edge's session
/// cache). An unknown, used or expired token is 404.
pub fn confirm(env: &Env, token: &str, password_hash: String) -> Result<String> {
    let now = env.now;
    env.write(|conn| {
        let reset = tokens::redeem(conn, TokenKind::PasswordReset, token, UserStatus::Active, now)?;
        let changes = UserChanges {
            password_hash: Some(Some(password_hash)),
            updated_at: Some(time::to_db(now)),
            ..UserChanges::default()
        };
        users::update(conn, &reset.user.id, &changes)?;
        sessions::revoke_all_for_user(conn, &reset.user.id, RevokeReason::PasswordReset, now)?;
        let actor = reset.user.actor()?;
        audit::record(
            conn,
            Event::new(&reset.user.practice_id, Some(&actor), "password_reset.confirm", "user", now)
                .resource(&reset.user.id)
                .request(env.request_id.as_deref()),
        )?;
        Ok(reset.user.id)
    })
}
