//! The authorization matrix, driven by the served OpenAPI spec: every path with an id in
//! it, every method, called by every role of two practices with ids they must not reach.
//! Any 2xx fails. New routes are covered as soon as they are in the spec; a new kind of
//! id joins the pools in `World::unreachable` (until then it gets an id that exists
//! nowhere, which must not succeed either).

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use crate::support::TestApp;

/// One caller and the ids, by path parameter name, that it must not reach.
struct Caller {
    name: String,
    token: String,
    unreachable: HashMap<&'static str, Vec<String>>,
    /// A couple of the caller's practice outside their care team: opening break-glass
    /// access to it is allowed by design (tested in `break_glass.rs`), so the matrix does
    /// not open it (it would then read that couple on every later route).
    break_glass_couple: Option<String>,
}

struct PracticeIds {
    admin: String,
    clinician: String,
    partner: String,
    couple_own: String,
    couple_other: String,
    users: Vec<String>,
    clients: Vec<String>,
    other_couple_partners: Vec<String>,
    plan_own: String,
    plan_other: String,
    /// The practice's own (not built-in) exercise, used in no plan.
    exercise: String,
    /// An incident of the other couple.
    incident: String,
    /// The practice's own plan template.
    template: String,
    /// A needs-map item (private) and a compromise of the other couple.
    needs_item: String,
    compromise: String,
    /// The practice's own journaling prompt.
    prompt: String,
    /// A journaling assignment of the other couple.
    assignment: String,
    /// A questionnaire assignment of the other couple, and its partner's response.
    measure_assignment: String,
    measure_response: String,
    /// A reconnect window of the other couple.
    window: String,
}

/// Drafts a one-step plan with one exercise; returns its id.
async fn plan_for(app: &TestApp, clinician: &str, couple: &str, exercise: &str) -> String {
    let created = app
        .post(&format!("/api/v1/couples/{couple}/plans"), Some(clinician), json!({"title": "Plan", "goal": "Goal"}))
        .await;
    assert_eq!(created.status, 201, "{}", created.raw);
    let id = created.body["id"].as_str().unwrap().to_owned();
    let tag = created.header("etag").unwrap().to_owned();
    let step = app
        .call_with(
            "POST",
            &format!("/api/v1/plans/{id}/steps"),
            Some(clinician),
            Some(json!({"title": "Step"})),
            &[("If-Match", &tag)],
        )
        .await;
    let step_id = step.body["steps"][0]["id"].as_str().unwrap().to_owned();
    let tag = step.header("etag").unwrap().to_owned();
    let added = app
        .call_with(
            "POST",
            &format!("/api/v1/plans/{id}/steps/{step_id}/exercises"),
            Some(clinician),
            Some(json!({"exercise_id": exercise})),
            &[("If-Match", &tag)],
        )
        .await;
    assert_eq!(added.status, 201, "{}", added.raw);
    id
}

async fn build_practice(app: &TestApp, name: &str) -> PracticeIds {
    let admin_email = format!("admin@{name}.test");
    app.practice(name, &admin_email, false);
    let admin = app.token(&admin_email).await;
    let (clinician, clin_id) = app.staff(&admin, &format!("c1@{name}.test"), &["clinician"]).await;
    let (clin2, clin2_id) = app.staff(&admin, &format!("c2@{name}.test"), &["clinician"]).await;
    let couple_own = app.couple(&clinician, "Own", &format!("p1@{name}.test"), &format!("q1@{name}.test")).await;
    let couple_other = app.couple(&clin2, "Other", &format!("p2@{name}.test"), &format!("q2@{name}.test")).await;
    let partner = app.accept(&format!("p1@{name}.test")).await;
    let partner2 = app.accept(&format!("p2@{name}.test")).await;
    let incident = app
        .post(&format!("/api/v1/couples/{couple_other}/incidents"), Some(&partner2), json!({"description": "x"}))
        .await;
    let incident = incident.body["id"].as_str().unwrap().to_owned();
    let toolkit = |path: &str, body: Value| {
        let url = format!("/api/v1/couples/{couple_other}/needs-map/{path}");
        let token = partner2.clone();
        async move {
            let reply = app.post(&url, Some(&token), body).await;
            assert_eq!(reply.status, 201, "{}", reply.raw);
            reply.body["id"].as_str().unwrap().to_owned()
        }
    };
    let needs_item = toolkit("items", json!({"kind": "desire", "text": "x", "visibility": "private"})).await;
    let compromise = toolkit("compromises", json!({"text": "x"})).await;
    let (measure_assignment, measure_response) = measure_for(app, &clin2, &partner2, &couple_other).await;
    let window = app
        .post(
            &format!("/api/v1/couples/{couple_other}/reconnect-windows"),
            Some(&partner2),
            json!({"weekday": "sun", "start_time": "19:00", "duration_minutes": 30}),
        )
        .await;
    let window = window.body["id"].as_str().unwrap().to_owned();
    let admin_id = app.get("/api/v1/me", &admin).await.body["user"]["id"].as_str().unwrap().to_owned();
    let couple_partners = |view: &Value| {
        view["partners"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
    };
    let own_view = app.get(&format!("/api/v1/couples/{couple_own}"), &clinician).await.body;
    let other_view = app.get(&format!("/api/v1/couples/{couple_other}"), &clin2).await.body;
    let own_partners = couple_partners(&own_view);
    let other_partners = couple_partners(&other_view);
    let clients: Vec<String> = own_partners.iter().chain(&other_partners).cloned().collect();
    let mut users = vec![admin_id, clin_id, clin2_id];
    users.extend(clients.clone());
    let library = app.get("/api/v1/exercises?limit=200", &clinician).await;
    let starter = library.body["items"][0]["id"].as_str().unwrap().to_owned();
    let plan_own = plan_for(app, &clinician, &couple_own, &starter).await;
    let plan_other = plan_for(app, &clin2, &couple_other, &starter).await;
    let custom = app
        .post("/api/v1/exercises", Some(&clinician), json!({"title": "Own", "category": "touch", "instructions": "x", "duration_minutes": 5, "intensity": 10, "exit_strategy": "x", "tags": ["solo"]}))
        .await;
    let exercise = custom.body["id"].as_str().unwrap().to_owned();
    let template = app
        .post("/api/v1/plan-templates", Some(&clinician), json!({"copy_of": "00000000-0000-7000-8000-000000000002"}))
        .await;
    assert_eq!(template.status, 201, "{}", template.raw);
    let template = template.body["id"].as_str().unwrap().to_owned();
    let prompt = app.post("/api/v1/journal-prompts", Some(&clinician), json!({"title": "Own", "text": "x"})).await;
    let prompt = prompt.body["id"].as_str().unwrap().to_owned();
    let assignment = app
        .post(
            &format!("/api/v1/couples/{couple_other}/journal-prompt-assignments"),
            Some(&clin2),
            json!({"prompt_id": prompt}),
        )
        .await;
    assert_eq!(assignment.status, 201, "{}", assignment.raw);
    let assignment = assignment.body["id"].as_str().unwrap().to_owned();
    PracticeIds {
        admin,
        clinician,
        partner,
        couple_own,
        couple_other,
        users,
        clients,
        other_couple_partners: other_partners,
        plan_own,
        plan_other,
        exercise,
        incident,
        template,
        needs_item,
        compromise,
        prompt,
        assignment,
        measure_assignment,
        measure_response,
        window,
    }
}

/// Assigns the PHQ-9 to a couple and has one partner answer it: (assignment, response).
async fn measure_for(app: &TestApp, clinician: &str, partner: &str, couple: &str) -> (String, String) {
    let assigned = app
        .post(&format!("/api/v1/couples/{couple}/measure-assignments"), Some(clinician), json!({"measure": "phq9"}))
        .await;
    assert_eq!(assigned.status, 201, "{}", assigned.raw);
    let assignment = assigned.body["id"].as_str().unwrap().to_owned();
    let answered = app
        .post(
            &format!("/api/v1/couples/{couple}/measures/{assignment}/responses"),
            Some(partner),
            json!({"answers": [0, 0, 0, 0, 0, 0, 0, 0, 0]}),
        )
        .await;
    assert_eq!(answered.status, 201, "{}", answered.raw);
    (assignment, answered.body["id"].as_str().unwrap().to_owned())
}

/// Every caller must not reach the other practice's measure ids, nor (clinicians and
/// partners) those of the other couple of their own practice.
fn add_measure_pools(callers: &mut [Caller], home: &PracticeIds, away: &PracticeIds) {
    for caller in callers {
        let mut assignments = vec![away.measure_assignment.clone()];
        let mut responses = vec![away.measure_response.clone()];
        if !caller.name.ends_with("admin") {
            assignments.push(home.measure_assignment.clone());
            responses.push(home.measure_response.clone());
        }
        // `assignment_id` names journal assignments too: add to that pool, not over it.
        caller.unreachable.entry("assignment_id").or_default().extend(assignments);
        caller.unreachable.insert("response_id", responses);
    }
}

fn callers(home: &PracticeIds, away: &PracticeIds, practice: &str) -> Vec<Caller> {
    let mut all_away_users = away.users.clone();
    all_away_users.extend(away.clients.clone());
    let away_couples = vec![away.couple_own.clone(), away.couple_other.clone()];
    let mut clinician_couples = away_couples.clone();
    clinician_couples.push(home.couple_other.clone());
    let mut clinician_users = all_away_users.clone();
    clinician_users.extend(home.clients.clone());
    let mut partner_users = all_away_users.clone();
    partner_users.extend(home.users.iter().filter(|u| !home.clients.contains(u)).cloned());
    partner_users.extend(home.other_couple_partners.clone());
    let away_plans = vec![away.plan_own.clone(), away.plan_other.clone()];
    let mut not_own_plans = away_plans.clone();
    not_own_plans.push(home.plan_other.clone());
    let away_incident = vec![away.incident.clone()];
    let both_incidents = vec![away.incident.clone(), home.incident.clone()];
    // Staff must not reach another practice's templates; partners reach none at all.
    let away_templates = vec![away.template.clone()];
    let all_templates = vec![away.template.clone(), home.template.clone()];
    // The toolkit's ids of another couple: never reachable, whoever asks.
    let toolkit = |mut pool: HashMap<&'static str, Vec<String>>, home_too: bool| {
        let mut items = vec![away.needs_item.clone()];
        let mut compromises = vec![away.compromise.clone()];
        if home_too {
            items.push(home.needs_item.clone());
            compromises.push(home.compromise.clone());
        }
        pool.insert("item_id", items);
        pool.insert("compromise_id", compromises);
        pool
    };
    // Every caller's windows are their own couple's at most: both other couples' are out.
    let windows = vec![home.window.clone(), away.window.clone()];
    let pools = |couples: Vec<String>,
                 users: Vec<String>,
                 plans: Vec<String>,
                 exercises: Vec<String>,
                 incidents: Vec<String>,
                 templates: Vec<String>| {
        HashMap::from([
            ("couple_id", couples),
            ("user_id", users),
            ("plan_id", plans),
            ("exercise_id", exercises),
            ("incident_id", incidents),
            ("template_id", templates),
            ("window_id", windows.clone()),
        ])
    };
    let mut out = vec![
        Caller {
            name: format!("{practice} admin"),
            token: home.admin.clone(),
            unreachable: toolkit(
                pools(
                    away_couples,
                    all_away_users,
                    away_plans,
                    vec![away.exercise.clone()],
                    away_incident,
                    away_templates.clone(),
                ),
                false,
            ),
            break_glass_couple: None,
        },
        Caller {
            name: format!("{practice} clinician"),
            token: home.clinician.clone(),
            unreachable: toolkit(
                pools(
                    clinician_couples.clone(),
                    clinician_users,
                    not_own_plans.clone(),
                    vec![away.exercise.clone()],
                    both_incidents.clone(),
                    away_templates,
                ),
                true,
            ),
            break_glass_couple: Some(home.couple_other.clone()),
        },
        Caller {
            name: format!("{practice} partner"),
            token: home.partner.clone(),
            unreachable: toolkit(
                pools(
                    clinician_couples,
                    partner_users,
                    not_own_plans,
                    vec![away.exercise.clone(), home.exercise.clone()],
                    both_incidents,
                    all_templates,
                ),
                true,
            ),
            break_glass_couple: None,
        },
    ];
    // The journal's ids: another practice's prompt (and, for a partner, their own
    // practice's, which they may not archive); another couple's assignments.
    for caller in &mut out {
        let mut prompts = vec![away.prompt.clone()];
        if caller.name.ends_with("partner") {
            prompts.push(home.prompt.clone());
        }
        caller.unreachable.insert("prompt_id", prompts);
        caller.unreachable.insert("assignment_id", vec![away.assignment.clone(), home.assignment.clone()]);
    }
    add_measure_pools(&mut out, home, away);
    out
}

/// Resolves a `$ref` within the spec.
fn resolve<'a>(schema: &'a Value, spec: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => r.trim_start_matches("#/").split('/').fold(spec, |node, part| &node[part]),
        None => schema,
    }
}

/// A plausible body for a schema: examples where given, simple values elsewhere, so
/// that requests get past body parsing and reach the authorization check.
fn sample(schema: &Value, spec: &Value, depth: usize) -> Value {
    let schema = resolve(schema, spec);
    if let Some(example) = schema.get("example") {
        return example.clone();
    }
    if depth > 6 {
        return Value::Null;
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(first) = schema.get(key).and_then(|v| v.as_array()).and_then(|a| a.first()) {
            return sample(first, spec, depth + 1);
        }
    }
    if let Some(first) = schema.get("enum").and_then(|v| v.as_array()).and_then(|a| a.first()) {
        return first.clone();
    }
    let ty = match &schema["type"] {
        Value::Array(types) => types.iter().find(|t| *t != "null").cloned().unwrap_or(Value::Null),
        other => other.clone(),
    };
    match ty.as_str() {
        Some("object") => {
            let mut out = Map::new();
            let required: Vec<&str> =
                schema["required"].as_array().map(|r| r.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
            if let Some(props) = schema["properties"].as_object() {
                for (name, prop) in props {
                    if required.contains(&name.as_str()) {
                        out.insert(name.clone(), sample(prop, spec, depth + 1));
                    }
                }
            }
            Value::Object(out)
        }
        Some("array") => {
            let n = schema["minItems"].as_u64().unwrap_or(1).max(1);
            Value::Array((0..n).map(|_| sample(&schema["items"], spec, depth + 1)).collect())
        }
        Some("integer") | Some("number") => schema.get("minimum").cloned().unwrap_or(json!(1)),
        Some("boolean") => json!(false),
        Some("string") => json!("sample"),
        _ => Value::Null,
    }
}

fn body_for(op: &Value, spec: &Value) -> Option<Value> {
    let schema =
        op.get("requestBody").map(|b| resolve(b, spec))?.get("content")?.get("application/json")?.get("schema")?;
    Some(sample(schema, spec, 0))
}

/// Fills every `{param}`: the first parameter from the caller's unreachable pool (one
/// request per candidate), later ones with any id (the first already makes it
/// unreachable).
fn substitutions(path: &str, caller: &Caller) -> Vec<String> {
    let params: Vec<&str> =
        path.split('/').filter(|s| s.starts_with('{')).map(|s| s.trim_matches(|c| c == '{' || c == '}')).collect();
    let Some(first) = params.first() else {
        return Vec::new();
    };
    let nowhere = uuid::Uuid::now_v7().to_string();
    let candidates = caller.unreachable.get(first).cloned().unwrap_or_else(|| vec![nowhere.clone()]);
    candidates
        .iter()
        .map(|id| {
            let mut filled = path.replacen(&format!("{{{first}}}"), id, 1);
            for later in &params[1..] {
                let any =
                    caller.unreachable.get(later).and_then(|v| v.first()).cloned().unwrap_or_else(|| nowhere.clone());
                filled = filled.replacen(&format!("{{{later}}}"), &any, 1);
            }
            filled
        })
        .collect()
}

#[actix_web::test]
async fn no_role_reaches_what_it_must_not_on_any_route_of_the_spec() {
    let app = TestApp::spawn().await;
    let a = build_practice(&app, "alpha").await;
    let b = build_practice(&app, "beta").await;
    let mut everyone = callers(&a, &b, "alpha");
    everyone.extend(callers(&b, &a, "beta"));
    let spec = app.call("GET", "/openapi.json", None, None).await.body;
    let mut checked = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let secured = op["security"].as_array().is_some_and(|s| !s.is_empty());
            let body = body_for(op, &spec);
            if secured {
                let concrete = path.replace(['{', '}'], "");
                let anonymous = app.call(&method.to_uppercase(), &concrete, None, body.clone()).await;
                assert_eq!(anonymous.status, 401, "{method} {path} without a token: {}", anonymous.raw);
            }
            if !path.contains('{') {
                continue;
            }
            for caller in &everyone {
                for concrete in substitutions(path, caller) {
                    let opens_break_glass = method == "post"
                        && path.ends_with("/break-glass")
                        && caller.break_glass_couple.as_deref().is_some_and(|c| concrete.contains(c));
                    if opens_break_glass {
                        continue;
                    }
                    let reply = app.call(&method.to_uppercase(), &concrete, Some(&caller.token), body.clone()).await;
                    assert!(
                        !reply.status.is_success(),
                        "{} reached {method} {concrete} ({path}): {} {}",
                        caller.name,
                        reply.status,
                        reply.raw
                    );
                    assert!(
                        reply.status.is_client_error(),
                        "{} got {} on {method} {concrete}: {}",
                        caller.name,
                        reply.status,
                        reply.raw
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 50, "the matrix ran {checked} requests");
}
