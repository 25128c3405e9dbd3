//! Reconnect windows over HTTP: propose, accept and call off without anyone being named;
//! reminder emails through a real SMTP server in the couple's time zone; check-ins and
//! who reads them through every read route; timing privacy; idempotency; bad input.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc, Weekday};
use serde_json::{Value, json};

use crate::plans::{Couple, couple};
use crate::support::{ClockExt, SmtpSink, TestApp};

fn windows(c: &Couple) -> String {
    format!("/api/v1/couples/{}/reconnect-windows", c.id)
}

/// The next Sunday (local, Berlin) after `now`, and when its 19:00 starts.
fn next_sunday(now: DateTime<Utc>) -> (NaiveDate, DateTime<Utc>) {
    let berlin = chrono_tz::Europe::Berlin;
    let mut date = now.with_timezone(&berlin).date_naive() + Duration::days(1);
    while date.weekday() != Weekday::Sun {
        date += Duration::days(1);
    }
    (date, tandem_domain::reminders::resolve(berlin, date, NaiveTime::from_hms_opt(19, 0, 0).unwrap()).unwrap())
}

/// Partner A proposes Sundays 19:00 for 30 minutes (in A's zone, Europe/Berlin), B accepts.
async fn agreed_window(app: &TestApp, c: &Couple) -> Value {
    let proposed = app
        .post(&windows(c), Some(&c.a), json!({"weekday": "sun", "start_time": "19:00", "duration_minutes": 30}))
        .await;
    assert_eq!(proposed.status, 201, "{}", proposed.raw);
    let id = proposed.body["id"].as_str().unwrap().to_owned();
    let accepted = app.post(&format!("{}/{id}/accept", windows(c)), Some(&c.b), json!(null)).await;
    assert_eq!(accepted.status, 200, "{}", accepted.raw);
    accepted.body
}

/// The couple's people signed in again (after the clock moved past their tokens' life).
async fn fresh(app: &TestApp, c: &Couple, practice: &str) -> Couple {
    Couple {
        clin: app.token(&format!("clin@{practice}.test")).await,
        a: app.token(&format!("a@{practice}.test")).await,
        b: app.token(&format!("b@{practice}.test")).await,
        a_id: c.a_id.clone(),
        b_id: c.b_id.clone(),
        id: c.id.clone(),
    }
}

/// Sets the clock to the next Wednesday noon (UTC): the coming Sunday is ahead.
fn wednesday(app: &TestApp) {
    let mut date = app.clock.now_utc().date_naive() + Duration::days(1);
    while date.weekday() != Weekday::Wed {
        date += Duration::days(1);
    }
    app.clock.set(date.and_hms_opt(12, 0, 0).unwrap().and_utc());
}

fn refusal(reply: &crate::support::Reply, code: &str) {
    reply.assert_problem(409);
    assert_eq!(reply.body["type"], format!("urn:tandem:problem:{code}"), "{}", reply.raw);
}

fn fields(reply: &crate::support::Reply) -> Vec<String> {
    reply.assert_problem(422);
    reply.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect()
}

#[actix_web::test]
async fn propose_accept_and_call_off_without_naming_anyone() {
    let app = TestApp::spawn().await;
    let c = couple(&app, "rw-flow").await;
    let proposed = app
        .post(&windows(&c), Some(&c.a), json!({"weekday": "sun", "start_time": "19:00", "duration_minutes": 30}))
        .await;
    assert_eq!(proposed.status, 201, "{}", proposed.raw);
    assert_eq!(proposed.body["status"], "proposed");
    assert_eq!(proposed.body["time_zone"], "Europe/Berlin", "the proposing partner's zone");
    let id = proposed.body["id"].as_str().unwrap().to_owned();
    let at = |what: &str| format!("{}/{id}/{what}", windows(&c));
    refusal(&app.post(&at("accept"), Some(&c.a), json!(null)).await, "own_proposal");
    app.post(&at("accept"), Some(&c.clin), json!(null)).await.assert_problem(403);
    let active = app.post(&at("accept"), Some(&c.b), json!(null)).await;
    assert_eq!((active.status.as_u16(), &active.body["status"]), (200, &json!("active")), "{}", active.raw);
    let again = app.post(&at("accept"), Some(&c.b), json!(null)).await;
    assert_eq!(again.body, active.body, "accepting again changes nothing");

    let upcoming = active.body["upcoming"].as_array().unwrap().clone();
    assert_eq!(upcoming.len(), 4);
    assert!(upcoming.iter().all(|o| o["off"] == false));
    let second = upcoming[1]["date"].as_str().unwrap().to_owned();
    let monday = (second.parse::<NaiveDate>().unwrap() + Duration::days(1)).to_string();
    refusal(&app.post(&at("cancel"), Some(&c.a), json!({"occurrence_date": monday})).await, "not_an_occurrence");
    assert_eq!(
        fields(&app.post(&at("cancel"), Some(&c.a), json!({"occurrence_date": "soon"})).await),
        ["occurrence_date"]
    );
    refusal(&app.post(&at("cancel"), Some(&c.a), json!({"occurrence_date": "2020-01-05"})).await, "occurrence_over");
    let one_off = app.post(&at("cancel"), Some(&c.b), json!({"occurrence_date": second})).await;
    assert_eq!(one_off.status, 200, "{}", one_off.raw);
    let offs: Vec<bool> = one_off.body["upcoming"].as_array().unwrap().iter().map(|o| o["off"] == true).collect();
    assert_eq!(offs, [false, true, false, false]);
    assert_eq!(one_off.body["status"], "active");
    // Every reader sees the same window, which names nobody but the proposer.
    let read = |token: String| {
        let app = &app;
        let path = windows(&c);
        async move { app.get(&path, &token).await }
    };
    let (a, b, clin) = (read(c.a.clone()).await, read(c.b.clone()).await, read(c.clin.clone()).await);
    assert_eq!(a.status, 200, "{}", a.raw);
    assert_eq!((&a.body, &a.body), (&b.body, &clin.body), "both partners and the clinician read the same");
    let mut keys: Vec<&String> = a.body["items"][0].as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "accepted_at",
            "couple_id",
            "created_at",
            "duration_minutes",
            "id",
            "proposed_by",
            "start_time",
            "status",
            "time_zone",
            "upcoming",
            "weekday"
        ]
    );
    let whole = app.post(&at("cancel"), Some(&c.b), json!({})).await;
    assert_eq!(whole.body["status"], "cancelled", "{}", whole.raw);
    assert!(whole.body["upcoming"].as_array().unwrap().iter().all(|o| o["off"] == true));
    refusal(&app.post(&at("accept"), Some(&c.a), json!(null)).await, "window_cancelled");
    refusal(
        &app.post(&at("cancel"), Some(&c.a), json!({"occurrence_date": upcoming[2]["date"]})).await,
        "window_cancelled",
    );
    assert_eq!(app.post(&at("cancel"), Some(&c.a), json!({})).await.status, 200, "calling off again is harmless");
    // Nothing a partner or the clinician reads says who called it off (B did, twice).
    for token in [&c.a, &c.b, &c.clin] {
        for path in
            [windows(&c), format!("/api/v1/couples/{}/timeline", c.id), format!("/api/v1/couples/{}/export", c.id)]
        {
            let r = app.get(&path, token).await;
            assert!(!r.raw.contains("cancelled_by"), "{path}: {}", r.raw);
            if path == windows(&c) {
                assert!(!r.raw.contains(&c.b_id), "{path}: {}", r.raw);
            }
        }
    }
    // Only the admin-only audit log knows.
    let admin = app.token("admin@rw-flow.test").await;
    let log = app.get("/api/v1/audit-events?limit=200", &admin).await;
    assert!(log.raw.contains("reconnect_window.cancel"), "{}", log.raw);
}

fn reconnect_rows(app: &TestApp) -> Vec<tandem_store::outbox::OutboxRow> {
    let mut conn = app.state.pool.get().unwrap();
    let mut rows = Vec::new();
    for p in tandem_store::practices::all_ids(&mut conn).unwrap() {
        let page = tandem_store::PageRequest { after: None, limit: 200 };
        rows.extend(tandem_store::outbox::list(&mut conn, &p, None, &page).unwrap().items);
    }
    rows.retain(|r| r.kind == "reconnect_window");
    rows
}

fn tick(app: &TestApp, now: DateTime<Utc>) -> usize {
    tandem_notification::outbox::tick(&app.state.pool, now, Duration::minutes(15)).unwrap()
}

async fn prefs(app: &TestApp, token: &str, change: impl FnOnce(&mut Value)) {
    let mut p = app.get("/api/v1/me/notification-preferences", token).await.body;
    change(&mut p);
    let put = app.call("PUT", "/api/v1/me/notification-preferences", Some(token), Some(p)).await;
    assert_eq!(put.status, 200, "{}", put.raw);
}

/// The done-when slice: the couple agrees a Sunday 19:00 window and gets its reminder
/// email, an hour before, in the couple's zone; none for an occurrence called off, none
/// inside quiet hours, none once switched off; at most one per partner per occurrence.
#[actix_web::test]
async fn the_couple_agrees_a_sunday_window_and_gets_its_reminder_email() {
    let app = TestApp::spawn().await;
    let c = couple(&app, "rw-mail").await;
    let window = agreed_window(&app, &c).await;
    let id = window["id"].as_str().unwrap();
    let (sunday, starts) = next_sunday(app.clock.now_utc());
    let reminder = starts - Duration::hours(1);
    // B's quiet hours cover the reminder in B's own zone: B gets none.
    let b_zone: chrono_tz::Tz =
        app.get("/api/v1/me/notification-preferences", &c.b).await.body["time_zone"].as_str().unwrap().parse().unwrap();
    let local = |t: DateTime<Utc>| t.with_timezone(&b_zone).format("%H:%M").to_string();
    let quiet =
        json!({"start": local(reminder - Duration::minutes(30)), "end": local(reminder + Duration::minutes(30))});
    prefs(&app, &c.b, |p| p["quiet_hours"] = quiet).await;
    // Called off for the second Sunday.
    let second = (sunday + Duration::days(7)).to_string();
    let off = app.post(&format!("{}/{id}/cancel", windows(&c)), Some(&c.a), json!({"occurrence_date": second})).await;
    assert_eq!(off.status, 200, "{}", off.raw);

    tick(&app, reminder - Duration::minutes(1));
    assert!(reconnect_rows(&app).is_empty(), "not due yet");
    tick(&app, reminder + Duration::minutes(1));
    tick(&app, reminder + Duration::minutes(5));
    let rows = reconnect_rows(&app);
    assert_eq!(rows.len(), 1, "A once, B in quiet hours: {rows:?}");
    assert_eq!(rows[0].to_address, "a@rw-mail.test");
    assert_eq!(rows[0].next_attempt_at, tandem_store::time::to_db(reminder), "an hour before 19:00 Berlin time");
    // A second app on the same database sends through a real SMTP server once its clock
    // reaches the reminder (the first app's clock stays before it, so it sends none).
    let sink = SmtpSink::start("");
    let sender = TestApp::spawn_on(&app.state_database_url(), |cfg| cfg.smtp = Some(sink.config())).await;
    sender.clock.set(reminder + Duration::minutes(1));
    let mut mail = Vec::new();
    for _ in 0..200 {
        mail = sink.messages().into_iter().filter(|m| m.contains("To: a@rw-mail.test")).collect();
        if mail.iter().any(|m| m.contains("A time you set aside")) {
            break;
        }
        actix_web::rt::time::sleep(StdDuration::from_millis(50)).await;
    }
    let mail: Vec<&String> = mail.iter().filter(|m| m.contains("A time you set aside")).collect();
    assert_eq!(mail.len(), 1, "one reminder email");
    assert!(mail[0].contains("List-Unsubscribe: <"), "{}", mail[0]);
    for word in ["reconnect", "sex", "intima", "therap", "couple", "partner", "touch", "closeness", "window", "plan"] {
        assert!(!mail[0].to_lowercase().contains(word), "discreet: {word} in {}", mail[0]);
    }

    // The second Sunday was called off: nothing for anyone.
    tick(&app, reminder + Duration::days(7) + Duration::minutes(1));
    assert_eq!(reconnect_rows(&app).len(), 1, "none for an occurrence called off");
    // The third: A switched these reminders off.
    prefs(&app, &c.a, |p| p["reconnect_window"] = json!(false)).await;
    tick(&app, reminder + Duration::days(14) + Duration::minutes(1));
    assert_eq!(reconnect_rows(&app).len(), 1, "none once switched off, none in quiet hours");
    // The fourth: B's quiet hours lifted; then the whole window is called off before it.
    prefs(&app, &c.b, |p| p["quiet_hours"] = Value::Null).await;
    let fourth = reminder + Duration::days(21);
    tick(&app, fourth + Duration::minutes(1));
    let rows = reconnect_rows(&app);
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows.iter().any(|r| r.to_address == "b@rw-mail.test"));
    let whole = app.post(&format!("{}/{id}/cancel", windows(&c)), Some(&c.b), json!({})).await;
    assert_eq!(whole.body["status"], "cancelled", "{}", whole.raw);
    tick(&app, reminder + Duration::days(28) + Duration::minutes(1));
    assert_eq!(reconnect_rows(&app).len(), 2, "none for a cancelled window");
}

/// Every body (status, ETag) `token` reads about couple `c`.
async fn views(app: &TestApp, c: &Couple, token: &str) -> Vec<(String, u16, Option<String>, Value)> {
    let mut out = Vec::new();
    for path in [
        windows(c),
        "/api/v1/me/agenda".to_owned(),
        format!("/api/v1/couples/{}", c.id),
        "/api/v1/couples".to_owned(),
        format!("/api/v1/couples/{}/timeline", c.id),
        format!("/api/v1/couples/{}/progress", c.id),
        format!("/api/v1/couples/{}/export", c.id),
        format!("/api/v1/couples/{}/check-ins", c.id),
    ] {
        let r = app.get(&path, token).await;
        let etag = r.header("etag").map(str::to_owned);
        let mut body = r.body;
        if let Some(o) = body.as_object_mut() {
            o.remove("exported_at");
        }
        out.push((path, r.status.as_u16(), etag, body));
    }
    out
}

fn due(agenda: &Value) -> Vec<String> {
    agenda["reconnect_check_ins_due"].as_array().unwrap().iter().map(|d| d["occurrence_date"].to_string()).collect()
}

fn check_in(date: &str, visibility: &str, note: &str) -> Value {
    json!({"occurrence_date": date, "closeness": 6, "safety": 8, "note": note, "visibility": visibility})
}

#[actix_web::test]
async fn check_ins_are_read_as_their_visibility_says_through_every_route() {
    // The clock moves past access tokens' life, so people sign in again: no rate limit.
    let app = TestApp::spawn_with(|cfg| cfg.auth_attempts_per_minute = 1000).await;
    wednesday(&app);
    let c = couple(&app, "rw-vis").await;
    let away = couple(&app, "rw-away").await;
    // Another couple of the same practice and clinician.
    let other_id = app.couple(&c.clin, "Other", "x@rw-vis.test", "y@rw-vis.test").await;
    app.accept("x@rw-vis.test").await;
    let window = agreed_window(&app, &c).await;
    let id = window["id"].as_str().unwrap().to_owned();
    let first = window["upcoming"][0]["date"].as_str().unwrap().to_owned();
    let post = format!("{}/{id}/check-ins", windows(&c));
    refusal(&app.post(&post, Some(&c.a), check_in(&first, "shared", "")).await, "occurrence_not_ended");
    let (sunday, starts) = next_sunday(app.clock.now_utc());
    assert_eq!(sunday.to_string(), first);
    app.clock.set(starts + Duration::minutes(31));
    let c = fresh(&app, &c, "rw-vis").await;
    assert_eq!(due(&app.get("/api/v1/me/agenda", &c.a).await.body), [format!("\"{first}\"")]);

    // A's private check-in changes nothing B reads, not even timing.
    let b_before = views(&app, &c, &c.b).await;
    let key = [("Idempotency-Key", "rw-private-1")];
    let body = check_in(&first, "private", "only mine to read");
    let created = app.call_with("POST", &post, Some(&c.a), Some(body.clone()), &key).await;
    assert_eq!(created.status, 201, "{}", created.raw);
    let replay = app.call_with("POST", &post, Some(&c.a), Some(body), &key).await;
    assert_eq!((replay.status.as_u16(), &replay.body), (201, &created.body), "a retry replays");
    let dup =
        app.call_with("POST", &post, Some(&c.a), Some(check_in(&first, "shared", "")), &[("Idempotency-Key", "rw-2")]);
    refusal(&dup.await, "already_exists");
    assert_eq!(b_before, views(&app, &c, &c.b).await, "B's reads are unchanged by A's private check-in");
    assert!(due(&app.get("/api/v1/me/agenda", &c.a).await.body).is_empty(), "answered: off A's agenda");
    assert_eq!(due(&app.get("/api/v1/me/agenda", &c.b).await.body).len(), 1, "B's agenda unchanged");

    let shared = app.post(&post, Some(&c.b), check_in(&first, "shared", "our shared words")).await;
    assert_eq!(shared.status, 201, "{}", shared.raw);
    app.clock.set(starts + Duration::days(7) + Duration::minutes(31));
    let c = fresh(&app, &c, "rw-vis").await;
    let other = app.token("x@rw-vis.test").await;
    let away = fresh(&app, &away, "rw-away").await;
    let second = (first.parse::<NaiveDate>().unwrap() + Duration::days(7)).to_string();
    let clinician_only = app.post(&post, Some(&c.a), check_in(&second, "clinician", "for the clinician")).await;
    assert_eq!(clinician_only.status, 201, "{}", clinician_only.raw);
    app.post(&post, Some(&c.clin), check_in(&second, "shared", "")).await.assert_problem(403);

    let notes = |token: &str, path: String| {
        let app = &app;
        let token = token.to_owned();
        async move {
            let r = app.get(&path, &token).await;
            let mut found: Vec<&str> = ["only mine to read", "our shared words", "for the clinician"]
                .into_iter()
                .filter(|n| r.raw.contains(n))
                .collect();
            found.sort_unstable();
            (r.status.as_u16(), found)
        }
    };
    let timeline = format!("/api/v1/couples/{}/timeline?limit=200", c.id);
    let export = format!("/api/v1/couples/{}/export", c.id);
    let progress = format!("/api/v1/couples/{}/progress", c.id);
    assert_eq!(
        notes(&c.a, timeline.clone()).await,
        (200, vec!["for the clinician", "only mine to read", "our shared words"])
    );
    assert_eq!(notes(&c.b, timeline.clone()).await, (200, vec!["our shared words"]));
    assert_eq!(notes(&c.clin, timeline.clone()).await, (200, vec!["for the clinician", "our shared words"]));
    assert_eq!(notes(&c.clin, export.clone()).await, (200, vec!["for the clinician", "our shared words"]));
    for token in [&c.a, &c.b] {
        assert_eq!(notes(token, export.clone()).await.0, 403, "the export is the clinicians'");
        assert_eq!(notes(token, progress.clone()).await.0, 403, "progress is the clinicians'");
    }
    let figures = app.get(&progress, &c.clin).await.body["reconnect"].clone();
    let count =
        |who: &str| figures.as_array().unwrap().iter().find(|f| f["partner_id"] == who).unwrap()["check_ins"].clone();
    assert_eq!((count(&c.a_id), count(&c.b_id)), (json!(1), json!(1)), "never the private one: {figures}");
    let exported = app.get(&export, &c.clin).await;
    assert_eq!(exported.body["reconnect_windows"].as_array().unwrap().len(), 1, "{}", exported.raw);
    assert_eq!(exported.body["reconnect_check_ins"].as_array().unwrap().len(), 2);
    // Another couple of the practice, and another practice, reach none of it.
    for token in [&other, &away.a, &away.clin] {
        for path in [windows(&c), timeline.clone(), post.clone()] {
            let r = app.get(&path, token).await;
            assert!(matches!(r.status.as_u16(), 404 | 405), "{path}: {}", r.raw);
        }
        let r = app.post(&post, Some(token), check_in(&second, "shared", "")).await;
        assert_eq!(r.status, 404, "{}", r.raw);
    }
    for token in [&other, &away.a] {
        assert!(due(&app.get("/api/v1/me/agenda", token).await.body).is_empty());
    }
    let own = app.get(&format!("/api/v1/couples/{other_id}/timeline"), &other).await;
    assert!(!own.raw.contains("our shared words"), "{}", own.raw);
}

#[actix_web::test]
async fn bad_input_is_a_422_naming_each_field_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let c = couple(&app, "rw-bad").await;
    let bad = app
        .post(
            &windows(&c),
            Some(&c.a),
            json!({"weekday": "sunday", "start_time": "7pm", "duration_minutes": 5, "time_zone": "Mars/Olympus"}),
        )
        .await;
    assert_eq!(fields(&bad), ["weekday", "start_time", "duration_minutes", "time_zone"]);
    assert_eq!(app.get(&windows(&c), &c.a).await.body["items"], json!([]), "nothing written");
    app.post(&windows(&c), Some(&c.clin), json!({"weekday": "sun", "start_time": "19:00", "duration_minutes": 30}))
        .await
        .assert_problem(403);
    let window = agreed_window(&app, &c).await;
    let post = format!("{}/{}/check-ins", windows(&c), window["id"].as_str().unwrap());
    let bad = app
        .post(
            &post,
            Some(&c.a),
            json!({"occurrence_date": "x", "closeness": 11, "safety": -1, "visibility": "everyone"}),
        )
        .await;
    assert_eq!(fields(&bad), ["occurrence_date", "closeness", "safety", "visibility"]);
    let timeline = app.get(&format!("/api/v1/couples/{}/timeline", c.id), &c.a).await;
    assert!(!timeline.raw.contains("reconnect_check_in"), "nothing written: {}", timeline.raw);
    app.post(&windows(&c), Some(&c.a), json!({"weekday": "sun"})).await.assert_problem(400);
}
