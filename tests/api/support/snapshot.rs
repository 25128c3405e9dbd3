//! Snapshots (insta) of what the API answers: a problem's status, the headers a client
//! acts on, and its body. Volatile values (request ids, ids in prose, retry delays) are
//! redacted, so every run on either database gives the same snapshot.

use insta::internals::{Content, ContentPath};
use serde_json::{Map, Value, json};

use super::Reply;

/// What a client sees of a problem. Header names are written with underscores so that
/// redaction selectors can name them.
pub fn problem(reply: &Reply) -> Value {
    reply.assert_problem(reply.status.as_u16());
    let mut headers = Map::new();
    for name in ["content-type", "www-authenticate", "retry-after", "x-request-id"] {
        if let Some(value) = reply.header(name) {
            headers.insert(name.replace('-', "_"), value.into());
        }
    }
    json!({"status": reply.status.as_u16(), "headers": headers, "body": reply.body})
}

/// Redacts the volatile parts of a problem's prose: ids, and the seconds to wait.
pub fn redact_detail(value: Content, _path: ContentPath<'_>) -> Content {
    match value.as_str() {
        Some(text) => redact_text(text).into(),
        None => value,
    }
}

/// `text` with ids replaced by `[id]` and the seconds of "retry in N s" by `[seconds]`.
pub fn redact_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        if rest.get(..36).is_some_and(|head| uuid::Uuid::try_parse(head).is_ok()) {
            out.push_str("[id]");
            rest = &rest[36..];
        } else if let Some(after) = rest.strip_prefix("retry in ")
            && let Some(digits) = after.find(|c: char| !c.is_ascii_digit()).filter(|n| *n > 0)
        {
            out.push_str("retry in [seconds]");
            rest = &after[digits..];
        } else {
            let c = rest.chars().next().unwrap_or_default();
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// Asserts that a reply is a problem matching its snapshot, volatile values redacted.
macro_rules! assert_problem_snapshot {
    ($name:expr, $reply:expr) => {{
        let problem = $crate::support::snapshot::problem(&$reply);
        insta::assert_json_snapshot!($name, problem, {
            ".headers.x_request_id" => "[request id]",
            ".headers.retry_after" => "[seconds]",
            ".body.detail" => insta::dynamic_redaction($crate::support::snapshot::redact_detail),
        })
    }};
}
pub(crate) use assert_problem_snapshot;
