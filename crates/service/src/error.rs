//! What a use case can fail with. Each variant is something a caller must tell apart
//! (the HTTP edge maps them one to one to problem types); database causes stay inside
//! [`Error::Store`] and reach only the log.

use std::panic::Location;

use tandem_domain::refusal::{Code, Refusal};
use tandem_domain::validation::FieldError;
pub use tandem_store::{DbError, StoreError};

/// Everything a use case can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Absent, or not visible to the caller (other practices' things do not exist).
    #[error("not found")]
    NotFound,
    /// Visible, but this action is not allowed to the caller.
    #[error("this action is not allowed")]
    Forbidden,
    /// Bad credentials or a token that no longer opens anything.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// Well-formed input that breaks a field rule.
    #[error("{} field(s) are invalid", .0.len())]
    Invalid(Vec<FieldError>),
    /// A rule refused the request; each reason has a stable code.
    #[error("refused: {}", .0.iter().map(|r| r.code.as_str()).collect::<Vec<_>>().join(", "))]
    Refused(Vec<Refusal>),
    /// The version the caller read is no longer current (a stale `If-Match`).
    #[error("the resource changed since it was read")]
    Stale,
    /// Too many attempts; retry after this many seconds.
    #[error("too many attempts; retry in {0} s")]
    RateLimited(u64),
    /// The database failed (unavailable, or a bug); the cause and where it surfaced are
    /// for the log only.
    #[error("{source} (at {at})")]
    Store { source: StoreError, at: &'static Location<'static> },
}

impl From<StoreError> for Error {
    /// Records where the error surfaced (the `?` that converted it).
    #[track_caller]
    fn from(source: StoreError) -> Self {
        Self::Store { source, at: Location::caller() }
    }
}

impl Error {
    /// One invalid field.
    #[must_use]
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError::new(field, message)])
    }

    /// A refusal by one rule.
    #[must_use]
    pub fn refused(code: Code, message: impl Into<String>) -> Self {
        Self::Refused(vec![Refusal::new(code, message.into())])
    }

    /// `Ok` when no field is invalid, else every invalid field at once.
    pub fn check_fields(errors: Vec<FieldError>) -> Result<()> {
        if errors.is_empty() { Ok(()) } else { Err(Self::Invalid(errors)) }
    }
}

/// So `?` works on raw diesel results inside a use case's transaction.
impl From<tandem_store::DbError> for Error {
    #[track_caller]
    fn from(e: tandem_store::DbError) -> Self {
        Self::Store { source: StoreError::from(e), at: Location::caller() }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
