//! A test database comes migrated, so the app's start-up migration applies nothing.

use tandem_store::migrations::{pending_count, run_pending};
use tandem_test_db::TestDatabase;

#[test]
fn a_fresh_test_database_needs_no_migration() {
    let db = TestDatabase::migrated();
    let mut conn = db.connect();
    assert_eq!(pending_count(&mut conn).unwrap(), 0);
    assert_eq!(run_pending(&mut conn).unwrap(), Vec::<String>::new(), "start-up applies nothing");
}

#[test]
fn test_databases_are_separate() {
    use tandem_store::practices;
    let (one, two) = (TestDatabase::migrated(), TestDatabase::migrated());
    assert_ne!(one.url(), two.url());
    let mut conn = one.connect();
    practices::insert(&mut conn, &tandem_store::ids::new_id(), "Only in one", crate::support::t0()).unwrap();
    assert_eq!(practices::all_ids(&mut conn).unwrap().len(), 1);
    assert!(practices::all_ids(&mut two.connect()).unwrap().is_empty(), "nothing leaks into another test's database");
}
