//! Errors as JS values: a core [`confide_core::Error`] becomes a JS `Error` whose `.code` is the
//! core's stable code string (`DECRYPTION_FAILED`, …), whose `.number` is the code's stable number
//! (the C ABI's) and whose `.message` is the core's message (never a secret).

use confide_core::{Error, ErrorCode};
use js_sys::Reflect;
use wasm_bindgen::JsValue;

/// The result type of every exported function: the error is the thrown JS `Error`.
pub type Result<T> = std::result::Result<T, JsValue>;

/// The JS `Error` thrown for `error`.
pub fn from_core(error: Error) -> JsValue {
    coded(error.code(), error.message())
}

/// A JS `Error` with `message`, `.code` and `.number` of `code`.
pub fn coded(code: ErrorCode, message: &str) -> JsValue {
    let error = js_sys::Error::new(message);
    // Setting a property on a fresh plain object cannot fail.
    let _ = Reflect::set(&error, &"code".into(), &code.as_str().into());
    let _ = Reflect::set(&error, &"number".into(), &code.number().into());
    error.into()
}

/// `INVALID_ARGUMENT` naming the argument and what is wrong with it.
pub fn invalid_argument(name: &str, problem: impl std::fmt::Display) -> JsValue {
    coded(
        ErrorCode::InvalidArgument,
        &format!("invalid argument `{name}`: {problem}"),
    )
}

/// `.into_js()` on core results.
pub trait CoreResultExt<T> {
    /// Maps a core error to its JS error.
    fn into_js(self) -> Result<T>;
}

impl<T> CoreResultExt<T> for confide_core::Result<T> {
    fn into_js(self) -> Result<T> {
        self.map_err(from_core)
    }
}
