//! Nobody grants themself access to clinical records: roles are changed by another admin,
//! and reading a couple outside one's care team is break-glass (explicit, time-limited,
//! audited, the care team alerted).

use chrono::Duration;
use serde_json::json;

use crate::support::{ClockExt, TestApp};

#[actix_web::test]
async fn an_admin_cannot_make_themself_a_clinician() {
    let app = TestApp::spawn().await;
    app.practice("roles", "admin@roles.test", false);
    let admin = app.token("admin@roles.test").await;
    let me = app.get("/api/v1/me", &admin).await.body["user"].clone();
    let path = format!("/api/v1/users/{}", me["id"].as_str().unwrap());
    app.patch(&path, &admin, json!({"roles": ["admin", "clinician"]})).await.assert_problem(403);
    app.patch(&path, &admin, json!({"roles": ["clinician"]})).await.assert_problem(403);
    assert_eq!(app.get("/api/v1/me", &admin).await.body["user"]["roles"], json!(["admin"]), "unchanged");
    // Their name is still theirs to change, and another admin may change their roles.
    assert_eq!(app.patch(&path, &admin, json!({"display_name": "Ada", "roles": ["admin"]})).await.status, 200);
    let (other, _) = app.staff(&admin, "second@roles.test", &["admin"]).await;
    let r = app.patch(&path, &other, json!({"roles": ["admin", "clinician"]})).await;
    assert_eq!(r.status, 200, "{}", r.raw);
}

#[actix_web::test]
async fn break_glass_opens_an_hour_of_reading_audited_and_alerted() {
    let app = TestApp::spawn().await;
    app.practice("glass", "admin@glass.test", false);
    let admin = app.token("admin@glass.test").await;
    let (care, _) = app.staff(&admin, "care@glass.test", &["clinician"]).await;
    let (_, outsider_id) = app.staff(&admin, "cover@glass.test", &["clinician"]).await;
    let couple = app.couple(&care, "Couple", "a@glass.test", "b@glass.test").await;
    let partner = app.accept("a@glass.test").await;
    let checkin = json!({"felt_good": "a walk", "was_hard": "work", "to_adjust": "sleep", "stress": 3, "visibility": "clinician_only"});
    let created = app.post(&format!("/api/v1/couples/{couple}/check-ins"), Some(&partner), checkin).await;
    assert_eq!(created.status, 201, "{}", created.raw);
    let cover = app.token("cover@glass.test").await;
    let check_ins = format!("/api/v1/couples/{couple}/check-ins");
    let glass = format!("/api/v1/couples/{couple}/break-glass");

    // Outside the care team the record is closed.
    app.get(&check_ins, &cover).await.assert_problem(404);
    app.get(&check_ins, &admin).await.assert_problem(403);
    // Only a clinician outside the care team may break the glass, and only with a reason.
    let reason = json!({"reason": "Covering on-call: a partner phoned in distress"});
    app.post(&glass, Some(&admin), reason.clone()).await.assert_problem(403);
    app.post(&glass, Some(&care), reason.clone()).await.assert_problem(403);
    app.post(&glass, Some(&partner), reason.clone()).await.assert_problem(403);
    let short = app.post(&glass, Some(&cover), json!({"reason": "urgent"})).await;
    short.assert_problem(422);
    assert_eq!(short.body["errors"][0]["field"], "reason");
    let alerts_before = app.mail_to("care@glass.test").len();
    let opened = app.post(&glass, Some(&cover), reason.clone()).await;
    assert_eq!(opened.status, 201, "{}", opened.raw);
    let expires = chrono::DateTime::parse_from_rfc3339(opened.body["expires_at"].as_str().unwrap()).unwrap();
    assert_eq!(expires.with_timezone(&chrono::Utc) - app.clock.now_utc(), Duration::minutes(60));

    // Reading works; writing does not.
    let read = app.get(&check_ins, &cover).await;
    assert_eq!(read.status, 200, "{}", read.raw);
    assert_eq!(read.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(app.get(&format!("/api/v1/couples/{couple}/progress"), &cover).await.status, 200);
    app.post(&format!("/api/v1/couples/{couple}/plans"), Some(&cover), json!({"title": "t", "goal": "g"}))
        .await
        .assert_problem(403);

    // The care team is alerted at once, discreetly, and sees who and why.
    let mails = app.wait_mail("care@glass.test", alerts_before + 1).await;
    let alert = mails.last().unwrap();
    assert!(!alert.contains("Covering") && !alert.contains("cover@glass.test"), "no details in the email");
    let grants = app.get(&glass, &care).await;
    assert_eq!(grants.status, 200, "{}", grants.raw);
    assert_eq!(grants.body["items"][0]["user_id"], outsider_id.as_str());
    assert_eq!(grants.body["items"][0]["reason"], reason["reason"]);
    app.get(&glass, &cover).await.assert_problem(403);
    // Audited with the grant.
    let audit = app.get("/api/v1/audit-events?action=couple.break_glass", &admin).await;
    assert_eq!(audit.status, 200, "{}", audit.raw);
    assert_eq!(audit.body["items"].as_array().unwrap().len(), 1, "{}", audit.raw);
    assert_eq!(audit.body["items"][0]["actor_id"], outsider_id.as_str(), "{}", audit.raw);

    // An hour later it is closed again.
    app.clock.advance(Duration::minutes(61));
    let cover = app.token("cover@glass.test").await;
    app.get(&check_ins, &cover).await.assert_problem(404);
}
