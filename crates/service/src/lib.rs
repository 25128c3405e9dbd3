//! Tandem's use cases, between the rules (`domain`) and the adapters (`api`, the CLI):
//! what a rule's decision does to the data, inside the caller's transaction. No actix, no
//! lettre: every function takes a connection already in a transaction.
//!
//! - [`safety`]: the one place a plan is put on hold (safety stops), and the off-limits
//!   readings of the safety agreement that decide them.
//! - [`review`]: the current recommendation of a plan and the per-couple summary the
//!   caseload reads, refreshed in every write that can change it.

pub mod review;
pub mod safety;
