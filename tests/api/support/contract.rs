//! Holds the server to its spec on every request a test makes: a problem answer must be
//! one of the types the operation lists in `x-problem-types`, so the per-operation lists
//! a front-end generates its error handling from cannot drift from what the code answers.

use std::sync::OnceLock;

use serde_json::Value;

/// (method, path template split in segments, documented problem types).
type Operation = (String, Vec<String>, Vec<String>);

fn operations() -> &'static [Operation] {
    static OPERATIONS: OnceLock<Vec<Operation>> = OnceLock::new();
    OPERATIONS.get_or_init(|| {
        let spec = serde_json::to_value(tandem_api::openapi()).expect("the spec serializes");
        let mut out = Vec::new();
        for (path, item) in spec["paths"].as_object().expect("paths") {
            for (method, op) in item.as_object().expect("operations") {
                let types = op["x-problem-types"]
                    .as_array()
                    .map(|t| t.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                    .unwrap_or_default();
                out.push((method.to_uppercase(), path.split('/').map(str::to_owned).collect(), types));
            }
        }
        out
    })
}

/// The documented problem types of the operation `method path` answers, if the path is
/// one of the spec's (an unknown path is the router's 404, not an operation's).
fn documented(method: &str, path: &str) -> Option<&'static [String]> {
    let path = path.split('?').next().unwrap_or(path);
    let segments: Vec<&str> = path.split('/').collect();
    operations()
        .iter()
        .filter(|(m, template, _)| {
            m == method
                && template.len() == segments.len()
                && template.iter().zip(&segments).all(|(t, s)| t.starts_with('{') || t == s)
        })
        // A literal segment beats a parameter (`/me/agenda` before `/users/{id}`).
        .max_by_key(|(_, template, _)| template.iter().filter(|t| !t.starts_with('{')).count())
        .map(|(_, _, types)| types.as_slice())
}

/// Panics when a problem answer's `type` is not one its operation documents.
pub fn check(method: &str, path: &str, status: u16, body: &Value) {
    let Some(problem_type) = body.get("type").and_then(Value::as_str) else { return };
    if status < 400 || !problem_type.starts_with("urn:tandem:problem:") {
        return;
    }
    // The router's answers (no such route or method) and the transport's are not an
    // operation's to document.
    if matches!(status, 404 | 405) && documented(method, path).is_none() {
        return;
    }
    let Some(types) = documented(method, path) else { return };
    assert!(
        types.iter().any(|t| t == problem_type),
        "{method} {path} answered {status} {problem_type}, which its operation does not list in x-problem-types: {types:?}"
    );
}
