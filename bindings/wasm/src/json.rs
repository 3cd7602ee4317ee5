//! JSON text ⇄ JS values through the engine's own `JSON.parse` / `JSON.stringify`.

use js_sys::JSON;
use wasm_bindgen::JsValue;

use crate::error::{Result, invalid_argument};

/// `JSON.parse(text)` of JSON this crate or the core produced.
pub fn parse(text: &str) -> Result<JsValue> {
    JSON::parse(text)
}

/// `JSON.stringify(value)`; values it cannot serialise (functions, `undefined`, cycles, BigInts)
/// are `INVALID_ARGUMENT` naming `name`.
pub fn stringify(value: &JsValue, name: &str) -> Result<String> {
    JSON::stringify(value)
        .ok()
        .and_then(|text| text.as_string())
        .ok_or_else(|| invalid_argument(name, "not serialisable as JSON"))
}

/// Turns the snake_case keys of a serialised core report into the camelCase of the JS surface,
/// recursively.
pub fn camel_case_keys(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(key, value)| (camel_case(&key), camel_case_keys(value)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(camel_case_keys).collect()),
        other => other,
    }
}

fn camel_case(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut upper = false;
    for c in key.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}
