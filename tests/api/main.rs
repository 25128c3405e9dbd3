//! Black-box tests: each starts the real app on a real port, over a fresh SQLite file or
//! (with `TANDEM_TEST_DATABASE_URL`) a fresh PostgreSQL database, and talks HTTP to it.

// Tests may unwrap: a panic is how a test reports a broken expectation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod auth;
mod binary;
mod break_glass;
mod comfort_script;
mod couples;
mod demo;
mod edge;
mod email;
mod hardening;
mod journal;
mod matrix;
mod measures;
mod needs_map;
mod openapi_spec;
mod plan_templates;
mod plans;
mod privacy;
mod problems;
mod progress;
mod reconnect_windows;
mod reminders;
mod replicas;
mod schema;
mod toolkit_story;
mod users;
