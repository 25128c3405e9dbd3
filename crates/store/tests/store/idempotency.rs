//! Idempotency keys: a retried request gets the first answer back, a different request
//! under the same key is refused, and keys are forgotten after a day.

use chrono::Duration;
use tandem_store::idempotency::{self, Prior, TTL};
use tandem_store::{StoreError, write_tx};

use crate::support::{Fixture, at, staff};

const ROUTE: &str = "POST /api/v1/couples/{id}/check-ins";

fn claim(f: &mut Fixture, user: &str, route: &str, hash: &str, now: chrono::DateTime<chrono::Utc>) -> Prior {
    let practice = f.practice.clone();
    write_tx(&mut f.conn, |c| idempotency::claim(c, user, &practice, route, "key-1", hash, now)).unwrap()
}

#[test]
fn a_retry_replays_the_first_answer_and_a_different_body_is_refused() {
    let mut f = Fixture::new();
    let user = f.clinician.clone();
    assert_eq!(claim(&mut f, &user, ROUTE, "hash-a", at(0)), Prior::New);
    assert_eq!(claim(&mut f, &user, ROUTE, "hash-a", at(1)), Prior::InFlight, "the first is still running");
    write_tx(&mut f.conn, |c| idempotency::complete(c, &user, ROUTE, "key-1", 201, "{\"id\":\"x\"}")).unwrap();
    assert_eq!(
        claim(&mut f, &user, ROUTE, "hash-a", at(2)),
        Prior::Replay { status: 201, body: "{\"id\":\"x\"}".into() }
    );
    assert_eq!(claim(&mut f, &user, ROUTE, "hash-b", at(3)), Prior::Mismatch);
    // Keys are scoped to the user and the route.
    let colleague = staff(&mut f.conn, &f.practice.clone(), "colleague@riverside.test");
    assert_eq!(claim(&mut f, &colleague, ROUTE, "hash-b", at(4)), Prior::New);
    assert_eq!(claim(&mut f, &user, "POST /api/v1/couples", "hash-b", at(5)), Prior::New);
}

#[test]
fn a_key_is_forgotten_after_a_day() {
    let mut f = Fixture::new();
    let user = f.clinician.clone();
    assert_eq!(claim(&mut f, &user, ROUTE, "hash-a", at(0)), Prior::New);
    write_tx(&mut f.conn, |c| idempotency::complete(c, &user, ROUTE, "key-1", 201, "{}")).unwrap();
    let within = at(0) + TTL - Duration::seconds(1);
    assert_eq!(claim(&mut f, &user, ROUTE, "hash-b", within), Prior::Mismatch, "still remembered");
    let after = at(0) + TTL + Duration::seconds(1);
    assert_eq!(claim(&mut f, &user, ROUTE, "hash-b", after), Prior::New, "a new request after a day");
}

#[test]
fn a_key_claimed_by_a_write_that_rolled_back_is_free_again() {
    let mut f = Fixture::new();
    let (user, practice) = (f.clinician.clone(), f.practice.clone());
    let failed: Result<(), StoreError> = write_tx(&mut f.conn, |c| {
        assert_eq!(idempotency::claim(c, &user, &practice, ROUTE, "key-1", "hash-a", at(0))?, Prior::New);
        Err(StoreError::Conflict("the write failed".into()))
    });
    assert!(failed.is_err());
    assert_eq!(claim(&mut f, &user, ROUTE, "hash-a", at(1)), Prior::New, "the retry is not told to wait");
}
