//! Errors as JS values: a core [`confide_core::Error`] becomes a JS `Error` whose `.code` is the
//! core's stable code string and whose `.message` is the core's message (never a secret).

use confide_core::ErrorCode;
use napi::Env;
use napi::bindgen_prelude::JsError;

/// The `.code` of a thrown error: always one of the core's stable code strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Code(pub ErrorCode);

impl AsRef<str> for Code {
    fn as_ref(&self) -> &str {
        self.0.as_str()
    }
}

/// A napi error carrying a core code.
pub type JsErr = napi::Error<Code>;

/// The result type of every exported function.
pub type Result<T> = napi::Result<T, Code>;

/// Converts a core error into the JS error thrown for it.
pub fn from_core(error: confide_core::Error) -> JsErr {
    napi::Error::new(Code(error.code()), error.message())
}

/// `INVALID_ARGUMENT` naming the argument and what is wrong with it.
pub fn invalid_argument(name: &str, problem: impl std::fmt::Display) -> JsErr {
    napi::Error::new(
        Code(ErrorCode::InvalidArgument),
        format!("invalid argument `{name}`: {problem}"),
    )
}

/// A failure of the Node-API itself (not caused by the caller's input): `INTERNAL`.
pub fn internal(error: napi::Error) -> JsErr {
    napi::Error::new(
        Code(ErrorCode::Internal),
        format!("internal error: Node-API call failed: {}", error.reason),
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

/// The rejection value of a Promise for `error`: a napi error that refers to a JS `Error` with the
/// core's `.code` (Promise rejections carry plain napi errors, so the coded JS object is built here
/// and passed by reference).
pub fn rejection(env: &Env, error: JsErr) -> napi::Error {
    napi::Error::from(JsError::from(error).into_unknown(*env))
}
