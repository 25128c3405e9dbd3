//! The outbox queue: claims lease rows to one worker, a dead worker's rows come back
//! when the lease runs out, a stopping worker hands its rows back at once, and on
//! PostgreSQL concurrent workers never claim the same row (`FOR UPDATE SKIP LOCKED`).

use chrono::{DateTime, Duration, Utc};
use diesel::connection::SimpleConnection;
use tandem_store::outbox::{self, OutboxRow};
use tandem_store::{AnyConnection, ids, time, write_tx};

use crate::support::{Fixture, at};

fn row(practice: &str, due: DateTime<Utc>, dedupe_key: Option<&str>) -> OutboxRow {
    OutboxRow {
        id: ids::new_id(),
        practice_id: practice.to_owned(),
        user_id: None,
        kind: "invitation".into(),
        to_address: "someone@example.test".into(),
        token: Some("secret-token".into()),
        dedupe_key: dedupe_key.map(str::to_owned),
        status: outbox::PENDING.into(),
        attempts: 0,
        next_attempt_at: time::to_db(due),
        lease_until: None,
        last_error: None,
        created_at: time::to_db(at(0)),
        sent_at: None,
    }
}

fn enqueue(f: &mut Fixture, due: DateTime<Utc>) -> String {
    let row = row(&f.practice, due, None);
    assert!(outbox::enqueue(&mut f.conn, &row).unwrap());
    row.id
}

fn claim(conn: &mut AnyConnection, now: DateTime<Utc>, limit: i64) -> Vec<OutboxRow> {
    write_tx(conn, |c| outbox::claim(c, now, Duration::seconds(60), limit)).unwrap()
}

fn ids_of(rows: &[OutboxRow]) -> Vec<String> {
    let mut ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    ids.sort();
    ids
}

#[test]
fn a_claim_leases_due_rows_and_a_dead_workers_rows_come_back_after_the_lease() {
    let mut f = Fixture::new();
    let mut due: Vec<String> = (0..3).map(|_| enqueue(&mut f, at(-1))).collect();
    due.sort();
    let later = enqueue(&mut f, at(30));

    let claimed = claim(&mut f.conn, at(0), 10);
    assert_eq!(ids_of(&claimed), due, "due rows only");
    for r in &claimed {
        assert_eq!((r.status.as_str(), r.attempts), (outbox::SENDING, 1));
        assert_eq!(r.lease_until, Some(time::to_db(at(0) + Duration::seconds(60))));
    }
    assert!(claim(&mut f.conn, at(0) + Duration::seconds(59), 10).is_empty(), "leased rows are not claimed again");
    // The worker died: once its lease ran out, another takes the rows over.
    let retaken = claim(&mut f.conn, at(0) + Duration::seconds(61), 10);
    assert_eq!(ids_of(&retaken), due);
    assert!(retaken.iter().all(|r| r.attempts == 2));
    assert_eq!(outbox::depth(&mut f.conn).unwrap(), 4);
    for id in &due {
        write_tx(&mut f.conn, |c| outbox::mark_sent(c, id, at(2))).unwrap();
    }
    assert_eq!(outbox::depth(&mut f.conn).unwrap(), 1);
    let at_its_time = claim(&mut f.conn, at(31), 10);
    assert_eq!(ids_of(&at_its_time), vec![later], "the later row once it is due");
}

#[test]
fn a_claim_takes_at_most_its_limit_earliest_due_first() {
    let mut f = Fixture::new();
    let ids: Vec<String> = (0..5).map(|i| enqueue(&mut f, at(-10 + i))).collect();
    let claimed = claim(&mut f.conn, at(0), 2);
    assert_eq!(ids_of(&claimed), ids_of_sorted(&ids[..2]));
    let rest = claim(&mut f.conn, at(0), 10);
    assert_eq!(ids_of(&rest), ids_of_sorted(&ids[2..]));
}

fn ids_of_sorted(ids: &[String]) -> Vec<String> {
    let mut ids = ids.to_vec();
    ids.sort();
    ids
}

#[test]
fn released_rows_are_due_at_once_and_finished_rows_lose_their_token() {
    let mut f = Fixture::new();
    let id = enqueue(&mut f, at(-1));
    let claimed = claim(&mut f.conn, at(0), 10);
    assert_eq!(claimed.len(), 1);
    // A stopping worker hands back what it did not start: not an attempt.
    write_tx(&mut f.conn, |c| outbox::release(c, &id)).unwrap();
    let released = outbox::find(&mut f.conn, &id).unwrap().unwrap();
    assert_eq!((released.status.as_str(), released.attempts, released.lease_until), (outbox::PENDING, 0, None));
    assert_eq!(claim(&mut f.conn, at(0), 10).len(), 1, "due again at once, not after the lease");

    write_tx(&mut f.conn, |c| outbox::mark_retry(c, &id, at(10), "451 try later")).unwrap();
    assert!(claim(&mut f.conn, at(5), 10).is_empty(), "not before the retry time");
    assert_eq!(claim(&mut f.conn, at(10), 10).len(), 1);
    write_tx(&mut f.conn, |c| outbox::mark_sent(c, &id, at(11))).unwrap();
    let sent = outbox::find(&mut f.conn, &id).unwrap().unwrap();
    assert_eq!(sent.status, outbox::SENT);
    assert_eq!(sent.token, None, "the one-time token does not linger once sent");
    assert_eq!(sent.last_error, None);
    assert_eq!(outbox::depth(&mut f.conn).unwrap(), 0);
    assert!(!write_tx(&mut f.conn, |c| outbox::requeue(c, &id, at(12))).unwrap(), "a sent row is not retried");

    let dead = enqueue(&mut f, at(-1));
    claim(&mut f.conn, at(0), 10);
    write_tx(&mut f.conn, |c| outbox::finish(c, &dead, outbox::DEAD, Some("550 no such user"))).unwrap();
    assert_eq!(outbox::find(&mut f.conn, &dead).unwrap().unwrap().token, None);
    assert!(write_tx(&mut f.conn, |c| outbox::requeue(c, &dead, at(20))).unwrap(), "an admin retries a dead row");
    let requeued = claim(&mut f.conn, at(20), 10);
    assert_eq!((ids_of(&requeued), requeued[0].attempts), (vec![dead], 1), "with a fresh count of attempts");
}

#[test]
fn a_dedupe_key_enqueues_once() {
    let mut f = Fixture::new();
    let first = row(&f.practice, at(0), Some("u1:daily_check_in:2026-11-23"));
    let again = row(&f.practice, at(0), Some("u1:daily_check_in:2026-11-23"));
    assert!(outbox::enqueue(&mut f.conn, &first).unwrap());
    assert!(!outbox::enqueue(&mut f.conn, &again).unwrap(), "a repeated tick adds nothing");
    assert_eq!(outbox::depth(&mut f.conn).unwrap(), 1);
}

#[test]
fn concurrent_claims_on_postgres_skip_each_others_rows() {
    let mut f = Fixture::new();
    if !f.on_postgres() {
        eprintln!("PostgreSQL only: SQLite runs one worker, whose write transaction is exclusive");
        return;
    }
    let mut all: Vec<String> = (0..6).map(|i| enqueue(&mut f, at(-10 + i))).collect();
    all.sort();
    let mut other = f.db.connect();
    // Were the rows locked without SKIP LOCKED, the second claim would wait for the
    // first transaction, which waits for it: fail fast instead of hanging.
    other.batch_execute("SET lock_timeout = '5s'").unwrap();
    let (first, second) = write_tx(&mut f.conn, |c| {
        let first = outbox::claim(c, at(0), Duration::seconds(60), 3)?;
        // The first worker's transaction is still open: its rows stay locked.
        let second = write_tx(&mut other, |o| outbox::claim(o, at(0), Duration::seconds(60), 10))?;
        Ok::<_, tandem_store::StoreError>((first, second))
    })
    .unwrap();
    assert_eq!(first.len(), 3);
    assert_eq!(second.len(), 3, "the second worker took the rows the first did not hold");
    let mut both = ids_of(&first);
    both.extend(ids_of(&second));
    both.sort();
    assert_eq!(both, all, "every row claimed once, by one worker");
}
