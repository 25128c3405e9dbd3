//! Ids are UUIDv7 strings made here, not by the database: `MultiConnection` has no
//! `RETURNING`, and time-ordered ids give cursor pagination a stable order for free.

/// A new time-ordered id.
#[must_use]
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Whether `s` looks like one of our ids; used to turn junk path segments into 404s
/// without a query.
#[must_use]
pub fn is_valid(s: &str) -> bool {
    uuid::Uuid::try_parse(s).is_ok()
}
