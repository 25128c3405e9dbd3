//! What an outside attack test found, closed: control characters in text, dates out of
//! bounds, duplicate days, weak ETag comparison.

use chrono::SecondsFormat;
use serde_json::{Value, json};

use crate::plans::{couple, plan, running, step_id};
use crate::support::{ClockExt, TestApp};

/// Each text field a client can write, with a body that is valid but for a NUL in it.
#[actix_web::test]
async fn control_characters_are_refused_in_every_text_field_naming_it() {
    let app = TestApp::spawn().await;
    let c = couple(&app, "ctrl").await;
    let id = running(&app, &c, &["Holding hands", "Clothed cuddle"]).await;
    let p = plan(&app, &c.clin, &id).await;
    let (step, second) = (step_id(&p, 0), step_id(&p, 1));
    let tag = p.header("etag").unwrap().to_owned();
    let now = app.clock.now_utc().to_rfc3339_opts(SecondsFormat::Micros, true);
    let nul = "before\u{0}after";
    let report = json!({
        "occurred_at": now, "outcome": "completed", "distress_before": 20, "distress_peak": 30,
        "distress_after": 10, "comfort": 7, "closeness": 7, "note": nul, "visibility": "clinician_only"
    });
    let check_in = |field: &str, bad: &str| {
        let mut b = json!({"felt_good": "a walk", "was_hard": "work", "to_adjust": "sleep", "stress": 3, "visibility": "clinician_only"});
        b[field] = json!(bad);
        b
    };
    let agreement = json!({"review_by": "2027-06-01T00:00:00Z", "partners": [
        {"user_id": c.a_id, "willing_to_try": "hands", "off_limits": "x", "off_limits_tags": [],
         "pause_signal": "pine\u{1}apple", "soft_no": "no", "tentative_yes": "maybe"},
        {"user_id": c.b_id, "willing_to_try": "hands", "off_limits": "x", "off_limits_tags": [],
         "pause_signal": "kiwi", "soft_no": "no", "tentative_yes": "maybe"}]});
    let cases: Vec<(&str, String, &str, Value, &str)> = vec![
        ("POST", format!("/api/v1/couples/{}/check-ins", c.id), &c.a, check_in("felt_good", nul), "felt_good"),
        ("POST", format!("/api/v1/couples/{}/check-ins", c.id), &c.a, check_in("was_hard", "x\u{1b}[31m"), "was_hard"),
        ("POST", format!("/api/v1/couples/{}/check-ins", c.id), &c.a, check_in("to_adjust", nul), "to_adjust"),
        ("POST", format!("/api/v1/plans/{id}/steps/{step}/reports"), &c.a, report, "note"),
        ("POST", format!("/api/v1/couples/{}/milestones", c.id), &c.a, json!({"title": nul}), "title"),
        ("POST", format!("/api/v1/couples/{}/milestones", c.id), &c.a, json!({"title": "ok", "note": nul}), "note"),
        ("POST", format!("/api/v1/couples/{}/plans", c.id), &c.clin, json!({"title": nul, "goal": "g"}), "title"),
        ("POST", format!("/api/v1/couples/{}/plans", c.id), &c.clin, json!({"title": "t", "goal": nul}), "goal"),
        ("PATCH", format!("/api/v1/plans/{id}/steps/{second}"), &c.clin, json!({"description": nul}), "description"),
        ("POST", format!("/api/v1/couples/{}/incidents", c.id), &c.a, json!({"description": nul}), "description"),
        (
            "PUT",
            format!("/api/v1/plans/{id}/steps/{second}/consent"),
            &c.a,
            json!({"answer": "yes", "note": nul}),
            "note",
        ),
        ("PUT", format!("/api/v1/couples/{}/safety-agreement", c.id), &c.clin, agreement, "partners[0].pause_signal"),
    ];
    let before_plan = plan(&app, &c.clin, &id).await.body;
    for (method, path, token, body, field) in cases {
        let current = app.get(&format!("/api/v1/couples/{}/safety-agreement", c.id), &c.clin).await;
        let agreement_tag = current.header("etag").unwrap().to_owned();
        let if_match = if path.ends_with("safety-agreement") { agreement_tag } else { tag.clone() };
        let r = app.call_with(method, &path, Some(token), Some(body), &[("If-Match", &if_match)]).await;
        r.assert_problem(422);
        assert_eq!(r.body["errors"][0]["field"], field, "{method} {path}: {}", r.raw);
        assert!(!r.raw.contains('\u{0}'), "the refusal does not echo the text");
    }
    // Nothing was written.
    assert_eq!(plan(&app, &c.clin, &id).await.body, before_plan);
    for list in ["check-ins", "reports", "milestones", "incidents"] {
        let r = app.get(&format!("/api/v1/couples/{}/{list}", c.id), &c.clin).await;
        assert_eq!(r.body["items"].as_array().map(Vec::len), Some(0), "{list}: {}", r.raw);
    }
    assert_eq!(
        app.get(&format!("/api/v1/couples/{}/plans", c.id), &c.clin).await.body["items"].as_array().unwrap().len(),
        1
    );
    assert_eq!(app.get(&format!("/api/v1/couples/{}/safety-agreement", c.id), &c.clin).await.body["version"], 1);

    // Tab and line breaks are ordinary text.
    let ok = app
        .post(
            &format!("/api/v1/couples/{}/milestones", c.id),
            Some(&c.a),
            json!({"title": "First walk", "note": "line one\r\nline\ttwo"}),
        )
        .await;
    assert_eq!(ok.status, 201, "{}", ok.raw);
    assert_eq!(ok.body["note"], "line one\r\nline\ttwo");

    // Query strings and paths cannot carry them either.
    let q = app.get(&format!("/api/v1/couples/{}/reports?partner_id=%00", c.id), &c.clin).await;
    q.assert_problem(422);
    assert_eq!(q.body["errors"][0]["field"], "partner_id");
    app.get("/api/v1/couples/%00", &c.clin).await.assert_problem(404);
}

#[actix_web::test]
async fn dates_are_bounded_days_listed_once_and_weak_etags_never_match() {
    let app = TestApp::spawn().await;
    let c = couple(&app, "bounds").await;
    let id = running(&app, &c, &["Holding hands"]).await;
    let now = app.clock.now_utc();
    let at = |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
    let milestones = format!("/api/v1/couples/{}/milestones", c.id);
    for bad in [
        "0001-01-01T00:00:00Z".to_owned(),
        "9999-12-31T00:00:00Z".to_owned(),
        at(now + chrono::Duration::hours(2)),
        at(now - chrono::Duration::days(3)),
    ] {
        let r = app.post(&milestones, Some(&c.a), json!({"title": "First walk", "achieved_at": bad})).await;
        r.assert_problem(422);
        assert_eq!(r.body["errors"][0]["field"], "achieved_at", "{bad}: {}", r.raw);
    }
    let ok = app.post(&milestones, Some(&c.a), json!({"title": "First walk", "achieved_at": at(now)})).await;
    assert_eq!(ok.status, 201, "{}", ok.raw);
    assert_eq!(app.get(&milestones, &c.a).await.body["items"].as_array().unwrap().len(), 1);

    let path = format!("/api/v1/couples/{}/safety-agreement", c.id);
    let current = app.get(&path, &c.clin).await;
    let tag = current.header("etag").unwrap().to_owned();
    let terms = |user: &str| json!({"user_id": user, "willing_to_try": "hands", "off_limits": "x", "off_limits_tags": [], "pause_signal": "kiwi", "soft_no": "no", "tentative_yes": "maybe"});
    for bad in [
        at(now - chrono::Duration::days(1)),
        at(now + chrono::Duration::days(3 * 365)),
        "9999-01-01T00:00:00Z".to_owned(),
    ] {
        let body = json!({"review_by": bad, "partners": [terms(&c.a_id), terms(&c.b_id)]});
        let r = app.call_with("PUT", &path, Some(&c.clin), Some(body), &[("If-Match", &tag)]).await;
        r.assert_problem(422);
        assert_eq!(r.body["errors"][0]["field"], "review_by", "{bad}: {}", r.raw);
    }
    // A weak tag never matches (strong comparison, RFC 9110 13.1.1) ...
    let body = json!({"review_by": at(now + chrono::Duration::days(90)), "partners": [terms(&c.a_id), terms(&c.b_id)]});
    let weak = format!("W/{tag}");
    app.call_with("PUT", &path, Some(&c.clin), Some(body.clone()), &[("If-Match", &weak)]).await.assert_problem(412);
    let p = plan(&app, &c.clin, &id).await;
    let plan_weak = format!("W/{}", p.header("etag").unwrap());
    app.call_with(
        "PATCH",
        &format!("/api/v1/plans/{id}"),
        Some(&c.clin),
        Some(json!({"title": "New"})),
        &[("If-Match", &plan_weak)],
    )
    .await
    .assert_problem(412);
    assert_eq!(app.get(&path, &c.clin).await.body["version"], 1, "nothing written");
    // ... and the strong one does.
    let r = app.call_with("PUT", &path, Some(&c.clin), Some(body), &[("If-Match", &tag)]).await;
    assert_eq!(r.status, 200, "{}", r.raw);

    let prefs = app.get("/api/v1/me/notification-preferences", &c.a).await;
    assert_eq!(prefs.status, 200, "{}", prefs.raw);
    let mut twice = prefs.body.clone();
    twice["days"] = json!(vec!["mon"; 1000]);
    let r = app.call("PUT", "/api/v1/me/notification-preferences", Some(&c.a), Some(twice)).await;
    r.assert_problem(422);
    assert_eq!(r.body["errors"][0]["field"], "days");
    assert_eq!(app.get("/api/v1/me/notification-preferences", &c.a).await.body, prefs.body, "nothing changed");
}
