//! Signing a feed as its author, always in the current form: `signed_blocks`, `algorithm`,
//! `canonicalization` and `public_key_hint` in `trust`; `signature` holding only `value` and
//! `created_at`.

use crate::crypto::Ed25519SecretKey;
use crate::error::Result;

use super::base64;
use super::canonicalization::Canonicalization;
use super::document::{CERTIFICATION, Feed, SIGNATURE, TRUST, invalid_feed};
use super::json::{Object, Value};
use super::signed_object::{ALL, ED25519, blocks_message};
use super::time::format_rfc3339;

/// How to sign.
#[derive(Clone, Debug)]
pub struct SignOptions {
    /// The blocks to sign, in order (`trust` is added when missing); `None` = every block but
    /// `signature` and `certification`, in document order.
    pub blocks: Option<Vec<String>>,
    /// Where verifiers find the public key; `None` keeps the hint the feed had.
    pub key_hint: Option<String>,
    /// The canonicalization to sign under.
    pub canonicalization: Canonicalization,
    /// Unix seconds, written as `created_at`.
    pub now: i64,
}

impl SignOptions {
    /// Every block, `mcp-canonical-json/v1`, no new hint.
    pub fn new(now: i64) -> Self {
        Self {
            blocks: None,
            key_hint: None,
            canonicalization: Canonicalization::McpCanonicalJsonV1,
            now,
        }
    }
}

/// Signs `feed`, replacing any earlier signature; a certification is dropped too, since it vouched
/// for the earlier signature. `INVALID_FEED` when `trust` is not an object or a listed block is
/// missing, `signature`/`certification`/`all`, or listed twice.
pub fn sign_feed<'a>(
    feed: &Feed<'a>,
    key: &Ed25519SecretKey,
    options: &SignOptions,
) -> Result<Feed<'a>> {
    let mut signed = feed.clone();
    let blocks = signed.blocks_mut();
    blocks.remove(SIGNATURE);
    blocks.remove(CERTIFICATION);
    let mut trust = match blocks.get(TRUST) {
        None => Object::new(),
        Some(Value::Object(trust)) => trust.clone(),
        Some(_) => return Err(invalid_feed("the trust block is not an object")),
    };
    let old_hint = trust.remove("key_hint");
    let hint = options
        .key_hint
        .clone()
        .map(Value::string)
        .or_else(|| trust.get("public_key_hint").cloned())
        .or(old_hint);
    // Placeholder so that `trust` has its final position before the block list is computed.
    blocks.insert(TRUST, Value::Null);
    let names = block_names(&signed, options.blocks.as_deref())?;
    trust.insert("signed_blocks", Value::strings(&names));
    trust.insert("algorithm", Value::string(ED25519));
    trust.insert(
        "canonicalization",
        Value::string(options.canonicalization.name()),
    );
    if let Some(hint) = hint {
        trust.insert("public_key_hint", hint);
    }
    signed.blocks_mut().insert(TRUST, Value::Object(trust));
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let message = blocks_message(&signed, &names, options.canonicalization.signing_style());
    let mut signature = Object::new();
    signature.insert("value", Value::string(base64::encode(&key.sign(&message))));
    signature.insert("created_at", Value::string(format_rfc3339(options.now)));
    signed
        .blocks_mut()
        .insert(SIGNATURE, Value::Object(signature));
    Ok(signed)
}

fn block_names(feed: &Feed, requested: Option<&[String]>) -> Result<Vec<String>> {
    let Some(requested) = requested else {
        return Ok(feed.content_block_names().map(str::to_owned).collect());
    };
    let mut names: Vec<String> = Vec::with_capacity(requested.len() + 1);
    for name in requested {
        if [SIGNATURE, CERTIFICATION, ALL].contains(&name.as_str()) {
            return Err(invalid_feed(format!("{name:?} cannot be a signed block")));
        }
        if names.contains(name) {
            return Err(invalid_feed(format!("block {name:?} is listed twice")));
        }
        if feed.get(name).is_none() {
            return Err(invalid_feed(format!("the feed has no block {name:?}")));
        }
        names.push(name.clone());
    }
    if !names.iter().any(|n| n == TRUST) {
        names.push(TRUST.to_owned());
    }
    Ok(names)
}
