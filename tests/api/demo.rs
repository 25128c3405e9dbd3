//! The demo practice, used as a newcomer would: partners report, the recommendation moves
//! from hold to advance, the clinician advances; a peak of 80 recommends stepping back;
//! a crossed boundary pauses the step and tops the caseload.

use serde_json::{Value, json};

use crate::support::{ClockExt, TestApp};

async fn login(app: &TestApp, email: &str) -> String {
    app.login(email, tandem_server::setup::DEMO_PASSWORD).await["access_token"].as_str().unwrap().to_owned()
}

fn attempt(app: &TestApp, peak: i32, after: i32) -> Value {
    json!({
        "occurred_at": app.clock.now_utc().to_rfc3339(),
        "outcome": "completed",
        "distress_before": 20, "distress_peak": peak, "distress_after": after,
        "comfort": 8, "closeness": 8, "visibility": "shared_with_partner"
    })
}

#[actix_web::test]
async fn the_demo_walks_through_the_review_loop() {
    let app = TestApp::spawn().await;
    assert!(tandem_server::setup::demo(&app.state.pool, app.clock.now_utc()).unwrap());
    let clin = login(&app, "rivera@demo.tandem.localhost").await;
    let robin = login(&app, "robin@demo.tandem.localhost").await;
    let sasha = login(&app, "sasha@demo.tandem.localhost").await;
    let couples = app.get("/api/v1/couples", &clin).await;
    let couple =
        couples.body["items"].as_array().unwrap().iter().find(|c| c["label"] == "Couple 1 (Tuesdays)").unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
    let plan_id = app.get(&format!("/api/v1/couples/{couple}/plans"), &clin).await.body["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let rec = app.get(&format!("/api/v1/plans/{plan_id}/recommendation"), &clin).await;
    assert_eq!(rec.body["kind"], "hold", "{}", rec.raw);
    let timeline = app.get(&format!("/api/v1/couples/{couple}/timeline"), &clin).await;
    assert!(timeline.body["items"].as_array().unwrap().len() > 10, "weeks of history");
    // The history was played through the use cases: the advance answers a real
    // recommendation, and the finished couple was discharged by its clinician.
    let decisions = app.get(&format!("/api/v1/plans/{plan_id}/decisions"), &clin).await;
    assert_eq!(decisions.body["items"][0]["kind"], "advance", "{}", decisions.raw);
    assert_eq!(decisions.body["items"][0]["recommendation_kind"], "advance", "{}", decisions.raw);
    let chen = login(&app, "chen@demo.tandem.localhost").await;
    let finished = app.get("/api/v1/couples?status=discharged", &chen).await;
    assert_eq!(finished.body["items"][0]["label"], "Couple 3 (finished)", "{}", finished.raw);
    // Couple 2 starts on "Grief and reconnection", drafted from the built-in template.
    let fresh =
        couples.body["items"].as_array().unwrap().iter().find(|c| c["label"] == "Couple 2 (new)").unwrap()["id"]
            .clone();
    let fresh_plans = app.get(&format!("/api/v1/couples/{}/plans", fresh.as_str().unwrap()), &clin).await;
    let draft = &fresh_plans.body["items"][0];
    assert_eq!((draft["title"].as_str(), draft["status"].as_str()), (Some("Grief and reconnection"), Some("draft")));
    let draft = app.get(&format!("/api/v1/plans/{}", draft["id"].as_str().unwrap()), &clin).await;
    assert_eq!(draft.body["template"]["template_id"], "00000000-0000-7000-8000-000000000002", "{}", draft.raw);
    assert_eq!(draft.body["steps"].as_array().unwrap().len(), 6);

    let step = rec.body["step_id"].as_str().unwrap().to_owned();
    for token in [&robin, &sasha] {
        let r = app
            .post(&format!("/api/v1/plans/{plan_id}/steps/{step}/reports"), Some(token), attempt(&app, 30, 15))
            .await;
        assert_eq!(r.status, 201, "{}", r.raw);
    }
    let advance = app.get(&format!("/api/v1/plans/{plan_id}/recommendation"), &clin).await;
    assert_eq!(advance.body["kind"], "advance", "{}", advance.raw);
    let decided = app
        .post(
            &format!("/api/v1/plans/{plan_id}/decisions"),
            Some(&clin),
            json!({"kind": "advance", "rationale": "Ready", "recommendation_etag": advance.body["etag"]}),
        )
        .await;
    assert_eq!(decided.status, 201, "{}", decided.raw);
    let next = decided.body["to_step_id"].as_str().unwrap().to_owned();

    let r =
        app.post(&format!("/api/v1/plans/{plan_id}/steps/{next}/reports"), Some(&sasha), attempt(&app, 80, 40)).await;
    assert_eq!(r.status, 201, "{}", r.raw);
    let back = app.get(&format!("/api/v1/plans/{plan_id}/recommendation"), &clin).await;
    assert_eq!(back.body["kind"], "step_back");
    assert_eq!(back.body["baseline_step_id"], step.as_str(), "back to the step that felt safe");

    let mut crossed = attempt(&app, 50, 30);
    crossed["boundary_crossed"] = json!(true);
    assert_eq!(
        app.post(&format!("/api/v1/plans/{plan_id}/steps/{next}/reports"), Some(&robin), crossed).await.status,
        201
    );
    let caseload = app.get("/api/v1/couples?needs_attention=true", &clin).await;
    assert_eq!(caseload.body["items"][0]["id"], couple.as_str());
    assert_eq!(caseload.body["items"][0]["attention"]["flags"][0], "incident_or_withdrawal");
    let p = app.get(&format!("/api/v1/plans/{plan_id}"), &sasha).await;
    assert_eq!(p.body["status"], "on_hold");
    assert!(p.body["hold_cause"].is_null());
}
