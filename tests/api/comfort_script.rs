//! The comfort script: who reads and writes it, the ETag race between the two partners
//! (one wins, the other gets 412, nothing is lost), versions, field limits, and its place
//! in the timeline and the export.

use serde_json::{Value, json};

use crate::plans::{Couple, couple};
use crate::support::TestApp;

/// A whole script body, what helps partner A and B as given.
pub fn script(c: &Couple, helps_a: &str, helps_b: &str) -> Value {
    json!({
        "what_helps": [{"user_id": c.b_id, "text": helps_b}, {"user_id": c.a_id, "text": helps_a}],
        "words_to_use": "I'm here",
        "words_to_avoid": "always, never",
        "time_out_signal": "A raised hand",
        "coming_back": "Tea, and one sentence each"
    })
}

fn path(c: &Couple) -> String {
    format!("/api/v1/couples/{}/comfort-script", c.id)
}

#[actix_web::test]
async fn two_partners_editing_from_the_same_version_lose_nothing() {
    let app = TestApp::spawn().await;
    let c = couple(&app, "alpha").await;
    let away = couple(&app, "beta").await;
    app.get(&path(&c), &c.a).await.assert_problem(404);
    app.call("PUT", &path(&c), Some(&c.a), Some(script(&c, "a1", ""))).await.assert_problem(428);
    app.call_with("PUT", &path(&c), Some(&c.clin), Some(script(&c, "x", "x")), &[("If-None-Match", "*")])
        .await
        .assert_problem(403);
    let first =
        app.call_with("PUT", &path(&c), Some(&c.a), Some(script(&c, "a1", "")), &[("If-None-Match", "*")]).await;
    assert_eq!(first.status, 201, "{}", first.raw);
    assert_eq!(first.body["what_helps"][0]["user_id"], c.a_id.as_str(), "partner A first");
    assert_eq!(first.body["what_helps"][0]["text"], "a1");
    let tag = first.header("etag").unwrap().to_owned();
    // A second "first version" is stale, and so is a write without a precondition.
    app.call_with("PUT", &path(&c), Some(&c.b), Some(script(&c, "b", "b")), &[("If-None-Match", "*")])
        .await
        .assert_problem(412);
    app.call("PUT", &path(&c), Some(&c.b), Some(script(&c, "b", "b"))).await.assert_problem(428);

    // Both edit from version 1: the first to save wins, the second gets 412.
    let a = app.call_with("PUT", &path(&c), Some(&c.a), Some(script(&c, "a2", "")), &[("If-Match", &tag)]).await;
    assert_eq!(a.status, 200, "{}", a.raw);
    let b = app.call_with("PUT", &path(&c), Some(&c.b), Some(script(&c, "a1", "b2")), &[("If-Match", &tag)]).await;
    b.assert_problem(412);
    let now = app.get(&path(&c), &c.b).await;
    assert_eq!(now.body["what_helps"][0]["text"], "a2", "the winner's edit stands");
    assert_eq!(now.header("etag"), a.header("etag"));
    // B reads again, merges and saves.
    let merged = app
        .call_with(
            "PUT",
            &path(&c),
            Some(&c.b),
            Some(script(&c, "a2", "b2")),
            &[("If-Match", now.header("etag").unwrap())],
        )
        .await;
    assert_eq!(merged.status, 200, "{}", merged.raw);
    assert_eq!(merged.body["version"], 3);

    let versions = app.get(&format!("{}/versions?limit=2", path(&c)), &c.clin).await;
    assert_eq!(versions.status, 200, "{}", versions.raw);
    let page: Vec<(i64, &str)> = versions.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["version"].as_i64().unwrap(), v["edited_by"].as_str().unwrap()))
        .collect();
    assert_eq!(page, [(3, c.b_id.as_str()), (2, c.a_id.as_str())]);
    let cursor = versions.body["next_cursor"].as_str().unwrap();
    let rest = app.get(&format!("{}/versions?limit=2&cursor={cursor}", path(&c)), &c.a).await;
    assert_eq!(rest.body["items"][0]["version"], 1);
    assert!(rest.body["next_cursor"].is_null());

    // Both partners and the clinician read it, in the timeline too; the export has every version.
    for token in [&c.a, &c.b, &c.clin] {
        assert_eq!(app.get(&path(&c), token).await.body["version"], 3);
        let t = app.get(&format!("/api/v1/couples/{}/timeline", c.id), token).await;
        let versions: Vec<&Value> = t.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "comfort_script")
            .map(|e| &e["data"]["version"])
            .collect();
        assert_eq!(versions, [&json!(1), &json!(2), &json!(3)]);
    }
    let export = app.get(&format!("/api/v1/couples/{}/export", c.id), &c.clin).await;
    assert_eq!(export.body["comfort_script_versions"].as_array().unwrap().len(), 3);
    for outsider in [&away.a, &away.clin] {
        app.get(&path(&c), outsider).await.assert_problem(404);
        app.get(&format!("{}/versions", path(&c)), outsider).await.assert_problem(404);
    }
}

#[actix_web::test]
async fn a_too_long_part_is_named_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let c = couple(&app, "alpha").await;
    let mut long_signal = script(&c, "a", "b");
    long_signal["time_out_signal"] = json!("s".repeat(201));
    let mut long_help = script(&c, "a", "b");
    long_help["what_helps"][1]["text"] = json!("h".repeat(2001));
    let mut stranger = script(&c, "a", "b");
    stranger["what_helps"][0]["user_id"] = json!(c.clin.len().to_string());
    let mut one = script(&c, "a", "b");
    one["what_helps"] = json!([{"user_id": c.a_id, "text": "a"}]);
    for (body, field) in [
        (long_signal, "time_out_signal"),
        (long_help, "what_helps[1].text"),
        (stranger, "what_helps[0].user_id"),
        (one, "what_helps"),
    ] {
        let r = app.call_with("PUT", &path(&c), Some(&c.a), Some(body), &[("If-None-Match", "*")]).await;
        r.assert_problem(422);
        assert_eq!(r.body["errors"][0]["field"], field, "{}", r.raw);
    }
    app.get(&path(&c), &c.a).await.assert_problem(404);
}
