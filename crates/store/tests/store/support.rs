//! Fixtures written straight through the store: a practice, staff, clients, couples.

use chrono::{DateTime, Duration, Utc};
use tandem_domain::{UserKind, UserStatus};
use tandem_store::couples::{self, CoupleRow, CoupleStatus};
use tandem_store::users::{self, NewUser};
use tandem_store::{AnyConnection, Backend, ids, practices, time};
use tandem_test_db::TestDatabase;

/// A fresh database and a connection to it, with one practice and its clinician.
pub struct Fixture {
    // The connection closes before the database is dropped.
    pub conn: AnyConnection,
    pub practice: String,
    pub clinician: String,
    pub db: TestDatabase,
}

/// A fixed instant, so rows carry predictable times.
pub fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-23T12:00:00Z").unwrap().with_timezone(&Utc)
}

impl Fixture {
    pub fn new() -> Self {
        let db = TestDatabase::migrated();
        let mut conn = db.connect();
        let practice = practice(&mut conn, "Riverside");
        let clinician = staff(&mut conn, &practice, "clin@riverside.test");
        Self { conn, practice, clinician, db }
    }

    pub fn on_postgres(&self) -> bool {
        self.db.backend() == Backend::Postgres
    }

    /// A couple of two new clients, assigned to `clinicians`, created at `t0 + minutes`.
    pub fn couple(&mut self, label: &str, clinicians: &[String]) -> CoupleRow {
        couple_in(&mut self.conn, &self.practice.clone(), &self.clinician.clone(), label, clinicians)
    }
}

pub fn practice(conn: &mut AnyConnection, name: &str) -> String {
    let id = ids::new_id();
    practices::insert(conn, &id, name, t0()).unwrap();
    id
}

fn user(conn: &mut AnyConnection, practice: &str, email: &str, kind: UserKind) -> String {
    let id = ids::new_id();
    let user = NewUser {
        id: &id,
        practice_id: practice,
        email,
        display_name: "Someone",
        kind,
        is_admin: false,
        is_clinician: kind == UserKind::Staff,
        status: UserStatus::Active,
        password_hash: None,
        time_zone: "UTC",
    };
    users::insert(conn, &user, t0()).unwrap();
    id
}

/// A clinician of `practice`.
pub fn staff(conn: &mut AnyConnection, practice: &str, email: &str) -> String {
    user(conn, practice, email, UserKind::Staff)
}

/// A couple in `practice` with two new clients, created by `by`.
pub fn couple_in(conn: &mut AnyConnection, practice: &str, by: &str, label: &str, clinicians: &[String]) -> CoupleRow {
    let slug = label.to_lowercase().replace(' ', "-");
    let a = user(conn, practice, &format!("{slug}-a@example.test"), UserKind::Client);
    let b = user(conn, practice, &format!("{slug}-b@example.test"), UserKind::Client);
    let row = CoupleRow {
        id: ids::new_id(),
        practice_id: practice.to_owned(),
        label: label.to_owned(),
        status: CoupleStatus::Active.as_str().to_owned(),
        partner_a_id: a,
        partner_b_id: b,
        created_by: by.to_owned(),
        created_at: time::to_db(t0()),
        updated_at: time::to_db(t0()),
        discharged_at: None,
    };
    couples::insert(conn, &row, clinicians, t0()).unwrap();
    row
}

/// `t0` plus some minutes.
pub fn at(minutes: i64) -> DateTime<Utc> {
    t0() + Duration::minutes(minutes)
}
