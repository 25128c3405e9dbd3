//! The one authorization policy: a pure function of (actor, action, resource facts).
//!
//! Every handler asks [`authorize`] and acts on its answer; no handler decides access on
//! its own. Denials come in two kinds so that existence never leaks: a resource the
//! caller may not know about is "not found", one they can see but not change is
//! "forbidden".

use crate::{Actor, UserKind};

/// What the caller wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// List users of the practice (admins: everyone; clinicians: the staff directory).
    ListUsers,
    /// Invite a staff member.
    CreateUser,
    /// Read one user's account.
    ReadUser,
    /// Change one user's account (name, deactivation).
    UpdateUser,
    /// Change one user's staff roles. Nobody changes their own: an admin who could make
    /// themself a clinician could read any couple's clinical record.
    ChangeRoles,
    /// Read the practice's audit log.
    ReadAuditLog,
    /// List couples (each caller sees their own slice: caseload, practice, own couple).
    ListCouples,
    /// Create a couple with its two partners.
    CreateCouple,
    /// Know that a couple exists and its status.
    ReadCoupleStatus,
    /// See a couple's people (partners, clinicians) and, later, its clinical record.
    ReadCouple,
    /// Change a couple's label or discharge it.
    UpdateCouple,
    /// Assign or unassign clinicians.
    ManageCoupleClinicians,
    /// Re-send a partner's invitation.
    ResendInvitation,
    /// See that a couple's plans exist and their status (admins see no more).
    ReadPlanStatus,
    /// Read clinical content: plans, steps, exercises in them, the safety agreement.
    ReadClinical,
    /// Write clinical content: plans, steps, lifecycle, the safety agreement.
    WriteClinical,
    /// A partner's own answers: consent on a step, acknowledging the agreement.
    PartnerAnswer,
    /// The clinician's review: recommendations, decisions, progress, the export.
    ReadReview,
    /// List the exercise library (each caller sees their slice).
    ListExercises,
    /// Add an exercise to the practice's library.
    CreateExercise,
    /// Read one exercise.
    ReadExercise,
    /// Edit or archive one exercise.
    UpdateExercise,
    /// Open break-glass access to a couple's clinical record (a clinician outside its care
    /// team, in an emergency; read-only, time-limited, audited, the care team alerted).
    BreakGlass,
    /// List or read the practice's plan templates (staff: clinicians and admins).
    ReadPlanTemplates,
    /// Create, edit or archive the practice's plan templates (clinicians).
    WritePlanTemplates,
}

/// How long break-glass access lasts: long enough for an emergency, short enough that it
/// never becomes a way around the care team.
pub const BREAK_GLASS_MINUTES: i64 = 60;

/// Facts about the thing acted on, loaded by the handler before asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resource<'a> {
    /// The practice as a whole (collections such as users or the audit log).
    Practice { practice_id: &'a str },
    /// One user account.
    User { practice_id: &'a str, user_id: &'a str, kind: UserKind },
    /// One couple (or something of the couple's), with the caller's relation to it.
    Couple { practice_id: &'a str, relation: CoupleRelation },
    /// One exercise of the library.
    Exercise {
        practice_id: &'a str,
        /// A built-in starter: read-only for everyone.
        builtin: bool,
        /// Used in a plan of the caller's own couple (what partners may read).
        in_callers_plans: bool,
    },
}

/// How the caller relates to a couple; loaded by the handler, judged here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CoupleRelation {
    /// The caller is one of the couple's assigned clinicians.
    pub assigned_clinician: bool,
    /// The caller is one of the couple's two partners.
    pub partner: bool,
    /// The caller holds unexpired break-glass access to the couple's record.
    pub break_glass: bool,
}

impl Resource<'_> {
    fn practice_id(&self) -> &str {
        match self {
            Resource::Practice { practice_id }
            | Resource::User { practice_id, .. }
            | Resource::Couple { practice_id, .. }
            | Resource::Exercise { practice_id, .. } => practice_id,
        }
    }
}

/// The policy's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Allow,
    /// Answer 404: the caller must not learn that the resource exists.
    DenyNotFound,
    /// Answer 403: the caller can see the resource but may not do this.
    DenyForbidden,
}

/// Decides whether `actor` may perform `action` on `resource`.
#[must_use]
pub fn authorize(actor: &Actor, action: Action, resource: &Resource<'_>) -> Access {
    // Nothing crosses practices, and another practice's things do not exist.
    if resource.practice_id() != actor.practice_id {
        return Access::DenyNotFound;
    }
    match (action, resource) {
        (Action::ListUsers, Resource::Practice { .. }) => {
            if actor.is_admin || actor.is_clinician {
                Access::Allow
            } else {
                Access::DenyForbidden
            }
        }
        (Action::CreateUser | Action::ReadAuditLog, Resource::Practice { .. }) => {
            if actor.is_admin {
                Access::Allow
            } else {
                Access::DenyForbidden
            }
        }
        (Action::ReadUser, Resource::User { user_id, kind, .. }) => {
            if actor.is_admin || *user_id == actor.user_id {
                Access::Allow
            } else if actor.is_clinician && *kind == UserKind::Staff {
                // Clinicians see colleagues in the staff directory.
                Access::Allow
            } else {
                Access::DenyNotFound
            }
        }
        (Action::UpdateUser, Resource::User { user_id, kind, .. }) => {
            if actor.is_admin {
                Access::Allow
            } else if *user_id == actor.user_id || (actor.is_clinician && *kind == UserKind::Staff) {
                Access::DenyForbidden
            } else {
                Access::DenyNotFound
            }
        }
        (Action::ChangeRoles, Resource::User { user_id, .. }) => {
            if !actor.is_admin {
                Access::DenyForbidden
            } else if *user_id == actor.user_id {
                // Nobody changes their own roles; another admin must.
                Access::DenyForbidden
            } else {
                Access::Allow
            }
        }
        (Action::ListCouples, Resource::Practice { .. }) => Access::Allow,
        (Action::CreateCouple | Action::CreateExercise, Resource::Practice { .. }) => staff_only(actor),
        (Action::ListExercises, Resource::Practice { .. }) => Access::Allow,
        (Action::ReadPlanTemplates, Resource::Practice { .. }) => staff_only(actor),
        (Action::WritePlanTemplates, Resource::Practice { .. }) => {
            if actor.is_clinician {
                Access::Allow
            } else {
                Access::DenyForbidden
            }
        }
        (Action::ReadExercise, Resource::Exercise { in_callers_plans, .. }) => {
            if actor.is_admin || actor.is_clinician || *in_callers_plans { Access::Allow } else { Access::DenyNotFound }
        }
        (Action::UpdateExercise, Resource::Exercise { builtin, in_callers_plans, .. }) => {
            if !(actor.is_admin || actor.is_clinician) {
                if *in_callers_plans { Access::DenyForbidden } else { Access::DenyNotFound }
            } else if *builtin {
                Access::DenyForbidden
            } else {
                Access::Allow
            }
        }
        (action, Resource::Couple { relation, .. }) => couple_access(actor, action, *relation),
        // An action asked about the wrong kind of resource is a programming error; deny.
        _ => Access::DenyNotFound,
    }
}

fn staff_only(actor: &Actor) -> Access {
    if actor.is_admin || actor.is_clinician { Access::Allow } else { Access::DenyForbidden }
}

/// Couples: assigned clinicians do everything; admins see existence and status and
/// manage assignments; partners read their own couple; everyone else does not know it
/// exists. Rights add up: an admin who is an assigned clinician has both.
///
/// Break-glass: a clinician outside the care team may open emergency access; while it
/// lasts they read the clinical record and review (never write). Without it the record
/// stays closed to them, whatever else they are.
fn couple_access(actor: &Actor, action: Action, rel: CoupleRelation) -> Access {
    let clinician = actor.is_clinician && rel.assigned_clinician;
    let emergency = actor.is_clinician && rel.break_glass && !clinician;
    if action == Action::BreakGlass {
        return if actor.is_clinician && !clinician && !rel.partner {
            Access::Allow
        } else if clinician || rel.partner || actor.is_admin {
            Access::DenyForbidden
        } else {
            Access::DenyNotFound
        };
    }
    let visible = clinician || rel.partner || actor.is_admin || emergency;
    if !visible {
        return Access::DenyNotFound;
    }
    let allowed = match action {
        Action::ReadCoupleStatus => true,
        Action::ReadCouple => clinician || rel.partner || emergency,
        Action::UpdateCouple | Action::ResendInvitation => clinician,
        Action::ManageCoupleClinicians => clinician || actor.is_admin,
        Action::ReadPlanStatus => true,
        Action::ReadClinical => clinician || rel.partner || emergency,
        Action::WriteClinical => clinician,
        Action::PartnerAnswer => rel.partner,
        Action::ReadReview => clinician || emergency,
        _ => false,
    };
    if allowed { Access::Allow } else { Access::DenyForbidden }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(kind: UserKind, admin: bool, clinician: bool) -> Actor {
        Actor { user_id: "me".into(), practice_id: "p1".into(), kind, is_admin: admin, is_clinician: clinician }
    }

    fn user<'a>(practice_id: &'a str, user_id: &'a str, kind: UserKind) -> Resource<'a> {
        Resource::User { practice_id, user_id, kind }
    }

    #[test]
    fn other_practices_do_not_exist() {
        let admin = actor(UserKind::Staff, true, true);
        for action in [Action::ListUsers, Action::CreateUser, Action::ReadAuditLog] {
            assert_eq!(authorize(&admin, action, &Resource::Practice { practice_id: "p2" }), Access::DenyNotFound);
        }
        for action in [Action::ReadUser, Action::UpdateUser] {
            assert_eq!(authorize(&admin, action, &user("p2", "x", UserKind::Staff)), Access::DenyNotFound);
        }
    }

    #[test]
    fn admins_manage_users_and_read_the_audit_log() {
        let admin = actor(UserKind::Staff, true, false);
        let p = Resource::Practice { practice_id: "p1" };
        assert_eq!(authorize(&admin, Action::CreateUser, &p), Access::Allow);
        assert_eq!(authorize(&admin, Action::ReadAuditLog, &p), Access::Allow);
        assert_eq!(authorize(&admin, Action::UpdateUser, &user("p1", "c", UserKind::Client)), Access::Allow);
    }

    #[test]
    fn clinicians_see_the_staff_directory_only() {
        let clin = actor(UserKind::Staff, false, true);
        let p = Resource::Practice { practice_id: "p1" };
        assert_eq!(authorize(&clin, Action::ListUsers, &p), Access::Allow);
        assert_eq!(authorize(&clin, Action::CreateUser, &p), Access::DenyForbidden);
        assert_eq!(authorize(&clin, Action::ReadAuditLog, &p), Access::DenyForbidden);
        assert_eq!(authorize(&clin, Action::ReadUser, &user("p1", "s", UserKind::Staff)), Access::Allow);
        assert_eq!(authorize(&clin, Action::ReadUser, &user("p1", "c", UserKind::Client)), Access::DenyNotFound);
        assert_eq!(authorize(&clin, Action::UpdateUser, &user("p1", "s", UserKind::Staff)), Access::DenyForbidden);
    }

    fn couple(partner: bool, assigned_clinician: bool) -> Resource<'static> {
        Resource::Couple {
            practice_id: "p1",
            relation: CoupleRelation { assigned_clinician, partner, break_glass: false },
        }
    }

    #[test]
    fn assigned_clinicians_do_everything_with_their_couples() {
        let clin = actor(UserKind::Staff, false, true);
        for action in [
            Action::ReadCoupleStatus,
            Action::ReadCouple,
            Action::UpdateCouple,
            Action::ManageCoupleClinicians,
            Action::ResendInvitation,
        ] {
            assert_eq!(authorize(&clin, action, &couple(false, true)), Access::Allow, "{action:?}");
            assert_eq!(
                authorize(&clin, action, &couple(false, false)),
                Access::DenyNotFound,
                "{action:?} on another's couple"
            );
        }
    }

    #[test]
    fn admins_see_status_and_manage_assignments_only() {
        let admin = actor(UserKind::Staff, true, false);
        let c = couple(false, false);
        assert_eq!(authorize(&admin, Action::ReadCoupleStatus, &c), Access::Allow);
        assert_eq!(authorize(&admin, Action::ManageCoupleClinicians, &c), Access::Allow);
        assert_eq!(authorize(&admin, Action::ReadCouple, &c), Access::DenyForbidden);
        assert_eq!(authorize(&admin, Action::UpdateCouple, &c), Access::DenyForbidden);
        // An admin who is also the assigned clinician has the clinician's rights.
        let both = actor(UserKind::Staff, true, true);
        assert_eq!(authorize(&both, Action::ReadCouple, &couple(false, true)), Access::Allow);
        assert_eq!(authorize(&both, Action::ReadCouple, &couple(false, false)), Access::DenyForbidden);
    }

    #[test]
    fn partners_read_their_own_couple_and_nothing_else() {
        let client = actor(UserKind::Client, false, false);
        assert_eq!(authorize(&client, Action::ReadCouple, &couple(true, false)), Access::Allow);
        assert_eq!(authorize(&client, Action::UpdateCouple, &couple(true, false)), Access::DenyForbidden);
        assert_eq!(authorize(&client, Action::ManageCoupleClinicians, &couple(true, false)), Access::DenyForbidden);
        assert_eq!(authorize(&client, Action::ReadCoupleStatus, &couple(false, false)), Access::DenyNotFound);
        assert_eq!(
            authorize(&client, Action::CreateCouple, &Resource::Practice { practice_id: "p1" }),
            Access::DenyForbidden
        );
    }

    #[test]
    fn clinical_content_follows_the_couple() {
        let clin = actor(UserKind::Staff, false, true);
        let admin = actor(UserKind::Staff, true, false);
        let client = actor(UserKind::Client, false, false);
        let cases = [
            (&clin, couple(false, true), Action::WriteClinical, Access::Allow),
            (&clin, couple(false, true), Action::PartnerAnswer, Access::DenyForbidden),
            (&clin, couple(false, false), Action::ReadClinical, Access::DenyNotFound),
            (&admin, couple(false, false), Action::ReadPlanStatus, Access::Allow),
            (&admin, couple(false, false), Action::ReadClinical, Access::DenyForbidden),
            (&admin, couple(false, false), Action::WriteClinical, Access::DenyForbidden),
            (&client, couple(true, false), Action::ReadClinical, Access::Allow),
            (&client, couple(true, false), Action::PartnerAnswer, Access::Allow),
            (&client, couple(true, false), Action::WriteClinical, Access::DenyForbidden),
            (&client, couple(true, false), Action::ReadReview, Access::DenyForbidden),
            (&clin, couple(false, true), Action::ReadReview, Access::Allow),
            (&admin, couple(false, false), Action::ReadReview, Access::DenyForbidden),
            (&client, couple(false, false), Action::ReadPlanStatus, Access::DenyNotFound),
        ];
        for (who, resource, action, expected) in cases {
            assert_eq!(authorize(who, action, &resource), expected, "{who:?} {action:?}");
        }
    }

    #[test]
    fn exercises_are_staff_managed_and_starters_read_only() {
        let clin = actor(UserKind::Staff, false, true);
        let client = actor(UserKind::Client, false, false);
        let own = Resource::Exercise { practice_id: "p1", builtin: false, in_callers_plans: false };
        let starter = Resource::Exercise { practice_id: "p1", builtin: true, in_callers_plans: false };
        let in_plan = Resource::Exercise { practice_id: "p1", builtin: true, in_callers_plans: true };
        assert_eq!(authorize(&clin, Action::UpdateExercise, &own), Access::Allow);
        assert_eq!(authorize(&clin, Action::UpdateExercise, &starter), Access::DenyForbidden);
        assert_eq!(authorize(&client, Action::ReadExercise, &own), Access::DenyNotFound);
        assert_eq!(authorize(&client, Action::ReadExercise, &in_plan), Access::Allow);
        assert_eq!(authorize(&client, Action::UpdateExercise, &in_plan), Access::DenyForbidden);
        assert_eq!(
            authorize(&client, Action::CreateExercise, &Resource::Practice { practice_id: "p1" }),
            Access::DenyForbidden
        );
    }

    #[test]
    fn plan_templates_are_written_by_clinicians_and_read_by_staff() {
        let clin = actor(UserKind::Staff, false, true);
        let admin = actor(UserKind::Staff, true, false);
        let client = actor(UserKind::Client, false, false);
        let own = Resource::Practice { practice_id: "p1" };
        let other = Resource::Practice { practice_id: "p2" };
        let cases = [
            (&clin, Action::ReadPlanTemplates, &own, Access::Allow),
            (&clin, Action::WritePlanTemplates, &own, Access::Allow),
            (&admin, Action::ReadPlanTemplates, &own, Access::Allow),
            (&admin, Action::WritePlanTemplates, &own, Access::DenyForbidden),
            (&client, Action::ReadPlanTemplates, &own, Access::DenyForbidden),
            (&client, Action::WritePlanTemplates, &own, Access::DenyForbidden),
            (&clin, Action::ReadPlanTemplates, &other, Access::DenyNotFound),
            (&client, Action::ReadPlanTemplates, &other, Access::DenyNotFound),
        ];
        for (who, action, resource, expected) in cases {
            assert_eq!(authorize(who, action, resource), expected, "{who:?} {action:?} {resource:?}");
        }
    }

    #[test]
    fn clients_see_only_themselves() {
        let client = actor(UserKind::Client, false, false);
        let p = Resource::Practice { practice_id: "p1" };
        assert_eq!(authorize(&client, Action::ListUsers, &p), Access::DenyForbidden);
        assert_eq!(authorize(&client, Action::ReadUser, &user("p1", "me", UserKind::Client)), Access::Allow);
        assert_eq!(authorize(&client, Action::ReadUser, &user("p1", "s", UserKind::Staff)), Access::DenyNotFound);
        assert_eq!(authorize(&client, Action::UpdateUser, &user("p1", "me", UserKind::Client)), Access::DenyForbidden);
        assert_eq!(authorize(&client, Action::UpdateUser, &user("p1", "x", UserKind::Client)), Access::DenyNotFound);
    }

    #[test]
    fn nobody_changes_their_own_roles() {
        let admin = actor(UserKind::Staff, true, false);
        assert_eq!(authorize(&admin, Action::ChangeRoles, &user("p1", "me", UserKind::Staff)), Access::DenyForbidden);
        assert_eq!(authorize(&admin, Action::ChangeRoles, &user("p1", "s", UserKind::Staff)), Access::Allow);
        let clin = actor(UserKind::Staff, false, true);
        assert_eq!(authorize(&clin, Action::ChangeRoles, &user("p1", "s", UserKind::Staff)), Access::DenyForbidden);
    }

    #[test]
    fn break_glass_opens_reading_only_for_clinicians_outside_the_care_team() {
        let outside = |break_glass| Resource::Couple {
            practice_id: "p1",
            relation: CoupleRelation { assigned_clinician: false, partner: false, break_glass },
        };
        let clin = actor(UserKind::Staff, false, true);
        let admin = actor(UserKind::Staff, true, false);
        let client = actor(UserKind::Client, false, false);
        assert_eq!(authorize(&clin, Action::BreakGlass, &outside(false)), Access::Allow);
        assert_eq!(authorize(&admin, Action::BreakGlass, &outside(false)), Access::DenyForbidden);
        assert_eq!(authorize(&client, Action::BreakGlass, &outside(false)), Access::DenyNotFound);
        assert_eq!(authorize(&clin, Action::BreakGlass, &couple(false, true)), Access::DenyForbidden);
        assert_eq!(authorize(&clin, Action::BreakGlass, &couple(true, false)), Access::DenyForbidden);
        for action in [Action::ReadClinical, Action::ReadReview, Action::ReadCouple] {
            assert_eq!(authorize(&clin, action, &outside(false)), Access::DenyNotFound);
            assert_eq!(authorize(&admin, action, &outside(false)), Access::DenyForbidden);
            assert_eq!(authorize(&clin, action, &outside(true)), Access::Allow);
            // A grant held by someone without the clinician role opens nothing.
            assert_eq!(authorize(&admin, action, &outside(true)), Access::DenyForbidden);
        }
        for action in [Action::WriteClinical, Action::UpdateCouple, Action::PartnerAnswer] {
            assert_eq!(authorize(&clin, action, &outside(true)), Access::DenyForbidden);
        }
    }
}
