//! Creating practices: `tandem admin bootstrap` for a real one, `tandem demo` for a
//! playground with printed logins.

use chrono::{DateTime, Utc};
use tandem_api::audit::{self, Event};
use tandem_api::auth::password;
use tandem_domain::validation::{check_display_name, check_password, normalize_email};
use tandem_domain::{UserKind, UserStatus};
use tandem_store::users::{self, NewUser};
use tandem_store::{AnyConnection, Pool, StoreError, ids, practices, write_tx};

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
    let email =
        normalize_email(seed.email).map_err(|m| SetupError::Invalid(format!("email {m}")))?;
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
    check_display_name(admin.display_name)
        .map_err(|m| SetupError::Invalid(format!("admin name {m}")))?;
    check_password(admin.password).map_err(|m| SetupError::Invalid(format!("password {m}")))?;
    let hash = password::hash(admin.password).map_err(|e| SetupError::Api(e.to_string()))?;
    let mut conn = pool.get().map_err(StoreError::from)?;
    write_tx(&mut conn, |conn| {
        let practice_id = ids::new_id();
        practices::insert(conn, &practice_id, name, now)?;
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
pub const DEMO_LOGINS: [DemoLogin; 3] = [
    DemoLogin {
        role: "admin",
        email: "admin@demo.tandem.localhost",
    },
    DemoLogin {
        role: "clinician",
        email: "rivera@demo.tandem.localhost",
    },
    DemoLogin {
        role: "admin + clinician",
        email: "chen@demo.tandem.localhost",
    },
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
        let names = ["Alex Morgan (admin)", "Dr. Sam Rivera", "Dr. Lee Chen"];
        let roles = [(true, false), (false, true), (true, true)];
        for ((login, name), (admin, clinician)) in DEMO_LOGINS.iter().zip(names).zip(roles) {
            let seed = StaffSeed {
                email: login.email,
                display_name: name,
                password: DEMO_PASSWORD,
                admin,
                clinician,
            };
            insert_staff(conn, &practice_id, &seed, &hash, now)?;
        }
        audit::record(
            conn,
            Event::new(&practice_id, None, "practice.demo_seed", "practice", now)
                .resource(&practice_id),
        )?;
        Ok(true)
    })
}
