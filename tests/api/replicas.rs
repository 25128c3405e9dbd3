//! Several replicas on one PostgreSQL database: the credential limit is counted across
//! them, and a session ended on one stops working on the others at once (LISTEN/NOTIFY),
//! not when their session cache ages. On SQLite (one process) there is nothing to share:
//! these tests return early there.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::support::{PASSWORD, TestApp, on_postgres};

/// Two replicas on one fresh PostgreSQL database, the first with a practice.
async fn two_replicas(configure: impl Fn(&mut tandem_server::Config) + Copy) -> (TestApp, TestApp) {
    let a = TestApp::spawn_with(configure).await;
    // One outbox worker (a's): emails then land in a's mail directory, where the tests
    // read invitation links, whichever replica queued them.
    let b = TestApp::spawn_on(&a.state_database_url(), move |c| {
        configure(c);
        c.run_worker = false;
    })
    .await;
    a.practice("Riverside", "admin@riverside.test", false);
    (a, b)
}

/// Polls `GET /me` on `app` with `token` until it answers 401; returns how long it took.
async fn until_refused(app: &TestApp, token: &str) -> Duration {
    let started = Instant::now();
    loop {
        let reply = app.get("/api/v1/me", token).await;
        if reply.status == 401 {
            return started.elapsed();
        }
        assert_eq!(reply.status, 200, "{}", reply.raw);
        assert!(started.elapsed() < Duration::from_secs(5), "the other replica still accepts the token after 5 s");
        actix_web::rt::time::sleep(Duration::from_millis(10)).await;
    }
}

#[actix_web::test]
async fn the_credential_limit_is_counted_across_replicas() {
    if !on_postgres() {
        return;
    }
    let (a, b) = two_replicas(|c| c.auth_attempts_per_minute = 10).await;
    let wrong = json!({"email": "admin@riverside.test", "password": "wrong password!"});
    for i in 0..10 {
        let app = if i % 2 == 0 { &a } else { &b };
        assert_eq!(app.post("/api/v1/auth/login", None, wrong.clone()).await.status, 401, "attempt {}", i + 1);
    }
    for app in [&a, &b] {
        let limited = app.post("/api/v1/auth/login", None, wrong.clone()).await;
        limited.assert_problem(429);
        assert!(
            limited.header("retry-after").and_then(|s| s.parse::<u64>().ok()).is_some_and(|s| (1..=80).contains(&s))
        );
    }
    // Minutes later (both clocks moved) the address may try again, and the buckets that
    // no longer count are deleted.
    for app in [&a, &b] {
        app.clock.advance(chrono::Duration::seconds(150));
    }
    assert_eq!(a.post("/api/v1/auth/login", None, wrong.clone()).await.status, 401);
    let left: i64 = {
        use diesel::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut conn = a.state.pool.get().unwrap();
        diesel::sql_query("SELECT COUNT(*) AS n FROM auth_attempts").get_result::<N>(&mut conn).unwrap().n
    };
    assert_eq!(left, 1, "expired buckets stay");
}

#[actix_web::test]
async fn logout_on_one_replica_ends_the_session_on_the_other_within_a_second() {
    if !on_postgres() {
        return;
    }
    let (a, b) = two_replicas(|_| {}).await;
    let pair = a.login("admin@riverside.test", PASSWORD).await;
    let access = pair["access_token"].as_str().unwrap();
    // B has checked the session and caches it; its clock never moves, so only the news
    // from A can end it there.
    assert_eq!(b.get("/api/v1/me", access).await.status, 200);
    assert_eq!(b.get("/api/v1/me", access).await.status, 200);
    let reply = a.post("/api/v1/auth/logout", None, json!({"refresh_token": pair["refresh_token"]})).await;
    assert_eq!(reply.status, 204, "{}", reply.raw);
    let delay = until_refused(&b, access).await;
    eprintln!("logout on A reached B in {delay:?}");
    assert!(delay < Duration::from_secs(1), "took {delay:?}");
}

#[actix_web::test]
async fn refresh_token_reuse_on_one_replica_ends_the_session_on_the_other_within_a_second() {
    if !on_postgres() {
        return;
    }
    let (a, b) = two_replicas(|_| {}).await;
    let first = a.login("admin@riverside.test", PASSWORD).await;
    let old = first["refresh_token"].as_str().unwrap();
    let second = a.post("/api/v1/auth/refresh", None, json!({"refresh_token": old})).await;
    assert_eq!(second.status, 200, "{}", second.raw);
    let access = second.body["access_token"].as_str().unwrap();
    assert_eq!(b.get("/api/v1/me", access).await.status, 200);
    // Past the retry grace, presenting the old token again is reuse: the family ends.
    a.clock.advance(chrono::Duration::minutes(2));
    assert_eq!(a.post("/api/v1/auth/refresh", None, json!({"refresh_token": old})).await.status, 401);
    let delay = until_refused(&b, access).await;
    eprintln!("refresh reuse on A reached B in {delay:?}");
    assert!(delay < Duration::from_secs(1), "took {delay:?}");
}

#[actix_web::test]
async fn deactivation_on_one_replica_ends_the_users_sessions_on_the_other_within_a_second() {
    if !on_postgres() {
        return;
    }
    let (a, b) = two_replicas(|_| {}).await;
    let admin = a.token("admin@riverside.test").await;
    let (staff_token, staff_id) = a.staff(&admin, "sam@riverside.test", &["clinician"]).await;
    assert_eq!(b.get("/api/v1/me", &staff_token).await.status, 200);
    let reply = a.patch(&format!("/api/v1/users/{staff_id}"), &admin, json!({"status": "deactivated"})).await;
    assert_eq!(reply.status, 200, "{}", reply.raw);
    let delay = until_refused(&b, &staff_token).await;
    assert!(delay < Duration::from_secs(1), "took {delay:?}");
}
