//! Certifying a feed as a third party (see [`super::certification`] for what is signed).

use crate::crypto::Ed25519SecretKey;
use crate::error::Result;

use super::base64;
use super::canonicalization::Canonicalization;
use super::certification::certification_message;
use super::document::{CERTIFICATION, Feed, SIGNATURE, TRUST, invalid_feed};
use super::json::{Object, Value};
use super::signed_object::{ALL, ED25519};
use super::time::format_rfc3339;

/// How to certify.
#[derive(Clone, Debug)]
pub struct CertifyOptions {
    /// The certifier's identity (a URL), written as `certifier`.
    pub certifier: String,
    /// The blocks vouched for, in order (the preferred model: `trust` and `signature`).
    pub targets: Vec<String>,
    /// Days until `expires_at`.
    pub days: u32,
    /// Where verifiers find the certifier's key.
    pub key_hint: Option<String>,
    /// Unix seconds, written as `issued_at`.
    pub now: i64,
}

impl CertifyOptions {
    /// Targets `trust` and `signature`, valid for 365 days, no key hint.
    pub fn new(certifier: impl Into<String>, now: i64) -> Self {
        Self {
            certifier: certifier.into(),
            targets: vec![TRUST.to_owned(), SIGNATURE.to_owned()],
            days: 365,
            key_hint: None,
            now,
        }
    }
}

/// Adds (or replaces) the feed's certification. `INVALID_FEED` when a target is missing, listed
/// twice, `all` or `certification`, or when there are no targets.
pub fn certify_feed<'a>(
    feed: &Feed<'a>,
    key: &Ed25519SecretKey,
    options: &CertifyOptions,
) -> Result<Feed<'a>> {
    if options.targets.is_empty() {
        return Err(invalid_feed("a certification needs at least one target"));
    }
    for (i, target) in options.targets.iter().enumerate() {
        if target == ALL || target == CERTIFICATION || feed.get(target).is_none() {
            return Err(invalid_feed(format!(
                "{target:?} cannot be a target of this feed"
            )));
        }
        if options.targets[..i].contains(target) {
            return Err(invalid_feed(format!("target {target:?} is listed twice")));
        }
    }
    let canonicalization = Canonicalization::McpCanonicalJsonV1;
    let mut block = Object::new();
    block.insert("certifier", Value::string(options.certifier.clone()));
    block.insert("targets", Value::strings(&options.targets));
    block.insert("algorithm", Value::string(ED25519));
    block.insert("canonicalization", Value::string(canonicalization.name()));
    if let Some(hint) = &options.key_hint {
        block.insert("public_key_hint", Value::string(hint.clone()));
    }
    block.insert("issued_at", Value::string(format_rfc3339(options.now)));
    let expires = options.now + i64::from(options.days) * 86_400;
    block.insert("expires_at", Value::string(format_rfc3339(expires)));
    let targets: Vec<&str> = options.targets.iter().map(String::as_str).collect();
    let unsigned = Value::Object(block.clone());
    let message =
        certification_message(feed, &targets, &unsigned, canonicalization.signing_style());
    block.insert("value", Value::string(base64::encode(&key.sign(&message))));
    let mut certified = feed.clone();
    certified
        .blocks_mut()
        .insert(CERTIFICATION, Value::Object(block));
    Ok(certified)
}
