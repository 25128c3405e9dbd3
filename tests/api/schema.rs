//! Both migration trees give the same schema, and every down undoes its up.

use std::collections::BTreeSet;

use diesel::sql_types::{Integer, Text};
use diesel::{QueryableByName, RunQueryDsl};
use tandem_store::migrations::{revert_last, run_pending};
use tandem_store::{AnyConnection, Backend};
use tandem_test_db::TestDatabase;

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

fn postgres_db() -> Option<TestDatabase> {
    tandem_test_db::postgres_admin_url().map(|admin| TestDatabase::empty_postgres(&admin))
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
    let sqlite = TestDatabase::empty_sqlite();
    let mut pg_conn = pg.connect();
    let mut sqlite_conn = sqlite.connect();
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
fn every_down_undoes_its_up(db: &TestDatabase) {
    let mut conn = db.connect();
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
    every_down_undoes_its_up(&TestDatabase::empty_sqlite());
}

#[test]
fn postgres_downs_undo_their_ups() {
    if let Some(db) = postgres_db() {
        every_down_undoes_its_up(&db);
    }
}
