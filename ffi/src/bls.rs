//! BLS12-381 verification and aggregation (WARP.md): one signature, many keys over one message
//! (FastAggregateVerify), and the sums of signatures and of public keys.
//!
//! Lists of keys or signatures are flat arrays, the way C holds them (`uint8_t keys[n][48]`,
//! `uint8_t signatures[n][96]`): `count` items of the fixed size, back to back.

use confide_core::Error;
use confide_core::warp::bls::{
    PUBLIC_KEY_LEN, PublicKey, SIGNATURE_LEN, Signature, aggregate_public_keys,
    fast_aggregate_verify,
};

use crate::args;
use crate::boundary;
use crate::buffer::ConfideBuffer;
use crate::codes::bls_ciphersuite;
use crate::error::{ConfideError, invalid_argument};

/// `count` items of `size` bytes each at `items`, parsed by `parse`.
///
/// # Safety
/// When `count > 0`, `items` is NULL or points to `count · size` readable bytes.
unsafe fn flat<T>(
    items: *const u8,
    count: usize,
    size: usize,
    name: &str,
    parse: impl Fn(&[u8]) -> Result<T, Error>,
) -> Result<Vec<T>, Error> {
    let len = count
        .checked_mul(size)
        .ok_or_else(|| invalid_argument(name, "count · item size overflows"))?;
    // SAFETY: `len` readable bytes by the caller's contract.
    let bytes = unsafe { args::bytes(items, len, name)? };
    bytes.chunks_exact(size).map(parse).collect()
}

/// Whether `signature` (96 bytes) is `public_key`'s (48 bytes) signature over `message` under
/// `suite` (a `ConfideBlsCiphersuite`), in `*out_valid`. A signature that does not verify is
/// `false`, not an error; a malformed key is `INVALID_KEY` (wrong length, not on the curve, not in
/// the subgroup, infinity), a malformed signature `INVALID_SIGNATURE`.
///
/// # Safety
/// Each byte pointer points to its length in readable bytes (or is NULL with 0); `out_valid` is
/// valid for writing a `bool`.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)] // a flat C signature; a params struct would add a type to free
pub unsafe extern "C" fn confide_bls_verify(
    public_key: *const u8,
    public_key_len: usize,
    message: *const u8,
    message_len: usize,
    signature: *const u8,
    signature_len: usize,
    suite: u32,
    out_valid: *mut bool,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: the caller upholds the documented pointer contracts.
        let (out, public_key, message, signature) = unsafe {
            (
                args::out(out_valid, "out_valid")?,
                args::bytes(public_key, public_key_len, "public_key")?,
                args::bytes(message, message_len, "message")?,
                args::bytes(signature, signature_len, "signature")?,
            )
        };
        let suite = bls_ciphersuite(suite)?;
        let key = PublicKey::from_bytes(public_key)?;
        *out = Signature::from_bytes(signature)?.verify(message, &key, suite);
        Ok(())
    })
}

/// Whether `signature` is the aggregate of signatures by each of the `key_count` keys (48 bytes
/// each, back to back at `public_keys`) over the same `message` (FastAggregateVerify), in
/// `*out_valid`. `false` for no key or keys that sum to infinity; errors as for
/// `confide_bls_verify`. Only safe with keys whose proof of possession was checked (a validator
/// registry's keys).
///
/// # Safety
/// `public_keys` points to `key_count · 48` readable bytes (or is NULL with 0); the other byte
/// pointers to their lengths; `out_valid` is valid for writing a `bool`.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)] // a flat C signature; a params struct would add a type to free
pub unsafe extern "C" fn confide_bls_fast_aggregate_verify(
    public_keys: *const u8,
    key_count: usize,
    message: *const u8,
    message_len: usize,
    signature: *const u8,
    signature_len: usize,
    suite: u32,
    out_valid: *mut bool,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: the caller upholds the documented pointer contracts.
        let (out, keys, message, signature) = unsafe {
            (
                args::out(out_valid, "out_valid")?,
                flat(
                    public_keys,
                    key_count,
                    PUBLIC_KEY_LEN,
                    "public_keys",
                    PublicKey::from_bytes,
                )?,
                args::bytes(message, message_len, "message")?,
                args::bytes(signature, signature_len, "signature")?,
            )
        };
        let suite = bls_ciphersuite(suite)?;
        let signature = Signature::from_bytes(signature)?;
        *out = fast_aggregate_verify(&keys, message, &signature, suite);
        Ok(())
    })
}

/// The sum of `count` signatures (96 bytes each, back to back), as 96 bytes in
/// `*out_signature` (free with `confide_buffer_free`). `INVALID_SIGNATURE` for none or a
/// malformed one.
///
/// # Safety
/// `signatures` points to `count · 96` readable bytes (or is NULL with 0); `out_signature` is
/// valid for writing a `ConfideBuffer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_bls_aggregate_signatures(
    signatures: *const u8,
    count: usize,
    out_signature: *mut ConfideBuffer,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: the caller upholds the documented pointer contracts.
        let (out, signatures) = unsafe {
            (
                args::out(out_signature, "out_signature")?,
                flat(
                    signatures,
                    count,
                    SIGNATURE_LEN,
                    "signatures",
                    Signature::from_bytes,
                )?,
            )
        };
        *out = ConfideBuffer::copy_of(&Signature::aggregate(&signatures)?.to_bytes());
        Ok(())
    })
}

/// The sum of `count` public keys (48 bytes each, back to back), as 48 bytes in
/// `*out_public_key` (free with `confide_buffer_free`). `INVALID_KEY` for none, a malformed key,
/// or a sum at infinity.
///
/// # Safety
/// `public_keys` points to `count · 48` readable bytes (or is NULL with 0); `out_public_key` is
/// valid for writing a `ConfideBuffer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_bls_aggregate_public_keys(
    public_keys: *const u8,
    count: usize,
    out_public_key: *mut ConfideBuffer,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: the caller upholds the documented pointer contracts.
        let (out, keys) = unsafe {
            (
                args::out(out_public_key, "out_public_key")?,
                flat(
                    public_keys,
                    count,
                    PUBLIC_KEY_LEN,
                    "public_keys",
                    PublicKey::from_bytes,
                )?,
            )
        };
        *out = ConfideBuffer::copy_of(&aggregate_public_keys(&keys)?.to_bytes());
        Ok(())
    })
}
