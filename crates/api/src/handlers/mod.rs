//! Route files, one per operation group. Each handler is an adapter: it extracts the
//! request, calls one use case of `tandem_service` and renders the answer.

pub mod agenda;
pub mod agreements;
pub mod audit_events;
pub mod auth;
pub mod break_glass;
pub mod check_ins;
pub mod consents;
pub mod couple_clinicians;
pub mod couples;
pub mod decisions;
pub mod exercises;
pub mod incidents;
pub mod invitations;
pub mod me;
pub mod milestones;
pub mod ops;
pub mod outbox;
pub mod partner_invitations;
pub mod password_reset;
pub mod plans;
pub mod preferences;
pub mod reconnect_windows;
pub mod reports;
pub mod review;
pub mod step_exercises;
pub mod steps;
pub mod unsubscribe;
pub mod users;
