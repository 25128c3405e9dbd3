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
    #[error(transparent)]
    Service(#[from] tandem_service::Error),
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
    let (history, fresh, discharge) = write_tx(&mut conn, |conn| {
        let mut history = None;
        let mut fresh = None;
        let mut discharge = Vec::new();
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
                status: CoupleStatus::Active.as_str().into(),
                partner_a_id: ids_of[0].clone(),
                partner_b_id: ids_of[1].clone(),
                created_by: staff[clinician].clone(),
                created_at: time::to_db(now),
                updated_at: time::to_db(now),
                discharged_at: None,
            };
            couples::insert(conn, &couple, std::slice::from_ref(&staff[clinician]), now)?;
            if label.starts_with("Couple 1") {
                history = Some((couple.clone(), staff[clinician].clone()));
            }
            if label.starts_with("Couple 2") {
                fresh = Some((couple.clone(), staff[clinician].clone()));
            }
            if discharged {
                discharge.push((couple, staff[clinician].clone()));
            }
        }
        audit::record(
            conn,
            Event::new(&practice_id, None, "practice.demo_seed", "practice", now).resource(&practice_id),
        )?;
        Ok::<_, SetupError>((history, fresh, discharge))
    })?;
    // The clinical story goes through the use cases, each in its own transaction.
    if let Some((couple, clinician)) = history {
        crate::demo::seed_couple_history(pool, &couple, &clinician, now)?;
        crate::demo::seed_measures(pool, &couple, &clinician, now)?;
    }
    if let Some((couple, clinician)) = fresh {
        crate::demo::seed_template_plan(pool, &couple, &clinician, now)?;
    }
    for (couple, clinician) in discharge {
        crate::demo::discharge(pool, &couple, &clinician, now)?;
    }
    Ok(true)
}
