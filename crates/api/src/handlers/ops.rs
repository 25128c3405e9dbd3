//! Operator endpoints: liveness, readiness, metrics.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use tandem_service::health;
use utoipa::ToSchema;

use crate::db;
use crate::state::AppState;

/// Health status.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` when healthy.
    #[schema(value_type = HealthStatus, example = "ok")]
    pub status: String,
}

/// Whether the process is alive (there is no other answer with a 200).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    Ok,
}

/// Whether the server can take traffic.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReadinessStatus {
    Ready,
    NotReady,
}

/// The database engine behind the server.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DatabaseEngine {
    Postgres,
    Sqlite,
}

/// Readiness details.
#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    /// `ready` or `not_ready`.
    #[schema(value_type = ReadinessStatus, example = "ready")]
    pub status: String,
    /// `postgres` or `sqlite`.
    #[schema(value_type = DatabaseEngine, example = "sqlite")]
    pub database: String,
    /// Migrations not yet applied (0 when ready).
    #[schema(example = 0)]
    pub pending_migrations: usize,
}

#[utoipa::path(
    tag = "operations",
    operation_id = "livez",
    summary = "Liveness: the process is up",
    description = "Answers 200 as long as the process serves HTTP. Does not touch the database, so an orchestrator does not restart the API because the database is down.",
    responses((status = 200, description = "The process is up.", body = Health))
)]
#[get("/livez")]
pub async fn livez() -> web::Json<Health> {
    web::Json(Health { status: "ok".into() })
}

#[utoipa::path(
    tag = "operations",
    operation_id = "readyz",
    summary = "Readiness: the database answers and migrations are current",
    description = "Answers 200 when a query succeeds and no migration is pending; 503 otherwise, so a load balancer stops sending traffic.",
    responses(
        (status = 200, description = "Ready to serve.", body = Readiness),
        (status = 503, description = "Not ready: the database is down or migrations are pending.", body = Readiness)
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let database = health::database(state.backend);
    let pending = db::call_anon(&state, None, health::pending_migrations).await;
    match pending {
        Ok(0) => HttpResponse::Ok().json(Readiness {
            status: "ready".into(),
            database: database.into(),
            pending_migrations: 0,
        }),
        Ok(n) => HttpResponse::ServiceUnavailable().json(Readiness {
            status: "not_ready".into(),
            database: database.into(),
            pending_migrations: n,
        }),
        Err(_) => HttpResponse::ServiceUnavailable().json(Readiness {
            status: "not_ready".into(),
            database: database.into(),
            pending_migrations: 0,
        }),
    }
}

#[utoipa::path(
    tag = "operations",
    operation_id = "metrics",
    summary = "Prometheus metrics",
    description = "Requests by route and status, latency histograms, database pool use and the email outbox (depth; sent, retried, dead), in the Prometheus text format.",
    responses((status = 200, description = "Metrics in the Prometheus text format.", body = String, content_type = "text/plain"))
)]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    if let Ok(depth) = db::call_anon(&state, None, health::outbox_depth).await {
        state.metrics.set_outbox_depth(depth);
    }
    HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(state.metrics.render(&state.pool))
}
