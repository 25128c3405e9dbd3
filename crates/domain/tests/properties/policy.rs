//! The one authorization policy: nothing crosses practices, a partner never reaches
//! another couple, only the care team writes clinical content, and rights add up.

use proptest::prelude::*;
use tandem_domain::{Access, Action, Actor, CoupleRelation, Resource, UserKind, authorize};

use crate::config;

const ACTIONS: [Action; 23] = [
    Action::ListUsers,
    Action::CreateUser,
    Action::ReadUser,
    Action::UpdateUser,
    Action::ChangeRoles,
    Action::ReadAuditLog,
    Action::ListCouples,
    Action::CreateCouple,
    Action::ReadCoupleStatus,
    Action::ReadCouple,
    Action::UpdateCouple,
    Action::ManageCoupleClinicians,
    Action::ResendInvitation,
    Action::ReadPlanStatus,
    Action::ReadClinical,
    Action::WriteClinical,
    Action::PartnerAnswer,
    Action::ReadReview,
    Action::ListExercises,
    Action::CreateExercise,
    Action::ReadExercise,
    Action::UpdateExercise,
    Action::BreakGlass,
];

const PRACTICES: [&str; 2] = ["p1", "p2"];
const USERS: [&str; 3] = ["me", "colleague", "client"];

fn action() -> impl Strategy<Value = Action> {
    prop::sample::select(&ACTIONS[..])
}

/// A signed-in user as the app builds them: clients hold no staff role.
fn actor() -> impl Strategy<Value = Actor> {
    (prop::sample::select(&PRACTICES[..]), any::<bool>(), any::<bool>(), any::<bool>()).prop_map(
        |(practice, staff, admin, clinician)| Actor {
            user_id: "me".into(),
            practice_id: practice.into(),
            kind: if staff { UserKind::Staff } else { UserKind::Client },
            is_admin: staff && admin,
            is_clinician: staff && clinician,
        },
    )
}

fn relation() -> impl Strategy<Value = CoupleRelation> {
    (any::<bool>(), any::<bool>(), any::<bool>()).prop_map(|(assigned_clinician, partner, break_glass)| {
        CoupleRelation { assigned_clinician, partner, break_glass }
    })
}

fn resource() -> impl Strategy<Value = Resource<'static>> {
    let practice = || prop::sample::select(&PRACTICES[..]);
    prop_oneof![
        practice().prop_map(|practice_id| Resource::Practice { practice_id }),
        (practice(), prop::sample::select(&USERS[..]), any::<bool>()).prop_map(|(practice_id, user_id, staff)| {
            Resource::User { practice_id, user_id, kind: if staff { UserKind::Staff } else { UserKind::Client } }
        }),
        (practice(), relation()).prop_map(|(practice_id, relation)| Resource::Couple { practice_id, relation }),
        (practice(), any::<bool>(), any::<bool>()).prop_map(|(practice_id, builtin, in_callers_plans)| {
            Resource::Exercise { practice_id, builtin, in_callers_plans }
        }),
    ]
}

fn practice_of<'a>(resource: &Resource<'a>) -> &'a str {
    match resource {
        Resource::Practice { practice_id }
        | Resource::User { practice_id, .. }
        | Resource::Couple { practice_id, .. }
        | Resource::Exercise { practice_id, .. } => practice_id,
    }
}

proptest! {
    #![proptest_config(config())]

    /// Another practice's things do not exist for anyone.
    #[test]
    fn nothing_crosses_practices(actor in actor(), action in action(), resource in resource()) {
        if practice_of(&resource) != actor.practice_id {
            prop_assert_eq!(authorize(&actor, action, &resource), Access::DenyNotFound);
        }
    }

    /// A partner never reaches another couple, and is not even told it exists.
    #[test]
    fn a_partner_never_reaches_another_couple(actor in actor(), action in action(), relation in relation()) {
        let client = Actor { kind: UserKind::Client, is_admin: false, is_clinician: false, ..actor };
        let other = Resource::Couple { practice_id: "p1", relation: CoupleRelation { partner: false, ..relation } };
        let client = Actor { practice_id: "p1".into(), ..client };
        prop_assert_eq!(authorize(&client, action, &other), Access::DenyNotFound);
    }

    /// Clinical content is written by the couple's own clinicians only: never by an
    /// admin as such, a partner, or a clinician reading under break-glass.
    #[test]
    fn only_the_care_team_writes(actor in actor(), relation in relation()) {
        let couple = Resource::Couple { practice_id: "p1", relation };
        let actor = Actor { practice_id: "p1".into(), ..actor };
        for action in [Action::WriteClinical, Action::UpdateCouple, Action::ResendInvitation] {
            if authorize(&actor, action, &couple) == Access::Allow {
                prop_assert!(actor.is_clinician && relation.assigned_clinician, "{:?}", action);
            }
        }
        // Break-glass opens reading, never writing.
        let without = Resource::Couple { practice_id: "p1", relation: CoupleRelation { break_glass: false, ..relation } };
        for action in [
            Action::WriteClinical,
            Action::UpdateCouple,
            Action::ResendInvitation,
            Action::PartnerAnswer,
            Action::ManageCoupleClinicians,
        ] {
            if authorize(&actor, action, &couple) == Access::Allow {
                prop_assert_eq!(authorize(&actor, action, &without), Access::Allow, "{:?} opened by break-glass", action);
            }
        }
    }

    /// The clinical record is read by the couple's partners, its clinicians, or a
    /// clinician under break-glass: an admin role alone opens nothing.
    #[test]
    fn the_clinical_record_stays_with_the_couple_and_its_care_team(actor in actor(), relation in relation()) {
        let couple = Resource::Couple { practice_id: "p1", relation };
        let actor = Actor { practice_id: "p1".into(), ..actor };
        if authorize(&actor, Action::ReadClinical, &couple) == Access::Allow {
            prop_assert!(relation.partner || (actor.is_clinician && (relation.assigned_clinician || relation.break_glass)));
        }
        if authorize(&actor, Action::ReadReview, &couple) == Access::Allow {
            prop_assert!(actor.is_clinician && (relation.assigned_clinician || relation.break_glass), "partners never see the review");
        }
    }

    /// Rights add up: more roles or a closer relation to a couple never take a right
    /// away (break-glass itself aside: it is for clinicians outside the care team).
    #[test]
    fn rights_add_up(actor in actor(), action in action(), relation in relation(), more in relation(), admin: bool, clinician: bool) {
        prop_assume!(action != Action::BreakGlass);
        let actor = Actor { practice_id: "p1".into(), ..actor };
        let couple = Resource::Couple { practice_id: "p1", relation };
        if authorize(&actor, action, &couple) != Access::Allow {
            return Ok(());
        }
        let closer = CoupleRelation {
            assigned_clinician: relation.assigned_clinician || more.assigned_clinician,
            partner: relation.partner || more.partner,
            break_glass: relation.break_glass || more.break_glass,
        };
        let staff = actor.kind == UserKind::Staff;
        let stronger = Actor { is_admin: actor.is_admin || (staff && admin), is_clinician: actor.is_clinician || (staff && clinician), ..actor };
        prop_assert_eq!(authorize(&stronger, action, &Resource::Couple { practice_id: "p1", relation: closer }), Access::Allow);
    }

    /// Nobody changes their own roles, not even an admin.
    #[test]
    fn nobody_changes_their_own_roles(actor in actor(), staff: bool) {
        let me = Resource::User {
            practice_id: "p1",
            user_id: "me",
            kind: if staff { UserKind::Staff } else { UserKind::Client },
        };
        let actor = Actor { practice_id: "p1".into(), ..actor };
        prop_assert_ne!(authorize(&actor, Action::ChangeRoles, &me), Access::Allow);
    }
}
