//! One handler file per resource. Handlers parse, ask the policy, call the store, answer.

pub mod access;
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
pub mod reports;
pub mod review;
pub mod step_exercises;
pub mod steps;
pub mod unsubscribe;
pub mod users;

use tandem_domain::{Access, Action, Actor, Resource, authorize};

use crate::error::ApiError;

/// Asks the one policy and turns its answer into the error to return.
pub fn allow(actor: &Actor, action: Action, resource: &Resource<'_>) -> Result<(), ApiError> {
    match authorize(actor, action, resource) {
        Access::Allow => Ok(()),
        Access::DenyNotFound => Err(ApiError::NotFound),
        Access::DenyForbidden => Err(ApiError::Forbidden),
    }
}
