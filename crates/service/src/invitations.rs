//! Accepting an invitation: the invited account chooses its password and is signed in.

use tandem_domain::UserStatus;
use tandem_store::time;
use tandem_store::tokens::TokenKind;
use tandem_store::users::{self, UserChanges};

use crate::audit::{self, Event};
use crate::context::Env;
use crate::error::Result;
use crate::sessions::{self, Issued};
use crate::tokens;

/// Activates the account an invitation `token` is for with `password_hash` (checked and
/// hashed at the edge) and starts its first session. An unknown, used, replaced or
/// expired token is 404.
pub fn accept(env: &Env, token: &str, password_hash: String) -> Result<Issued> {
    env.write(|conn| {
        let invite = tokens::redeem(conn, TokenKind::Invitation, token, UserStatus::Invited, env.now)?;
        let changes = UserChanges {
            password_hash: Some(Some(password_hash)),
            status: Some(UserStatus::Active.as_str().into()),
            updated_at: Some(time::to_db(env.now)),
            ..UserChanges::default()
        };
        users::update(conn, &invite.user.id, &changes)?;
        let mut user = invite.user;
        user.status = UserStatus::Active.as_str().into();
        let actor = user.actor()?;
        audit::record(
            conn,
            Event::new(&user.practice_id, Some(&actor), "invitation.accept", "user", env.now)
                .resource(&user.id)
                .request(env.request_id.as_deref()),
        )?;
        sessions::start(conn, &user, env.now)
    })
}
