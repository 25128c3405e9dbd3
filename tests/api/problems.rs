//! The problem+json bodies clients switch on, as snapshots: one per status, and one per
//! refusal code a rule answers with. A change to any of them shows up as a snapshot diff
//! to review; the same snapshots hold on SQLite and PostgreSQL.

use serde_json::json;

use crate::plans::{acknowledge, consent, couple, draft, plan, status, step_id, write_agreement};
use crate::progress::{decide, recommendation, report, report_body};
use crate::support::TestApp;
use crate::support::snapshot::assert_problem_snapshot;

#[actix_web::test]
async fn problems_a_client_gets_for_a_bad_request() {
    let app = TestApp::spawn_with(|c| c.auth_attempts_per_minute = 5).await;
    app.practice("Riverside", "admin@riverside.test", false);
    let admin = app.token("admin@riverside.test").await;
    let (clinician, _) = app.staff(&admin, "clin@riverside.test", &["clinician"]).await;

    let bad_json = app.raw("POST", "/api/v1/users", Some(&admin), "application/json", b"{\"email\":".to_vec()).await;
    assert_problem_snapshot!("400_bad_json", bad_json);
    let unknown_field = app
        .post(
            "/api/v1/users",
            Some(&admin),
            json!({"email": "x@riverside.test", "display_name": "X", "roles": ["clinician"], "superuser": true}),
        )
        .await;
    assert_problem_snapshot!("400_unknown_field", unknown_field);
    assert_problem_snapshot!("401_no_token", app.call("GET", "/api/v1/me", None, None).await);
    assert_problem_snapshot!("401_bad_token", app.get("/api/v1/me", "not-a-token").await);
    let new_user = json!({"email": "new@riverside.test", "display_name": "New", "roles": ["clinician"]});
    assert_problem_snapshot!("403", app.post("/api/v1/users", Some(&clinician), new_user.clone()).await);
    let nobody = format!("/api/v1/couples/{}", uuid::Uuid::now_v7());
    assert_problem_snapshot!("404_unknown_id", app.get(&nobody, &clinician).await);
    assert_problem_snapshot!("404_unknown_route", app.get("/api/v1/nothing-here", &clinician).await);
    assert_problem_snapshot!("405", app.call("DELETE", "/api/v1/me", Some(&clinician), None).await);
    let too_large = app
        .raw("POST", "/api/v1/users", Some(&admin), "application/json", vec![b' '; tandem_api::config::JSON_LIMIT + 1])
        .await;
    assert_problem_snapshot!("413", too_large);
    let text = app.raw("POST", "/api/v1/users", Some(&admin), "text/plain", b"hello".to_vec()).await;
    assert_problem_snapshot!("415", text);
    let invalid = app
        .post(
            "/api/v1/users",
            Some(&admin),
            json!({"email": "not an address", "display_name": "New", "roles": ["clinician"]}),
        )
        .await;
    assert_problem_snapshot!("422_names_the_field", invalid);

    let wrong = json!({"email": "admin@riverside.test", "password": "not the password"});
    assert_problem_snapshot!("401_bad_credentials", app.post("/api/v1/auth/login", None, wrong.clone()).await);
    // The sign-ins above count too; the limit is reached within a few more attempts.
    let mut limited = app.post("/api/v1/auth/login", None, wrong.clone()).await;
    for _ in 0..5 {
        if limited.status != 401 {
            break;
        }
        limited = app.post("/api/v1/auth/login", None, wrong.clone()).await;
    }
    assert_problem_snapshot!("429", limited);
}

#[actix_web::test]
async fn problems_a_client_gets_when_a_rule_refuses() {
    let app = TestApp::spawn().await;
    let c = couple(&app, "riverside").await;

    // Editing a plan needs the ETag that was read, and a current one.
    let (draft_id, tag) = draft(&app, &c, &["Holding hands"]).await;
    let path = format!("/api/v1/plans/{draft_id}");
    let rename = json!({"title": "Renamed"});
    assert_problem_snapshot!("428", app.call("PATCH", &path, Some(&c.clin), Some(rename.clone())).await);
    let renamed = app.call_with("PATCH", &path, Some(&c.clin), Some(rename.clone()), &[("If-Match", &tag)]).await;
    assert_eq!(renamed.status, 200, "{}", renamed.raw);
    assert_problem_snapshot!(
        "412",
        app.call_with("PATCH", &path, Some(&c.clin), Some(rename), &[("If-Match", &tag)]).await
    );

    // Activating without an agreement in effect or consents names every reason.
    assert_problem_snapshot!("409_agreement_not_in_effect", status(&app, &c.clin, &draft_id, "activate").await);
    write_agreement(&app, &c, &[], &[]).await;
    for token in [&c.a, &c.b] {
        acknowledge(&app, &c, token).await;
    }
    assert_problem_snapshot!("409_consent_missing", status(&app, &c.clin, &draft_id, "activate").await);

    // A decision on a recommendation that changed since it was read.
    let first_step = step_id(&plan(&app, &c.clin, &draft_id).await, 0);
    assert_eq!(consent(&app, &c.a, &draft_id, &first_step, "yes").await.status, 200);
    assert_eq!(consent(&app, &c.b, &draft_id, &first_step, "yes").await.status, 200);
    assert_eq!(status(&app, &c.clin, &draft_id, "activate").await.status, 200);
    let read = recommendation(&app, &c, &draft_id).await;
    let etag = read.body["etag"].as_str().unwrap().to_owned();
    for token in [&c.a, &c.b] {
        let sent =
            report(&app, token, &draft_id, &first_step, report_body(&app, 35, 20, "completed", "clinician_only")).await;
        assert_eq!(sent.status, 201, "{}", sent.raw);
    }
    assert_problem_snapshot!("409_recommendation_changed", decide(&app, &c, &draft_id, "advance", &etag).await);

    // The couple's last clinician stays; a discharged couple submits nothing.
    let me = app.get("/api/v1/me", &c.clin).await.body["user"]["id"].as_str().unwrap().to_owned();
    let unassign = app.call("DELETE", &format!("/api/v1/couples/{}/clinicians/{me}", c.id), Some(&c.clin), None).await;
    assert_problem_snapshot!("409_last_clinician", unassign);
    let discharged = app.patch(&format!("/api/v1/couples/{}", c.id), &c.clin, json!({"status": "discharged"})).await;
    assert_eq!(discharged.status, 200, "{}", discharged.raw);
    let late =
        report(&app, &c.a, &draft_id, &first_step, report_body(&app, 35, 20, "completed", "clinician_only")).await;
    assert_problem_snapshot!("409_not_in_treatment", late);
}

/// The redaction hides only what changes from run to run.
#[test]
fn redaction_keeps_prose_and_hides_ids_and_delays() {
    assert_eq!(
        crate::support::snapshot::redact_text("couple 0190d6a4-5b2c-7d3e-8f40-123456789abc; retry in 57 s"),
        "couple [id]; retry in [seconds] s"
    );
    assert_eq!(
        crate::support::snapshot::redact_text("the request body is larger than 65536 bytes"),
        "the request body is larger than 65536 bytes"
    );
}
