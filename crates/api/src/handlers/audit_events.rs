//! Reading the audit log (admins). Every read of it is itself audited.

use actix_web::{get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tandem_service::audit_events;
use tandem_service::records::{AuditFilter, AuditRow, time};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Authenticated;
use crate::auth::keys::KeySet;
use crate::db;
use crate::error::ApiResult;
use crate::pagination::{PageParams, Paginated};
use crate::state::AppState;

/// One audit event. It names who did what to which resource; it never holds clinical text.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEvent {
    pub id: String,
    pub occurred_at: DateTime<Utc>,
    /// The user who acted; `null` for system actions.
    pub actor_id: Option<String>,
    /// `admin`, `clinician`, `client` or `system`.
    #[schema(value_type = Option<tandem_domain::vocabulary::AuditActorRole>, example = "admin")]
    pub actor_role: Option<String>,
    /// A stable dotted name, e.g. `auth.login`, `user.update`, `audit_event.list`.
    #[schema(example = "auth.login")]
    pub action: String,
    /// The kind of resource, e.g. `session`, `user`, `couple`.
    #[schema(example = "session")]
    pub resource_type: String,
    /// The resource's id. For `session` events it is an opaque reference (the same for
    /// every event of one session while the signing key is unchanged), never the
    /// session id itself.
    pub resource_id: Option<String>,
    /// The couple the resource belongs to, if any.
    pub couple_id: Option<String>,
    /// `success`, `failure` or `denied`.
    #[schema(value_type = tandem_domain::vocabulary::AuditOutcome, example = "success")]
    pub outcome: String,
    /// The request id (also in the `x-request-id` response header and the logs).
    pub request_id: Option<String>,
}

/// What a stored `session` resource id may be shown as. Events written since session
/// references exist hold one already (a version-8 UUID); older ones hold the session id
/// (a version-7 UUID), which is turned into its reference here.
fn shown_session_id(keys: &KeySet, stored: String) -> String {
    match uuid::Uuid::try_parse(&stored) {
        Ok(id) if id.get_version_num() == 8 => stored,
        _ => keys.session_ref(&stored),
    }
}

impl AuditEvent {
    fn from_row(r: AuditRow, keys: &KeySet) -> Self {
        let resource_id = if r.resource_type == "session" {
            r.resource_id.map(|id| shown_session_id(keys, id))
        } else {
            r.resource_id
        };
        Self {
            id: r.id,
            occurred_at: time::from_db(r.occurred_at),
            actor_id: r.actor_id,
            actor_role: r.actor_role,
            action: r.action,
            resource_type: r.resource_type,
            resource_id,
            couple_id: r.couple_id,
            outcome: r.outcome,
            request_id: r.request_id,
        }
    }
}

/// Filters for the audit log.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditListParams {
    /// Only events by this user.
    pub actor_id: Option<String>,
    /// Only events about this couple.
    pub couple_id: Option<String>,
    /// Only this action, e.g. `auth.login`.
    pub action: Option<String>,
    /// Only this resource type, e.g. `user`.
    pub resource_type: Option<String>,
    /// Events at or after this time (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Events before this time (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    /// How many items to return, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[utoipa::path(
    tag = "audit",
    operation_id = "listAuditEvents",
    summary = "Read the audit log",
    description = "Newest first, cursor-paginated, filterable by actor, couple, action, resource type and time. Admins only. The log is append-only: no route changes or deletes an event. Each read of it is itself recorded.",
    params(AuditListParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of events.", body = Paginated<AuditEvent>),
        (status = 422, response = crate::openapi::UnprocessableEntity)
    )
)]
#[get("/audit-events")]
pub async fn list_audit_events(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: web::Query<AuditListParams>,
) -> ApiResult<web::Json<Paginated<AuditEvent>>> {
    let q = query.into_inner();
    let page = PageParams { limit: q.limit, cursor: q.cursor }.request()?;
    let filter = AuditFilter {
        actor_id: q.actor_id,
        couple_id: q.couple_id,
        action: q.action,
        resource_type: q.resource_type,
        from: q.from,
        to: q.to,
    };
    let rows = db::call(&state, &auth, move |cx| audit_events::list(cx, &filter, &page)).await?;
    Ok(web::Json(Paginated::from_page(rows, |r| Ok(AuditEvent::from_row(r, &state.keys)))?))
}
