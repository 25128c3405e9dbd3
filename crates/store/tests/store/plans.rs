//! A plan's tree loads whole and in order: steps by position, each step's exercises by
//! position, both partners' current answers; the plan's version is an optimistic lock.

use tandem_domain::plans::{ConsentAnswer, PlanStatus, StepStatus};
use tandem_store::exercises;
use tandem_store::plans::{self, ItemRow, PlanChanges, PlanRow, StepRow};
use tandem_store::{AnyConnection, ids, time};

use crate::support::{Fixture, at, t0};

fn plan(f: &Fixture, couple_id: &str, status: PlanStatus) -> PlanRow {
    PlanRow {
        id: ids::new_id(),
        practice_id: f.practice.clone(),
        couple_id: couple_id.to_owned(),
        title: "Closeness".into(),
        goal: "Feel at ease".into(),
        status: status.as_str().into(),
        hold_cause: None,
        current_step_id: None,
        version: 1,
        created_by: f.clinician.clone(),
        created_at: time::to_db(t0()),
        updated_at: time::to_db(t0()),
        activated_at: None,
        completed_at: None,
        template_id: None,
        template_version: None,
    }
}

fn step(plan: &PlanRow, position: i32, title: &str) -> StepRow {
    StepRow {
        id: ids::new_id(),
        practice_id: plan.practice_id.clone(),
        plan_id: plan.id.clone(),
        position,
        title: title.into(),
        description: String::new(),
        target_per_week: 3,
        min_sessions: 3,
        target_suds: 30,
        setback_suds: 70,
        window_days: 14,
        status: StepStatus::NotStarted.as_str().into(),
        activated_at: None,
        created_at: time::to_db(t0()),
        updated_at: time::to_db(t0()),
    }
}

fn item(conn: &mut AnyConnection, step: &StepRow, position: i32, exercise_id: &str, title: &str) -> String {
    let row = ItemRow {
        id: ids::new_id(),
        practice_id: step.practice_id.clone(),
        plan_id: step.plan_id.clone(),
        step_id: step.id.clone(),
        position,
        exercise_id: exercise_id.to_owned(),
        title: title.into(),
        category: "communication".into(),
        instructions: "Talk".into(),
        duration_minutes: 10,
        intensity: 1,
        check_in_prompts: "[]".into(),
        exit_strategy: "Stop".into(),
        tags: "[]".into(),
        created_at: time::to_db(t0()),
    };
    plans::insert_item(conn, &row).unwrap();
    row.id
}

#[test]
fn a_plan_tree_loads_steps_exercises_and_answers_in_order() {
    let mut f = Fixture::new();
    let couple = f.couple("Rivers", &[f.clinician.clone()]);
    let other_couple = f.couple("Lakes", &[f.clinician.clone()]);
    exercises::ensure_starters(&mut f.conn, &f.practice, t0()).unwrap();
    let exercise = exercises::list(
        &mut f.conn,
        &exercises::Visible::Practice(f.practice.clone()),
        &exercises::ExerciseFilter::default(),
        &tandem_store::PageRequest { after: None, limit: 1 },
    )
    .unwrap()
    .items
    .remove(0)
    .id;

    let p = plan(&f, &couple.id, PlanStatus::Draft);
    plans::insert_plan(&mut f.conn, &p).unwrap();
    // Inserted out of order: the tree follows the positions.
    let third = step(&p, 2, "Third");
    let first = step(&p, 0, "First");
    let second = step(&p, 1, "Second");
    for s in [&third, &first, &second] {
        plans::insert_step(&mut f.conn, s).unwrap();
    }
    let later = item(&mut f.conn, &first, 1, &exercise, "Later");
    let earlier = item(&mut f.conn, &first, 0, &exercise, "Earlier");
    let elsewhere = item(&mut f.conn, &second, 0, &exercise, "Elsewhere");
    // Another plan's rows stay out of this tree.
    let q = plan(&f, &other_couple.id, PlanStatus::Draft);
    plans::insert_plan(&mut f.conn, &q).unwrap();
    let foreign = step(&q, 0, "Foreign");
    plans::insert_step(&mut f.conn, &foreign).unwrap();
    item(&mut f.conn, &foreign, 0, &exercise, "Foreign");
    plans::set_consent(&mut f.conn, &q, &foreign.id, &other_couple.partner_a_id, ConsentAnswer::No, None, at(1))
        .unwrap();

    let [a, b] = couple.partner_ids();
    plans::set_consent(&mut f.conn, &p, &first.id, a, ConsentAnswer::TentativeYes, Some("slowly"), at(1)).unwrap();
    plans::set_consent(&mut f.conn, &p, &first.id, a, ConsentAnswer::Yes, None, at(2)).unwrap();

    let tree = plans::tree(&mut f.conn, &p.id).unwrap().expect("the plan exists");
    let titles: Vec<&str> = tree.steps.iter().map(|s| s.title.as_str()).collect();
    assert_eq!(titles, vec!["First", "Second", "Third"]);
    let first_items: Vec<&str> = tree.items_of(&first.id).map(|i| i.id.as_str()).collect();
    assert_eq!(first_items, vec![earlier.as_str(), later.as_str()]);
    assert_eq!(tree.items_of(&second.id).map(|i| i.id.as_str()).collect::<Vec<_>>(), vec![elsewhere.as_str()]);
    assert_eq!(tree.items.len(), 3, "only this plan's exercises");
    assert_eq!(tree.answers(&first.id, [a, b]), [Some(ConsentAnswer::Yes), None], "the latest answer, per partner");
    assert_eq!(tree.answers(&second.id, [a, b]), [None, None]);
    assert_eq!(tree.consents.len(), 1, "one current answer per partner and step");
    let history: Vec<String> =
        plans::consent_history(&mut f.conn, &p.id).unwrap().into_iter().map(|e| e.answer).collect();
    assert_eq!(history, vec!["tentative_yes", "yes"], "every answer stays in the history, oldest first");

    let light = plans::tree_of(&mut f.conn, tree.plan.clone(), false).unwrap();
    assert!(light.items.is_empty(), "without exercises when not asked for");
    assert_eq!(light.steps.len(), 3);
    assert!(plans::tree(&mut f.conn, &ids::new_id()).unwrap().is_none());
}

#[test]
fn the_running_plan_is_found_and_the_version_is_an_optimistic_lock() {
    let mut f = Fixture::new();
    let couple = f.couple("Rivers", &[f.clinician.clone()]);
    let done = plan(&f, &couple.id, PlanStatus::Completed);
    plans::insert_plan(&mut f.conn, &done).unwrap();
    assert!(plans::running(&mut f.conn, &couple.id).unwrap().is_none(), "a completed plan is not running");
    let p = plan(&f, &couple.id, PlanStatus::Draft);
    plans::insert_plan(&mut f.conn, &p).unwrap();
    let activate = PlanChanges {
        status: Some(PlanStatus::Active.as_str().into()),
        activated_at: Some(Some(time::to_db(at(1)))),
        ..PlanChanges::default()
    };
    plans::update_plan(&mut f.conn, &p.id, &activate).unwrap();
    assert_eq!(plans::running(&mut f.conn, &couple.id).unwrap().map(|r| r.id), Some(p.id.clone()));
    // A second running plan for the couple is refused by the database itself.
    let twin = plan(&f, &couple.id, PlanStatus::OnHold);
    assert!(matches!(plans::insert_plan(&mut f.conn, &twin), Err(tandem_store::StoreError::Conflict(_))));

    assert!(plans::bump_version(&mut f.conn, &p.id, 1, at(2)).unwrap());
    assert!(!plans::bump_version(&mut f.conn, &p.id, 1, at(3)).unwrap(), "a writer holding version 1 lost the race");
    assert_eq!(plans::find_plan(&mut f.conn, &p.id).unwrap().unwrap().version, 2);
}
