//! The needs map: each partner's desires and boundaries, and the compromises between
//! them. Rules for people are in `docs/needs-map-and-comfort-script.md`.

use crate::plans::text_enum;
use crate::refusal::{Code, Refusal};
use crate::validation::FieldError;

text_enum!(
    /// What a needs-map item says.
    #[cfg_attr(feature = "openapi", schema(as = NeedsMapItemKind))]
    ItemKind {
        /// Something the partner would like (more of).
        Desire = "desire",
        /// A limit the partner asks to be respected.
        Boundary = "boundary",
    }
);

text_enum!(
    /// Where a compromise stands. `withdrawn` never says which partner withdrew it.
    #[cfg_attr(feature = "openapi", schema(as = CompromiseStatus))]
    CompromiseStatus {
        /// Proposed by one partner, waiting for the other.
        Proposed = "proposed",
        /// Accepted by the partner who did not propose it.
        Agreed = "agreed",
        /// No longer agreed (or no longer on the table).
        Withdrawn = "withdrawn",
    }
);

/// The longest item or compromise text: a map holds short items.
pub const TEXT_MAX: usize = 280;
/// The longest optional note on an item or a compromise.
pub const NOTE_MAX: usize = 2000;

/// Checks an item's text (required, short) and note (optional), naming each field.
pub fn check_text(text: Option<&str>, note: Option<&str>, errors: &mut Vec<FieldError>) {
    if let Some(text) = text {
        let n = text.trim().chars().count();
        if n == 0 {
            errors.push(FieldError::new("text", "must not be empty"));
        } else if n > TEXT_MAX {
            errors.push(FieldError::new("text", format!("must be at most {TEXT_MAX} characters")));
        }
    }
    if note.is_some_and(|v| v.trim().chars().count() > NOTE_MAX) {
        errors.push(FieldError::new("note", format!("must be at most {NOTE_MAX} characters")));
    }
}

/// What a compromise action does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// The compromise moves to this status (an event is recorded).
    To(CompromiseStatus),
    /// Already there: the retry changes nothing.
    Unchanged,
}

/// Accepting: only the partner who did not propose it agrees a compromise, and only
/// while it is on the table; accepting an agreed one again changes nothing.
pub fn accept(status: CompromiseStatus, caller_proposed: bool) -> Result<Transition, Refusal> {
    if caller_proposed {
        return Err(Refusal::new(Code::OwnProposal, "a compromise is agreed by the partner who did not propose it"));
    }
    match status {
        CompromiseStatus::Proposed => Ok(Transition::To(CompromiseStatus::Agreed)),
        CompromiseStatus::Agreed => Ok(Transition::Unchanged),
        CompromiseStatus::Withdrawn => {
            Err(Refusal::new(Code::CompromiseWithdrawn, "the compromise was withdrawn; propose it again instead"))
        }
    }
}

/// Withdrawing: either partner may take back a proposed or agreed compromise at any time,
/// without a reason; withdrawing again changes nothing. Nothing a partner or clinician
/// reads says who withdrew it.
#[must_use]
pub fn withdraw(status: CompromiseStatus) -> Transition {
    match status {
        CompromiseStatus::Withdrawn => Transition::Unchanged,
        CompromiseStatus::Proposed | CompromiseStatus::Agreed => Transition::To(CompromiseStatus::Withdrawn),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CompromiseStatus::{Agreed, Proposed, Withdrawn};

    #[test]
    fn accepting() {
        assert_eq!(accept(Proposed, false), Ok(Transition::To(Agreed)));
        assert_eq!(accept(Agreed, false), Ok(Transition::Unchanged));
        assert_eq!(accept(Withdrawn, false).unwrap_err().code, Code::CompromiseWithdrawn);
        for status in CompromiseStatus::ALL {
            assert_eq!(accept(*status, true).unwrap_err().code, Code::OwnProposal);
        }
    }

    #[test]
    fn withdrawing() {
        assert_eq!(withdraw(Proposed), Transition::To(Withdrawn));
        assert_eq!(withdraw(Agreed), Transition::To(Withdrawn));
        assert_eq!(withdraw(Withdrawn), Transition::Unchanged);
    }

    #[test]
    fn texts_are_short_and_named() {
        let mut errors = Vec::new();
        check_text(Some("  "), Some(&"x".repeat(NOTE_MAX + 1)), &mut errors);
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["text", "note"]);
        let mut errors = Vec::new();
        check_text(Some(&"é".repeat(TEXT_MAX)), None, &mut errors);
        assert!(errors.is_empty());
        check_text(Some(&"é".repeat(TEXT_MAX + 1)), None, &mut errors);
        assert_eq!(errors.len(), 1);
    }
}
