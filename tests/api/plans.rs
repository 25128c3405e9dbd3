//! Exercises, safety agreements, plans and consent, used as a clinician and two partners
//! would.

use serde_json::{Value, json};

use crate::support::{Reply, TestApp};

pub struct Couple {
    pub clin: String,
    pub a: String,
    pub b: String,
    pub a_id: String,
    pub b_id: String,
    pub id: String,
}

pub async fn couple(app: &TestApp, practice: &str) -> Couple {
    let admin_email = format!("admin@{practice}.test");
    app.practice(practice, &admin_email, false);
    let admin = app.token(&admin_email).await;
    let (clin, _) = app.staff(&admin, &format!("clin@{practice}.test"), &["clinician"]).await;
    let id = app.couple(&clin, "Couple", &format!("a@{practice}.test"), &format!("b@{practice}.test")).await;
    let a = app.accept(&format!("a@{practice}.test")).await;
    let b = app.accept(&format!("b@{practice}.test")).await;
    let a_id = app.get("/api/v1/me", &a).await.body["user"]["id"].as_str().unwrap().to_owned();
    let b_id = app.get("/api/v1/me", &b).await.body["user"]["id"].as_str().unwrap().to_owned();
    Couple { clin, a, b, a_id, b_id, id }
}

async fn exercise(app: &TestApp, token: &str, title: &str) -> String {
    let list = app.get("/api/v1/exercises?limit=200", token).await;
    assert_eq!(list.status, 200, "{}", list.raw);
    list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["title"] == title)
        .unwrap_or_else(|| panic!("{title} in the library"))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn terms(user: &str, off_tags: &[&str]) -> Value {
    json!({
        "user_id": user,
        "willing_to_try": "holding hands, cuddles",
        "off_limits": "my private words about limits",
        "off_limits_tags": off_tags,
        "pause_signal": "pineapple",
        "soft_no": "not tonight",
        "tentative_yes": "maybe, slowly"
    })
}

/// Writes a new agreement version (first or next) and returns the reply.
pub async fn write_agreement(app: &TestApp, c: &Couple, off_a: &[&str], off_b: &[&str]) -> Reply {
    let path = format!("/api/v1/couples/{}/safety-agreement", c.id);
    let current = app.get(&path, &c.clin).await;
    let body = json!({"review_by": "2027-06-01T00:00:00Z", "partners": [terms(&c.a_id, off_a), terms(&c.b_id, off_b)]});
    let reply = if current.status == 404 {
        app.call_with("PUT", &path, Some(&c.clin), Some(body), &[("If-None-Match", "*")]).await
    } else {
        let tag = current.header("etag").unwrap().to_owned();
        app.call_with("PUT", &path, Some(&c.clin), Some(body), &[("If-Match", &tag)]).await
    };
    assert!(reply.status == 200 || reply.status == 201, "{}", reply.raw);
    reply
}

pub async fn acknowledge(app: &TestApp, c: &Couple, token: &str) -> Reply {
    let reply = app
        .call("POST", &format!("/api/v1/couples/{}/safety-agreement/acknowledgements", c.id), Some(token), None)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.raw);
    reply
}

/// Drafts a plan with one step per exercise title; returns the plan id and its ETag.
pub async fn draft(app: &TestApp, c: &Couple, titles: &[&str]) -> (String, String) {
    let created = app
        .post(
            &format!("/api/v1/couples/{}/plans", c.id),
            Some(&c.clin),
            json!({"title": "Comfortable touch", "goal": "Feel at ease"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.raw);
    let id = created.body["id"].as_str().unwrap().to_owned();
    let mut tag = created.header("etag").unwrap().to_owned();
    for title in titles {
        let step = app
            .call_with(
                "POST",
                &format!("/api/v1/plans/{id}/steps"),
                Some(&c.clin),
                Some(json!({"title": title})),
                &[("If-Match", &tag)],
            )
            .await;
        assert_eq!(step.status, 201, "{}", step.raw);
        tag = step.header("etag").unwrap().to_owned();
        let step_id = step.body["steps"].as_array().unwrap().last().unwrap()["id"].as_str().unwrap().to_owned();
        let exercise_id = exercise(app, &c.clin, title).await;
        let added = app
            .call_with(
                "POST",
                &format!("/api/v1/plans/{id}/steps/{step_id}/exercises"),
                Some(&c.clin),
                Some(json!({"exercise_id": exercise_id})),
                &[("If-Match", &tag)],
            )
            .await;
        assert_eq!(added.status, 201, "{}", added.raw);
        tag = added.header("etag").unwrap().to_owned();
    }
    (id, tag)
}

pub async fn plan(app: &TestApp, token: &str, id: &str) -> Reply {
    let reply = app.get(&format!("/api/v1/plans/{id}"), token).await;
    assert_eq!(reply.status, 200, "{}", reply.raw);
    reply
}

pub fn step_id(plan: &Reply, index: usize) -> String {
    plan.body["steps"][index]["id"].as_str().unwrap().to_owned()
}

pub async fn consent(app: &TestApp, token: &str, plan_id: &str, step: &str, answer: &str) -> Reply {
    app.call(
        "PUT",
        &format!("/api/v1/plans/{plan_id}/steps/{step}/consent"),
        Some(token),
        Some(json!({"answer": answer, "note": "a private note"})),
    )
    .await
}

pub async fn status(app: &TestApp, token: &str, plan_id: &str, action: &str) -> Reply {
    app.post(&format!("/api/v1/plans/{plan_id}/status"), Some(token), json!({"action": action})).await
}

/// A running plan: agreement in effect, both consents on step 1, activated.
pub async fn running(app: &TestApp, c: &Couple, titles: &[&str]) -> String {
    write_agreement(app, c, &[], &[]).await;
    acknowledge(app, c, &c.a).await;
    acknowledge(app, c, &c.b).await;
    let (id, _) = draft(app, c, titles).await;
    let p = plan(app, &c.clin, &id).await;
    let first = step_id(&p, 0);
    assert_eq!(consent(app, &c.a, &id, &first, "yes").await.status, 200);
    assert_eq!(consent(app, &c.b, &id, &first, "tentative_yes").await.status, 200);
    let on = status(app, &c.clin, &id, "activate").await;
    assert_eq!(on.status, 200, "{}", on.raw);
    id
}

#[actix_web::test]
async fn a_plan_activates_only_with_an_agreement_in_effect_and_both_consents() {
    let app = TestApp::spawn().await;
    let c = couple(&app, "riverside").await;
    let (id, _) = draft(&app, &c, &["Holding hands", "Clothed cuddle", "Hand and foot massage"]).await;
    let p = plan(&app, &c.clin, &id).await;
    assert_eq!(p.body["status"], "draft");
    assert_eq!(p.body["steps"].as_array().unwrap().len(), 3);
    assert_eq!(
        p.body["steps"][0]["criteria"],
        json!({"min_sessions": 3, "target_suds": 30, "setback_suds": 70, "window_days": 14})
    );
    let first = step_id(&p, 0);

    let refused = status(&app, &c.clin, &id, "activate").await;
    refused.assert_problem(409);
    let detail = refused.body["detail"].as_str().unwrap();
    assert!(detail.contains("agreement_not_in_effect") && detail.contains("consent_missing"), "{detail}");
    // Each refusal has a stable code a client switches on: the type names the first, and
    // `reasons` lists them all.
    assert_eq!(refused.body["type"], "urn:tandem:problem:agreement_not_in_effect", "{}", refused.raw);
    let codes: Vec<&str> =
        refused.body["reasons"].as_array().unwrap().iter().map(|r| r["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["agreement_not_in_effect", "consent_missing"], "{}", refused.raw);

    write_agreement(&app, &c, &[], &[]).await;
    acknowledge(&app, &c, &c.a).await;
    assert_eq!(consent(&app, &c.a, &id, &first, "yes").await.status, 200);
    assert_eq!(consent(&app, &c.b, &id, &first, "yes").await.status, 200);
    let half = status(&app, &c.clin, &id, "activate").await;
    half.assert_problem(409);
    assert!(
        half.body["detail"].as_str().unwrap().contains("agreement_not_in_effect"),
        "one acknowledgement is not enough"
    );

    let acked = acknowledge(&app, &c, &c.b).await;
    assert_eq!(acked.body["in_effect"], true);
    assert_eq!(consent(&app, &c.b, &id, &first, "not_asked").await.status, 200);
    let no_consent = status(&app, &c.clin, &id, "activate").await;
    no_consent.assert_problem(409);
    assert_eq!(no_consent.body["type"], "urn:tandem:problem:consent_missing");
    assert!(!no_consent.body["detail"].as_str().unwrap().contains(&c.b_id), "the reason never names a partner");

    assert_eq!(consent(&app, &c.b, &id, &first, "tentative_yes").await.status, 200);
    let on = status(&app, &c.clin, &id, "activate").await;
    assert_eq!(on.status, 200, "{}", on.raw);
    assert_eq!(on.body["status"], "active");
    assert_eq!(on.body["current_step_id"], first.as_str());
    assert_eq!(on.body["steps"][0]["status"], "active");
    assert_eq!(on.body["steps"][1]["status"], "not_started");

    // One running plan per couple.
    let (second, _) = draft(&app, &c, &["Holding hands"]).await;
    let p2 = plan(&app, &c.clin, &second).await;
    consent(&app, &c.a, &second, &step_id(&p2, 0), "yes").await;
    consent(&app, &c.b, &second, &step_id(&p2, 0), "yes").await;
    let two = status(&app, &c.clin, &second, "activate").await;
    two.assert_problem(409);
    assert!(two.body["detail"].as_str().unwrap().contains("another_plan_running"));
}

#[actix_web::test]
async fn a_soft_no_pauses_the_plan_and_the_other_partner_cannot_tell_who() {
    let app = TestApp::spawn().await;
    let c = couple(&app, "riverside").await;
    let id = running(&app, &c, &["Holding hands", "Clothed cuddle"]).await;
    let first = step_id(&plan(&app, &c.clin, &id).await, 0);
    let no = consent(&app, &c.b, &id, &first, "soft_no").await;
    assert_eq!(no.status, 200, "{}", no.raw);
    assert_eq!(no.body["answer"], "soft_no");

    let as_clin = plan(&app, &c.clin, &id).await;
    assert_eq!(as_clin.body["status"], "on_hold");
    assert_eq!(as_clin.body["hold_cause"], "consent_withdrawn");
    assert_eq!(as_clin.body["current_step_id"], first.as_str(), "a stop never moves the plan");
    let consents = as_clin.body["steps"][0]["consents"].as_array().unwrap();
    let b = consents.iter().find(|x| x["user_id"] == c.b_id.as_str()).unwrap();
    assert_eq!(b["answer"], "soft_no");
    assert_eq!(b["note"], "a private note");

    let as_a = plan(&app, &c.a, &id).await;
    assert_eq!(as_a.body["status"], "on_hold");
    assert_eq!(as_a.body["access"], "partner");
    assert!(as_a.body["hold_cause"].is_null());
    assert!(as_a.body["steps"][0]["consents"].is_null());
    assert_eq!(as_a.body["steps"][0]["my_consent"]["answer"], "yes");
    assert!(
        !as_a.raw.contains("soft_no") && !as_a.raw.contains("consent_withdrawn") && !as_a.raw.contains(&c.b_id),
        "nothing says who paused or why: {}",
        as_a.raw
    );

    let resume = status(&app, &c.clin, &id, "resume").await;
    resume.assert_problem(409);
    assert!(resume.body["detail"].as_str().unwrap().contains("consent_missing"));
    consent(&app, &c.b, &id, &first, "yes").await;
    let back = status(&app, &c.clin, &id, "resume").await;
    assert_eq!(back.status, 200, "{}", back.raw);
    assert_eq!(back.body["status"], "active");
    assert!(back.body["hold_cause"].is_null());
    // Partners cannot move a plan themselves.
    status(&app, &c.a, &id, "pause").await.assert_problem(403);
}

#[actix_web::test]
async fn off_limits_exercises_are_refused_naming_only_the_tag() {
    let app = TestApp::spawn().await;
    let c = couple(&app, "riverside").await;
    write_agreement(&app, &c, &["touch:genital"], &[]).await;
    let (id, tag) = draft(&app, &c, &["Holding hands"]).await;
    let p = plan(&app, &c.clin, &id).await;
    let first = step_id(&p, 0);
    let sensate = exercise(&app, &c.clin, "Sensate focus, stage 2").await;
    let refused = app
        .call_with(
            "POST",
            &format!("/api/v1/plans/{id}/steps/{first}/exercises"),
            Some(&c.clin),
            Some(json!({"exercise_id": sensate})),
            &[("If-Match", &tag)],
        )
        .await;
    refused.assert_problem(409);
    let detail = refused.body["detail"].as_str().unwrap();
    assert!(detail.contains("touch:genital"), "{detail}");
    assert!(
        !detail.contains("my private words") && !detail.contains("pineapple") && !detail.contains(&c.a_id),
        "{detail}"
    );
    assert_eq!(
        plan(&app, &c.clin, &id).await.body["steps"][0]["exercises"].as_array().unwrap().len(),
        1,
        "nothing added"
    );
}

#[actix_web::test]
async fn a_new_agreement_that_rules_out_a_current_exercise_stops_the_plan_once_in_effect() {
    let app = TestApp::spawn().await;
    let c = couple(&app, "riverside").await;
    let id = running(&app, &c, &["Holding hands"]).await;
    let v2 = write_agreement(&app, &c, &[], &["touch:hands"]).await;
    assert_eq!(v2.body["version"], 2);
    assert_eq!(v2.body["in_effect"], false);
    assert_eq!(v2.body["version_in_effect"], 1, "the previous version stays in effect");
    acknowledge(&app, &c, &c.a).await;
    assert_eq!(plan(&app, &c.clin, &id).await.body["status"], "active", "not in effect yet");
    let both = acknowledge(&app, &c, &c.b).await;
    assert_eq!(both.body["version_in_effect"], 2);
    assert!(both.body["acknowledgements"].is_null(), "partners do not see who acknowledged");
    assert_eq!(both.body["acknowledged_by_me"], true);
    let p = plan(&app, &c.clin, &id).await;
    assert_eq!(p.body["status"], "on_hold");
    assert_eq!(p.body["hold_cause"], "off_limits");
    let resume = status(&app, &c.clin, &id, "resume").await;
    resume.assert_problem(409);
    assert!(resume.body["detail"].as_str().unwrap().contains("touch:hands"));
    // Both partners read the whole agreement.
    let seen = app.get(&format!("/api/v1/couples/{}/safety-agreement", c.id), &c.a).await;
    assert_eq!(seen.body["partners"].as_array().unwrap().len(), 2);
    let versions = app.get(&format!("/api/v1/couples/{}/safety-agreement/versions", c.id), &c.clin).await;
    assert_eq!(versions.body["items"].as_array().unwrap().len(), 2);
}

#[actix_web::test]
async fn agreement_writes_need_the_right_precondition() {
    let app = TestApp::spawn().await;
    let c = couple(&app, "riverside").await;
    let path = format!("/api/v1/couples/{}/safety-agreement", c.id);
    let body = json!({"review_by": "2027-06-01T00:00:00Z", "partners": [terms(&c.a_id, &[]), terms(&c.b_id, &[])]});
    app.call("PUT", &path, Some(&c.clin), Some(body.clone())).await.assert_problem(428);
    let first = app.call_with("PUT", &path, Some(&c.clin), Some(body.clone()), &[("If-None-Match", "*")]).await;
    assert_eq!(first.status, 201, "{}", first.raw);
    app.call_with("PUT", &path, Some(&c.clin), Some(body.clone()), &[("If-None-Match", "*")]).await.assert_problem(412);
    let tag = first.header("etag").unwrap().to_owned();
    assert_eq!(app.call_with("PUT", &path, Some(&c.clin), Some(body.clone()), &[("If-Match", &tag)]).await.status, 200);
    app.call_with("PUT", &path, Some(&c.clin), Some(body.clone()), &[("If-Match", &tag)]).await.assert_problem(412);
    app.call_with("PUT", &path, Some(&c.a), Some(body), &[("If-Match", &tag)]).await.assert_problem(403);
    let bad = json!({"review_by": "2027-06-01T00:00:00Z", "partners": [terms(&c.a_id, &["touch:everything"]), terms(&c.a_id, &[])]});
    let refused = app.call_with("PUT", &path, Some(&c.clin), Some(bad), &[("If-Match", "*")]).await;
    refused.assert_problem(422);
}

#[actix_web::test]
async fn concurrent_edits_with_the_same_etag_one_wins_one_gets_412() {
    let app = TestApp::spawn().await;
    let c = couple(&app, "riverside").await;
    let (id, tag) = draft(&app, &c, &["Holding hands"]).await;
    let path = format!("/api/v1/plans/{id}");
    let headers = [("If-Match", tag.as_str())];
    let first = app.call_with("PATCH", &path, Some(&c.clin), Some(json!({"title": "First"})), &headers);
    let second = app.call_with("PATCH", &path, Some(&c.clin), Some(json!({"title": "Second"})), &headers);
    let (x, y) = futures_util::future::join(first, second).await;
    let mut statuses = vec![x.status.as_u16(), y.status.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, vec![200, 412], "{} / {}", x.raw, y.raw);
    app.call("PATCH", &path, Some(&c.clin), Some(json!({"title": "No precondition"}))).await.assert_problem(428);
    let winner = if x.status == 200 { &x } else { &y };
    assert_eq!(plan(&app, &c.clin, &id).await.body["title"], winner.body["title"]);
    // Step edits share the plan's ETag.
    let stale = app
        .call_with(
            "POST",
            &format!("/api/v1/plans/{id}/steps"),
            Some(&c.clin),
            Some(json!({"title": "x"})),
            &[("If-Match", &tag)],
        )
        .await;
    stale.assert_problem(412);
}

#[actix_web::test]
async fn snapshots_do_not_change_when_the_library_does() {
    let app = TestApp::spawn().await;
    let c = couple(&app, "riverside").await;
    let own = app
        .post("/api/v1/exercises", Some(&c.clin), json!({"title": "Eyes-closed hand hold", "category": "touch", "instructions": "Hold hands with eyes closed.", "duration_minutes": 5, "intensity": 20, "exit_strategy": "Open your eyes.", "tags": ["touch:hands"]}))
        .await;
    assert_eq!(own.status, 201, "{}", own.raw);
    let own_id = own.body["id"].as_str().unwrap().to_owned();
    let own_tag = own.header("etag").unwrap().to_owned();
    let (id, _) = draft(&app, &c, &["Eyes-closed hand hold"]).await;
    let edited = app
        .call_with(
            "PATCH",
            &format!("/api/v1/exercises/{own_id}"),
            Some(&c.clin),
            Some(json!({"title": "Renamed", "intensity": 60})),
            &[("If-Match", &own_tag)],
        )
        .await;
    assert_eq!(edited.status, 200, "{}", edited.raw);
    let item = &plan(&app, &c.clin, &id).await.body["steps"][0]["exercises"][0];
    assert_eq!(item["title"], "Eyes-closed hand hold");
    assert_eq!(item["intensity"], 20);
    assert_eq!(item["exercise_id"], own_id.as_str());
    // Archiving hides it from the library, not from the plan.
    assert_eq!(app.call("DELETE", &format!("/api/v1/exercises/{own_id}"), Some(&c.clin), None).await.status, 204);
    let library = app.get("/api/v1/exercises?limit=200", &c.clin).await;
    assert!(!library.raw.contains(&own_id));
    assert_eq!(plan(&app, &c.clin, &id).await.body["steps"][0]["exercises"].as_array().unwrap().len(), 1);
    // Starters are read-only.
    let starter = exercise(&app, &c.clin, "Holding hands").await;
    let starter_tag =
        app.get(&format!("/api/v1/exercises/{starter}"), &c.clin).await.header("etag").unwrap().to_owned();
    app.call_with(
        "PATCH",
        &format!("/api/v1/exercises/{starter}"),
        Some(&c.clin),
        Some(json!({"title": "Mine"})),
        &[("If-Match", &starter_tag)],
    )
    .await
    .assert_problem(403);
}

#[actix_web::test]
async fn clients_cannot_edit_plans_or_read_other_couples_exercises() {
    let app = TestApp::spawn().await;
    let c = couple(&app, "riverside").await;
    let (id, tag) = draft(&app, &c, &["Holding hands"]).await;
    app.call_with(
        "PATCH",
        &format!("/api/v1/plans/{id}"),
        Some(&c.a),
        Some(json!({"title": "ours"})),
        &[("If-Match", &tag)],
    )
    .await
    .assert_problem(403);
    app.call_with(
        "POST",
        &format!("/api/v1/plans/{id}/steps"),
        Some(&c.a),
        Some(json!({"title": "x"})),
        &[("If-Match", &tag)],
    )
    .await
    .assert_problem(403);
    app.post(&format!("/api/v1/couples/{}/plans", c.id), Some(&c.a), json!({"title": "x", "goal": "y"}))
        .await
        .assert_problem(403);
    // A partner's library is the exercises of their own plans.
    let library = app.get("/api/v1/exercises", &c.a).await;
    let titles: Vec<_> =
        library.body["items"].as_array().unwrap().iter().map(|e| e["title"].as_str().unwrap().to_owned()).collect();
    assert_eq!(titles, vec!["Holding hands"]);
    let cuddle = exercise(&app, &c.clin, "Clothed cuddle").await;
    app.get(&format!("/api/v1/exercises/{cuddle}"), &c.a).await.assert_problem(404);
    let hands = exercise(&app, &c.clin, "Holding hands").await;
    assert_eq!(app.get(&format!("/api/v1/exercises/{hands}"), &c.a).await.status, 200);
    app.post("/api/v1/exercises", Some(&c.a), json!({"title": "x", "category": "touch", "instructions": "x", "duration_minutes": 5, "intensity": 1, "exit_strategy": "x", "tags": ["solo"]})).await.assert_problem(403);
    // Another couple's partner sees none of it.
    let other = app.couple(&c.clin, "Other", "o1@riverside.test", "o2@riverside.test").await;
    assert!(!other.is_empty());
    let o1 = app.accept("o1@riverside.test").await;
    assert!(app.get("/api/v1/exercises", &o1).await.body["items"].as_array().unwrap().is_empty());
    app.get(&format!("/api/v1/exercises/{hands}"), &o1).await.assert_problem(404);
    app.get(&format!("/api/v1/plans/{id}"), &o1).await.assert_problem(404);
}

#[actix_web::test]
async fn bad_input_names_the_field_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let c = couple(&app, "riverside").await;
    let (id, tag) = draft(&app, &c, &["Holding hands"]).await;
    let unknown = status(&app, &c.clin, &id, "explode").await;
    unknown.assert_problem(422);
    assert_eq!(unknown.body["errors"][0]["field"], "action");
    let p = plan(&app, &c.clin, &id).await;
    let bad_consent = consent(&app, &c.a, &id, &step_id(&p, 0), "maybe").await;
    bad_consent.assert_problem(422);
    assert_eq!(bad_consent.body["errors"][0]["field"], "answer");

    let too_intense = app
        .post("/api/v1/exercises", Some(&c.clin), json!({"title": "", "category": "touch", "instructions": "x", "duration_minutes": 5, "intensity": 101, "exit_strategy": "x", "tags": ["made:up"]}))
        .await;
    too_intense.assert_problem(422);
    let fields: Vec<_> =
        too_intense.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert!(fields.contains(&"intensity") && fields.contains(&"title") && fields.contains(&"tags"), "{fields:?}");

    app.post(&format!("/api/v1/couples/{}/plans", c.id), Some(&c.clin), json!({"title": "  ", "goal": ""}))
        .await
        .assert_problem(422);
    let bad_step = app.call_with("POST", &format!("/api/v1/plans/{id}/steps"), Some(&c.clin), Some(json!({"title": "x", "criteria": {"min_sessions": 0, "target_suds": 30, "setback_suds": 70, "window_days": 14}})), &[("If-Match", &tag)]).await;
    bad_step.assert_problem(422);
    assert_eq!(bad_step.body["errors"][0]["field"], "criteria.min_sessions");

    let mut tag = tag;
    for i in 1..20 {
        let r = app
            .call_with(
                "POST",
                &format!("/api/v1/plans/{id}/steps"),
                Some(&c.clin),
                Some(json!({"title": format!("Step {i}")})),
                &[("If-Match", &tag)],
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.raw);
        tag = r.header("etag").unwrap().to_owned();
    }
    let too_many = app
        .call_with(
            "POST",
            &format!("/api/v1/plans/{id}/steps"),
            Some(&c.clin),
            Some(json!({"title": "Step 21"})),
            &[("If-Match", &tag)],
        )
        .await;
    too_many.assert_problem(422);
    assert_eq!(too_many.body["errors"][0]["field"], "steps");
    let after = plan(&app, &c.clin, &id).await;
    assert_eq!(after.body["steps"].as_array().unwrap().len(), 20);
    assert_eq!(after.header("etag"), Some(tag.as_str()), "refused requests changed nothing");
    assert_eq!(after.body["status"], "draft");
}

#[actix_web::test]
async fn steps_reorder_and_admins_see_status_only() {
    let app = TestApp::spawn().await;
    let c = couple(&app, "riverside").await;
    let (id, tag) = draft(&app, &c, &["Holding hands", "Clothed cuddle", "Paced breathing"]).await;
    let p = plan(&app, &c.clin, &id).await;
    let ids: Vec<String> = (0..3).map(|i| step_id(&p, i)).collect();
    let bad = app
        .call_with(
            "PUT",
            &format!("/api/v1/plans/{id}/steps/order"),
            Some(&c.clin),
            Some(json!({"step_ids": [ids[0], ids[1]]})),
            &[("If-Match", &tag)],
        )
        .await;
    bad.assert_problem(422);
    let order = json!({"step_ids": [ids[2], ids[0], ids[1]]});
    let moved = app
        .call_with("PUT", &format!("/api/v1/plans/{id}/steps/order"), Some(&c.clin), Some(order), &[("If-Match", &tag)])
        .await;
    assert_eq!(moved.status, 200, "{}", moved.raw);
    assert_eq!(moved.body["steps"][0]["title"], "Paced breathing");
    let tag = moved.header("etag").unwrap().to_owned();
    let removed = app
        .call_with(
            "DELETE",
            &format!("/api/v1/plans/{id}/steps/{}", ids[0]),
            Some(&c.clin),
            None,
            &[("If-Match", &tag)],
        )
        .await;
    assert_eq!(removed.status, 200, "{}", removed.raw);
    assert_eq!(removed.body["steps"].as_array().unwrap().len(), 2);
    assert_eq!(removed.body["steps"][1]["position"], 1);

    let admin = app.token("admin@riverside.test").await;
    let seen = plan(&app, &admin, &id).await;
    assert_eq!(seen.body["access"], "status_only");
    assert!(seen.body["title"].is_null() && seen.body["steps"].as_array().unwrap().is_empty());
    let list = app.get(&format!("/api/v1/couples/{}/plans", c.id), &admin).await;
    assert!(list.body["items"][0]["title"].is_null());
    app.get(&format!("/api/v1/couples/{}/safety-agreement", c.id), &admin).await.assert_problem(403);
}

#[actix_web::test]
async fn plan_reads_and_changes_are_audited() {
    let app = TestApp::spawn().await;
    let c = couple(&app, "riverside").await;
    let id = running(&app, &c, &["Holding hands"]).await;
    plan(&app, &c.a, &id).await;
    app.state.audit.flush().await;
    let admin = app.token("admin@riverside.test").await;
    let log = app.get(&format!("/api/v1/audit-events?couple_id={}&limit=200", c.id), &admin).await;
    let actions: Vec<_> =
        log.body["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap().to_owned()).collect();
    for expected in [
        "plan.create",
        "plan.step.create",
        "plan.exercise.add",
        "agreement.create",
        "agreement.acknowledge",
        "plan.consent",
        "plan.activate",
        "plan.read",
    ] {
        assert!(actions.iter().any(|a| a == expected), "{expected} in {actions:?}");
    }
    assert!(!log.raw.contains("a private note") && !log.raw.contains("pineapple"), "no clinical text in the log");
}
