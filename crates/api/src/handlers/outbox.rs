//! The admin's view of the email outbox.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tandem_service::outbox;
use tandem_service::records::{OutboxRow, time};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Authenticated;
use crate::db;
use crate::error::ApiResult;
use crate::pagination::{PageParams, Paginated};
use crate::state::AppState;

/// An outbox message, without its content.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxMessage {
    pub id: String,
    /// What the message is (never its content).
    #[schema(value_type = tandem_domain::vocabulary::EmailKind)]
    pub kind: String,
    pub user_id: Option<String>,
    #[schema(value_type = tandem_domain::vocabulary::OutboxStatus)]
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub next_attempt_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

impl From<OutboxRow> for OutboxMessage {
    fn from(r: OutboxRow) -> Self {
        Self {
            id: r.id,
            kind: r.kind,
            user_id: r.user_id,
            status: r.status,
            attempts: r.attempts,
            last_error: r.last_error,
            next_attempt_at: time::from_db(r.next_attempt_at),
            created_at: time::from_db(r.created_at),
            sent_at: r.sent_at.map(time::from_db),
        }
    }
}

/// Outbox filters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OutboxParams {
    /// Only messages in this state, e.g. `dead`.
    #[param(value_type = Option<tandem_domain::vocabulary::OutboxStatus>)]
    pub status: Option<String>,
    /// How many items to return, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page; omit for the first page.
    pub cursor: Option<String>,
}

#[utoipa::path(
    tag = "operations",
    operation_id = "listOutbox",
    summary = "Email delivery status (admins)",
    description = "Newest first: kind, status, attempts and the last error. No addresses or bodies.",
    params(OutboxParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of messages.", body = Paginated<OutboxMessage>),
        (status = 422, response = crate::openapi::UnprocessableEntity)
    )
)]
#[get("/outbox")]
pub async fn list_outbox(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: web::Query<OutboxParams>,
) -> ApiResult<web::Json<Paginated<OutboxMessage>>> {
    let q = query.into_inner();
    let page = PageParams { limit: q.limit, cursor: q.cursor }.request()?;
    let status = q.status;
    let rows = db::call(&state, &auth, move |cx| outbox::list(cx, status.as_deref(), &page)).await?;
    Ok(web::Json(Paginated::from_page(rows, |r| Ok(OutboxMessage::from(r)))?))
}

#[utoipa::path(
    tag = "operations",
    operation_id = "retryOutboxMessage",
    summary = "Send a dead or cancelled message again (admins)",
    description = "Puts the message back in the queue with a fresh attempt count. 409 unless it is dead or cancelled.",
    params(("id" = String, Path, description = "The message id.")),
    security(("bearer" = [])),
    responses(
        (status = 202, description = "Queued again."),
        (status = 409, response = crate::openapi::Conflict)
    )
)]
#[post("/outbox/{id}/retry")]
pub async fn retry_outbox(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    db::call(&state, &auth, move |cx| outbox::retry(cx, &path)).await?;
    Ok(HttpResponse::Accepted().finish())
}
