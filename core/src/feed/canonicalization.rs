//! The canonicalizations a feed may name, and the byte forms each stands for.

use crate::error::{Error, ErrorCode, Result};

use super::json::{Escaping, KeyOrder, Style};

/// A named canonicalization of LLMFeed (LLMFEED.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Canonicalization {
    /// `https://llmca.org/mcp-canonical-json/v1`: document key order, no whitespace, raw UTF-8.
    McpCanonicalJsonV1,
    /// `llmfeed-v1`: keys sorted at every level, no whitespace; written as raw UTF-8, accepted with
    /// Python's default ASCII escaping too (the 2025 publishers' form).
    LlmfeedV1,
}

const DOCUMENT_UTF8: Style = Style {
    order: KeyOrder::Document,
    escaping: Escaping::Utf8,
};
const SORTED_UTF8: Style = Style {
    order: KeyOrder::Sorted,
    escaping: Escaping::Utf8,
};
const SORTED_ASCII: Style = Style {
    order: KeyOrder::Sorted,
    escaping: Escaping::Ascii,
};

impl Canonicalization {
    /// The name a feed writes for it.
    pub const fn name(self) -> &'static str {
        match self {
            Self::McpCanonicalJsonV1 => "https://llmca.org/mcp-canonical-json/v1",
            Self::LlmfeedV1 => "llmfeed-v1",
        }
    }

    /// The canonicalization a feed names; `UNSUPPORTED_SCHEME` for any other name.
    pub fn from_name(name: &str) -> Result<Self> {
        [Self::McpCanonicalJsonV1, Self::LlmfeedV1]
            .into_iter()
            .find(|c| c.name() == name)
            .ok_or_else(|| {
                Error::new(
                    ErrorCode::UnsupportedScheme,
                    "unknown canonicalization (supported: https://llmca.org/mcp-canonical-json/v1, llmfeed-v1)",
                )
            })
    }

    /// The one form a signer writes.
    pub const fn signing_style(self) -> Style {
        match self {
            Self::McpCanonicalJsonV1 => DOCUMENT_UTF8,
            Self::LlmfeedV1 => SORTED_UTF8,
        }
    }

    /// Every form a verifier accepts, in the order it tries them.
    pub const fn accepted_styles(self) -> &'static [Style] {
        match self {
            Self::McpCanonicalJsonV1 => &[DOCUMENT_UTF8],
            Self::LlmfeedV1 => &[SORTED_UTF8, SORTED_ASCII],
        }
    }
}
