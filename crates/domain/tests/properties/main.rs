//! Property tests for the pure rules: each asserts an invariant a user relies on, over a
//! few hundred generated cases (kept modest so the suite stays fast on two cores).

// Tests may unwrap: a panic is how a test reports a broken expectation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod attention;
mod lifecycle;
mod policy;
mod progression;
mod reminders;

use chrono::{DateTime, Utc};
use proptest::prelude::*;
use tandem_domain::plans::ConsentAnswer;

/// Cases per property.
pub const CASES: u32 = 256;

pub fn config() -> ProptestConfig {
    ProptestConfig::with_cases(CASES)
}

/// A fixed instant the generated times are offsets from.
pub fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-01T12:00:00Z").unwrap().with_timezone(&Utc)
}

/// One partner's answer on a step, or none yet.
pub fn answer() -> impl Strategy<Value = Option<ConsentAnswer>> {
    prop::option::of(prop::sample::select(ConsentAnswer::ALL))
}

/// Both partners' answers.
pub fn answers() -> impl Strategy<Value = [Option<ConsentAnswer>; 2]> {
    (answer(), answer()).prop_map(|(a, b)| [a, b])
}

/// Whether both answers let a step run.
pub fn both_permit(answers: &[Option<ConsentAnswer>; 2]) -> bool {
    answers.iter().all(|a| a.is_some_and(ConsentAnswer::permits))
}
