//! BLS12-381 secret keys (WARP.md): the `ConfideBlsSecretKey` handle a validator signs Warp
//! messages with, its public key and proof of possession.

use confide_core::warp::bls::BlsSecretKey;

use crate::args;
use crate::boundary;
use crate::buffer::ConfideBuffer;
use crate::codes::bls_ciphersuite;
use crate::error::ConfideError;
use crate::rng::OsRng;

/// A BLS12-381 secret key (min-pk: 48-byte public keys, 96-byte signatures). Wiped when freed.
///
/// Create with `confide_bls_secret_key_generate` or `_from_bytes`; free with
/// `confide_bls_secret_key_free`. Immutable: may be used by several threads at once, but must not
/// be freed while a call uses it.
pub struct ConfideBlsSecretKey(BlsSecretKey);

/// A fresh random key from the operating system's random number generator.
///
/// # Safety
/// `out_key` is valid for writing a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_bls_secret_key_generate(
    out_key: *mut *mut ConfideBlsSecretKey,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: the caller upholds the documented pointer contract.
        let out_key = unsafe { args::out(out_key, "out_key")? };
        *out_key = args::into_handle(ConfideBlsSecretKey(BlsSecretKey::generate(&mut OsRng)));
        Ok(())
    })
}

/// Parses the 32-byte big-endian secret scalar. `INVALID_KEY` for another length, zero, or a value
/// not below the group order (the message never quotes the input).
///
/// # Safety
/// `bytes` points to `len` readable bytes (or is NULL with `len` 0); `out_key` is valid for
/// writing a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_bls_secret_key_from_bytes(
    bytes: *const u8,
    len: usize,
    out_key: *mut *mut ConfideBlsSecretKey,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: the caller upholds the documented pointer contracts.
        let (out_key, bytes) = unsafe {
            (
                args::out(out_key, "out_key")?,
                args::bytes(bytes, len, "bytes")?,
            )
        };
        *out_key = args::into_handle(ConfideBlsSecretKey(BlsSecretKey::from_bytes(bytes)?));
        Ok(())
    })
}

/// The 48-byte compressed public key. Free `*out_public_key` with `confide_buffer_free`.
///
/// # Safety
/// `key` is a live key; `out_public_key` is valid for writing a `ConfideBuffer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_bls_secret_key_public_key(
    key: *const ConfideBlsSecretKey,
    out_public_key: *mut ConfideBuffer,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: the caller upholds the documented pointer contracts.
        let (out, key) = unsafe {
            (
                args::out(out_public_key, "out_public_key")?,
                args::handle(key, "key")?,
            )
        };
        *out = ConfideBuffer::copy_of(&key.0.public_key().to_bytes());
        Ok(())
    })
}

/// Signs `message` (for Warp: the unsigned message's bytes) under `suite` (a
/// `ConfideBlsCiphersuite`); the 96-byte signature goes to `*out_signature` (free with
/// `confide_buffer_free`).
///
/// # Safety
/// `key` is a live key; `message` points to `message_len` readable bytes (or is NULL with 0);
/// `out_signature` is valid for writing a `ConfideBuffer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_bls_secret_key_sign(
    key: *const ConfideBlsSecretKey,
    message: *const u8,
    message_len: usize,
    suite: u32,
    out_signature: *mut ConfideBuffer,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: the caller upholds the documented pointer contracts.
        let (out, key, message) = unsafe {
            (
                args::out(out_signature, "out_signature")?,
                args::handle(key, "key")?,
                args::bytes(message, message_len, "message")?,
            )
        };
        let signature = key.0.sign(message, bls_ciphersuite(suite)?);
        *out = ConfideBuffer::copy_of(&signature.to_bytes());
        Ok(())
    })
}

/// The key's 96-byte proof of possession (what `/v1/info` publishes as `blsProofOfPossession`).
/// Free `*out_proof` with `confide_buffer_free`.
///
/// # Safety
/// `key` is a live key; `out_proof` is valid for writing a `ConfideBuffer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_bls_secret_key_proof_of_possession(
    key: *const ConfideBlsSecretKey,
    out_proof: *mut ConfideBuffer,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: the caller upholds the documented pointer contracts.
        let (out, key) = unsafe {
            (
                args::out(out_proof, "out_proof")?,
                args::handle(key, "key")?,
            )
        };
        *out = ConfideBuffer::copy_of(&key.0.proof_of_possession().to_bytes());
        Ok(())
    })
}

/// Frees a key (wiping it). NULL is ignored.
///
/// # Safety
/// `key` is NULL or a key from this library that was not freed and that no call is using.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_bls_secret_key_free(key: *mut ConfideBlsSecretKey) {
    boundary::call_infallible((), || {
        // SAFETY: forwarded to the caller's contract.
        unsafe { args::free_handle(key) }
    });
}
