//! Couples, partners and caseloads.

use serde_json::{Value, json};

use crate::support::TestApp;

struct Practice {
    admin: String,
    clin_a: String,
    clin_a_id: String,
    clin_b: String,
    clin_b_id: String,
}

async fn practice(app: &TestApp, name: &str) -> Practice {
    let admin_email = format!("admin@{name}.test");
    app.practice(name, &admin_email, false);
    let admin = app.token(&admin_email).await;
    let (clin_a, clin_a_id) = app.staff(&admin, &format!("a@{name}.test"), &["clinician"]).await;
    let (clin_b, clin_b_id) = app.staff(&admin, &format!("b@{name}.test"), &["clinician"]).await;
    Practice { admin, clin_a, clin_a_id, clin_b, clin_b_id }
}

fn ids(list: &Value) -> Vec<String> {
    list["items"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_owned()).collect()
}

#[actix_web::test]
async fn a_clinician_creates_a_couple_and_each_partner_gets_their_own_login() {
    let app = TestApp::spawn().await;
    let p = practice(&app, "riverside").await;
    let couple = app.couple(&p.clin_a, "Couple 1", "ana@couple.test", "ben@couple.test").await;
    let view = app.get(&format!("/api/v1/couples/{couple}"), &p.clin_a).await;
    assert_eq!(view.status, 200, "{}", view.raw);
    assert_eq!(view.body["access"], "full");
    assert_eq!(view.body["status"], "active");
    assert_eq!(view.body["clinicians"][0]["id"], p.clin_a_id.as_str(), "the creator is assigned");
    assert_eq!(view.body["partners"][0]["status"], "invited");
    // Both invitations went out, to each partner's own address, under the public URL.
    for email in ["ana@couple.test", "ben@couple.test"] {
        assert_eq!(app.mailed_tokens(email, 1).await.len(), 1, "one invitation to {email}");
        assert!(app.mail_to(email)[0].contains("https://app.tandem.test/invitation#token="));
    }
    let ana = app.accept("ana@couple.test").await;
    let ben = app.accept("ben@couple.test").await;
    let ana_me = app.get("/api/v1/me", &ana).await;
    let ben_me = app.get("/api/v1/me", &ben).await;
    assert_eq!(ana_me.body["user"]["kind"], "client");
    assert_eq!(ana_me.body["user"]["time_zone"], "Europe/Berlin");
    assert_ne!(ana_me.body["user"]["id"], ben_me.body["user"]["id"], "two logins, not a shared account");
    // Each sees exactly their couple, with their partner's name but not their email.
    for token in [&ana, &ben] {
        let list = app.get("/api/v1/couples", token).await;
        assert_eq!(ids(&list.body), vec![couple.clone()]);
    }
    let as_ana = app.get(&format!("/api/v1/couples/{couple}"), &ana).await;
    let partners = as_ana.body["partners"].as_array().unwrap();
    let me_id = ana_me.body["user"]["id"].as_str().unwrap();
    for partner in partners {
        if partner["id"] == me_id {
            assert_eq!(partner["email"], "ana@couple.test");
        } else {
            assert!(partner["email"].is_null(), "a partner's email is not shown to the other: {partner}");
        }
    }
    // Partners read; they do not administer.
    app.patch(&format!("/api/v1/couples/{couple}"), &ana, json!({"label": "ours"})).await.assert_problem(403);
    app.post("/api/v1/couples", Some(&ana), json!({"label": "x", "partners": []})).await.assert_problem(403);
}

#[actix_web::test]
async fn clinicians_partners_and_admins_see_only_what_they_may() {
    let app = TestApp::spawn().await;
    let p = practice(&app, "riverside").await;
    let first = app.couple(&p.clin_a, "Couple 1", "a1@c.test", "b1@c.test").await;
    let second = app.couple(&p.clin_b, "Couple 2", "a2@c.test", "b2@c.test").await;
    // Clinician B cannot see clinician A's couple.
    app.get(&format!("/api/v1/couples/{first}"), &p.clin_b).await.assert_problem(404);
    assert_eq!(ids(&app.get("/api/v1/couples", &p.clin_b).await.body), vec![second.clone()]);
    // A partner cannot see another couple.
    let a1 = app.accept("a1@c.test").await;
    app.get(&format!("/api/v1/couples/{second}"), &a1).await.assert_problem(404);
    // The admin sees both couples' existence and status, not their people.
    let all = app.get("/api/v1/couples", &p.admin).await;
    assert_eq!(ids(&all.body), vec![first.clone(), second.clone()]);
    for c in all.body["items"].as_array().unwrap() {
        assert_eq!(c["access"], "status_only");
        assert!(c["partners"].is_null());
    }
    let one = app.get(&format!("/api/v1/couples/{first}"), &p.admin).await;
    assert_eq!(one.status, 200);
    assert!(one.body["partners"].is_null());
    app.patch(&format!("/api/v1/couples/{first}"), &p.admin, json!({"status": "discharged"})).await.assert_problem(403);
    // Filter by status.
    assert_eq!(ids(&app.get("/api/v1/couples?status=discharged", &p.admin).await.body), Vec::<String>::new());
}

#[actix_web::test]
async fn an_admin_who_is_also_the_clinician_gets_clinician_rights_on_their_couples() {
    let app = TestApp::spawn().await;
    app.practice("solo", "solo@solo.test", true);
    let solo = app.token("solo@solo.test").await;
    let couple = app.couple(&solo, "Couple 1", "a@solo.test", "b@solo.test").await;
    let view = app.get(&format!("/api/v1/couples/{couple}"), &solo).await;
    assert_eq!(view.body["access"], "full");
    assert_eq!(view.body["partners"].as_array().unwrap().len(), 2);
}

#[actix_web::test]
async fn assignment_rules_keep_one_clinician_on_an_active_couple() {
    let app = TestApp::spawn().await;
    let p = practice(&app, "riverside").await;
    let couple = app.couple(&p.clin_a, "Couple 1", "a1@c.test", "b1@c.test").await;
    let path = format!("/api/v1/couples/{couple}/clinicians");
    let last = app.call("DELETE", &format!("{path}/{}", p.clin_a_id), Some(&p.clin_a), None).await;
    last.assert_problem(409);
    assert!(last.body["detail"].as_str().unwrap().contains("at least one clinician"));
    assert_eq!(last.body["type"], "urn:tandem:problem:last_clinician");
    // Clinician B cannot add themself to A's couple.
    app.post(&path, Some(&p.clin_b), json!({"user_id": p.clin_b_id})).await.assert_problem(404);
    // A assigns B; B now sees it; assigning again changes nothing.
    let added = app.post(&path, Some(&p.clin_a), json!({"user_id": p.clin_b_id})).await;
    assert_eq!(added.status, 200, "{}", added.raw);
    assert_eq!(added.body["clinicians"].as_array().unwrap().len(), 2);
    assert_eq!(
        app.post(&path, Some(&p.clin_a), json!({"user_id": p.clin_b_id})).await.body["clinicians"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(app.get(&format!("/api/v1/couples/{couple}"), &p.clin_b).await.status, 200);
    // Only clinicians of this practice can be assigned.
    let admin_id = app.get("/api/v1/me", &p.admin).await.body["user"]["id"].as_str().unwrap().to_owned();
    app.post(&path, Some(&p.clin_a), json!({"user_id": admin_id})).await.assert_problem(422);
    // Now A can leave; then A has no access.
    assert_eq!(app.call("DELETE", &format!("{path}/{}", p.clin_a_id), Some(&p.clin_b), None).await.status, 204);
    app.get(&format!("/api/v1/couples/{couple}"), &p.clin_a).await.assert_problem(404);
    // The admin manages assignments too.
    let back = app.post(&path, Some(&p.admin), json!({"user_id": p.clin_a_id})).await;
    assert_eq!(back.status, 200, "{}", back.raw);
}

#[actix_web::test]
async fn a_discharged_couple_stays_readable_by_its_partners() {
    let app = TestApp::spawn().await;
    let p = practice(&app, "riverside").await;
    let couple = app.couple(&p.clin_a, "Couple 1", "a1@c.test", "b1@c.test").await;
    let a1 = app.accept("a1@c.test").await;
    let done = app
        .patch(
            &format!("/api/v1/couples/{couple}"),
            &p.clin_a,
            json!({"status": "discharged", "label": "Couple 1 (done)"}),
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.raw);
    assert_eq!(done.body["status"], "discharged");
    assert!(done.body["discharged_at"].is_string());
    let seen = app.get(&format!("/api/v1/couples/{couple}"), &a1).await;
    assert_eq!(seen.status, 200);
    assert_eq!(seen.body["status"], "discharged");
    assert_eq!(seen.body["label"], "Couple 1 (done)");
}

#[actix_web::test]
async fn a_resent_invitation_replaces_the_old_link() {
    let app = TestApp::spawn().await;
    let p = practice(&app, "riverside").await;
    let couple = app.couple(&p.clin_a, "Couple 1", "a1@c.test", "b1@c.test").await;
    let view = app.get(&format!("/api/v1/couples/{couple}"), &p.clin_a).await;
    let partner_id = view.body["partners"][0]["id"].as_str().unwrap().to_owned();
    let old = app.mailed_token("a1@c.test").await;
    let path = format!("/api/v1/couples/{couple}/partners/{partner_id}/invitation");
    app.call("POST", &path, Some(&p.clin_b), None).await.assert_problem(404);
    assert_eq!(app.call("POST", &path, Some(&p.clin_a), None).await.status, 202);
    let tokens = app.mailed_tokens("a1@c.test", 2).await;
    let new = tokens.last().unwrap().clone();
    assert_ne!(old, new);
    app.post("/api/v1/auth/invitations/accept", None, json!({"token": old, "password": crate::support::PASSWORD}))
        .await
        .assert_problem(404);
    assert_eq!(
        app.post("/api/v1/auth/invitations/accept", None, json!({"token": new, "password": crate::support::PASSWORD}))
            .await
            .status,
        200
    );
    app.call("POST", &path, Some(&p.clin_a), None).await.assert_problem(409);
}

#[actix_web::test]
async fn creating_a_couple_is_all_or_nothing() {
    let app = TestApp::spawn().await;
    let p = practice(&app, "riverside").await;
    let bad = app.post("/api/v1/couples", Some(&p.clin_a), json!({"label": "", "partners": [{"display_name": "A", "email": "same@c.test"}, {"display_name": "B", "email": "SAME@c.test", "time_zone": "Nowhere/City"}]})).await;
    bad.assert_problem(422);
    let fields: Vec<_> =
        bad.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect();
    assert!(
        fields.contains(&"label".to_owned())
            && fields.contains(&"partners[1].time_zone".to_owned())
            && fields.contains(&"partners[1].email".to_owned()),
        "{fields:?}"
    );
    // One partner's email is taken by a clinician: nothing is created, not even the other partner.
    let taken = app.post("/api/v1/couples", Some(&p.clin_a), json!({"label": "C", "partners": [{"display_name": "A", "email": "fresh@c.test"}, {"display_name": "B", "email": "a@riverside.test"}]})).await;
    taken.assert_problem(409);
    assert!(ids(&app.get("/api/v1/couples", &p.clin_a).await.body).is_empty());
    let clients = app.get("/api/v1/users?kind=client", &p.admin).await;
    assert!(clients.body["items"].as_array().unwrap().is_empty(), "no stray partner account: {}", clients.raw);
    assert!(app.mail_to("fresh@c.test").is_empty(), "no invitation for a couple that does not exist");
    // An admin who is not a clinician must name one.
    let unowned = app.post("/api/v1/couples", Some(&p.admin), json!({"label": "C", "partners": [{"display_name": "A", "email": "x1@c.test"}, {"display_name": "B", "email": "x2@c.test"}]})).await;
    unowned.assert_problem(422);
    let owned = app.post("/api/v1/couples", Some(&p.admin), json!({"label": "C", "partners": [{"display_name": "A", "email": "x1@c.test"}, {"display_name": "B", "email": "x2@c.test"}], "clinician_ids": [p.clin_b_id]})).await;
    assert_eq!(owned.status, 201, "{}", owned.raw);
    assert_eq!(owned.body["access"], "status_only");
    assert_eq!(ids(&app.get("/api/v1/couples", &p.clin_b).await.body).len(), 1);
}

#[actix_web::test]
async fn caseload_pages_neither_skip_nor_repeat_while_couples_are_added() {
    let app = TestApp::spawn().await;
    let p = practice(&app, "riverside").await;
    let mut before = Vec::new();
    for i in 0..5 {
        before.push(app.couple(&p.clin_a, &format!("C{i}"), &format!("a{i}@c.test"), &format!("b{i}@c.test")).await);
    }
    // One client pages through the caseload while another adds couples at the same time.
    let pager = async {
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..50 {
            let path = cursor
                .as_ref()
                .map_or("/api/v1/couples?limit=2".to_owned(), |c| format!("/api/v1/couples?limit=2&cursor={c}"));
            let page = app.get(&path, &p.clin_a).await;
            assert_eq!(page.status, 200, "{}", page.raw);
            seen.extend(ids(&page.body));
            match page.body["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
        seen
    };
    let adder = async {
        for i in 0..6 {
            app.couple(&p.clin_a, "late", &format!("la{i}@c.test"), &format!("lb{i}@c.test")).await;
        }
    };
    let (seen, ()) = futures_util::future::join(pager, adder).await;
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), seen.len(), "no couple repeated: {seen:?}");
    for id in &before {
        assert!(seen.contains(id), "no couple skipped: {seen:?}");
    }
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(sorted, seen, "pages come in one stable order");
}

#[actix_web::test]
async fn couple_reads_and_writes_are_audited_without_content() {
    let app = TestApp::spawn().await;
    let p = practice(&app, "riverside").await;
    let couple = app.couple(&p.clin_a, "Private label", "a1@c.test", "b1@c.test").await;
    app.get(&format!("/api/v1/couples/{couple}"), &p.clin_a).await;
    app.patch(&format!("/api/v1/couples/{couple}"), &p.clin_a, json!({"label": "Renamed label"})).await;
    app.get(&format!("/api/v1/couples/{couple}"), &p.clin_b).await.assert_problem(404);
    app.state.audit.flush().await;
    let log = app.get(&format!("/api/v1/audit-events?couple_id={couple}&limit=200"), &p.admin).await;
    let events = log.body["items"].as_array().unwrap();
    let find =
        |action: &str, outcome: &str| events.iter().find(|e| e["action"] == action && e["outcome"] == outcome).cloned();
    let created = find("couple.create", "success").expect("create audited");
    assert_eq!(created["actor_id"], p.clin_a_id.as_str());
    assert_eq!(created["actor_role"], "clinician");
    assert!(find("couple.read", "success").is_some(), "read audited");
    assert!(find("couple.update", "success").is_some(), "update audited");
    let denied = find("couple.access", "denied").expect("denied access audited");
    assert_eq!(denied["actor_id"], p.clin_b_id.as_str());
    assert!(!log.raw.contains("label"), "no content in events");
}
