//! The journal's rules: who reads an entry, who a prompt assignment is for, who manages
//! the prompt library, and which fields each kind of check-in (daily, weekly talk) takes.
//! `docs/journal.md` explains them for people.

use crate::actor::Actor;
use crate::plans::text_enum;
use crate::policy::Access;

text_enum!(
    /// Which entries a journal read returns.
    #[cfg_attr(feature = "openapi", schema(as = JournalScope))]
    JournalScope {
        /// Everything the caller may read.
        All = "all",
        /// Only the couple's shared journal.
        Shared = "shared",
    }
);

text_enum!(
    /// What a check-in is: the daily note, or the structured weekly conversation.
    #[cfg_attr(feature = "openapi", schema(as = CheckInKind))]
    CheckInKind {
        /// Felt good, was hard, to adjust, stress.
        Daily = "daily",
        /// Gratitude, frustrations, next steps.
        WeeklyTalk = "weekly_talk",
    }
);

/// The longest entry, in characters (a page or two of writing).
pub const ENTRY_MAX_CHARS: usize = 8000;
/// A prompt's title and text limits, in characters.
pub const PROMPT_TITLE_MAX_CHARS: usize = 120;
pub const PROMPT_TEXT_MAX_CHARS: usize = 1000;
/// How many milestones one entry may link.
pub const MAX_MILESTONE_LINKS: usize = 10;
/// Each weekly-talk segment's limit, in characters (as the daily fields).
pub const SEGMENT_MAX_CHARS: usize = 2000;

/// Whether an assignment is for `partner_id`: one without a partner is for both partners,
/// one with a partner for that partner alone (the other never sees it).
#[must_use]
pub fn addressed_to(assignment_partner: Option<&str>, partner_id: &str) -> bool {
    assignment_partner.is_none_or(|p| p == partner_id)
}

/// An assignment stays on a partner's agenda until that partner writes an entry answering
/// it; the other partner's answer (or its absence) never changes it.
#[must_use]
pub fn open_for(assignment_partner: Option<&str>, partner_id: &str, answered_by_partner: bool) -> bool {
    addressed_to(assignment_partner, partner_id) && !answered_by_partner
}

/// The prompt library: everyone of the practice reads it (built-ins and the practice's
/// own); clinicians add and archive the practice's prompts; another practice's prompts do
/// not exist. (Built-ins are read-only: archiving one is a refusal, decided by the caller.)
#[must_use]
pub fn prompt_access(actor: &Actor, prompt_practice_id: Option<&str>, write: bool) -> Access {
    if prompt_practice_id.is_some_and(|p| p != actor.practice_id) {
        return Access::DenyNotFound;
    }
    if !write || actor.is_clinician { Access::Allow } else { Access::DenyForbidden }
}

/// The daily check-in's fields.
pub const DAILY_FIELDS: &[&str] = &["felt_good", "was_hard", "to_adjust", "stress"];
/// The weekly talk's fields.
pub const WEEKLY_TALK_FIELDS: &[&str] = &["gratitude", "frustrations", "next_steps"];

impl CheckInKind {
    /// A check-in of this kind needs all of its own fields and none of the other kind's:
    /// returns (required, refused).
    #[must_use]
    pub const fn fields(self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            Self::Daily => (DAILY_FIELDS, WEEKLY_TALK_FIELDS),
            Self::WeeklyTalk => (WEEKLY_TALK_FIELDS, DAILY_FIELDS),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actor::UserKind;

    fn actor(id: &str, kind: UserKind, clinician: bool) -> Actor {
        Actor { user_id: id.into(), practice_id: "p1".into(), kind, is_admin: false, is_clinician: clinician }
    }

    #[test]
    fn an_assignment_is_for_its_partner_or_both() {
        assert!(addressed_to(None, "a") && addressed_to(None, "b"));
        assert!(addressed_to(Some("a"), "a"));
        assert!(!addressed_to(Some("a"), "b"));
        assert!(open_for(None, "b", false), "the other partner's answer does not close it");
        assert!(!open_for(None, "a", true));
        assert!(!open_for(Some("a"), "b", false));
    }

    #[test]
    fn clinicians_manage_the_library_and_everyone_reads_it() {
        let clinician = actor("c", UserKind::Staff, true);
        let admin = Actor { is_admin: true, ..actor("d", UserKind::Staff, false) };
        let partner = actor("a", UserKind::Client, false);
        for who in [&clinician, &admin, &partner] {
            assert_eq!(prompt_access(who, None, false), Access::Allow);
            assert_eq!(prompt_access(who, Some("p1"), false), Access::Allow);
            assert_eq!(prompt_access(who, Some("p2"), false), Access::DenyNotFound);
            assert_eq!(prompt_access(who, Some("p2"), true), Access::DenyNotFound);
        }
        assert_eq!(prompt_access(&clinician, Some("p1"), true), Access::Allow);
        assert_eq!(prompt_access(&admin, Some("p1"), true), Access::DenyForbidden);
        assert_eq!(prompt_access(&partner, None, true), Access::DenyForbidden);
    }

    #[test]
    fn each_kind_refuses_the_other_kinds_fields() {
        let (daily, not_daily) = CheckInKind::Daily.fields();
        let (weekly, not_weekly) = CheckInKind::WeeklyTalk.fields();
        assert_eq!((daily, not_daily), (not_weekly, weekly));
        assert!(daily.iter().all(|f| !weekly.contains(f)));
    }
}
