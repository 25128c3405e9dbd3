//! The test harness: a running app ([`app`]), its database ([`database`]), the mail it
//! sends ([`mail`]) and snapshots of what it answers ([`snapshot`]).

pub mod app;
pub mod contract;
pub mod database;
pub mod mail;
pub mod snapshot;

use base64::Engine;
use chrono::Utc;
use tandem_domain::ManualClock;

pub use app::{Reply, TestApp};
pub use database::on_postgres;
pub use mail::SmtpSink;

/// The secret of the test key set, so tests can forge tokens.
pub const TEST_SECRET: [u8; 32] = [7u8; 32];
pub const OTHER_SECRET: [u8; 32] = [9u8; 32];
pub const PASSWORD: &str = "a long test password";

pub fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Lets tests read the harness clock as a `DateTime<Utc>`.
pub trait ClockExt {
    fn now_utc(&self) -> chrono::DateTime<Utc>;
}

impl ClockExt for ManualClock {
    fn now_utc(&self) -> chrono::DateTime<Utc> {
        tandem_domain::Clock::now(self)
    }
}
