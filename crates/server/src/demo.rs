//! The demo couple's history, played through the use cases a clinician and two partners
//! would call (`tandem_service`), at the times they would have called them: the seeder
//! writes no clinical state by hand, so the demo obeys every rule the API does.

use chrono::{DateTime, Duration, Utc};
use tandem_domain::agreements::PartnerTerms;
use tandem_domain::{Actor, UserKind};
use tandem_service::audit::AuditLog;
use tandem_service::records::CoupleRow;
use tandem_service::{
    Ctx, Env, agreements, comfort_script, consents, decisions, journal, journal_prompts, measure_responses, measures,
    milestones, needs_map, plan_editing, plans, reconnect, reports, template_plans,
};
use tandem_store::exercises::{self, ExerciseFilter, Visible};
use tandem_store::{PageRequest, Pool};

use crate::setup::SetupError;

/// Who does what in the demo couple's story.
struct Cast {
    env: Env,
    clinician: Actor,
    partners: [Actor; 2],
}

impl Cast {
    fn new(pool: &Pool, couple: &CoupleRow, clinician: &str) -> Self {
        let staff = |user_id: &str| Actor {
            user_id: user_id.to_owned(),
            practice_id: couple.practice_id.clone(),
            kind: UserKind::Staff,
            is_admin: false,
            is_clinician: true,
        };
        let client = |user_id: &str| Actor { kind: UserKind::Client, is_clinician: false, ..staff(user_id) };
        Self {
            env: Env { pool: pool.clone(), audit: AuditLog::direct(pool.clone()), now: Utc::now(), request_id: None },
            clinician: staff(clinician),
            partners: [client(&couple.partner_a_id), client(&couple.partner_b_id)],
        }
    }

    /// `actor`, acting at `at`.
    fn at(&self, actor: &Actor, at: DateTime<Utc>) -> Ctx {
        Env { now: at, ..self.env.clone() }.as_actor(actor.clone())
    }
}

fn terms(tags: &[&str]) -> PartnerTerms {
    PartnerTerms {
        willing_to_try: "Holding hands, cuddling with clothes on, massages".into(),
        off_limits: "Anything undressed for now".into(),
        off_limits_tags: tags.iter().map(|t| (*t).to_owned()).collect(),
        pause_signal: "Saying 'pause'".into(),
        soft_no: "Not right now".into(),
        tentative_yes: "I'd like to try, slowly".into(),
    }
}

/// One comfortable, completed attempt, shared with the clinician only.
fn attempt(at: DateTime<Utc>, after: i32) -> reports::NewReport {
    reports::NewReport {
        occurred_at: at,
        item_id: None,
        outcome: "completed".into(),
        distress_before: after + 15,
        distress_peak: after + 20,
        distress_after: after,
        comfort: 7,
        closeness: 7,
        boundary_crossed: false,
        note: None,
        visibility: "clinician_only".into(),
    }
}

fn report(
    cast: &Cast,
    partner: usize,
    plan_id: &str,
    step_id: &str,
    at: DateTime<Utc>,
    after: i32,
) -> Result<(), SetupError> {
    let cx = cast.at(&cast.partners[partner], at + Duration::minutes(30));
    let prepared = reports::prepare_report(&cx, plan_id, step_id, attempt(at, after))?;
    cx.write(|conn| reports::record_report(conn, prepared))?;
    Ok(())
}

/// Gives the demo couple an agreement in effect and a three-step plan: two weeks of
/// practice on step 1, the clinician's advance a week ago, two sessions on step 2, and a
/// milestone.
pub fn seed_couple_history(
    pool: &Pool,
    couple: &CoupleRow,
    clinician: &str,
    now: DateTime<Utc>,
) -> Result<(), SetupError> {
    let cast = Cast::new(pool, couple, clinician);
    let started = now - Duration::days(21);
    let setup = cast.at(&cast.clinician, started - Duration::hours(2));

    let partners = cast.partners.iter().zip([&["clothing:removed", "touch:genital"][..], &["clothing:removed"][..]]);
    let input = agreements::AgreementInput {
        review_by: now + Duration::days(30),
        partners: partners
            .map(|(p, tags)| agreements::PartnerInput { user_id: p.user_id.clone(), terms: terms(tags) })
            .collect(),
    };
    let draft = agreements::draft(&setup, &couple.id, input)?;
    agreements::put(&setup, draft)?;
    for partner in &cast.partners {
        agreements::acknowledge(&cast.at(partner, started - Duration::hours(1)), &couple.id)?;
    }

    let new_plan = plans::NewPlan {
        title: "Rebuilding comfortable touch".into(),
        goal: "Feel at ease holding each other again".into(),
    };
    let mut ctx = plans::create(&setup, &couple.id, new_plan)?;
    let plan_id = ctx.tree.plan.id.clone();
    let library = setup.read(|conn| {
        let visible = Visible::Practice(couple.practice_id.clone());
        Ok(exercises::list(conn, &visible, &ExerciseFilter::default(), &PageRequest { after: None, limit: 200 })?)
    })?;
    for key in ["holding-hands", "clothed-cuddle", "hand-and-foot-massage"] {
        let exercise = library
            .items
            .iter()
            .find(|e| e.builtin_key.as_deref() == Some(key))
            .ok_or_else(|| SetupError::Invalid(format!("starter {key} missing")))?;
        let step = plan_editing::StepInput {
            title: Some(exercise.title.clone()),
            description: Some(format!("{} three times a week", exercise.title)),
            target_per_week: Some(3),
            criteria: None,
        };
        ctx = plan_editing::add_step(&setup, &plan_id, Some(&plans::tag(&ctx.tree.plan)), step)?;
        let step_id = ctx.tree.steps.last().map(|s| s.id.clone()).unwrap_or_default();
        let tag = plans::tag(&ctx.tree.plan);
        ctx = plan_editing::add_exercise(&setup, &plan_id, &step_id, Some(&tag), &exercise.id)?;
    }
    let steps: Vec<String> = ctx.tree.steps.iter().map(|s| s.id.clone()).collect();
    for step in &steps {
        consents::set(&cast.at(&cast.partners[0], started - Duration::minutes(30)), &plan_id, step, "yes", None)?;
        let tentative = cast.at(&cast.partners[1], started - Duration::minutes(20));
        consents::set(&tentative, &plan_id, step, "tentative_yes", None)?;
    }
    plans::change_status(&cast.at(&cast.clinician, started), &plan_id, "activate")?;

    // Two weeks of practice on step 1, getting easier.
    let mut day = 1;
    for (i, after) in [35, 30, 25, 20, 15].into_iter().enumerate() {
        for partner in 0..2 {
            let after = after + i32::try_from(partner * 5).unwrap_or(0);
            report(&cast, partner, &plan_id, &steps[0], started + Duration::days(day), after)?;
        }
        day += 2 + i64::try_from(i % 2).unwrap_or(0);
    }
    milestones::create(
        &cast.at(&cast.partners[0], started + Duration::days(9)),
        &couple.id,
        milestones::NewMilestone { title: "Held hands through a whole film".into(), note: None, achieved_at: None },
    )?;

    // The clinician advanced a week ago, answering the recommendation they read.
    let advanced = now - Duration::days(7);
    let review = cast.at(&cast.clinician, advanced);
    let recommendation = decisions::recommendation(&review, &plan_id)?;
    let decision = decisions::NewDecision {
        kind: "advance".into(),
        rationale: "Both partners report low distress holding hands; ready for cuddling.".into(),
        recommendation_etag: recommendation.current.etag,
    };
    decisions::decide(&review, &plan_id, decision)?;
    for (d, after) in [(2, 25), (4, 20)] {
        for partner in 0..2 {
            report(&cast, partner, &plan_id, &steps[1], advanced + Duration::days(d), after)?;
        }
    }
    seed_toolkit(&cast, couple, now - Duration::days(10))?;
    seed_journal(&cast, couple, now)?;
    seed_reconnect_window(&cast, couple, now)?;
    Ok(())
}

/// Both partners' needs maps (items of every visibility), one agreed compromise and a
/// comfort script written by one partner and completed by the other, from `from` on.
fn seed_toolkit(cast: &Cast, couple: &CoupleRow, from: DateTime<Utc>) -> Result<(), SetupError> {
    let items: [(usize, &str, &str, &str); 7] = [
        (0, "desire", "Unhurried mornings together at the weekend", "shared"),
        (0, "boundary", "No touching when I'm cooking or on a work call", "shared"),
        (0, "desire", "To feel wanted without it having to lead anywhere", "clinician"),
        (0, "boundary", "Not ready to talk about the surgery yet", "private"),
        (1, "desire", "Cuddling on the sofa in the evening", "shared"),
        (1, "boundary", "Please ask before hugging me from behind", "clinician"),
        (1, "desire", "Dancing in the kitchen again, like before", "private"),
    ];
    for (i, (partner, kind, text, visibility)) in items.into_iter().enumerate() {
        let at = from + Duration::hours(i64::try_from(i).unwrap_or(0));
        let cx = cast.at(&cast.partners[partner], at);
        let input =
            needs_map::NewItem { kind: kind.into(), text: text.into(), note: None, visibility: visibility.into() };
        let prepared = needs_map::prepare_item(&cx, &couple.id, input)?;
        cx.write(|conn| needs_map::record_item(conn, prepared))?;
    }
    let proposer = cast.at(&cast.partners[1], from + Duration::days(1));
    let proposal = needs_map::NewCompromise {
        text: "Cuddles on the sofa on Sundays, clothes on, no expectations".into(),
        note: Some("Either of us can end it at any time".into()),
    };
    let prepared = needs_map::prepare_compromise(&proposer, &couple.id, proposal)?;
    let compromise = proposer.write(|conn| needs_map::record_compromise(conn, prepared))?;
    needs_map::accept(&cast.at(&cast.partners[0], from + Duration::days(2)), &couple.id, &compromise.id)?;

    let script = |helps_b: &str| comfort_script::ScriptInput {
        helps: vec![
            (cast.partners[0].user_id.clone(), "A hand on my back, and time to finish my sentence".into()),
            (cast.partners[1].user_id.clone(), helps_b.into()),
        ],
        words_to_use: "\"I'm here\", \"we'll figure it out together\"".into(),
        words_to_avoid: "\"always\", \"never\", \"calm down\"".into(),
        time_out_signal: "A hand raised flat: twenty minutes apart, no questions".into(),
        coming_back: "Whoever called the time-out comes back with a cup of tea and one sentence".into(),
    };
    for (partner, day, helps_b) in [(0, 3, ""), (1, 4, "A walk outside, side by side rather than face to face")] {
        let cx = cast.at(&cast.partners[partner], from + Duration::days(day));
        let draft = comfort_script::draft(&cx, &couple.id, script(helps_b))?;
        comfort_script::put(&cx, draft)?;
    }
    Ok(())
}

/// A few days of journaling and one weekly talk: the clinician assigns a built-in prompt
/// to both partners; one answers it in the shared journal, the other keeps a private
/// entry (so the demo shows what each reader sees).
fn seed_journal(cast: &Cast, couple: &CoupleRow, now: DateTime<Utc>) -> Result<(), SetupError> {
    let assigned_at = now - Duration::days(5);
    let clinician = cast.at(&cast.clinician, assigned_at);
    let library = journal_prompts::list_prompts(&clinician, &PageRequest { after: None, limit: 50 })?;
    let prompt = library
        .items
        .iter()
        .find(|p| p.builtin() && p.title == "A small win this week")
        .ok_or_else(|| SetupError::Invalid("built-in journal prompt missing".into()))?;
    let assignment = journal_prompts::NewAssignment { prompt_id: prompt.id.clone(), partner_id: None };
    let assignment = journal_prompts::assign(&clinician, &couple.id, assignment)?;
    let entries = [
        (
            0,
            4,
            Some(assignment.row.id.clone()),
            "We cooked together on Sunday and it felt easy, like before.",
            "shared",
        ),
        (1, 3, None, "I still tense up when the evening gets quiet. I want to say so, but not yet.", "private"),
        (1, 1, None, "Holding hands on the sofa felt calmer than last week.", "clinician"),
    ];
    for (partner, days_ago, assignment_id, text, visibility) in entries {
        let cx = cast.at(&cast.partners[partner], now - Duration::days(days_ago));
        let input = journal::NewEntry {
            prompt_id: None,
            assignment_id,
            text: text.into(),
            visibility: visibility.into(),
            milestone_ids: Vec::new(),
        };
        let prepared = journal::prepare_entry(&cx, &couple.id, input)?;
        cx.write(|conn| journal::record_entry(conn, prepared))?;
    }
    let talk = reports::NewCheckIn {
        kind: Some("weekly_talk".into()),
        gratitude: Some("Thank you for making time for our walks.".into()),
        frustrations: Some("We let work eat two evenings this week.".into()),
        next_steps: Some("Keep Sunday evening free, phones in the drawer.".into()),
        visibility: "shared_with_partner".into(),
        ..reports::NewCheckIn::default()
    };
    let cx = cast.at(&cast.partners[0], now - Duration::days(2));
    let prepared = reports::prepare_check_in(&cx, &couple.id, talk)?;
    cx.write(|conn| reports::record_check_in(conn, prepared))?;
    Ok(())
}

/// Starts a demo couple without a running plan on "Grief and reconnection": their
/// clinician drafts a plan from the built-in template (`POST /couples/{id}/plans` with
/// `template_id`), as a new user would try it.
pub fn seed_template_plan(
    pool: &Pool,
    couple: &CoupleRow,
    clinician: &str,
    now: DateTime<Utc>,
) -> Result<(), SetupError> {
    let cast = Cast::new(pool, couple, clinician);
    let grief = tandem_domain::templates::BUILTIN_TEMPLATES
        .iter()
        .find(|t| t.title == "Grief and reconnection")
        .ok_or_else(|| SetupError::Invalid("built-in template missing".into()))?;
    let input = template_plans::FromTemplate { template_id: grief.id.to_owned(), title: None, goal: None };
    template_plans::create(&cast.at(&cast.clinician, now - Duration::hours(1)), &couple.id, input)?;
    Ok(())
}

/// Answers summing to `total`, filled from the first item (so PHQ-9 item 9 stays 0).
fn answers(total: i32, items: usize) -> Vec<Option<i32>> {
    let mut left = total;
    (0..items)
        .map(|_| {
            let v = left.min(3);
            left -= v;
            Some(v)
        })
        .collect()
}

/// Six weeks of questionnaires for the demo couple: PHQ-9 and GAD-7 every two weeks for
/// both partners, answered three times with scores easing; the fourth occurrence is due
/// now (on both agendas).
pub fn seed_measures(pool: &Pool, couple: &CoupleRow, clinician: &str, now: DateTime<Utc>) -> Result<(), SetupError> {
    let cast = Cast::new(pool, couple, clinician);
    let start = now - Duration::weeks(6);
    let setup = cast.at(&cast.clinician, start);
    let plan: [(&str, usize, [[i32; 3]; 2]); 2] =
        [("phq9", 9, [[12, 9, 6], [8, 7, 5]]), ("gad7", 7, [[10, 8, 5], [7, 6, 4]])];
    for (measure, items, scores) in plan {
        let input = measures::NewAssignment {
            measure: measure.into(),
            partner_id: None,
            every_weeks: Some(2),
            starts_at: Some(start),
        };
        let assignment = measures::assign(&setup, &couple.id, input)?.row.id;
        for (partner, totals) in scores.iter().enumerate() {
            for (k, total) in totals.iter().enumerate() {
                let day = i64::try_from(k * 14).unwrap_or(0) + i64::try_from(partner).unwrap_or(0);
                let cx = cast.at(&cast.partners[partner], start + Duration::days(day) + Duration::hours(20));
                let prepared = measure_responses::prepare(&cx, &couple.id, &assignment, answers(*total, items))?;
                cx.write(|conn| measure_responses::record(conn, prepared))?;
            }
        }
    }
    Ok(())
}

/// A Sunday 19:00 reconnect window (30 minutes, in the proposing partner's zone) that
/// the first partner proposed and the second accepted two weeks ago, and the first
/// partner's shared check-in after the last Sunday that has ended.
fn seed_reconnect_window(cast: &Cast, couple: &CoupleRow, now: DateTime<Utc>) -> Result<(), SetupError> {
    let agreed = now - Duration::days(14);
    let window = reconnect::NewWindow {
        weekday: "sun".into(),
        start_time: "19:00".into(),
        duration_minutes: 30,
        time_zone: None,
    };
    let proposing = cast.at(&cast.partners[0], agreed - Duration::hours(1));
    let prepared = reconnect::prepare_propose(&proposing, &couple.id, window)?;
    let window = proposing.write(|conn| reconnect::record_propose(conn, prepared))?;
    let accepted = reconnect::accept(&cast.at(&cast.partners[1], agreed), &couple.id, &window.row.id)?;
    let writing = cast.at(&cast.partners[0], now);
    let due = writing.read(|conn| reconnect::check_ins_due(conn, &couple.id, &cast.partners[0].user_id, now))?;
    if let Some(last) = due.first() {
        let check_in = reconnect::NewCheckIn {
            occurrence_date: last.occurrence_date.to_string(),
            closeness: 7,
            safety: 8,
            note: Some("Easier to settle in than last time".into()),
            visibility: "shared".into(),
        };
        let prepared = reconnect::prepare_check_in(&writing, &couple.id, &accepted.row.id, check_in)?;
        writing.write(|conn| reconnect::record_check_in(conn, prepared))?;
    }
    Ok(())
}

/// Discharges a demo couple as their clinician would (`PATCH /couples/{id}`).
pub fn discharge(pool: &Pool, couple: &CoupleRow, clinician: &str, now: DateTime<Utc>) -> Result<(), SetupError> {
    let cast = Cast::new(pool, couple, clinician);
    let patch = tandem_service::couples::CouplePatch {
        label: None,
        status: Some(tandem_service::records::CoupleStatus::Discharged),
    };
    tandem_service::couples::update(&cast.at(&cast.clinician, now), &couple.id, patch)?;
    Ok(())
}
