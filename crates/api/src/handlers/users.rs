//! Practice administration: staff accounts, roles and deactivation.

use actix_web::{HttpResponse, get, patch, post, web};
use serde::Deserialize;
use tandem_domain::lifetimes::INVITATION_TTL;
use tandem_domain::validation::{check_display_name, normalize_email};
use tandem_domain::{Action, Actor, Resource, UserKind, UserStatus};
use tandem_notification::EmailKind;
use tandem_store::sessions::{self, RevokeReason};
use tandem_store::tokens::{self as one_time, TokenKind};
use tandem_store::users::{self, NewUser, UserChanges, UserFilter, UserRow};
use tandem_store::{StoreError, ids, time};
use utoipa::{IntoParams, ToSchema};

use crate::audit::{self, Event};
use crate::auth::{Authenticated, tokens};
use crate::db;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::handlers::allow;
use crate::pagination::{PageParams, Paginated};
use crate::state::AppState;
use crate::views::user::{AccountKind, AccountStatus, StaffRole, User};

/// Filters for the user list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UserListParams {
    /// Only staff or only clients. Clinicians always get staff only.
    pub kind: Option<AccountKind>,
    /// Only accounts in this state.
    pub status: Option<AccountStatus>,
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Invites a staff member.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewStaffRequest {
    #[schema(example = "dr.chen@example.org")]
    pub email: String,
    #[schema(example = "Dr. Lee Chen")]
    pub display_name: String,
    /// At least one role.
    #[schema(example = json!(["clinician"]))]
    pub roles: Vec<StaffRole>,
}

/// Changes to an account; omitted fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    #[schema(example = "Dr. Lee Chen")]
    pub display_name: Option<String>,
    /// Replaces the staff roles (staff only; at least one).
    pub roles: Option<Vec<StaffRole>>,
    /// `deactivated` ends the user's sessions at once; `active` re-enables an account.
    pub status: Option<AccountStatus>,
}

fn is_full_view(actor: &Actor, row: &UserRow) -> bool {
    actor.is_admin || actor.user_id == row.id
}

async fn load_user(state: &AppState, user_id: String) -> ApiResult<UserRow> {
    if !ids::is_valid(&user_id) {
        return Err(ApiError::NotFound);
    }
    db::read(state, move |conn| users::find(conn, &user_id)?.ok_or(ApiError::NotFound)).await
}

fn resource(row: &UserRow) -> ApiResult<Resource<'_>> {
    Ok(Resource::User { practice_id: &row.practice_id, user_id: &row.id, kind: row.kind()? })
}

#[utoipa::path(
    tag = "users",
    operation_id = "listUsers",
    summary = "List the practice's users",
    description = "Admins see every account. Clinicians see the staff directory (names and roles, no emails), to assign colleagues to couples. Oldest first, cursor-paginated.",
    params(UserListParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of users.", body = Paginated<User>),
        (status = 422, response = crate::openapi::UnprocessableEntity)
    )
)]
#[get("/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: web::Query<UserListParams>,
) -> ApiResult<web::Json<Paginated<User>>> {
    let actor = auth.actor;
    allow(&actor, Action::ListUsers, &Resource::Practice { practice_id: &actor.practice_id })?;
    let q = query.into_inner();
    let page = PageParams { limit: q.limit, cursor: q.cursor }.request()?;
    let kind = match q.kind {
        _ if !actor.is_admin => Some(UserKind::Staff),
        Some(AccountKind::Staff) => Some(UserKind::Staff),
        Some(AccountKind::Client) => Some(UserKind::Client),
        None => None,
    };
    let filter = UserFilter {
        kind,
        status: q.status.map(|s| match s {
            AccountStatus::Invited => UserStatus::Invited,
            AccountStatus::Active => UserStatus::Active,
            AccountStatus::Deactivated => UserStatus::Deactivated,
        }),
    };
    let practice_id = actor.practice_id.clone();
    let rows = db::read(&state, move |conn| Ok(users::list(conn, &practice_id, &filter, &page)?)).await?;
    Ok(web::Json(Paginated::from_page(rows, |row| {
        let full = is_full_view(&actor, &row);
        User::from_row(row, full)
    })?))
}

#[utoipa::path(
    tag = "users",
    operation_id = "inviteStaff",
    summary = "Invite a staff member",
    description = "Creates a staff account in the `invited` state and emails an invitation link (valid 7 days). Clients are created with their couple, not here. Admins only. An email is unique within the practice (409 when taken here); an address known to another practice is answered exactly like an unused one, since accounts belong to one practice.",
    request_body = NewStaffRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The account exists and the invitation is on its way.", body = User),
        (status = 409, response = crate::openapi::Conflict)
    )
)]
#[post("/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    auth: Authenticated,
    body: crate::input::Json<NewStaffRequest>,
) -> ApiResult<HttpResponse> {
    let actor = auth.actor;
    allow(&actor, Action::CreateUser, &Resource::Practice { practice_id: &actor.practice_id })?;
    let body = body.into_inner();
    let mut errors = Vec::new();
    let email = normalize_email(&body.email).map_err(|m| errors.push(FieldError::new("email", m))).ok();
    if let Err(m) = check_display_name(&body.display_name) {
        errors.push(FieldError::new("display_name", m));
    }
    if body.roles.is_empty() {
        errors.push(FieldError::new("roles", "must name at least one role"));
    }
    let Some(email) = email.filter(|_| errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let now = state.clock.now();
    let token = tokens::generate();
    let token_hash = tokens::hash(&token);
    let display_name = body.display_name.trim().to_owned();
    let (is_admin, is_clinician) = (body.roles.contains(&StaffRole::Admin), body.roles.contains(&StaffRole::Clinician));
    let rid = auth.request_id;
    let row = db::write(&state, move |conn| {
        let id = ids::new_id();
        let new = NewUser {
            id: &id,
            practice_id: &actor.practice_id,
            email: &email,
            display_name: &display_name,
            kind: UserKind::Staff,
            is_admin,
            is_clinician,
            status: UserStatus::Invited,
            password_hash: None,
            time_zone: "UTC",
        };
        users::insert(conn, &new, now).map_err(|e| match e {
            StoreError::Conflict(_) => ApiError::conflict(
                tandem_domain::refusal::Code::AlreadyExists,
                "an account with this email already exists".into(),
            ),
            other => other.into(),
        })?;
        let row = users::find(conn, &id)?.ok_or(ApiError::NotFound)?;
        one_time::issue(conn, TokenKind::Invitation, &row, &token_hash, now, now + INVITATION_TTL)?;
        tandem_notification::outbox::enqueue(
            conn,
            &row.practice_id,
            Some(&row.id),
            EmailKind::Invitation,
            &row.email,
            Some(&token),
            now,
        )?;
        audit::record(
            conn,
            Event::new(&actor.practice_id, Some(&actor), "user.create", "user", now)
                .resource(&id)
                .request(rid.as_deref()),
        )?;
        Ok(row)
    })
    .await?;
    let location = format!("/api/v1/users/{}", row.id);
    Ok(HttpResponse::Created().insert_header(("Location", location)).json(User::from_row(row, true)?))
}

#[utoipa::path(
    tag = "users",
    operation_id = "getUser",
    summary = "Read one account",
    description = "Admins read any account of the practice; clinicians read staff (without email); everyone reads their own.",
    params(("user_id" = String, Path, description = "The user's id.")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The account.", body = User)
    )
)]
#[get("/users/{user_id}")]
pub async fn get_user(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
) -> ApiResult<web::Json<User>> {
    let row = load_user(&state, path.into_inner()).await?;
    allow(&auth.actor, Action::ReadUser, &resource(&row)?)?;
    let full = is_full_view(&auth.actor, &row);
    Ok(web::Json(User::from_row(row, full)?))
}

#[utoipa::path(
    tag = "users",
    operation_id = "updateUser",
    summary = "Change an account: name, roles, deactivation",
    description = "Admins only. Nobody changes their own roles (403): another admin must, so no one can grant themself access to clinical records. Deactivating ends the user's sessions at once; their live access tokens stop working within 10 seconds on every replica. A practice always keeps one active admin: removing the last one's admin role or deactivating them is refused (409).",
    params(("user_id" = String, Path, description = "The user's id.")),
    request_body = UserPatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The account as changed.", body = User),
        (status = 409, response = crate::openapi::Conflict)
    )
)]
#[patch("/users/{user_id}")]
pub async fn update_user(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
    body: crate::input::Json<UserPatch>,
) -> ApiResult<web::Json<User>> {
    let row = load_user(&state, path.into_inner()).await?;
    let actor = auth.actor;
    allow(&actor, Action::UpdateUser, &resource(&row)?)?;
    let patch = body.into_inner();
    let kind = row.kind()?;
    if let Some(roles) = &patch.roles {
        let unchanged = roles.contains(&StaffRole::Admin) == row.is_admin
            && roles.contains(&StaffRole::Clinician) == row.is_clinician
            && kind == UserKind::Staff;
        if !unchanged {
            allow(&actor, Action::ChangeRoles, &resource(&row)?)?;
        }
    }
    let mut errors = Vec::new();
    if let Some(name) = &patch.display_name
        && let Err(m) = check_display_name(name)
    {
        errors.push(FieldError::new("display_name", m));
    }
    if let Some(roles) = &patch.roles {
        if kind == UserKind::Client {
            errors.push(FieldError::new("roles", "clients have no staff roles"));
        } else if roles.is_empty() {
            errors.push(FieldError::new("roles", "must name at least one role"));
        }
    }
    if patch.status == Some(AccountStatus::Invited) {
        errors.push(FieldError::new("status", "can only be set to active or deactivated"));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let now = state.clock.now();
    let rid = auth.request_id;
    let user_id = row.id.clone();
    let updated = db::write(&state, move |conn| {
        let current = users::find(conn, &row.id)?.ok_or(ApiError::NotFound)?;
        let mut changes = UserChanges { updated_at: Some(time::to_db(now)), ..UserChanges::default() };
        changes.display_name = patch.display_name.map(|n| n.trim().to_owned());
        if let Some(roles) = &patch.roles {
            changes.is_admin = Some(roles.contains(&StaffRole::Admin));
            changes.is_clinician = Some(roles.contains(&StaffRole::Clinician));
        }
        let new_status = match patch.status {
            Some(AccountStatus::Deactivated) => Some(UserStatus::Deactivated),
            // Re-enabling an account that never chose a password leaves it invited.
            Some(AccountStatus::Active) if current.password_hash.is_none() => Some(UserStatus::Invited),
            Some(AccountStatus::Active) => Some(UserStatus::Active),
            _ => None,
        };
        changes.status = new_status.map(|s| s.as_str().to_owned());
        let loses_admin = current.is_admin
            && current.status()? == UserStatus::Active
            && (changes.is_admin == Some(false) || new_status == Some(UserStatus::Deactivated));
        if loses_admin && users::is_last_active_admin(conn, &current.practice_id, &current.id)? {
            return Err(ApiError::conflict(
                tandem_domain::refusal::Code::LastAdmin,
                "the practice needs at least one active admin; make someone else admin first".into(),
            ));
        }
        users::update(conn, &current.id, &changes)?;
        if new_status == Some(UserStatus::Deactivated) {
            sessions::revoke_all_for_user(conn, &current.id, RevokeReason::Deactivated, now)?;
        } else {
            // Roles are cached with the session: every replica drops them at commit.
            tandem_store::shared::announce(conn, &tandem_store::shared::Revocation::User(current.id.clone()))?;
        }
        let action = if new_status == Some(UserStatus::Deactivated) { "user.deactivate" } else { "user.update" };
        audit::record(
            conn,
            Event::new(&actor.practice_id, Some(&actor), action, "user", now)
                .resource(&current.id)
                .request(rid.as_deref()),
        )?;
        let updated = users::find(conn, &current.id)?.ok_or(ApiError::NotFound)?;
        Ok(updated)
    })
    .await?;
    // Roles and status are read from the session cache on every request: drop it here.
    state.sessions.forget_user(&user_id);
    Ok(web::Json(User::from_row(updated, true)?))
}
