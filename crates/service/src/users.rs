//! Practice administration: staff accounts, roles and deactivation.

use tandem_domain::lifetimes::INVITATION_TTL;
use tandem_domain::refusal::Code;
use tandem_domain::validation::{FieldError, check_display_name, normalize_email};
use tandem_domain::{Action, Actor, Resource, UserKind, UserStatus};
use tandem_notification::EmailKind;
use tandem_store::sessions::{self, RevokeReason};
use tandem_store::shared::{self, Revocation};
use tandem_store::tokens::{self as one_time, TokenKind};
use tandem_store::users::{self, NewUser, UserChanges, UserFilter, UserRow};
use tandem_store::{Page, PageRequest, StoreError, ids, time};

use crate::access::allow;
use crate::audit;
use crate::context::Ctx;
use crate::error::{Error, Result};
use crate::tokens;

/// An account and how much of it the caller sees.
#[derive(Debug, Clone)]
pub struct Shown {
    pub row: UserRow,
    /// Contact and sign-in details too (admins, and everyone about themself).
    pub full: bool,
}

/// Admins and the user themself see contact and sign-in details.
fn is_full_view(actor: &Actor, row: &UserRow) -> bool {
    actor.is_admin || actor.user_id == row.id
}

fn resource(row: &UserRow) -> Result<Resource<'_>> {
    Ok(Resource::User { practice_id: &row.practice_id, user_id: &row.id, kind: row.kind()? })
}

/// Staff roles as asked for; at least one is needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StaffRoles {
    pub admin: bool,
    pub clinician: bool,
}

impl StaffRoles {
    fn is_empty(self) -> bool {
        !self.admin && !self.clinician
    }
}

/// A page of the practice's accounts. Admins see everyone (`kind`/`status` filter);
/// clinicians see the staff directory.
pub fn list(cx: &Ctx, kind: Option<UserKind>, status: Option<UserStatus>, page: &PageRequest) -> Result<Page<Shown>> {
    let actor = &cx.actor;
    allow(actor, Action::ListUsers, &Resource::Practice { practice_id: &actor.practice_id })?;
    let kind = if actor.is_admin { kind } else { Some(UserKind::Staff) };
    let filter = UserFilter { kind, status };
    let rows = cx.read(|conn| Ok(users::list(conn, &actor.practice_id, &filter, page)?))?;
    Ok(Page {
        items: rows.items.into_iter().map(|row| Shown { full: is_full_view(actor, &row), row }).collect(),
        next_after: rows.next_after,
    })
}

/// A staff member to invite.
#[derive(Debug, Clone)]
pub struct NewStaff {
    pub email: String,
    pub display_name: String,
    pub roles: StaffRoles,
}

/// Creates an invited staff account and emails its invitation link (admins).
pub fn invite_staff(cx: &Ctx, input: NewStaff) -> Result<UserRow> {
    let actor = &cx.actor;
    allow(actor, Action::CreateUser, &Resource::Practice { practice_id: &actor.practice_id })?;
    let mut errors = Vec::new();
    let email = normalize_email(&input.email).map_err(|m| errors.push(FieldError::new("email", m))).ok();
    if let Err(m) = check_display_name(&input.display_name) {
        errors.push(FieldError::new("display_name", m));
    }
    if input.roles.is_empty() {
        errors.push(FieldError::new("roles", "must name at least one role"));
    }
    let Some(email) = email.filter(|_| errors.is_empty()) else {
        return Err(Error::Invalid(errors));
    };
    let token = tokens::generate();
    let display_name = input.display_name.trim().to_owned();
    let now = cx.now;
    cx.write(|conn| {
        let id = ids::new_id();
        let new = NewUser {
            id: &id,
            practice_id: &actor.practice_id,
            email: &email,
            display_name: &display_name,
            kind: UserKind::Staff,
            is_admin: input.roles.admin,
            is_clinician: input.roles.clinician,
            status: UserStatus::Invited,
            password_hash: None,
            time_zone: "UTC",
        };
        users::insert(conn, &new, now).map_err(|e| match e {
            StoreError::Conflict(_) => Error::refused(Code::AlreadyExists, "an account with this email already exists"),
            other => other.into(),
        })?;
        let row = users::find(conn, &id)?.ok_or(Error::NotFound)?;
        one_time::issue(conn, TokenKind::Invitation, &row, &tokens::hash(&token), now, now + INVITATION_TTL)?;
        tandem_notification::outbox::enqueue(
            conn,
            &row.practice_id,
            Some(&row.id),
            EmailKind::Invitation,
            &row.email,
            Some(&token),
            now,
        )?;
        audit::record(conn, cx.practice_event("user.create", "user").resource(&id))?;
        Ok(row)
    })
}

fn load(cx: &Ctx, user_id: &str) -> Result<UserRow> {
    if !ids::is_valid(user_id) {
        return Err(Error::NotFound);
    }
    cx.read(|conn| users::find(conn, user_id)?.ok_or(Error::NotFound))
}

/// One account: admins read any of the practice, clinicians staff (without email),
/// everyone their own.
pub fn get(cx: &Ctx, user_id: &str) -> Result<Shown> {
    let row = load(cx, user_id)?;
    allow(&cx.actor, Action::ReadUser, &resource(&row)?)?;
    Ok(Shown { full: is_full_view(&cx.actor, &row), row })
}

/// Changes to an account; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserUpdate {
    pub display_name: Option<String>,
    pub roles: Option<StaffRoles>,
    /// `Active` or `Deactivated` (re-enabling an account that never chose a password
    /// leaves it invited).
    pub status: Option<UserStatus>,
}

/// Renames, changes roles, deactivates or re-enables an account (admins; nobody changes
/// their own roles; a practice keeps one active admin). Deactivation ends the account's
/// sessions; any change makes every replica drop its cached sessions.
pub fn update(cx: &Ctx, user_id: &str, patch: UserUpdate) -> Result<UserRow> {
    let row = load(cx, user_id)?;
    let actor = &cx.actor;
    allow(actor, Action::UpdateUser, &resource(&row)?)?;
    let kind = row.kind()?;
    if let Some(roles) = patch.roles {
        let unchanged = roles.admin == row.is_admin && roles.clinician == row.is_clinician && kind == UserKind::Staff;
        if !unchanged {
            allow(actor, Action::ChangeRoles, &resource(&row)?)?;
        }
    }
    let mut errors = Vec::new();
    if let Some(name) = &patch.display_name
        && let Err(m) = check_display_name(name)
    {
        errors.push(FieldError::new("display_name", m));
    }
    if let Some(roles) = patch.roles {
        if kind == UserKind::Client {
            errors.push(FieldError::new("roles", "clients have no staff roles"));
        } else if roles.is_empty() {
            errors.push(FieldError::new("roles", "must name at least one role"));
        }
    }
    if patch.status == Some(UserStatus::Invited) {
        errors.push(FieldError::new("status", "can only be set to active or deactivated"));
    }
    Error::check_fields(errors)?;
    let now = cx.now;
    cx.write(|conn| {
        let current = users::find(conn, &row.id)?.ok_or(Error::NotFound)?;
        let mut changes = UserChanges { updated_at: Some(time::to_db(now)), ..UserChanges::default() };
        changes.display_name = patch.display_name.map(|n| n.trim().to_owned());
        if let Some(roles) = patch.roles {
            changes.is_admin = Some(roles.admin);
            changes.is_clinician = Some(roles.clinician);
        }
        let new_status = match patch.status {
            Some(UserStatus::Deactivated) => Some(UserStatus::Deactivated),
            Some(UserStatus::Active) if current.password_hash.is_none() => Some(UserStatus::Invited),
            Some(UserStatus::Active) => Some(UserStatus::Active),
            _ => None,
        };
        changes.status = new_status.map(|s| s.as_str().to_owned());
        let loses_admin = current.is_admin
            && current.status()? == UserStatus::Active
            && (changes.is_admin == Some(false) || new_status == Some(UserStatus::Deactivated));
        if loses_admin && users::is_last_active_admin(conn, &current.practice_id, &current.id)? {
            return Err(Error::refused(
                Code::LastAdmin,
                "the practice needs at least one active admin; make someone else admin first",
            ));
        }
        users::update(conn, &current.id, &changes)?;
        let deactivated = new_status == Some(UserStatus::Deactivated);
        if deactivated {
            sessions::revoke_all_for_user(conn, &current.id, RevokeReason::Deactivated, now)?;
        } else {
            // Roles are cached with the session: every replica drops them at commit.
            shared::announce(conn, &Revocation::User(current.id.clone()))?;
        }
        let action = if deactivated { "user.deactivate" } else { "user.update" };
        audit::record(conn, cx.practice_event(action, "user").resource(&current.id))?;
        users::find(conn, &current.id)?.ok_or(Error::NotFound)
    })
}
