//! Issue 13's "done when" as one story a new user would try through `/docs`: a clinician
//! starts a couple on "Grief and reconnection" from the built-in template; both partners
//! fill their needs maps and agree a compromise, write journal entries (one private, one
//! shared), co-write a comfort script and agree a Sunday reconnect window whose reminder
//! email arrives through a real SMTP server; the other partner never sees a private item
//! and nobody sees who called an occurrence off.

use std::time::Duration as StdDuration;

use chrono::{Duration, NaiveDate, NaiveTime};
use serde_json::{Value, json};

use crate::plans::{Couple, couple};
use crate::support::{SmtpSink, TestApp};

const PRIVATE_ITEM: &str = "Not ready to talk about the surgery yet";
const PRIVATE_ENTRY: &str = "I miss how easy it used to be, and I am scared to say so";

async fn created(app: &TestApp, path: &str, token: &str, body: Value) -> Value {
    let reply = app.post(path, Some(token), body).await;
    assert_eq!(reply.status, 201, "{path}: {}", reply.raw);
    reply.body
}

/// Every body `token` can read about the couple through the toolkit's read routes.
async fn readable(app: &TestApp, c: &Couple, token: &str) -> Vec<(String, String)> {
    let base = format!("/api/v1/couples/{}", c.id);
    let mut paths = vec![
        format!("{base}/needs-map"),
        format!("{base}/journal"),
        format!("{base}/comfort-script"),
        format!("{base}/comfort-script/versions"),
        format!("{base}/reconnect-windows"),
        format!("{base}/timeline?limit=200"),
    ];
    if token == c.clin {
        paths.extend([format!("{base}/export"), format!("{base}/progress")]);
    } else {
        paths.push("/api/v1/me/agenda".to_owned());
    }
    let mut out = Vec::new();
    for path in paths {
        let reply = app.get(&path, token).await;
        assert_eq!(reply.status, 200, "{path}: {}", reply.raw);
        out.push((path, reply.raw));
    }
    out
}

#[actix_web::test]
async fn a_couple_starts_on_grief_and_reconnection_and_builds_their_toolkit() {
    let app = TestApp::spawn().await;
    let c = couple(&app, "story").await;
    let base = format!("/api/v1/couples/{}", c.id);

    // The clinician drafts the couple's plan from the built-in template.
    let templates = app.get("/api/v1/plan-templates", &c.clin).await;
    let grief = templates.body["items"].as_array().unwrap().iter().find(|t| t["title"] == "Grief and reconnection");
    let grief = grief.expect("the built-in template is listed")["id"].as_str().unwrap().to_owned();
    let plan = created(&app, &format!("{base}/plans"), &c.clin, json!({"template_id": grief})).await;
    assert_eq!(plan["status"], "draft");
    assert_eq!(plan["left_out"], json!([]), "no agreement rules anything out yet");
    assert_eq!(plan["steps"][0]["title"], "Naming the grief together");
    assert!(plan["steps"].as_array().unwrap().len() >= 5, "{plan}");

    // Both partners fill their needs maps; B proposes a compromise and A agrees to it.
    let item = |kind: &str, text: &str, visibility: &str| json!({"kind": kind, "text": text, "visibility": visibility});
    let items = format!("{base}/needs-map/items");
    created(&app, &items, &c.a, item("desire", "To feel wanted without pressure", "shared")).await;
    created(&app, &items, &c.a, item("boundary", PRIVATE_ITEM, "private")).await;
    created(&app, &items, &c.b, item("desire", "Cuddling on the sofa in the evening", "shared")).await;
    created(&app, &items, &c.b, item("boundary", "Ask before hugging me from behind", "clinician")).await;
    let proposal = json!({"text": "Sofa cuddles on Sundays, clothes on, no expectations"});
    let compromise = created(&app, &format!("{base}/needs-map/compromises"), &c.b, proposal).await;
    let id = compromise["id"].as_str().unwrap();
    let agreed = app.post(&format!("{base}/needs-map/compromises/{id}/accept"), Some(&c.a), json!({})).await;
    assert_eq!(agreed.body["status"], "agreed", "{}", agreed.raw);
    let b_map = app.get(&format!("{base}/needs-map"), &c.b).await.body;
    assert_eq!(b_map["partner"].as_array().unwrap().len(), 1, "B sees only A's shared item: {b_map}");
    assert_eq!(b_map["compromises"][0]["status"], "agreed");

    // Journal entries: A keeps one private, B shares one.
    let journal = format!("{base}/journal");
    created(&app, &journal, &c.a, json!({"text": PRIVATE_ENTRY, "visibility": "private"})).await;
    created(&app, &journal, &c.b, json!({"text": "We laughed on the walk today", "visibility": "shared"})).await;
    let shared = app.get(&format!("{journal}?scope=shared"), &c.a).await;
    assert_eq!(shared.body["items"].as_array().unwrap().len(), 1, "{}", shared.raw);

    // The comfort script, co-written: A starts it, B completes it; a stale edit is refused.
    let script = |helps_a: &str, helps_b: &str| {
        json!({
            "what_helps": [{"user_id": c.a_id, "text": helps_a}, {"user_id": c.b_id, "text": helps_b}],
            "words_to_use": "I'm here; we'll figure it out together",
            "words_to_avoid": "always, never, calm down",
            "time_out_signal": "A hand raised flat",
            "coming_back": "Whoever called the time-out comes back with tea and one sentence"
        })
    };
    let path = format!("{base}/comfort-script");
    let first =
        app.call_with("PUT", &path, Some(&c.a), Some(script("A hand on my back", "")), &[("If-None-Match", "*")]);
    let first = first.await;
    assert_eq!(first.status, 201, "{}", first.raw);
    let tag = first.header("etag").unwrap().to_owned();
    let both = script("A hand on my back", "A walk side by side");
    let second = app.call_with("PUT", &path, Some(&c.b), Some(both), &[("If-Match", &tag)]).await;
    assert_eq!((second.status.as_u16(), &second.body["version"]), (200, &json!(2)), "{}", second.raw);
    let stale = app.call_with("PUT", &path, Some(&c.a), Some(script("Quiet", "")), &[("If-Match", &tag)]).await;
    stale.assert_problem(412);
    assert_eq!(app.get(&path, &c.clin).await.body["what_helps"][1]["text"], "A walk side by side");

    // A Sunday 19:00 reconnect window: A proposes (in A's zone), B accepts, and B calls
    // off the second Sunday.
    let windows = format!("{base}/reconnect-windows");
    let proposed =
        created(&app, &windows, &c.a, json!({"weekday": "sun", "start_time": "19:00", "duration_minutes": 30})).await;
    let window = proposed["id"].as_str().unwrap().to_owned();
    let active = app.post(&format!("{windows}/{window}/accept"), Some(&c.b), json!(null)).await;
    assert_eq!(active.body["status"], "active", "{}", active.raw);
    let first_sunday: NaiveDate = active.body["upcoming"][0]["date"].as_str().unwrap().parse().unwrap();
    let second_sunday = active.body["upcoming"][1]["date"].clone();
    let call_off = format!("{windows}/{window}/cancel");
    let off = app.post(&call_off, Some(&c.b), json!({"occurrence_date": second_sunday})).await;
    assert_eq!(off.status, 200, "{}", off.raw);

    // The first Sunday's reminder reaches both partners, discreetly, by real SMTP.
    let zone: chrono_tz::Tz = proposed["time_zone"].as_str().unwrap().parse().unwrap();
    let starts = tandem_domain::reminders::resolve(zone, first_sunday, NaiveTime::from_hms_opt(19, 0, 0).unwrap());
    let reminder = starts.unwrap() - Duration::hours(1);
    tandem_notification::outbox::tick(&app.state.pool, reminder + Duration::minutes(1), Duration::minutes(15)).unwrap();
    let sink = SmtpSink::start("");
    let sender = TestApp::spawn_on(&app.state_database_url(), |cfg| cfg.smtp = Some(sink.config())).await;
    sender.clock.set(reminder + Duration::minutes(2));
    let subject = "A time you set aside";
    let mut mail = Vec::new();
    for _ in 0..200 {
        mail = sink.messages().into_iter().filter(|m| m.contains(subject)).collect();
        if mail.len() >= 2 {
            break;
        }
        actix_web::rt::time::sleep(StdDuration::from_millis(50)).await;
    }
    assert_eq!(mail.len(), 2, "one reminder to each partner");
    assert!(mail.iter().any(|m| m.contains("To: a@story.test")) && mail.iter().any(|m| m.contains("To: b@story.test")));
    for message in &mail {
        for word in ["reconnect", "sex", "intima", "therap", "couple", "partner", "touch", "grief", "window"] {
            assert!(!message.to_lowercase().contains(word), "discreet: {word} in {message}");
        }
    }

    // What each reader can see: B and the clinician never read A's private item or entry;
    // nobody's view says who called the Sunday off (B did), and the window names only
    // its proposer.
    for token in [&c.b, &c.clin] {
        for (path, raw) in readable(&app, &c, token).await {
            assert!(!raw.contains(PRIVATE_ITEM) && !raw.contains(PRIVATE_ENTRY), "{path}: {raw}");
        }
    }
    for token in [&c.a, &c.b, &c.clin] {
        for (path, raw) in readable(&app, &c, token).await {
            assert!(!raw.contains("cancelled_by"), "{path}: {raw}");
            if path.ends_with("/reconnect-windows") {
                assert!(!raw.contains(&c.b_id), "{path} names who called it off: {raw}");
            }
        }
    }
    // A still reads everything of their own.
    let a_map = app.get(&format!("{base}/needs-map"), &c.a).await;
    assert!(a_map.raw.contains(PRIVATE_ITEM), "{}", a_map.raw);
    let a_journal = app.get(&journal, &c.a).await;
    assert!(a_journal.raw.contains(PRIVATE_ENTRY), "{}", a_journal.raw);
}
