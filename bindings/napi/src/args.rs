//! Argument conversion: JS values to Rust values. Anything malformed (wrong type, missing field,
//! out-of-range number) is `INVALID_ARGUMENT` naming the argument, never napi's own error codes.

use confide_core::e2ee::WireId;
use napi::ValueType;
use napi::bindgen_prelude::{BigInt, Either, FromNapiValue, TypeName, Uint8Array, Unknown};

use crate::error::{Result, internal, invalid_argument};

/// The largest integer a JS number holds exactly (`Number.MAX_SAFE_INTEGER`).
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// Converts `value` to `T`, or fails with `INVALID_ARGUMENT` naming `name`.
pub fn convert<T: FromNapiValue + TypeName>(value: Unknown<'_>, name: &str) -> Result<T> {
    let expected = T::value_type();
    if expected != ValueType::Unknown {
        let actual = value.get_type().map_err(internal)?;
        if actual != expected {
            return Err(invalid_argument(
                name,
                format!("expected {}, got {}", describe(expected), describe(actual)),
            ));
        }
    }
    T::from_unknown(value).map_err(|error| invalid_argument(name, error.reason))
}

/// A string argument.
pub fn string(value: Unknown<'_>, name: &str) -> Result<String> {
    convert(value, name)
}

/// A byte argument (`Uint8Array` or `Buffer`), copied.
pub fn bytes(value: Unknown<'_>, name: &str) -> Result<Vec<u8>> {
    Ok(convert::<Uint8Array>(value, name)?.to_vec())
}

/// An array of byte arguments, copied.
pub fn byte_list(value: Unknown<'_>, name: &str) -> Result<Vec<Vec<u8>>> {
    let items: Vec<Uint8Array> = convert(value, name)?;
    Ok(items.iter().map(|item| item.to_vec()).collect())
}

/// An optional string argument: `undefined` and `null` are `None`.
pub fn opt_string(value: Option<Unknown<'_>>, name: &str) -> Result<Option<String>> {
    match value {
        Some(value) if !is_nullish(&value)? => string(value, name).map(Some),
        _ => Ok(None),
    }
}

/// Whether `value` is `undefined` or `null`.
pub fn is_nullish(value: &Unknown<'_>) -> Result<bool> {
    let kind = value.get_type().map_err(internal)?;
    Ok(matches!(kind, ValueType::Undefined | ValueType::Null))
}

/// A non-negative integer given as a JS number (at most `Number.MAX_SAFE_INTEGER`).
pub fn uint(value: f64, name: &str) -> Result<u64> {
    if value.fract() != 0.0 || !(0.0..=MAX_SAFE_INTEGER).contains(&value) {
        return Err(invalid_argument(
            name,
            format!("expected a non-negative integer up to 2^53 - 1, got {value}"),
        ));
    }
    // In range and integral, so the conversion is exact.
    Ok(value as u64)
}

/// Unix seconds given as a JS number.
pub fn seconds(value: Unknown<'_>, name: &str) -> Result<u64> {
    uint(convert::<f64>(value, name)?, name)
}

/// A non-negative integer given as a JS number or a BigInt below 2^64.
pub fn uint_or_bigint(value: Either<f64, BigInt>, name: &str) -> Result<u64> {
    match value {
        Either::A(number) => uint(number, name),
        Either::B(big) => match big.get_u64() {
            (false, n, true) => Ok(n),
            _ => Err(invalid_argument(
                name,
                "expected a BigInt between 0 and 2^64 - 1",
            )),
        },
    }
}

/// An id (`jobId`, …) given as a non-negative integer number or a string; numbers are sent as JSON
/// numbers, strings as JSON strings.
pub fn wire_id(value: Either<f64, String>, name: &str) -> Result<WireId> {
    match value {
        Either::A(number) => uint(number, name).map(WireId::Number),
        Either::B(text) => Ok(WireId::Text(text)),
    }
}

fn describe(kind: ValueType) -> &'static str {
    match kind {
        ValueType::Undefined => "undefined",
        ValueType::Null => "null",
        ValueType::Boolean => "a boolean",
        ValueType::Number => "a number",
        ValueType::String => "a string",
        ValueType::Symbol => "a symbol",
        ValueType::Object => "an object",
        ValueType::Function => "a function",
        ValueType::External => "an external",
        ValueType::BigInt => "a bigint",
        _ => "an unknown value",
    }
}
