//! What the API accepts as input before any handler sees it: JSON bodies and query
//! strings free of control characters, and paths that cannot smuggle them in.
//!
//! This is the one place free text is checked against [`check_text`], for every field of
//! every body (nested ones included, such as agreement terms stored as JSON), so no
//! handler can forget it and both databases answer the same 422.

use std::ops::{Deref, DerefMut};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tandem_domain::validation::check_text;

use crate::error::{ApiError, FieldError};

/// A JSON body: parsed with the app's `JsonConfig` (size limit, content type, 400/413/415),
/// deserialized into `T` (400 when malformed), then every string in it is checked (422
/// naming each offending field as the rest of the API does, e.g. `partners[0].pause_signal`).
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T> Json<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Json<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> DerefMut for Json<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = web::Json::<Value>::from_request(req, payload);
        Box::pin(async move {
            let value = body.await?.into_inner();
            let parsed = T::deserialize(&value).map_err(crate::error::bad_json)?;
            let mut errors = Vec::new();
            control_characters(&value, "", &mut errors);
            if errors.is_empty() { Ok(Self(parsed)) } else { Err(ApiError::Validation(errors).into()) }
        })
    }
}

/// Collects a field error for every string (or object key) in `value` that fails
/// [`check_text`].
fn control_characters(value: &Value, path: &str, errors: &mut Vec<FieldError>) {
    let child = |key: &str| if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") };
    match value {
        Value::String(s) => {
            if let Err(why) = check_text(s) {
                errors.push(FieldError::new(if path.is_empty() { "body" } else { path }, why));
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                control_characters(item, &format!("{path}[{i}]"), errors);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                if check_text(key).is_err() {
                    errors.push(FieldError::new(child(&key.escape_default().to_string()), "unknown field"));
                } else {
                    control_characters(item, &child(key), errors);
                }
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// Whether a raw (percent-encoded) path carries a control character, e.g. `%00`.
fn path_has_control(path: &str) -> bool {
    let bytes = path.as_bytes();
    bytes.iter().any(|b| *b < b' ' || *b == 0x7f)
        || bytes.windows(3).any(|w| {
            w[0] == b'%'
                && std::str::from_utf8(&w[1..])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .is_some_and(|b| b < b' ' || b == 0x7f)
        })
}

/// Refuses control characters in paths (404: such a path names nothing) and in query
/// strings (422 naming the parameter), before routing.
pub async fn refuse_control_characters<B: MessageBody>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    if let Err(refusal) = check_request(&req) {
        return Ok(req.error_response(refusal).map_into_right_body());
    }
    Ok(next.call(req).await?.map_into_left_body())
}

fn check_request(req: &ServiceRequest) -> Result<(), ApiError> {
    if path_has_control(req.path()) {
        return Err(ApiError::NotFound);
    }
    let query = req.query_string();
    // Only a percent escape can smuggle a control character into a query the HTTP parser
    // accepted, so most queries need no decoding at all.
    if !query.contains('%') {
        return Ok(());
    }
    let pairs = web::Query::<Vec<(String, String)>>::from_query(query).map_err(crate::error::bad_query)?;
    let errors: Vec<FieldError> = pairs
        .iter()
        .filter(|(k, v)| check_text(k).is_err() || check_text(v).is_err())
        .map(|(k, _)| FieldError::new(k.escape_default().to_string(), "must not contain control characters"))
        .collect();
    if errors.is_empty() { Ok(()) } else { Err(ApiError::Validation(errors)) }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_strings_are_named_by_their_path() {
        let body = serde_json::json!({"title": "ok", "partners": [{"pause_signal": "x\u{0}"}], "n": 1});
        let mut errors = Vec::new();
        control_characters(&body, "", &mut errors);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "partners[0].pause_signal");
    }

    #[test]
    fn encoded_controls_in_paths_are_found() {
        assert!(path_has_control("/api/v1/couples/%00"));
        assert!(path_has_control("/api/v1/couples/a%1Fb"));
        assert!(!path_has_control("/api/v1/couples/%20x"));
        assert!(!path_has_control("/api/v1/couples/01936f3e"));
    }
}
