//! Creating practices: `tandem admin bootstrap` for a real one, `tandem demo` for a
//! playground with printed logins.

use chrono::{DateTime, Utc};
use tandem_api::audit::{self, Event};
use tandem_api::auth::password;
use tandem_domain::validation::{check_display_name, check_password, normalize_email};
use tandem_domain::{UserKind, UserStatus};
use tandem_store::couples::{self, CoupleRow, CoupleStatus};
use tandem_store::users::{self, NewUser};
use tandem_store::{AnyConnection, Pool, StoreError, ids, practices, time, write_tx};

/// Why setting up failed.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Api(String),
}

impl From<tandem_store::DbError> for SetupError {
    fn from(e: tandem_store::DbError) -> Self {
        Self::Store(e.into())
    }
}

/// A staff account to create.
#[derive(Debug, Clone)]
pub struct StaffSeed<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub password: &'a str,
    pub admin: bool,
    pub clinician: bool,
}

fn insert_staff(
    conn: &mut AnyConnection,
    practice_id: &str,
    seed: &StaffSeed<'_>,
    password_hash: &str,
    now: DateTime<Utc>,
) -> Result<String, SetupError> {
    let email = normalize_email(seed.email).map_err(|m| SetupError::Invalid(format!("email {m}")))?;
    let id = ids::new_id();
    users::insert(
        conn,
        &NewUser {
            id: &id,
            practice_id,
            email: &email,
            display_name: seed.display_name,
            kind: UserKind::Staff,
            is_admin: seed.admin,
            is_clinician: seed.clinician,
            status: UserStatus::Active,
            password_hash: Some(password_hash),
            time_zone: "UTC",
        },
        now,
    )
    .map_err(|e| match e {
        StoreError::Conflict(_) => SetupError::Invalid(format!("{email} already has an account")),
        other => other.into(),
    })?;
    Ok(id)
}

/// Creates a practice and its first admin in one transaction; returns the practice id.
pub fn bootstrap(
    pool: &Pool,
    practice_name: &str,
    admin: &StaffSeed<'_>,
    now: DateTime<Utc>,
) -> Result<String, SetupError> {
    let name = practice_name.trim();
    check_display_name(name).map_err(|m| SetupError::Invalid(format!("practice name {m}")))?;
    check_display_name(admin.display_name).map_err(|m| SetupError::Invalid(format!("admin name {m}")))?;
    check_password(admin.password).map_err(|m| SetupError::Invalid(format!("password {m}")))?;
    let hash = password::hash(admin.password).map_err(|e| SetupError::Api(e.to_string()))?;
    let mut conn = pool.get().map_err(StoreError::from)?;
    write_tx(&mut conn, |conn| {
        let practice_id = ids::new_id();
        practices::insert(conn, &practice_id, name, now)?;
        tandem_store::exercises::ensure_starters(conn, &practice_id, now)?;
        let admin_id = insert_staff(conn, &practice_id, admin, &hash, now)?;
        audit::record(
            conn,
            Event::new(&practice_id, None, "practice.bootstrap", "practice", now)
                .resource(&practice_id)
                .actor_id(&admin_id, "system"),
        )?;
        Ok(practice_id)
    })
}

/// The demo practice's name; `tandem demo` is idempotent on it.
pub const DEMO_PRACTICE: &str = "Tandem Demo Practice";
/// Every demo login uses this password.
pub const DEMO_PASSWORD: &str = "tandem-demo-password";

/// A login printed for the newcomer.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    pub role: &'static str,
    pub email: &'static str,
}

/// The demo accounts.
pub const DEMO_LOGINS: [DemoLogin; 7] = [
    DemoLogin { role: "admin", email: "admin@demo.tandem.localhost" },
    DemoLogin { role: "clinician", email: "rivera@demo.tandem.localhost" },
    DemoLogin { role: "admin + clinician", email: "chen@demo.tandem.localhost" },
    DemoLogin { role: "partner (couple 1)", email: "robin@demo.tandem.localhost" },
    DemoLogin { role: "partner (couple 1)", email: "sasha@demo.tandem.localhost" },
    DemoLogin { role: "partner (couple 2)", email: "kim@demo.tandem.localhost" },
    DemoLogin { role: "partner (couple 3)", email: "noor@demo.tandem.localhost" },
];

/// A demo partner: name, email, and whether they have accepted their invitation.
type DemoPartner = (&'static str, &'static str, bool);

/// Demo couples: label, partners, index of their clinician in `DEMO_LOGINS`, discharged.
const DEMO_COUPLES: [(&str, [DemoPartner; 2], usize, bool); 3] = [
    (
        "Couple 1 (Tuesdays)",
        [("Robin", "robin@demo.tandem.localhost", true), ("Sasha", "sasha@demo.tandem.localhost", true)],
        1,
        false,
    ),
    (
        "Couple 2 (new)",
        [("Kim", "kim@demo.tandem.localhost", true), ("Lee", "lee@demo.tandem.localhost", false)],
        1,
        false,
    ),
    (
        "Couple 3 (finished)",
        [("Noor", "noor@demo.tandem.localhost", true), ("Ari", "ari@demo.tandem.localhost", true)],
        2,
        true,
    ),
];

/// Seeds the demo practice unless it exists. Returns whether it created anything.
pub fn demo(pool: &Pool, now: DateTime<Utc>) -> Result<bool, SetupError> {
    let mut conn = pool.get().map_err(StoreError::from)?;
    if practices::find_by_name(&mut conn, DEMO_PRACTICE)?.is_some() {
        return Ok(false);
    }
    let hash = password::hash(DEMO_PASSWORD).map_err(|e| SetupError::Api(e.to_string()))?;
    write_tx(&mut conn, |conn| {
        let practice_id = ids::new_id();
        practices::insert(conn, &practice_id, DEMO_PRACTICE, now)?;
        tandem_store::exercises::ensure_starters(conn, &practice_id, now)?;
        let names = ["Alex Morgan (admin)", "Dr. Sam Rivera", "Dr. Lee Chen"];
        let roles = [(true, false), (false, true), (true, true)];
        let mut staff = Vec::new();
        for ((login, name), (admin, clinician)) in DEMO_LOGINS.iter().zip(names).zip(roles) {
            let seed = StaffSeed { email: login.email, display_name: name, password: DEMO_PASSWORD, admin, clinician };
            staff.push(insert_staff(conn, &practice_id, &seed, &hash, now)?);
        }
        for (label, partners, clinician, discharged) in DEMO_COUPLES {
            let mut ids_of = Vec::new();
            for (name, email, accepted) in partners {
                let id = ids::new_id();
                let status = if accepted { UserStatus::Active } else { UserStatus::Invited };
                let new = NewUser {
                    id: &id,
                    practice_id: &practice_id,
                    email,
                    display_name: name,
                    kind: UserKind::Client,
                    is_admin: false,
                    is_clinician: false,
                    status,
                    password_hash: accepted.then_some(hash.as_str()),
                    time_zone: "Europe/Berlin",
                };
                users::insert(conn, &new, now)?;
                ids_of.push(id);
            }
            let couple = CoupleRow {
                id: ids::new_id(),
                practice_id: practice_id.clone(),
                label: label.into(),
                status: if discharged { CoupleStatus::Discharged } else { CoupleStatus::Active }.as_str().into(),
                partner_a_id: ids_of[0].clone(),
                partner_b_id: ids_of[1].clone(),
                created_by: staff[clinician].clone(),
                created_at: time::to_db(now),
                updated_at: time::to_db(now),
                discharged_at: discharged.then(|| time::to_db(now)),
            };
            couples::insert(conn, &couple, std::slice::from_ref(&staff[clinician]), now)?;
            if label.starts_with("Couple 1") {
                seed_demo_plan(conn, &couple, &staff[clinician], now)?;
            }
        }
        audit::record(
            conn,
            Event::new(&practice_id, None, "practice.demo_seed", "practice", now).resource(&practice_id),
        )?;
        Ok(true)
    })
}

/// Gives a demo couple an agreement in effect and an active three-step plan.
fn seed_demo_plan(
    conn: &mut AnyConnection,
    couple: &CoupleRow,
    clinician: &str,
    now: DateTime<Utc>,
) -> Result<(), SetupError> {
    use tandem_domain::agreements::PartnerTerms;
    use tandem_domain::plans::{ConsentAnswer, Criteria, PlanStatus, StepStatus};
    use tandem_store::agreements::{self, AgreementRow};
    use tandem_store::plans::{self, ItemRow, PlanChanges, PlanRow, StepRow};

    let terms = |tags: &[&str]| {
        serde_json::to_string(&PartnerTerms {
            willing_to_try: "Holding hands, cuddling with clothes on, massages".into(),
            off_limits: "Anything undressed for now".into(),
            off_limits_tags: tags.iter().map(|t| (*t).to_owned()).collect(),
            pause_signal: "Saying 'pause'".into(),
            soft_no: "Not right now".into(),
            tentative_yes: "I'd like to try, slowly".into(),
        })
        .map_err(|e| SetupError::Api(e.to_string()))
    };
    let agreement = AgreementRow {
        id: ids::new_id(),
        practice_id: couple.practice_id.clone(),
        couple_id: couple.id.clone(),
        version: 1,
        partner_a_terms: terms(&["clothing:removed", "touch:genital"])?,
        partner_b_terms: terms(&["clothing:removed"])?,
        review_by: time::to_db(now + chrono::Duration::days(30)),
        created_by: clinician.to_owned(),
        created_at: time::to_db(now),
    };
    agreements::insert(conn, &agreement)?;
    agreements::acknowledge(conn, &agreement, &couple.partner_a_id, now)?;
    agreements::acknowledge(conn, &agreement, &couple.partner_b_id, now)?;

    let plan = PlanRow {
        id: ids::new_id(),
        practice_id: couple.practice_id.clone(),
        couple_id: couple.id.clone(),
        title: "Rebuilding comfortable touch".into(),
        goal: "Feel at ease holding each other again".into(),
        status: PlanStatus::Draft.as_str().into(),
        hold_cause: None,
        current_step_id: None,
        version: 1,
        created_by: clinician.to_owned(),
        created_at: time::to_db(now),
        updated_at: time::to_db(now),
        activated_at: None,
        completed_at: None,
    };
    plans::insert_plan(conn, &plan)?;
    let library = tandem_store::exercises::list(
        conn,
        &tandem_store::exercises::Visible::Practice(couple.practice_id.clone()),
        &tandem_store::exercises::ExerciseFilter::default(),
        &tandem_store::PageRequest { after: None, limit: 200 },
    )?;
    let criteria = Criteria::default();
    let mut first_step = None;
    for (position, key) in ["holding-hands", "clothed-cuddle", "hand-and-foot-massage"].into_iter().enumerate() {
        let exercise = library
            .items
            .iter()
            .find(|e| e.builtin_key.as_deref() == Some(key))
            .ok_or_else(|| SetupError::Invalid(format!("starter {key} missing")))?;
        let position = i32::try_from(position).unwrap_or(0);
        let step = StepRow {
            id: ids::new_id(),
            practice_id: couple.practice_id.clone(),
            plan_id: plan.id.clone(),
            position,
            title: exercise.title.clone(),
            description: format!("{} three times a week", exercise.title),
            target_per_week: 3,
            min_sessions: criteria.min_sessions,
            target_suds: criteria.target_suds,
            setback_suds: criteria.setback_suds,
            window_days: criteria.window_days,
            status: StepStatus::NotStarted.as_str().into(),
            activated_at: None,
            created_at: time::to_db(now),
            updated_at: time::to_db(now),
        };
        plans::insert_step(conn, &step)?;
        plans::insert_item(
            conn,
            &ItemRow {
                id: ids::new_id(),
                practice_id: couple.practice_id.clone(),
                plan_id: plan.id.clone(),
                step_id: step.id.clone(),
                position: 0,
                exercise_id: exercise.id.clone(),
                title: exercise.title.clone(),
                category: exercise.category.clone(),
                instructions: exercise.instructions.clone(),
                duration_minutes: exercise.duration_minutes,
                intensity: exercise.intensity,
                check_in_prompts: exercise.check_in_prompts.clone(),
                exit_strategy: exercise.exit_strategy.clone(),
                tags: exercise.tags.clone(),
                created_at: time::to_db(now),
            },
        )?;
        first_step.get_or_insert(step.id);
    }
    let first = first_step.ok_or_else(|| SetupError::Invalid("no demo steps".into()))?;
    let tree = plans::tree(conn, &plan.id)?.ok_or_else(|| SetupError::Invalid("demo plan missing".into()))?;
    let steps: Vec<String> = tree.steps.iter().map(|s| s.id.clone()).collect();
    let started = now - chrono::Duration::days(21);
    // Three weeks ago the couple consented to steps 1 and 2 and started; step 3 is consented too.
    for step in &steps {
        plans::set_consent(conn, &plan, step, &couple.partner_a_id, ConsentAnswer::Yes, None, started)?;
        plans::set_consent(conn, &plan, step, &couple.partner_b_id, ConsentAnswer::TentativeYes, None, started)?;
    }
    plans::set_step_status(conn, &first, StepStatus::Active, started)?;
    // Two weeks of practice on step 1, getting easier.
    let partners = [couple.partner_a_id.clone(), couple.partner_b_id.clone()];
    let mut day = 1;
    for (i, after) in [35, 30, 25, 20, 15].into_iter().enumerate() {
        for (p, partner) in partners.iter().enumerate() {
            let after = after + i32::try_from(p * 5).unwrap_or(0);
            demo_report(conn, couple, &plan.id, &first, partner, started + chrono::Duration::days(day), after, now)?;
        }
        day += 2 + i64::try_from(i % 2).unwrap_or(0);
    }
    plans::set_step_status(conn, &first, StepStatus::Completed, started)?;
    // The clinician advanced a week ago; step 2 has two comfortable sessions each so far.
    let advanced = now - chrono::Duration::days(7);
    plans::set_step_status(conn, &steps[1], StepStatus::Active, advanced)?;
    tandem_store::decisions::insert(
        conn,
        &tandem_store::decisions::DecisionRow {
            id: ids::new_id(),
            practice_id: couple.practice_id.clone(),
            couple_id: couple.id.clone(),
            plan_id: plan.id.clone(),
            step_id: first.clone(),
            kind: "advance".into(),
            rationale: "Both partners report low distress holding hands; ready for cuddling.".into(),
            recommendation_kind: "advance".into(),
            recommendation_etag: "\"seeded\"".into(),
            to_step_id: Some(steps[1].clone()),
            decided_by: clinician.to_owned(),
            created_at: time::to_db(advanced),
        },
    )?;
    for (d, after) in [(2, 25), (4, 20)] {
        for partner in &partners {
            demo_report(conn, couple, &plan.id, &steps[1], partner, advanced + chrono::Duration::days(d), after, now)?;
        }
    }
    plans::update_plan(
        conn,
        &plan.id,
        &PlanChanges {
            status: Some(PlanStatus::Active.as_str().into()),
            current_step_id: Some(Some(steps[1].clone())),
            activated_at: Some(Some(time::to_db(started))),
            ..PlanChanges::default()
        },
    )?;
    tandem_store::records::insert_milestone(
        conn,
        &tandem_store::records::MilestoneRow {
            id: ids::new_id(),
            practice_id: couple.practice_id.clone(),
            couple_id: couple.id.clone(),
            author_id: couple.partner_a_id.clone(),
            title: "Held hands through a whole film".into(),
            note: None,
            achieved_at: time::to_db(started + chrono::Duration::days(9)),
            created_at: time::to_db(started + chrono::Duration::days(9)),
        },
    )?;
    tandem_service::review::refresh_summary(conn, couple, now).map_err(|e| SetupError::Api(e.to_string()))?;
    Ok(())
}

/// One comfortable, completed attempt (clinician-only).
#[allow(clippy::too_many_arguments)]
fn demo_report(
    conn: &mut AnyConnection,
    couple: &CoupleRow,
    plan_id: &str,
    step_id: &str,
    author: &str,
    at: DateTime<Utc>,
    after: i32,
    now: DateTime<Utc>,
) -> Result<(), SetupError> {
    tandem_store::records::insert_report(
        conn,
        &tandem_store::records::ReportRow {
            id: ids::new_id(),
            practice_id: couple.practice_id.clone(),
            couple_id: couple.id.clone(),
            plan_id: plan_id.to_owned(),
            step_id: step_id.to_owned(),
            item_id: None,
            author_id: author.to_owned(),
            occurred_at: time::to_db(at.min(now)),
            outcome: "completed".into(),
            distress_before: after + 15,
            distress_peak: after + 20,
            distress_after: after,
            comfort: 7,
            closeness: 7,
            boundary_crossed: false,
            note: None,
            visibility: "clinician_only".into(),
            created_at: time::to_db(at.min(now)),
        },
    )?;
    Ok(())
}
