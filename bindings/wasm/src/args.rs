//! Argument conversion: JS values to Rust values. Anything malformed (wrong type, missing field,
//! out-of-range number) is `INVALID_ARGUMENT` naming the argument.

use confide_core::e2ee::WireId;
use js_sys::{BigInt, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

use crate::error::{Result, invalid_argument};

/// The largest integer a JS number holds exactly (`Number.MAX_SAFE_INTEGER`).
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// An options object (`name` in messages); `undefined` and `null` are `None` when `optional`.
pub fn object(value: &JsValue, name: &str, optional: bool) -> Result<Option<Object>> {
    if optional && value.is_null_or_undefined() {
        return Ok(None);
    }
    if !value.is_object() || value.is_function() {
        return Err(invalid_argument(name, "expected an object"));
    }
    Ok(Some(value.clone().unchecked_into()))
}

/// Field `key` of `object`, `None` when it is `undefined` or `null`.
pub fn field(object: &Object, key: &str) -> Option<JsValue> {
    Reflect::get(object, &key.into())
        .ok()
        .filter(|value| !value.is_null_or_undefined())
}

/// A string argument.
pub fn string(value: &JsValue, name: &str) -> Result<String> {
    value
        .as_string()
        .ok_or_else(|| invalid_argument(name, "expected a string"))
}

/// An optional string field.
pub fn opt_string(object: &Object, key: &str, name: &str) -> Result<Option<String>> {
    field(object, key).map(|v| string(&v, name)).transpose()
}

/// A required string field.
pub fn required_string(object: &Object, key: &str, name: &str) -> Result<String> {
    opt_string(object, key, name)?.ok_or_else(|| invalid_argument(name, "missing"))
}

/// An optional boolean field.
pub fn opt_bool(object: &Object, key: &str, name: &str) -> Result<Option<bool>> {
    field(object, key)
        .map(|v| {
            v.as_bool()
                .ok_or_else(|| invalid_argument(name, "expected a boolean"))
        })
        .transpose()
}

/// A non-negative integer given as a JS number (at most `Number.MAX_SAFE_INTEGER`) or a BigInt
/// below 2^64.
pub fn uint(value: &JsValue, name: &str) -> Result<u64> {
    if let Some(number) = value.as_f64() {
        if number.fract() != 0.0 || !(0.0..=MAX_SAFE_INTEGER).contains(&number) {
            return Err(invalid_argument(
                name,
                format!("expected a non-negative integer up to 2^53 - 1, got {number}"),
            ));
        }
        // In range and integral, so the conversion is exact.
        return Ok(number as u64);
    }
    if value.is_bigint() {
        let big: BigInt = value.clone().unchecked_into();
        return u64::try_from(big)
            .map_err(|_| invalid_argument(name, "expected a BigInt between 0 and 2^64 - 1"));
    }
    Err(invalid_argument(name, "expected a number or a BigInt"))
}

/// A required integer field.
pub fn required_uint(object: &Object, key: &str, name: &str) -> Result<u64> {
    let value = field(object, key).ok_or_else(|| invalid_argument(name, "missing"))?;
    uint(&value, name)
}

/// An optional integer field.
pub fn opt_uint(object: &Object, key: &str, name: &str) -> Result<Option<u64>> {
    field(object, key).map(|v| uint(&v, name)).transpose()
}

/// An id (`jobId`, …) given as a non-negative integer number or a string; numbers are sent as
/// JSON numbers, strings as JSON strings.
pub fn wire_id(object: &Object, key: &str, name: &str) -> Result<WireId> {
    let value = field(object, key).ok_or_else(|| invalid_argument(name, "missing"))?;
    match value.as_string() {
        Some(text) => Ok(WireId::Text(text)),
        None => uint(&value, name).map(WireId::Number),
    }
}

/// Unix seconds given as a JS number.
pub fn seconds(value: &JsValue, name: &str) -> Result<u64> {
    if value.as_f64().is_none() {
        return Err(invalid_argument(name, "expected a number of seconds"));
    }
    uint(value, name)
}

/// An optional array of strings field.
pub fn opt_strings(object: &Object, key: &str, name: &str) -> Result<Option<Vec<String>>> {
    let Some(value) = field(object, key) else {
        return Ok(None);
    };
    if !js_sys::Array::is_array(&value) {
        return Err(invalid_argument(name, "expected an array of strings"));
    }
    js_sys::Array::from(&value)
        .iter()
        .map(|item| string(&item, name))
        .collect::<Result<Vec<_>>>()
        .map(Some)
}

/// Bytes given as a string (its UTF-8) or a `Uint8Array`.
pub fn text_or_bytes(value: &JsValue, name: &str) -> Result<Vec<u8>> {
    if let Some(text) = value.as_string() {
        return Ok(text.into_bytes());
    }
    value
        .dyn_ref::<js_sys::Uint8Array>()
        .map(js_sys::Uint8Array::to_vec)
        .ok_or_else(|| invalid_argument(name, "expected a string or a Uint8Array"))
}
