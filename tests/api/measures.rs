//! Scored measures (docs/measures.md): assignments, server-scored responses, the
//! critical PHQ-9 item 9 reaching the clinicians (once), caseload flags, visibility
//! between partners through every read route, reminders, and bad input.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, NaiveTime, Utc};
use serde_json::{Value, json};

use crate::plans::{Couple, couple};
use crate::support::{ClockExt, Reply, TestApp};

const PHQ9_CALM: [i32; 9] = [1, 1, 0, 1, 0, 0, 0, 0, 0];

async fn assign(app: &TestApp, c: &Couple, body: Value) -> Reply {
    app.post(&format!("/api/v1/couples/{}/measure-assignments", c.id), Some(&c.clin), body).await
}

async fn assigned(app: &TestApp, c: &Couple, body: Value) -> String {
    let r = assign(app, c, body).await;
    assert_eq!(r.status, 201, "{}", r.raw);
    r.body["id"].as_str().unwrap().to_owned()
}

async fn answer(app: &TestApp, c: &Couple, token: &str, assignment: &str, answers: Value, key: Option<&str>) -> Reply {
    let path = format!("/api/v1/couples/{}/measures/{assignment}/responses", c.id);
    let headers: Vec<(&str, &str)> = key.map(|k| vec![("Idempotency-Key", k)]).unwrap_or_default();
    app.call_with("POST", &path, Some(token), Some(json!({ "answers": answers })), &headers).await
}

async fn attention(app: &TestApp, clin: &str) -> Vec<Value> {
    let list = app.get("/api/v1/couples?needs_attention=true", clin).await;
    assert_eq!(list.status, 200, "{}", list.raw);
    list.body["items"].as_array().unwrap().clone()
}

fn flags_of(list: &[Value], couple_id: &str) -> Vec<String> {
    list.iter().find(|x| x["id"] == couple_id).map_or_else(Vec::new, |x| {
        x["attention"]["flags"].as_array().unwrap().iter().map(|f| f.as_str().unwrap().to_owned()).collect()
    })
}

/// Everything partner `token` can read about their couple, as (route, status, ETag, body).
async fn partner_views(app: &TestApp, c: &Couple, token: &str) -> Vec<(String, u16, Option<String>, String)> {
    let mut out = Vec::new();
    for path in [
        "/api/v1/me/agenda".to_owned(),
        format!("/api/v1/couples/{}", c.id),
        format!("/api/v1/couples/{}/timeline", c.id),
        format!("/api/v1/couples/{}/measure-assignments", c.id),
        format!("/api/v1/couples/{}/measure-responses", c.id),
        format!("/api/v1/couples/{}/check-ins", c.id),
        format!("/api/v1/couples/{}/progress", c.id),
        format!("/api/v1/couples/{}/export", c.id),
        "/api/v1/couples".to_owned(),
    ] {
        let r = app.get(&path, token).await;
        out.push((path, r.status.as_u16(), r.header("etag").map(str::to_owned), r.raw));
    }
    out
}

async fn mails_settled(app: &TestApp, to: &str) -> usize {
    actix_web::rt::time::sleep(StdDuration::from_millis(400)).await;
    app.mail_to(to).len()
}

#[actix_web::test]
async fn done_when_item_9_alerts_the_clinician_once_flags_the_caseload_and_the_other_partner_sees_nothing() {
    let app = TestApp::spawn().await;
    let c = couple(&app, "willow").await;
    // Another couple of the same clinician with an open incident: ranked below a critical answer.
    let other = app.couple(&c.clin, "Other", "p2@willow.test", "q2@willow.test").await;
    let p2 = app.accept("p2@willow.test").await;
    let opened = app.post(&format!("/api/v1/couples/{other}/incidents"), Some(&p2), json!({"description": "x"})).await;
    assert_eq!(opened.status, 201, "{}", opened.raw);

    // A clinician assigns PHQ-9 every two weeks to both partners.
    let created = assign(&app, &c, json!({"measure": "phq9", "every_weeks": 2})).await;
    assert_eq!(created.status, 201, "{}", created.raw);
    assert_eq!(created.body["partners"].as_array().unwrap().len(), 2, "{}", created.raw);
    let assignment = created.body["id"].as_str().unwrap().to_owned();
    let agenda = app.get("/api/v1/me/agenda", &c.a).await;
    assert_eq!(agenda.body["measures_due"][0]["assignment_id"], assignment.as_str(), "{}", agenda.raw);
    assert_eq!(agenda.body["measures_due"][0]["measure"], "phq9");

    let clin_mail = "clin@willow.test";
    let mails_before = mails_settled(&app, clin_mail).await;
    let b_before = partner_views(&app, &c, &c.b).await;

    // Partner A answers with item 9 at 1.
    let mut answers = PHQ9_CALM.to_vec();
    answers[8] = 1;
    let first = answer(&app, &c, &c.a, &assignment, json!(answers), Some("phq-1")).await;
    assert_eq!(first.status, 201, "{}", first.raw);
    assert_eq!(first.body["score"], 4);
    assert_eq!(first.body["band"], "minimal");
    assert!(first.body["crisis_notice"].as_str().is_some_and(|n| !n.is_empty()), "{}", first.raw);
    assert!(first.body["critical"].is_null(), "the partner is not shown clinical flags: {}", first.raw);
    // A replay with the same key answers the same and alerts nobody again.
    let replay = answer(&app, &c, &c.a, &assignment, json!(answers), Some("phq-1")).await;
    assert_eq!((replay.status.as_u16(), &replay.body), (201, &first.body));
    app.wait_mail(clin_mail, mails_before + 1).await;
    let alerts = app.mail_to(clin_mail);
    assert_eq!(mails_settled(&app, clin_mail).await, mails_before + 1, "exactly one alert");
    let alert = alerts.last().unwrap().to_lowercase();
    assert!(alert.contains("waiting for your review"), "{alert}");
    for word in ["phq", "suicid", "harm", "dead", "questionnaire"] {
        assert!(!alert.contains(word), "discreet alert mentions {word}: {alert}");
    }
    // An answer already given is not due again until the next occurrence.
    answer(&app, &c, &c.a, &assignment, json!(PHQ9_CALM), None).await.assert_problem(409);

    // The couple is first on the caseload with `critical_item`.
    let caseload = attention(&app, &c.clin).await;
    assert_eq!(caseload[0]["id"], c.id.as_str(), "{caseload:?}");
    assert_eq!(flags_of(&caseload, &c.id)[0], "critical_item");
    assert_eq!(caseload[0]["attention"]["urgency"], 1);
    assert_eq!(flags_of(&caseload, &other)[0], "incident_or_withdrawal");

    // The other partner's views are unchanged: bodies, statuses and ETags.
    assert_eq!(partner_views(&app, &c, &c.b).await, b_before);

    // The clinician sees the finding and acknowledges it; the flag clears.
    let list = app.get(&format!("/api/v1/couples/{}/measure-responses", c.id), &c.clin).await;
    let response = &list.body["items"][0];
    assert_eq!((response["critical"].clone(), response["critical_items"].clone()), (json!(true), json!([9])));
    let response_id = response["id"].as_str().unwrap();
    let ack_path = format!("/api/v1/couples/{}/measures/{assignment}/responses/{response_id}/acknowledgement", c.id);
    app.post(&ack_path, Some(&c.a), json!({"note": "x"})).await.assert_problem(403);
    app.post(&ack_path, Some(&c.clin), json!({"note": "  "})).await.assert_problem(422);
    let acked = app.post(&ack_path, Some(&c.clin), json!({"note": "Called; safety plan reviewed"})).await;
    assert_eq!(acked.status, 200, "{}", acked.raw);
    assert_eq!(acked.body["acknowledgement"]["note"], "Called; safety plan reviewed");
    app.post(&ack_path, Some(&c.clin), json!({"note": "again"})).await.assert_problem(409);
    let caseload = attention(&app, &c.clin).await;
    assert!(!flags_of(&caseload, &c.id).contains(&"critical_item".to_owned()), "{caseload:?}");
    assert_eq!(caseload[0]["id"], other.as_str());
    // Still nothing reached partner B.
    assert_eq!(partner_views(&app, &c, &c.b).await, b_before);
}

#[actix_web::test]
async fn a_partner_sees_only_their_own_responses_through_every_route() {
    let app = TestApp::spawn().await;
    let c = couple(&app, "aspen").await;
    let outsider = couple(&app, "birch").await;
    let assignment = assigned(&app, &c, json!({"measure": "gad7", "every_weeks": 1})).await;
    let mine = answer(&app, &c, &c.a, &assignment, json!([2, 2, 1, 1, 0, 0, 0]), None).await;
    assert_eq!(mine.status, 201, "{}", mine.raw);
    assert_eq!((mine.body["score"].clone(), mine.body["band"].clone()), (json!(6), json!("mild")));
    assert!(mine.body.get("crisis_notice").is_none(), "no notice without a critical answer");
    let id = mine.body["id"].as_str().unwrap().to_owned();
    // The author sees it in their list and timeline.
    let own = app.get(&format!("/api/v1/couples/{}/measure-responses", c.id), &c.a).await;
    assert_eq!(own.body["items"][0]["id"], id.as_str(), "{}", own.raw);
    let timeline = app.get(&format!("/api/v1/couples/{}/timeline", c.id), &c.a).await;
    assert!(timeline.raw.contains(&id) && timeline.raw.contains("measure_response"), "{}", timeline.raw);
    // The other partner sees no trace of it on any route (a body scan).
    for (path, status, _, body) in partner_views(&app, &c, &c.b).await {
        assert!(!body.contains(&id), "{path} ({status}) shows partner A's response: {body}");
        assert!(!body.contains("\"score\""), "{path} shows a score: {body}");
    }
    let b_list = app.get(&format!("/api/v1/couples/{}/measure-assignments", c.id), &c.b).await;
    let b_standing = &b_list.body["items"][0]["partners"];
    assert_eq!(b_standing.as_array().unwrap().len(), 1, "only their own standing: {}", b_list.raw);
    assert_eq!(b_standing[0]["partner_id"], c.b_id.as_str());
    assert_eq!(b_standing[0]["due"], true, "B's measure is still due whatever A did");
    // The clinician sees both partners' standing, the response, the timeline, the export
    // and the per-partner trend.
    let clin_list = app.get(&format!("/api/v1/couples/{}/measure-assignments", c.id), &c.clin).await;
    assert_eq!(clin_list.body["items"][0]["partners"].as_array().unwrap().len(), 2);
    let b_answer = answer(&app, &c, &c.b, &assignment, json!([3, 3, 3, 3, 3, 0, 0]), None).await;
    assert_eq!((b_answer.body["score"].clone(), b_answer.body["band"].clone()), (json!(15), json!("severe")));
    let all = app.get(&format!("/api/v1/couples/{}/measure-responses", c.id), &c.clin).await;
    assert_eq!(all.body["items"].as_array().unwrap().len(), 2, "{}", all.raw);
    let timeline = app.get(&format!("/api/v1/couples/{}/timeline", c.id), &c.clin).await;
    assert_eq!(timeline.raw.matches("\"measure_response\"").count(), 2, "{}", timeline.raw);
    let export = app.get(&format!("/api/v1/couples/{}/export", c.id), &c.clin).await;
    assert_eq!(export.body["measure_responses"].as_array().unwrap().len(), 2, "{}", export.raw);
    assert_eq!(export.body["measure_assignments"][0]["id"], assignment.as_str());
    let progress = app.get(&format!("/api/v1/couples/{}/progress", c.id), &c.clin).await;
    let trends = progress.body["measures"].as_array().unwrap();
    assert_eq!(trends.len(), 2, "{}", progress.raw);
    let a_trend = trends.iter().find(|t| t["partner_id"] == c.a_id.as_str()).unwrap();
    assert_eq!((a_trend["first_score"].clone(), a_trend["last_band"].clone()), (json!(6), json!("mild")));
    // Partners never read the progress view or the export; other couples and practices
    // reach nothing.
    app.get(&format!("/api/v1/couples/{}/progress", c.id), &c.a).await.assert_problem(403);
    for token in [&outsider.clin, &outsider.a] {
        app.get(&format!("/api/v1/couples/{}/measure-responses", c.id), token).await.assert_problem(404);
        app.get(&format!("/api/v1/couples/{}/measure-assignments", c.id), token).await.assert_problem(404);
        answer(&app, &c, token, &assignment, json!([0, 0, 0, 0, 0, 0, 0]), None).await.assert_problem(404);
    }
    let admin = app.token("admin@aspen.test").await;
    app.get(&format!("/api/v1/couples/{}/measure-responses", c.id), &admin).await.assert_problem(403);
    // Every read was audited.
    app.state.audit.flush().await;
    let audit = app.get(&format!("/api/v1/audit-events?couple_id={}&limit=200", c.id), &admin).await;
    for action in
        ["measure_assignment.create", "measure_response.create", "measure_response.list", "measure_assignment.list"]
    {
        assert!(audit.raw.contains(action), "{action} audited: {}", audit.raw);
    }
}

#[actix_web::test]
async fn bad_input_gets_a_problem_naming_the_field_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let c = couple(&app, "cedar").await;
    for (body, field) in [
        (json!({"measure": "beck"}), "measure"),
        (json!({"measure": "phq9", "every_weeks": 0}), "every_weeks"),
        (json!({"measure": "phq9", "every_weeks": 53}), "every_weeks"),
        (json!({"measure": "phq9", "partner_id": "01936f3e-8a4b-7c2d-9e1f-0a1b2c3d4e5f"}), "partner_id"),
        (json!({"measure": "phq9", "starts_at": "2020-01-01T00:00:00Z"}), "starts_at"),
    ] {
        let r = assign(&app, &c, body.clone()).await;
        r.assert_problem(422);
        assert!(r.raw.contains(field), "{body} names {field}: {}", r.raw);
    }
    assign(&app, &c, json!({"measure": "phq9"})).await;
    let clin_list = app.get(&format!("/api/v1/couples/{}/measure-assignments", c.id), &c.clin).await;
    assert_eq!(clin_list.body["items"].as_array().unwrap().len(), 1, "only the valid one: {}", clin_list.raw);
    let phq = clin_list.body["items"][0]["id"].as_str().unwrap().to_owned();
    // Partners cannot assign.
    app.post(&format!("/api/v1/couples/{}/measure-assignments", c.id), Some(&c.a), json!({"measure": "gad7"}))
        .await
        .assert_problem(403);
    let mut missing = json!(PHQ9_CALM);
    missing[4] = Value::Null;
    for (answers, field) in [
        (missing, "answers[4]"),
        (json!([0, 0, 0]), "answers"),
        (json!([0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), "answers"),
        (json!([0, 0, 0, 0, 0, 0, 0, 0, 4]), "answers[8]"),
        (json!([0, -1, 0, 0, 0, 0, 0, 0, 0]), "answers[1]"),
    ] {
        let r = answer(&app, &c, &c.a, &phq, answers.clone(), None).await;
        r.assert_problem(422);
        assert!(r.raw.contains(field), "{answers} names {field}: {}", r.raw);
    }
    app.call_with(
        "POST",
        &format!("/api/v1/couples/{}/measures/{phq}/responses", c.id),
        Some(&c.a),
        Some(json!({"answers": PHQ9_CALM, "score": 0})),
        &[],
    )
    .await
    .assert_problem(400);
    // Someone else's assignment: B's own measure, answered by A.
    let bs = assigned(&app, &c, json!({"measure": "csi4", "partner_id": c.b_id})).await;
    answer(&app, &c, &c.a, &bs, json!([6, 5, 5, 5]), None).await.assert_problem(404);
    assert!(app.get("/api/v1/me/agenda", &c.a).await.body["measures_due"].as_array().unwrap().len() == 1);
    // Nothing was written.
    let all = app.get(&format!("/api/v1/couples/{}/measure-responses", c.id), &c.clin).await;
    assert_eq!(all.body["items"], json!([]), "{}", all.raw);
    // A non-critical response has nothing to acknowledge; an ended assignment is gone.
    let ok = answer(&app, &c, &c.a, &phq, json!(PHQ9_CALM), None).await;
    let id = ok.body["id"].as_str().unwrap();
    let ack = format!("/api/v1/couples/{}/measures/{phq}/responses/{id}/acknowledgement", c.id);
    app.post(&ack, Some(&c.clin), json!({"note": "ok"})).await.assert_problem(409);
    let end = format!("/api/v1/couples/{}/measure-assignments/{bs}", c.id);
    assert_eq!(app.call("DELETE", &end, Some(&c.a), None).await.status, 403);
    assert_eq!(app.call("DELETE", &end, Some(&c.clin), None).await.status, 204);
    assert_eq!(app.call("DELETE", &end, Some(&c.clin), None).await.status, 404);
    let b_agenda = app.get("/api/v1/me/agenda", &c.b).await;
    assert!(!b_agenda.raw.contains(&bs), "an ended assignment leaves the agenda: {}", b_agenda.raw);
}

#[actix_web::test]
async fn the_caseload_flags_a_band_worsening_and_a_week_overdue() {
    let app = TestApp::spawn().await;
    let c = couple(&app, "elm").await;
    let weekly = assigned(&app, &c, json!({"measure": "phq9", "every_weeks": 1, "partner_id": c.a_id})).await;
    assert_eq!(answer(&app, &c, &c.a, &weekly, json!([1, 1, 1, 1, 1, 0, 0, 0, 0]), None).await.status, 201);
    let once = assigned(&app, &c, json!({"measure": "gad7", "partner_id": c.b_id})).await;
    let flags = flags_of(&attention(&app, &c.clin).await, &c.id);
    assert!(!flags.iter().any(|f| f.starts_with("measure_")), "{flags:?}");
    app.clock.advance(Duration::days(7));
    let c = Couple {
        clin: app.token("clin@elm.test").await,
        a: app.token("a@elm.test").await,
        b: app.token("b@elm.test").await,
        ..c
    };
    let flags = flags_of(&attention(&app, &c.clin).await, &c.id);
    assert!(flags.contains(&"measure_overdue".to_owned()), "B's GAD-7 is a week old: {flags:?}");
    // A's second PHQ-9 is a band worse (mild to moderate).
    let worse = answer(&app, &c, &c.a, &weekly, json!([2, 2, 2, 2, 2, 0, 0, 0, 0]), None).await;
    assert_eq!(worse.body["band"], "moderate", "{}", worse.raw);
    let flags = flags_of(&attention(&app, &c.clin).await, &c.id);
    assert!(flags.contains(&"measure_worsened".to_owned()), "{flags:?}");
    // B answers: no longer overdue.
    assert_eq!(answer(&app, &c, &c.b, &once, json!([0, 0, 0, 0, 0, 0, 0]), None).await.status, 201);
    let flags = flags_of(&attention(&app, &c.clin).await, &c.id);
    assert!(!flags.contains(&"measure_overdue".to_owned()), "{flags:?}");
    let progress = app.get(&format!("/api/v1/couples/{}/progress", c.id), &c.clin).await;
    let a = progress.body["measures"].as_array().unwrap().iter().find(|t| t["measure"] == "phq9").unwrap().clone();
    assert_eq!(
        (a["trend"].clone(), a["score_change"].clone(), a["responses"].clone()),
        (json!("worsened"), json!(5), json!(2))
    );
}

/// Ticks the scheduler; returns how many questionnaire reminders it added.
fn tick(app: &TestApp, now: DateTime<Utc>) -> usize {
    let before = measure_reminders(app).len();
    tandem_notification::outbox::tick(&app.state.pool, now, Duration::minutes(15)).unwrap();
    measure_reminders(app).len() - before
}

fn measure_reminders(app: &TestApp) -> Vec<tandem_store::outbox::OutboxRow> {
    let mut conn = app.state.pool.get().unwrap();
    let mut rows = Vec::new();
    for p in tandem_store::practices::all_ids(&mut conn).unwrap() {
        let page = tandem_store::PageRequest { after: None, limit: 200 };
        rows.extend(tandem_store::outbox::list(&mut conn, &p, None, &page).unwrap().items);
    }
    rows.into_iter().filter(|r| r.kind == "measure_reminder").collect()
}

#[actix_web::test]
async fn reminders_go_out_by_schedule_in_each_partners_time_zone_and_only_while_due() {
    let app = TestApp::spawn().await;
    let c = couple(&app, "maple").await;
    // Partner A lives in Berlin, B in UTC (the default); both keep 19:00.
    let now = app.clock.now_utc();
    let day = (now + Duration::days(2)).date_naive();
    let starts_at = day.and_time(NaiveTime::from_hms_opt(9, 0, 0).unwrap()).and_utc();
    let body = json!({"measure": "phq9", "every_weeks": 2, "starts_at": starts_at.to_rfc3339()});
    let assignment = assigned(&app, &c, body).await;
    let berlin_evening =
        tandem_domain::reminders::resolve(chrono_tz::Europe::Berlin, day, NaiveTime::from_hms_opt(19, 0, 0).unwrap())
            .unwrap();
    let utc_evening = day.and_time(NaiveTime::from_hms_opt(19, 0, 0).unwrap()).and_utc();
    assert_eq!(tick(&app, starts_at - Duration::days(1) + Duration::hours(10)), 0, "not due the day before");
    assert_eq!(tick(&app, berlin_evening + Duration::minutes(1)), 1, "A's evening in Berlin");
    assert_eq!(tick(&app, berlin_evening + Duration::minutes(5)), 0, "a repeated tick adds nothing");
    let rows = measure_reminders(&app);
    assert_eq!(rows[0].to_address, "a@maple.test");
    // B answers before their evening: nothing is due for them, so no reminder.
    app.clock.set(starts_at + Duration::hours(1));
    let b = app.token("b@maple.test").await;
    assert_eq!(answer(&app, &c, &b, &assignment, json!(PHQ9_CALM), None).await.status, 201);
    assert_eq!(tick(&app, utc_evening + Duration::minutes(1)), 0, "B already answered");
    assert_eq!(tick(&app, berlin_evening + Duration::days(1) + Duration::minutes(1)), 0, "A is reminded once");
    // The email is discreet: it names no questionnaire.
    app.clock.set(berlin_evening + Duration::minutes(2));
    let mut mail = None;
    for _ in 0..100 {
        mail =
            app.mail_to("a@maple.test").into_iter().find(|m| m.contains("Subject: A short questionnaire is waiting"));
        if mail.is_some() {
            break;
        }
        actix_web::rt::time::sleep(StdDuration::from_millis(50)).await;
    }
    let mail = mail.expect("the questionnaire reminder reached A");
    for word in ["phq", "depress", "mood", "partner", "therap"] {
        assert!(!mail.to_lowercase().contains(word), "discreet: {word} in {mail}");
    }
    assert!(mail.contains("List-Unsubscribe"), "{mail}");
    // A answers; then switches these reminders off: their next occurrence brings none,
    // while B's (still on, in UTC) does.
    let a = app.token("a@maple.test").await;
    assert_eq!(answer(&app, &c, &a, &assignment, json!(PHQ9_CALM), None).await.status, 201);
    let prefs = app.get("/api/v1/me/notification-preferences", &a).await;
    assert_eq!(prefs.body["measure_reminders"], true, "{}", prefs.raw);
    let mut off = prefs.body.clone();
    off["measure_reminders"] = json!(false);
    let put = app.call("PUT", "/api/v1/me/notification-preferences", Some(&a), Some(off)).await;
    assert_eq!(put.status, 200, "{}", put.raw);
    let next = day + Duration::days(14);
    let seven = NaiveTime::from_hms_opt(19, 0, 0).unwrap();
    let berlin_next = tandem_domain::reminders::resolve(chrono_tz::Europe::Berlin, next, seven).unwrap();
    assert_eq!(tick(&app, berlin_next + Duration::minutes(1)), 0, "A opted out");
    assert_eq!(tick(&app, next.and_time(seven).and_utc() + Duration::minutes(1)), 1, "B's second occurrence");
    // B answers before that reminder goes out: it is checked again at send time and
    // cancelled, so B never reads "a questionnaire is waiting" after answering it.
    app.clock.set(starts_at + Duration::days(14) + Duration::hours(1));
    let b = app.token("b@maple.test").await;
    assert_eq!(answer(&app, &c, &b, &assignment, json!(PHQ9_CALM), None).await.status, 201);
    app.clock.set(next.and_time(seven).and_utc() + Duration::minutes(2));
    let mut status = String::new();
    for _ in 0..100 {
        let rows = measure_reminders(&app);
        status = rows.iter().find(|r| r.to_address == "b@maple.test").map(|r| r.status.clone()).unwrap_or_default();
        // Wait for the worker's verdict: a claimed row is "sending" for a moment.
        if status != "pending" && status != "sending" {
            break;
        }
        actix_web::rt::time::sleep(StdDuration::from_millis(50)).await;
    }
    assert_eq!(status, "cancelled", "answered since it was queued");
    assert!(app.mail_to("b@maple.test").iter().all(|m| !m.contains("A short questionnaire")));
}

#[actix_web::test]
async fn the_definitions_are_served_and_the_demo_couple_has_weeks_of_scores() {
    let app = TestApp::spawn().await;
    assert!(tandem_server::setup::demo(&app.state.pool, app.clock.now_utc()).unwrap());
    let password = tandem_server::setup::DEMO_PASSWORD;
    let clin = app.login("rivera@demo.tandem.localhost", password).await["access_token"].as_str().unwrap().to_owned();
    let robin = app.login("robin@demo.tandem.localhost", password).await["access_token"].as_str().unwrap().to_owned();
    let defs = app.get("/api/v1/measures", &robin).await;
    let counts: Vec<(String, usize, i64)> = defs.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let m = d["measure"].as_str().unwrap().to_owned();
            (m, d["items"].as_array().unwrap().len(), d["max_score"].as_i64().unwrap())
        })
        .collect();
    assert_eq!(counts, vec![("phq9".into(), 9, 27), ("gad7".into(), 7, 21), ("csi4".into(), 4, 21)]);
    let couples = app.get("/api/v1/couples", &clin).await;
    let couple =
        couples.body["items"].as_array().unwrap().iter().find(|c| c["label"] == "Couple 1 (Tuesdays)").unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
    let progress = app.get(&format!("/api/v1/couples/{couple}/progress"), &clin).await;
    let trends = progress.body["measures"].as_array().unwrap();
    assert_eq!(trends.len(), 4, "PHQ-9 and GAD-7 for both partners: {}", progress.raw);
    assert!(trends.iter().all(|t| t["responses"] == 3 && t["score_change"].as_i64().unwrap() < 0), "{}", progress.raw);
    // The next occurrence is due now: on the partner's agenda.
    let agenda = app.get("/api/v1/me/agenda", &robin).await;
    assert_eq!(agenda.body["measures_due"].as_array().unwrap().len(), 2, "{}", agenda.raw);
}

/// Two answers sent at once (different keys, as two devices would) to one waiting
/// questionnaire: the assignment is locked while one is checked and written, so exactly
/// one lands and the other is refused as no longer due.
#[actix_web::test]
async fn two_answers_at_once_land_once() {
    let app = TestApp::spawn().await;
    let c = couple(&app, "twice").await;
    let assignment = assigned(&app, &c, json!({"measure": "phq9"})).await;
    for round in 0..5 {
        let assignment =
            if round == 0 { assignment.clone() } else { assigned(&app, &c, json!({"measure": "gad7"})).await };
        let answers = if round == 0 { json!(PHQ9_CALM) } else { json!([0, 1, 0, 1, 0, 0, 0]) };
        let (one, two) = futures_util::future::join(
            answer(&app, &c, &c.a, &assignment, answers.clone(), Some(&format!("phone-{round}"))),
            answer(&app, &c, &c.a, &assignment, answers.clone(), Some(&format!("laptop-{round}"))),
        )
        .await;
        let mut statuses = [one.status.as_u16(), two.status.as_u16()];
        statuses.sort_unstable();
        assert_eq!(statuses, [201, 409], "{} / {}", one.raw, two.raw);
    }
    let list = app.get(&format!("/api/v1/couples/{}/measure-responses?limit=50", c.id), &c.a).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 5, "{}", list.raw);
}
