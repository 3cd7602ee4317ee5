//! LLMFeed (LLMFEED.md): verify a feed into the trust report (JSON), sign a feed as its author.
//! Keys are text in the forms the feed world uses (PEM, hex, base64); time is a parameter. Errors
//! carry the core's codes (`INVALID_JSON`, `INVALID_FEED`, `MESSAGE_TOO_LARGE`, `INVALID_KEY`,
//! `KEY_UNAVAILABLE`, `UNSUPPORTED_SCHEME`, …).

use std::ffi::c_char;

use confide_core::Error;
use confide_core::feed::{
    Canonicalization, CertifierPolicy, Feed, SignOptions, StaticKeys, VerifyOptions, evaluate,
    parse_public_key, parse_secret_key, sign_feed,
};

use crate::args;
use crate::boundary;
use crate::buffer::c_string;
use crate::error::ConfideError;

/// `count` NUL-terminated strings at `items` (NULL with `count` 0 is none).
///
/// # Safety
/// When `count > 0`, `items` points to `count` pointers, each NULL or NUL-terminated.
unsafe fn strings(
    items: *const *const c_char,
    count: usize,
    name: &str,
) -> Result<Vec<String>, Error> {
    // SAFETY: `count` readable pointers by the caller's contract.
    let pointers = unsafe { args::array(items, count, name)? };
    pointers
        .iter()
        // SAFETY: each pointer is NULL or NUL-terminated by the caller's contract.
        .map(|&pointer| unsafe { args::str(pointer, name) }.map(str::to_owned))
        .collect()
}

/// Verifies the feed (`feed_len` bytes of JSON) at `now` (Unix seconds) and returns the trust
/// report as JSON in `*out_report_json` (`{"trust_level","signature","certification",
/// "trusted_blocks","untrusted_blocks","warnings"}`; free with `confide_string_free`).
///
/// `signer_key` / `certifier_key`: the author's / certifier's public key as text (PEM, 64 hex
/// digits or base64), or NULL. `trusted_certifiers`: `trusted_count` certifier URLs whose
/// certifications count (NULL with 0 for none). `policy_json`: a certifier policy feed, or NULL.
///
/// A feed that is invalid, unsigned or tampered with is a report (its `trust_level` says so), not
/// an error. Errors: `INVALID_JSON`, `INVALID_FEED` (not an object; a malformed policy),
/// `MESSAGE_TOO_LARGE`, `INVALID_KEY`, and `KEY_UNAVAILABLE` for a signed feed without
/// `signer_key`.
///
/// # Safety
/// `feed` points to `feed_len` readable bytes (or is NULL with 0); the strings are NULL or
/// NUL-terminated; `trusted_certifiers` as for `count` string pointers; `out_report_json` is
/// valid for writing a pointer.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)] // a flat C signature; a params struct would add a type to free
pub unsafe extern "C" fn confide_feed_verify(
    feed: *const u8,
    feed_len: usize,
    signer_key: *const c_char,
    certifier_key: *const c_char,
    trusted_certifiers: *const *const c_char,
    trusted_count: usize,
    policy_json: *const c_char,
    now: i64,
    out_report_json: *mut *mut c_char,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: the caller upholds the documented pointer contracts.
        let (out, feed, signer_key, certifier_key, trusted, policy_json) = unsafe {
            (
                args::out(out_report_json, "out_report_json")?,
                args::bytes(feed, feed_len, "feed")?,
                args::opt_str(signer_key, "signer_key")?,
                args::opt_str(certifier_key, "certifier_key")?,
                strings(trusted_certifiers, trusted_count, "trusted_certifiers")?,
                args::opt_str(policy_json, "policy_json")?,
            )
        };
        let mut keys = StaticKeys::new();
        if let Some(text) = signer_key {
            keys = keys.with_signer(parse_public_key(text)?);
        }
        if let Some(text) = certifier_key {
            keys = keys.with_any_certifier(parse_public_key(text)?);
        }
        let policy = policy_json
            .map(|json| CertifierPolicy::from_feed(&Feed::parse(json.as_bytes())?))
            .transpose()?;
        let options = VerifyOptions {
            now,
            trusted_certifiers: &trusted,
            policy: policy.as_ref(),
        };
        let report = evaluate(&Feed::parse(feed)?, &keys, &options)?;
        *out = c_string(&report.to_json());
        Ok(())
    })
}

/// Signs the feed (`feed_len` bytes of JSON) as its author with `secret_key` (PKCS#8 PEM or 64 hex
/// digits of seed) at `now`, and returns the signed feed as indented JSON in `*out_feed_json`
/// (free with `confide_string_free`).
///
/// `blocks`: the blocks to sign, comma-separated, or NULL for every block but `signature` and
/// `certification` (`trust` is always signed). `key_hint`: the public key's URL, or NULL.
/// `canonicalization`: `https://llmca.org/mcp-canonical-json/v1` (NULL) or `llmfeed-v1`.
/// Errors: `INVALID_JSON`, `INVALID_FEED`, `MESSAGE_TOO_LARGE`, `INVALID_KEY`,
/// `UNSUPPORTED_SCHEME`.
///
/// # Safety
/// `feed` points to `feed_len` readable bytes (or is NULL with 0); the strings are NULL or
/// NUL-terminated (`secret_key` must not be NULL); `out_feed_json` is valid for writing a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_feed_sign(
    feed: *const u8,
    feed_len: usize,
    secret_key: *const c_char,
    blocks: *const c_char,
    key_hint: *const c_char,
    canonicalization: *const c_char,
    now: i64,
    out_feed_json: *mut *mut c_char,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: the caller upholds the documented pointer contracts.
        let (out, feed, secret_key, blocks, key_hint, canonicalization) = unsafe {
            (
                args::out(out_feed_json, "out_feed_json")?,
                args::bytes(feed, feed_len, "feed")?,
                args::str(secret_key, "secret_key")?,
                args::opt_str(blocks, "blocks")?,
                args::opt_str(key_hint, "key_hint")?,
                args::opt_str(canonicalization, "canonicalization")?,
            )
        };
        let key = parse_secret_key(secret_key)?;
        let options = SignOptions {
            blocks: blocks.map(|list| list.split(',').map(|b| b.trim().to_owned()).collect()),
            key_hint: key_hint.map(str::to_owned),
            canonicalization: canonicalization.map_or(
                Ok(Canonicalization::McpCanonicalJsonV1),
                Canonicalization::from_name,
            )?,
            now,
        };
        let signed = sign_feed(&Feed::parse(feed)?, &key, &options)?;
        *out = c_string(&signed.to_pretty_json());
        Ok(())
    })
}
