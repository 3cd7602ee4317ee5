//! [`Feed`]: a parsed `.llmfeed.json` — a JSON object of top-level blocks, in document order.

use crate::error::{Error, ErrorCode, Result};

use super::json::{self, Escaping, KeyOrder, Object, Style, Value};

/// The largest feed accepted, in bytes (the largest real feeds are under 1 MiB).
pub const MAX_FEED_LEN: usize = 8 * 1024 * 1024;

/// The block holding the author's signature.
pub const SIGNATURE: &str = "signature";
/// The block holding a third party's certification.
pub const CERTIFICATION: &str = "certification";
/// The block declaring what is signed and how.
pub const TRUST: &str = "trust";

/// A feed: its top-level blocks in document order. A parsed feed borrows its text from the bytes
/// it was parsed from; [`Feed::into_owned`] detaches it.
#[derive(Clone, Debug, PartialEq)]
pub struct Feed<'a> {
    blocks: Object<'a>,
}

impl<'a> Feed<'a> {
    /// Parses a feed. `MESSAGE_TOO_LARGE` above [`MAX_FEED_LEN`], `INVALID_JSON` for anything but
    /// strict JSON, `INVALID_FEED` when the document is not an object.
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        if bytes.len() > MAX_FEED_LEN {
            return Err(Error::new(
                ErrorCode::MessageTooLarge,
                format!(
                    "a feed is at most {MAX_FEED_LEN} bytes, this one is {}",
                    bytes.len()
                ),
            ));
        }
        Self::from_value(json::parse(bytes)?)
    }

    /// A feed from a parsed value; `INVALID_FEED` unless it is an object.
    pub fn from_value(value: Value<'a>) -> Result<Self> {
        match value {
            Value::Object(blocks) => Ok(Self { blocks }),
            _ => Err(invalid_feed("a feed is a JSON object")),
        }
    }

    /// The same feed holding its own copy of every string.
    pub fn into_owned(self) -> Feed<'static> {
        Feed {
            blocks: self.blocks.into_owned(),
        }
    }

    /// The top-level blocks.
    pub fn blocks(&self) -> &Object<'a> {
        &self.blocks
    }

    /// The top-level blocks, for editing.
    pub fn blocks_mut(&mut self) -> &mut Object<'a> {
        &mut self.blocks
    }

    /// The block named `name`.
    pub fn get(&self, name: &str) -> Option<&Value<'a>> {
        self.blocks.get(name)
    }

    /// The block `name` as an object: `None` when absent, `INVALID_FEED` when not an object.
    pub fn object_block(&self, name: &str) -> Result<Option<&Object<'a>>> {
        match self.blocks.get(name) {
            None => Ok(None),
            Some(Value::Object(object)) => Ok(Some(object)),
            Some(_) => Err(invalid_feed(format!("the {name} block is not an object"))),
        }
    }

    /// The names of the content blocks (all but `signature` and `certification`), in document order.
    pub fn content_block_names(&self) -> impl Iterator<Item = &str> {
        self.blocks
            .keys()
            .filter(|name| *name != SIGNATURE && *name != CERTIFICATION)
    }

    /// The feed as indented JSON (two spaces, raw UTF-8, document order) ending in a newline.
    pub fn to_pretty_json(&self) -> String {
        json::to_pretty(&self.blocks)
    }

    /// The feed as compact JSON in document order with raw UTF-8.
    pub fn to_compact_json(&self) -> Vec<u8> {
        let style = Style {
            order: KeyOrder::Document,
            escaping: Escaping::Utf8,
        };
        let mut entries: Vec<_> = self.blocks.iter().collect();
        let mut out = Vec::new();
        style.write_entries(&mut entries, &mut out);
        out
    }
}

/// An `INVALID_FEED` error.
pub(crate) fn invalid_feed(reason: impl std::fmt::Display) -> Error {
    Error::new(ErrorCode::InvalidFeed, format!("invalid feed: {reason}"))
}
