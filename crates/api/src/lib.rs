//! Tandem's HTTP API: actix-web handlers, auth, problem+json errors and the OpenAPI
//! document.
//!
//! [`openapi`] and [`server`] share one route table, so the served spec, the committed
//! spec and the routes cannot drift apart.

pub mod auth;
/// Audit events and the read-event queue live with the use cases.
pub use tandem_service::audit;
pub mod body;
pub mod config;
pub mod db;
pub mod error;
pub mod etag;
pub mod examples;
pub mod handlers;
pub mod idempotency;
pub mod input;
pub mod metrics;
pub mod openapi;
pub mod pagination;
pub mod problem_types;
pub mod state;
pub mod views;

use std::net::TcpListener;
use std::sync::Arc;

use actix_cors::Cors;
use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, middleware, web};
use tracing_actix_web::TracingLogger;
use utoipa::OpenApi as _;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::{AppExt, scope};
use utoipa_swagger_ui::SwaggerUi;

pub use config::ApiConfig;
pub use error::{ApiError, ApiResult};
pub use state::AppState;

use crate::handlers::reconnect_windows;
use crate::handlers::{
    agenda, agreements, audit_events, auth as auth_routes, break_glass, check_ins, comfort_script, compromises,
    consents, couple_clinicians, couples, decisions, exercises, incidents, invitations, journal, journal_assignments,
    journal_prompts, me, measure_assignments, measure_responses, milestones, needs_map, ops, outbox,
    partner_invitations, password_reset, plan_templates, plans, preferences, reports, review as review_routes,
    step_exercises, steps, unsubscribe, users,
};

/// Every route, registered once for both the app and the spec.
fn routes(cfg: &mut ServiceConfig<'_>) {
    cfg.service(ops::livez)
        .service(ops::readyz)
        .service(ops::metrics)
        .service(unsubscribe::unsubscribe_post)
        .service(unsubscribe::unsubscribe_page)
        .service(
            scope::scope("/api/v1")
                .service(auth_routes::login)
                .service(auth_routes::refresh)
                .service(auth_routes::logout)
                .service(invitations::accept_invitation)
                .service(password_reset::request_password_reset)
                .service(password_reset::confirm_password_reset)
                // `me/agenda` before `me`'s siblings so nothing shadows it.
                .service(agenda::get_agenda)
                .service(preferences::get_preferences)
                .service(preferences::put_preferences)
                .service(outbox::list_outbox)
                .service(outbox::retry_outbox)
                .service(me::get_me)
                .service(me::update_me)
                .service(users::list_users)
                .service(users::create_user)
                .service(users::get_user)
                .service(users::update_user)
                .service(audit_events::list_audit_events)
                .service(couples::list_couples)
                .service(couples::create_couple)
                .service(couples::get_couple)
                .service(couples::update_couple)
                .service(couple_clinicians::assign_clinician)
                .service(couple_clinicians::unassign_clinician)
                .service(partner_invitations::resend_invitation)
                .service(break_glass::open)
                .service(break_glass::list)
                .service(exercises::list_exercises)
                .service(exercises::create_exercise)
                .service(exercises::get_exercise)
                .service(exercises::update_exercise)
                .service(exercises::archive_exercise)
                .service(agreements::get_agreement)
                .service(agreements::put_agreement)
                .service(agreements::list_versions)
                .service(agreements::acknowledge)
                .service(plans::list_plans)
                .service(plans::create_plan)
                .service(plans::get_plan)
                .service(plans::update_plan)
                .service(plans::change_status)
                .service(steps::add_step)
                // `steps/order` before `steps/{step_id}`, so "order" is not taken for an id.
                .service(steps::reorder_steps)
                .service(steps::update_step)
                .service(steps::delete_step)
                .service(step_exercises::add_exercise)
                .service(step_exercises::remove_exercise)
                .service(consents::set_consent)
                .service(plan_templates::list_plan_templates)
                .service(plan_templates::create_plan_template)
                .service(plan_templates::get_plan_template)
                .service(plan_templates::update_plan_template)
                .service(plan_templates::archive_plan_template)
                .service(reports::create_report)
                .service(reports::list_reports)
                .service(check_ins::create_check_in)
                .service(check_ins::list_check_ins)
                .service(incidents::create_incident)
                .service(incidents::list_incidents)
                .service(incidents::update_incident)
                .service(incidents::withdraw)
                .service(milestones::list_milestones)
                .service(milestones::create_milestone)
                .service(decisions::get_recommendation)
                .service(decisions::list_decisions)
                .service(decisions::decide)
                .service(review_routes::get_progress)
                .service(review_routes::get_timeline)
                .service(review_routes::export)
                // The couple's toolkit: needs map, compromises, comfort script.
                .service(needs_map::get_needs_map)
                .service(needs_map::create_item)
                .service(needs_map::update_item)
                .service(needs_map::delete_item)
                .service(compromises::propose)
                .service(compromises::accept)
                .service(compromises::withdraw)
                .service(comfort_script::get_comfort_script)
                .service(comfort_script::put_comfort_script)
                .service(comfort_script::list_versions)
                .service(journal_prompts::list_journal_prompts)
                .service(journal_prompts::create_journal_prompt)
                .service(journal_prompts::archive_journal_prompt)
                .service(journal_assignments::assign_journal_prompt)
                .service(journal_assignments::list_journal_prompt_assignments)
                .service(journal_assignments::remove_journal_prompt_assignment)
                .service(journal::create_journal_entry)
                .service(journal::list_journal_entries)
                // Scored measures (docs/measures.md).
                .service(measure_assignments::list_measures)
                .service(measure_assignments::create_assignment)
                .service(measure_assignments::list_assignments)
                .service(measure_assignments::end_assignment)
                .service(measure_responses::create_response)
                .service(measure_responses::list_responses)
                .service(measure_responses::acknowledge)
                .service(reconnect_windows::propose)
                .service(reconnect_windows::list)
                .service(reconnect_windows::accept)
                .service(reconnect_windows::cancel)
                .service(reconnect_windows::create_check_in),
        );
}

/// The OpenAPI document, exactly as served at `/openapi.json`.
#[must_use]
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, api) = App::new().into_utoipa_app().openapi(openapi::ApiDoc::openapi()).configure(routes).split_for_parts();
    openapi::finish(api)
}

/// Paths and methods the API serves, to tell 405 from 404.
#[derive(Debug, Default)]
struct RouteTable(Vec<(Vec<String>, Vec<Method>)>);

impl RouteTable {
    fn from_spec(api: &utoipa::openapi::OpenApi) -> Self {
        let routes = api
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let segments = path.split('/').map(str::to_owned).collect();
                let mut methods = Vec::new();
                for (present, method) in [
                    (item.get.is_some(), Method::GET),
                    (item.post.is_some(), Method::POST),
                    (item.put.is_some(), Method::PUT),
                    (item.patch.is_some(), Method::PATCH),
                    (item.delete.is_some(), Method::DELETE),
                ] {
                    if present {
                        methods.push(method);
                    }
                }
                (segments, methods)
            })
            .collect();
        Self(routes)
    }

    fn allowed(&self, path: &str) -> Option<&[Method]> {
        let parts: Vec<&str> = path.split('/').collect();
        self.0.iter().find_map(|(segments, methods)| {
            let same =
                segments.len() == parts.len() && segments.iter().zip(&parts).all(|(s, p)| s.starts_with('{') || s == p);
            same.then_some(methods.as_slice())
        })
    }
}

/// Unknown routes answer problem+json: 405 with `Allow` when the path exists, else 404.
async fn fallback(req: HttpRequest, table: web::Data<RouteTable>) -> HttpResponse {
    use actix_web::ResponseError;
    match table.allowed(req.path()) {
        Some(methods) if !methods.contains(req.method()) => {
            let allow = methods.iter().map(Method::as_str).collect::<Vec<_>>().join(", ");
            let mut res = ApiError::MethodNotAllowed.error_response();
            if let Ok(v) = header::HeaderValue::from_str(&allow) {
                res.headers_mut().insert(header::ALLOW, v);
            }
            res
        }
        _ => ApiError::NotFound.error_response(),
    }
}

/// `/docs` (the address the README and the startup banner give) leads to the docs page,
/// which is served under `/docs/`.
async fn docs_home() -> HttpResponse {
    HttpResponse::PermanentRedirect().insert_header((header::LOCATION, "/docs/")).finish()
}

fn cors(config: &ApiConfig) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            header::HeaderName::from_static("idempotency-key"),
        ])
        .expose_headers([
            header::ETAG,
            header::LOCATION,
            header::RETRY_AFTER,
            header::HeaderName::from_static("x-request-id"),
        ])
        .max_age(3600);
    for origin in &config.cors_origins {
        cors = cors.allowed_origin(origin);
    }
    cors
}

/// The application with every route, extractor configuration and middleware.
pub fn app(
    state: web::Data<AppState>,
    spec: Arc<utoipa::openapi::OpenApi>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let table = web::Data::new(RouteTable::from_spec(&spec));
    let cors = cors(&state.config);
    let (app, _) = App::new()
        .into_utoipa_app()
        .app_data(state)
        .app_data(table)
        .app_data(web::JsonConfig::default().limit(config::JSON_LIMIT).error_handler(error::json_error))
        .app_data(web::QueryConfig::default().error_handler(error::query_error))
        .app_data(web::PathConfig::default().error_handler(error::path_error))
        .configure(routes)
        .split_for_parts();
    app.service(web::resource("/docs").get(docs_home))
        .service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", (*spec).clone()))
        .default_service(web::to(fallback))
        .wrap(middleware::from_fn(input::refuse_control_characters))
        .wrap(middleware::from_fn(body::deadline))
        .wrap(middleware::from_fn(metrics::middleware))
        .wrap(cors)
        .wrap(TracingLogger::default())
}

/// Binds the HTTP server to `listener`. Shutdown (SIGINT/SIGTERM or the returned
/// handle) lets in-flight requests finish for up to 30 s.
pub fn server(state: AppState, listener: TcpListener, workers: usize) -> std::io::Result<Server> {
    let spec = Arc::new(openapi());
    let data = web::Data::new(state);
    Ok(HttpServer::new(move || app(data.clone(), spec.clone()))
        .workers(workers.max(1))
        .shutdown_timeout(30)
        .listen(listener)?
        .run())
}
