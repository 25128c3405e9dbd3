//! The one authorization policy: a pure function of (actor, action, resource facts).
//!
//! Every handler asks [`authorize`] and acts on its answer; no handler decides access on
//! its own. Denials come in two kinds so that existence never leaks: a resource the
//! caller may not know about is "not found", one they can see but not change is
//! "forbidden".

use crate::{Actor, UserKind};

/// What the caller wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// List users of the practice (admins: everyone; clinicians: the staff directory).
    ListUsers,
    /// Invite a staff member.
    CreateUser,
    /// Read one user's account.
    ReadUser,
    /// Change one user's account (name, roles, deactivation).
    UpdateUser,
    /// Read the practice's audit log.
    ReadAuditLog,
}

/// Facts about the thing acted on, loaded by the handler before asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resource<'a> {
    /// The practice as a whole (collections such as users or the audit log).
    Practice { practice_id: &'a str },
    /// One user account.
    User {
        practice_id: &'a str,
        user_id: &'a str,
        kind: UserKind,
    },
}

impl Resource<'_> {
    fn practice_id(&self) -> &str {
        match self {
            Resource::Practice { practice_id } | Resource::User { practice_id, .. } => practice_id,
        }
    }
}

/// The policy's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Allow,
    /// Answer 404: the caller must not learn that the resource exists.
    DenyNotFound,
    /// Answer 403: the caller can see the resource but may not do this.
    DenyForbidden,
}

/// Decides whether `actor` may perform `action` on `resource`.
#[must_use]
pub fn authorize(actor: &Actor, action: Action, resource: &Resource<'_>) -> Access {
    // Nothing crosses practices, and another practice's things do not exist.
    if resource.practice_id() != actor.practice_id {
        return Access::DenyNotFound;
    }
    match (action, resource) {
        (Action::ListUsers, Resource::Practice { .. }) => {
            if actor.is_admin || actor.is_clinician {
                Access::Allow
            } else {
                Access::DenyForbidden
            }
        }
        (Action::CreateUser | Action::ReadAuditLog, Resource::Practice { .. }) => {
            if actor.is_admin {
                Access::Allow
            } else {
                Access::DenyForbidden
            }
        }
        (Action::ReadUser, Resource::User { user_id, kind, .. }) => {
            if actor.is_admin || *user_id == actor.user_id {
                Access::Allow
            } else if actor.is_clinician && *kind == UserKind::Staff {
                // Clinicians see colleagues in the staff directory.
                Access::Allow
            } else {
                Access::DenyNotFound
            }
        }
        (Action::UpdateUser, Resource::User { user_id, kind, .. }) => {
            if actor.is_admin {
                Access::Allow
            } else if *user_id == actor.user_id || (actor.is_clinician && *kind == UserKind::Staff)
            {
                Access::DenyForbidden
            } else {
                Access::DenyNotFound
            }
        }
        // An action asked about the wrong kind of resource is a programming error; deny.
        _ => Access::DenyNotFound,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(kind: UserKind, admin: bool, clinician: bool) -> Actor {
        Actor {
            user_id: "me".into(),
            practice_id: "p1".into(),
            kind,
            is_admin: admin,
            is_clinician: clinician,
        }
    }

    fn user<'a>(practice_id: &'a str, user_id: &'a str, kind: UserKind) -> Resource<'a> {
        Resource::User {
            practice_id,
            user_id,
            kind,
        }
    }

    #[test]
    fn other_practices_do_not_exist() {
        let admin = actor(UserKind::Staff, true, true);
        for action in [Action::ListUsers, Action::CreateUser, Action::ReadAuditLog] {
            assert_eq!(
                authorize(&admin, action, &Resource::Practice { practice_id: "p2" }),
                Access::DenyNotFound
            );
        }
        for action in [Action::ReadUser, Action::UpdateUser] {
            assert_eq!(
                authorize(&admin, action, &user("p2", "x", UserKind::Staff)),
                Access::DenyNotFound
            );
        }
    }

    #[test]
    fn admins_manage_users_and_read_the_audit_log() {
        let admin = actor(UserKind::Staff, true, false);
        let p = Resource::Practice { practice_id: "p1" };
        assert_eq!(authorize(&admin, Action::CreateUser, &p), Access::Allow);
        assert_eq!(authorize(&admin, Action::ReadAuditLog, &p), Access::Allow);
        assert_eq!(
            authorize(
                &admin,
                Action::UpdateUser,
                &user("p1", "c", UserKind::Client)
            ),
            Access::Allow
        );
    }

    #[test]
    fn clinicians_see_the_staff_directory_only() {
        let clin = actor(UserKind::Staff, false, true);
        let p = Resource::Practice { practice_id: "p1" };
        assert_eq!(authorize(&clin, Action::ListUsers, &p), Access::Allow);
        assert_eq!(
            authorize(&clin, Action::CreateUser, &p),
            Access::DenyForbidden
        );
        assert_eq!(
            authorize(&clin, Action::ReadAuditLog, &p),
            Access::DenyForbidden
        );
        assert_eq!(
            authorize(&clin, Action::ReadUser, &user("p1", "s", UserKind::Staff)),
            Access::Allow
        );
        assert_eq!(
            authorize(&clin, Action::ReadUser, &user("p1", "c", UserKind::Client)),
            Access::DenyNotFound
        );
        assert_eq!(
            authorize(&clin, Action::UpdateUser, &user("p1", "s", UserKind::Staff)),
            Access::DenyForbidden
        );
    }

    #[test]
    fn clients_see_only_themselves() {
        let client = actor(UserKind::Client, false, false);
        let p = Resource::Practice { practice_id: "p1" };
        assert_eq!(
            authorize(&client, Action::ListUsers, &p),
            Access::DenyForbidden
        );
        assert_eq!(
            authorize(
                &client,
                Action::ReadUser,
                &user("p1", "me", UserKind::Client)
            ),
            Access::Allow
        );
        assert_eq!(
            authorize(&client, Action::ReadUser, &user("p1", "s", UserKind::Staff)),
            Access::DenyNotFound
        );
        assert_eq!(
            authorize(
                &client,
                Action::UpdateUser,
                &user("p1", "me", UserKind::Client)
            ),
            Access::DenyForbidden
        );
        assert_eq!(
            authorize(
                &client,
                Action::UpdateUser,
                &user("p1", "x", UserKind::Client)
            ),
            Access::DenyNotFound
        );
    }
}
