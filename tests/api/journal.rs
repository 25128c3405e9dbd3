//! The journal with prompts and the weekly talk: who reads what through every read route,
//! timing privacy between partners, assignments on the agenda, idempotent creates, bad
//! input, and the "done when" story.

use chrono::Duration;
use serde_json::{Value, json};

use crate::plans::{Couple, couple};
use crate::support::{Reply, TestApp};

const SMALL_WIN: &str = "01930000-0000-7000-8000-000000000003";
const NAMING_LOSS: &str = "01930000-0000-7000-8000-000000000001";

async fn write(app: &TestApp, c: &Couple, token: &str, body: Value) -> Reply {
    app.post(&format!("/api/v1/couples/{}/journal", c.id), Some(token), body).await
}

async fn entry(app: &TestApp, c: &Couple, token: &str, text: &str, visibility: &str) -> String {
    let r = write(app, c, token, json!({"text": text, "visibility": visibility})).await;
    assert_eq!(r.status, 201, "{}", r.raw);
    r.body["id"].as_str().unwrap().to_owned()
}

async fn talk(app: &TestApp, c: &Couple, token: &str, words: &str, visibility: &str) -> Reply {
    let body = json!({"kind": "weekly_talk", "gratitude": format!("{words} thanks"), "frustrations": format!("{words} gripes"), "next_steps": format!("{words} plan"), "visibility": visibility});
    app.post(&format!("/api/v1/couples/{}/check-ins", c.id), Some(token), body).await
}

async fn assign(app: &TestApp, c: &Couple, prompt: &str, partner: Option<&str>) -> String {
    let path = format!("/api/v1/couples/{}/journal-prompt-assignments", c.id);
    let r = app.post(&path, Some(&c.clin), json!({"prompt_id": prompt, "partner_id": partner})).await;
    assert_eq!(r.status, 201, "{}", r.raw);
    r.body["id"].as_str().unwrap().to_owned()
}

/// The texts of a list's items (journal entries), in order.
fn texts(body: &Value) -> Vec<String> {
    body["items"].as_array().unwrap().iter().map(|e| e["text"].as_str().unwrap().to_owned()).collect()
}

async fn journal(app: &TestApp, c: &Couple, token: &str, query: &str) -> Vec<String> {
    let r = app.get(&format!("/api/v1/couples/{}/journal{query}", c.id), token).await;
    assert_eq!(r.status, 200, "{}", r.raw);
    texts(&r.body)
}

/// What a reader's timeline says of journal entries (texts) and weekly talks (gratitude).
async fn timeline(app: &TestApp, c: &Couple, token: &str) -> (Vec<String>, Vec<String>) {
    let r = app.get(&format!("/api/v1/couples/{}/timeline?limit=200", c.id), token).await;
    assert_eq!(r.status, 200, "{}", r.raw);
    let items = r.body["items"].as_array().unwrap();
    let of = |kind: &str, field: &str| -> Vec<String> {
        items
            .iter()
            .filter(|e| e["kind"] == kind && (kind != "check_in" || e["data"]["kind"] == "weekly_talk"))
            .map(|e| e["data"][field].as_str().unwrap().to_owned())
            .collect()
    };
    (of("journal_entry", "text"), of("check_in", "gratitude"))
}

async fn talks(app: &TestApp, c: &Couple, token: &str) -> Vec<String> {
    let r = app.get(&format!("/api/v1/couples/{}/check-ins", c.id), token).await;
    assert_eq!(r.status, 200, "{}", r.raw);
    let items = r.body["items"].as_array().unwrap();
    items.iter().filter(|i| i["kind"] == "weekly_talk").map(|i| i["gratitude"].as_str().unwrap().to_owned()).collect()
}

/// A second couple in `c`'s practice (same clinician); returns its partner's token.
async fn neighbour(app: &TestApp, c: &Couple, practice: &str) -> (String, String) {
    let id = app.couple(&c.clin, "Next door", &format!("n1@{practice}.test"), &format!("n2@{practice}.test")).await;
    (id, app.accept(&format!("n1@{practice}.test")).await)
}

#[actix_web::test]
async fn entries_and_weekly_talks_show_each_reader_only_what_they_may_see() {
    let app = TestApp::spawn().await;
    let c = couple(&app, "jv").await;
    let (_, neighbour_partner) = neighbour(&app, &c, "jv").await;
    let away = couple(&app, "jv-away").await;
    entry(&app, &c, &c.a, "A private", "private").await;
    app.clock.advance(Duration::seconds(1));
    entry(&app, &c, &c.a, "A for clinician", "clinician").await;
    app.clock.advance(Duration::seconds(1));
    entry(&app, &c, &c.a, "A shared", "shared").await;
    app.clock.advance(Duration::seconds(1));
    entry(&app, &c, &c.b, "B shared", "shared").await;
    assert_eq!(talk(&app, &c, &c.a, "A-talk", "clinician_only").await.status, 201);
    app.clock.advance(Duration::seconds(1));
    let b_talk = talk(&app, &c, &c.b, "B-talk", "shared_with_partner").await;
    assert_eq!(b_talk.status, 201, "{}", b_talk.raw);
    assert_eq!(b_talk.body["kind"], "weekly_talk");
    assert!(b_talk.body.get("felt_good").is_none() && b_talk.body.get("stress").is_none(), "{}", b_talk.raw);

    // The journal list, newest first.
    assert_eq!(journal(&app, &c, &c.a, "").await, ["B shared", "A shared", "A for clinician", "A private"]);
    assert_eq!(journal(&app, &c, &c.b, "").await, ["B shared", "A shared"]);
    assert_eq!(journal(&app, &c, &c.clin, "").await, ["B shared", "A shared", "A for clinician"]);
    for token in [&c.a, &c.b, &c.clin] {
        assert_eq!(journal(&app, &c, token, "?scope=shared").await, ["B shared", "A shared"]);
    }
    // The timeline, oldest first.
    let talk_words = |w: &[&str]| w.iter().map(|s| format!("{s} thanks")).collect::<Vec<_>>();
    let (a_entries, a_talks) = timeline(&app, &c, &c.a).await;
    assert_eq!(a_entries, ["A private", "A for clinician", "A shared", "B shared"]);
    assert_eq!(a_talks, talk_words(&["A-talk", "B-talk"]));
    let (b_entries, b_talks) = timeline(&app, &c, &c.b).await;
    assert_eq!(b_entries, ["A shared", "B shared"]);
    assert_eq!(b_talks, talk_words(&["B-talk"]));
    let (clin_entries, clin_talks) = timeline(&app, &c, &c.clin).await;
    assert_eq!(clin_entries, ["A for clinician", "A shared", "B shared"]);
    assert_eq!(clin_talks, talk_words(&["A-talk", "B-talk"]));
    // The check-in list, newest first.
    assert_eq!(talks(&app, &c, &c.a).await, talk_words(&["B-talk", "A-talk"]));
    assert_eq!(talks(&app, &c, &c.b).await, talk_words(&["B-talk"]));
    assert_eq!(talks(&app, &c, &c.clin).await, talk_words(&["B-talk", "A-talk"]));
    // The export and progress (clinicians): never the private entry.
    let export = app.get(&format!("/api/v1/couples/{}/export", c.id), &c.clin).await;
    assert_eq!(export.status, 200, "{}", export.raw);
    assert_eq!(texts(&json!({"items": export.body["journal_entries"]})), ["A for clinician", "A shared", "B shared"]);
    let exported_talks = export.body["check_ins"].as_array().unwrap().iter().filter(|i| i["kind"] == "weekly_talk");
    assert_eq!(exported_talks.count(), 2);
    let progress = app.get(&format!("/api/v1/couples/{}/progress", c.id), &c.clin).await;
    assert_eq!(progress.status, 200, "{}", progress.raw);
    let reflection = progress.body["reflection"].as_array().unwrap();
    let of = |id: &str| reflection.iter().find(|r| r["partner_id"] == id).unwrap().clone();
    assert_eq!(of(&c.a_id)["journal_entries"], 2, "the private entry does not count");
    assert_eq!(of(&c.b_id)["journal_entries"], 1);
    assert_eq!(of(&c.a_id)["weekly_talks"], 1);
    assert_eq!(of(&c.b_id)["last_weekly_talk"]["next_steps"], "B-talk plan");
    for (path, reader) in [("export", &c.a), ("progress", &c.b)] {
        app.get(&format!("/api/v1/couples/{}/{path}", c.id), reader).await.assert_problem(403);
    }
    // Nothing of A's private entry reaches anyone else, anywhere.
    let routes = ["journal", "timeline?limit=200", "check-ins", "export", "progress", "milestones"];
    for token in [&c.b, &c.clin] {
        for route in routes {
            let r = app.get(&format!("/api/v1/couples/{}/{route}", c.id), token).await;
            assert!(!r.raw.contains("A private"), "{route}: {}", r.raw);
        }
        assert!(!app.get("/api/v1/me/agenda", token).await.raw.contains("A private"));
    }
    // Another couple's partner and another practice's people know nothing of it.
    for token in [&neighbour_partner, &away.a, &away.clin] {
        for route in ["journal", "journal-prompt-assignments", "check-ins", "timeline"] {
            app.get(&format!("/api/v1/couples/{}/{route}", c.id), token).await.assert_problem(404);
        }
        write(&app, &c, token, json!({"text": "x", "visibility": "shared"})).await.assert_problem(404);
    }
    // The clinician writes no entries; a weekly talk is not the day's check-in.
    write(&app, &c, &c.clin, json!({"text": "x", "visibility": "shared"})).await.assert_problem(403);
    assert_eq!(app.get("/api/v1/me/agenda", &c.a).await.body["check_in_due"], true);
}

/// Every body and ETag partner B can read that an entry could touch.
async fn b_views(app: &TestApp, c: &Couple) -> Vec<(String, u16, Option<String>, Value)> {
    let mut out = Vec::new();
    let couple = format!("/api/v1/couples/{}", c.id);
    let paths = [
        format!("{couple}/journal"),
        format!("{couple}/journal?scope=shared"),
        format!("{couple}/journal-prompt-assignments"),
        format!("{couple}/timeline"),
        format!("{couple}/check-ins"),
        format!("{couple}/milestones"),
        couple.clone(),
        "/api/v1/couples".to_owned(),
        "/api/v1/me/agenda".to_owned(),
        "/api/v1/me".to_owned(),
    ];
    for path in paths {
        let r = app.get(&path, &c.b).await;
        out.push((path, r.status.as_u16(), r.header("etag").map(str::to_owned), r.body));
    }
    out
}

#[actix_web::test]
async fn a_partners_private_entry_or_answer_leaves_no_trace_for_the_other() {
    let app = TestApp::spawn().await;
    let c = couple(&app, "jt").await;
    let both = assign(&app, &c, SMALL_WIN, None).await;
    entry(&app, &c, &c.b, "B's own shared", "shared").await;
    app.clock.advance(Duration::minutes(2));
    let before = b_views(&app, &c).await;
    app.clock.advance(Duration::minutes(3));
    let answer =
        write(&app, &c, &c.a, json!({"assignment_id": both, "text": "only mine", "visibility": "private"})).await;
    assert_eq!(answer.status, 201, "{}", answer.raw);
    assert_eq!(answer.body["prompt_id"], SMALL_WIN, "an answer names its assignment's prompt");
    app.clock.advance(Duration::minutes(1));
    entry(&app, &c, &c.a, "for the clinician", "clinician").await;
    let after = b_views(&app, &c).await;
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(b, a, "{} moved after A's private entries", b.0);
    }
    // A's agenda lost the assignment; B's (above, unchanged) still has it.
    assert_eq!(app.get("/api/v1/me/agenda", &c.a).await.body["journal_prompts"], json!([]));
    assert_eq!(after[8].3["journal_prompts"][0]["id"], both.as_str());
}

#[actix_web::test]
async fn assignments_wait_on_each_partners_agenda_until_they_answer() {
    let app = TestApp::spawn().await;
    let c = couple(&app, "ja").await;
    let both = assign(&app, &c, SMALL_WIN, None).await;
    app.clock.advance(Duration::seconds(1));
    let a_only = assign(&app, &c, NAMING_LOSS, Some(&c.a_id)).await;
    let agenda = |token: String| {
        let app = &app;
        async move {
            let r = app.get("/api/v1/me/agenda", &token).await;
            assert_eq!(r.status, 200, "{}", r.raw);
            r.body["journal_prompts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(agenda(c.a.clone()).await, [both.clone(), a_only.clone()], "oldest first");
    assert_eq!(agenda(c.b.clone()).await, [both.as_str()], "B never sees A's own assignment");
    let list = format!("/api/v1/couples/{}/journal-prompt-assignments", c.id);
    let b_list = app.get(&list, &c.b).await;
    assert_eq!(b_list.body["items"].as_array().unwrap().len(), 1, "{}", b_list.raw);
    assert_eq!(b_list.body["items"][0]["answered"], false);
    assert_eq!(b_list.body["items"][0]["prompt"]["title"], "A small win this week");
    let clin_list = app.get(&list, &c.clin).await;
    assert_eq!(clin_list.body["items"].as_array().unwrap().len(), 2);
    assert_eq!(clin_list.body["items"][0]["answered"], Value::Null, "clinicians never learn who answered");

    // A answers the shared assignment (in the shared journal): it leaves A's agenda only.
    let r = write(&app, &c, &c.a, json!({"assignment_id": both, "text": "a win", "visibility": "shared"})).await;
    assert_eq!(r.status, 201, "{}", r.raw);
    assert_eq!(agenda(c.a.clone()).await, [a_only.as_str()]);
    assert_eq!(agenda(c.b.clone()).await, [both.as_str()]);
    let a_list = app.get(&list, &c.a).await;
    let answered: Vec<&Value> = a_list.body["items"].as_array().unwrap().iter().map(|i| &i["answered"]).collect();
    assert_eq!(answered, [&json!(false), &json!(true)], "newest first: A's own, then the answered one");
    // B cannot answer A's own assignment.
    let r = write(&app, &c, &c.b, json!({"assignment_id": a_only, "text": "x", "visibility": "shared"})).await;
    r.assert_problem(422);
    assert_eq!(r.body["errors"][0]["field"], "assignment_id");

    // Removing one takes it off the agenda; only clinicians remove.
    app.call("DELETE", &format!("{list}/{a_only}"), Some(&c.a), None).await.assert_problem(403);
    assert_eq!(app.call("DELETE", &format!("{list}/{a_only}"), Some(&c.clin), None).await.status, 204);
    assert_eq!(agenda(c.a.clone()).await, Vec::<String>::new());
    app.call("DELETE", &format!("{list}/{a_only}"), Some(&c.clin), None).await.assert_problem(404);
    // Another couple's assignment is not reachable through this couple.
    let (other, _) = neighbour(&app, &c, "ja").await;
    let path = format!("/api/v1/couples/{other}/journal-prompt-assignments");
    let theirs = app.post(&path, Some(&c.clin), json!({"prompt_id": SMALL_WIN})).await;
    let theirs = theirs.body["id"].as_str().unwrap().to_owned();
    app.call("DELETE", &format!("{list}/{theirs}"), Some(&c.clin), None).await.assert_problem(404);
}

#[actix_web::test]
async fn the_prompt_library_has_read_only_built_ins_and_the_practices_own() {
    let app = TestApp::spawn().await;
    let c = couple(&app, "jp").await;
    let away = couple(&app, "jp-away").await;
    let admin = app.token("admin@jp.test").await;
    let library = |token: String| {
        let app = &app;
        async move {
            let r = app.get("/api/v1/journal-prompts?limit=200", &token).await;
            assert_eq!(r.status, 200, "{}", r.raw);
            r.body["items"].as_array().unwrap().clone()
        }
    };
    let built_in = library(c.a.clone()).await;
    assert!((6..=8).contains(&built_in.len()), "{built_in:?}");
    assert!(built_in.iter().all(|p| p["builtin"] == true));
    assert_eq!(built_in[0]["id"], NAMING_LOSS);
    let new = json!({"title": "A door we closed", "text": "What did you stop asking for?"});
    app.post("/api/v1/journal-prompts", Some(&c.a), new.clone()).await.assert_problem(403);
    app.post("/api/v1/journal-prompts", Some(&admin), new.clone()).await.assert_problem(403);
    let own = app.post("/api/v1/journal-prompts", Some(&c.clin), new).await;
    assert_eq!(own.status, 201, "{}", own.raw);
    assert_eq!(own.body["builtin"], false);
    let own = own.body["id"].as_str().unwrap().to_owned();
    for token in [&c.a, &admin, &c.clin] {
        let all = library(token.clone()).await;
        assert_eq!(all.last().unwrap()["id"], own.as_str(), "the practice's own come after the built-ins");
    }
    assert_eq!(library(away.clin.clone()).await.len(), built_in.len(), "another practice never sees it");
    // Built-ins are read-only; another practice's prompt does not exist.
    let del = |token: String, id: String| {
        let app = &app;
        async move { app.call("DELETE", &format!("/api/v1/journal-prompts/{id}"), Some(&token), None).await }
    };
    let refused = del(c.clin.clone(), SMALL_WIN.into()).await;
    refused.assert_problem(409);
    assert_eq!(refused.body["type"], "urn:tandem:problem:builtin_prompt");
    del(c.a.clone(), SMALL_WIN.into()).await.assert_problem(403);
    del(away.clin.clone(), own.clone()).await.assert_problem(404);
    let path = format!("/api/v1/couples/{}/journal-prompt-assignments", away.id);
    let foreign = app.post(&path, Some(&away.clin), json!({"prompt_id": own})).await;
    foreign.assert_problem(422);
    assert_eq!(foreign.body["errors"][0]["field"], "prompt_id");
    // Archived: gone from the library, no longer assignable; an assignment made before stays.
    let kept = assign(&app, &c, &own, None).await;
    assert_eq!(del(c.clin.clone(), own.clone()).await.status, 204);
    assert_eq!(library(c.clin.clone()).await.len(), built_in.len());
    del(c.clin.clone(), own.clone()).await.assert_problem(404);
    let path = format!("/api/v1/couples/{}/journal-prompt-assignments", c.id);
    app.post(&path, Some(&c.clin), json!({"prompt_id": own})).await.assert_problem(422);
    let answer =
        write(&app, &c, &c.a, json!({"assignment_id": kept, "text": "still here", "visibility": "private"})).await;
    assert_eq!(answer.status, 201, "{}", answer.raw);
    let chosen = write(&app, &c, &c.a, json!({"prompt_id": own, "text": "x", "visibility": "private"})).await;
    chosen.assert_problem(422);
}

#[actix_web::test]
async fn a_retried_entry_is_written_once() {
    let app = TestApp::spawn().await;
    let c = couple(&app, "ji").await;
    let path = format!("/api/v1/couples/{}/journal", c.id);
    let body = json!({"prompt_id": SMALL_WIN, "text": "on a train", "visibility": "shared"});
    let send = |b: Value| app.call_with("POST", &path, Some(&c.a), Some(b), &[("Idempotency-Key", "entry-1")]);
    let first = send(body.clone()).await;
    assert_eq!(first.status, 201, "{}", first.raw);
    let again = send(body).await;
    assert_eq!(again.status, 201, "{}", again.raw);
    assert_eq!(again.body["id"], first.body["id"]);
    send(json!({"text": "another", "visibility": "shared"})).await.assert_problem(422);
    assert_eq!(journal(&app, &c, &c.a, "").await, ["on a train"]);
}

#[actix_web::test]
async fn bad_input_is_named_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let c = couple(&app, "jb").await;
    let away = couple(&app, "jb-away").await;
    let (other_couple, other_partner) = neighbour(&app, &c, "jb").await;
    let theirs = app
        .post(&format!("/api/v1/couples/{other_couple}/milestones"), Some(&other_partner), json!({"title": "theirs"}))
        .await;
    let theirs = theirs.body["id"].as_str().unwrap().to_owned();
    let own_prompt = app.post("/api/v1/journal-prompts", Some(&away.clin), json!({"title": "t", "text": "x"})).await;
    let away_prompt = own_prompt.body["id"].as_str().unwrap().to_owned();
    let ok = json!({"text": "fine", "visibility": "shared"});
    let with = |field: &str, value: Value| {
        let mut b = ok.clone();
        b[field] = value;
        b
    };
    let entries = [
        (with("visibility", json!("everyone")), "visibility"),
        (with("text", json!("   ")), "text"),
        (with("text", json!("x".repeat(8001))), "text"),
        (with("milestone_ids", json!([theirs])), "milestone_ids"),
        (with("milestone_ids", json!(["not-an-id"])), "milestone_ids"),
        (with("prompt_id", json!(away_prompt)), "prompt_id"),
        (with("assignment_id", json!(uuid::Uuid::now_v7().to_string())), "assignment_id"),
    ];
    for (body, field) in entries {
        let r = write(&app, &c, &c.a, body).await;
        r.assert_problem(422);
        assert_eq!(r.body["errors"][0]["field"], field, "{}", r.raw);
    }
    let checkins = format!("/api/v1/couples/{}/check-ins", c.id);
    let daily =
        json!({"felt_good": "a", "was_hard": "b", "to_adjust": "c", "stress": 2, "visibility": "clinician_only"});
    let weekly = json!({"kind": "weekly_talk", "gratitude": "a", "frustrations": "b", "next_steps": "c", "visibility": "clinician_only"});
    let mut daily_with_gratitude = daily.clone();
    daily_with_gratitude["gratitude"] = json!("thanks");
    let mut weekly_with_stress = weekly.clone();
    weekly_with_stress["stress"] = json!(3);
    let mut weekly_without_plan = weekly.clone();
    weekly_without_plan.as_object_mut().unwrap().remove("next_steps");
    let mut monthly = weekly.clone();
    monthly["kind"] = json!("monthly");
    let mut long = weekly.clone();
    long["frustrations"] = json!("x".repeat(2001));
    for (body, field) in [
        (daily_with_gratitude, "gratitude"),
        (weekly_with_stress, "stress"),
        (weekly_without_plan, "next_steps"),
        (monthly, "kind"),
        (long, "frustrations"),
    ] {
        let r = app.post(&checkins, Some(&c.a), body).await;
        r.assert_problem(422);
        assert_eq!(r.body["errors"][0]["field"], field, "{}", r.raw);
    }
    let assignments = format!("/api/v1/couples/{}/journal-prompt-assignments", c.id);
    for (body, field) in [
        (json!({"prompt_id": SMALL_WIN, "partner_id": away.a_id}), "partner_id"),
        (json!({"prompt_id": "nope"}), "prompt_id"),
    ] {
        let r = app.post(&assignments, Some(&c.clin), body).await;
        r.assert_problem(422);
        assert_eq!(r.body["errors"][0]["field"], field, "{}", r.raw);
    }
    let r = app.post("/api/v1/journal-prompts", Some(&c.clin), json!({"title": "", "text": "x"})).await;
    r.assert_problem(422);
    assert_eq!(r.body["errors"][0]["field"], "title");
    let r = app.get(&format!("/api/v1/couples/{}/journal?scope=mine", c.id), &c.a).await;
    r.assert_problem(422);
    assert_eq!(r.body["errors"][0]["field"], "scope");
    // Nothing was written.
    assert_eq!(journal(&app, &c, &c.a, "").await, Vec::<String>::new());
    let listed = app.get(&checkins, &c.a).await;
    assert_eq!(listed.body["items"], json!([]), "{}", listed.raw);
    assert_eq!(app.get(&assignments, &c.clin).await.body["items"], json!([]));
    assert_eq!(app.get("/api/v1/journal-prompts?limit=200", &c.clin).await.body["items"].as_array().unwrap().len(), 8);
    // The old daily body still works, and a discharged couple writes nothing new.
    assert_eq!(app.post(&checkins, Some(&c.a), daily).await.body["kind"], "daily");
    let done = app.patch(&format!("/api/v1/couples/{}", c.id), &c.clin, json!({"status": "discharged"})).await;
    assert_eq!(done.status, 200, "{}", done.raw);
    let refused = write(&app, &c, &c.a, ok).await;
    refused.assert_problem(409);
    assert_eq!(refused.body["type"], "urn:tandem:problem:not_in_treatment");
    app.post(&checkins, Some(&c.a), weekly).await.assert_problem(409);
}

#[actix_web::test]
async fn done_when_both_partners_journal_one_private_one_shared() {
    let app = TestApp::spawn().await;
    let c = couple(&app, "jd").await;
    // The clinician assigns "Naming what was lost" to both partners.
    let assignment = assign(&app, &c, NAMING_LOSS, None).await;
    let milestone = app
        .post(&format!("/api/v1/couples/{}/milestones", c.id), Some(&c.a), json!({"title": "Talked it through"}))
        .await;
    let milestone = milestone.body["id"].as_str().unwrap().to_owned();
    // A answers in the shared journal, linking the milestone; B keeps a private entry.
    let shared = write(
        &app,
        &c,
        &c.a,
        json!({"assignment_id": assignment, "text": "We lost ease, not each other.", "visibility": "shared", "milestone_ids": [milestone]}),
    )
    .await;
    assert_eq!(shared.status, 201, "{}", shared.raw);
    assert_eq!(shared.body["milestone_ids"], json!([milestone]));
    app.clock.advance(Duration::seconds(1));
    entry(&app, &c, &c.b, "I miss how it was and I am scared to say so.", "private").await;
    assert_eq!(journal(&app, &c, &c.a, "").await, ["We lost ease, not each other."]);
    assert_eq!(
        journal(&app, &c, &c.b, "").await,
        ["I miss how it was and I am scared to say so.", "We lost ease, not each other."]
    );
    assert_eq!(journal(&app, &c, &c.clin, "").await, ["We lost ease, not each other."]);
    assert_eq!(journal(&app, &c, &c.b, "?scope=shared").await, ["We lost ease, not each other."]);
    // B's private entry did not answer the assignment: it still waits on B's agenda.
    assert_eq!(app.get("/api/v1/me/agenda", &c.b).await.body["journal_prompts"][0]["id"], assignment.as_str());
    assert_eq!(app.get("/api/v1/me/agenda", &c.a).await.body["journal_prompts"], json!([]));
}
