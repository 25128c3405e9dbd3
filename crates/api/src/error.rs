//! The one error type at the HTTP edge, answered as RFC 9457 `application/problem+json`.
//!
//! Every failure a client can see goes through [`ApiError`]: handler errors, extractor
//! errors (bad JSON, unknown fields, wrong content type, oversized or late bodies), unknown
//! routes and rate limits. No message carries SQL, stack traces or clinical text.

use std::panic::Location;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde::Serialize;
use tandem_domain::refusal::{Code, Refusal};
use tandem_service::error::{DbError, StoreError};
use utoipa::ToSchema;

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

pub use tandem_domain::validation::FieldError;

/// An RFC 9457 problem document.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:tandem:problem:validation",
    "title": "The request breaks a rule",
    "status": 422,
    "detail": "1 field is invalid",
    "errors": [{"field": "email", "message": "must be an email address"}]
}))]
pub struct Problem {
    /// A stable URI naming the kind of problem; clients switch on it.
    #[serde(rename = "type")]
    #[schema(example = "urn:tandem:problem:not-found")]
    pub type_uri: String,
    /// A short summary of the kind of problem; the same for every occurrence.
    #[schema(example = "Not found")]
    pub title: String,
    /// The HTTP status code.
    #[schema(example = 404)]
    pub status: u16,
    /// What went wrong this time, for a person.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The offending fields, for validation problems.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Every reason a rule refused the request (409), most important first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<Reason>,
}

/// Everything a handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the body or query is malformed (bad JSON, wrong types, unknown fields).
    #[error("{0}")]
    BadRequest(String),
    /// 401: no token, a bad token, or bad credentials.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// 403: the resource is visible but this action is not allowed.
    #[error("this action is not allowed")]
    Forbidden,
    /// 404: absent, or not visible to the caller.
    #[error("not found")]
    NotFound,
    /// 405: the path exists, the method does not.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// 408: the request body did not arrive before its deadline; the connection closes.
    #[error("the request body did not arrive in time; send the request again")]
    RequestTimeout,
    /// 409: a rule refused the request; each reason has a stable code (the first one
    /// names the problem type).
    #[error("{}", describe(.0))]
    Conflict(Vec<Refusal>),
    /// 412: the `If-Match` is stale.
    #[error("the resource changed since it was read; fetch it again")]
    PreconditionFailed,
    /// 413: the body is over the limit.
    #[error("the request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    /// 415: not JSON.
    #[error("the request body must be application/json")]
    UnsupportedMediaType,
    /// 422: well-formed but breaks a rule.
    #[error("{} field(s) are invalid", .0.len())]
    Validation(Vec<FieldError>),
    /// 428: `If-Match` is required here.
    #[error("this update needs an If-Match header with the ETag you read")]
    PreconditionRequired,
    /// 429: too many attempts; retry after the given seconds.
    #[error("too many requests; retry in {0} s")]
    RateLimited(u64),
    /// 503: the database cannot be reached.
    #[error("the service is temporarily unavailable; retry shortly")]
    Unavailable,
    /// 500: a bug or an unexpected failure. The cause and where it surfaced go to the
    /// log, never to the client.
    #[error("internal error")]
    Internal { cause: String, at: &'static Location<'static> },
}

/// One reason a rule refused a request, as the client sees it.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct Reason {
    /// A stable code; the problem's `type` is `urn:tandem:problem:{code}` of the first.
    #[schema(value_type = tandem_domain::refusal::Code, example = "consent_missing")]
    pub code: String,
    /// What is missing or in the way, for a person. Never names a partner.
    #[schema(example = "both partners must answer yes or tentative yes to the first step")]
    pub message: String,
}

fn describe(reasons: &[Refusal]) -> String {
    reasons.iter().map(|r| format!("{}: {}", r.code.as_str(), r.message)).collect::<Vec<_>>().join("; ")
}

impl ApiError {
    /// A 500 whose cause (and the caller's location) is logged, never sent.
    #[track_caller]
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Self::Internal { cause: cause.to_string(), at: Location::caller() }
    }

    pub fn validation(field: &str, message: &str) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    /// A refusal by one rule (409, `urn:tandem:problem:{code}`).
    #[must_use]
    pub fn conflict(code: Code, message: String) -> Self {
        Self::Conflict(vec![Refusal::new(code, message)])
    }

    fn slug_and_title(&self) -> (&'static str, &'static str) {
        match self {
            Self::BadRequest(_) => ("bad-request", "The request is malformed"),
            Self::Unauthorized(_) => ("unauthorized", "Authentication required"),
            Self::Forbidden => ("forbidden", "Not allowed"),
            Self::NotFound => ("not-found", "Not found"),
            Self::MethodNotAllowed => ("method-not-allowed", "Method not allowed"),
            Self::RequestTimeout => ("request-timeout", "Request timeout"),
            Self::Conflict(reasons) => {
                reasons.first().map_or(("conflict", "Conflict"), |r| (r.code.as_str(), r.code.title()))
            }
            Self::PreconditionFailed => ("precondition-failed", "Precondition failed"),
            Self::PayloadTooLarge(_) => ("payload-too-large", "Request body too large"),
            Self::UnsupportedMediaType => ("unsupported-media-type", "Unsupported media type"),
            Self::Validation(_) => ("validation", "The request breaks a rule"),
            Self::PreconditionRequired => ("precondition-required", "Precondition required"),
            Self::RateLimited(_) => ("rate-limited", "Too many requests"),
            Self::Unavailable => ("unavailable", "Service unavailable"),
            Self::Internal { .. } => ("internal", "Internal error"),
        }
    }

    /// The problem document this error answers with.
    #[must_use]
    pub fn problem(&self) -> Problem {
        let (slug, title) = self.slug_and_title();
        let detail = match self {
            Self::Internal { .. } => None,
            Self::Validation(errors) if errors.len() == 1 => {
                Some(format!("{}: {}", errors[0].field, errors[0].message))
            }
            other => Some(other.to_string()),
        };
        Problem {
            type_uri: format!("urn:tandem:problem:{slug}"),
            title: title.to_owned(),
            status: self.status_code().as_u16(),
            detail,
            errors: match self {
                Self::Validation(errors) => errors.clone(),
                _ => Vec::new(),
            },
            reasons: match self {
                Self::Conflict(reasons) => reasons
                    .iter()
                    .map(|r| Reason { code: r.code.as_str().to_owned(), message: r.message.clone() })
                    .collect(),
                _ => Vec::new(),
            },
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            Self::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Internal { cause, at } = self {
            tracing::error!(error = %cause, at = %at, "internal error");
        }
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
        match self {
            Self::Unauthorized(_) => {
                response.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
            }
            Self::RateLimited(secs) => {
                response.insert_header((header::RETRY_AFTER, secs.to_string()));
            }
            Self::Unavailable => {
                response.insert_header((header::RETRY_AFTER, HeaderValue::from_static("1")));
            }
            Self::RequestTimeout => {
                // The rest of the body may still come; nothing else can follow it here.
                response.force_close();
            }
            _ => {}
        }
        response.body(serde_json::to_string(&self.problem()).unwrap_or_default())
    }
}

/// Through the use cases' error, so a database failure reads the same however it came.
/// A record that does not parse (a row method such as `status()` while rendering).
impl From<StoreError> for ApiError {
    #[track_caller]
    fn from(e: StoreError) -> Self {
        tandem_service::Error::from(e).into()
    }
}

/// So `?` works on database results inside a transaction an adapter composes around use
/// cases (`idempotency::run`).
impl From<DbError> for ApiError {
    #[track_caller]
    fn from(e: DbError) -> Self {
        tandem_service::Error::from(e).into()
    }
}

/// A database failure as the client sees it: never the database's words (a constraint
/// name, a query) in a client-visible field.
fn from_store(e: StoreError, at: &'static Location<'static>) -> ApiError {
    match e {
        StoreError::NotFound => ApiError::NotFound,
        StoreError::Conflict(what) => {
            tracing::info!(conflict = %what, at = %at, "unique constraint refused a write");
            ApiError::conflict(Code::AlreadyExists, "something with this identity already exists".into())
        }
        StoreError::Unavailable(why) => {
            tracing::warn!(error = %why, at = %at, "database unavailable");
            ApiError::Unavailable
        }
        other => ApiError::Internal { cause: other.to_string(), at },
    }
}

impl From<tandem_service::Error> for ApiError {
    #[track_caller]
    fn from(e: tandem_service::Error) -> Self {
        use tandem_service::Error as E;
        match e {
            E::NotFound => Self::NotFound,
            E::Forbidden => Self::Forbidden,
            E::Unauthorized(why) => Self::Unauthorized(why),
            E::Invalid(errors) => Self::Validation(errors),
            E::Refused(reasons) => Self::Conflict(reasons),
            E::Stale => Self::PreconditionFailed,
            E::RateLimited(secs) => Self::RateLimited(secs),
            E::Store { source, at } => from_store(source, at),
        }
    }
}

/// A 400 for a body that does not parse. serde's words can quote the offending value
/// (`invalid type: string "…"`), which may be a password or clinical text: values are
/// masked, field names (the client's own keys) and the expected shape are kept.
pub fn bad_json(err: impl std::fmt::Display) -> ApiError {
    let message = err.to_string();
    let shown = if message.starts_with("unknown field") || message.starts_with("missing field") {
        message
    } else {
        mask_quoted(&message)
    };
    ApiError::BadRequest(format!("invalid JSON body: {shown}"))
}

/// Replaces every `"…"` and `` `…` `` span before serde's `, expected` with a placeholder.
fn mask_quoted(message: &str) -> String {
    let (head, tail) = message.find(", expected").map_or((message, ""), |i| message.split_at(i));
    let mut out = String::with_capacity(message.len());
    let mut open: Option<char> = None;
    for c in head.chars() {
        match open {
            Some(q) if c == q => {
                out.push('…');
                out.push(c);
                open = None;
            }
            Some(_) => {}
            None => {
                out.push(c);
                if c == '"' || c == '`' {
                    open = Some(c);
                }
            }
        }
    }
    if open.is_some() {
        out.push('…');
    }
    out.push_str(tail);
    out
}

/// Turns actix's JSON extractor errors into problems: 413, 415 or 400.
pub fn json_error(err: actix_web::error::JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    use actix_web::error::JsonPayloadError as E;
    let api = match &err {
        E::OverflowKnownLength { limit, .. } | E::Overflow { limit } => ApiError::PayloadTooLarge(*limit),
        E::ContentType => ApiError::UnsupportedMediaType,
        E::Deserialize(e) => bad_json(e),
        E::Payload(actix_web::error::PayloadError::Overflow) => ApiError::PayloadTooLarge(crate::config::JSON_LIMIT),
        E::Payload(e) if crate::body::timed_out(e) => ApiError::RequestTimeout,
        other => bad_json(other),
    };
    api.into()
}

/// Query-string errors (bad numbers, unknown filters) are 400.
pub fn query_error(err: actix_web::error::QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    bad_query(err).into()
}

/// A 400 for a query string that does not parse, values masked as in [`bad_json`].
pub fn bad_query(err: impl std::fmt::Display) -> ApiError {
    ApiError::BadRequest(format!("invalid query string: {}", mask_quoted(&err.to_string())))
}

/// A malformed path segment cannot name anything that exists.
pub fn path_error(_err: actix_web::error::PathError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::NotFound.into()
}

/// Raw body (non-JSON) limits.
pub fn payload_error(err: actix_web::error::PayloadError) -> ApiError {
    match err {
        actix_web::error::PayloadError::Overflow => ApiError::PayloadTooLarge(crate::config::JSON_LIMIT),
        other if crate::body::timed_out(&other) => ApiError::RequestTimeout,
        other => ApiError::BadRequest(other.to_string()),
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_body_never_echoes_a_value() {
        let shown = bad_json("invalid type: string \"hunter2 secret\", expected u32 at line 1 column 9").to_string();
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("expected u32"), "{shown}");
        let variant = bad_json("unknown variant `advanse`, expected one of `advance`, `hold`").to_string();
        assert!(!variant.contains("advanse") && variant.contains("`advance`"), "{variant}");
        let field = bad_json("unknown field `roles`, expected one of `display_name`").to_string();
        assert!(field.contains("roles"), "a client's own key names the problem: {field}");
    }
}
