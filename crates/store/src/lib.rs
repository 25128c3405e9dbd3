//! Tandem's data layer: one diesel code path over PostgreSQL and SQLite.
//!
//! Repositories are plain synchronous functions over [`AnyConnection`]; callers run them
//! on a blocking pool, never on the async executor. Writes that touch more than one row
//! go through [`write_tx`], one transaction each.

pub mod agreements;
pub mod audit;
pub mod break_glass;
pub mod comfort_scripts;
pub mod connection;
pub mod couples;
pub mod decisions;
pub mod error;
pub mod exercises;
pub mod idempotency;
pub mod ids;
pub mod incidents;
pub mod journal;
pub mod measures;
pub mod migrations;
pub mod needs_map;
pub mod outbox;
pub mod pagination;
pub mod per_backend;
pub mod plan_templates;
pub mod plans;
pub mod practices;
pub mod preferences;
pub mod reconnect_windows;
pub mod records;
pub mod schedule;
pub mod schema;
pub mod sessions;
pub mod shared;
pub mod time;
pub mod tokens;
pub mod users;

pub use connection::{
    AnyConnection, Backend, Pool, PoolCloser, PoolOptions, build_closable_pool, build_pool, connect, pooled_write_tx,
    write_tx,
};
pub use diesel::result::Error as DbError;
pub use error::StoreError;
pub use pagination::{Page, PageRequest};
