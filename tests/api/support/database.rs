//! Which database a test runs on: a fresh copy of the migrated template (see
//! `tandem_test_db`), or one the test brought itself.

use tandem_test_db::TestDatabase;

/// Whether this run is against PostgreSQL.
pub fn on_postgres() -> bool {
    tandem_test_db::postgres_admin_url().is_some()
}

/// The database under a test app.
pub enum AppDatabase {
    /// Made for this test from the template, and dropped with it.
    Own(TestDatabase),
    /// Brought by the test (e.g. a private PostgreSQL cluster); left alone.
    External(String),
}

impl AppDatabase {
    /// A fresh migrated database on this run's backend.
    pub fn fresh() -> Self {
        Self::Own(TestDatabase::migrated())
    }

    pub fn url(&self) -> &str {
        match self {
            Self::Own(db) => db.url(),
            Self::External(url) => url,
        }
    }
}
