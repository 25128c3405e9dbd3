//! Sign-in, tokens and sessions, attacked as well as used.

use chrono::Duration;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};

use crate::support::{ClockExt, OTHER_SECRET, PASSWORD, TEST_SECRET, TestApp, b64};

async fn signed_in_admin(app: &TestApp) -> Value {
    app.practice("Riverside", "admin@riverside.test", false);
    app.login("admin@riverside.test", PASSWORD).await
}

#[actix_web::test]
async fn login_gives_tokens_that_open_me() {
    let app = TestApp::spawn().await;
    let pair = signed_in_admin(&app).await;
    assert_eq!(pair["token_type"], "Bearer");
    assert_eq!(pair["expires_in"], 900);
    assert!(pair["refresh_token"].as_str().is_some_and(|t| t.len() >= 40));
    let me = app.get("/api/v1/me", pair["access_token"].as_str().unwrap()).await;
    assert_eq!(me.status, 200, "{}", me.raw);
    assert_eq!(me.body["user"]["email"], "admin@riverside.test");
    assert_eq!(me.body["user"]["roles"], json!(["admin"]));
    assert_eq!(me.body["practice"]["name"], "Riverside");
}

#[actix_web::test]
async fn email_case_does_not_matter() {
    let app = TestApp::spawn().await;
    app.practice("Riverside", "admin@riverside.test", false);
    app.login("  ADMIN@Riverside.Test ", PASSWORD).await;
}

#[actix_web::test]
async fn unknown_email_and_wrong_password_answer_identically() {
    let app = TestApp::spawn().await;
    app.practice("Riverside", "admin@riverside.test", false);
    let wrong = app
        .post("/api/v1/auth/login", None, json!({"email": "admin@riverside.test", "password": "not the password"}))
        .await;
    let unknown = app
        .post("/api/v1/auth/login", None, json!({"email": "nobody@riverside.test", "password": "not the password"}))
        .await;
    wrong.assert_problem(401);
    unknown.assert_problem(401);
    assert_eq!(wrong.body, unknown.body);
    assert_eq!(wrong.header("www-authenticate"), unknown.header("www-authenticate"));
}

#[actix_web::test]
async fn login_is_rate_limited_per_address() {
    let app = TestApp::spawn_with(|c| c.auth_attempts_per_minute = 5).await;
    app.practice("Riverside", "admin@riverside.test", false);
    let body = json!({"email": "admin@riverside.test", "password": "wrong password!"});
    for _ in 0..5 {
        assert_eq!(app.post("/api/v1/auth/login", None, body.clone()).await.status, 401);
    }
    let limited = app.post("/api/v1/auth/login", None, body.clone()).await;
    limited.assert_problem(429);
    assert!(limited.header("retry-after").and_then(|s| s.parse::<u64>().ok()).is_some_and(|s| s >= 1));
    // Even the right password waits.
    let right =
        app.post("/api/v1/auth/login", None, json!({"email": "admin@riverside.test", "password": PASSWORD})).await;
    right.assert_problem(429);
}

#[actix_web::test]
async fn refresh_rotates_and_a_prompt_retry_gets_the_same_pair() {
    let app = TestApp::spawn().await;
    let first = signed_in_admin(&app).await;
    let old = first["refresh_token"].as_str().unwrap();
    let second = app.post("/api/v1/auth/refresh", None, json!({"refresh_token": old})).await;
    assert_eq!(second.status, 200, "{}", second.raw);
    assert_ne!(second.body["refresh_token"], first["refresh_token"]);
    app.clock.advance(Duration::seconds(3));
    let retry = app.post("/api/v1/auth/refresh", None, json!({"refresh_token": old})).await;
    assert_eq!(retry.status, 200, "{}", retry.raw);
    assert_eq!(retry.body["refresh_token"], second.body["refresh_token"]);
    assert_eq!(retry.body["access_token"], second.body["access_token"]);
    // The new token keeps working.
    let third = app.post("/api/v1/auth/refresh", None, json!({"refresh_token": second.body["refresh_token"]})).await;
    assert_eq!(third.status, 200, "{}", third.raw);
    assert_eq!(app.get("/api/v1/me", third.body["access_token"].as_str().unwrap()).await.status, 200);
}

#[actix_web::test]
async fn reusing_an_old_refresh_token_revokes_the_whole_family() {
    let app = TestApp::spawn().await;
    let first = signed_in_admin(&app).await;
    let second = app.post("/api/v1/auth/refresh", None, json!({"refresh_token": first["refresh_token"]})).await;
    assert_eq!(second.status, 200);
    app.clock.advance(Duration::seconds(11));
    let stolen = app.post("/api/v1/auth/refresh", None, json!({"refresh_token": first["refresh_token"]})).await;
    stolen.assert_problem(401);
    // The legitimate holder's newer token is dead too, and so are its access tokens.
    let newer = app.post("/api/v1/auth/refresh", None, json!({"refresh_token": second.body["refresh_token"]})).await;
    newer.assert_problem(401);
    app.clock.advance(Duration::seconds(11));
    app.get("/api/v1/me", second.body["access_token"].as_str().unwrap()).await.assert_problem(401);
}

#[actix_web::test]
async fn logout_ends_the_session() {
    let app = TestApp::spawn().await;
    let pair = signed_in_admin(&app).await;
    let out = app.post("/api/v1/auth/logout", None, json!({"refresh_token": pair["refresh_token"]})).await;
    assert_eq!(out.status, 204, "{}", out.raw);
    app.post("/api/v1/auth/refresh", None, json!({"refresh_token": pair["refresh_token"]})).await.assert_problem(401);
    app.get("/api/v1/me", pair["access_token"].as_str().unwrap()).await.assert_problem(401);
    // Logging out twice is harmless.
    assert_eq!(
        app.post("/api/v1/auth/logout", None, json!({"refresh_token": pair["refresh_token"]})).await.status,
        204
    );
}

#[actix_web::test]
async fn an_idle_staff_session_expires_after_an_hour() {
    let app = TestApp::spawn().await;
    let pair = signed_in_admin(&app).await;
    app.clock.advance(Duration::minutes(59));
    let kept = app.post("/api/v1/auth/refresh", None, json!({"refresh_token": pair["refresh_token"]})).await;
    assert_eq!(kept.status, 200, "activity within the hour keeps the session: {}", kept.raw);
    app.clock.advance(Duration::minutes(61));
    let idle = app.post("/api/v1/auth/refresh", None, json!({"refresh_token": kept.body["refresh_token"]})).await;
    idle.assert_problem(401);
    assert!(idle.body["detail"].as_str().is_some_and(|d| d.contains("idle")), "{}", idle.raw);
}

#[actix_web::test]
async fn access_tokens_expire_after_fifteen_minutes() {
    let app = TestApp::spawn().await;
    let pair = signed_in_admin(&app).await;
    let token = pair["access_token"].as_str().unwrap();
    app.clock.advance(Duration::minutes(14));
    assert_eq!(app.get("/api/v1/me", token).await.status, 200);
    app.clock.advance(Duration::minutes(2));
    app.get("/api/v1/me", token).await.assert_problem(401);
}

/// Claims of a real session, to tamper with.
fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    let bytes = base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload).unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

fn forge(claims: &Value, alg: Algorithm, kid: Option<&str>, typ: &str, secret: &[u8]) -> String {
    let mut header = Header::new(alg);
    header.kid = kid.map(str::to_owned);
    header.typ = Some(typ.to_owned());
    encode(&header, claims, &EncodingKey::from_secret(secret)).unwrap()
}

#[actix_web::test]
async fn forged_and_damaged_tokens_are_refused() {
    let app = TestApp::spawn().await;
    let pair = signed_in_admin(&app).await;
    let real = pair["access_token"].as_str().unwrap();
    let claims = claims_of(real);
    // The real token works, and so does a faithful re-signing: the attacks below fail
    // for the reason they name, not because forging is broken.
    assert_eq!(app.get("/api/v1/me", real).await.status, 200);
    assert_eq!(
        app.get("/api/v1/me", &forge(&claims, Algorithm::HS256, Some("test"), "at+jwt", &TEST_SECRET)).await.status,
        200
    );

    let header_none = b64_url(br#"{"alg":"none","typ":"at+jwt","kid":"test"}"#);
    let body = b64_url(serde_json::to_string(&claims).unwrap().as_bytes());
    let mut tampered = claims.clone();
    tampered["sub"] = json!("01936f3e-8a4b-7c2d-9e1f-0a1b2c3d4e5f");
    let real_parts: Vec<&str> = real.split('.').collect();
    let mut wrong_aud = claims.clone();
    wrong_aud["aud"] = json!("another-api");
    let mut wrong_iss = claims.clone();
    wrong_iss["iss"] = json!("someone-else");
    let mut expired = claims.clone();
    expired["exp"] = json!(app.clock.now_utc().timestamp() - 1);

    let attacks = [
        ("alg none", format!("{header_none}.{body}.")),
        ("wrong algorithm", forge(&claims, Algorithm::HS384, Some("test"), "at+jwt", &TEST_SECRET)),
        (
            "tampered payload",
            format!(
                "{}.{}.{}",
                real_parts[0],
                b64_url(serde_json::to_string(&tampered).unwrap().as_bytes()),
                real_parts[2]
            ),
        ),
        ("wrong audience", forge(&wrong_aud, Algorithm::HS256, Some("test"), "at+jwt", &TEST_SECRET)),
        ("wrong issuer", forge(&wrong_iss, Algorithm::HS256, Some("test"), "at+jwt", &TEST_SECRET)),
        ("expired", forge(&expired, Algorithm::HS256, Some("test"), "at+jwt", &TEST_SECRET)),
        ("unknown kid", forge(&claims, Algorithm::HS256, Some("nope"), "at+jwt", &TEST_SECRET)),
        ("no kid", forge(&claims, Algorithm::HS256, None, "at+jwt", &TEST_SECRET)),
        ("wrong typ", forge(&claims, Algorithm::HS256, Some("test"), "JWT", &TEST_SECRET)),
        ("wrong key", forge(&claims, Algorithm::HS256, Some("test"), "at+jwt", &OTHER_SECRET)),
        ("garbage", "not.a.jwt".to_owned()),
    ];
    for (name, token) in attacks {
        let reply = app.get("/api/v1/me", &token).await;
        assert_eq!(reply.status, 401, "{name}: {}", reply.raw);
        reply.assert_problem(401);
    }
    app.call("GET", "/api/v1/me", None, None).await.assert_problem(401);
}

fn b64_url(bytes: &[u8]) -> String {
    base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, bytes)
}

#[actix_web::test]
async fn tokens_signed_with_a_retiring_key_stay_valid_during_rotation() {
    let app = TestApp::spawn_with(|c| {
        c.signing_keys = Some(format!("old:{},new:{}", b64(&TEST_SECRET), b64(&OTHER_SECRET)));
        c.active_signing_key = Some("new".into());
    })
    .await;
    let pair = signed_in_admin(&app).await;
    let token = pair["access_token"].as_str().unwrap();
    let header = jsonwebtoken::decode_header(token).unwrap();
    assert_eq!(header.kid.as_deref(), Some("new"), "new tokens are signed with the active key");
    let by_old_key = forge(&claims_of(token), Algorithm::HS256, Some("old"), "at+jwt", &TEST_SECRET);
    assert_eq!(app.get("/api/v1/me", &by_old_key).await.status, 200);
}

#[actix_web::test]
async fn an_invited_staff_member_accepts_once_and_signs_in() {
    let app = TestApp::spawn().await;
    let admin = signed_in_admin(&app).await;
    let admin_token = admin["access_token"].as_str().unwrap();
    let created = app
        .post(
            "/api/v1/users",
            Some(admin_token),
            json!({"email": "new@riverside.test", "display_name": "Dr. New", "roles": ["clinician"]}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.raw);
    assert_eq!(created.body["status"], "invited");
    // Invited users cannot sign in yet.
    app.post("/api/v1/auth/login", None, json!({"email": "new@riverside.test", "password": PASSWORD}))
        .await
        .assert_problem(401);
    let mail = app.mail_to("new@riverside.test");
    let token = app.mailed_token("new@riverside.test").await;
    let text = app.mail_to("new@riverside.test").concat();
    assert!(text.contains("https://app.tandem.test/invitation#token="), "link under the public URL: {mail:?}");
    let short = app.post("/api/v1/auth/invitations/accept", None, json!({"token": token, "password": "short"})).await;
    short.assert_problem(422);
    assert_eq!(short.body["errors"][0]["field"], "password");
    let accepted =
        app.post("/api/v1/auth/invitations/accept", None, json!({"token": token, "password": PASSWORD})).await;
    assert_eq!(accepted.status, 200, "{}", accepted.raw);
    let me = app.get("/api/v1/me", accepted.body["access_token"].as_str().unwrap()).await;
    assert_eq!(me.body["user"]["status"], "active");
    assert_eq!(me.body["user"]["roles"], json!(["clinician"]));
    app.post("/api/v1/auth/invitations/accept", None, json!({"token": token, "password": PASSWORD}))
        .await
        .assert_problem(404);
    app.login("new@riverside.test", PASSWORD).await;
}

#[actix_web::test]
async fn an_invitation_expires_after_seven_days() {
    let app = TestApp::spawn().await;
    let admin = signed_in_admin(&app).await;
    let created = app
        .post(
            "/api/v1/users",
            admin["access_token"].as_str(),
            json!({"email": "late@riverside.test", "display_name": "Late", "roles": ["clinician"]}),
        )
        .await;
    assert_eq!(created.status, 201);
    let token = app.mailed_token("late@riverside.test").await;
    app.clock.advance(Duration::days(7) + Duration::seconds(1));
    app.post("/api/v1/auth/invitations/accept", None, json!({"token": token, "password": PASSWORD}))
        .await
        .assert_problem(404);
}

#[actix_web::test]
async fn a_password_reset_changes_the_password_and_ends_sessions() {
    let app = TestApp::spawn().await;
    let pair = signed_in_admin(&app).await;
    let unknown = app.post("/api/v1/auth/password-reset", None, json!({"email": "nobody@riverside.test"})).await;
    let known = app.post("/api/v1/auth/password-reset", None, json!({"email": "admin@riverside.test"})).await;
    assert_eq!(unknown.status, 202);
    assert_eq!(known.status, 202);
    assert_eq!(unknown.raw, known.raw, "the answer does not reveal whether the account exists");
    let token = app.mailed_token("admin@riverside.test").await;
    let new_password = "a brand new passphrase";
    let done =
        app.post("/api/v1/auth/password-reset/confirm", None, json!({"token": token, "password": new_password})).await;
    assert_eq!(done.status, 204, "{}", done.raw);
    app.post("/api/v1/auth/login", None, json!({"email": "admin@riverside.test", "password": PASSWORD}))
        .await
        .assert_problem(401);
    app.login("admin@riverside.test", new_password).await;
    app.post("/api/v1/auth/refresh", None, json!({"refresh_token": pair["refresh_token"]})).await.assert_problem(401);
    app.get("/api/v1/me", pair["access_token"].as_str().unwrap()).await.assert_problem(401);
    app.post(
        "/api/v1/auth/password-reset/confirm",
        None,
        json!({"token": token, "password": "yet another passphrase"}),
    )
    .await
    .assert_problem(404);
}

#[actix_web::test]
async fn a_reset_link_lasts_thirty_minutes() {
    let app = TestApp::spawn().await;
    signed_in_admin(&app).await;
    app.post("/api/v1/auth/password-reset", None, json!({"email": "admin@riverside.test"})).await;
    let token = app.mailed_token("admin@riverside.test").await;
    app.clock.advance(Duration::minutes(31));
    app.post(
        "/api/v1/auth/password-reset/confirm",
        None,
        json!({"token": token, "password": "a brand new passphrase"}),
    )
    .await
    .assert_problem(404);
}

#[actix_web::test]
async fn a_reused_refresh_token_stops_the_familys_access_tokens_at_once() {
    let app = TestApp::spawn().await;
    let first = signed_in_admin(&app).await;
    let second = app.post("/api/v1/auth/refresh", None, json!({"refresh_token": first["refresh_token"]})).await;
    assert_eq!(second.status, 200, "{}", second.raw);
    let access = second.body["access_token"].as_str().unwrap();
    // Past the retry grace; the access token has just been checked (and cached).
    app.clock.advance(Duration::seconds(11));
    assert_eq!(app.get("/api/v1/me", access).await.status, 200);
    let stolen = app.post("/api/v1/auth/refresh", None, json!({"refresh_token": first["refresh_token"]})).await;
    stolen.assert_problem(401);
    // No time passes: the family's access tokens are refused at once.
    app.get("/api/v1/me", access).await.assert_problem(401);
    app.get("/api/v1/me", first["access_token"].as_str().unwrap()).await.assert_problem(401);
}

#[actix_web::test]
async fn a_session_past_its_absolute_lifetime_stops_at_once() {
    let app = TestApp::spawn().await;
    let mut pair = signed_in_admin(&app).await;
    let expires: chrono::DateTime<chrono::Utc> = pair["session_expires_at"].as_str().unwrap().parse().unwrap();
    // Stay active (a refresh well within the idle hour) until the end is near.
    while expires - app.clock.now_utc() > Duration::minutes(50) {
        app.clock.advance(Duration::minutes(50));
        let next = app.post("/api/v1/auth/refresh", None, json!({"refresh_token": pair["refresh_token"]})).await;
        assert_eq!(next.status, 200, "{}", next.raw);
        pair = next.body;
    }
    app.clock.set(expires - Duration::seconds(5));
    let last = app.post("/api/v1/auth/refresh", None, json!({"refresh_token": pair["refresh_token"]})).await;
    assert_eq!(last.status, 200, "{}", last.raw);
    let access = last.body["access_token"].as_str().unwrap();
    assert_eq!(app.get("/api/v1/me", access).await.status, 200, "checked and cached");
    app.clock.advance(Duration::seconds(6));
    app.get("/api/v1/me", access).await.assert_problem(401);
    app.post("/api/v1/auth/refresh", None, json!({"refresh_token": last.body["refresh_token"]}))
        .await
        .assert_problem(401);
}

/// Every session id in the database.
fn session_ids(app: &TestApp) -> Vec<String> {
    use diesel::{QueryDsl, RunQueryDsl};
    use tandem_store::schema::session_families;
    let mut conn = app.state.pool.get().unwrap();
    session_families::table.select(session_families::id).load::<String>(&mut *conn).unwrap()
}

#[actix_web::test]
async fn no_audit_event_shows_a_session_id() {
    let app = TestApp::spawn().await;
    let kept = signed_in_admin(&app).await;
    let out = app.login("admin@riverside.test", PASSWORD).await;
    let reused = app.login("admin@riverside.test", PASSWORD).await;
    app.post("/api/v1/auth/refresh", None, json!({"refresh_token": reused["refresh_token"]})).await;
    app.clock.advance(Duration::seconds(11));
    app.post("/api/v1/auth/refresh", None, json!({"refresh_token": reused["refresh_token"]})).await.assert_problem(401);
    assert_eq!(app.post("/api/v1/auth/logout", None, json!({"refresh_token": out["refresh_token"]})).await.status, 204);
    // An event written before session references existed held the session id itself.
    let live_sid = claims_of(kept["access_token"].as_str().unwrap())["sid"].as_str().unwrap().to_owned();
    let practice_id = {
        let mut conn = app.state.pool.get().unwrap();
        tandem_store::practices::all_ids(&mut conn).unwrap().remove(0)
    };
    {
        let mut conn = app.state.pool.get().unwrap();
        let legacy = tandem_store::audit::AuditRow {
            id: tandem_store::ids::new_id(),
            practice_id,
            occurred_at: app.clock.now_utc().naive_utc(),
            actor_id: None,
            actor_role: None,
            action: "auth.login".into(),
            resource_type: "session".into(),
            resource_id: Some(live_sid.clone()),
            couple_id: None,
            outcome: "success".into(),
            request_id: None,
        };
        tandem_store::audit::insert(&mut conn, &[legacy]).unwrap();
    }

    let reply = app.get("/api/v1/audit-events?limit=200", kept["access_token"].as_str().unwrap()).await;
    assert_eq!(reply.status, 200, "{}", reply.raw);
    let sids = session_ids(&app);
    assert_eq!(sids.len(), 3);
    assert!(sids.contains(&live_sid));
    for sid in &sids {
        assert!(!reply.raw.contains(sid.as_str()), "session id {sid} in {}", reply.raw);
    }
    let events = reply.body["items"].as_array().unwrap();
    let refs = |action: &str| -> Vec<String> {
        events
            .iter()
            .filter(|e| e["action"] == action)
            .map(|e| {
                assert_eq!(e["resource_type"], "session");
                e["resource_id"].as_str().expect("a session reference").to_owned()
            })
            .collect()
    };
    let logins = refs("auth.login");
    assert_eq!(logins.len(), 4, "three sign-ins and the old-style event: {}", reply.raw);
    let (logouts, reuses) = (refs("auth.logout"), refs("auth.refresh_reuse"));
    assert_eq!((logouts.len(), reuses.len()), (1, 1), "{}", reply.raw);
    // Events of one session still share one reference, old-style ones included.
    assert!(logins.contains(&logouts[0]) && logins.contains(&reuses[0]), "{}", reply.raw);
    assert_ne!(logouts[0], reuses[0]);
    assert_eq!(logins.iter().collect::<std::collections::HashSet<_>>().len(), 3, "{logins:?}");
}

/// The `name=value` of a `Set-Cookie` named `name`, with its attributes.
fn set_cookie<'a>(reply: &'a crate::support::Reply, name: &str) -> Option<&'a str> {
    reply.headers.get_all("set-cookie").filter_map(|v| v.to_str().ok()).find(|c| c.starts_with(&format!("{name}=")))
}

fn cookie_value(set_cookie: &str) -> String {
    set_cookie.split(';').next().and_then(|kv| kv.split_once('=')).map(|(_, v)| v.to_owned()).unwrap_or_default()
}

#[actix_web::test]
async fn a_browser_session_keeps_the_refresh_token_in_an_http_only_cookie() {
    let app = TestApp::spawn().await;
    app.practice("Riverside", "admin@riverside.test", false);
    let login = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "admin@riverside.test", "password": PASSWORD, "refresh_cookie": true}),
        )
        .await;
    assert_eq!(login.status, 200, "{}", login.raw);
    assert!(login.body.get("refresh_token").is_none(), "no refresh token for scripts to read: {}", login.raw);
    let refresh_cookie = set_cookie(&login, "tandem_refresh").expect("the refresh cookie").to_owned();
    for attribute in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/api/v1/auth/refresh"] {
        assert!(refresh_cookie.contains(attribute), "{refresh_cookie}");
    }
    let csrf = login.body["csrf_token"].as_str().expect("a CSRF token").to_owned();
    assert_eq!(cookie_value(set_cookie(&login, "tandem_csrf").unwrap()), csrf, "the page can read it back");
    let cookie = format!("tandem_refresh={}", cookie_value(&refresh_cookie));

    // The cookie alone refreshes nothing: a forged request (no header, or a wrong one) is 403.
    let forged = app.call_with("POST", "/api/v1/auth/refresh", None, Some(json!({})), &[("cookie", &cookie)]).await;
    forged.assert_problem(403);
    let wrong = [("cookie", cookie.as_str()), ("x-csrf-token", "not-the-token")];
    app.call_with("POST", "/api/v1/auth/refresh", None, Some(json!({})), &wrong).await.assert_problem(403);

    let headers = [("cookie", cookie.as_str()), ("x-csrf-token", csrf.as_str())];
    let renewed = app.call_with("POST", "/api/v1/auth/refresh", None, Some(json!({})), &headers).await;
    assert_eq!(renewed.status, 200, "{}", renewed.raw);
    let next = cookie_value(set_cookie(&renewed, "tandem_refresh").expect("a rotated cookie"));
    assert_ne!(format!("tandem_refresh={next}"), cookie, "the refresh token rotates");
    let next_csrf = renewed.body["csrf_token"].as_str().unwrap().to_owned();
    assert_ne!(next_csrf, csrf, "the CSRF token rotates with it");
    let access = renewed.body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(app.get("/api/v1/me", &access).await.status, 200);

    // Reusing the first cookie (with its own valid CSRF token) is theft: the session
    // ends, and the answer clears the cookies. (A retry within 10 s would get the same pair.)
    app.clock.advance(Duration::seconds(11));
    let replay = app.call_with("POST", "/api/v1/auth/refresh", None, Some(json!({})), &headers).await;
    replay.assert_problem(401);
    assert!(set_cookie(&replay, "tandem_refresh").is_some_and(|c| c.contains("Max-Age=0")), "{:?}", replay.headers);
    app.get("/api/v1/me", &access).await.assert_problem(401);
}

#[actix_web::test]
async fn a_browser_session_signs_out_with_its_access_token() {
    let app = TestApp::spawn().await;
    app.practice("Riverside", "admin@riverside.test", false);
    let body = json!({"email": "admin@riverside.test", "password": PASSWORD, "refresh_cookie": true});
    let login = app.post("/api/v1/auth/login", None, body).await;
    let access = login.body["access_token"].as_str().unwrap().to_owned();
    let cookie = format!("tandem_refresh={}", cookie_value(set_cookie(&login, "tandem_refresh").unwrap()));
    let csrf = login.body["csrf_token"].as_str().unwrap().to_owned();
    app.post("/api/v1/auth/logout", None, json!({})).await.assert_problem(401);
    let out = app.post("/api/v1/auth/logout", Some(&access), json!({})).await;
    assert_eq!(out.status, 204, "{}", out.raw);
    assert!(set_cookie(&out, "tandem_refresh").is_some_and(|c| c.contains("Max-Age=0")));
    app.get("/api/v1/me", &access).await.assert_problem(401);
    let headers = [("cookie", cookie.as_str()), ("x-csrf-token", csrf.as_str())];
    app.call_with("POST", "/api/v1/auth/refresh", None, Some(json!({})), &headers).await.assert_problem(401);
    // Without a token or a cookie, a refresh names what is missing.
    app.post("/api/v1/auth/refresh", None, json!({})).await.assert_problem(422);
}
