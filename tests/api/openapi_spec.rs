//! The spec front-end teams build on: committed, complete, and what the server serves.
//!
//! Regenerate the committed copy after changing routes:
//! `TANDEM_UPDATE_OPENAPI=1 cargo test -p tandem-server --test api openapi` (or
//! `cargo run -q -p tandem-server -- openapi > openapi/openapi.json`).

use std::collections::HashSet;

use serde_json::Value;

use crate::support::TestApp;

fn committed_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../openapi/openapi.json")
}

#[actix_web::test]
async fn the_committed_spec_is_the_served_spec() {
    let app = TestApp::spawn().await;
    let served = app.call("GET", "/openapi.json", None, None).await;
    assert_eq!(served.status, 200);
    if std::env::var("TANDEM_UPDATE_OPENAPI").is_ok() {
        let pretty = serde_json::to_string_pretty(&served.body).unwrap() + "\n";
        std::fs::write(committed_path(), pretty).unwrap();
    }
    let committed: Value =
        serde_json::from_str(&std::fs::read_to_string(committed_path()).expect("openapi/openapi.json exists"))
            .expect("valid JSON");
    assert!(
        committed == served.body,
        "openapi/openapi.json differs from the served spec; regenerate it with `TANDEM_UPDATE_OPENAPI=1 cargo test -p tandem-server --test api openapi` and commit it"
    );
    assert_eq!(served.body["openapi"], "3.1.0");
}

#[test]
fn every_operation_is_documented_for_front_end_teams() {
    let spec = serde_json::to_value(tandem_api::openapi()).unwrap();
    assert!(spec["components"]["securitySchemes"]["bearer"].is_object());
    let mut ids = HashSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let name = format!("{method} {path}");
            let id = op["operationId"].as_str().unwrap_or_else(|| panic!("{name}: operationId"));
            assert!(ids.insert(id.to_owned()), "{name}: duplicate operationId {id}");
            assert!(op["summary"].as_str().is_some_and(|s| !s.is_empty()), "{name}: summary");
            assert!(op["description"].as_str().is_some_and(|s| s.len() > 20), "{name}: description");
            assert!(op["tags"].as_array().is_some_and(|t| !t.is_empty()), "{name}: tags");
            let responses = op["responses"].as_object().unwrap();
            assert!(responses.keys().any(|k| k.starts_with('2')), "{name}: a success response");
            for status in ["500", "503"] {
                assert!(responses.contains_key(status), "{name}: {status}");
            }
            let secured = op["security"].as_array().is_some_and(|s| !s.is_empty());
            if secured {
                assert!(responses.contains_key("401"), "{name}: 401");
            }
            if path.starts_with("/api/v1/") && !path.starts_with("/api/v1/auth/") {
                assert!(secured, "{name}: every API route outside /auth needs a token");
            }
            if op.get("requestBody").is_some() {
                for status in ["400", "413", "415"] {
                    assert!(responses.contains_key(status), "{name}: {status}");
                }
            }
        }
    }
}

/// Every operation lists the problem types it can answer, and every 409 names its
/// refusal codes, so a UI can switch on `type` without reading prose.
#[test]
fn every_operation_lists_its_problem_types() {
    let spec = serde_json::to_value(tandem_api::openapi()).unwrap();
    let mut seen_codes = HashSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let name = format!("{method} {path}");
            let types: Vec<&str> = op["x-problem-types"]
                .as_array()
                .unwrap_or_else(|| panic!("{name}: x-problem-types"))
                .iter()
                .map(|t| t.as_str().unwrap())
                .collect();
            assert!(types.contains(&"urn:tandem:problem:internal"), "{name}: {types:?}");
            let responses = op["responses"].as_object().unwrap();
            if responses.contains_key("404") {
                assert!(types.contains(&"urn:tandem:problem:not-found"), "{name}: {types:?}");
            }
            if let Some(conflict) = responses.get("409") {
                assert!(conflict.get("$ref").is_none(), "{name}: a 409 names its own refusal codes");
                let refusals: Vec<&&str> = types
                    .iter()
                    .filter(|t| {
                        t.strip_prefix("urn:tandem:problem:").is_some_and(|c| c.contains('_') || !c.contains('-'))
                    })
                    .filter(|t| {
                        ![
                            "urn:tandem:problem:internal",
                            "urn:tandem:problem:forbidden",
                            "urn:tandem:problem:unauthorized",
                            "urn:tandem:problem:validation",
                            "urn:tandem:problem:unavailable",
                        ]
                        .contains(t)
                    })
                    .collect();
                assert!(!refusals.is_empty(), "{name}: a 409 without refusal codes");
                for t in refusals {
                    assert!(conflict["description"].as_str().unwrap().contains(*t), "{name}: {t} described");
                    seen_codes.insert(t.to_string());
                }
            }
        }
    }
    for code in tandem_domain::refusal::Code::ALL {
        let t = format!("urn:tandem:problem:{}", code.as_str());
        assert!(seen_codes.contains(&t), "{t} is answered by no documented operation");
    }
    assert!(spec["components"]["responses"].get("Conflict").is_none(), "no generic 409 remains");
}

/// The headers the spec declares are the ones the server sends: the ETag of a plan (read
/// and created, with its Location), `x-request-id` everywhere, `Retry-After` on 429.
#[actix_web::test]
async fn declared_response_headers_are_sent() {
    let app = TestApp::spawn().await;
    let spec = app.call("GET", "/openapi.json", None, None).await.body;
    let declared = |path: &str, method: &str, status: &str, header: &str| {
        let response = &spec["paths"][path][method]["responses"][status];
        let response = match response["$ref"].as_str() {
            Some(r) => &spec["components"]["responses"][r.rsplit('/').next().unwrap()],
            None => response,
        };
        response["headers"][header].is_object()
    };
    let c = crate::plans::couple(&app, "headers").await;
    let created = app
        .post(&format!("/api/v1/couples/{}/plans", c.id), Some(&c.clin), serde_json::json!({"title": "T", "goal": "G"}))
        .await;
    assert_eq!(created.status, 201, "{}", created.raw);
    for header in ["etag", "location", "x-request-id"] {
        assert!(created.header(header).is_some(), "201 sends {header}");
    }
    assert!(declared("/api/v1/couples/{couple_id}/plans", "post", "201", "ETag"));
    assert!(declared("/api/v1/couples/{couple_id}/plans", "post", "201", "Location"));
    assert!(declared("/api/v1/couples/{couple_id}/plans", "post", "201", "x-request-id"));
    let id = created.body["id"].as_str().unwrap();
    let read = app.get(&format!("/api/v1/plans/{id}"), &c.clin).await;
    assert!(read.header("etag").is_some());
    assert!(declared("/api/v1/plans/{plan_id}", "get", "200", "ETag"));
    // With a limit of one attempt a minute, the second is refused with Retry-After.
    let strict = TestApp::spawn_with(|c| c.auth_attempts_per_minute = 1).await;
    let wrong = serde_json::json!({"email": "nobody@headers.test", "password": "not the password"});
    strict.post("/api/v1/auth/login", None, wrong.clone()).await;
    let limited = strict.post("/api/v1/auth/login", None, wrong).await;
    limited.assert_problem(429);
    assert!(limited.header("retry-after").is_some() && limited.header("x-request-id").is_some());
    assert!(declared("/api/v1/auth/login", "post", "429", "Retry-After"));
    assert!(declared("/api/v1/auth/login", "post", "429", "x-request-id"));
}
