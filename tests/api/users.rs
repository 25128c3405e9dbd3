//! Practice administration, tenancy and the audit trail.

use serde_json::json;

use crate::support::{PASSWORD, TestApp};

#[actix_web::test]
async fn practices_cannot_see_or_change_each_others_users() {
    let app = TestApp::spawn().await;
    app.practice("A", "admin@a.test", true);
    app.practice("B", "admin@b.test", true);
    let a = app.token("admin@a.test").await;
    let b = app.token("admin@b.test").await;
    let b_me = app.get("/api/v1/me", &b).await;
    let b_id = b_me.body["user"]["id"].as_str().unwrap();
    app.get(&format!("/api/v1/users/{b_id}"), &a).await.assert_problem(404);
    app.patch(&format!("/api/v1/users/{b_id}"), &a, json!({"status": "deactivated"})).await.assert_problem(404);
    let list = app.get("/api/v1/users", &a).await;
    assert_eq!(list.status, 200);
    let emails: Vec<_> =
        list.body["items"].as_array().unwrap().iter().map(|u| u["email"].as_str().unwrap().to_owned()).collect();
    assert_eq!(emails, vec!["admin@a.test"]);
    // B is untouched.
    assert_eq!(app.get("/api/v1/me", &b).await.body["user"]["status"], "active");
    // Nonsense ids are 404 too, not 400 or 500.
    app.get("/api/v1/users/not-an-id", &a).await.assert_problem(404);
}

#[actix_web::test]
async fn a_client_cannot_grant_itself_a_role() {
    let app = TestApp::spawn().await;
    app.practice("A", "admin@a.test", false);
    let admin = app.token("admin@a.test").await;
    let (clin, _) = app.staff(&admin, "clin@a.test", &["clinician"]).await;
    let sneaky = app.patch("/api/v1/me", &clin, json!({"roles": ["admin"]})).await;
    sneaky.assert_problem(400);
    assert!(sneaky.body["detail"].as_str().is_some_and(|d| d.contains("unknown field")), "{}", sneaky.raw);
    let also = app.patch("/api/v1/me", &clin, json!({"display_name": "Dr. C", "is_admin": true})).await;
    also.assert_problem(400);
    let me = app.get("/api/v1/me", &clin).await;
    assert_eq!(me.body["user"]["roles"], json!(["clinician"]));
    assert_eq!(me.body["user"]["display_name"], "Staff member", "a refused request changes nothing");
}

#[actix_web::test]
async fn me_can_change_name_and_time_zone() {
    let app = TestApp::spawn().await;
    app.practice("A", "admin@a.test", false);
    let admin = app.token("admin@a.test").await;
    let bad = app.patch("/api/v1/me", &admin, json!({"time_zone": "Mars/Olympus", "display_name": " "})).await;
    bad.assert_problem(422);
    let fields: Vec<_> = bad.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, vec!["display_name", "time_zone"]);
    let ok = app.patch("/api/v1/me", &admin, json!({"time_zone": "Europe/Berlin", "display_name": "Alex"})).await;
    assert_eq!(ok.status, 200, "{}", ok.raw);
    assert_eq!(ok.body["user"]["time_zone"], "Europe/Berlin");
    assert_eq!(ok.body["user"]["display_name"], "Alex");
}

#[actix_web::test]
async fn clinicians_see_a_staff_directory_without_emails_and_cannot_administer() {
    let app = TestApp::spawn().await;
    app.practice("A", "admin@a.test", false);
    let admin = app.token("admin@a.test").await;
    let (clin, clin_id) = app.staff(&admin, "clin@a.test", &["clinician"]).await;
    let list = app.get("/api/v1/users", &clin).await;
    assert_eq!(list.status, 200, "{}", list.raw);
    let items = list.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    for user in items {
        assert_eq!(user["kind"], "staff");
        if user["id"] != clin_id {
            assert!(user["email"].is_null(), "colleagues' emails are hidden: {user}");
        }
    }
    app.post("/api/v1/users", Some(&clin), json!({"email": "x@a.test", "display_name": "X", "roles": ["clinician"]}))
        .await
        .assert_problem(403);
    let admin_id = app.get("/api/v1/me", &admin).await.body["user"]["id"].as_str().unwrap().to_owned();
    app.patch(&format!("/api/v1/users/{admin_id}"), &clin, json!({"status": "deactivated"})).await.assert_problem(403);
    app.get("/api/v1/audit-events", &clin).await.assert_problem(403);
}

#[actix_web::test]
async fn deactivation_stops_live_tokens_and_refresh() {
    let app = TestApp::spawn().await;
    app.practice("A", "admin@a.test", false);
    let admin = app.token("admin@a.test").await;
    let (clin, clin_id) = app.staff(&admin, "clin@a.test", &["clinician"]).await;
    let refresh = app.login("clin@a.test", PASSWORD).await["refresh_token"].clone();
    assert_eq!(app.get("/api/v1/me", &clin).await.status, 200);
    let off = app.patch(&format!("/api/v1/users/{clin_id}"), &admin, json!({"status": "deactivated"})).await;
    assert_eq!(off.status, 200, "{}", off.raw);
    assert_eq!(off.body["status"], "deactivated");
    app.get("/api/v1/me", &clin).await.assert_problem(401);
    app.post("/api/v1/auth/refresh", None, json!({"refresh_token": refresh})).await.assert_problem(401);
    app.post("/api/v1/auth/login", None, json!({"email": "clin@a.test", "password": PASSWORD}))
        .await
        .assert_problem(401);
    let on = app.patch(&format!("/api/v1/users/{clin_id}"), &admin, json!({"status": "active"})).await;
    assert_eq!(on.body["status"], "active");
    app.login("clin@a.test", PASSWORD).await;
}

#[actix_web::test]
async fn the_last_admin_stays_an_admin() {
    let app = TestApp::spawn().await;
    app.practice("A", "admin@a.test", true);
    let admin = app.token("admin@a.test").await;
    let id = app.get("/api/v1/me", &admin).await.body["user"]["id"].as_str().unwrap().to_owned();
    app.patch(&format!("/api/v1/users/{id}"), &admin, json!({"status": "deactivated"})).await.assert_problem(409);
    let (second_token, second) = app.staff(&admin, "second@a.test", &["admin"]).await;
    // Nobody changes their own roles: the second admin demotes the first ...
    app.patch(&format!("/api/v1/users/{id}"), &admin, json!({"roles": ["clinician"]})).await.assert_problem(403);
    let demoted = app.patch(&format!("/api/v1/users/{id}"), &second_token, json!({"roles": ["clinician"]})).await;
    assert_eq!(demoted.status, 200, "{}", demoted.raw);
    // The role change takes effect at once: no more admin rights.
    app.get("/api/v1/audit-events", &admin).await.assert_problem(403);
    // ... and the last admin left cannot be demoted or deactivated by anyone.
    let path = format!("/api/v1/users/{second}");
    app.patch(&path, &second_token, json!({"status": "deactivated"})).await.assert_problem(409);
}

#[actix_web::test]
async fn inviting_validates_and_refuses_duplicate_emails() {
    let app = TestApp::spawn().await;
    app.practice("A", "admin@a.test", false);
    app.practice("B", "admin@b.test", false);
    let admin = app.token("admin@a.test").await;
    let bad = app.post("/api/v1/users", Some(&admin), json!({"email": "nope", "display_name": "", "roles": []})).await;
    bad.assert_problem(422);
    assert_eq!(bad.body["errors"].as_array().unwrap().len(), 3, "{}", bad.raw);
    let wrong_type = app
        .post("/api/v1/users", Some(&admin), json!({"email": "x@a.test", "display_name": "X", "roles": ["owner"]}))
        .await;
    wrong_type.assert_problem(400);
    // An email is unique within the practice.
    app.post(
        "/api/v1/users",
        Some(&admin),
        json!({"email": "ADMIN@a.test", "display_name": "Dup", "roles": ["clinician"]}),
    )
    .await
    .assert_problem(409);
    let users = app.get("/api/v1/users", &admin).await;
    assert_eq!(users.body["items"].as_array().unwrap().len(), 1, "refused requests changed nothing");
}

#[actix_web::test]
async fn logins_and_user_changes_are_audited_and_reading_the_log_is_too() {
    let app = TestApp::spawn().await;
    app.practice("A", "admin@a.test", false);
    app.post("/api/v1/auth/login", None, json!({"email": "admin@a.test", "password": "not the password"}))
        .await
        .assert_problem(401);
    let admin = app.token("admin@a.test").await;
    let (_, clin_id) = app.staff(&admin, "clin@a.test", &["clinician"]).await;
    let patched = app.patch(&format!("/api/v1/users/{clin_id}"), &admin, json!({"display_name": "Dr. Renamed"})).await;
    assert_eq!(patched.status, 200);
    let first_read = app.get("/api/v1/audit-events?limit=200", &admin).await;
    assert_eq!(first_read.status, 200, "{}", first_read.raw);
    app.state.audit.flush().await;
    let events = app.get("/api/v1/audit-events?limit=200", &admin).await.body["items"].as_array().unwrap().clone();
    let has = |action: &str, outcome: &str| events.iter().any(|e| e["action"] == action && e["outcome"] == outcome);
    assert!(has("auth.login", "failure"), "failed login audited: {events:?}");
    assert!(has("auth.login", "success"), "successful login audited");
    assert!(has("user.create", "success"));
    assert!(has("invitation.accept", "success"));
    assert!(has("user.update", "success"));
    assert!(has("audit_event.list", "success"), "reading the log is audited");
    let update = events.iter().find(|e| e["action"] == "user.update").unwrap();
    assert_eq!(update["resource_id"], clin_id.as_str());
    assert_eq!(update["actor_role"], "admin");
    assert!(update["request_id"].is_string());
    assert!(!events.iter().any(|e| e.to_string().contains("Dr. Renamed")), "events hold ids, not content");
    // Filters.
    let logins = app.get("/api/v1/audit-events?action=auth.login", &admin).await;
    assert!(logins.body["items"].as_array().unwrap().iter().all(|e| e["action"] == "auth.login"));
    // No route changes the log.
    let id = events[0]["id"].as_str().unwrap();
    assert_eq!(app.call("DELETE", &format!("/api/v1/audit-events/{id}"), Some(&admin), None).await.status, 404);
    app.call("DELETE", "/api/v1/audit-events", Some(&admin), None).await.assert_problem(405);
}

#[actix_web::test]
async fn pages_neither_skip_nor_repeat_while_rows_are_added() {
    let app = TestApp::spawn().await;
    app.practice("A", "admin@a.test", false);
    let admin = app.token("admin@a.test").await;
    for i in 0..5 {
        let r = app
            .post(
                "/api/v1/users",
                Some(&admin),
                json!({"email": format!("s{i}@a.test"), "display_name": format!("S{i}"), "roles": ["clinician"]}),
            )
            .await;
        assert_eq!(r.status, 201);
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut added = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/users?limit=2&cursor={c}"),
            None => "/api/v1/users?limit=2".to_owned(),
        };
        let page = app.get(&path, &admin).await;
        assert_eq!(page.status, 200, "{}", page.raw);
        for u in page.body["items"].as_array().unwrap() {
            seen.push(u["email"].as_str().unwrap().to_owned());
        }
        // Someone adds a colleague between page reads.
        let r = app
            .post(
                "/api/v1/users",
                Some(&admin),
                json!({"email": format!("late{added}@a.test"), "display_name": "Late", "roles": ["clinician"]}),
            )
            .await;
        assert_eq!(r.status, 201);
        added += 1;
        match page.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
        assert!(added < 20, "paging terminates");
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), seen.len(), "no row repeated: {seen:?}");
    for i in 0..5 {
        assert!(seen.contains(&format!("s{i}@a.test")), "no row skipped: {seen:?}");
    }
    assert!(seen.contains(&"admin@a.test".to_owned()));
    app.get("/api/v1/users?limit=0", &admin).await.assert_problem(422);
    app.get("/api/v1/users?limit=500", &admin).await.assert_problem(422);
    app.get("/api/v1/users?cursor=bogus", &admin).await.assert_problem(422);
    app.get("/api/v1/users?limit=abc", &admin).await.assert_problem(400);
}

/// Whether an address has an account in another practice is not this practice's to know:
/// accounts are scoped to their practice, so inviting it answers exactly as for an unused one.
#[actix_web::test]
async fn an_address_known_to_another_practice_is_not_revealed() {
    let app = TestApp::spawn_with(|c| c.auth_attempts_per_minute = 1000).await;
    app.practice("A", "admin@a.test", false);
    app.practice("B", "admin@b.test", false);
    let admin_a = app.token("admin@a.test").await;
    let admin_b = app.token("admin@b.test").await;
    let invite = |email: &str| json!({"email": email, "display_name": "Sam", "roles": ["clinician"]});
    // B knows sam@shared.test; A invites it and an unused address: the same answer.
    let in_b = app.post("/api/v1/users", Some(&admin_b), invite("sam@shared.test")).await;
    assert_eq!(in_b.status, 201, "{}", in_b.raw);
    let known = app.post("/api/v1/users", Some(&admin_a), invite("sam@shared.test")).await;
    let unused = app.post("/api/v1/users", Some(&admin_a), invite("new@fresh.test")).await;
    assert_eq!(known.status, 201, "{}", known.raw);
    assert_eq!(unused.status, 201, "{}", unused.raw);
    let shape = |v: &serde_json::Value| {
        let mut v = v.clone();
        for k in ["id", "email", "created_at"] {
            v[k] = json!("…");
        }
        v
    };
    assert_eq!(shape(&known.body), shape(&unused.body));
    // Two accounts, each with its own invitation and password.
    let tokens = app.mailed_tokens("sam@shared.test", 2).await;
    let mut password_of = std::collections::HashMap::new();
    for (token, password) in tokens.iter().zip(["first password of sam", "second password of sam"]) {
        let r = app.post("/api/v1/auth/invitations/accept", None, json!({"token": token, "password": password})).await;
        assert_eq!(r.status, 200, "{}", r.raw);
        let practice =
            app.get("/api/v1/me", r.body["access_token"].as_str().unwrap()).await.body["practice"]["id"].clone();
        password_of.insert(practice.as_str().unwrap().to_owned(), password);
    }
    let login = |password: &str, practice: Option<&str>| {
        let mut body = json!({"email": "sam@shared.test", "password": password});
        if let Some(p) = practice {
            body["practice_id"] = json!(p);
        }
        body
    };
    let me_in = |token: &str| {
        let token = token.to_owned();
        let app = &app;
        async move { app.get("/api/v1/me", &token).await.body["practice"]["id"].as_str().unwrap().to_owned() }
    };
    let practice_a = app.get("/api/v1/me", &admin_a).await.body["practice"]["id"].as_str().unwrap().to_owned();
    let practice_b = app.get("/api/v1/me", &admin_b).await.body["practice"]["id"].as_str().unwrap().to_owned();
    // The same holds for a couple's partners.
    let couple = |clinician: &serde_json::Value, other: &str| {
        json!({"label": "C", "clinician_ids": [clinician], "partners": [
            {"display_name": "Alex", "email": "alex@shared.test"}, {"display_name": "Bo", "email": other}]})
    };
    let r = app.post("/api/v1/couples", Some(&admin_b), couple(&in_b.body["id"], "bo@b.test")).await;
    assert_eq!(r.status, 201, "{}", r.raw);
    let r = app.post("/api/v1/couples", Some(&admin_a), couple(&known.body["id"], "bo@a.test")).await;
    assert_eq!(r.status, 201, "an address known to practice B is new to practice A: {}", r.raw);
    // The password picks the account.
    assert_eq!(password_of.len(), 2, "one account in each practice");
    let a = app.post("/api/v1/auth/login", None, login(password_of[&practice_a], None)).await;
    assert_eq!(a.status, 200, "{}", a.raw);
    assert_eq!(me_in(a.body["access_token"].as_str().unwrap()).await, practice_a);
    let b = app.post("/api/v1/auth/login", None, login(password_of[&practice_b], None)).await;
    assert_eq!(me_in(b.body["access_token"].as_str().unwrap()).await, practice_b);
    app.post("/api/v1/auth/login", None, login(password_of[&practice_b], Some(&practice_a))).await.assert_problem(401);
    app.post("/api/v1/auth/login", None, login("not a password", None)).await.assert_problem(401);

    // Same password in both: the caller, who proved it for both, is asked to choose.
    let reset_before = app.mail_to("sam@shared.test").len();
    assert_eq!(app.post("/api/v1/auth/password-reset", None, json!({"email": "sam@shared.test"})).await.status, 202);
    let resets = app.wait_mail("sam@shared.test", reset_before + 2).await;
    assert_eq!(resets.len(), reset_before + 2, "one reset link per account");
    let links = app.mailed_tokens("sam@shared.test", reset_before + 2).await;
    for token in &links[reset_before..] {
        let r = app
            .post(
                "/api/v1/auth/password-reset/confirm",
                None,
                json!({"token": token, "password": "one password for both"}),
            )
            .await;
        assert_eq!(r.status, 204, "{}", r.raw);
    }
    let ambiguous = app.post("/api/v1/auth/login", None, login("one password for both", None)).await;
    ambiguous.assert_problem(422);
    assert_eq!(ambiguous.body["errors"][0]["field"], "practice_id");
    assert!(ambiguous.raw.contains(&practice_a) && ambiguous.raw.contains(&practice_b), "{}", ambiguous.raw);
    let chosen = app.post("/api/v1/auth/login", None, login("one password for both", Some(&practice_b))).await;
    assert_eq!(chosen.status, 200, "{}", chosen.raw);
    assert_eq!(me_in(chosen.body["access_token"].as_str().unwrap()).await, practice_b);
}
