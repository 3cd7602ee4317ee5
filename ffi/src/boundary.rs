//! The one place where Rust meets C: every exported function runs its body through [`call`] (or
//! [`call_infallible`] for functions that cannot fail, such as `_free`), so a core error becomes a
//! `ConfideError*` and a panic becomes an `INTERNAL` error instead of unwinding into C.
//!
//! A panic is a bug, never an expected outcome: after one, the handle the call worked on may be
//! half-updated and should be freed. The library must be built with `panic = "unwind"` (the
//! default) for this to work; with `panic = "abort"` a panic aborts the process.

use std::any::Any;
use std::panic::{self, AssertUnwindSafe};

use confide_core::{Error, ErrorCode};

use crate::error::{self, ConfideError};

/// Runs `body`, catching panics: `Ok` → NULL, `Err` → a new `ConfideError` the caller owns.
pub fn call<F>(body: F) -> *mut ConfideError
where
    F: FnOnce() -> Result<(), Error>,
{
    match catch(body) {
        Ok(()) => error::ok(),
        Err(error) => Box::into_raw(Box::new(ConfideError::new(error))),
    }
}

/// Runs `body`, catching panics; a panic yields `fallback`. For functions with no error channel
/// (`_free`, error accessors).
pub fn call_infallible<T, F>(fallback: T, body: F) -> T
where
    F: FnOnce() -> T,
{
    // The closure only touches memory the caller handed over; if it panicked half-way, the
    // fallback is returned and nothing it touched is used again by this call.
    panic::catch_unwind(AssertUnwindSafe(body)).unwrap_or(fallback)
}

/// Runs `body` and turns a panic into an `INTERNAL` error.
pub fn catch<T, F>(body: F) -> Result<T, Error>
where
    F: FnOnce() -> Result<T, Error>,
{
    // AssertUnwindSafe: on a panic the error says so, and the caller is told (in the header) to
    // drop the handle the failed call worked on rather than trust its state.
    panic::catch_unwind(AssertUnwindSafe(body))
        .unwrap_or_else(|payload| Err(panic_error(&*payload)))
}

/// The error for a caught panic. Only a literal panic message (`&'static str`, fixed at compile
/// time, so it cannot carry runtime data such as keys) is quoted.
fn panic_error(payload: &(dyn Any + Send)) -> Error {
    let message = match payload.downcast_ref::<&'static str>() {
        Some(text) => format!("internal error: a panic was caught at the C boundary: {text}"),
        None => "internal error: a panic was caught at the C boundary".to_owned(),
    };
    Error::new(ErrorCode::Internal, message)
}
