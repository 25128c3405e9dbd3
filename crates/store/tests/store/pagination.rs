//! Cursor pagination over real queries: pages neither skip nor repeat a row, also while
//! rows are added, and the last page says there is no next one.

use tandem_store::couples::{self, Scope};
use tandem_store::outbox::{self, OutboxRow};
use tandem_store::{AnyConnection, PageRequest, ids, time};

use crate::support::{Fixture, at};

fn page(after: Option<String>, limit: i64) -> PageRequest {
    PageRequest { after, limit }
}

#[test]
fn oldest_first_pages_neither_skip_nor_repeat_while_couples_are_added() {
    let mut f = Fixture::new();
    let mut created: Vec<String> = (0..5).map(|i| f.couple(&format!("Couple {i}"), &[]).id).collect();
    let scope = Scope::Practice(f.practice.clone());
    let mut seen = Vec::new();
    let mut after = None;
    let mut pages = 0;
    loop {
        let got = couples::list(&mut f.conn, &scope, None, &page(after, 2)).unwrap();
        assert!(got.items.len() <= 2);
        seen.extend(got.items.iter().map(|c| c.id.clone()));
        pages += 1;
        if pages == 1 {
            // A couple added while the client pages shows up at the end.
            created.push(f.couple("Latecomer", &[]).id);
        }
        match got.next_after {
            Some(next) => {
                assert_eq!(Some(&next), seen.last(), "the cursor is the page's last row");
                after = Some(next);
            }
            None => break,
        }
    }
    created.sort();
    assert_eq!(seen, created, "every couple once, in id order");
    assert_eq!(pages, 3, "6 couples in pages of 2, and no empty page at the end");
}

fn message(conn: &mut AnyConnection, practice: &str, n: usize) -> String {
    let row = OutboxRow {
        id: ids::new_id(),
        practice_id: practice.to_owned(),
        user_id: None,
        kind: "clinician_alert".into(),
        to_address: format!("m{n}@example.test"),
        token: None,
        dedupe_key: None,
        status: outbox::PENDING.into(),
        attempts: 0,
        next_attempt_at: time::to_db(at(0)),
        lease_until: None,
        last_error: None,
        created_at: time::to_db(at(0)),
        sent_at: None,
    };
    assert!(outbox::enqueue(conn, &row).unwrap());
    row.id
}

#[test]
fn newest_first_pages_continue_past_rows_added_meanwhile() {
    let mut f = Fixture::new();
    let mut created: Vec<String> = (0..5).map(|n| message(&mut f.conn, &f.practice, n)).collect();
    let first = outbox::list(&mut f.conn, &f.practice, None, &page(None, 2)).unwrap();
    let newer = message(&mut f.conn, &f.practice, 99);
    let mut seen: Vec<String> = first.items.iter().map(|r| r.id.clone()).collect();
    let mut after = first.next_after;
    while let Some(cursor) = after {
        let got = outbox::list(&mut f.conn, &f.practice, None, &page(Some(cursor), 2)).unwrap();
        seen.extend(got.items.iter().map(|r| r.id.clone()));
        after = got.next_after;
    }
    created.sort();
    created.reverse();
    assert_eq!(seen, created, "the five older rows once each, newest first; the one added meanwhile comes later");
    let fresh = outbox::list(&mut f.conn, &f.practice, None, &page(None, 2)).unwrap();
    assert_eq!(fresh.items[0].id, newer, "a fresh first page starts with it");
    let other = outbox::list(&mut f.conn, &f.practice, Some(outbox::SENT), &page(None, 2)).unwrap();
    assert!(other.items.is_empty() && other.next_after.is_none(), "filtered by status");
}
