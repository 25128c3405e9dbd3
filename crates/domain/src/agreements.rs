//! Safety agreements: what each partner is willing to try, what is off-limits, and how
//! they pause, say a soft no or a tentative yes.

use serde::{Deserialize, Serialize};

/// One partner's side of a safety agreement.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerTerms {
    /// What they are willing to try, in their words.
    pub willing_to_try: String,
    /// What is off-limits, in their words.
    pub off_limits: String,
    /// Exercise tags that are off-limits; steps with these tags cannot be added.
    pub off_limits_tags: Vec<String>,
    /// The word or gesture that means "stop now".
    pub pause_signal: String,
    /// How they will say a soft no.
    pub soft_no: String,
    /// How they will say a tentative yes.
    pub tentative_yes: String,
}

/// Whether a version is in effect: both partners acknowledged it.
#[must_use]
pub fn in_effect(acknowledged_by: &[String], partners: [&str; 2]) -> bool {
    partners.iter().all(|p| acknowledged_by.iter().any(|a| a == p))
}

/// The union of both partners' off-limits tags.
#[must_use]
pub fn off_limits_tags(terms: &[PartnerTerms]) -> Vec<String> {
    let mut tags: Vec<String> = terms.iter().flat_map(|t| t.off_limits_tags.iter().cloned()).collect();
    tags.sort();
    tags.dedup();
    tags
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_is_in_effect_once_both_acknowledge() {
        assert!(!in_effect(&[], ["a", "b"]));
        assert!(!in_effect(&["a".into()], ["a", "b"]));
        assert!(in_effect(&["b".into(), "a".into()], ["a", "b"]));
        assert!(!in_effect(&["a".into(), "x".into()], ["a", "b"]));
    }

    #[test]
    fn off_limits_tags_are_the_union() {
        let a = PartnerTerms { off_limits_tags: vec!["touch:genital".into()], ..PartnerTerms::default() };
        let b = PartnerTerms {
            off_limits_tags: vec!["clothing:removed".into(), "touch:genital".into()],
            ..PartnerTerms::default()
        };
        assert_eq!(off_limits_tags(&[a, b]), vec!["clothing:removed".to_owned(), "touch:genital".to_owned()]);
    }
}
