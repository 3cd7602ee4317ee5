//! secp256k1 key utilities: the wallet or host `ConfideSecretKey` handle, public keys and
//! Ethereum addresses.

use std::ffi::c_char;

use confide_core::crypto::{PublicKey, RecoverableSignature, SecretKey, VByte};

use crate::args;
use crate::boundary;
use crate::buffer::{self, ConfideBuffer};
use crate::error::{ConfideError, invalid_argument};
use crate::rng::OsRng;

/// A secp256k1 secret key: a wallet key (client) or the host key. Zeroized when freed.
///
/// Create with `confide_secret_key_generate`, `_from_hex` or `_from_bytes`; free with
/// `confide_secret_key_free`. Immutable: one key may be used by several threads at once (and by
/// several sessions, which copy it), but must not be freed while a call uses it.
pub struct ConfideSecretKey(pub(crate) SecretKey);

/// A fresh random key from the operating system's random number generator.
///
/// # Safety
/// `out_key` is valid for writing a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_secret_key_generate(
    out_key: *mut *mut ConfideSecretKey,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: the caller upholds the documented pointer contract.
        let out_key = unsafe { args::out(out_key, "out_key")? };
        *out_key = args::into_handle(ConfideSecretKey(SecretKey::generate(&mut OsRng)));
        Ok(())
    })
}

/// Parses 64 hex digits (optionally `0x`-prefixed). Errors: `INVALID_HEX_ENCODING` (not hex),
/// `INVALID_KEY` (wrong length, zero, or not below the curve order); the message never quotes the
/// input. The library keeps no copy of `hex`; zeroing the caller's string is the caller's business.
///
/// # Safety
/// `hex` is NULL or NUL-terminated; `out_key` is valid for writing a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_secret_key_from_hex(
    hex: *const c_char,
    out_key: *mut *mut ConfideSecretKey,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: the caller upholds the documented pointer contracts.
        let (out_key, hex) = unsafe { (args::out(out_key, "out_key")?, args::str(hex, "hex")?) };
        *out_key = args::into_handle(ConfideSecretKey(SecretKey::from_hex(hex)?));
        Ok(())
    })
}

/// Parses 32 big-endian bytes. `INVALID_KEY` for another length, zero, or a value not below the
/// curve order.
///
/// # Safety
/// `bytes` points to `len` readable bytes (or is NULL with `len` 0); `out_key` is valid for
/// writing a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_secret_key_from_bytes(
    bytes: *const u8,
    len: usize,
    out_key: *mut *mut ConfideSecretKey,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: the caller upholds the documented pointer contracts.
        let (out_key, bytes) = unsafe {
            (
                args::out(out_key, "out_key")?,
                args::bytes(bytes, len, "bytes")?,
            )
        };
        *out_key = args::into_handle(ConfideSecretKey(SecretKey::from_bytes(bytes)?));
        Ok(())
    })
}

/// The secret as `0x` + 64 lowercase hex digits. This exports the secret: free `*out_hex` with
/// `confide_string_free` (which zeroes it) as soon as possible.
///
/// # Safety
/// `key` is a live key; `out_hex` is valid for writing a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_secret_key_to_hex(
    key: *const ConfideSecretKey,
    out_hex: *mut *mut c_char,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: the caller upholds the documented pointer contracts.
        let (out_hex, key) = unsafe { (args::out(out_hex, "out_hex")?, args::handle(key, "key")?) };
        *out_hex = buffer::c_string(&key.0.to_hex());
        Ok(())
    })
}

/// The public key, SEC1 compressed (33 bytes). Free `*out_public_key` with `confide_buffer_free`.
///
/// # Safety
/// `key` is a live key; `out_public_key` is valid for writing a `ConfideBuffer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_secret_key_public_key(
    key: *const ConfideSecretKey,
    out_public_key: *mut ConfideBuffer,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: the caller upholds the documented pointer contracts.
        let (out_public_key, key) = unsafe {
            (
                args::out(out_public_key, "out_public_key")?,
                args::handle(key, "key")?,
            )
        };
        *out_public_key = ConfideBuffer::copy_of(&key.0.public_key().to_compressed());
        Ok(())
    })
}

/// The Ethereum address of the key, EIP-55 checksummed (`0x…`, 42 characters). Free `*out_address`
/// with `confide_string_free`.
///
/// # Safety
/// `key` is a live key; `out_address` is valid for writing a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_secret_key_address(
    key: *const ConfideSecretKey,
    out_address: *mut *mut c_char,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: the caller upholds the documented pointer contracts.
        let (out_address, key) = unsafe {
            (
                args::out(out_address, "out_address")?,
                args::handle(key, "key")?,
            )
        };
        *out_address = buffer::c_string(&key.0.address().to_checksum());
        Ok(())
    })
}

/// Signs a 32-byte prehash (RFC 6979, low-S) and returns 65 bytes `r ‖ s ‖ v` with v = 0 or 1 —
/// what a `ConfideSignCallback` must produce, so a callback can be backed by a key held here.
/// The digest is signed as is: only sign digests whose meaning you know. A `digest_len` other than
/// 32 is an `INVALID_ARGUMENT` error. Free `*out_signature` with `confide_buffer_free`.
///
/// # Safety
/// `key` is a live key; `digest` points to `digest_len` readable bytes; `out_signature` is valid
/// for writing a `ConfideBuffer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_secret_key_sign_prehash(
    key: *const ConfideSecretKey,
    digest: *const u8,
    digest_len: usize,
    out_signature: *mut ConfideBuffer,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: the caller upholds the documented pointer contracts.
        let (out_signature, key, digest) = unsafe {
            (
                args::out(out_signature, "out_signature")?,
                args::handle(key, "key")?,
                args::bytes(digest, digest_len, "digest")?,
            )
        };
        let digest: &[u8; 32] = digest.try_into().map_err(|_| {
            invalid_argument("digest_len", &format!("must be 32, got {digest_len}"))
        })?;
        let signature = RecoverableSignature::sign_prehash(&key.0, digest);
        *out_signature = ConfideBuffer::copy_of(&signature.to_bytes(VByte::Raw));
        Ok(())
    })
}

/// Frees a key, zeroizing it. NULL is ignored.
///
/// # Safety
/// `key` is NULL or a key from this library that was not freed and that no call is using.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_secret_key_free(key: *mut ConfideSecretKey) {
    boundary::call_infallible((), || {
        // SAFETY: forwarded to the caller's contract.
        unsafe { args::free_handle(key) }
    });
}

/// Parses a public key from hex (optionally `0x`-prefixed) of its SEC1 encoding (33 bytes
/// compressed or 65 uncompressed) — e.g. the host key a node publishes — and returns it compressed
/// (33 bytes). `INVALID_HEX_ENCODING` or `INVALID_KEY` otherwise. Free `*out_public_key` with
/// `confide_buffer_free`.
///
/// # Safety
/// `hex` is NULL or NUL-terminated; `out_public_key` is valid for writing a `ConfideBuffer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_public_key_from_hex(
    hex: *const c_char,
    out_public_key: *mut ConfideBuffer,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: the caller upholds the documented pointer contracts.
        let (out_public_key, hex) = unsafe {
            (
                args::out(out_public_key, "out_public_key")?,
                args::str(hex, "hex")?,
            )
        };
        *out_public_key = ConfideBuffer::copy_of(&PublicKey::from_hex(hex)?.to_compressed());
        Ok(())
    })
}

/// The EIP-55 Ethereum address of a SEC1 public key (33 or 65 bytes; `INVALID_KEY` otherwise).
/// Free `*out_address` with `confide_string_free`.
///
/// # Safety
/// `public_key` points to `public_key_len` readable bytes; `out_address` is valid for writing a
/// pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_public_key_address(
    public_key: *const u8,
    public_key_len: usize,
    out_address: *mut *mut c_char,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: the caller upholds the documented pointer contracts.
        let (out_address, public_key) = unsafe {
            (
                args::out(out_address, "out_address")?,
                args::bytes(public_key, public_key_len, "public_key")?,
            )
        };
        let address = PublicKey::from_sec1_bytes(public_key)?.address();
        *out_address = buffer::c_string(&address.to_checksum());
        Ok(())
    })
}
