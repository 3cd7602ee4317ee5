//! Memory handed to C: byte buffers (`ConfideBuffer`) and NUL-terminated strings, and the functions
//! that free them. Everything is zeroed before it is freed, since buffers and strings may hold
//! secrets (a secret key's hex, decrypted text).

use std::ffi::{CStr, c_char};
use std::ptr;

use zeroize::{Zeroize, Zeroizing};

use crate::args::OutValue;
use crate::boundary;

/// Bytes owned by the library and lent to the caller: `len` bytes at `data` (`data` is NULL when
/// `len` is 0). Free with `confide_buffer_free`; do not change `data` or `len` before that.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct ConfideBuffer {
    /// The bytes, or NULL when empty.
    pub data: *mut u8,
    /// Number of bytes.
    pub len: usize,
}

impl ConfideBuffer {
    /// A buffer holding a copy of `bytes`.
    pub(crate) fn copy_of(bytes: &[u8]) -> Self {
        if bytes.is_empty() {
            return Self::EMPTY;
        }
        let boxed: Box<[u8]> = bytes.into();
        let len = boxed.len();
        Self {
            data: Box::into_raw(boxed).cast::<u8>(),
            len,
        }
    }

    /// The bytes (for tests and for Rust callers of the rlib).
    ///
    /// # Safety
    /// The buffer came from this library and was not freed.
    pub unsafe fn as_slice(&self) -> &[u8] {
        if self.data.is_null() {
            return &[];
        }
        // SAFETY: `data`/`len` describe a live allocation made by `copy_of`.
        unsafe { std::slice::from_raw_parts(self.data, self.len) }
    }
}

impl OutValue for ConfideBuffer {
    const EMPTY: Self = Self {
        data: ptr::null_mut(),
        len: 0,
    };
}

/// A NUL-terminated copy of `text` for C, freed by `confide_string_free`. An interior NUL (which a
/// C string cannot carry) is replaced by U+FFFD; use [`c_text`] where the exact bytes matter.
pub(crate) fn c_string(text: &str) -> *mut c_char {
    if text.contains('\0') {
        let replaced = Zeroizing::new(text.replace('\0', "\u{fffd}"));
        return c_text(&replaced).0;
    }
    c_text(text).0
}

/// A copy of `text` with a terminating NUL after its `len` bytes, returned with `len`; interior
/// NULs are kept (`len` counts them). Freed with [`free_c_text`] and the same `len`.
pub(crate) fn c_text(text: &str) -> (*mut c_char, usize) {
    let len = text.len();
    let mut boxed = vec![0u8; len + 1].into_boxed_slice();
    boxed[..len].copy_from_slice(text.as_bytes());
    (Box::into_raw(boxed).cast::<c_char>(), len)
}

/// An optional string: `None` is NULL.
pub(crate) fn opt_c_string(text: Option<&str>) -> *mut c_char {
    text.map_or(ptr::null_mut(), c_string)
}

/// Zeroes and frees a string made by [`c_text`]. NULL is ignored.
///
/// # Safety
/// `ptr` is NULL or came from [`c_text`] with this `len`, and was not freed before.
pub(crate) unsafe fn free_c_text(ptr: *mut c_char, len: usize) {
    if ptr.is_null() {
        return;
    }
    // SAFETY: `ptr` is a `Box<[u8]>` of `len + 1` bytes made by `c_text`.
    let mut boxed =
        unsafe { Box::from_raw(ptr::slice_from_raw_parts_mut(ptr.cast::<u8>(), len + 1)) };
    boxed.zeroize();
}

/// Zeroes and frees a string made by [`c_string`] (its length is found by its NUL). NULL is
/// ignored.
///
/// # Safety
/// `ptr` is NULL or came from [`c_string`], was not modified, and was not freed before.
pub(crate) unsafe fn free_c_string(ptr: *mut c_char) {
    if ptr.is_null() {
        return;
    }
    // SAFETY: a string from `c_string` has no interior NUL, so its first NUL is the terminator
    // `c_text` wrote: strlen is the allocation's length minus one.
    let len = unsafe { CStr::from_ptr(ptr) }.to_bytes().len();
    // SAFETY: as above.
    unsafe { free_c_text(ptr, len) };
}

/// Frees a string returned by this library (frames, JSON, hex, addresses, ids), zeroing it first.
/// NULL is ignored.
///
/// Do not use it for strings inside a struct that has its own `_free` function
/// (`ConfideClientEvent`, `ConfideHostOutputs`, `ConfideVerified`): that function frees them.
///
/// # Safety
/// `string` is NULL or a `char*` this library returned through an out-pointer, unmodified and not
/// freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_string_free(string: *mut c_char) {
    boundary::call_infallible((), || {
        // SAFETY: forwarded to the caller's contract.
        unsafe { free_c_string(string) }
    });
}

/// Frees the bytes of `buffer` (zeroing them first) and resets it to `{NULL, 0}`, so a second call
/// does nothing. NULL is ignored.
///
/// # Safety
/// `buffer` is NULL or points to a `ConfideBuffer` this library filled, with `data` and `len`
/// unchanged.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_buffer_free(buffer: *mut ConfideBuffer) {
    boundary::call_infallible((), || {
        // SAFETY: the caller passes NULL or a buffer this library filled.
        let Some(buffer) = (unsafe { buffer.as_mut() }) else {
            return;
        };
        if !buffer.data.is_null() {
            // SAFETY: `data`/`len` describe a `Box<[u8]>` made by `ConfideBuffer::copy_of`.
            let mut boxed =
                unsafe { Box::from_raw(ptr::slice_from_raw_parts_mut(buffer.data, buffer.len)) };
            boxed.zeroize();
        }
        *buffer = ConfideBuffer::EMPTY;
    });
}
