//! Route files, one per operation group. Each handler is an adapter: it extracts the
//! request, calls one use case of `tandem_service` and renders the answer.

pub mod agenda;
pub mod agreements;
pub mod audit_events;
pub mod auth;
pub mod break_glass;
pub mod check_ins;
pub mod comfort_script;
pub mod compromises;
pub mod consents;
pub mod couple_clinicians;
pub mod couples;
pub mod decisions;
pub mod exercises;
pub mod incidents;
pub mod invitations;
pub mod journal;
pub mod journal_assignments;
pub mod journal_prompts;
pub mod me;
pub mod milestones;
pub mod needs_map;
pub mod ops;
pub mod outbox;
pub mod partner_invitations;
pub mod password_reset;
pub mod plan_templates;
pub mod plans;
pub mod preferences;
pub mod reports;
pub mod review;
pub mod step_exercises;
pub mod steps;
pub mod unsubscribe;
pub mod users;
