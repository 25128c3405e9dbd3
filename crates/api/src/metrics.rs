//! Prometheus metrics: requests by route and status, latency, database pool use.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, web};
use prometheus::{Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts, Registry, TextEncoder};

use crate::state::AppState;

/// The process's metrics.
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    pool_size: IntGauge,
    pool_idle: IntGauge,
    pool_max: IntGauge,
    outbox: IntCounterVec,
    outbox_depth: IntGauge,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Metrics {
    /// Registers every metric. Registration only fails on duplicate names, which the
    /// fixed set below does not have.
    pub fn new() -> Result<Self, prometheus::Error> {
        let registry = Registry::new_custom(Some("tandem".into()), None)?;
        let requests = IntCounterVec::new(
            Opts::new("http_requests_total", "HTTP requests by route and status"),
            &["method", "route", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "HTTP request latency by route")
                .buckets(vec![0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5]),
            &["method", "route"],
        )?;
        let pool_size = IntGauge::new("db_pool_connections", "Open database connections")?;
        let pool_idle = IntGauge::new("db_pool_idle_connections", "Idle database connections")?;
        let pool_max = IntGauge::new("db_pool_max_connections", "Configured pool size")?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(pool_size.clone()))?;
        registry.register(Box::new(pool_idle.clone()))?;
        registry.register(Box::new(pool_max.clone()))?;
        let outbox = IntCounterVec::new(
            Opts::new("outbox_messages_total", "Outbox messages by outcome: sent, retried, dead, cancelled"),
            &["outcome"],
        )?;
        let outbox_depth = IntGauge::new("outbox_depth", "Outbox messages waiting to be sent")?;
        registry.register(Box::new(outbox.clone()))?;
        registry.register(Box::new(outbox_depth.clone()))?;
        Ok(Self { registry, requests, latency, pool_size, pool_idle, pool_max, outbox, outbox_depth })
    }

    /// Counts one outbox outcome.
    pub fn outbox_event(&self, outcome: &str) {
        self.outbox.with_label_values(&[outcome]).inc();
    }

    /// Records the outbox depth read at scrape time.
    pub fn set_outbox_depth(&self, depth: i64) {
        self.outbox_depth.set(depth);
    }

    /// Renders the text exposition format, reading pool gauges now.
    #[must_use]
    pub fn render(&self, pool: &tandem_store::Pool) -> String {
        let state = pool.state();
        self.pool_size.set(i64::from(state.connections));
        self.pool_idle.set(i64::from(state.idle_connections));
        self.pool_max.set(i64::from(pool.max_size()));
        let mut out = Vec::new();
        if let Err(e) = TextEncoder::new().encode(&self.registry.gather(), &mut out) {
            tracing::error!(error = %e, "metrics encoding failed");
        }
        String::from_utf8(out).unwrap_or_default()
    }
}

/// Counts and times every request by its route pattern (not its raw path, which would
/// explode the label set with ids), and echoes the request id as `x-request-id`.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let metrics = req.app_data::<web::Data<AppState>>().map(|s| s.metrics.clone());
    let method = req.method().as_str().to_owned();
    let request_id = req.extensions().get::<tracing_actix_web::RequestId>().map(ToString::to_string);
    let mut res = next.call(req).await?;
    if let Some(metrics) = metrics {
        let route = res.request().match_pattern().unwrap_or_else(|| "unmatched".to_owned());
        let status = res.status().as_u16().to_string();
        metrics.requests.with_label_values(&[method.as_str(), route.as_str(), status.as_str()]).inc();
        metrics.latency.with_label_values(&[method.as_str(), route.as_str()]).observe(started.elapsed().as_secs_f64());
    }
    if let Some(id) = request_id.and_then(|id| HeaderValue::from_str(&id).ok()) {
        res.headers_mut().insert(HeaderName::from_static("x-request-id"), id);
    }
    Ok(res)
}
