//! What an author's signature covers and how it is declared: the fields of `trust` (and the older
//! placements inside `signature`), the `signed_blocks` rules, and the candidate byte strings a
//! verifier checks the signature against.

use crate::error::{Error, ErrorCode, Result};

use super::canonicalization::Canonicalization;
use super::document::{CERTIFICATION, Feed, SIGNATURE, TRUST, invalid_feed};
use super::json::{Object, Style, Value};
use super::resolver::KeyRequest;

/// The only signature algorithm (feeds write `ed25519` or `Ed25519`).
pub const ED25519: &str = "ed25519";
/// The `signed_blocks` entry of older feeds that signed everything.
pub const ALL: &str = "all";

/// Which blocks a signature covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignedBlocks<'a> {
    /// `["all"]`: every block but `signature` and `certification`.
    All,
    /// The listed blocks, in list order.
    Listed(Vec<&'a str>),
}

/// The signature fields of a signed feed, wherever the feed put them.
#[derive(Clone, Debug)]
pub struct Declaration<'a> {
    /// `algorithm` as written (`trust`, else `signature`).
    pub algorithm: Option<&'a str>,
    /// `canonicalization` as written (`trust`, else `signature`).
    pub canonicalization: Option<&'a str>,
    /// `public_key_hint` or `key_hint` (`trust`, else `signature`).
    pub key_hint: Option<&'a str>,
    /// `trust.signed_blocks`.
    pub signed_blocks: SignedBlocks<'a>,
    /// `signature.value`.
    pub value: Option<&'a str>,
    /// `signature.created_at`.
    pub created_at: Option<&'a str>,
}

fn text<'a>(object: &'a Object, key: &str) -> Result<Option<&'a str>> {
    match object.get(key) {
        None => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(_) => Err(invalid_feed(format!("{key} is not a string"))),
    }
}

/// The first of `keys` present in `trust`, then in `signature`.
fn field<'a>(trust: &'a Object, signature: &'a Object, keys: &[&str]) -> Result<Option<&'a str>> {
    for block in [trust, signature] {
        for key in keys {
            if let Some(found) = text(block, key)? {
                return Ok(Some(found));
            }
        }
    }
    Ok(None)
}

/// The key URLs a feed names, for a caller that fetches keys before verifying: the author's hint
/// (`public_key_hint`/`key_hint` in `trust`, else in `signature`) and the certification's
/// `public_key_hint`, each as `(request, hint)`. Malformed blocks are skipped, not errors.
pub fn key_hints<'f>(feed: &'f Feed<'_>) -> Vec<(KeyRequest<'f>, &'f str)> {
    static EMPTY: Object = Object::new();
    let block = |name: &str| feed.get(name).and_then(Value::as_object);
    let mut hints = Vec::new();
    if let Some(signature) = block(SIGNATURE) {
        let trust = block(TRUST).unwrap_or(&EMPTY);
        if let Ok(Some(hint)) = field(trust, signature, &["public_key_hint", "key_hint"]) {
            hints.push((KeyRequest::Signer { hint: Some(hint) }, hint));
        }
    }
    if let Some(certification) = block(CERTIFICATION) {
        let text = |key: &str| certification.get(key).and_then(Value::as_str);
        if let (Some(certifier), Some(hint)) = (text("certifier"), text("public_key_hint")) {
            hints.push((
                KeyRequest::Certifier {
                    certifier,
                    hint: Some(hint),
                },
                hint,
            ));
        }
    }
    hints
}

impl<'a> Declaration<'a> {
    /// Reads the declaration of a feed that has a `signature` block. `INVALID_FEED` for a missing or
    /// malformed `trust`, malformed `signed_blocks`, or fields of the wrong type.
    pub fn read(feed: &'a Feed, signature: &'a Object) -> Result<Self> {
        let trust = feed
            .object_block(TRUST)?
            .ok_or_else(|| invalid_feed("a signed feed needs a trust block"))?;
        let signed_blocks = signed_blocks(trust)?;
        Ok(Self {
            algorithm: field(trust, signature, &["algorithm"])?,
            canonicalization: field(trust, signature, &["canonicalization"])?,
            key_hint: field(trust, signature, &["public_key_hint", "key_hint"])?,
            signed_blocks,
            value: text(signature, "value")?,
            created_at: text(signature, "created_at")?,
        })
    }

    /// The declared canonicalization: `llmfeed-v1` when absent (the seed's default);
    /// `UNSUPPORTED_SCHEME` for an unknown name.
    pub fn canonicalization(&self) -> Result<Canonicalization> {
        self.canonicalization
            .map_or(Ok(Canonicalization::LlmfeedV1), Canonicalization::from_name)
    }

    /// Checks the algorithm is Ed25519 (any case; the default when absent).
    pub fn check_algorithm(&self) -> Result<()> {
        match self.algorithm {
            Some(name) if !name.eq_ignore_ascii_case(ED25519) => Err(Error::new(
                ErrorCode::UnsupportedScheme,
                "unsupported signature algorithm (only ed25519 is)",
            )),
            _ => Ok(()),
        }
    }

    /// The names of the blocks the signature covers, in signing order (`["all"]` expanded in
    /// document order). `INVALID_FEED` for a listed block that is missing.
    pub fn covered(&self, feed: &'a Feed) -> Result<Vec<&'a str>> {
        match &self.signed_blocks {
            SignedBlocks::All => Ok(feed.content_block_names().collect()),
            SignedBlocks::Listed(names) => {
                if let Some(missing) = names.iter().find(|name| feed.get(name).is_none()) {
                    return Err(invalid_feed(format!("signed block {missing:?} is missing")));
                }
                Ok(names.clone())
            }
        }
    }

    /// The forms the signature may have been made in, in the order a verifier tries them: for
    /// `["all"]` the sorted `llmfeed-v1` forms first (the 2025 publishers sorted keys whatever they
    /// declared), then the declared canonicalization's forms.
    pub fn forms(&self) -> Result<Vec<(Canonicalization, Style)>> {
        let declared = self.canonicalization()?;
        let mut forms: Vec<(Canonicalization, Style)> = Vec::new();
        if self.signed_blocks == SignedBlocks::All {
            forms.extend(
                Canonicalization::LlmfeedV1
                    .accepted_styles()
                    .iter()
                    .map(|s| (Canonicalization::LlmfeedV1, *s)),
            );
        }
        for style in declared.accepted_styles() {
            if !forms.iter().any(|(_, seen)| seen == style) {
                forms.push((declared, *style));
            }
        }
        Ok(forms)
    }
}

/// `trust.signed_blocks`: a non-empty list of distinct names; `["all"]` alone, or a list that names
/// `trust` and never `signature`/`certification`.
fn signed_blocks<'a>(trust: &'a Object<'_>) -> Result<SignedBlocks<'a>> {
    let items = trust
        .get("signed_blocks")
        .ok_or_else(|| invalid_feed("trust.signed_blocks is missing"))?
        .as_array()
        .ok_or_else(|| invalid_feed("trust.signed_blocks is not a list"))?;
    let names: Vec<&str> = items
        .iter()
        .map(|item| {
            item.as_str()
                .ok_or_else(|| invalid_feed("trust.signed_blocks holds a non-string"))
        })
        .collect::<Result<_>>()?;
    if names == [ALL] {
        return Ok(SignedBlocks::All);
    }
    if names.is_empty() {
        return Err(invalid_feed("trust.signed_blocks is empty"));
    }
    for (i, name) in names.iter().enumerate() {
        if names[..i].contains(name) {
            return Err(invalid_feed(format!(
                "trust.signed_blocks lists {name:?} twice"
            )));
        }
        if [SIGNATURE, CERTIFICATION, ALL].contains(name) {
            return Err(invalid_feed(format!(
                "trust.signed_blocks may not list {name:?}"
            )));
        }
    }
    if !names.contains(&TRUST) {
        return Err(invalid_feed("trust.signed_blocks must list \"trust\""));
    }
    Ok(SignedBlocks::Listed(names))
}

/// The canonical bytes of the object `{name: feed[name]}` for `names` (all present), in `style`.
pub(crate) fn blocks_message(feed: &Feed, names: &[&str], style: Style) -> Vec<u8> {
    let mut entries: Vec<(&str, &Value)> = names
        .iter()
        .filter_map(|name| feed.get(name).map(|block| (*name, block)))
        .collect();
    let mut out = Vec::new();
    style.write_entries(&mut entries, &mut out);
    out
}
