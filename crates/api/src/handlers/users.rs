//! Practice administration: staff accounts, roles and deactivation.

use actix_web::{HttpResponse, get, patch, post, web};
use serde::Deserialize;
use tandem_domain::{UserKind, UserStatus};
use tandem_service::users::{self, NewStaff, Shown, StaffRoles, UserUpdate};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Authenticated;
use crate::db;
use crate::error::ApiResult;
use crate::pagination::{PageParams, Paginated};
use crate::state::AppState;
use crate::views::user::{StaffRole, User};

/// Filters for the user list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UserListParams {
    /// Only staff or only clients. Clinicians always get staff only.
    pub kind: Option<UserKind>,
    /// Only accounts in this state.
    pub status: Option<UserStatus>,
    /// How many items to return, 1 to 200 (default 50).
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
    pub status: Option<UserStatus>,
}

fn roles(roles: &[StaffRole]) -> StaffRoles {
    StaffRoles { admin: roles.contains(&StaffRole::Admin), clinician: roles.contains(&StaffRole::Clinician) }
}

fn view(shown: Shown) -> ApiResult<User> {
    User::from_row(shown.row, shown.full)
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
    let q = query.into_inner();
    let page = PageParams { limit: q.limit, cursor: q.cursor }.request()?;
    let (kind, status) = (q.kind, q.status);
    let rows = db::call(&state, &auth, move |cx| users::list(cx, kind, status, &page)).await?;
    Ok(web::Json(Paginated::from_page(rows, view)?))
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
    let body = body.into_inner();
    let input = NewStaff { email: body.email, display_name: body.display_name, roles: roles(&body.roles) };
    let row = db::call(&state, &auth, move |cx| users::invite_staff(cx, input)).await?;
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
    let shown = db::call(&state, &auth, move |cx| users::get(cx, &path)).await?;
    Ok(web::Json(view(shown)?))
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
    let patch = body.into_inner();
    let update =
        UserUpdate { display_name: patch.display_name, roles: patch.roles.as_deref().map(roles), status: patch.status };
    let updated = db::call(&state, &auth, move |cx| users::update(cx, &path, update)).await?;
    // Roles and status are read from the session cache on every request: drop it here.
    state.sessions.forget_user(&updated.id);
    Ok(web::Json(User::from_row(updated, true)?))
}
