//! Privacy between partners, including timing: nothing the other partner can read moves
//! because of a partner's private event (an incident, a soft no, a withdrawal), beyond the
//! plan showing as paused.

use chrono::{Duration, SecondsFormat};
use serde_json::{Value, json};

use crate::plans::{Couple, consent, couple, plan, running, step_id};
use crate::support::{ClockExt, TestApp};

/// Every body (and ETag) partner `token` can read about their couple, by path.
async fn partner_views(
    app: &TestApp,
    c: &Couple,
    token: &str,
    plan_id: &str,
) -> Vec<(String, u16, Option<String>, Value)> {
    let paths = [
        format!("/api/v1/plans/{plan_id}"),
        format!("/api/v1/couples/{}/plans", c.id),
        "/api/v1/me/agenda".to_owned(),
        "/api/v1/me".to_owned(),
        "/api/v1/couples".to_owned(),
        format!("/api/v1/couples/{}", c.id),
        format!("/api/v1/couples/{}/reports", c.id),
        format!("/api/v1/couples/{}/check-ins", c.id),
        format!("/api/v1/couples/{}/incidents", c.id),
        format!("/api/v1/couples/{}/milestones", c.id),
        format!("/api/v1/couples/{}/safety-agreement", c.id),
        format!("/api/v1/couples/{}/safety-agreement/versions", c.id),
        format!("/api/v1/plans/{plan_id}/decisions"),
        format!("/api/v1/plans/{plan_id}/recommendation"),
        format!("/api/v1/couples/{}/timeline", c.id),
        format!("/api/v1/couples/{}/progress", c.id),
        "/api/v1/me/notification-preferences".to_owned(),
    ];
    let mut out = Vec::new();
    for path in paths {
        let r = app.get(&path, token).await;
        out.push((path, r.status.as_u16(), r.header("etag").map(str::to_owned), r.body));
    }
    out
}

/// Hides what a partner is meant to see of a stop: that the plan (and its current step)
/// is paused, and so that the agenda has no step to practise.
fn without_pause(mut views: Vec<(String, u16, Option<String>, Value)>) -> Vec<(String, u16, Option<String>, Value)> {
    fn mask_plan(p: &mut Value) {
        if p.is_object() {
            p["status"] = json!("paused-or-running");
            if let Some(steps) = p["steps"].as_array_mut() {
                for s in steps {
                    if s["status"] == "active" || s["status"] == "on_hold" {
                        s["status"] = json!("paused-or-running");
                    }
                }
            }
        }
    }
    for (path, _, _, body) in &mut views {
        if path.ends_with("/plans") {
            if let Some(items) = body["items"].as_array_mut() {
                items.iter_mut().for_each(mask_plan);
            }
        } else if path.starts_with("/api/v1/plans/") && path.matches('/').count() == 4 {
            mask_plan(body);
        } else if path == "/api/v1/me/agenda" {
            mask_plan(&mut body["plan"]);
            body["current_step"] = Value::Null;
        }
    }
    views
}

fn assert_same(
    before: &[(String, u16, Option<String>, Value)],
    after: &[(String, u16, Option<String>, Value)],
    event: &str,
) {
    for (b, a) in before.iter().zip(after) {
        assert_eq!(b.0, a.0);
        assert_eq!(b.1, a.1, "{}: status moved after {event}", b.0);
        assert_eq!(b.2, a.2, "{}: ETag moved after {event}", b.0);
        assert_eq!(b.3, a.3, "{}: body moved after {event}", b.0);
    }
}

fn report(app: &TestApp, boundary: bool) -> Value {
    json!({
        "occurred_at": app.clock.now_utc().to_rfc3339_opts(SecondsFormat::Micros, true),
        "outcome": "partial",
        "distress_before": 30,
        "distress_peak": 60,
        "distress_after": 40,
        "comfort": 4,
        "closeness": 5,
        "boundary_crossed": boundary,
        "note": "private",
        "visibility": "clinician_only"
    })
}

/// Runs one private event by partner A minutes after B's first look, and checks that B's
/// views are what an ordinary report would have left: unchanged but for the pause.
async fn private_event_leaves_no_trace(event: &str) {
    let app = TestApp::spawn().await;
    let c = couple(&app, "quiet").await;
    let id = running(&app, &c, &["Holding hands", "Clothed cuddle"]).await;
    let step = step_id(&plan(&app, &c.clin, &id).await, 0);
    let reports = format!("/api/v1/plans/{id}/steps/{step}/reports");
    app.clock.advance(Duration::minutes(2));

    // The control: an ordinary report by A changes nothing B can read.
    let before = partner_views(&app, &c, &c.b, &id).await;
    app.clock.advance(Duration::minutes(3));
    let ordinary = app.post(&reports, Some(&c.a), report(&app, false)).await;
    assert_eq!(ordinary.status, 201, "{}", ordinary.raw);
    let after_ordinary = partner_views(&app, &c, &c.b, &id).await;
    assert_same(&before, &after_ordinary, "an ordinary report");

    app.clock.advance(Duration::minutes(3));
    match event {
        "boundary" => {
            let r = app.post(&reports, Some(&c.a), report(&app, true)).await;
            assert_eq!(r.status, 201, "{}", r.raw);
        }
        "soft_no" => assert_eq!(consent(&app, &c.a, &id, &step, "soft_no").await.status, 200),
        "withdrawal" => {
            let r = app.post(&format!("/api/v1/couples/{}/withdrawal", c.id), Some(&c.a), json!({"reason": "x"})).await;
            assert_eq!(r.status, 201, "{}", r.raw);
        }
        other => panic!("unknown event {other}"),
    }
    // The stop did happen (the clinician sees it) ...
    assert_eq!(plan(&app, &c.clin, &id).await.body["status"], "on_hold");
    let after = partner_views(&app, &c, &c.b, &id).await;
    // ... and B sees a paused plan, and nothing else moved: no time, no ETag, no count.
    assert_eq!(after[0].3["status"], "on_hold", "B sees that the plan is paused");
    assert_same(&without_pause(after_ordinary), &without_pause(after), event);
}

#[actix_web::test]
async fn a_boundary_crossed_report_leaves_no_trace_for_the_other_partner() {
    private_event_leaves_no_trace("boundary").await;
}

#[actix_web::test]
async fn a_soft_no_leaves_no_trace_for_the_other_partner() {
    private_event_leaves_no_trace("soft_no").await;
}

#[actix_web::test]
async fn a_withdrawal_leaves_no_trace_for_the_other_partner() {
    private_event_leaves_no_trace("withdrawal").await;
}
