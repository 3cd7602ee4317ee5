//! The error object returned by every fallible function, and its accessors.

use std::ffi::{CStr, CString, c_char};
use std::ptr;

use confide_core::e2ee::WireId;
use confide_core::e2ee::wire::{ErrorFrame, HostFrame};
use confide_core::{Error, ErrorCode};

use crate::args;
use crate::boundary;
use crate::buffer;

/// The code of errors in the arguments a C caller passed (NULL pointer, invalid UTF-8, bad length,
/// out-of-range enum value); the message names the argument.
const ARGUMENT_ERROR: ErrorCode = ErrorCode::InvalidArgument;

/// An error: a stable numeric code, a stable string code and a human-readable message (never
/// containing keys, plaintexts or other secrets).
///
/// Returned by every fallible function (NULL means success) and owned by the caller, who frees
/// it with `confide_error_free`. Immutable: safe to read from several threads at once.
pub struct ConfideError {
    error: Error,
    code_name: CString,
    message: CString,
}

impl ConfideError {
    /// Wraps a core error.
    pub(crate) fn new(error: Error) -> Self {
        let code_name = CString::new(error.code().as_str()).unwrap_or_default();
        let message = CString::new(error.message().replace('\0', "\u{fffd}")).unwrap_or_default();
        Self {
            error,
            code_name,
            message,
        }
    }

    /// The core error.
    pub fn error(&self) -> &Error {
        &self.error
    }

    /// The stable numeric code.
    pub fn code(&self) -> u32 {
        self.error.code().number()
    }

    /// The stable string code, e.g. `DECRYPTION_FAILED`.
    pub fn code_name(&self) -> &CStr {
        &self.code_name
    }

    /// The message.
    pub fn message(&self) -> &CStr {
        &self.message
    }
}

/// An argument was NULL where a value is required.
pub(crate) fn null_argument(name: &str) -> Error {
    Error::new(ARGUMENT_ERROR, format!("argument `{name}` is NULL"))
}

/// An argument had an unacceptable value; `reason` must not quote secret input.
pub(crate) fn invalid_argument(name: &str, reason: &str) -> Error {
    Error::new(ARGUMENT_ERROR, format!("argument `{name}`: {reason}"))
}

/// The numeric code of `error` (`CONFIDE_ERROR_CODE_*`); 0 (`CONFIDE_ERROR_CODE_OK`) when `error`
/// is NULL.
///
/// # Safety
/// `error` is NULL or a live error returned by this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_error_code(error: *const ConfideError) -> u32 {
    boundary::call_infallible(0, || {
        // SAFETY: the caller passes NULL or a live error.
        unsafe { args::opt_ref(error) }.map_or(0, ConfideError::code)
    })
}

/// The stable string code of `error`, e.g. `"DECRYPTION_FAILED"` (`"OK"` when `error` is NULL).
/// The string belongs to the error and is valid until `confide_error_free(error)`.
///
/// # Safety
/// `error` is NULL or a live error returned by this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_error_code_name(error: *const ConfideError) -> *const c_char {
    boundary::call_infallible(c"OK".as_ptr(), || {
        // SAFETY: the caller passes NULL or a live error.
        unsafe { args::opt_ref(error) }.map_or(c"OK".as_ptr(), |e| e.code_name().as_ptr())
    })
}

/// The human-readable message of `error` (`""` when `error` is NULL). It names fields and limits
/// but never contains secrets. The string belongs to the error and is valid until
/// `confide_error_free(error)`.
///
/// # Safety
/// `error` is NULL or a live error returned by this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_error_message(error: *const ConfideError) -> *const c_char {
    boundary::call_infallible(c"".as_ptr(), || {
        // SAFETY: the caller passes NULL or a live error.
        unsafe { args::opt_ref(error) }.map_or(c"".as_ptr(), |e| e.message().as_ptr())
    })
}

/// Frees an error. NULL is ignored.
///
/// # Safety
/// `error` is NULL or an error returned by this library that was not freed yet; it must not be
/// used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_error_free(error: *mut ConfideError) {
    boundary::call_infallible((), || {
        // SAFETY: the caller passes NULL or an unfreed error from `boundary`.
        unsafe { args::free_handle(error) }
    });
}

/// The wire `error` frame (E2EE.md §6) for `error`, for hosts that report a failed operation to
/// the client: `{"type":"error","code","message","session_id"?,"id"?}`. `session_id` and
/// `request_id` may be NULL. Free `*out_frame` with `confide_string_free`.
///
/// # Safety
/// `error` is a live error; the string arguments are NULL or NUL-terminated; `out_frame` is a
/// valid pointer to write to.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_error_to_frame(
    error: *const ConfideError,
    session_id: *const c_char,
    request_id: *const c_char,
    out_frame: *mut *mut c_char,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: the caller upholds the documented pointer contracts.
        let (out_frame, error, session_id, request_id) = unsafe {
            (
                args::out(out_frame, "out_frame")?,
                args::handle(error, "error")?,
                args::opt_str(session_id, "session_id")?,
                args::opt_str(request_id, "request_id")?,
            )
        };
        let frame = HostFrame::Error(ErrorFrame::new(
            error.error(),
            session_id.map(WireId::from),
            request_id.map(WireId::from),
        ));
        *out_frame = buffer::c_string(&frame.to_json());
        Ok(())
    })
}

/// A null error pointer: success.
pub(crate) fn ok() -> *mut ConfideError {
    ptr::null_mut()
}
