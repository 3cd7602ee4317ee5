//! Client-chosen identifiers (`id`, `session_id`, `job_id`).

use std::fmt;

use serde::{Deserialize, Serialize};

/// An identifier chosen by the client (`id`, `session_id`, `job_id`): a string or a non-negative
/// integer, echoed back exactly as it came.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(untagged)]
pub enum WireId {
    /// A JSON integer.
    Number(u64),
    /// A JSON string.
    Text(String),
}

impl fmt::Display for WireId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Number(n) => write!(f, "{n}"),
            Self::Text(s) => f.write_str(s),
        }
    }
}

/// Reads a string or an unsigned integer directly (an untagged derive would buffer every id first,
/// and ids are on every streamed chunk).
impl<'de> Deserialize<'de> for WireId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct IdVisitor;

        impl serde::de::Visitor<'_> for IdVisitor {
            type Value = WireId;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or a non-negative integer")
            }

            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<WireId, E> {
                Ok(WireId::Number(n))
            }

            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<WireId, E> {
                Ok(WireId::Text(text.to_owned()))
            }

            fn visit_string<E: serde::de::Error>(self, text: String) -> Result<WireId, E> {
                Ok(WireId::Text(text))
            }
        }

        deserializer.deserialize_any(IdVisitor)
    }
}

impl From<&str> for WireId {
    fn from(text: &str) -> Self {
        Self::Text(text.to_owned())
    }
}

impl From<u64> for WireId {
    fn from(n: u64) -> Self {
        Self::Number(n)
    }
}
