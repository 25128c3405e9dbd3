//! UTC instants are stored as `TIMESTAMP` without zone on both backends.

use chrono::{DateTime, NaiveDateTime, Utc};

#[must_use]
pub fn to_db(t: DateTime<Utc>) -> NaiveDateTime {
    t.naive_utc()
}

#[must_use]
pub fn from_db(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}
