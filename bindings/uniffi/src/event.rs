//! What `ClientSession.open` returns: the core's canonical client event
//! (`confide_core::e2ee::ClientEvent::to_json`), read into a typed enum. The values and their
//! shape come from the core's JSON, so this binding hands out exactly what the C, Node.js and
//! wasm bindings hand out; the declarations below only give that object its types.

use confide_core::e2ee;
use serde::Deserialize;

use crate::error::{Result, internal};

/// Token counts of one response.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, uniffi::Record)]
#[serde(rename_all = "camelCase")]
pub struct Usage {
    /// Tokens in the prompt.
    pub prompt_tokens: u64,
    /// Tokens generated.
    pub completion_tokens: u64,
    /// Sum of both.
    pub total_tokens: u64,
    /// The model's context window in tokens, when the host said.
    #[serde(default)]
    pub context_window_size: Option<u64>,
}

/// The counts of a `TOKEN_LIMIT_EXCEEDED` error.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, uniffi::Record)]
#[serde(rename_all = "camelCase")]
pub struct TokenLimit {
    /// Tokens in the prompt.
    pub prompt_tokens: u64,
    /// The model's context window in tokens.
    pub context_window_size: u64,
}

/// A host frame, decrypted and checked (E2EE.md §3). Request ids are strings (a numeric id is
/// given in decimal).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, uniffi::Enum)]
#[serde(
    tag = "type",
    rename_all = "lowercase",
    rename_all_fields = "camelCase",
    deny_unknown_fields
)]
pub enum ClientEvent {
    /// The greeting.
    Connected {
        /// Host software version.
        version: String,
        /// Whether the host supports encryption.
        encryption: bool,
    },
    /// Reply to a ping.
    Pong,
    /// The host accepted the session; our address as it recovered it (already checked equal).
    Ack {
        /// Our EIP-55 address.
        client_address: String,
    },
    /// A decrypted piece of the answer (indexes checked in order from 0).
    Chunk {
        /// Request id.
        id: Option<String>,
        /// Index within the response, from 0.
        index: u64,
        /// The text.
        text: String,
        /// Whether the host marked it as the last chunk (`final` in the canonical JSON; named
        /// `last` here because the generated enums already have an `is_final()` test).
        #[serde(rename = "final")]
        last: bool,
    },
    /// The decrypted finish reason (`stop`, `length`, `cancelled`).
    Final {
        /// Request id.
        id: Option<String>,
        /// Why generation stopped.
        finish_reason: String,
    },
    /// The end of a response (always after its `Final`).
    End {
        /// Request id.
        id: Option<String>,
        /// The finish reason the host reported in clear.
        finish_reason: Option<String>,
        /// Token counts.
        usage: Option<Usage>,
        /// The host's signed usage receipt (`SignedMessage<UsageRecord>` envelope JSON, exactly as
        /// sent), already verified by `open` (see `verified`); keep it as evidence, which anyone
        /// can check with `verify_message` against the host's address.
        receipt: Option<String>,
        /// True when `open` verified the receipt against this response: signed (confide-v1) by
        /// the host key the session was created with, for this client and session, over exactly
        /// the decrypted text and the token counts in `usage` (a receipt that does not match is
        /// an error). False when the host sent none (the deployed Fabstir host never does): the
        /// answer is unverified.
        verified: bool,
        /// True when the host lowered the request's `max_tokens` to its cap.
        max_tokens_capped: bool,
    },
    /// An error the host reported (returned, not raised: the session goes on).
    Error {
        /// Request id, when the error concerns one.
        id: Option<String>,
        /// The host's code string.
        code: String,
        /// The host's message.
        message: String,
        /// `TOKEN_LIMIT_EXCEEDED`: the prompt's tokens and the model's context window.
        #[serde(default)]
        token_limit: Option<TokenLimit>,
    },
}

impl ClientEvent {
    /// The typed form of the core's canonical JSON of `event`.
    pub fn from_core(event: &e2ee::ClientEvent) -> Result<Self> {
        serde_json::from_str(&event.to_json())
            .map_err(|error| internal(format!("unexpected canonical event: {error}")))
    }
}

#[cfg(test)]
mod tests {
    use confide_core::crypto::Address;
    use confide_core::e2ee::{Usage as CoreUsage, WireId};

    use super::*;

    #[test]
    fn every_kind_reads_from_the_canonical_json() {
        let address = Address::from_bytes([1; 20]);
        let cases = [
            (
                e2ee::ClientEvent::Connected {
                    version: "0.1.0".into(),
                    encryption: true,
                },
                ClientEvent::Connected {
                    version: "0.1.0".into(),
                    encryption: true,
                },
            ),
            (e2ee::ClientEvent::Pong, ClientEvent::Pong),
            (
                e2ee::ClientEvent::Ack {
                    client_address: address,
                },
                ClientEvent::Ack {
                    client_address: address.to_checksum(),
                },
            ),
            (
                e2ee::ClientEvent::Chunk {
                    id: Some(WireId::from(7u64)),
                    index: 2,
                    text: "Hi \"there\"\n".into(),
                    is_final: true,
                },
                ClientEvent::Chunk {
                    id: Some("7".into()),
                    index: 2,
                    text: "Hi \"there\"\n".into(),
                    last: true,
                },
            ),
            (
                e2ee::ClientEvent::Final {
                    id: None,
                    finish_reason: "stop".into(),
                },
                ClientEvent::Final {
                    id: None,
                    finish_reason: "stop".into(),
                },
            ),
            (
                e2ee::ClientEvent::End {
                    id: Some(WireId::from("m1")),
                    finish_reason: Some("length".into()),
                    usage: Some(CoreUsage {
                        context_window_size: Some(2048),
                        ..CoreUsage::new(2, 3)
                    }),
                    receipt: None,
                    max_tokens_capped: true,
                },
                ClientEvent::End {
                    id: Some("m1".into()),
                    finish_reason: Some("length".into()),
                    usage: Some(Usage {
                        prompt_tokens: 2,
                        completion_tokens: 3,
                        total_tokens: 5,
                        context_window_size: Some(2048),
                    }),
                    receipt: None,
                    verified: false,
                    max_tokens_capped: true,
                },
            ),
            (
                e2ee::ClientEvent::Error {
                    code: "TOKEN_LIMIT_EXCEEDED".into(),
                    message: "too long".into(),
                    id: None,
                    token_limit: Some(e2ee::TokenLimit {
                        prompt_tokens: 900,
                        context_window_size: 512,
                    }),
                },
                ClientEvent::Error {
                    id: None,
                    code: "TOKEN_LIMIT_EXCEEDED".into(),
                    message: "too long".into(),
                    token_limit: Some(TokenLimit {
                        prompt_tokens: 900,
                        context_window_size: 512,
                    }),
                },
            ),
        ];
        for (core, expected) in cases {
            assert_eq!(ClientEvent::from_core(&core).unwrap(), expected);
        }
    }
}
