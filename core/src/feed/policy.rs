//! A certifier's policy feed (`.well-known/certifier-policy.llmfeed.json`): the rules a verifier
//! applies to that certifier's certifications.

use crate::error::Result;

use super::document::{Feed, invalid_feed};
use super::json::{Number, Object, Value};

/// The `must_be_signed_by` value meaning the feed's own author.
pub const FEED_OWNER: &str = "feed_owner";

/// The rules of a certifier policy.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CertifierPolicy {
    /// The certifier the policy is for; a policy for another certifier is not applied.
    pub certifier: Option<String>,
    /// Certifications older than this many days are expired.
    pub validity_days: Option<u64>,
    /// The algorithms a certification may use (compared without case); `None` = any.
    pub accepted_algorithms: Option<Vec<String>>,
    /// Blocks the author's signature must cover.
    pub must_include: Vec<String>,
    /// Who must have signed the feed (`feed_owner`: a valid author signature).
    pub must_be_signed_by: Option<String>,
}

fn strings(object: &Object, key: &str) -> Result<Option<Vec<String>>> {
    let Some(value) = object.get(key) else {
        return Ok(None);
    };
    value
        .as_array()
        .and_then(|items| {
            items
                .iter()
                .map(|item| item.as_str().map(str::to_owned))
                .collect()
        })
        .map(Some)
        .ok_or_else(|| invalid_feed(format!("policy {key} is not a list of strings")))
}

fn text(object: &Object, key: &str) -> Result<Option<String>> {
    match object.get(key) {
        None => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.to_string())),
        Some(_) => Err(invalid_feed(format!("policy {key} is not a string"))),
    }
}

impl CertifierPolicy {
    /// Reads a policy feed; `INVALID_FEED` for fields of the wrong type.
    pub fn from_feed(feed: &Feed) -> Result<Self> {
        let blocks = feed.blocks();
        let validity_days =
            match blocks.get("validity_days") {
                None => None,
                Some(Value::Number(Number::Integer(days))) => Some(days.parse().map_err(|_| {
                    invalid_feed("policy validity_days is not a non-negative integer")
                })?),
                Some(_) => return Err(invalid_feed("policy validity_days is not an integer")),
            };
        let requirements = match blocks.get("requirements") {
            None => Object::new(),
            Some(Value::Object(object)) => object.clone(),
            Some(_) => return Err(invalid_feed("policy requirements is not an object")),
        };
        Ok(Self {
            certifier: text(blocks, "certifier")?,
            validity_days,
            accepted_algorithms: strings(blocks, "accepted_algorithms")?,
            must_include: strings(&requirements, "must_include")?.unwrap_or_default(),
            must_be_signed_by: text(&requirements, "must_be_signed_by")?,
        })
    }

    /// Whether the policy governs certifications by `certifier`.
    pub fn applies_to(&self, certifier: &str) -> bool {
        self.certifier.as_deref().is_none_or(|c| c == certifier)
    }
}
