//! Both migration trees give the same schema, and every down undoes its up.

use std::collections::BTreeSet;

use diesel::sql_types::{Integer, Text};
use diesel::{QueryableByName, RunQueryDsl};
use tandem_store::migrations::{revert_last, run_pending};
use tandem_store::{AnyConnection, Backend, PoolOptions, build_pool};

#[derive(QueryableByName)]
struct Column {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Integer)]
    not_null: i32,
}

type Shape = BTreeSet<(String, String, bool)>;

/// Tables, columns and nullability, excluding diesel's bookkeeping.
fn shape(conn: &mut AnyConnection) -> Shape {
    let sql = match conn.backend() {
        Backend::Postgres => {
            "SELECT table_name::text AS table_name, column_name::text AS column_name, \
             CASE WHEN is_nullable = 'NO' THEN 1 ELSE 0 END AS not_null \
             FROM information_schema.columns WHERE table_schema = current_schema() \
             AND table_name <> '__diesel_schema_migrations'"
        }
        Backend::Sqlite => {
            "SELECT m.name AS table_name, p.name AS column_name, \
             CASE WHEN p.\"notnull\" = 1 OR p.pk = 1 THEN 1 ELSE 0 END AS not_null \
             FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' \
             AND m.name <> '__diesel_schema_migrations'"
        }
    };
    diesel::sql_query(sql)
        .load::<Column>(conn)
        .unwrap()
        .into_iter()
        .map(|c| (c.table_name, c.column_name, c.not_null == 1))
        .collect()
}

struct Db {
    _dir: tempfile::TempDir,
    _guard: Option<PgGuard>,
    pool: tandem_store::Pool,
}

struct PgGuard {
    admin: String,
    name: String,
}

impl Drop for PgGuard {
    fn drop(&mut self) {
        use diesel::Connection;
        if let Ok(mut c) = diesel::PgConnection::establish(&self.admin) {
            let _ =
                diesel::sql_query(format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name)).execute(&mut c);
        }
    }
}

fn sqlite_db() -> Db {
    let dir = tempfile::tempdir().unwrap();
    let (pool, _) =
        build_pool(&format!("sqlite://{}", dir.path().join("s.db").display()), &PoolOptions::default()).unwrap();
    Db { _dir: dir, _guard: None, pool }
}

fn postgres_db() -> Option<Db> {
    use diesel::Connection;
    let admin = std::env::var("TANDEM_TEST_DATABASE_URL").ok().filter(|v| !v.is_empty())?;
    let name = format!("tandem_s_{}", uuid::Uuid::now_v7().simple());
    let mut c = diesel::PgConnection::establish(&admin).unwrap();
    diesel::sql_query(format!("CREATE DATABASE \"{name}\"")).execute(&mut c).unwrap();
    let mut url = url::Url::parse(&admin).unwrap();
    url.set_path(&format!("/{name}"));
    let (pool, _) = build_pool(url.as_str(), &PoolOptions::default()).unwrap();
    Some(Db { _dir: tempfile::tempdir().unwrap(), _guard: Some(PgGuard { admin, name }), pool })
}

#[test]
fn both_trees_have_the_same_number_of_migrations() {
    assert_eq!(
        tandem_store::migrations::count(Backend::Postgres).unwrap(),
        tandem_store::migrations::count(Backend::Sqlite).unwrap()
    );
}

#[test]
fn both_trees_give_the_same_tables_and_columns() {
    let Some(pg) = postgres_db() else {
        eprintln!("TANDEM_TEST_DATABASE_URL unset: comparing against PostgreSQL runs in the PostgreSQL pass");
        return;
    };
    let sqlite = sqlite_db();
    let mut pg_conn = pg.pool.get().unwrap();
    let mut sqlite_conn = sqlite.pool.get().unwrap();
    run_pending(&mut pg_conn).unwrap();
    run_pending(&mut sqlite_conn).unwrap();
    let (a, b) = (shape(&mut pg_conn), shape(&mut sqlite_conn));
    assert!(!a.is_empty());
    let only_pg: Vec<_> = a.difference(&b).collect();
    let only_sqlite: Vec<_> = b.difference(&a).collect();
    assert!(
        only_pg.is_empty() && only_sqlite.is_empty(),
        "only in PostgreSQL: {only_pg:?}\nonly in SQLite: {only_sqlite:?}"
    );
}

/// Applies migrations one at a time; after each, reverting it must restore the shape
/// from before it, and re-applying must restore the shape after it.
fn every_down_undoes_its_up(db: &Db) {
    let mut conn = db.pool.get().unwrap();
    let total = tandem_store::migrations::count(conn.backend()).unwrap();
    let mut shapes = vec![shape(&mut conn)];
    run_pending(&mut conn).unwrap();
    let full = shape(&mut conn);
    for _ in 0..total {
        revert_last(&mut conn).unwrap();
        shapes.push(shape(&mut conn));
    }
    assert!(shapes.last().unwrap().is_empty(), "reverting everything leaves no tables: {:?}", shapes.last());
    run_pending(&mut conn).unwrap();
    assert_eq!(shape(&mut conn), full, "re-applying gives the same schema");
}

#[test]
fn sqlite_downs_undo_their_ups() {
    every_down_undoes_its_up(&sqlite_db());
}

#[test]
fn postgres_downs_undo_their_ups() {
    if let Some(db) = postgres_db() {
        every_down_undoes_its_up(&db);
    }
}
