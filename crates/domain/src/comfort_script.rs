//! The comfort script: one co-written document per couple for hard days. Rules for
//! people are in `docs/needs-map-and-comfort-script.md`.

use crate::validation::FieldError;

/// The longest text of each part (what helps a partner, words to use or avoid, coming back).
pub const TEXT_MAX: usize = 2000;
/// The time-out signal is a word or a gesture, not an essay.
pub const SIGNAL_MAX: usize = 200;

/// The script's parts, as written; what helps each partner is in the couple's partner
/// order (partner A, partner B).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Script {
    pub helps: [String; 2],
    pub words_to_use: String,
    pub words_to_avoid: String,
    pub time_out_signal: String,
    pub coming_back: String,
}

impl Script {
    /// Every part trimmed (what is stored).
    #[must_use]
    pub fn trimmed(self) -> Self {
        let t = |s: String| s.trim().to_owned();
        let [a, b] = self.helps;
        Self {
            helps: [t(a), t(b)],
            words_to_use: t(self.words_to_use),
            words_to_avoid: t(self.words_to_avoid),
            time_out_signal: t(self.time_out_signal),
            coming_back: t(self.coming_back),
        }
    }
}

/// Checks the parts' lengths, naming each field that is too long. `helps_field(i)` names
/// partner `i`'s text as the request spelled it. Any part may be empty: a couple writes
/// the script over time.
pub fn check(script: &Script, helps_field: impl Fn(usize) -> String) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let mut limit = |field: String, value: &str, max: usize| {
        if value.trim().chars().count() > max {
            errors.push(FieldError::new(field, format!("must be at most {max} characters")));
        }
    };
    for (i, text) in script.helps.iter().enumerate() {
        limit(helps_field(i), text, TEXT_MAX);
    }
    limit("words_to_use".into(), &script.words_to_use, TEXT_MAX);
    limit("words_to_avoid".into(), &script.words_to_avoid, TEXT_MAX);
    limit("time_out_signal".into(), &script.time_out_signal, SIGNAL_MAX);
    limit("coming_back".into(), &script.coming_back, TEXT_MAX);
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_long_part_is_named() {
        let long = "x".repeat(TEXT_MAX + 1);
        let script = Script {
            helps: [String::new(), long.clone()],
            words_to_use: long.clone(),
            words_to_avoid: "fine".into(),
            time_out_signal: "y".repeat(SIGNAL_MAX + 1),
            coming_back: long,
        };
        let fields: Vec<String> =
            check(&script, |i| format!("what_helps[{i}].text")).into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["what_helps[1].text", "words_to_use", "time_out_signal", "coming_back"]);
        assert!(check(&Script::default(), |i| i.to_string()).is_empty());
    }
}
