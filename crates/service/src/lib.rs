//! Tandem's use cases, between the rules (`domain`) and the adapters (`api`, the CLI, the
//! demo seeder): one function per operation. Each loads the facts, asks `domain`, writes,
//! audits, refreshes the couple summary and enqueues email, in one transaction it owns.
//! No actix, no lettre.
//!
//! - [`context`]: what a use case runs with ([`Ctx`], [`Env`]).
//! - [`access`]: loading what a request acts on and asking the one policy.
//! - [`audit`]: audit events (writes in their transaction, reads batched).
//! - [`safety`]: the one place a plan is put on hold (safety stops).
//! - [`review`]: the current recommendation and the per-couple summary.
//! - [`records`]: the records use cases return, for adapters to render.

pub mod access;
pub mod agenda;
pub mod agreements;
pub mod audit;
pub mod audit_events;
pub mod break_glass;
pub mod comfort_script;
pub mod consents;
pub mod context;
pub mod couples;
pub mod decisions;
pub mod error;
pub mod exercises;
pub mod export;
pub mod health;
pub mod idempotency;
pub mod incidents;
pub mod invitations;
pub mod journal;
pub mod journal_prompts;
pub mod limits;
pub mod me;
pub mod measure_responses;
pub mod measures;
pub mod milestones;
pub mod needs_map;
pub mod outbox;
pub mod password_reset;
pub mod plan_editing;
pub mod plan_templates;
pub mod plans;
pub mod preferences;
pub mod progress;
pub mod reconnect;
pub mod records;
pub mod reports;
pub mod review;
pub mod safety;
pub mod sessions;
pub mod template_plans;
pub mod timeline;
pub mod tokens;
pub mod users;

pub use context::{Ctx, Env};
pub use error::{Error, Result};
/// The connection a use case's transaction runs on, for an adapter that composes one
/// transaction around use cases (an idempotent create: the claim of the key, the write
/// and the stored answer commit together).
pub use tandem_store::AnyConnection;
