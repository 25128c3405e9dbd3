//! The signed-in user's own account.

use tandem_domain::validation::{FieldError, check_display_name, check_time_zone};
use tandem_store::users::{self, UserChanges, UserRow};
use tandem_store::{AnyConnection, practices, time};

use crate::audit;
use crate::context::Ctx;
use crate::error::{Error, Result};

/// The caller's account and their practice.
#[derive(Debug, Clone)]
pub struct Me {
    pub user: UserRow,
    pub practice_id: String,
    pub practice_name: String,
    /// What to do in an emergency.
    pub crisis_notice: String,
}

/// Changes to one's own account; `None` keeps a field.
#[derive(Debug, Clone, Default)]
pub struct MePatch {
    pub display_name: Option<String>,
    pub time_zone: Option<String>,
}

fn load(conn: &mut AnyConnection, user_id: &str) -> Result<Me> {
    let user = users::find(conn, user_id)?.ok_or(Error::NotFound)?;
    let practice = practices::find(conn, &user.practice_id)?;
    Ok(Me { user, practice_id: practice.id, practice_name: practice.name, crisis_notice: practice.crisis_notice })
}

/// The caller's own account, roles and practice.
pub fn get(cx: &Ctx) -> Result<Me> {
    cx.read(|conn| load(conn, &cx.actor.user_id))
}

/// Changes one's own name or time zone (roles, email and status are not changed here).
pub fn update(cx: &Ctx, patch: MePatch) -> Result<Me> {
    let mut errors = Vec::new();
    if let Some(Err(m)) = patch.display_name.as_deref().map(check_display_name) {
        errors.push(FieldError::new("display_name", m));
    }
    if let Some(Err(m)) = patch.time_zone.as_deref().map(check_time_zone) {
        errors.push(FieldError::new("time_zone", m));
    }
    Error::check_fields(errors)?;
    let actor = &cx.actor;
    cx.write(|conn| {
        let changes = UserChanges {
            display_name: patch.display_name.map(|n| n.trim().to_owned()),
            time_zone: patch.time_zone,
            updated_at: Some(time::to_db(cx.now)),
            ..UserChanges::default()
        };
        users::update(conn, &actor.user_id, &changes)?;
        audit::record(conn, cx.practice_event("user.update_self", "user").resource(&actor.user_id))?;
        Ok(())
    })?;
    cx.read(|conn| load(conn, &actor.user_id))
}
