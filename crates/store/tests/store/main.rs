//! The store against a real database: SQLite, or PostgreSQL when
//! `TANDEM_TEST_DATABASE_URL` is set (`scripts/test` runs both). Each test gets a fresh
//! database copied from the migrated template.

// Tests may unwrap: a panic is how a test reports a broken expectation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod couples;
mod idempotency;
mod migrations;
mod outbox;
mod pagination;
mod plans;
