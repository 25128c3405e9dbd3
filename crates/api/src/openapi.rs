//! The OpenAPI document. Routes register their own paths through `utoipa-actix-web`;
//! this module adds what is shared: info, the bearer scheme, the problem responses, and
//! the error responses every operation can return.

use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{Modify, OpenApi, ToResponse};

use crate::error::Problem;

macro_rules! problem_response {
    ($name:ident, $desc:literal) => {
        #[derive(ToResponse)]
        #[response(description = $desc, content_type = "application/problem+json")]
        #[allow(dead_code)]
        pub struct $name(Problem);
    };
}

problem_response!(
    BadRequest,
    "The request is malformed: invalid JSON, wrong types, unknown fields or bad query parameters."
);
problem_response!(Unauthorized, "No access token, an invalid or expired one, or a session that has ended.");
problem_response!(Forbidden, "The caller can see the resource but may not do this to it.");
problem_response!(NotFound, "No such resource, or one the caller may not see.");
problem_response!(Conflict, "The request conflicts with the current state; `detail` says how.");
problem_response!(PayloadTooLarge, "The request body is over 64 KiB.");
problem_response!(
    PreconditionFailed,
    "The `If-Match` ETag is stale: someone changed the document since you read it. Read it again."
);
problem_response!(PreconditionRequired, "This update needs an `If-Match` header with the ETag you read.");
problem_response!(UnsupportedMediaType, "The request body is not `application/json`.");
problem_response!(UnprocessableEntity, "The body is well-formed but breaks a rule; `errors` lists the fields.");
problem_response!(
    ControlCharacterInQuery,
    "A query parameter carries a control character (every route refuses them); `errors` names the parameter."
);
problem_response!(TooManyRequests, "Too many attempts from this address; see `Retry-After`.");
problem_response!(InternalError, "An unexpected failure; it has been logged.");
problem_response!(
    RequestTimeout,
    "The request body did not arrive within the body timeout (10 s by default); the connection is closed."
);
problem_response!(
    ServiceUnavailable,
    "The database cannot be reached, or was lost during the request; retry after `Retry-After` seconds. A write answered 503 was not applied, except when the database went away as it committed: retry writes with the same `Idempotency-Key` where the operation takes one."
);

/// The base document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tandem API",
        description = "The backend of a couples-therapy practice: graded-exposure plans, per-partner reports and consent, clinician review and discreet reminders.\n\nAll API routes are under `/api/v1` and take and return JSON. Errors are RFC 9457 `application/problem+json` with a stable `type`. Lists are cursor-paginated (`limit`, `cursor` → `items`, `next_cursor`). Sign in with `POST /api/v1/auth/login` and send the access token as `Authorization: Bearer …`. Sign-in, password-reset and invitation attempts are limited per client address (10 a minute unless the server sets `auth_attempts_per_minute`, `TANDEM_AUTH_ATTEMPTS_PER_MINUTE`; a development server may raise it for test suites).\n\n**Links in emails** open the front-end, at routes each deployment configures under its `public_url` (`TANDEM_PUBLIC_URL`): an invitation opens `{public_url}/invitation#token=…` (setting `invitation_path`, `TANDEM_INVITATION_PATH`), a password reset `{public_url}/password-reset#token=…` (`password_reset_path`, `TANDEM_PASSWORD_RESET_PATH`), alerts and reminders `{public_url}/` (`app_path`, `TANDEM_APP_PATH`). The token travels in the fragment, so it never reaches a server log or a `Referer`: the front-end reads it and sends it to `POST /api/v1/auth/invitations/accept` or `POST /api/v1/auth/password-reset/confirm`. Reminders' unsubscribe links, and their `List-Unsubscribe` header, open this API's own `/unsubscribe/{token}` under `api_url` (`TANDEM_API_URL`, by default the address it listens on).",
        license(name = "Proprietary", identifier = "LicenseRef-Proprietary"),
        contact(name = "Tandem engineering", email = "engineering@tandem.example")
    ),
    servers((url = "/", description = "This server")),
    components(schemas(Problem, crate::error::FieldError), responses(
        BadRequest, Unauthorized, Forbidden, NotFound, RequestTimeout, Conflict, PayloadTooLarge, PreconditionFailed, PreconditionRequired, UnsupportedMediaType,
        UnprocessableEntity, ControlCharacterInQuery, TooManyRequests, InternalError, ServiceUnavailable
    )),
    tags(
        (name = "operations", description = "Health, readiness and metrics for operators; the email outbox for admins."),
        (name = "auth", description = "Sign-in, token refresh, sign-out, invitations and password resets."),
        (name = "me", description = "The signed-in user's own account."),
        (name = "notifications", description = "Reminder preferences and one-click unsubscribe."),
        (name = "users", description = "Practice administration: staff and client accounts."),
        (name = "audit", description = "The practice's append-only audit log."),
        (name = "couples", description = "Couples, their partners and clinicians: the caseload."),
        (name = "exercises", description = "The exercise library: built-in starters and the practice's own."),
        (name = "agreements", description = "Each couple's versioned safety agreement."),
        (name = "plans", description = "Graded-exposure plans: steps, exercise snapshots, lifecycle and consent."),
        (name = "reports", description = "Partners' reports of attempts and daily check-ins."),
        (name = "incidents", description = "Crossed boundaries and withdrawals: private channels to the clinicians."),
        (name = "milestones", description = "Small victories, shared with the couple."),
        (name = "decisions", description = "The recommendation and the clinician's advance / hold / step back."),
        (name = "review", description = "Progress, timeline and export of a couple's record."),
        (name = "needs-map", description = "Each partner's desires and boundaries, with per-item visibility, and the compromises between the partners."),
        (name = "comfort-script", description = "The couple's co-written comfort script for hard days, every version kept."),
        (name = "journal", description = "Journaling prompts, clinicians' assignments and partners' journal entries (private, for the clinician, or shared)."),
        (name = "measures", description = "Scored questionnaires (PHQ-9, GAD-7, CSI-4): assignments, partners' responses, critical answers and their acknowledgement."),
        (name = "reconnect", description = "Reconnect windows: an agreed weekly time for closeness without performance, and the check-ins after each.")
    ),
    modifiers(&CommonResponses)
)]
pub struct ApiDoc;

/// Adds the bearer scheme and, to every operation, the error responses the shared
/// machinery can produce (so a client generated from the spec knows every status).
struct CommonResponses;

impl Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("An access token from `POST /api/v1/auth/login` or `/refresh`."))
                    .build(),
            ),
        );
    }
}

fn add(op: &mut Operation, status: &str, name: &str) {
    op.responses.responses.entry(status.to_owned()).or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
}

/// Adds shared error responses to every operation of a finished document; run after
/// the routes have been collected.
pub fn finish(mut api: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    for item in api.paths.paths.values_mut() {
        let ops = [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch];
        for op in ops.into_iter().flatten() {
            let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
            if !secured {
                // Say explicitly that no token is needed, rather than leave it unsaid.
                op.security = Some(Vec::new());
            }
            let params = op.parameters.as_deref().unwrap_or_default();
            let has_params = !params.is_empty();
            let inline = || params.iter().filter_map(|p| if let RefOr::T(p) = p { Some(p) } else { None });
            let in_path = inline().any(|p| p.parameter_in == ParameterIn::Path);
            let if_match = inline().any(|p| p.parameter_in == ParameterIn::Header && p.name == "If-Match");
            let in_query = inline().any(|p| p.parameter_in == ParameterIn::Query);
            if op.request_body.is_some() {
                add(op, "400", "BadRequest");
                add(op, "408", "RequestTimeout");
                add(op, "413", "PayloadTooLarge");
                add(op, "415", "UnsupportedMediaType");
                add(op, "422", "UnprocessableEntity");
            } else if has_params {
                add(op, "400", "BadRequest");
            }
            if secured {
                add(op, "401", "Unauthorized");
                add(op, "403", "Forbidden");
            }
            if in_path {
                // A path names a resource: absent, or not the caller's to see.
                add(op, "404", "NotFound");
            }
            if if_match {
                add(op, "412", "PreconditionFailed");
                add(op, "428", "PreconditionRequired");
            }
            if in_query {
                // A query parameter that breaks its rule (a `limit` out of range, a
                // cursor this API did not issue) is named in a 422.
                add(op, "422", "UnprocessableEntity");
            } else {
                // Even a route with no input of its own refuses a control character in
                // its query string (crate::input).
                add(op, "422", "ControlCharacterInQuery");
            }
            add(op, "500", "InternalError");
            add(op, "503", "ServiceUnavailable");
        }
    }
    // The last touches are easier on the JSON form: one round trip for both.
    let Ok(mut doc) = serde_json::to_value(&api) else { return api };
    reference_page_items(&mut doc);
    declare_headers(&mut doc);
    list_problem_types(&mut doc);
    add_discriminators(&mut doc);
    crate::examples::add(&mut doc);
    serde_json::from_value(doc).unwrap_or(api)
}

/// Declares the response headers a client relies on: `x-request-id` on every response
/// (quote it when reporting a problem), `Retry-After` on 429 and 503, the `ETag` every
/// versioned document (plan, safety agreement, exercise, plan template) is answered with (send it back as
/// `If-Match`), and `Location` on the 201 of a new plan or plan template.
fn declare_headers(doc: &mut serde_json::Value) {
    use serde_json::{Value, json};
    let request_id = json!({
        "description": "The request's id, also in the server's logs; quote it when reporting a problem.",
        "schema": {"type": "string"}
    });
    let etag = json!({
        "description": "The document's version; send it as `If-Match` with the next change.",
        "schema": {"type": "string"}
    });
    let add = |response: &mut Value, name: &str, header: &Value| {
        if let Some(map) = response.as_object_mut() {
            let headers = map.entry("headers").or_insert_with(|| json!({}));
            if let Some(headers) = headers.as_object_mut() {
                headers.entry(name.to_owned()).or_insert_with(|| header.clone());
            }
        }
    };
    if let Some(responses) = doc.pointer_mut("/components/responses").and_then(Value::as_object_mut) {
        for (name, response) in responses.iter_mut() {
            add(response, "x-request-id", &request_id);
            if name == "TooManyRequests" || name == "ServiceUnavailable" {
                let retry = json!({"description": "Seconds to wait before retrying.", "schema": {"type": "integer"}});
                add(response, "Retry-After", &retry);
            }
        }
    }
    if let Some(paths) = doc.pointer_mut("/paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            let Some(ops) = item.as_object_mut() else { continue };
            for (method, op) in ops.iter_mut() {
                let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else { continue };
                for (status, response) in responses.iter_mut() {
                    if response.get("$ref").is_some() {
                        continue;
                    }
                    add(response, "x-request-id", &request_id);
                    let body = response.pointer("/content/application~1json/schema/$ref").and_then(Value::as_str);
                    let versioned = body.is_some_and(|r| {
                        ["Plan", "Agreement", "Exercise", "PlanTemplate", "DraftedPlan"]
                            .iter()
                            .any(|d| r == format!("#/components/schemas/{d}"))
                    });
                    if status.starts_with('2') && versioned {
                        add(response, "ETag", &etag);
                    }
                    if status == "201" && method == "post" && path == "/api/v1/couples/{couple_id}/plans" {
                        let location = json!({"description": "The new plan's address.", "schema": {"type": "string"}});
                        add(response, "Location", &location);
                    }
                    if status == "201" && method == "post" && path == "/api/v1/plan-templates" {
                        let location =
                            json!({"description": "The new template's address.", "schema": {"type": "string"}});
                        add(response, "Location", &location);
                    }
                }
            }
        }
    }
}

/// Makes each `Paginated_X` list its items as a reference to `X` rather than an inline
/// copy, so generated clients share one type per item and no component stands unused.
fn reference_page_items(doc: &mut serde_json::Value) {
    let Some(schemas) = doc.pointer_mut("/components/schemas").and_then(serde_json::Value::as_object_mut) else {
        return;
    };
    let names: Vec<String> = schemas.keys().cloned().collect();
    for name in &names {
        let Some(item) = name.strip_prefix("Paginated_") else { continue };
        if !schemas.contains_key(item) {
            continue;
        }
        if let Some(items) = schemas.get_mut(name).and_then(|s| s.pointer_mut("/properties/items/items")) {
            *items = serde_json::json!({ "$ref": format!("#/components/schemas/{item}") });
        }
    }
}

/// Lists, on every operation, the problem types it can answer (`x-problem-types`, for
/// client generators), and spells out each 409's refusal codes in its description.
fn list_problem_types(doc: &mut serde_json::Value) {
    use serde_json::{Value, json};
    let Some(paths) = doc.pointer_mut("/paths").and_then(Value::as_object_mut) else { return };
    for item in paths.values_mut() {
        let Some(ops) = item.as_object_mut() else { continue };
        for op in ops.values_mut() {
            let id = op.get("operationId").and_then(Value::as_str).unwrap_or_default().to_owned();
            let codes = crate::problem_types::refusals(&id);
            let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else { continue };
            let mut types: Vec<String> = Vec::new();
            for status in responses.keys() {
                if let Some(slug) = crate::problem_types::slug_of_status(status) {
                    types.push(format!("urn:tandem:problem:{slug}"));
                }
            }
            if !codes.is_empty() {
                let list = codes
                    .iter()
                    .map(|c| format!("- `urn:tandem:problem:{}`: {}.", c.as_str(), c.title()))
                    .collect::<Vec<_>>()
                    .join("\n");
                responses.insert(
                    "409".to_owned(),
                    json!({
                        "description": format!("A rule refused the request. `type` is one of:\n{list}\n\n`reasons` lists every reason, most important first."),
                        "headers": {"x-request-id": {"description": "The request's id, also in the server's logs; quote it when reporting a problem.", "schema": {"type": "string"}}},
                        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
                    }),
                );
                types.extend(codes.iter().map(|c| format!("urn:tandem:problem:{}", c.as_str())));
            }
            types.sort();
            if let Some(op) = op.as_object_mut() {
                op.insert("x-problem-types".to_owned(), json!(types));
            }
        }
    }
    // Every 409 now spells out its own types; the generic one would stand unused.
    let conflict_ref = "#/components/responses/Conflict";
    if !doc.to_string().contains(conflict_ref)
        && let Some(responses) = doc.pointer_mut("/components/responses").and_then(Value::as_object_mut)
    {
        responses.remove("Conflict");
    }
}

/// Marks each union whose variants all carry a one-value `kind` (the timeline's entries)
/// as discriminated on `kind`, with the mapping, so generated clients narrow on it.
fn add_discriminators(doc: &mut serde_json::Value) {
    use serde_json::{Map, Value, json};
    let Some(schemas) = doc.pointer("/components/schemas").and_then(Value::as_object).cloned() else { return };
    let kind_of = |variant: &Value| -> Option<String> {
        let name = variant.get("$ref")?.as_str()?.strip_prefix("#/components/schemas/")?;
        let kind = schemas.get(name)?.pointer("/properties/kind")?;
        let kind = match kind.get("$ref").and_then(Value::as_str) {
            Some(r) => schemas.get(r.strip_prefix("#/components/schemas/")?)?,
            None => kind,
        };
        match kind.get("enum")?.as_array()?.as_slice() {
            [one] => one.as_str().map(str::to_owned),
            _ => None,
        }
    };
    let mut found = Vec::new();
    for (name, schema) in &schemas {
        let Some(variants) = schema.get("oneOf").and_then(Value::as_array) else { continue };
        let mapping: Option<Map<String, Value>> =
            variants.iter().map(|v| Some((kind_of(v)?, v.get("$ref")?.clone()))).collect();
        if let Some(mapping) = mapping.filter(|m| !m.is_empty()) {
            found.push((name.clone(), mapping));
        }
    }
    for (name, mapping) in found {
        if let Some(schema) = doc.pointer_mut(&format!("/components/schemas/{name}")).and_then(Value::as_object_mut) {
            schema.insert("discriminator".to_owned(), json!({"propertyName": "kind", "mapping": mapping}));
        }
    }
}
