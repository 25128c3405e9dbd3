//! An example for every request and success body of the spec, built from the schemas'
//! own field examples (written next to each field) and, where a field has none, a value
//! of its type and format. Front-end teams see a whole, valid body per operation;
//! `scripts/check-examples` validates each against its schema.

use serde_json::{Map, Value, json};

/// How deep nested schemas are expanded (the schemas are not recursive today; this is a
/// guard, not a limit anyone reaches).
const MAX_DEPTH: usize = 32;

/// Sets `example` on every JSON request body and 2xx JSON response of `doc` that has none.
pub fn add(doc: &mut Value) {
    let schemas = doc.pointer("/components/schemas").cloned().unwrap_or_else(|| json!({}));
    let Some(paths) = doc.pointer_mut("/paths").and_then(Value::as_object_mut) else { return };
    for item in paths.values_mut() {
        let Some(ops) = item.as_object_mut() else { continue };
        for op in ops.values_mut() {
            if let Some(media) = op.pointer_mut("/requestBody/content/application~1json") {
                fill(media, &schemas);
            }
            let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else { continue };
            for (status, response) in responses.iter_mut() {
                if status.starts_with('2')
                    && let Some(media) = response.pointer_mut("/content/application~1json")
                {
                    fill(media, &schemas);
                }
            }
        }
    }
}

fn fill(media: &mut Value, schemas: &Value) {
    if media.get("example").is_some() || media.get("examples").is_some() {
        return;
    }
    let Some(schema) = media.get("schema") else { return };
    if let Some(example) = example_of(schema, schemas, "", 0)
        && let Some(media) = media.as_object_mut()
    {
        media.insert("example".to_owned(), example);
    }
}

/// An example of `schema`; `name` is the property it is for (ids, emails and the like
/// get a value of their kind).
fn example_of(schema: &Value, schemas: &Value, name: &str, depth: usize) -> Option<Value> {
    if depth > MAX_DEPTH {
        return None;
    }
    if let Some(example) = schema.get("example") {
        return Some(example.clone());
    }
    if let Some(first) = schema.get("examples").and_then(Value::as_array).and_then(|e| e.first()) {
        return Some(first.clone());
    }
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let target = reference.strip_prefix("#/components/schemas/")?;
        return example_of(schemas.get(target)?, schemas, name, depth + 1);
    }
    if let Some(value) = schema.get("default") {
        return Some(value.clone());
    }
    if let Some(first) = schema.get("enum").and_then(Value::as_array).and_then(|e| e.first()) {
        return Some(first.clone());
    }
    if let Some(value) = schema.get("const") {
        return Some(value.clone());
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(variants) = schema.get(key).and_then(Value::as_array) {
            return variants
                .iter()
                .filter(|v| v.get("type").and_then(Value::as_str) != Some("null"))
                .find_map(|v| example_of(v, schemas, name, depth + 1));
        }
    }
    if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
        let mut merged = Map::new();
        for part in parts {
            if let Some(Value::Object(fields)) = example_of(part, schemas, name, depth + 1) {
                merged.extend(fields);
            }
        }
        return Some(Value::Object(merged));
    }
    let kind = match schema.get("type") {
        Some(Value::String(t)) => t.as_str(),
        Some(Value::Array(types)) => types.iter().filter_map(Value::as_str).find(|t| *t != "null").unwrap_or("null"),
        _ if schema.get("properties").is_some() => "object",
        _ => return Some(json!({})),
    };
    Some(match kind {
        "object" => {
            let mut fields = Map::new();
            if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
                for (field, sub) in properties {
                    if let Some(value) = example_of(sub, schemas, field, depth + 1) {
                        fields.insert(field.clone(), value);
                    }
                }
            }
            Value::Object(fields)
        }
        "array" => {
            let item = schema.get("items").and_then(|i| example_of(i, schemas, singular(name), depth + 1));
            let count = schema.get("minItems").and_then(Value::as_u64).unwrap_or(1).max(1);
            let count = usize::try_from(count).unwrap_or(1);
            Value::Array(item.map(|i| vec![i; count]).unwrap_or_default())
        }
        "integer" | "number" => number(schema),
        "boolean" => Value::Bool(false),
        "null" => Value::Null,
        _ => string(schema, name),
    })
}

fn number(schema: &Value) -> Value {
    let min = schema.get("minimum").and_then(Value::as_i64);
    let max = schema.get("maximum").and_then(Value::as_i64);
    match (min, max) {
        (Some(lo), Some(hi)) => json!(lo + (hi - lo) / 4),
        (Some(lo), None) => json!(lo.max(1)),
        (None, Some(hi)) => json!(hi.min(1)),
        (None, None) => json!(1),
    }
}

fn singular(name: &str) -> &str {
    name.strip_suffix("_ids").or_else(|| name.strip_suffix('s')).unwrap_or(name)
}

fn string(schema: &Value, name: &str) -> Value {
    let format = schema.get("format").and_then(Value::as_str).unwrap_or_default();
    let text = match format {
        "date-time" => "2026-11-23T18:30:00Z",
        "date" => "2026-11-23",
        "time" => "19:00:00",
        "email" => "alex@example.com",
        "uuid" => "01937b1e-5c3a-7d2e-9f41-2a6b8c0d4e5f",
        "uri" => "https://app.tandem.example/",
        _ if name == "id" || name.ends_with("_id") || name == "user" => "01937b1e-5c3a-7d2e-9f41-2a6b8c0d4e5f",
        _ if name.contains("email") => "alex@example.com",
        _ if name.ends_with("_at") || name == "at" => "2026-11-23T18:30:00Z",
        _ if name.contains("cursor") => "MDE5MzdiMWUtNWMzYS03ZDJlLTlmNDEtMmE2YjhjMGQ0ZTVm",
        _ if name.contains("token") => "eyJhbGciOiJIUzI1NiIsImtpZCI6InRlc3QifQ.e30.c2lnbmF0dXJl",
        _ if name.contains("time_zone") => "Europe/Amsterdam",
        _ if name.contains("etag") => "\"rec-3q2-7wAAAAB0aGlzIGlz\"",
        _ => "Text",
    };
    let min = schema.get("minLength").and_then(Value::as_u64).and_then(|n| usize::try_from(n).ok()).unwrap_or(0);
    let mut text = text.to_owned();
    while text.chars().count() < min {
        text.push_str(" text");
    }
    Value::String(text)
}
