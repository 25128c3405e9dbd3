//! Fresh databases for tests, each a copy of one migrated template (the approach of
//! crates.io's `crates_io_test_db`): migrating takes seconds on PostgreSQL, copying a
//! migrated template a fraction of that.
//!
//! - **PostgreSQL**, when `TANDEM_TEST_DATABASE_URL` names a server we may create
//!   databases on: the template is `tandem_tpl_{hash}`, `hash` being that of the migration
//!   files, so an edited migration gets a new template while runs of other checkouts keep
//!   theirs. The first process to need it builds it under an advisory lock (concurrent
//!   test processes wait) and publishes it by marking it a template; each test then gets
//!   `CREATE DATABASE … TEMPLATE tandem_tpl_{hash}`, dropped with it.
//! - **SQLite**: the template is a migrated file in the temp dir, named by the same hash
//!   and published by an atomic rename; each test gets a copy in a temp dir of its own.
//!
//! This runs only inside tests, so a failure panics and says what went wrong, as an
//! assertion would.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::{Connection, OptionalExtension, PgConnection, QueryableByName, RunQueryDsl};
use sha2::{Digest, Sha256};
use tandem_store::{AnyConnection, Backend};
use tempfile::TempDir;

/// The variable naming a PostgreSQL server (any database on it) tests may create
/// databases on.
pub const DATABASE_URL_VAR: &str = "TANDEM_TEST_DATABASE_URL";

/// Serialises template builds across processes (and checkouts) on one server.
const TEMPLATE_LOCK: i64 = 0x7461_6e64_656d_7470; // "tandemtp"

/// The PostgreSQL server of this run, if it is a PostgreSQL run.
#[must_use]
pub fn postgres_admin_url() -> Option<String> {
    std::env::var(DATABASE_URL_VAR).ok().filter(|v| !v.is_empty())
}

/// A database of its own for one test, removed when dropped.
#[derive(Debug)]
pub struct TestDatabase {
    url: String,
    backend: Backend,
    place: Place,
}

#[derive(Debug)]
enum Place {
    Sqlite { _dir: TempDir },
    Postgres { admin_url: String, name: String },
}

impl TestDatabase {
    /// A migrated database on this run's backend: PostgreSQL when
    /// `TANDEM_TEST_DATABASE_URL` is set, SQLite otherwise.
    #[must_use]
    pub fn migrated() -> Self {
        match postgres_admin_url() {
            Some(admin_url) => Self::postgres(&admin_url),
            None => Self::sqlite(),
        }
    }

    /// A migrated SQLite database: a copy of the migrated template file.
    #[must_use]
    pub fn sqlite() -> Self {
        let (dir, path) = sqlite_file();
        std::fs::copy(sqlite_template(), &path).unwrap_or_else(|e| panic!("copy the SQLite template: {e}"));
        Self {
            url: format!("sqlite://{}", path.display()),
            backend: Backend::Sqlite,
            place: Place::Sqlite { _dir: dir },
        }
    }

    /// A migrated PostgreSQL database on the server of `admin_url`, created from the
    /// migrated template.
    #[must_use]
    pub fn postgres(admin_url: &str) -> Self {
        let template = postgres_template(admin_url);
        Self::new_postgres(admin_url, Some(template))
    }

    /// An empty SQLite database (for tests of the migrations themselves).
    #[must_use]
    pub fn empty_sqlite() -> Self {
        let (dir, path) = sqlite_file();
        Self {
            url: format!("sqlite://{}", path.display()),
            backend: Backend::Sqlite,
            place: Place::Sqlite { _dir: dir },
        }
    }

    /// An empty PostgreSQL database (for tests of the migrations themselves).
    #[must_use]
    pub fn empty_postgres(admin_url: &str) -> Self {
        Self::new_postgres(admin_url, None)
    }

    fn new_postgres(admin_url: &str, template: Option<&str>) -> Self {
        let name = format!("tandem_t_{}", uuid::Uuid::now_v7().simple());
        let mut admin = admin_connection(admin_url);
        let sql = match template {
            Some(template) => format!("CREATE DATABASE \"{name}\" TEMPLATE \"{template}\""),
            None => format!("CREATE DATABASE \"{name}\""),
        };
        // A connection to the template that has just closed may linger on the server
        // for a moment, and a template must have no connections while it is copied.
        let mut tries = 0;
        loop {
            match admin.batch_execute(&sql) {
                Ok(()) => break,
                Err(e) if tries < 100 && e.to_string().contains("is being accessed by other users") => {
                    tries += 1;
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(e) => panic!("create the test database {name}: {e}"),
            }
        }
        Self {
            url: database_url(admin_url, &name),
            backend: Backend::Postgres,
            place: Place::Postgres { admin_url: admin_url.to_owned(), name },
        }
    }

    /// The database's URL, as the app's configuration takes it.
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }

    #[must_use]
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A connection of its own to this database.
    #[must_use]
    pub fn connect(&self) -> AnyConnection {
        tandem_store::connect(&self.url).unwrap_or_else(|e| panic!("connect to the test database: {e}"))
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Place::Postgres { admin_url, name } = &self.place
            && let Ok(mut admin) = PgConnection::establish(admin_url)
        {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
        }
    }
}

fn admin_connection(admin_url: &str) -> PgConnection {
    PgConnection::establish(admin_url).unwrap_or_else(|e| panic!("connect to {DATABASE_URL_VAR}: {e}"))
}

/// `admin_url` with its database replaced by `name`.
fn database_url(admin_url: &str, name: &str) -> String {
    let mut url = url::Url::parse(admin_url).unwrap_or_else(|e| panic!("{DATABASE_URL_VAR} is not a URL: {e}"));
    url.set_path(&format!("/{name}"));
    url.to_string()
}

fn sqlite_file() -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("create a temp dir: {e}"));
    let path = dir.path().join("tandem.db");
    (dir, path)
}

/// A digest of a migration tree's files (paths and contents), so any edit gives new
/// templates.
fn migrations_hash(tree: &str) -> String {
    fn walk(dir: &Path, root: &Path, hasher: &mut Sha256) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(&path, root, hasher);
            } else {
                let contents = std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
                hasher.update(path.strip_prefix(root).unwrap_or(&path).to_string_lossy().as_bytes());
                hasher.update([0]);
                hasher.update(&contents);
                hasher.update([0]);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations").join(tree);
    let mut hasher = Sha256::new();
    walk(&root, &root, &mut hasher);
    hasher.finalize().iter().take(8).map(|b| format!("{b:02x}")).collect()
}

#[derive(QueryableByName)]
struct IsTemplate {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    datistemplate: bool,
}

/// Whether `name` exists and is complete (only a finished build is marked a template).
fn is_template(admin: &mut PgConnection, name: &str) -> bool {
    diesel::sql_query("SELECT datistemplate FROM pg_database WHERE datname = $1")
        .bind::<diesel::sql_types::Text, _>(name)
        .get_result::<IsTemplate>(admin)
        .optional()
        .unwrap_or_else(|e| panic!("look up the template database: {e}"))
        .is_some_and(|t| t.datistemplate)
}

/// The migrated PostgreSQL template of this migration set, built if missing.
fn postgres_template(admin_url: &str) -> &'static str {
    static TEMPLATE: OnceLock<String> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let name = format!("tandem_tpl_{}", migrations_hash("postgres"));
        let mut admin = admin_connection(admin_url);
        if is_template(&mut admin, &name) {
            return name;
        }
        let lock = |admin: &mut PgConnection, verb: &str| {
            admin
                .batch_execute(&format!("SELECT pg_advisory_{verb}({TEMPLATE_LOCK})"))
                .unwrap_or_else(|e| panic!("pg_advisory_{verb}: {e}"));
        };
        lock(&mut admin, "lock");
        // Another process may have built it while this one waited for the lock.
        if !is_template(&mut admin, &name) {
            let run = |admin: &mut PgConnection, sql: String| {
                admin.batch_execute(&sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
            };
            // What a build that died half way left behind.
            run(&mut admin, format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
            run(&mut admin, format!("CREATE DATABASE \"{name}\""));
            {
                let url = database_url(admin_url, &name);
                let mut conn = tandem_store::connect(&url).unwrap_or_else(|e| panic!("connect to {name}: {e}"));
                tandem_store::migrations::run_pending(&mut conn).unwrap_or_else(|e| panic!("migrate {name}: {e}"));
            }
            run(&mut admin, format!("ALTER DATABASE \"{name}\" IS_TEMPLATE true"));
        }
        lock(&mut admin, "unlock");
        name
    })
}

/// The migrated SQLite template file of this migration set, built if missing.
fn sqlite_template() -> &'static Path {
    static TEMPLATE: OnceLock<PathBuf> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let dir = std::env::temp_dir().join("tandem-test-templates");
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
        let hash = migrations_hash("sqlite");
        let path = dir.join(format!("sqlite-{hash}.db"));
        if path.exists() {
            return path;
        }
        // Built under a name of its own, then renamed into place in one step: a process
        // never sees half a template, and two building at once publish the same file.
        let building = dir.join(format!("sqlite-{hash}-{}.building", uuid::Uuid::now_v7().simple()));
        {
            let mut conn = tandem_store::connect(&format!("sqlite://{}", building.display()))
                .unwrap_or_else(|e| panic!("create the SQLite template: {e}"));
            tandem_store::migrations::run_pending(&mut conn)
                .unwrap_or_else(|e| panic!("migrate the SQLite template: {e}"));
            // One self-contained file: the write-ahead log folded in and switched off.
            conn.batch_execute("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE;")
                .unwrap_or_else(|e| panic!("finish the SQLite template: {e}"));
        }
        std::fs::rename(&building, &path).unwrap_or_else(|e| panic!("publish the SQLite template: {e}"));
        path
    })
}
