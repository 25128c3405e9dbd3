//! The needs map: who sees which item through every read route (the map, the timeline,
//! the export), compromises that never name who withdrew them, timing privacy of private
//! items, idempotent creates, history, bad input, and the "done when" story.

use chrono::Duration;
use serde_json::{Value, json};

use crate::plans::{Couple, couple};
use crate::support::{Reply, TestApp};

pub fn map_path(c: &Couple) -> String {
    format!("/api/v1/couples/{}/needs-map", c.id)
}

pub async fn add_item(app: &TestApp, c: &Couple, token: &str, kind: &str, text: &str, visibility: &str) -> String {
    let body = json!({"kind": kind, "text": text, "note": format!("note of {text}"), "visibility": visibility});
    let r = app.post(&format!("{}/items", map_path(c)), Some(token), body).await;
    assert_eq!(r.status, 201, "{}", r.raw);
    assert_eq!(r.body["text"], text);
    r.body["id"].as_str().unwrap().to_owned()
}

fn texts(items: &Value) -> Vec<String> {
    let mut out: Vec<String> =
        items.as_array().unwrap().iter().map(|i| i["text"].as_str().unwrap().to_owned()).collect();
    out.sort();
    out
}

fn sorted(v: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = v.iter().map(|s| (*s).to_owned()).collect();
    out.sort();
    out
}

/// Every needs-map item text in the caller's timeline.
async fn timeline_texts(app: &TestApp, c: &Couple, token: &str) -> Vec<String> {
    let r = app.get(&format!("/api/v1/couples/{}/timeline?limit=200", c.id), token).await;
    assert_eq!(r.status, 200, "{}", r.raw);
    let mut out: Vec<String> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "needs_map_item")
        .map(|e| e["data"]["text"].as_str().unwrap().to_owned())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// A second couple in `c`'s practice (clinician `c.clin`); returns a partner's token.
async fn neighbour(app: &TestApp, c: &Couple, practice: &str) -> String {
    app.couple(&c.clin, "Neighbours", &format!("n1@{practice}.test"), &format!("n2@{practice}.test")).await;
    app.accept(&format!("n1@{practice}.test")).await
}

#[actix_web::test]
async fn every_item_is_seen_only_by_whom_it_may_be_through_every_read_route() {
    let app = TestApp::spawn().await;
    let c = couple(&app, "alpha").await;
    let other_couple = neighbour(&app, &c, "alpha").await;
    let away = couple(&app, "beta").await;
    for (kind, vis) in [("desire", "private"), ("boundary", "clinician"), ("desire", "shared")] {
        add_item(&app, &c, &c.a, kind, &format!("a {vis}"), vis).await;
        add_item(&app, &c, &c.b, kind, &format!("b {vis}"), vis).await;
    }

    let a = app.get(&map_path(&c), &c.a).await;
    assert_eq!(a.status, 200, "{}", a.raw);
    assert_eq!(texts(&a.body["mine"]), sorted(&["a private", "a clinician", "a shared"]));
    assert_eq!(texts(&a.body["partner"]), sorted(&["b shared"]));
    assert!(a.body.get("partners").is_none());
    let b = app.get(&map_path(&c), &c.b).await;
    assert_eq!(texts(&b.body["mine"]), sorted(&["b private", "b clinician", "b shared"]));
    assert_eq!(texts(&b.body["partner"]), sorted(&["a shared"]));
    let clin = app.get(&map_path(&c), &c.clin).await;
    assert_eq!(clin.status, 200, "{}", clin.raw);
    assert!(clin.body.get("mine").is_none());
    let columns = clin.body["partners"].as_array().unwrap();
    assert_eq!(columns.len(), 2);
    assert_eq!(columns[0]["user_id"], c.a_id.as_str());
    assert_eq!(texts(&columns[0]["items"]), sorted(&["a clinician", "a shared"]));
    assert_eq!(texts(&columns[1]["items"]), sorted(&["b clinician", "b shared"]));
    assert!(!clin.raw.contains("private"), "{}", clin.raw);

    assert_eq!(timeline_texts(&app, &c, &c.a).await, sorted(&["a private", "a clinician", "a shared", "b shared"]));
    assert_eq!(timeline_texts(&app, &c, &c.b).await, sorted(&["b private", "b clinician", "b shared", "a shared"]));
    assert_eq!(
        timeline_texts(&app, &c, &c.clin).await,
        sorted(&["a clinician", "a shared", "b clinician", "b shared"])
    );

    let export = app.get(&format!("/api/v1/couples/{}/export", c.id), &c.clin).await;
    assert_eq!(export.status, 200, "{}", export.raw);
    let expected = sorted(&["a clinician", "a shared", "b clinician", "b shared"]);
    assert_eq!(texts(&export.body["needs_map_items"]), expected);
    let mut revisions = texts(&export.body["needs_map_revisions"]);
    revisions.dedup();
    assert_eq!(revisions, expected);
    assert!(!export.raw.contains("a private") && !export.raw.contains("b private"));
    for partner in [&c.a, &c.b] {
        app.get(&format!("/api/v1/couples/{}/export", c.id), partner).await.assert_problem(403);
    }

    // Another couple of the practice, and another practice, do not know the map exists.
    for outsider in [&other_couple, &away.a, &away.clin] {
        for path in [map_path(&c), format!("/api/v1/couples/{}/timeline", c.id)] {
            app.get(&path, outsider).await.assert_problem(404);
        }
        let r = app
            .post(
                &format!("{}/items", map_path(&c)),
                Some(outsider),
                json!({"kind": "desire", "text": "x", "visibility": "shared"}),
            )
            .await;
        r.assert_problem(404);
    }
}

#[actix_web::test]
async fn only_the_author_changes_an_item_and_history_is_kept() {
    let app = TestApp::spawn().await;
    let c = couple(&app, "alpha").await;
    let shared = add_item(&app, &c, &c.a, "desire", "Slow mornings", "shared").await;
    let private = add_item(&app, &c, &c.a, "boundary", "Secret", "private").await;
    let item = |id: &str| format!("{}/items/{id}", map_path(&c));

    // The partner gets 404 on both, exactly as on an id that does not exist; a clinician
    // may not write in a partner's map at all.
    let nowhere = uuid::Uuid::now_v7().to_string();
    for id in [&shared, &private, &nowhere] {
        let patch = app.patch(&item(id), &c.b, json!({"text": "mine now"})).await;
        patch.assert_problem(404);
        assert_eq!(patch.body["detail"], app.patch(&item(&nowhere), &c.b, json!({"text": "x"})).await.body["detail"]);
        app.call("DELETE", &item(id), Some(&c.b), None).await.assert_problem(404);
        app.patch(&item(id), &c.clin, json!({"text": "x"})).await.assert_problem(403);
    }

    app.clock.advance(Duration::minutes(5));
    let edited = app.patch(&item(&shared), &c.a, json!({"text": "Slow weekend mornings", "note": ""})).await;
    assert_eq!(edited.status, 200, "{}", edited.raw);
    assert_eq!(edited.body["text"], "Slow weekend mornings");
    assert!(edited.body["note"].is_null(), "an empty note clears it");
    assert_eq!(edited.body["kind"], "desire");
    assert_eq!(edited.body["visibility"], "shared");
    app.clock.advance(Duration::minutes(5));
    let deleted = app.call("DELETE", &item(&shared), Some(&c.a), None).await;
    assert_eq!(deleted.status, 204, "{}", deleted.raw);
    app.call("DELETE", &item(&shared), Some(&c.a), None).await.assert_problem(404);
    app.patch(&item(&shared), &c.a, json!({"text": "again"})).await.assert_problem(404);

    let b = app.get(&map_path(&c), &c.b).await;
    assert_eq!(b.body["partner"], json!([]));
    let timeline = app.get(&format!("/api/v1/couples/{}/timeline", c.id), &c.b).await;
    let revisions: Vec<&Value> =
        timeline.body["items"].as_array().unwrap().iter().filter(|e| e["kind"] == "needs_map_item").collect();
    let seen: Vec<(&str, bool)> = revisions
        .iter()
        .map(|e| (e["data"]["text"].as_str().unwrap(), e["data"]["deleted"].as_bool().unwrap()))
        .collect();
    assert_eq!(seen, [("Slow mornings", false), ("Slow weekend mornings", false), ("Slow weekend mornings", true)]);
    assert!(revisions.iter().all(|e| e["actor_id"] == c.a_id.as_str() && e["data"]["item_id"] == shared.as_str()));
}

#[actix_web::test]
async fn creating_an_item_is_idempotent() {
    let app = TestApp::spawn().await;
    let c = couple(&app, "alpha").await;
    let path = format!("{}/items", map_path(&c));
    let body = json!({"kind": "boundary", "text": "Ask first", "visibility": "clinician"});
    let send = |body: Value| app.call_with("POST", &path, Some(&c.a), Some(body), &[("Idempotency-Key", "item-1")]);
    let first = send(body.clone()).await;
    assert_eq!(first.status, 201, "{}", first.raw);
    let again = send(body.clone()).await;
    assert_eq!(again.status, 201, "{}", again.raw);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.body["id"], first.body["id"]);
    let mut changed = body;
    changed["text"] = json!("Something else");
    send(changed).await.assert_problem(422);
    assert_eq!(app.get(&map_path(&c), &c.a).await.body["mine"].as_array().unwrap().len(), 1);
}

/// The needs-map compromise `id` as `token` sees it in the map.
async fn compromise_in_map(app: &TestApp, c: &Couple, token: &str, id: &str) -> Value {
    let map = app.get(&map_path(c), token).await;
    map.body["compromises"].as_array().unwrap().iter().find(|x| x["id"] == id).unwrap().clone()
}

async fn propose(app: &TestApp, c: &Couple, token: &str, text: &str) -> String {
    let r = app.post(&format!("{}/compromises", map_path(c)), Some(token), json!({"text": text})).await;
    assert_eq!(r.status, 201, "{}", r.raw);
    assert_eq!(r.body["status"], "proposed");
    r.body["id"].as_str().unwrap().to_owned()
}

fn act(c: &Couple, id: &str, what: &str) -> String {
    format!("{}/compromises/{id}/{what}", map_path(c))
}

fn assert_refused(r: &Reply, code: &str) {
    r.assert_problem(409);
    assert_eq!(r.body["type"], format!("urn:tandem:problem:{code}"), "{}", r.raw);
}

#[actix_web::test]
async fn a_withdrawn_compromise_names_nobody() {
    let app = TestApp::spawn().await;
    let c = couple(&app, "alpha").await;
    // One agreed compromise the acceptor withdraws, one proposal its proposer takes back.
    let first = propose(&app, &c, &c.a, "Sunday cuddles").await;
    let second = propose(&app, &c, &c.a, "Saturday walks").await;
    assert_refused(&app.post(&act(&c, &first, "accept"), Some(&c.a), json!({})).await, "own_proposal");
    app.post(&act(&c, &first, "accept"), Some(&c.clin), json!({})).await.assert_problem(403);
    app.post(&act(&c, &first, "withdraw"), Some(&c.clin), json!({})).await.assert_problem(403);
    let agreed = app.post(&act(&c, &first, "accept"), Some(&c.b), json!({})).await;
    assert_eq!(agreed.status, 200, "{}", agreed.raw);
    assert_eq!(agreed.body["status"], "agreed");
    let again = app.post(&act(&c, &first, "accept"), Some(&c.b), json!({})).await;
    assert_eq!(again.body, agreed.body, "accepting twice changes nothing");

    app.clock.advance(Duration::minutes(1));
    let by_b = app.post(&act(&c, &first, "withdraw"), Some(&c.b), json!({})).await;
    let by_a = app.post(&act(&c, &second, "withdraw"), Some(&c.a), json!({})).await;
    for r in [&by_b, &by_a] {
        assert_eq!(r.status, 200, "{}", r.raw);
        assert_eq!(r.body["status"], "withdrawn");
    }
    assert_refused(&app.post(&act(&c, &first, "accept"), Some(&c.b), json!({})).await, "compromise_withdrawn");
    assert_refused(&app.post(&act(&c, &second, "accept"), Some(&c.b), json!({})).await, "compromise_withdrawn");
    let twice = app.post(&act(&c, &first, "withdraw"), Some(&c.a), json!({})).await;
    assert_eq!(twice.body, by_b.body, "withdrawing again changes nothing");

    // Both partners and the clinician read the same thing, and nothing names who withdrew.
    for id in [&first, &second] {
        let seen = compromise_in_map(&app, &c, &c.a, id).await;
        assert_eq!(seen["status"], "withdrawn");
        assert_eq!(compromise_in_map(&app, &c, &c.b, id).await, seen);
        assert_eq!(compromise_in_map(&app, &c, &c.clin, id).await, seen);
        let keys: Vec<&String> = seen.as_object().unwrap().keys().collect();
        assert_eq!(
            keys.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
            ["agreed_at", "id", "note", "proposed_at", "proposed_by", "status", "text", "withdrawn_at"]
        );
    }
    for token in [&c.a, &c.b, &c.clin] {
        let t = app.get(&format!("/api/v1/couples/{}/timeline", c.id), token).await;
        let events: Vec<&Value> =
            t.body["items"].as_array().unwrap().iter().filter(|e| e["kind"] == "compromise").collect();
        let summary: Vec<(&str, &Value)> =
            events.iter().map(|e| (e["data"]["event"].as_str().unwrap(), &e["actor_id"])).collect();
        let (a, b) = (json!(c.a_id), json!(c.b_id));
        assert_eq!(
            summary,
            [
                ("proposed", &a),
                ("proposed", &a),
                ("agreed", &b),
                ("withdrawn", &Value::Null),
                ("withdrawn", &Value::Null)
            ]
        );
    }
    let export = app.get(&format!("/api/v1/couples/{}/export", c.id), &c.clin).await;
    let exported = export.body["compromises"].as_array().unwrap();
    assert_eq!(exported.len(), 2);
    assert_eq!(exported[0], compromise_in_map(&app, &c, &c.clin, &first).await);
}

/// Everything partner B or the clinician can read that the needs map could move.
async fn observer_views(app: &TestApp, c: &Couple, token: &str) -> Vec<(String, u16, Option<String>, Value)> {
    let mut paths = vec![
        map_path(c),
        format!("/api/v1/couples/{}/timeline", c.id),
        format!("/api/v1/couples/{}", c.id),
        "/api/v1/couples".to_owned(),
        "/api/v1/me/agenda".to_owned(),
    ];
    if token == c.clin {
        paths.push(format!("/api/v1/couples/{}/export", c.id));
    }
    let mut out = Vec::new();
    for path in paths {
        let r = app.get(&path, token).await;
        let etag = r.header("etag").map(str::to_owned);
        let mut body = r.body;
        if path.ends_with("/export") {
            body["exported_at"] = Value::Null;
        }
        out.push((path, r.status.as_u16(), etag, body));
    }
    out
}

#[actix_web::test]
async fn a_private_item_leaves_no_trace_for_the_partner_or_the_clinician() {
    let app = TestApp::spawn().await;
    let c = couple(&app, "alpha").await;
    add_item(&app, &c, &c.a, "desire", "Shared wish", "shared").await;
    add_item(&app, &c, &c.b, "boundary", "B's own", "clinician").await;
    let a_only = add_item(&app, &c, &c.a, "boundary", "Kept to myself", "clinician").await;
    let b_before = observer_views(&app, &c, &c.b).await;
    let clin_before = observer_views(&app, &c, &c.clin).await;
    let map_etag = b_before[0].2.clone();
    assert!(map_etag.is_some(), "the map has an ETag");

    app.clock.advance(Duration::minutes(2));
    let private = add_item(&app, &c, &c.a, "desire", "Very private", "private").await;
    app.clock.advance(Duration::minutes(2));
    let r = app
        .patch(&format!("{}/items/{private}", map_path(&c)), &c.a, json!({"text": "Still private", "kind": "boundary"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.raw);
    app.clock.advance(Duration::minutes(2));
    let r = app.call("DELETE", &format!("{}/items/{private}", map_path(&c)), Some(&c.a), None).await;
    assert_eq!(r.status, 204, "{}", r.raw);
    // A clinician-only change moves nothing the other partner reads either.
    let r = app.patch(&format!("{}/items/{a_only}", map_path(&c)), &c.a, json!({"note": "edited"})).await;
    assert_eq!(r.status, 200, "{}", r.raw);

    let b_after = observer_views(&app, &c, &c.b).await;
    for (before, after) in b_before.iter().zip(&b_after) {
        assert_eq!(before, after, "{} moved for the other partner", before.0);
    }
    let clin_after = observer_views(&app, &c, &c.clin).await;
    assert!(!serde_json::to_string(&clin_after).unwrap().contains("private"), "never a private item");
    assert_ne!(clin_after[0], clin_before[0], "the clinician sees the clinician item's edit");

    // Only private changes, now: every view of B and the clinician stays put, ETags too.
    let b_before = observer_views(&app, &c, &c.b).await;
    let clin_before = observer_views(&app, &c, &c.clin).await;
    app.clock.advance(Duration::minutes(2));
    let again = add_item(&app, &c, &c.a, "desire", "Another secret", "private").await;
    let r = app.patch(&format!("{}/items/{again}", map_path(&c)), &c.a, json!({"note": "more"})).await;
    assert_eq!(r.status, 200, "{}", r.raw);
    assert_eq!(observer_views(&app, &c, &c.b).await, b_before);
    assert_eq!(observer_views(&app, &c, &c.clin).await, clin_before);
}

#[actix_web::test]
async fn bad_input_names_the_field_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let c = couple(&app, "alpha").await;
    let items = format!("{}/items", map_path(&c));
    let long = "x".repeat(281);
    for (body, field) in [
        (json!({"kind": "wish", "text": "x", "visibility": "shared"}), "kind"),
        (json!({"kind": "desire", "text": long, "visibility": "shared"}), "text"),
        (json!({"kind": "desire", "text": "   ", "visibility": "shared"}), "text"),
        (json!({"kind": "desire", "text": "x", "visibility": "public"}), "visibility"),
        (json!({"kind": "desire", "text": "x", "note": "n".repeat(2001), "visibility": "private"}), "note"),
    ] {
        let r = app.post(&items, Some(&c.a), body).await;
        r.assert_problem(422);
        assert_eq!(r.body["errors"][0]["field"], field, "{}", r.raw);
    }
    let r = app.post(&format!("{}/compromises", map_path(&c)), Some(&c.a), json!({"text": ""})).await;
    r.assert_problem(422);
    assert_eq!(r.body["errors"][0]["field"], "text");
    let id = add_item(&app, &c, &c.a, "desire", "Fine", "shared").await;
    let r = app.patch(&format!("{items}/{id}"), &c.a, json!({"visibility": "everyone"})).await;
    r.assert_problem(422);
    assert_eq!(r.body["errors"][0]["field"], "visibility");
    let map = app.get(&map_path(&c), &c.a).await;
    assert_eq!(texts(&map.body["mine"]), ["Fine"]);
    assert_eq!(map.body["mine"][0]["visibility"], "shared");
    assert_eq!(map.body["compromises"], json!([]));
}

#[actix_web::test]
async fn a_discharged_couple_keeps_reading_its_map_but_writes_nothing() {
    let app = TestApp::spawn().await;
    let c = couple(&app, "alpha").await;
    let id = propose(&app, &c, &c.a, "Walks").await;
    let r = app.patch(&format!("/api/v1/couples/{}", c.id), &c.clin, json!({"status": "discharged"})).await;
    assert_eq!(r.status, 200, "{}", r.raw);
    let body = json!({"kind": "desire", "text": "x", "visibility": "shared"});
    assert_refused(&app.post(&format!("{}/items", map_path(&c)), Some(&c.a), body).await, "not_in_treatment");
    assert_refused(&app.post(&act(&c, &id, "accept"), Some(&c.b), json!({})).await, "not_in_treatment");
    assert_eq!(app.get(&map_path(&c), &c.a).await.status, 200);
}

#[actix_web::test]
async fn done_when_both_partners_fill_their_maps_agree_a_compromise_and_co_write_a_comfort_script() {
    let app = TestApp::spawn().await;
    let c = couple(&app, "alpha").await;
    add_item(&app, &c, &c.a, "desire", "Feeling wanted without pressure", "shared").await;
    add_item(&app, &c, &c.a, "boundary", "Not talking about it in bed", "clinician").await;
    add_item(&app, &c, &c.a, "desire", "A private hope", "private").await;
    add_item(&app, &c, &c.b, "desire", "Cuddling on the sofa", "shared").await;
    add_item(&app, &c, &c.b, "boundary", "Ask before hugging from behind", "shared").await;

    let id = propose(&app, &c, &c.b, "Sofa cuddles on Sundays, clothes on").await;
    let agreed = app.post(&act(&c, &id, "accept"), Some(&c.a), json!({})).await;
    assert_eq!(agreed.body["status"], "agreed", "{}", agreed.raw);

    let script = crate::comfort_script::script(&c, "A hand on my back", "");
    let path = format!("/api/v1/couples/{}/comfort-script", c.id);
    let first = app.call_with("PUT", &path, Some(&c.a), Some(script), &[("If-None-Match", "*")]).await;
    assert_eq!(first.status, 201, "{}", first.raw);
    let tag = first.header("etag").unwrap().to_owned();
    let script = crate::comfort_script::script(&c, "A hand on my back", "A walk side by side");
    let second = app.call_with("PUT", &path, Some(&c.b), Some(script), &[("If-Match", &tag)]).await;
    assert_eq!(second.status, 200, "{}", second.raw);

    let b = app.get(&map_path(&c), &c.b).await;
    assert_eq!(texts(&b.body["partner"]), ["Feeling wanted without pressure"]);
    assert_eq!(b.body["compromises"][0]["status"], "agreed");
    let clin = app.get(&map_path(&c), &c.clin).await;
    assert_eq!(clin.body["partners"][0]["items"].as_array().unwrap().len(), 2);
    let read = app.get(&path, &c.clin).await;
    assert_eq!(read.body["what_helps"][1]["text"], "A walk side by side");
    assert_eq!(read.body["version"], 2);
}

#[actix_web::test]
async fn the_demo_couple_has_a_needs_map_and_a_comfort_script() {
    let app = TestApp::spawn().await;
    assert!(tandem_server::setup::demo(&app.state.pool, crate::support::ClockExt::now_utc(&app.clock)).unwrap());
    let robin = app.login("robin@demo.tandem.localhost", tandem_server::setup::DEMO_PASSWORD).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let couple = app.get("/api/v1/couples", &robin).await.body["items"][0]["id"].as_str().unwrap().to_owned();
    let map = app.get(&format!("/api/v1/couples/{couple}/needs-map"), &robin).await;
    assert_eq!(map.status, 200, "{}", map.raw);
    assert!(map.body["mine"].as_array().unwrap().len() >= 3, "{}", map.raw);
    assert!(!map.body["partner"].as_array().unwrap().is_empty(), "{}", map.raw);
    assert_eq!(map.body["compromises"][0]["status"], "agreed");
    let script = app.get(&format!("/api/v1/couples/{couple}/comfort-script"), &robin).await;
    assert_eq!(script.status, 200, "{}", script.raw);
    assert_eq!(script.body["version"], 2);
}
