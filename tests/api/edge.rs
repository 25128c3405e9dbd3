//! The HTTP edge: problem+json for everything that goes wrong, operations endpoints, CORS.

use serde_json::json;

use crate::support::TestApp;

#[actix_web::test]
async fn oversized_bodies_get_413() {
    let app = TestApp::spawn().await;
    let big = json!({"email": "a@b.test", "password": "x".repeat(70 * 1024)});
    app.post("/api/v1/auth/login", None, big).await.assert_problem(413);
}

#[actix_web::test]
async fn a_body_that_never_arrives_gets_408_and_the_connection_closes() {
    use std::io::{Read, Write};
    use std::time::{Duration, Instant};
    let app = TestApp::spawn_with(|c| c.body_timeout_secs = 1).await;
    let address = app.base.trim_start_matches("http://").to_owned();
    let (answered, closed, answer) = actix_web::rt::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(&address).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
        let started = Instant::now();
        stream
            .write_all(
                b"POST /api/v1/auth/login HTTP/1.1\r\nHost: tandem.test\r\nContent-Type: application/json\r\n\
                  Content-Length: 1000\r\n\r\n",
            )
            .unwrap();
        // Headers only, no body: wait for the answer, then for the server to close.
        let mut answer = vec![0; 4096];
        let n = stream.read(&mut answer).unwrap_or(0);
        let answered = started.elapsed();
        answer.truncate(n);
        let _ = stream.read_to_end(&mut answer);
        (answered, started.elapsed(), String::from_utf8_lossy(&answer).into_owned())
    })
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    let lower = answer.to_ascii_lowercase();
    assert!(lower.contains("content-type: application/problem+json"), "{answer}");
    assert!(lower.contains("connection: close"), "{answer}");
    assert!(answer.contains(r#""type":"urn:tandem:problem:request-timeout""#), "{answer}");
    assert!(answered < Duration::from_secs(3), "answered after {answered:?}");
    assert!(closed < Duration::from_secs(5), "closed after {closed:?}");
    // A body that arrives in time is read as usual.
    app.post("/api/v1/auth/login", None, json!({"email": "a@b.test", "password": "x"})).await.assert_problem(401);
}

#[actix_web::test]
async fn malformed_bodies_get_400_and_wrong_content_types_415() {
    let app = TestApp::spawn().await;
    app.raw("POST", "/api/v1/auth/login", None, "application/json", b"{not json".to_vec()).await.assert_problem(400);
    app.raw("POST", "/api/v1/auth/login", None, "application/json", br#"{"email": 5, "password": "x"}"#.to_vec())
        .await
        .assert_problem(400);
    app.raw("POST", "/api/v1/auth/login", None, "text/plain", br#"{"email": "a@b.test", "password": "x"}"#.to_vec())
        .await
        .assert_problem(415);
    let unknown =
        app.post("/api/v1/auth/login", None, json!({"email": "a@b.test", "password": "x", "role": "admin"})).await;
    unknown.assert_problem(400);
}

#[actix_web::test]
async fn unknown_routes_are_404_and_wrong_methods_405() {
    let app = TestApp::spawn().await;
    app.call("GET", "/api/v1/nothing-here", None, None).await.assert_problem(404);
    let wrong = app.call("DELETE", "/api/v1/auth/login", None, None).await;
    wrong.assert_problem(405);
    assert_eq!(wrong.header("allow"), Some("POST"));
}

#[actix_web::test]
async fn operations_endpoints_report_health_and_metrics() {
    let app = TestApp::spawn().await;
    let live = app.call("GET", "/livez", None, None).await;
    assert_eq!(live.body["status"], "ok");
    let ready = app.call("GET", "/readyz", None, None).await;
    assert_eq!(ready.status, 200, "{}", ready.raw);
    assert_eq!(ready.body["pending_migrations"], 0);
    assert_eq!(ready.body["database"], if crate::support::on_postgres() { "postgres" } else { "sqlite" });
    app.call("GET", "/api/v1/me", None, None).await;
    let metrics = app.call("GET", "/metrics", None, None).await;
    assert_eq!(metrics.status, 200);
    assert!(
        metrics.raw.contains(r#"tandem_http_requests_total{method="GET",route="/api/v1/me",status="401"} 1"#),
        "{}",
        metrics.raw
    );
    assert!(metrics.raw.contains("tandem_http_request_duration_seconds_bucket"));
    assert!(metrics.raw.contains("tandem_db_pool_max_connections 4"));
    assert!(live.header("x-request-id").is_some_and(|id| id.len() >= 32));
}

#[actix_web::test]
async fn cors_allows_only_configured_origins() {
    let app = TestApp::spawn_with(|c| c.cors_origins = "https://app.example.org".into()).await;
    let preflight = |origin: &'static str| {
        app.client
            .request(awc::http::Method::OPTIONS, app.url("/api/v1/me"))
            .insert_header(("Origin", origin))
            .insert_header(("Access-Control-Request-Method", "GET"))
            .insert_header(("Access-Control-Request-Headers", "authorization"))
            .send()
    };
    let allowed = preflight("https://app.example.org").await.unwrap();
    assert_eq!(
        allowed.headers().get("access-control-allow-origin").and_then(|v| v.to_str().ok()),
        Some("https://app.example.org")
    );
    let other = preflight("https://evil.example.com").await.unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
}

#[actix_web::test]
async fn the_docs_work_offline() {
    let app = TestApp::spawn().await;
    // The exact address the startup banner prints, `{base}/docs`, leads to the page.
    let bare = awc::Client::builder().disable_redirects().finish().get(app.url("/docs")).send().await.unwrap();
    assert_eq!(bare.status(), 308);
    assert_eq!(bare.headers().get("location").and_then(|v| v.to_str().ok()), Some("/docs/"));
    let followed = app.client.get(app.url("/docs")).send().await.unwrap().body().await.unwrap();
    assert!(String::from_utf8_lossy(&followed).contains("swagger-ui"));
    let page = app.client.get(app.url("/docs/")).send().await.unwrap().body().await.unwrap();
    let page = String::from_utf8_lossy(&page);
    assert!(page.contains("swagger-ui"), "{page}");
    assert!(!page.contains("cdn."), "no CDN: {page}");
    let config = app.client.get(app.url("/docs/swagger-initializer.js")).send().await.unwrap().body().await.unwrap();
    assert!(String::from_utf8_lossy(&config).contains("/openapi.json"));
}

#[actix_web::test]
async fn a_database_that_is_down_gets_503_not_a_hang_or_a_500() {
    use std::sync::Arc;
    let dir = tempfile::tempdir().unwrap();
    let config = tandem_server::Config {
        bind: "127.0.0.1:0".into(),
        data_dir: dir.path().to_path_buf(),
        // Nothing listens on port 1.
        database_url: Some("postgres://postgres@127.0.0.1:1/tandem".into()),
        db_timeout_secs: 1,
        workers: 1,
        ..tandem_server::Config::default()
    };
    let (state, shutdown) = tandem_server::build_state(&config, Arc::new(tandem_domain::SystemClock)).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tandem_api::server(state.clone(), listener, 1).unwrap();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    let client = awc::Client::default();
    let ready = client.get(format!("http://127.0.0.1:{port}/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 503);
    assert_eq!(
        client.get(format!("http://127.0.0.1:{port}/livez")).send().await.unwrap().status(),
        200,
        "alive while the database is down"
    );
    let mut login = client
        .post(format!("http://127.0.0.1:{port}/api/v1/auth/login"))
        .send_json(&json!({"email": "a@b.test", "password": "whatever password"}))
        .await
        .unwrap();
    assert_eq!(login.status(), 503);
    assert_eq!(login.headers().get("content-type").unwrap(), "application/problem+json");
    assert!(login.headers().get("retry-after").is_some());
    let body: serde_json::Value = login.json().await.unwrap();
    assert_eq!(body["type"], "urn:tandem:problem:unavailable");
    assert!(!body.to_string().contains("127.0.0.1:1"), "no connection details leak: {body}");
    handle.stop(false).await;
    // The pool keeps trying to connect while it lives; it must stop before the process exits.
    assert!(shutdown.run(state, std::time::Duration::from_secs(20)).await, "the pool closes");
}

#[actix_web::test]
async fn a_write_whose_connection_dies_mid_transaction_gets_503_and_a_retry_goes_through() {
    use diesel::connection::SimpleConnection;
    use diesel::{Connection, QueryableByName, RunQueryDsl};
    if !crate::support::on_postgres() {
        eprintln!("PostgreSQL only: it terminates the write's server process");
        return;
    }
    #[derive(QueryableByName)]
    struct Backend {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        pid: i32,
    }
    let app = TestApp::spawn().await;
    let c = crate::plans::couple(&app, "riverside").await;
    let url = app.state_database_url();
    // A lock the check-in's insert waits for, so the write is inside its transaction
    // when its server process is terminated (SQLSTATE 57P01, as in a shutdown).
    let mut locker = diesel::PgConnection::establish(&url).unwrap();
    locker.batch_execute("BEGIN; LOCK TABLE check_ins IN EXCLUSIVE MODE").unwrap();
    let mut monitor = diesel::PgConnection::establish(&url).unwrap();
    let path = format!("/api/v1/couples/{}/check-ins", c.id);
    let body =
        json!({"felt_good": "a", "was_hard": "b", "to_adjust": "c", "stress": 2, "visibility": "clinician_only"});
    let headers = [("Idempotency-Key", "mid-transaction")];
    let terminate = async {
        for _ in 0..200 {
            let waiting: Vec<Backend> = diesel::sql_query(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() \
                 AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()",
            )
            .load(&mut monitor)
            .unwrap();
            if let Some(b) = waiting.first() {
                diesel::sql_query(format!("SELECT pg_terminate_backend({})", b.pid)).execute(&mut monitor).unwrap();
                locker.batch_execute("ROLLBACK").unwrap();
                return;
            }
            actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("the check-in never waited for the lock");
    };
    let (reply, ()) =
        futures_util::future::join(app.call_with("POST", &path, Some(&c.a), Some(body.clone()), &headers), terminate)
            .await;
    reply.assert_problem(503);
    assert_eq!(reply.body["type"], "urn:tandem:problem:unavailable");
    assert!(reply.header("retry-after").is_some(), "{:?}", reply.headers);
    // The dead connection is not handed out again: the retry and the next read work.
    let retried = app.call_with("POST", &path, Some(&c.a), Some(body), &headers).await;
    assert_eq!(retried.status, 201, "{}", retried.raw);
    let list = app.get(&path, &c.clin).await;
    assert_eq!(list.status, 200, "{}", list.raw);
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1, "written once: {}", list.raw);
}
