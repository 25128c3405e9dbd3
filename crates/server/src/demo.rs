//! The demo couple's history, played through the use cases a clinician and two partners
//! would call (`tandem_service`), at the times they would have called them: the seeder
//! writes no clinical state by hand, so the demo obeys every rule the API does.

use chrono::{DateTime, Duration, Utc};
use tandem_domain::agreements::PartnerTerms;
use tandem_domain::{Actor, UserKind};
use tandem_service::audit::AuditLog;
use tandem_service::records::CoupleRow;
use tandem_service::{Ctx, Env, agreements, consents, decisions, milestones, plan_editing, plans, reconnect, reports};
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
    seed_reconnect_window(&cast, couple, now)?;
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
