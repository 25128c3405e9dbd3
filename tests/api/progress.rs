//! Reports, check-ins, incidents, progression and the clinician's review.

use chrono::{Duration, SecondsFormat};
use serde_json::{Value, json};

use crate::plans::{Couple, consent, couple, plan, running, status, step_id};
use crate::support::{ClockExt, Reply, TestApp};

pub fn report_body(app: &TestApp, peak: i32, after: i32, outcome: &str, visibility: &str) -> Value {
    json!({
        "occurred_at": app.clock.now_utc().to_rfc3339_opts(SecondsFormat::Micros, true),
        "outcome": outcome,
        "distress_before": 30,
        "distress_peak": peak,
        "distress_after": after,
        "comfort": 7,
        "closeness": 7,
        "note": format!("note with peak {peak}"),
        "visibility": visibility
    })
}

pub async fn report(app: &TestApp, token: &str, plan_id: &str, step: &str, body: Value) -> Reply {
    app.post(&format!("/api/v1/plans/{plan_id}/steps/{step}/reports"), Some(token), body).await
}

async fn comfortable_sessions(app: &TestApp, c: &Couple, plan_id: &str, step: &str, n: usize) {
    for _ in 0..n {
        for token in [&c.a, &c.b] {
            let r = report(app, token, plan_id, step, report_body(app, 35, 20, "completed", "clinician_only")).await;
            assert_eq!(r.status, 201, "{}", r.raw);
        }
        app.clock.advance(Duration::minutes(1));
    }
}

pub async fn recommendation(app: &TestApp, c: &Couple, plan_id: &str) -> Reply {
    let r = app.get(&format!("/api/v1/plans/{plan_id}/recommendation"), &c.clin).await;
    assert_eq!(r.status, 200, "{}", r.raw);
    r
}

pub async fn decide(app: &TestApp, c: &Couple, plan_id: &str, kind: &str, etag: &str) -> Reply {
    app.post(
        &format!("/api/v1/plans/{plan_id}/decisions"),
        Some(&c.clin),
        json!({"kind": kind, "rationale": "Discussed in session", "recommendation_etag": etag}),
    )
    .await
}

async fn attention(app: &TestApp, c: &Couple) -> Option<Value> {
    let list = app.get("/api/v1/couples?needs_attention=true", &c.clin).await;
    assert_eq!(list.status, 200, "{}", list.raw);
    list.body["items"].as_array().unwrap().iter().find(|x| x["id"] == c.id.as_str()).map(|x| x["attention"].clone())
}

fn flags(attention: &Option<Value>) -> Vec<String> {
    attention.as_ref().map_or_else(Vec::new, |a| {
        a["flags"].as_array().unwrap().iter().map(|f| f.as_str().unwrap().to_owned()).collect()
    })
}

#[actix_web::test]
async fn reports_are_idempotent_per_key() {
    let app = TestApp::spawn().await;
    let c = couple(&app, "riverside").await;
    let id = running(&app, &c, &["Holding hands"]).await;
    let step = step_id(&plan(&app, &c.clin, &id).await, 0);
    let path = format!("/api/v1/plans/{id}/steps/{step}/reports");
    let body = report_body(&app, 40, 20, "completed", "shared_with_partner");
    let key = [("Idempotency-Key", "report-1")];
    let first = app.call_with("POST", &path, Some(&c.a), Some(body.clone()), &key).await;
    assert_eq!(first.status, 201, "{}", first.raw);
    let again = app.call_with("POST", &path, Some(&c.a), Some(body.clone()), &key).await;
    assert_eq!(again.status, 201);
    assert_eq!(again.body, first.body, "a replay returns the first answer");
    let mut other = body.clone();
    other["distress_after"] = json!(25);
    app.call_with("POST", &path, Some(&c.a), Some(other), &key).await.assert_problem(422);
    // Concurrent duplicates create one report.
    let dup = [("Idempotency-Key", "report-2")];
    let (x, y) = futures_util::future::join(
        app.call_with("POST", &path, Some(&c.a), Some(body.clone()), &dup),
        app.call_with("POST", &path, Some(&c.a), Some(body.clone()), &dup),
    )
    .await;
    assert!(x.status.is_success() && y.status.is_success(), "{} / {}", x.raw, y.raw);
    assert_eq!(x.body["id"], y.body["id"]);
    let list = app.get(&format!("/api/v1/couples/{}/reports", c.id), &c.clin).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 2, "{}", list.raw);
    // The same key from the other partner is theirs alone.
    assert_eq!(app.call_with("POST", &path, Some(&c.b), Some(body), &key).await.status, 201);
}

#[actix_web::test]
async fn partners_see_their_own_and_what_was_shared_and_never_boundary_crossed() {
    let app = TestApp::spawn().await;
    let c = couple(&app, "riverside").await;
    let id = running(&app, &c, &["Holding hands"]).await;
    let step = step_id(&plan(&app, &c.clin, &id).await, 0);
    let private = report(&app, &c.b, &id, &step, report_body(&app, 40, 20, "completed", "clinician_only")).await;
    let mut shared_body = report_body(&app, 40, 25, "completed", "shared_with_partner");
    shared_body["boundary_crossed"] = json!(true);
    let shared = report(&app, &c.b, &id, &step, shared_body).await;
    assert_eq!(shared.status, 201, "{}", shared.raw);
    assert!(
        shared.body["crisis_notice"].as_str().is_some_and(|n| n.contains("not monitored")),
        "crisis notice at a hard moment"
    );
    app.post(&format!("/api/v1/couples/{}/check-ins", c.id), Some(&c.b), json!({"felt_good": "secret good", "was_hard": "secret hard", "to_adjust": "x", "stress": 3, "visibility": "clinician_only"})).await;
    let private_id = private.body["id"].as_str().unwrap();

    let as_a = app.get(&format!("/api/v1/couples/{}/reports", c.id), &c.a).await;
    let items = as_a.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{}", as_a.raw);
    assert!(items[0]["boundary_crossed"].is_null(), "the other partner never sees boundary_crossed");
    assert!(!as_a.raw.contains(private_id));
    let timeline = app.get(&format!("/api/v1/couples/{}/timeline", c.id), &c.a).await;
    assert_eq!(timeline.status, 200, "{}", timeline.raw);
    assert!(!timeline.raw.contains(private_id) && !timeline.raw.contains("secret good"), "{}", timeline.raw);
    assert!(
        !timeline.raw.contains("boundary_crossed\":true") && !timeline.raw.contains("\"incident\""),
        "{}",
        timeline.raw
    );
    app.get(&format!("/api/v1/couples/{}/incidents", c.id), &c.a).await.body["items"]
        .as_array()
        .unwrap()
        .is_empty()
        .then_some(())
        .expect("no incidents for the other partner");
    app.get(&format!("/api/v1/couples/{}/export", c.id), &c.a).await.assert_problem(403);
    // The author and the clinician see everything.
    let mine = app.get(&format!("/api/v1/couples/{}/reports", c.id), &c.b).await;
    assert_eq!(mine.body["items"].as_array().unwrap().len(), 2);
    assert_eq!(
        app.get(&format!("/api/v1/couples/{}/incidents", c.id), &c.b).await.body["items"].as_array().unwrap().len(),
        1
    );
    let full = app.get(&format!("/api/v1/couples/{}/timeline", c.id), &c.clin).await;
    assert!(full.raw.contains(private_id) && full.raw.contains("\"incident\""));
    // Paged two at a time, the timeline is the same entries in the same order, each
    // once; every entry's `data` has the shape its `kind` names.
    let everything: Vec<Value> = full.body["items"].as_array().unwrap().clone();
    assert!(everything.len() > 4, "{}", full.raw);
    let mut paged = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let query = cursor.as_ref().map_or(String::new(), |c| format!("&cursor={c}"));
        let page = app.get(&format!("/api/v1/couples/{}/timeline?limit=2{query}", c.id), &c.clin).await;
        assert_eq!(page.status, 200, "{}", page.raw);
        paged.extend(page.body["items"].as_array().unwrap().iter().cloned());
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(paged, everything);
    for entry in &everything {
        let data = &entry["data"];
        match entry["kind"].as_str().unwrap() {
            "report" => assert!(data["distress_after"].is_i64(), "{entry}"),
            "check_in" => assert!(data["stress"].is_i64(), "{entry}"),
            "incident" => assert!(data["status"].is_string(), "{entry}"),
            "consent" => assert!(data["answer"].is_string() && data["step_id"].is_string(), "{entry}"),
            other => panic!("unexpected kind {other}: {entry}"),
        }
    }
    app.get(&format!("/api/v1/couples/{}/timeline?cursor=bm90LWEtY3Vyc29y", c.id), &c.clin).await.assert_problem(422);
    let export = app.get(&format!("/api/v1/couples/{}/export", c.id), &c.clin).await;
    assert_eq!(export.status, 200, "{}", export.raw);
    assert_eq!(export.body["reports"].as_array().unwrap().len(), 2);
    assert_eq!(export.body["incidents"].as_array().unwrap().len(), 1);
    // A typed document: the parts have their endpoints' shapes, times are RFC 3339 UTC.
    assert_eq!(export.body["couple"]["partners"].as_array().unwrap().len(), 2, "{}", export.raw);
    assert_eq!(export.body["safety_agreements"][0]["partners"].as_array().unwrap().len(), 2, "{}", export.raw);
    assert!(export.body["plans"][0]["steps"].as_array().is_some_and(|s| !s.is_empty()), "{}", export.raw);
    let consent = &export.body["consent_history"][0];
    assert!(consent["answer"].is_string() && consent["at"].as_str().is_some_and(|t| t.ends_with('Z')), "{consent}");
    for time in [&export.body["exported_at"], &export.body["reports"][0]["occurred_at"]] {
        let t = time.as_str().unwrap();
        assert!(chrono::DateTime::parse_from_rfc3339(t).is_ok() && t.ends_with('Z'), "{t}");
    }
}

#[actix_web::test]
async fn an_incident_holds_the_step_until_a_clinician_resolves_it_and_resumes() {
    let app = TestApp::spawn().await;
    let c = couple(&app, "riverside").await;
    let id = running(&app, &c, &["Holding hands"]).await;
    let opened = app
        .post(&format!("/api/v1/couples/{}/incidents", c.id), Some(&c.a), json!({"description": "It went too far"}))
        .await;
    assert_eq!(opened.status, 201, "{}", opened.raw);
    assert!(opened.body["crisis_notice"].is_string());
    let p = plan(&app, &c.clin, &id).await;
    assert_eq!(p.body["status"], "on_hold");
    assert_eq!(p.body["hold_cause"], "incident_open");
    assert!(plan(&app, &c.b, &id).await.body["hold_cause"].is_null());
    // A discreet alert reached the clinician.
    let alerts = app.wait_mail("clin@riverside.test", 2).await;
    assert!(
        alerts.iter().any(|m| m.contains("waiting for your review") && !m.to_lowercase().contains("incident")),
        "{alerts:?}"
    );
    let step = step_id(&p, 0);
    report(&app, &c.a, &id, &step, report_body(&app, 40, 20, "completed", "clinician_only")).await.assert_problem(409);
    status(&app, &c.clin, &id, "resume").await.assert_problem(409);
    let incident = opened.body["id"].as_str().unwrap();
    app.patch(&format!("/api/v1/incidents/{incident}"), &c.a, json!({"status": "resolved", "resolution": "x"}))
        .await
        .assert_problem(403);
    app.patch(&format!("/api/v1/incidents/{incident}"), &c.clin, json!({"status": "resolved"}))
        .await
        .assert_problem(422);
    let resolved = app
        .patch(&format!("/api/v1/incidents/{incident}"), &c.clin, json!({"acknowledgement": "Talked it through", "renewed_consent": true, "resolution": "Repaired in session", "status": "resolved"}))
        .await;
    assert_eq!(resolved.status, 200, "{}", resolved.raw);
    assert_eq!(plan(&app, &c.clin, &id).await.body["status"], "on_hold", "resolution alone does not resume");
    assert_eq!(status(&app, &c.clin, &id, "resume").await.status, 200);
}

#[actix_web::test]
async fn the_recommendation_moves_from_hold_to_advance_and_setbacks_step_back_to_the_baseline() {
    let app = TestApp::spawn().await;
    let c = couple(&app, "riverside").await;
    let id = running(&app, &c, &["Holding hands", "Clothed cuddle", "Hand and foot massage"]).await;
    let p = plan(&app, &c.clin, &id).await;
    let (s1, s2, s3) = (step_id(&p, 0), step_id(&p, 1), step_id(&p, 2));
    let hold = recommendation(&app, &c, &id).await;
    assert_eq!(hold.body["kind"], "hold");
    assert!(
        hold.body["reasons"].as_array().unwrap().iter().any(|r| r.as_str().unwrap().contains("0 of 3")),
        "{}",
        hold.raw
    );
    decide(&app, &c, &id, "advance", hold.body["etag"].as_str().unwrap()).await.assert_problem(409);

    comfortable_sessions(&app, &c, &id, &s1, 3).await;
    let advance = recommendation(&app, &c, &id).await;
    assert_eq!(advance.body["kind"], "advance");
    assert_eq!(advance.body["awaiting_consent"], true, "{}", advance.raw);
    let stale = decide(&app, &c, &id, "advance", hold.body["etag"].as_str().unwrap()).await;
    stale.assert_problem(409);
    assert_eq!(stale.body["type"], "urn:tandem:problem:recommendation_changed", "{}", stale.raw);
    let etag = advance.body["etag"].as_str().unwrap();
    let no_consent = decide(&app, &c, &id, "advance", etag).await;
    no_consent.assert_problem(409);
    assert_eq!(plan(&app, &c.clin, &id).await.body["current_step_id"], s1.as_str(), "a refused decision moves nothing");
    consent(&app, &c.a, &id, &s2, "yes").await;
    consent(&app, &c.b, &id, &s2, "yes").await;
    let ready = recommendation(&app, &c, &id).await;
    assert_eq!(ready.body["awaiting_consent"], false);
    let applied = decide(&app, &c, &id, "advance", ready.body["etag"].as_str().unwrap()).await;
    assert_eq!(applied.status, 201, "{}", applied.raw);
    let moved = plan(&app, &c.clin, &id).await;
    assert_eq!(moved.body["current_step_id"], s2.as_str());
    assert_eq!(moved.body["steps"][0]["status"], "completed");
    assert_eq!(moved.body["steps"][1]["status"], "active");

    // A peak of 80 on step 2 recommends going back to step 1.
    app.clock.advance(Duration::minutes(1));
    report(&app, &c.b, &id, &s2, report_body(&app, 80, 50, "completed", "clinician_only")).await;
    let back = recommendation(&app, &c, &id).await;
    assert_eq!(back.body["kind"], "step_back", "{}", back.raw);
    assert_eq!(back.body["baseline_step_id"], s1.as_str());
    let flagged = attention(&app, &c).await;
    assert!(flags(&flagged).contains(&"step_back_recommended".to_owned()), "{flagged:?}");
    let stepped = decide(&app, &c, &id, "step_back", back.body["etag"].as_str().unwrap()).await;
    assert_eq!(stepped.status, 201, "{}", stepped.raw);
    let after = plan(&app, &c.clin, &id).await;
    assert_eq!(after.body["current_step_id"], s1.as_str());
    assert_eq!(after.body["steps"][1]["status"], "not_started");
    // The window restarted: the old setback no longer counts.
    assert_ne!(recommendation(&app, &c, &id).await.body["kind"], "step_back");
    let decisions = app.get(&format!("/api/v1/plans/{id}/decisions"), &c.clin).await;
    assert_eq!(decisions.body["items"].as_array().unwrap().len(), 2);
    app.get(&format!("/api/v1/plans/{id}/decisions"), &c.a).await.assert_problem(403);
    app.get(&format!("/api/v1/plans/{id}/recommendation"), &c.a).await.assert_problem(403);
    assert!(!s3.is_empty());
    let progress = app.get(&format!("/api/v1/couples/{}/progress", c.id), &c.clin).await;
    assert_eq!(progress.status, 200, "{}", progress.raw);
    assert_eq!(progress.body["steps"][0]["partners"][0]["attempts"], 3);
    assert_eq!(progress.body["steps"][0]["partners"][0]["distress_mean"], 20.0);
}

#[actix_web::test]
async fn advancing_the_last_step_completes_the_plan() {
    let app = TestApp::spawn().await;
    let c = couple(&app, "riverside").await;
    let id = running(&app, &c, &["Holding hands"]).await;
    let step = step_id(&plan(&app, &c.clin, &id).await, 0);
    comfortable_sessions(&app, &c, &id, &step, 3).await;
    let rec = recommendation(&app, &c, &id).await;
    assert!(rec.body["reasons"].as_array().unwrap().iter().any(|r| r.as_str().unwrap().contains("completes the plan")));
    let done = decide(&app, &c, &id, "advance", rec.body["etag"].as_str().unwrap()).await;
    assert_eq!(done.status, 201, "{}", done.raw);
    assert_eq!(plan(&app, &c.clin, &id).await.body["status"], "completed");
}

#[actix_web::test]
async fn bad_reports_change_nothing() {
    let app = TestApp::spawn().await;
    let c = couple(&app, "riverside").await;
    let id = running(&app, &c, &["Holding hands", "Clothed cuddle"]).await;
    let p = plan(&app, &c.clin, &id).await;
    let (s1, s2) = (step_id(&p, 0), step_id(&p, 1));
    let mut too_high = report_body(&app, 101, 20, "completed", "clinician_only");
    too_high["comfort"] = json!(11);
    let r = report(&app, &c.a, &id, &s1, too_high).await;
    r.assert_problem(422);
    let fields: Vec<_> = r.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, vec!["distress_peak", "comfort"]);
    let mut future = report_body(&app, 40, 20, "completed", "clinician_only");
    future["occurred_at"] = json!((app.clock.now_utc() + Duration::days(2)).to_rfc3339());
    report(&app, &c.a, &id, &s1, future).await.assert_problem(422);
    let mut bad_outcome = report_body(&app, 40, 20, "finished", "everyone");
    bad_outcome["item_id"] = json!("nope");
    let bad = report(&app, &c.a, &id, &s1, bad_outcome).await;
    bad.assert_problem(422);
    assert_eq!(bad.body["errors"].as_array().unwrap().len(), 3, "{}", bad.raw);
    report(&app, &c.a, &id, &s2, report_body(&app, 40, 20, "completed", "clinician_only")).await.assert_problem(409);
    report(&app, &c.clin, &id, &s1, report_body(&app, 40, 20, "completed", "clinician_only")).await.assert_problem(403);
    let list = app.get(&format!("/api/v1/couples/{}/reports", c.id), &c.clin).await;
    assert!(list.body["items"].as_array().unwrap().is_empty(), "nothing was stored: {}", list.raw);
    // A discharged couple submits nothing.
    app.patch(&format!("/api/v1/couples/{}", c.id), &c.clin, json!({"status": "discharged"})).await;
    report(&app, &c.a, &id, &s1, report_body(&app, 40, 20, "completed", "clinician_only")).await.assert_problem(409);
}

#[actix_web::test]
async fn attention_flags_rise_with_the_data_and_clear_when_it_no_longer_holds() {
    let app = TestApp::spawn().await;
    let c = couple(&app, "riverside").await;
    let id = running(&app, &c, &["Holding hands", "Clothed cuddle"]).await;
    let step = step_id(&plan(&app, &c.clin, &id).await, 0);
    // Diverging partners and rising distress.
    for (i, after) in [10, 14, 18].into_iter().enumerate() {
        report(&app, &c.a, &id, &step, report_body(&app, 40, after, "completed", "clinician_only")).await;
        report(
            &app,
            &c.b,
            &id,
            &step,
            report_body(&app, 60, 50 + i32::try_from(i).unwrap(), "completed", "clinician_only"),
        )
        .await;
        app.clock.advance(Duration::minutes(1));
    }
    let f = flags(&attention(&app, &c).await);
    assert!(f.contains(&"rising_distress".to_owned()) && f.contains(&"partners_diverging".to_owned()), "{f:?}");
    // A soft no pauses; the flag shows and the incident outranks it.
    consent(&app, &c.b, &id, &step, "soft_no").await;
    assert_eq!(flags(&attention(&app, &c).await)[0], "paused_by_consent");
    let incident =
        app.post(&format!("/api/v1/couples/{}/incidents", c.id), Some(&c.a), json!({"description": "too far"})).await;
    let top = app.get("/api/v1/couples?needs_attention=true", &c.clin).await;
    assert_eq!(top.body["items"][0]["id"], c.id.as_str());
    // Second only to an unacknowledged critical questionnaire answer (docs/measures.md).
    assert_eq!(top.body["items"][0]["attention"]["urgency"], 2);
    app.patch(
        &format!("/api/v1/incidents/{}", incident.body["id"].as_str().unwrap()),
        &c.clin,
        json!({"resolution": "ok", "status": "resolved"}),
    )
    .await;
    assert!(!flags(&attention(&app, &c).await).contains(&"incident_or_withdrawal".to_owned()), "cleared once resolved");
    consent(&app, &c.b, &id, &step, "yes").await;
    assert!(
        flags(&attention(&app, &c).await).contains(&"paused_by_consent".to_owned()),
        "still paused until a clinician resumes"
    );
    assert_eq!(status(&app, &c.clin, &id, "resume").await.status, 200);
    assert!(!flags(&attention(&app, &c).await).contains(&"paused_by_consent".to_owned()));
    // Quiet for a week.
    app.clock.advance(Duration::days(8));
    // Tokens have long expired; everyone signs in again.
    let c = Couple {
        clin: app.token("clin@riverside.test").await,
        a: app.token("a@riverside.test").await,
        b: app.token("b@riverside.test").await,
        ..c
    };
    assert!(flags(&attention(&app, &c).await).contains(&"inactive".to_owned()));
    app.post(
        &format!("/api/v1/couples/{}/check-ins", c.id),
        Some(&c.a),
        json!({"felt_good": "a", "was_hard": "b", "to_adjust": "c", "stress": 2, "visibility": "shared_with_partner"}),
    )
    .await;
    assert!(!flags(&attention(&app, &c).await).contains(&"inactive".to_owned()), "activity clears it");
    // Admins see status, not flags.
    let admin = app.token("admin@riverside.test").await;
    app.get("/api/v1/couples?needs_attention=true", &admin).await.assert_problem(403);
}

#[actix_web::test]
async fn the_summary_always_matches_a_recomputation_from_the_rows() {
    let app = TestApp::spawn().await;
    let c = couple(&app, "riverside").await;
    let id = running(&app, &c, &["Holding hands", "Clothed cuddle"]).await;
    let step = step_id(&plan(&app, &c.clin, &id).await, 0);
    let pool = app.state.pool.clone();
    let couple_id = c.id.clone();
    let check = move || {
        let mut conn = pool.get().unwrap();
        let stored = tandem_store::couples::summary(&mut conn, &couple_id).unwrap();
        let couple = tandem_store::couples::find(&mut conn, &couple_id).unwrap().unwrap();
        // The refresh's one-statement facts answer what the separate queries answer.
        assert_eq!(
            tandem_store::records::summary_facts(&mut conn, &couple_id).unwrap(),
            tandem_store::records::SummaryFacts {
                open_incidents: tandem_store::incidents::open_count(&mut conn, &couple_id).unwrap(),
                withdrawn: tandem_store::incidents::any_withdrawal(&mut conn, &couple_id).unwrap(),
                last_activity: tandem_store::records::last_activity(&mut conn, &couple_id).unwrap(),
            }
        );
        tandem_store::write_tx(&mut conn, |conn| {
            tandem_service::review::refresh_summary(
                conn,
                &couple,
                tandem_domain::Clock::now(&tandem_domain::SystemClock),
            )
            .map_err(|_| diesel::result::Error::RollbackTransaction)?;
            let fresh =
                tandem_store::couples::summary(conn, &couple_id).map_err(|_| diesel::result::Error::NotFound)?;
            assert_eq!(
                (
                    stored.open_incidents,
                    stored.withdrawn,
                    &stored.pause_cause,
                    &stored.recommendation,
                    stored.rising_distress,
                    stored.diverging,
                    stored.last_activity_at,
                    stored.agreement_review_due_at
                ),
                (
                    fresh.open_incidents,
                    fresh.withdrawn,
                    &fresh.pause_cause,
                    &fresh.recommendation,
                    fresh.rising_distress,
                    fresh.diverging,
                    fresh.last_activity_at,
                    fresh.agreement_review_due_at
                ),
            );
            // Leave the stored row as the application wrote it.
            Err::<(), _>(diesel::result::Error::RollbackTransaction)
        })
        .ok();
    };
    check();
    report(&app, &c.a, &id, &step, report_body(&app, 40, 20, "completed", "clinician_only")).await;
    check();
    app.post(
        &format!("/api/v1/couples/{}/check-ins", c.id),
        Some(&c.b),
        json!({"felt_good": "a", "was_hard": "b", "to_adjust": "c", "stress": 2, "visibility": "clinician_only"}),
    )
    .await;
    check();
    consent(&app, &c.a, &id, &step, "no").await;
    check();
    let incident =
        app.post(&format!("/api/v1/couples/{}/incidents", c.id), Some(&c.b), json!({"description": "x"})).await;
    check();
    app.patch(
        &format!("/api/v1/incidents/{}", incident.body["id"].as_str().unwrap()),
        &c.clin,
        json!({"resolution": "ok", "status": "resolved"}),
    )
    .await;
    check();
    let w =
        app.post(&format!("/api/v1/couples/{}/withdrawal", c.id), Some(&c.a), json!({"reason": "need a break"})).await;
    assert_eq!(w.status, 201, "{}", w.raw);
    assert!(w.body["crisis_notice"].is_string());
    check();
    let summary = {
        let mut conn = app.state.pool.get().unwrap();
        tandem_store::couples::summary(&mut conn, &c.id).unwrap()
    };
    assert!(summary.withdrawn);
    assert_eq!(summary.open_incidents, 0);
    assert_eq!(summary.pause_cause.as_deref(), Some("consent_withdrawn"), "the first stop cause is kept");
}

#[actix_web::test]
async fn the_agenda_shows_what_waits_for_this_partner_only() {
    let app = TestApp::spawn().await;
    let c = couple(&app, "riverside").await;
    let id = running(&app, &c, &["Holding hands", "Clothed cuddle"]).await;
    let p = plan(&app, &c.clin, &id).await;
    let s2 = step_id(&p, 1);
    consent(&app, &c.b, &id, &s2, "no").await;
    let agenda = app.get("/api/v1/me/agenda", &c.a).await;
    assert_eq!(agenda.status, 200, "{}", agenda.raw);
    assert_eq!(agenda.body["plan"]["status"], "active");
    assert_eq!(agenda.body["current_step"]["title"], "Holding hands");
    assert_eq!(agenda.body["current_step"]["exercises"][0]["title"], "Holding hands");
    assert_eq!(agenda.body["consent_requested"][0]["step_id"], s2.as_str(), "A has not answered step 2");
    assert_eq!(agenda.body["check_in_due"], true);
    assert!(agenda.body["crisis_notice"].as_str().is_some_and(|n| !n.is_empty()));
    assert!(
        !agenda.raw.contains("\"no\"") && !agenda.raw.contains(&c.b_id),
        "nothing about B's answers: {}",
        agenda.raw
    );
    let b = app.get("/api/v1/me/agenda", &c.b).await;
    assert!(b.body["consent_requested"].as_array().unwrap().is_empty(), "B answered step 2 already");
    app.post(
        &format!("/api/v1/couples/{}/check-ins", c.id),
        Some(&c.a),
        json!({"felt_good": "a", "was_hard": "b", "to_adjust": "c", "stress": 2, "visibility": "shared_with_partner"}),
    )
    .await;
    assert_eq!(app.get("/api/v1/me/agenda", &c.a).await.body["check_in_due"], false);
    app.get("/api/v1/me/agenda", &c.clin).await.assert_problem(403);
}
