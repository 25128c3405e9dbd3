//! Plan templates, used as a clinician would: the built-ins read-only and copyable, the
//! practice's own with ETags, plans drafted from them with snapshots and provenance, and
//! exercises the couple's agreement rules out listed rather than dropped.

use serde_json::{Value, json};

use crate::plans::{Couple, acknowledge, consent, couple, status, write_agreement};
use crate::support::{Reply, TestApp};

const GRIEF: &str = "00000000-0000-7000-8000-000000000002";
const TOUCH: &str = "00000000-0000-7000-8000-000000000001";

async fn library_id(app: &TestApp, token: &str, title: &str) -> String {
    let list = app.get("/api/v1/exercises?limit=200", token).await;
    list.body["items"].as_array().unwrap().iter().find(|e| e["title"] == title).unwrap_or_else(|| panic!("{title}"))
        ["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn create(app: &TestApp, token: &str, body: Value) -> Reply {
    app.post("/api/v1/plan-templates", Some(token), body).await
}

async fn template(app: &TestApp, token: &str, id: &str) -> Reply {
    app.get(&format!("/api/v1/plan-templates/{id}"), token).await
}

async fn edit(app: &TestApp, token: &str, id: &str, tag: Option<&str>, body: Value) -> Reply {
    let headers: Vec<(&str, &str)> = tag.map(|t| vec![("If-Match", t)]).unwrap_or_default();
    app.call_with("PATCH", &format!("/api/v1/plan-templates/{id}"), Some(token), Some(body), &headers).await
}

async fn archive(app: &TestApp, token: &str, id: &str, tag: Option<&str>) -> Reply {
    let headers: Vec<(&str, &str)> = tag.map(|t| vec![("If-Match", t)]).unwrap_or_default();
    app.call_with("DELETE", &format!("/api/v1/plan-templates/{id}"), Some(token), None, &headers).await
}

async fn draft_from(app: &TestApp, c: &Couple, body: Value) -> Reply {
    app.post(&format!("/api/v1/couples/{}/plans", c.id), Some(&c.clin), body).await
}

fn ids(list: &Reply) -> Vec<String> {
    list.body["items"].as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap().to_owned()).collect()
}

fn fields(reply: &Reply) -> Vec<String> {
    reply.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect()
}

#[actix_web::test]
async fn built_ins_are_listed_first_read_only_and_copyable() {
    let app = TestApp::spawn().await;
    let c = couple(&app, "riverside").await;
    let list = app.get("/api/v1/plan-templates", &c.clin).await;
    assert_eq!(list.status, 200, "{}", list.raw);
    assert_eq!(ids(&list), [TOUCH, GRIEF]);
    assert_eq!(list.body["items"][0]["title"], "Gradual return to touch");
    assert_eq!(list.body["items"][1]["builtin"], true);

    let grief = template(&app, &c.clin, GRIEF).await;
    assert_eq!(grief.status, 200, "{}", grief.raw);
    let tag = grief.header("etag").unwrap().to_owned();
    let titles: Vec<&str> =
        grief.body["steps"].as_array().unwrap().iter().map(|s| s["title"].as_str().unwrap()).collect();
    assert_eq!(
        titles,
        [
            "Naming the grief together",
            "Needs map",
            "Journaling",
            "Nonsexual touch",
            "Breathing together",
            "Reconnect nights"
        ]
    );
    // The exercises are the practice's own copies of the starters.
    let needs_map = library_id(&app, &c.clin, "Needs map").await;
    assert_eq!(grief.body["steps"][1]["exercises"][0]["exercise_id"], needs_map.as_str());

    let touch = template(&app, &c.clin, TOUCH).await;
    let sensate = &touch.body["steps"][5]["exercises"][0];
    assert_eq!(sensate["title"], "Sensate focus, stage 2");
    assert!(sensate["tags"].as_array().unwrap().contains(&json!("touch:genital")), "{sensate}");

    let patched = edit(&app, &c.clin, GRIEF, Some(&tag), json!({"title": "Mine now"})).await;
    patched.assert_problem(409);
    assert_eq!(patched.body["type"], "urn:tandem:problem:not_editable");
    archive(&app, &c.clin, GRIEF, Some(&tag)).await.assert_problem(409);
    assert_eq!(template(&app, &c.clin, GRIEF).await.body, grief.body, "unchanged");

    let copy = create(&app, &c.clin, json!({"copy_of": GRIEF, "title": "Grief, our way"})).await;
    assert_eq!(copy.status, 201, "{}", copy.raw);
    assert_eq!(copy.body["builtin"], false);
    assert_eq!(copy.body["version"], 1);
    assert_eq!(copy.body["title"], "Grief, our way");
    assert_eq!(copy.body["goal"], grief.body["goal"]);
    assert_eq!(copy.body["steps"], grief.body["steps"]);
    let id = copy.body["id"].as_str().unwrap();
    assert_eq!(copy.header("location"), Some(format!("/api/v1/plan-templates/{id}").as_str()));
    let list = app.get("/api/v1/plan-templates", &c.clin).await;
    assert_eq!(ids(&list), [TOUCH, GRIEF, id]);
    // Paged with the one pagination helper, across built-ins and the practice's own.
    let first = app.get("/api/v1/plan-templates?limit=2", &c.clin).await;
    assert_eq!(ids(&first), [TOUCH, GRIEF]);
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let second = app.get(&format!("/api/v1/plan-templates?limit=2&cursor={cursor}"), &c.clin).await;
    assert_eq!(ids(&second), [id]);
    assert!(second.body["next_cursor"].is_null());
}

#[actix_web::test]
async fn templates_are_edited_and_archived_at_the_version_read() {
    let app = TestApp::spawn().await;
    let c = couple(&app, "riverside").await;
    let hands = library_id(&app, &c.clin, "Holding hands").await;
    let breathing = library_id(&app, &c.clin, "Paced breathing").await;
    let created = create(
        &app,
        &c.clin,
        json!({"title": "Hands first", "goal": "Ease", "steps": [
            {"title": "Breathe", "exercise_ids": [breathing]},
            {"title": "Hands", "target_per_week": 4, "criteria": {"min_sessions": 2, "target_suds": 25, "setback_suds": 60, "window_days": 10}, "exercise_ids": [hands, breathing]}
        ]}),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.raw);
    let id = created.body["id"].as_str().unwrap().to_owned();
    let v1 = created.header("etag").unwrap().to_owned();
    assert_eq!(created.body["steps"][1]["criteria"]["window_days"], 10);
    assert_eq!(created.body["steps"][0]["target_per_week"], 3, "default");
    assert_eq!(template(&app, &c.clin, &id).await.header("etag"), Some(v1.as_str()));

    edit(&app, &c.clin, &id, None, json!({"title": "x"})).await.assert_problem(428);
    let renamed = edit(&app, &c.clin, &id, Some(&v1), json!({"title": "Hands, gently"})).await;
    assert_eq!(renamed.status, 200, "{}", renamed.raw);
    assert_eq!(renamed.body["version"], 2);
    assert_eq!(renamed.body["steps"], created.body["steps"], "steps untouched");
    let v2 = renamed.header("etag").unwrap().to_owned();
    assert_ne!(v1, v2);
    edit(&app, &c.clin, &id, Some(&v1), json!({"title": "Stale"})).await.assert_problem(412);
    let steps =
        edit(&app, &c.clin, &id, Some(&v2), json!({"steps": [{"title": "Only hands", "exercise_ids": [hands]}]})).await;
    assert_eq!(steps.status, 200, "{}", steps.raw);
    assert_eq!(steps.body["steps"].as_array().unwrap().len(), 1);
    let v3 = steps.header("etag").unwrap().to_owned();

    archive(&app, &c.clin, &id, None).await.assert_problem(428);
    archive(&app, &c.clin, &id, Some(&v2)).await.assert_problem(412);
    assert_eq!(archive(&app, &c.clin, &id, Some(&v3)).await.status, 204);
    let archived = template(&app, &c.clin, &id).await;
    assert!(archived.body["archived_at"].is_string(), "{}", archived.raw);
    assert_eq!(archived.body["version"], 4);
    let v4 = archived.header("etag").unwrap().to_owned();
    assert_eq!(archive(&app, &c.clin, &id, Some(&v4)).await.status, 204, "archiving twice is harmless");
    edit(&app, &c.clin, &id, Some(&v4), json!({"title": "Back"})).await.assert_problem(409);
    assert!(!ids(&app.get("/api/v1/plan-templates", &c.clin).await).contains(&id), "out of the list");
    let unusable = draft_from(&app, &c, json!({"template_id": id})).await;
    unusable.assert_problem(422);
    assert_eq!(fields(&unusable), ["template_id"]);

    app.state.audit.flush().await;
    let admin = app.token("admin@riverside.test").await;
    let log = app.get("/api/v1/audit-events?limit=200", &admin).await;
    let actions: Vec<&str> =
        log.body["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for expected in ["plan_template.create", "plan_template.read", "plan_template.update", "plan_template.archive"] {
        assert!(actions.contains(&expected), "{expected} in {actions:?}");
    }
    assert!(!log.raw.contains("Hands, gently"), "no template text in the log");
}

#[actix_web::test]
async fn clinicians_write_admins_read_partners_and_other_practices_are_refused() {
    let app = TestApp::spawn().await;
    let c = couple(&app, "riverside").await;
    let other = couple(&app, "hillside").await;
    let admin = app.token("admin@riverside.test").await;
    let copy = create(&app, &c.clin, json!({"copy_of": TOUCH})).await;
    let id = copy.body["id"].as_str().unwrap().to_owned();
    let tag = copy.header("etag").unwrap().to_owned();

    assert_eq!(app.get("/api/v1/plan-templates", &admin).await.status, 200);
    let read = template(&app, &admin, &id).await;
    assert_eq!(read.status, 200, "{}", read.raw);
    create(&app, &admin, json!({"copy_of": TOUCH})).await.assert_problem(403);
    edit(&app, &admin, &id, Some(&tag), json!({"title": "x"})).await.assert_problem(403);
    archive(&app, &admin, &id, Some(&tag)).await.assert_problem(403);

    for partner in [&c.a, &c.b] {
        app.get("/api/v1/plan-templates", partner).await.assert_problem(403);
        template(&app, partner, &id).await.assert_problem(403);
        template(&app, partner, GRIEF).await.assert_problem(403);
        create(&app, partner, json!({"copy_of": TOUCH})).await.assert_problem(403);
        edit(&app, partner, &id, Some(&tag), json!({"title": "x"})).await.assert_problem(403);
        archive(&app, partner, &id, Some(&tag)).await.assert_problem(403);
    }

    // Another practice's template does not exist, and cannot be copied or used.
    template(&app, &other.clin, &id).await.assert_problem(404);
    edit(&app, &other.clin, &id, Some(&tag), json!({"title": "x"})).await.assert_problem(404);
    archive(&app, &other.clin, &id, Some(&tag)).await.assert_problem(404);
    assert_eq!(ids(&app.get("/api/v1/plan-templates", &other.clin).await), [TOUCH, GRIEF]);
    let copied = create(&app, &other.clin, json!({"copy_of": id})).await;
    copied.assert_problem(422);
    assert_eq!(fields(&copied), ["copy_of"]);
    let used = draft_from(&app, &other, json!({"template_id": id})).await;
    used.assert_problem(422);
    assert_eq!(fields(&used), ["template_id"]);
    assert_eq!(template(&app, &c.clin, &id).await.header("etag"), Some(tag.as_str()), "nothing changed");

    // Plan creation's own refusals still apply: a discharged couple gets no new plan.
    let discharged = app.patch(&format!("/api/v1/couples/{}", c.id), &c.clin, json!({"status": "discharged"})).await;
    assert_eq!(discharged.status, 200, "{}", discharged.raw);
    let refused = draft_from(&app, &c, json!({"template_id": GRIEF})).await;
    refused.assert_problem(409);
    assert_eq!(refused.body["type"], "urn:tandem:problem:not_in_treatment");
    // ...and only the couple's clinicians draft plans for it.
    let stranger =
        app.post(&format!("/api/v1/couples/{}/plans", c.id), Some(&other.clin), json!({"template_id": GRIEF})).await;
    stranger.assert_problem(404);
    let outsider =
        app.post(&format!("/api/v1/couples/{}/plans", c.id), Some(&admin), json!({"template_id": GRIEF})).await;
    outsider.assert_problem(403);
}

#[actix_web::test]
async fn a_plan_from_a_template_takes_snapshots_and_records_its_provenance() {
    let app = TestApp::spawn().await;
    let c = couple(&app, "riverside").await;
    let copy = create(&app, &c.clin, json!({"copy_of": GRIEF})).await;
    let id = copy.body["id"].as_str().unwrap().to_owned();
    let drafted = draft_from(&app, &c, json!({"template_id": id, "goal": "Our own words"})).await;
    assert_eq!(drafted.status, 201, "{}", drafted.raw);
    let plan_id = drafted.body["id"].as_str().unwrap().to_owned();
    assert_eq!(drafted.header("location"), Some(format!("/api/v1/plans/{plan_id}").as_str()));
    assert_eq!(drafted.body["status"], "draft");
    assert_eq!(drafted.body["title"], "Grief and reconnection", "the template's title by default");
    assert_eq!(drafted.body["goal"], "Our own words");
    assert_eq!(drafted.body["template"], json!({"template_id": id, "template_version": 1}));
    assert_eq!(drafted.body["left_out"], json!([]));
    let steps = drafted.body["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 6);
    for (step, source) in steps.iter().zip(copy.body["steps"].as_array().unwrap()) {
        assert_eq!(step["title"], source["title"]);
        assert_eq!(step["status"], "not_started");
        assert_eq!(step["criteria"], source["criteria"]);
        assert_eq!(step["exercises"][0]["exercise_id"], source["exercises"][0]["exercise_id"]);
        assert!(step["exercises"][0]["instructions"].as_str().is_some_and(|i| !i.is_empty()), "a full snapshot");
    }
    let before = app.get(&format!("/api/v1/plans/{plan_id}"), &c.clin).await;
    assert_eq!(before.body["template"]["template_id"], id.as_str());

    // Editing the template afterwards does not reach the plan.
    let tag = copy.header("etag").unwrap();
    let changed =
        edit(&app, &c.clin, &id, Some(tag), json!({"title": "Changed", "steps": [{"title": "One step"}]})).await;
    assert_eq!(changed.status, 200, "{}", changed.raw);
    let after = app.get(&format!("/api/v1/plans/{plan_id}"), &c.clin).await;
    assert_eq!(after.body, before.body);
    assert_eq!(after.header("etag"), before.header("etag"));
    // A second plan from the edited template records the new version.
    let second = draft_from(&app, &c, json!({"template_id": id})).await;
    assert_eq!(second.body["template"]["template_version"], 2, "{}", second.raw);
    assert_eq!(second.body["steps"][0]["exercises"], json!([]));

    // Partners see the plan's content, not the practice's templates behind it.
    let seen = app.get(&format!("/api/v1/plans/{plan_id}"), &c.a).await;
    assert_eq!(seen.body["steps"].as_array().unwrap().len(), 6);
    assert!(seen.body["template"].is_null(), "{}", seen.raw);
    app.state.audit.flush().await;
    let admin = app.token("admin@riverside.test").await;
    let log = app.get(&format!("/api/v1/audit-events?couple_id={}&limit=200", c.id), &admin).await;
    assert!(log.raw.contains("plan_template.use") && log.raw.contains("plan.create"), "{}", log.raw);
}

#[actix_web::test]
async fn exercises_the_agreement_rules_out_are_listed_not_dropped() {
    let app = TestApp::spawn().await;
    let c = couple(&app, "riverside").await;
    // Governing terms include a version awaiting acknowledgement, as for adding by hand.
    write_agreement(&app, &c, &["touch:genital"], &["touch:massage"]).await;
    let drafted = draft_from(&app, &c, json!({"template_id": TOUCH, "title": "Touch, slowly"})).await;
    assert_eq!(drafted.status, 201, "{}", drafted.raw);
    let steps = drafted.body["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 6, "every step is created");
    let left: Vec<(i64, &str, &str, Vec<&str>)> = drafted.body["left_out"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let tags = l["off_limits_tags"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
            (
                l["step_position"].as_i64().unwrap(),
                l["exercise_title"].as_str().unwrap(),
                l["reason"].as_str().unwrap(),
                tags,
            )
        })
        .collect();
    assert_eq!(
        left,
        [
            (3, "Hand and foot massage", "off_limits", vec!["touch:massage"]),
            (5, "Sensate focus, stage 2", "off_limits", vec!["touch:genital"]),
        ]
    );
    assert_eq!(drafted.body["left_out"][0]["step_id"], steps[3]["id"]);
    assert_eq!(steps[3]["exercises"], json!([]), "the clinician decides: swap or remove");
    let kept: Vec<&str> =
        steps[5]["exercises"].as_array().unwrap().iter().map(|e| e["title"].as_str().unwrap()).collect();
    assert_eq!(kept, ["Paced breathing"]);
    assert!(!drafted.raw.contains("my private words"), "the agreement's words stay out");

    // An exercise archived since the template was written is listed too.
    let thanks = library_id(&app, &c.clin, "Appreciation exchange").await;
    let own =
        create(&app, &c.clin, json!({"title": "Own", "steps": [{"title": "Thanks", "exercise_ids": [thanks]}]})).await;
    let custom = app
        .post("/api/v1/exercises", Some(&c.clin), json!({"title": "Own talk", "category": "connection", "instructions": "Talk.", "duration_minutes": 5, "intensity": 5, "exit_strategy": "Stop.", "tags": ["conversation"]}))
        .await;
    let custom_id = custom.body["id"].as_str().unwrap().to_owned();
    let own_id = own.body["id"].as_str().unwrap().to_owned();
    let tag = own.header("etag").unwrap().to_owned();
    let with_custom = edit(
        &app,
        &c.clin,
        &own_id,
        Some(&tag),
        json!({"steps": [{"title": "Talk", "exercise_ids": [custom_id, thanks]}]}),
    )
    .await;
    assert_eq!(with_custom.status, 200, "{}", with_custom.raw);
    assert_eq!(app.call("DELETE", &format!("/api/v1/exercises/{custom_id}"), Some(&c.clin), None).await.status, 204);
    assert_eq!(template(&app, &c.clin, &own_id).await.body["steps"][0]["exercises"][0]["archived"], true);
    let from_own = draft_from(&app, &c, json!({"template_id": own_id})).await;
    assert_eq!(from_own.status, 201, "{}", from_own.raw);
    assert_eq!(from_own.body["left_out"][0]["reason"], "archived");
    assert_eq!(from_own.body["left_out"][0]["off_limits_tags"], json!([]));
    assert_eq!(from_own.body["steps"][0]["exercises"][0]["exercise_id"], thanks.as_str());
}

#[actix_web::test]
async fn bad_input_names_the_field_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let c = couple(&app, "riverside").await;
    let other = couple(&app, "hillside").await;
    let theirs = library_id(&app, &other.clin, "Holding hands").await;
    let hands = library_id(&app, &c.clin, "Holding hands").await;
    let bad = create(
        &app,
        &c.clin,
        json!({"title": " ", "steps": [
            {"title": "Ok", "exercise_ids": [hands, hands]},
            {"title": "", "target_per_week": 0, "criteria": {"min_sessions": 3, "target_suds": 50, "setback_suds": 40, "window_days": 14}, "exercise_ids": [theirs, "junk"]}
        ]}),
    )
    .await;
    bad.assert_problem(422);
    assert_eq!(
        fields(&bad),
        [
            "title",
            "steps[0].exercise_ids[1]",
            "steps[1].title",
            "steps[1].target_per_week",
            "steps[1].criteria.setback_suds",
            "steps[1].exercise_ids[0]",
            "steps[1].exercise_ids[1]"
        ]
    );
    let no_steps = create(&app, &c.clin, json!({"title": "Empty"})).await;
    no_steps.assert_problem(422);
    assert_eq!(fields(&no_steps), ["steps"]);
    assert_eq!(ids(&app.get("/api/v1/plan-templates", &c.clin).await), [TOUCH, GRIEF], "nothing written");

    let copy = create(&app, &c.clin, json!({"copy_of": GRIEF})).await;
    let id = copy.body["id"].as_str().unwrap().to_owned();
    let tag = copy.header("etag").unwrap().to_owned();
    let bad_patch = edit(&app, &c.clin, &id, Some(&tag), json!({"title": "Fine", "steps": []})).await;
    bad_patch.assert_problem(422);
    assert_eq!(fields(&bad_patch), ["steps"]);
    let unknown = edit(&app, &c.clin, &id, Some(&tag), json!({"name": "x"})).await;
    assert_eq!(unknown.status, 400, "{}", unknown.raw);
    assert_eq!(template(&app, &c.clin, &id).await.header("etag"), Some(tag.as_str()), "nothing written");

    let plans = format!("/api/v1/couples/{}/plans", c.id);
    let junk = draft_from(&app, &c, json!({"template_id": "not-a-template"})).await;
    junk.assert_problem(422);
    assert_eq!(fields(&junk), ["template_id"]);
    let untitled = draft_from(&app, &c, json!({"template_id": GRIEF, "title": ""})).await;
    untitled.assert_problem(422);
    assert_eq!(fields(&untitled), ["title"]);
    let by_hand = draft_from(&app, &c, json!({"goal": "No title"})).await;
    by_hand.assert_problem(422);
    assert_eq!(fields(&by_hand), ["title"]);
    assert_eq!(app.get(&plans, &c.clin).await.body["items"], json!([]), "no plan written");
    let written = draft_from(&app, &c, json!({"title": "By hand", "goal": "As before"})).await;
    assert_eq!(written.status, 201, "{}", written.raw);
    assert_eq!(written.body["left_out"], json!([]));
    assert!(written.body["template"].is_null());
}

/// The "done when" story: a clinician starts a couple on "Grief and reconnection" from
/// the template, through to an active plan both partners follow.
#[actix_web::test]
async fn a_clinician_starts_a_couple_on_grief_and_reconnection_from_the_template() {
    let app = TestApp::spawn().await;
    let c = couple(&app, "riverside").await;
    let list = app.get("/api/v1/plan-templates", &c.clin).await;
    let grief = list.body["items"].as_array().unwrap().iter().find(|t| t["title"] == "Grief and reconnection").unwrap();
    let template_id = grief["id"].as_str().unwrap();
    let read = template(&app, &c.clin, template_id).await;
    assert_eq!(read.body["steps"][0]["exercises"][0]["title"], "Naming the grief together");

    write_agreement(&app, &c, &["clothing:removed"], &["touch:genital"]).await;
    acknowledge(&app, &c, &c.a).await;
    acknowledge(&app, &c, &c.b).await;
    let drafted = draft_from(&app, &c, json!({"template_id": template_id})).await;
    assert_eq!(drafted.status, 201, "{}", drafted.raw);
    assert_eq!(drafted.body["left_out"], json!([]), "nothing in it is ruled out");
    let plan_id = drafted.body["id"].as_str().unwrap().to_owned();
    let first = drafted.body["steps"][0]["id"].as_str().unwrap().to_owned();

    let partner_view = app.get(&format!("/api/v1/plans/{plan_id}"), &c.b).await;
    assert_eq!(partner_view.body["steps"][0]["title"], "Naming the grief together");
    assert_eq!(consent(&app, &c.a, &plan_id, &first, "yes").await.status, 200);
    assert_eq!(consent(&app, &c.b, &plan_id, &first, "tentative_yes").await.status, 200);
    let on = status(&app, &c.clin, &plan_id, "activate").await;
    assert_eq!(on.status, 200, "{}", on.raw);
    assert_eq!(on.body["status"], "active");
    assert_eq!(on.body["current_step_id"], first.as_str());
    assert_eq!(on.body["template"]["template_id"], template_id);
    let agenda = app.get("/api/v1/me/agenda", &c.a).await;
    assert!(agenda.raw.contains("Naming the grief together"), "{}", agenda.raw);
}
