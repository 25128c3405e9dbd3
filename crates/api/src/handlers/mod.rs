//! One handler file per resource. Handlers parse, ask the policy, call the store, answer.

pub mod access;
pub mod agreements;
pub mod audit_events;
pub mod auth;
pub mod break_glass;
pub mod couples;
pub mod decisions;
pub mod exercises;
pub mod incidents;
pub mod me;
pub mod milestones;
pub mod notifications;
pub mod ops;
pub mod plans;
pub mod reports;
pub mod review;
pub mod users;

use tandem_domain::{Access, Action, Actor, Resource, authorize};

use crate::error::{ApiError, FieldError};

/// Asks the one policy and turns its answer into the error to return.
pub fn allow(actor: &Actor, action: Action, resource: &Resource<'_>) -> Result<(), ApiError> {
    match authorize(actor, action, resource) {
        Access::Allow => Ok(()),
        Access::DenyNotFound => Err(ApiError::NotFound),
        Access::DenyForbidden => Err(ApiError::Forbidden),
    }
}

/// Parses an enum field sent as text, so an unknown value is a 422 that names the field
/// and lists the allowed values (rather than serde's generic 400).
pub fn enum_field<T: Copy>(
    field: &str,
    value: &str,
    all: &[T],
    as_str: fn(T) -> &'static str,
) -> Result<T, FieldError> {
    all.iter().copied().find(|v| as_str(*v) == value).ok_or_else(|| {
        let allowed = all.iter().map(|v| as_str(*v)).collect::<Vec<_>>().join(", ");
        FieldError::new(field, format!("must be one of: {allowed}"))
    })
}
