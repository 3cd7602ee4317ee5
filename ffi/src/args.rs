//! Turns C arguments into Rust values. A NULL where a value is required, invalid UTF-8, a NULL
//! buffer with a non-zero length or an impossible length become errors naming the argument; they
//! are never dereferenced.
//!
//! What cannot be checked (a dangling pointer, a string without a terminating NUL, a length longer
//! than the buffer, a handle of another type) is the caller's contract, stated on every function.

use std::ffi::{CStr, c_char};

use confide_core::Error;

use crate::error::{invalid_argument, null_argument};

/// Values an out-pointer is reset to before a function does any work, so that every out-pointer
/// is NULL / empty when an error is returned. Only plain `Copy` data: writing one never drops an
/// old value, so it is fine that the caller's memory may be uninitialised.
pub(crate) trait OutValue: Copy {
    /// The "nothing" value.
    const EMPTY: Self;
}

impl<T> OutValue for *mut T {
    const EMPTY: Self = std::ptr::null_mut();
}

impl OutValue for bool {
    const EMPTY: Self = false;
}

impl OutValue for usize {
    const EMPTY: Self = 0;
}

impl OutValue for u32 {
    const EMPTY: Self = 0;
}

impl OutValue for u64 {
    const EMPTY: Self = 0;
}

/// A live handle (or struct) the caller passes by pointer.
///
/// # Safety
/// `ptr` is NULL or points to a live, properly aligned `T` that is not mutated during the call.
pub(crate) unsafe fn handle<'a, T>(ptr: *const T, name: &str) -> Result<&'a T, Error> {
    // SAFETY: forwarded to the caller's contract.
    unsafe { ptr.as_ref() }.ok_or_else(|| null_argument(name))
}

/// A live handle the function mutates.
///
/// # Safety
/// `ptr` is NULL or points to a live `T` that nothing else accesses during the call.
pub(crate) unsafe fn handle_mut<'a, T>(ptr: *mut T, name: &str) -> Result<&'a mut T, Error> {
    // SAFETY: forwarded to the caller's contract.
    unsafe { ptr.as_mut() }.ok_or_else(|| null_argument(name))
}

/// An optional handle: NULL is `None`.
///
/// # Safety
/// As for [`handle`].
pub(crate) unsafe fn opt_ref<'a, T>(ptr: *const T) -> Option<&'a T> {
    // SAFETY: forwarded to the caller's contract.
    unsafe { ptr.as_ref() }
}

/// A required NUL-terminated UTF-8 string.
///
/// # Safety
/// `ptr` is NULL or points to a NUL-terminated string that stays valid during the call.
pub(crate) unsafe fn str<'a>(ptr: *const c_char, name: &str) -> Result<&'a str, Error> {
    // SAFETY: forwarded to the caller's contract.
    unsafe { opt_str(ptr, name) }?.ok_or_else(|| null_argument(name))
}

/// An optional NUL-terminated UTF-8 string: NULL is `None`.
///
/// # Safety
/// As for [`str`].
pub(crate) unsafe fn opt_str<'a>(ptr: *const c_char, name: &str) -> Result<Option<&'a str>, Error> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: non-NULL, and NUL-terminated and valid by the caller's contract.
    let text = unsafe { CStr::from_ptr(ptr) };
    text.to_str()
        .map(Some)
        .map_err(|_| invalid_argument(name, "is not valid UTF-8"))
}

/// `len` bytes at `ptr`. `(NULL, 0)` is the empty slice; NULL with a non-zero length is an error.
///
/// # Safety
/// When `len > 0`, `ptr` is NULL or points to `len` readable bytes valid during the call.
pub(crate) unsafe fn bytes<'a>(ptr: *const u8, len: usize, name: &str) -> Result<&'a [u8], Error> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(null_argument(name));
    }
    if len > isize::MAX as usize {
        return Err(invalid_argument(name, "length exceeds isize::MAX"));
    }
    // SAFETY: non-NULL, length in range, readable by the caller's contract.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// `len` values of `T` at `ptr`. `(NULL, 0)` is the empty slice; NULL with a non-zero length is
/// an error.
///
/// # Safety
/// When `len > 0`, `ptr` is NULL or points to `len` readable, initialized `T` valid during the
/// call.
pub(crate) unsafe fn array<'a, T>(ptr: *const T, len: usize, name: &str) -> Result<&'a [T], Error> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(null_argument(name));
    }
    if len
        .checked_mul(size_of::<T>())
        .is_none_or(|size| size > isize::MAX as usize)
    {
        return Err(invalid_argument(name, "length exceeds isize::MAX bytes"));
    }
    // SAFETY: non-NULL, size in range, readable and initialized by the caller's contract.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// An optional `uint64_t` passed by pointer: NULL is `None`.
///
/// # Safety
/// `ptr` is NULL or points to a readable `uint64_t`.
pub(crate) unsafe fn opt_u64(ptr: *const u64) -> Option<u64> {
    // SAFETY: forwarded to the caller's contract.
    unsafe { ptr.as_ref() }.copied()
}

/// An out-pointer, reset to [`OutValue::EMPTY`] before anything else happens.
///
/// # Safety
/// `ptr` is NULL or valid for writing a `T`.
pub(crate) unsafe fn out<'a, T: OutValue>(ptr: *mut T, name: &str) -> Result<&'a mut T, Error> {
    if ptr.is_null() {
        return Err(null_argument(name));
    }
    // SAFETY: non-NULL and writable by the caller's contract; `T: Copy`, so the write drops
    // nothing (the old contents may be uninitialised).
    unsafe { ptr.write(T::EMPTY) };
    // SAFETY: as above; now initialised.
    Ok(unsafe { &mut *ptr })
}

/// An optional out-pointer: NULL is `None` (not wanted), anything else is reset to
/// [`OutValue::EMPTY`] first.
///
/// # Safety
/// `ptr` is NULL or valid for writing a `T`.
pub(crate) unsafe fn opt_out<'a, T: OutValue>(ptr: *mut T) -> Option<&'a mut T> {
    if ptr.is_null() {
        return None;
    }
    // SAFETY: non-NULL and writable by the caller's contract; as in `out`.
    unsafe { out(ptr, "") }.ok()
}

/// Moves `value` to the heap and hands ownership to C.
pub(crate) fn into_handle<T>(value: T) -> *mut T {
    Box::into_raw(Box::new(value))
}

/// Takes back and drops a handle made by [`into_handle`]. NULL is ignored.
///
/// # Safety
/// `ptr` is NULL or came from [`into_handle`] with the same `T` and was not freed before.
pub(crate) unsafe fn free_handle<T>(ptr: *mut T) {
    if !ptr.is_null() {
        // SAFETY: by the caller's contract, `ptr` is a live box from `into_handle`.
        drop(unsafe { Box::from_raw(ptr) });
    }
}
