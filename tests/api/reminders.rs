//! Reminders and the outbox, against a real SMTP server (aiosmtpd) where delivery is the
//! point. The scheduler is ticked by the tests at chosen instants (injectable clock).

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Datelike, Duration, NaiveTime, Utc, Weekday};
use serde_json::json;
use tandem_server::setup::{self, DEMO_PASSWORD};

use crate::support::{ClockExt, SmtpSink, TestApp, on_postgres};

/// The next Monday, 19:00 in Berlin (the demo partners' zone and default time): a day
/// with exercise reminders, always in the future.
fn next_monday_evening(now: DateTime<Utc>) -> DateTime<Utc> {
    let berlin = chrono_tz::Europe::Berlin;
    let mut date = now.with_timezone(&berlin).date_naive() + Duration::days(1);
    while date.weekday() != Weekday::Mon {
        date += Duration::days(1);
    }
    tandem_domain::reminders::resolve(berlin, date, NaiveTime::from_hms_opt(19, 0, 0).unwrap()).unwrap()
}

fn tick(app: &TestApp, now: DateTime<Utc>) -> usize {
    tandem_notification::outbox::tick(&app.state.pool, now, Duration::minutes(15)).unwrap()
}

fn outbox_rows(app: &TestApp) -> Vec<tandem_store::outbox::OutboxRow> {
    let mut conn = app.state.pool.get().unwrap();
    let practices = tandem_store::practices::all_ids(&mut conn).unwrap();
    let mut rows = Vec::new();
    for p in practices {
        rows.extend(
            tandem_store::outbox::list(&mut conn, &p, None, &tandem_store::PageRequest { after: None, limit: 200 })
                .unwrap()
                .items,
        );
    }
    rows
}

fn reminder_rows(app: &TestApp) -> Vec<tandem_store::outbox::OutboxRow> {
    outbox_rows(app).into_iter().filter(|r| r.dedupe_key.is_some()).collect()
}

async fn demo_app(smtp: Option<tandem_notification::SmtpConfig>) -> TestApp {
    let app = TestApp::spawn_with(|c| c.smtp = smtp).await;
    setup::demo(&app.state.pool, app.clock.now_utc()).unwrap();
    app
}

async fn until(mut done: impl FnMut() -> bool, what: &str) {
    for _ in 0..200 {
        if done() {
            return;
        }
        actix_web::rt::time::sleep(StdDuration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

#[actix_web::test]
async fn a_due_reminder_arrives_once_with_one_click_unsubscribe() {
    let sink = SmtpSink::start("");
    let app = demo_app(Some(sink.config())).await;
    let at = next_monday_evening(app.clock.now_utc());
    assert_eq!(tick(&app, at - Duration::minutes(1)), 0, "not due yet");
    let added = tick(&app, at + Duration::minutes(1));
    assert!(added >= 4, "check-in and exercise reminders for both demo partners: {added}");
    assert_eq!(tick(&app, at + Duration::minutes(2)), 0, "a repeated tick adds nothing");
    assert_eq!(tick(&app, at + Duration::minutes(10)), 0, "an overlapping tick adds nothing");
    app.clock.set(at + Duration::minutes(1));
    until(
        || sink.messages().iter().filter(|m| m.contains("To: robin@demo.tandem.localhost")).count() >= 2,
        "robin's reminders",
    )
    .await;
    actix_web::rt::time::sleep(StdDuration::from_millis(300)).await;
    let robin: Vec<String> =
        sink.messages().into_iter().filter(|m| m.contains("To: robin@demo.tandem.localhost")).collect();
    let kinds: Vec<(String, String)> = outbox_rows(&app).into_iter().map(|r| (r.to_address, r.kind)).collect();
    assert_eq!(robin.len(), 2, "one check-in and one exercise reminder, once each: {kinds:?}");
    let mail = &robin[0];
    // Unsubscribe links open the API itself, by default at the address it listens on (the
    // front-end lives at `public_url`, https://app.tandem.test here).
    assert!(mail.contains(&format!("List-Unsubscribe: <{}/unsubscribe/", app.base)), "{mail}");
    assert!(mail.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"), "{mail}");
    assert!(mail.contains("Message-ID: <"), "{mail}");
    for word in ["exercise", "hands", "sasha", "therap", "distress", "sex"] {
        assert!(!mail.to_lowercase().contains(word), "discreet: {word} in {mail}");
    }
    assert!(sink.messages().iter().all(|m| !m.contains("noor@")), "no reminders for a discharged couple");
    // The unsubscribe link works without login, twice, with one effect.
    let start = mail.find("/unsubscribe/").unwrap();
    let token: String =
        mail[start + "/unsubscribe/".len()..].chars().take_while(|c| *c != '>' && !c.is_whitespace()).collect();
    let first = app.call("POST", &format!("/unsubscribe/{token}"), None, None).await;
    let second = app.call("POST", &format!("/unsubscribe/{token}"), None, None).await;
    assert_eq!((first.status.as_u16(), second.status.as_u16()), (200, 200), "{}", first.raw);
    let robin_token =
        app.login("robin@demo.tandem.localhost", DEMO_PASSWORD).await["access_token"].as_str().unwrap().to_owned();
    let prefs = app.get("/api/v1/me/notification-preferences", &robin_token).await;
    let kind = if token_kind(&app, &token) == "daily_check_in" { "daily_check_in" } else { "exercise_reminders" };
    assert_eq!(prefs.body[kind], false, "{}", prefs.raw);
    let page = app.call("GET", &format!("/unsubscribe/{token}"), None, None).await;
    assert!(page.raw.contains("Stop all reminders"), "{}", page.raw);
    app.call("POST", "/unsubscribe/forged.token", None, None).await.assert_problem(404);
    // Delivery status for the admin.
    let admin =
        app.login("admin@demo.tandem.localhost", DEMO_PASSWORD).await["access_token"].as_str().unwrap().to_owned();
    let outbox = app.get("/api/v1/outbox?status=sent", &admin).await;
    assert!(outbox.body["items"].as_array().unwrap().len() >= 4, "{}", outbox.raw);
    assert!(!outbox.raw.contains("robin@"), "no addresses or bodies");
}

fn token_kind(app: &TestApp, token: &str) -> String {
    app.state.signer.verify(token).map(|(_, k)| k).unwrap_or_default()
}

#[actix_web::test]
async fn temporary_failures_are_retried_until_delivered() {
    let sink = SmtpSink::start("451,451");
    let app = demo_app(Some(sink.config())).await;
    let at = next_monday_evening(app.clock.now_utc());
    let added = tick(&app, at + Duration::minutes(1));
    app.clock.set(at + Duration::minutes(1));
    until(
        || {
            reminder_rows(&app).iter().all(|r| r.status != "pending" || r.attempts > 0)
                && reminder_rows(&app).iter().any(|r| r.last_error.is_some())
        },
        "a first failed attempt",
    )
    .await;
    assert!(
        reminder_rows(&app)
            .iter()
            .any(|r| r.status == "pending" && r.last_error.as_deref().is_some_and(|e| e.contains("451")))
    );
    for _ in 0..5 {
        app.clock.advance(Duration::minutes(10));
        actix_web::rt::time::sleep(StdDuration::from_millis(300)).await;
    }
    until(|| reminder_rows(&app).iter().all(|r| r.status == "sent"), "every reminder sent").await;
    let ids: HashSet<String> = sink
        .messages()
        .iter()
        .filter_map(|m| m.lines().find(|l| l.starts_with("Message-ID:")).map(str::to_owned))
        .collect();
    assert_eq!(ids.len(), sink.messages().len(), "no duplicates");
    assert_eq!(sink.messages().len(), added);
    assert!(reminder_rows(&app).iter().any(|r| r.attempts >= 2));
}

#[actix_web::test]
async fn permanent_failures_are_dead_lettered_and_visible_to_the_admin() {
    let sink = SmtpSink::start(&["550"; 30].join(","));
    let app = demo_app(Some(sink.config())).await;
    let at = next_monday_evening(app.clock.now_utc());
    tick(&app, at + Duration::minutes(1));
    app.clock.set(at + Duration::minutes(1));
    until(|| reminder_rows(&app).iter().all(|r| r.status == "dead"), "dead letters").await;
    assert!(reminder_rows(&app).iter().all(|r| r.attempts == 1), "5xx is not retried");
    let admin =
        app.login("admin@demo.tandem.localhost", DEMO_PASSWORD).await["access_token"].as_str().unwrap().to_owned();
    let dead = app.get("/api/v1/outbox?status=dead", &admin).await;
    let items = dead.body["items"].as_array().unwrap();
    assert!(!items.is_empty(), "{}", dead.raw);
    assert!(items[0]["last_error"].as_str().unwrap().contains("550"));
    let id = items[0]["id"].as_str().unwrap();
    assert_eq!(app.call("POST", &format!("/api/v1/outbox/{id}/retry"), Some(&admin), None).await.status, 202);
    app.call("POST", &format!("/api/v1/outbox/{id}/retry"), Some(&admin), None).await.assert_problem(409);
    let robin =
        app.login("robin@demo.tandem.localhost", DEMO_PASSWORD).await["access_token"].as_str().unwrap().to_owned();
    app.get("/api/v1/outbox", &robin).await.assert_problem(403);
}

#[actix_web::test]
async fn nothing_is_lost_while_smtp_is_down() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let down = tandem_notification::SmtpConfig {
        host: "127.0.0.1".into(),
        port: Some(port),
        username: None,
        password: None,
        tls: tandem_notification::SmtpTls::None,
        allow_plaintext: true,
        pool_size: 1,
    };
    let app = demo_app(Some(down)).await;
    let at = next_monday_evening(app.clock.now_utc());
    let added = tick(&app, at + Duration::minutes(1));
    app.clock.set(at + Duration::minutes(1));
    until(|| reminder_rows(&app).iter().all(|r| r.attempts >= 1 && r.status == "pending"), "failed attempts").await;
    assert!(
        reminder_rows(&app).iter().all(|r| r.status == "pending"),
        "connection failures are retried, not dead-lettered"
    );
    let sink = SmtpSink::start_on(port, "", 0.0);
    for _ in 0..8 {
        app.clock.advance(Duration::minutes(10));
        actix_web::rt::time::sleep(StdDuration::from_millis(250)).await;
    }
    until(|| reminder_rows(&app).iter().all(|r| r.status == "sent"), "delivery once SMTP is back").await;
    assert_eq!(sink.messages().len(), added, "each once");
}

#[actix_web::test]
async fn opting_out_quiet_hours_and_a_paused_plan_cancel_reminders() {
    let app = demo_app(None).await;
    let at = next_monday_evening(app.clock.now_utc());
    let robin =
        app.login("robin@demo.tandem.localhost", DEMO_PASSWORD).await["access_token"].as_str().unwrap().to_owned();
    let sasha =
        app.login("sasha@demo.tandem.localhost", DEMO_PASSWORD).await["access_token"].as_str().unwrap().to_owned();
    let kim = app.login("kim@demo.tandem.localhost", DEMO_PASSWORD).await["access_token"].as_str().unwrap().to_owned();
    let clin =
        app.login("rivera@demo.tandem.localhost", DEMO_PASSWORD).await["access_token"].as_str().unwrap().to_owned();
    // Kim's quiet hours cover 19:00: skipped, not moved.
    let prefs = app.get("/api/v1/me/notification-preferences", &kim).await;
    assert_eq!(prefs.body["exercise_reminders"], true);
    assert_eq!(prefs.body["inactivity_nudge"], false);
    let mut quiet = prefs.body.clone();
    quiet["quiet_hours"] = json!({"start": "18:30", "end": "07:00"});
    assert_eq!(app.call("PUT", "/api/v1/me/notification-preferences", Some(&kim), Some(quiet)).await.status, 200);
    let mut bad = prefs.body.clone();
    bad["preferred_time"] = json!("25:00");
    bad["days"] = json!(["funday"]);
    app.call("PUT", "/api/v1/me/notification-preferences", Some(&kim), Some(bad)).await.assert_problem(422);

    tick(&app, at + Duration::minutes(1));
    let rows = reminder_rows(&app);
    assert!(rows.iter().all(|r| !r.to_address.starts_with("kim@")), "quiet hours skip");
    assert!(rows.iter().any(|r| r.to_address.starts_with("robin@") && r.kind == "daily_check_in"));
    // Robin opts out of check-ins: the queued one is cancelled.
    let mut off = app.get("/api/v1/me/notification-preferences", &robin).await.body;
    off["daily_check_in"] = json!(false);
    assert_eq!(app.call("PUT", "/api/v1/me/notification-preferences", Some(&robin), Some(off)).await.status, 200);
    // The plan is paused before the reminders go out: exercise reminders are cancelled.
    let couples = app.get("/api/v1/couples", &clin).await;
    let couple =
        couples.body["items"].as_array().unwrap().iter().find(|c| c["label"] == "Couple 1 (Tuesdays)").unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
    let plan = app.get(&format!("/api/v1/couples/{couple}/plans"), &clin).await.body["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        app.post(&format!("/api/v1/plans/{plan}/status"), Some(&clin), json!({"action": "pause"})).await.status,
        200
    );
    assert!(!sasha.is_empty());
    app.clock.set(at + Duration::minutes(1));
    until(|| reminder_rows(&app).iter().all(|r| r.status != "pending" && r.status != "sending"), "the queue to drain")
        .await;
    let rows = reminder_rows(&app);
    let status_of = |who: &str, kind: &str| {
        rows.iter().find(|r| r.to_address.starts_with(who) && r.kind == kind).map(|r| r.status.clone())
    };
    assert_eq!(status_of("robin@", "daily_check_in").as_deref(), Some("cancelled"));
    assert_eq!(status_of("robin@", "exercise_reminder").as_deref(), Some("cancelled"), "paused plan");
    assert_eq!(status_of("sasha@", "exercise_reminder").as_deref(), Some("cancelled"), "paused plan");
    assert_eq!(status_of("sasha@", "daily_check_in").as_deref(), Some("sent"));
    assert_eq!(app.wait_mail("sasha@demo.tandem.localhost", 1).await.len(), 1);
    assert!(app.mail_to("robin@demo.tandem.localhost").is_empty());
}

#[actix_web::test]
async fn several_workers_on_postgres_send_each_message_exactly_once() {
    if !on_postgres() {
        eprintln!("PostgreSQL only: SQLite runs one worker");
        return;
    }
    let app = TestApp::spawn_with(|c| c.run_worker = false).await;
    app.practice("Bulk", "admin@bulk.test", false);
    let now = app.clock.now_utc();
    let practice = {
        let mut conn = app.state.pool.get().unwrap();
        tandem_store::practices::all_ids(&mut conn).unwrap().remove(0)
    };
    {
        let mut conn = app.state.pool.get().unwrap();
        tandem_store::write_tx(&mut conn, |c| {
            for i in 0..2000 {
                tandem_notification::outbox::enqueue(
                    c,
                    &practice,
                    None,
                    tandem_notification::EmailKind::ClinicianAlert,
                    &format!("c{i}@bulk.test"),
                    None,
                    now,
                )
                .map_err(|_| diesel::result::Error::RollbackTransaction)?;
            }
            Ok::<_, diesel::result::Error>(())
        })
        .unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let mailer = tandem_notification::Mailer::new(&tandem_notification::MailConfig {
        from: "Tandem <no-reply@tandem.test>".into(),
        transport: tandem_notification::TransportConfig::Files(dir.path().to_path_buf()),
    })
    .unwrap();
    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    let mut handles = Vec::new();
    for _ in 0..3 {
        let worker = tandem_notification::outbox::Worker {
            pool: app.state.pool.clone(),
            mailer: mailer.clone(),
            clock: Arc::new(app.clock.clone()),
            links: app.state.config.links.clone(),
            signer: app.state.signer.clone(),
            batch: 25,
            lease: Duration::seconds(60),
            on_outcome: None,
        };
        handles.push(actix_web::rt::spawn(worker.run(StdDuration::from_millis(20), stop.clone())));
    }
    let count = || std::fs::read_dir(dir.path()).unwrap().count();
    for _ in 0..1200 {
        if count() >= 2000 {
            break;
        }
        actix_web::rt::time::sleep(StdDuration::from_millis(50)).await;
    }
    stop_tx.send(true).unwrap();
    for h in handles {
        let _ = h.await;
    }
    let mut ids = HashSet::new();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let id = text.lines().find(|l| l.starts_with("Message-ID:")).unwrap().to_owned();
        assert!(ids.insert(id), "sent twice");
    }
    assert_eq!(ids.len(), 2000);
    let mut conn = app.state.pool.get().unwrap();
    assert_eq!(tandem_store::outbox::depth(&mut conn).unwrap(), 0);
}

#[actix_web::test]
async fn a_killed_workers_claims_are_sent_by_another_after_the_lease() {
    if !on_postgres() {
        eprintln!("PostgreSQL only: SQLite runs one worker inside tandem serve");
        return;
    }
    let app = TestApp::spawn_with(|c| c.run_worker = false).await;
    app.practice("Bulk", "admin@bulk.test", false);
    let practice = {
        let mut conn = app.state.pool.get().unwrap();
        tandem_store::practices::all_ids(&mut conn).unwrap().remove(0)
    };
    let real_now = Utc::now();
    {
        let mut conn = app.state.pool.get().unwrap();
        tandem_store::write_tx(&mut conn, |c| {
            for i in 0..40 {
                tandem_notification::outbox::enqueue(
                    c,
                    &practice,
                    None,
                    tandem_notification::EmailKind::ClinicianAlert,
                    &format!("k{i}@bulk.test"),
                    None,
                    real_now - Duration::seconds(5),
                )
                .map_err(|_| diesel::result::Error::RollbackTransaction)?;
            }
            Ok::<_, diesel::result::Error>(())
        })
        .unwrap();
    }
    // A separate `tandem worker` process, slowed by a slow SMTP server, then killed.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let slow = SmtpSink::start_on(port, "", 0.3);
    let data = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tandem"))
        .arg("worker")
        .env("TANDEM_DATABASE_URL", app.state_database_url())
        .env("TANDEM_DATA_DIR", data.path())
        .env("TANDEM_SMTP__HOST", "127.0.0.1")
        .env("TANDEM_SMTP__PORT", slow.port.to_string())
        .env("TANDEM_SMTP__TLS", "none")
        .env("TANDEM_SMTP__ALLOW_PLAINTEXT", "true")
        .env("TANDEM_OUTBOX_LEASE_SECS", "2")
        .env("TANDEM_RUN_SCHEDULER", "false")
        .env("TANDEM_SIGNING_KEYS", format!("test:{}", crate::support::b64(&crate::support::TEST_SECRET)))
        .env_remove("TANDEM_TEST_DATABASE_URL")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("tandem worker starts");
    until(|| outbox_rows(&app).iter().any(|r| r.status == "sending"), "the worker to claim a batch").await;
    actix_web::rt::time::sleep(StdDuration::from_millis(400)).await;
    child.kill().unwrap(); // SIGKILL
    let _ = child.wait();
    let stuck = outbox_rows(&app).iter().filter(|r| r.status == "sending").count();
    assert!(stuck > 0, "the kill left claimed rows behind");
    // Another worker takes them over once the lease has run out.
    let sink = SmtpSink::start("");
    let mailer = tandem_notification::Mailer::new(&tandem_notification::MailConfig {
        from: "Tandem <no-reply@tandem.test>".into(),
        transport: tandem_notification::TransportConfig::Smtp(sink.config()),
    })
    .unwrap();
    app.clock.set(Utc::now() + Duration::seconds(5));
    let worker = tandem_notification::outbox::Worker {
        pool: app.state.pool.clone(),
        mailer,
        clock: Arc::new(app.clock.clone()),
        links: app.state.config.links.clone(),
        signer: app.state.signer.clone(),
        batch: 50,
        lease: Duration::seconds(60),
        on_outcome: None,
    };
    for _ in 0..10 {
        worker.run_once().await.unwrap();
    }
    let rows = outbox_rows(&app);
    assert!(rows.iter().all(|r| r.status == "sent"), "{:?}", rows.iter().map(|r| &r.status).collect::<Vec<_>>());
    assert!(slow.messages().len() + sink.messages().len() >= 40, "every message went out");
}

/// Robin's (a demo partner's) user id and access token.
async fn robin(app: &TestApp) -> (String, String) {
    let token =
        app.login("robin@demo.tandem.localhost", DEMO_PASSWORD).await["access_token"].as_str().unwrap().to_owned();
    let me = app.get("/api/v1/me", &token).await;
    (me.body["user"]["id"].as_str().unwrap().to_owned(), token)
}

async fn preferences(app: &TestApp, token: &str) -> serde_json::Value {
    let prefs = app.get("/api/v1/me/notification-preferences", token).await;
    assert_eq!(prefs.status, 200, "{}", prefs.raw);
    prefs.body
}

/// The one-click URL path (`/unsubscribe/…`) in the newest reminder mailed to `to`.
async fn mailed_unsubscribe_path(app: &TestApp, to: &str) -> String {
    let mails = app.wait_mail(to, 1).await;
    let mail = mails.last().unwrap();
    let header = format!("List-Unsubscribe: <{}", app.base);
    let start = mail.find(&header).expect("a List-Unsubscribe header on the API's address") + header.len();
    mail[start..].chars().take_while(|c| *c != '>' && !c.is_whitespace()).collect()
}

#[actix_web::test]
async fn opening_an_unsubscribe_link_changes_nothing_until_its_button_posts() {
    let app = demo_app(None).await;
    let at = next_monday_evening(app.clock.now_utc());
    assert!(tick(&app, at + Duration::minutes(1)) > 0);
    app.clock.set(at + Duration::minutes(1));
    let path = mailed_unsubscribe_path(&app, "robin@demo.tandem.localhost").await;
    let (_, token) = robin(&app).await;
    let before = preferences(&app, &token).await;
    let queued = |app: &TestApp| reminder_rows(app).iter().filter(|r| r.status == "cancelled").count();
    let cancelled_before = queued(&app);

    // What a mail scanner or a browser does with the link: GET, with or without ?all.
    for url in [path.clone(), format!("{path}?all=true")] {
        let page = app.call("GET", &url, None, None).await;
        assert_eq!(page.status, 200, "{}", page.raw);
        assert_eq!(page.header("content-type"), Some("text/html; charset=utf-8"));
        assert_eq!(page.header("cache-control"), Some("no-store"));
        assert!(page.header("content-security-policy").is_some_and(|c| c.contains("default-src 'none'")));
        assert!(page.raw.contains("<form method=\"post\""), "{}", page.raw);
        assert!(page.raw.contains("Stop all reminders"), "{}", page.raw);
        for external in ["http://", "https://", "<script", "<img", "<link", "src="] {
            assert!(!page.raw.contains(external), "self-contained: {external} in {}", page.raw);
        }
    }
    let one_kind = app.call("GET", &path, None, None).await;
    assert!(one_kind.raw.contains(">Unsubscribe</button>"), "{}", one_kind.raw);
    assert_eq!(preferences(&app, &token).await, before, "GET changed the preferences");
    assert_eq!(queued(&app), cancelled_before, "GET cancelled queued reminders");

    // The button (or a one-click client) POSTs: now it takes effect.
    let token_part = path.trim_start_matches("/unsubscribe/");
    let kind = app.state.signer.verify(token_part).unwrap().1;
    let field = if kind == "daily_check_in" { "daily_check_in" } else { "exercise_reminders" };
    assert_eq!(before[field], true);
    let posted = app
        .call_with(
            "POST",
            &path,
            None,
            None,
            &[("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "text/html")],
        )
        .await;
    assert_eq!(posted.status, 200, "{}", posted.raw);
    assert!(posted.raw.contains("Stop all reminders"), "the page after the first button: {}", posted.raw);
    let after = preferences(&app, &token).await;
    assert_eq!(after[field], false, "{after}");
    assert_eq!(after["agreement_review"], true, "only that kind: {after}");

    // "Stop all reminders" is a POST too.
    let all = app.call("POST", &format!("{path}?all=true"), None, None).await;
    assert_eq!(all.status, 200, "{}", all.raw);
    assert_eq!(all.header("content-type"), Some("text/plain; charset=utf-8"));
    let after = preferences(&app, &token).await;
    for kind in ["exercise_reminders", "daily_check_in", "agreement_review", "inactivity_nudge"] {
        assert_eq!(after[kind], false, "{kind}: {after}");
    }
}

#[actix_web::test]
async fn unsubscribe_links_are_signed_with_their_own_key_not_the_token_key() {
    use tandem_api::auth::keys::{KeySet, Purpose, derive};
    use tandem_notification::outbox::UnsubscribeSigner;

    use crate::support::{OTHER_SECRET, TEST_SECRET, b64};

    // During a rotation: `new` signs, `old` is still listed.
    let app = TestApp::spawn_with(|c| {
        c.signing_keys = Some(format!("old:{},new:{}", b64(&TEST_SECRET), b64(&OTHER_SECRET)));
        c.active_signing_key = Some("new".into());
    })
    .await;
    setup::demo(&app.state.pool, app.clock.now_utc()).unwrap();
    let (user_id, token) = robin(&app).await;
    let post = |link: String| {
        let app = &app;
        async move { app.call("POST", &format!("/unsubscribe/{link}"), None, None).await }
    };

    // Signed with a JWT secret itself, by the very algorithm links use: refused, whether
    // the secret is the active one or the retiring one.
    for raw in [&OTHER_SECRET, &TEST_SECRET] {
        let forged = UnsubscribeSigner::new(raw).token(&user_id, "daily_check_in");
        post(forged.clone()).await.assert_problem(404);
        assert_eq!(app.call("GET", &format!("/unsubscribe/{forged}"), None, None).await.status, 404);
    }
    // A key that is not listed (any more): refused.
    let gone = KeySet::parse(&format!("gone:{}", b64(&[3u8; 32])), None).unwrap();
    post(gone.unsubscribe_signer().token(&user_id, "daily_check_in")).await.assert_problem(404);
    assert_eq!(preferences(&app, &token).await["daily_check_in"], true, "nothing refused changed anything");

    // What the server signs: HKDF of the active secret for this purpose.
    let current =
        UnsubscribeSigner::new(&derive(&OTHER_SECRET, Purpose::Unsubscribe)).token(&user_id, "daily_check_in");
    assert_eq!(current, app.state.signer.token(&user_id, "daily_check_in"));
    assert_eq!(post(current).await.status, 200);
    assert_eq!(preferences(&app, &token).await["daily_check_in"], false);
    // A link mailed before the rotation (under the retiring key) still works.
    let old = KeySet::parse(&format!("old:{}", b64(&TEST_SECRET)), None).unwrap();
    let before_rotation = old.unsubscribe_signer().token(&user_id, "agreement_review");
    assert_eq!(post(before_rotation).await.status, 200);
    assert_eq!(preferences(&app, &token).await["agreement_review"], false);
}
