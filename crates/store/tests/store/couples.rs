//! Couples: found by id and by either partner; clinicians assigned and listed; each
//! caller's slice of the list.

use tandem_store::couples::{self, CoupleChanges, CoupleStatus, Scope};
use tandem_store::{PageRequest, time};

use crate::support::{Fixture, at, couple_in, practice, staff};

fn everything() -> PageRequest {
    PageRequest { after: None, limit: 100 }
}

#[test]
fn a_couple_is_found_by_id_and_by_either_partner_only() {
    let mut f = Fixture::new();
    let clinician = f.clinician.clone();
    let couple = f.couple("Rivers", std::slice::from_ref(&clinician));
    let found = couples::find(&mut f.conn, &couple.id).unwrap().expect("found by id");
    assert_eq!((found.label.as_str(), found.partner_ids()), ("Rivers", couple.partner_ids()));
    assert_eq!(found.status().unwrap(), CoupleStatus::Active);
    for partner in couple.partner_ids() {
        let theirs = couples::find_for_partner(&mut f.conn, partner).unwrap().expect("found by partner");
        assert_eq!(theirs.id, couple.id);
    }
    assert!(couples::find_for_partner(&mut f.conn, &clinician).unwrap().is_none(), "a clinician is no partner");
    assert!(couples::find(&mut f.conn, &tandem_store::ids::new_id()).unwrap().is_none());
}

#[test]
fn clinicians_are_listed_in_order_of_assignment_and_assigning_twice_changes_nothing() {
    let mut f = Fixture::new();
    let first = f.clinician.clone();
    let second = staff(&mut f.conn, &f.practice, "second@riverside.test");
    let couple = f.couple("Rivers", std::slice::from_ref(&first));
    let other = f.couple("Lakes", std::slice::from_ref(&second));

    assert!(couples::assign(&mut f.conn, &couple, &second, &first, at(5)).unwrap());
    assert!(!couples::assign(&mut f.conn, &couple, &second, &first, at(6)).unwrap(), "already assigned");
    let listed: Vec<String> = couples::clinicians(&mut f.conn, &couple.id).unwrap().into_iter().map(|u| u.id).collect();
    assert_eq!(listed, vec![first.clone(), second.clone()]);
    assert_eq!(couples::clinician_count(&mut f.conn, &couple.id).unwrap(), 2);
    assert!(couples::is_assigned(&mut f.conn, &couple.id, &second).unwrap());
    assert!(!couples::is_assigned(&mut f.conn, &other.id, &first).unwrap());

    let mut pairs = couples::clinician_ids_for(&mut f.conn, &[couple.id.clone(), other.id.clone()]).unwrap();
    pairs.sort();
    let mut expected =
        vec![(couple.id.clone(), first.clone()), (couple.id.clone(), second.clone()), (other.id.clone(), second)];
    expected.sort();
    assert_eq!(pairs, expected, "one query for a page of couples");

    assert!(couples::unassign(&mut f.conn, &couple.id, &first).unwrap());
    assert!(!couples::unassign(&mut f.conn, &couple.id, &first).unwrap(), "no longer assigned");
    assert_eq!(couples::clinician_count(&mut f.conn, &couple.id).unwrap(), 1);
}

#[test]
fn each_caller_lists_only_its_own_slice_of_couples() {
    let mut f = Fixture::new();
    let clinician = f.clinician.clone();
    let colleague = staff(&mut f.conn, &f.practice, "colleague@riverside.test");
    let mine = f.couple("Mine", std::slice::from_ref(&clinician));
    let theirs = f.couple("Theirs", std::slice::from_ref(&colleague));
    let elsewhere = practice(&mut f.conn, "Elsewhere");
    let stranger = staff(&mut f.conn, &elsewhere, "clin@elsewhere.test");
    let foreign = couple_in(&mut f.conn, &elsewhere, &stranger, "Foreign", std::slice::from_ref(&stranger));

    let ids = |page: tandem_store::Page<couples::CoupleRow>| {
        let mut ids: Vec<String> = page.items.into_iter().map(|c| c.id).collect();
        ids.sort();
        ids
    };
    let mut both = vec![mine.id.clone(), theirs.id.clone()];
    both.sort();
    let practice = Scope::Practice(f.practice.clone());
    assert_eq!(ids(couples::list(&mut f.conn, &practice, None, &everything()).unwrap()), both);
    let assigned = Scope::Clinician(clinician.clone());
    assert_eq!(ids(couples::list(&mut f.conn, &assigned, None, &everything()).unwrap()), vec![mine.id.clone()]);
    let partner = Scope::Partner(theirs.partner_b_id.clone());
    assert_eq!(ids(couples::list(&mut f.conn, &partner, None, &everything()).unwrap()), vec![theirs.id.clone()]);
    let abroad = Scope::Practice(elsewhere);
    assert_eq!(ids(couples::list(&mut f.conn, &abroad, None, &everything()).unwrap()), vec![foreign.id]);

    // A discharged couple leaves the active list and the caseload, not the full list.
    let discharge = CoupleChanges {
        status: Some(CoupleStatus::Discharged.as_str().into()),
        discharged_at: Some(Some(time::to_db(at(60)))),
        updated_at: Some(time::to_db(at(60))),
        ..CoupleChanges::default()
    };
    couples::update(&mut f.conn, &mine.id, &discharge).unwrap();
    let active = couples::list(&mut f.conn, &practice, Some(CoupleStatus::Active), &everything()).unwrap();
    assert_eq!(ids(active), vec![theirs.id.clone()]);
    assert_eq!(ids(couples::list(&mut f.conn, &practice, None, &everything()).unwrap()), both);
    assert!(couples::caseload_summaries(&mut f.conn, &clinician, 100).unwrap().is_empty());
    let caseload = couples::caseload_summaries(&mut f.conn, &colleague, 100).unwrap();
    assert_eq!(
        caseload.iter().map(|(c, s)| (c.id.as_str(), s.couple_id.as_str())).collect::<Vec<_>>(),
        vec![(theirs.id.as_str(), theirs.id.as_str())]
    );
    assert!(
        matches!(
            couples::update(&mut f.conn, &tandem_store::ids::new_id(), &discharge),
            Err(tandem_store::StoreError::NotFound)
        ),
        "updating a couple that does not exist says so"
    );
}
