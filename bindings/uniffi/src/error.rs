//! The one error type of the binding: every failure carries the core's stable code string
//! (`DECRYPTION_FAILED`, …) and its message, which never contains a secret.

use std::fmt;

use confide_core::ErrorCode;

/// A failed call. Swift: `ConfideError.Failure(code:reason:)`; Kotlin:
/// `ConfideException.Failure` (`.code`, `.reason`); Python: `ConfideError.Failure` (`.code`,
/// `.reason`).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Error)]
pub enum ConfideError {
    /// Any failure. (One variant: the code is data, so new core codes need no new type.)
    Failure {
        /// The core's stable code string, e.g. `INVALID_SIGNER`.
        code: String,
        /// What went wrong, naming fields and limits (never a key, plaintext or input value).
        /// Not called `message`: Kotlin exceptions already have one (it reads `code=…, reason=…`).
        reason: String,
    },
}

/// The result type of every exported call that can fail.
pub type Result<T> = std::result::Result<T, ConfideError>;

impl ConfideError {
    /// An error with `code` and `reason`.
    pub fn new(code: ErrorCode, reason: impl Into<String>) -> Self {
        Self::Failure {
            code: code.as_str().to_owned(),
            reason: reason.into(),
        }
    }

    /// The code string.
    pub fn code(&self) -> &str {
        let Self::Failure { code, .. } = self;
        code
    }
}

impl fmt::Display for ConfideError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self::Failure { code, reason } = self;
        write!(f, "{code}: {reason}")
    }
}

impl std::error::Error for ConfideError {}

impl From<confide_core::Error> for ConfideError {
    fn from(error: confide_core::Error) -> Self {
        Self::new(error.code(), error.message())
    }
}

/// A foreign callback (a wallet signer) raised something other than a `ConfideError` (e.g. the
/// user declined): `INVALID_SIGNATURE` with the callback's own text, like the Node.js package.
impl From<uniffi::UnexpectedUniFFICallbackError> for ConfideError {
    fn from(error: uniffi::UnexpectedUniFFICallbackError) -> Self {
        Self::new(
            ErrorCode::InvalidSignature,
            format!("the signer callback raised: {}", error.reason),
        )
    }
}

/// `INVALID_ARGUMENT` naming the argument and what is wrong with it.
pub fn invalid_argument(name: &str, problem: impl fmt::Display) -> ConfideError {
    ConfideError::new(
        ErrorCode::InvalidArgument,
        format!("invalid argument `{name}`: {problem}"),
    )
}

/// `INTERNAL`: a bug, never caused by input alone.
pub fn internal(reason: impl fmt::Display) -> ConfideError {
    ConfideError::new(ErrorCode::Internal, format!("internal error: {reason}"))
}
