//! Verifying a signed Warp message against a validator set and a quorum (WARP.md).
//!
//! The validator set is given as the validators-file JSON every Confide tool reads,
//! `[{"node_id":"NodeID-…","bls_public_key":"0x…48 bytes hex…"|null,"weight":N,"url":…}]`, parsed
//! once into a `ConfideWarpValidatorSet` (keys validated at load, so each verification is one
//! pairing check).

use std::ffi::c_char;

use confide_core::warp::{Quorum, ValidatorSet, verify_signed_message};

use crate::args;
use crate::boundary;
use crate::buffer::{self, c_string};
use crate::codes::bls_ciphersuite;
use crate::error::ConfideError;
use crate::warp_message::ConfideWarpSignedMessage;

/// The canonical validator set: validators with a BLS key, those sharing a key merged (weights
/// added), sorted by uncompressed key; the total weight counts keyless validators too. Free with
/// `confide_warp_validator_set_free`. Immutable: may be shared across threads.
pub struct ConfideWarpValidatorSet(ValidatorSet);

/// What a valid signed message proved. Free with `confide_warp_verified_free`.
#[repr(C)]
#[derive(Debug)]
pub struct ConfideWarpVerified {
    /// The weight of the signers.
    pub signed_weight: u64,
    /// The weight of the whole set.
    pub total_weight: u64,
    /// The number of canonical validators that signed.
    pub signer_count: usize,
    /// The signers' node ids as a JSON array of strings (every node of a shared key).
    pub signers_json: *mut c_char,
}

/// Parses a validators file (JSON text, see the module comment): `node_id` any string, `url`
/// optional, `bls_public_key` hex with or without `0x` or `null`/absent (the validator counts in
/// the total weight but cannot sign), `weight` a JSON integer (u64). `INVALID_VALIDATOR_SET` for
/// anything malformed (naming the entry): not an array, a missing field, an invalid key (not on
/// the curve, not in the subgroup, infinity), a total weight of zero or over u64.
///
/// # Safety
/// `validators_json` is NULL or NUL-terminated; `out_set` is valid for writing a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_warp_validator_set_from_json(
    validators_json: *const c_char,
    out_set: *mut *mut ConfideWarpValidatorSet,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: the caller upholds the documented pointer contracts.
        let (out, json) = unsafe {
            (
                args::out(out_set, "out_set")?,
                args::str(validators_json, "validators_json")?,
            )
        };
        *out = args::into_handle(ConfideWarpValidatorSet(ValidatorSet::from_json(json)?));
        Ok(())
    })
}

/// The number of canonical validators (`*out_len`: the bits a signer bitset may use) and the total
/// weight (`*out_total_weight`). Either out-pointer may be NULL.
///
/// # Safety
/// `set` is a live set; each out-pointer is NULL or valid for writing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_warp_validator_set_info(
    set: *const ConfideWarpValidatorSet,
    out_len: *mut usize,
    out_total_weight: *mut u64,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: each is NULL or writable by the caller's contract.
        let (len, total) = unsafe { (args::opt_out(out_len), args::opt_out(out_total_weight)) };
        // SAFETY: the caller upholds the documented pointer contract.
        let set = unsafe { args::handle(set, "set")? };
        if let Some(len) = len {
            *len = set.0.len();
        }
        if let Some(total) = total {
            *total = set.0.total_weight();
        }
        Ok(())
    })
}

/// Frees a validator set. NULL is ignored.
///
/// # Safety
/// `set` is NULL or a set from this library that was not freed and that no call is using.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_warp_validator_set_free(set: *mut ConfideWarpValidatorSet) {
    boundary::call_infallible((), || {
        // SAFETY: forwarded to the caller's contract.
        unsafe { args::free_handle(set) }
    });
}

/// Verifies `message` for `network_id` against `set` with the quorum
/// `quorum_numerator/quorum_denominator` (e.g. 67/100; 0 < numerator ≤ denominator) under `suite`
/// (a `ConfideBlsCiphersuite`): network id → signer bits within the set → signed weight → quorum
/// (`signed·den ≥ total·num`) → aggregate key → one pairing check (~2 ms). Free
/// `*out_verified` with `confide_warp_verified_free`.
///
/// Errors: `WRONG_NETWORK`, `INVALID_MESSAGE` (a signer bit beyond the set),
/// `INSUFFICIENT_WEIGHT`, `INVALID_SIGNATURE` (does not verify), `INVALID_ARGUMENT` (the quorum).
///
/// # Safety
/// `message` and `set` are live; `out_verified` is valid for writing a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_warp_verify(
    message: *const ConfideWarpSignedMessage,
    set: *const ConfideWarpValidatorSet,
    network_id: u32,
    quorum_numerator: u64,
    quorum_denominator: u64,
    suite: u32,
    out_verified: *mut *mut ConfideWarpVerified,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: the caller upholds the documented pointer contracts.
        let (out, message, set) = unsafe {
            (
                args::out(out_verified, "out_verified")?,
                args::handle(message, "message")?,
                args::handle(set, "set")?,
            )
        };
        let quorum = Quorum::new(quorum_numerator, quorum_denominator)?;
        let verified = verify_signed_message(
            &message.0,
            network_id,
            &set.0,
            quorum,
            bls_ciphersuite(suite)?,
        )?;
        let node_ids = set.0.node_ids_of(&verified.signers);
        let json = serde_json::to_string(&node_ids).expect("a list of strings serialises");
        *out = args::into_handle(ConfideWarpVerified {
            signed_weight: verified.signed_weight,
            total_weight: verified.total_weight,
            signer_count: verified.signers.len(),
            signers_json: c_string(&json),
        });
        Ok(())
    })
}

/// Frees a verification result and its string. NULL is ignored.
///
/// # Safety
/// `verified` is NULL or came from `confide_warp_verify`, unmodified, not freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_warp_verified_free(verified: *mut ConfideWarpVerified) {
    boundary::call_infallible((), || {
        if verified.is_null() {
            return;
        }
        // SAFETY: a live box from `confide_warp_verify` (caller's contract).
        let verified = unsafe { Box::from_raw(verified) };
        // SAFETY: made by `c_string`.
        unsafe { buffer::free_c_string(verified.signers_json) };
    });
}
