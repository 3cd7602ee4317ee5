//! What [`ClientSession::open`](super::ClientSession::open) returns, and its one canonical form
//! for the bindings: the kind name ([`ClientEvent::kind`]) and the JSON object
//! ([`ClientEvent::to_json`]) that the C, Node.js, UniFFI and wasm bindings hand to their callers.

use std::fmt;

use serde::{Serialize, Serializer};
use zeroize::Zeroizing;

use super::VerifiedReceipt;
use crate::crypto::Address;
use crate::e2ee::wire::{ErrorFrame, Usage, WireId};

/// Something the host sent, decrypted and checked. `Debug` never shows decrypted text: chunks and
/// the finish reason appear as their lengths.
#[derive(Clone, PartialEq)]
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
    /// The host accepted the session and recovered our address.
    Ack {
        /// Our address as the host recovered it (checked equal to ours).
        client_address: Address,
    },
    /// A decrypted piece of the answer.
    Chunk {
        /// Request id.
        id: Option<WireId>,
        /// Index within the response, from 0.
        index: u64,
        /// The text.
        text: String,
        /// Whether the host marked it as the last chunk.
        is_final: bool,
    },
    /// The decrypted finish reason (`stop`, `length`, `cancelled`).
    Final {
        /// Request id.
        id: Option<WireId>,
        /// Why generation stopped.
        finish_reason: String,
    },
    /// The end of a response (always after its [`Final`](Self::Final)), with usage and the
    /// host's signed receipt.
    End {
        /// Request id.
        id: Option<WireId>,
        /// Why generation stopped, as the host reports it in clear.
        finish_reason: Option<String>,
        /// Token counts.
        usage: Option<Usage>,
        /// The host's receipt, verified against this response (see [`VerifiedReceipt`]).
        /// `None`: the host sent none (the deployed Fabstir host never does), so no signature
        /// vouches for the text and the token counts: the answer is **unverified**.
        receipt: Option<VerifiedReceipt>,
        /// The host lowered the request's `max_tokens` to its cap.
        max_tokens_capped: bool,
    },
    /// An error the host reported.
    Error {
        /// The host's code string.
        code: String,
        /// The host's message.
        message: String,
        /// Request id, when the error concerns one.
        id: Option<WireId>,
        /// `TOKEN_LIMIT_EXCEEDED`: the prompt's tokens and the model's context window.
        token_limit: Option<TokenLimit>,
    },
}

/// The counts a `TOKEN_LIMIT_EXCEEDED` error reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenLimit {
    /// Tokens in the prompt.
    pub prompt_tokens: u64,
    /// The model's context window.
    pub context_window_size: u64,
}

impl ClientEvent {
    /// The canonical name of the event's kind, the `"type"` of [`to_json`](Self::to_json):
    /// `connected`, `pong`, `ack`, `chunk`, `final`, `end` or `error`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Connected { .. } => "connected",
            Self::Pong => "pong",
            Self::Ack { .. } => "ack",
            Self::Chunk { .. } => "chunk",
            Self::Final { .. } => "final",
            Self::End { .. } => "end",
            Self::Error { .. } => "error",
        }
    }

    /// The canonical JSON object of the event, which every binding hands out as is (C, wasm) or
    /// maps field by field. Field names are stable; absent values are left out; request ids are
    /// strings (a numeric id in decimal):
    ///
    /// - `{"type":"connected","version","encryption"}`, `{"type":"pong"}`,
    ///   `{"type":"ack","clientAddress"}` (EIP-55),
    /// - `{"type":"chunk","id"?,"index","text","final"}`, `{"type":"final","id"?,"finishReason"}`,
    /// - `{"type":"end","id"?,"finishReason"?,"usage"?:{"promptTokens","completionTokens",
    ///   "totalTokens","contextWindowSize"?},"receipt"?,"verified","maxTokensCapped"}`: `receipt`
    ///   is the envelope's JSON text (a string, byte-exact: parsing it in JavaScript would round
    ///   its u64 nonce); `verified` is true when the receipt was checked, false when the host sent
    ///   none; `maxTokensCapped` is true when the host lowered `max_tokens` to its cap,
    /// - `{"type":"error","id"?,"code","message","tokenLimit"?:{"promptTokens",
    ///   "contextWindowSize"}}` (`tokenLimit` on `TOKEN_LIMIT_EXCEEDED`).
    ///
    /// The text is held in memory that is zeroized on drop, sized up front so that serializing
    /// leaves no stray copy of decrypted text behind.
    pub fn to_json(&self) -> Zeroizing<String> {
        let mut out = Vec::with_capacity(self.json_capacity());
        let canonical = Canonical {
            kind: self.kind(),
            fields: Fields::from(self),
        };
        serde_json::to_writer(&mut out, &canonical).expect("client events always serialize");
        // The String takes over the same allocation (no copy).
        Zeroizing::new(String::from_utf8(out).expect("serde_json writes UTF-8"))
    }

    /// Bytes the JSON can take at most: every string byte escaped as `\u00XX` (6 bytes), plus
    /// room for names, numbers and punctuation.
    fn json_capacity(&self) -> usize {
        let id_len = |id: &Option<WireId>| id.as_ref().map_or(0, |id| id.to_string().len());
        let strings = match self {
            Self::Connected { version, .. } => version.len(),
            Self::Pong | Self::Ack { .. } => 0,
            Self::Chunk { id, text, .. } => id_len(id) + text.len(),
            Self::Final { id, finish_reason } => id_len(id) + finish_reason.len(),
            Self::End {
                id,
                finish_reason,
                receipt,
                ..
            } => {
                id_len(id)
                    + finish_reason.as_ref().map_or(0, String::len)
                    + receipt.as_ref().map_or(0, |r| r.json.len())
            }
            Self::Error {
                code, message, id, ..
            } => id_len(id) + code.len() + message.len(),
        };
        strings.saturating_mul(6).saturating_add(256)
    }
}

impl fmt::Debug for ClientEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Connected {
                version,
                encryption,
            } => f
                .debug_struct("Connected")
                .field("version", version)
                .field("encryption", encryption)
                .finish(),
            Self::Pong => f.write_str("Pong"),
            Self::Ack { client_address } => f
                .debug_struct("Ack")
                .field("client_address", client_address)
                .finish(),
            Self::Chunk {
                id,
                index,
                text,
                is_final,
            } => f
                .debug_struct("Chunk")
                .field("id", id)
                .field("index", index)
                .field("text_len", &text.len())
                .field("is_final", is_final)
                .finish(),
            Self::Final { id, finish_reason } => f
                .debug_struct("Final")
                .field("id", id)
                .field("finish_reason_len", &finish_reason.len())
                .finish(),
            Self::End {
                id,
                finish_reason,
                usage,
                receipt,
                max_tokens_capped,
            } => f
                .debug_struct("End")
                .field("id", id)
                .field("finish_reason", finish_reason)
                .field("usage", usage)
                .field("receipt", &receipt.as_ref().map(|r| &r.record))
                .field("max_tokens_capped", max_tokens_capped)
                .finish(),
            Self::Error {
                code,
                message,
                id,
                token_limit,
            } => f
                .debug_struct("Error")
                .field("code", code)
                .field("message", message)
                .field("id", id)
                .field("token_limit", token_limit)
                .finish(),
        }
    }
}

impl From<ErrorFrame> for ClientEvent {
    /// The event of a host's `error` frame (token counts kept for `TOKEN_LIMIT_EXCEEDED`).
    fn from(error: ErrorFrame) -> Self {
        let token_limit = error.prompt_tokens.zip(error.context_window_size).map(
            |(prompt_tokens, context_window_size)| TokenLimit {
                prompt_tokens,
                context_window_size,
            },
        );
        Self::Error {
            code: error.code,
            message: error.message,
            id: error.id,
            token_limit,
        }
    }
}

/// The canonical JSON: the kind as `"type"`, then the kind's fields.
#[derive(Serialize)]
struct Canonical<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(flatten)]
    fields: Fields<'a>,
}

/// The fields of each kind, borrowing from the event.
#[derive(Serialize)]
#[serde(untagged, rename_all_fields = "camelCase")]
enum Fields<'a> {
    Connected {
        version: &'a str,
        encryption: bool,
    },
    Empty {},
    Ack {
        client_address: String,
    },
    Chunk {
        #[serde(skip_serializing_if = "Option::is_none", serialize_with = "id_text")]
        id: Option<&'a WireId>,
        index: u64,
        text: &'a str,
        #[serde(rename = "final")]
        is_final: bool,
    },
    Final {
        #[serde(skip_serializing_if = "Option::is_none", serialize_with = "id_text")]
        id: Option<&'a WireId>,
        finish_reason: &'a str,
    },
    End {
        #[serde(skip_serializing_if = "Option::is_none", serialize_with = "id_text")]
        id: Option<&'a WireId>,
        #[serde(skip_serializing_if = "Option::is_none")]
        finish_reason: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        usage: Option<UsageFields>,
        #[serde(skip_serializing_if = "Option::is_none")]
        receipt: Option<&'a str>,
        verified: bool,
        max_tokens_capped: bool,
    },
    Error {
        #[serde(skip_serializing_if = "Option::is_none", serialize_with = "id_text")]
        id: Option<&'a WireId>,
        code: &'a str,
        message: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        token_limit: Option<TokenLimit>,
    },
}

/// Token counts with canonical (camelCase) names.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct UsageFields {
    prompt_tokens: u64,
    completion_tokens: u64,
    total_tokens: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    context_window_size: Option<u64>,
}

impl<'a> From<&'a ClientEvent> for Fields<'a> {
    fn from(event: &'a ClientEvent) -> Self {
        match event {
            ClientEvent::Connected {
                version,
                encryption,
            } => Self::Connected {
                version,
                encryption: *encryption,
            },
            ClientEvent::Pong => Self::Empty {},
            ClientEvent::Ack { client_address } => Self::Ack {
                client_address: client_address.to_checksum(),
            },
            ClientEvent::Chunk {
                id,
                index,
                text,
                is_final,
            } => Self::Chunk {
                id: id.as_ref(),
                index: *index,
                text,
                is_final: *is_final,
            },
            ClientEvent::Final { id, finish_reason } => Self::Final {
                id: id.as_ref(),
                finish_reason,
            },
            ClientEvent::End {
                id,
                finish_reason,
                usage,
                receipt,
                max_tokens_capped,
            } => Self::End {
                id: id.as_ref(),
                finish_reason: finish_reason.as_deref(),
                usage: usage.map(|u| UsageFields {
                    prompt_tokens: u.prompt_tokens,
                    completion_tokens: u.completion_tokens,
                    total_tokens: u.total_tokens,
                    context_window_size: u.context_window_size,
                }),
                receipt: receipt.as_ref().map(|r| r.json.as_str()),
                verified: receipt.is_some(),
                max_tokens_capped: *max_tokens_capped,
            },
            ClientEvent::Error {
                code,
                message,
                id,
                token_limit,
            } => Self::Error {
                id: id.as_ref(),
                code,
                message,
                token_limit: *token_limit,
            },
        }
    }
}

/// A request id as a JSON string (a numeric id in decimal).
fn id_text<S: Serializer>(id: &Option<&WireId>, serializer: S) -> Result<S::Ok, S::Error> {
    match id {
        Some(id) => serializer.collect_str(id),
        None => serializer.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::signed::UsageRecord;

    fn chunk(text: &str) -> ClientEvent {
        ClientEvent::Chunk {
            id: Some(WireId::from("m1")),
            index: 2,
            text: text.into(),
            is_final: true,
        }
    }

    fn receipt() -> VerifiedReceipt {
        VerifiedReceipt {
            json: r#"{"payload":{"n":1},"nonce":18446744073709551615}"#.into(),
            record: UsageRecord {
                session_id: "s1".into(),
                job_id: None,
                chain_id: None,
                model: "demo".into(),
                prompt_tokens: 2,
                completion_tokens: 3,
                response_sha256: "00".repeat(32),
                client_address: Address::from_bytes([1; 20]).to_checksum(),
                timestamp: 7,
            },
        }
    }

    fn json(event: &ClientEvent) -> Value {
        serde_json::from_str(&event.to_json()).unwrap()
    }

    #[test]
    fn every_kind_has_its_canonical_json() {
        let address = Address::from_bytes([1; 20]);
        let cases = [
            (
                ClientEvent::Connected {
                    version: "0.1.0".into(),
                    encryption: true,
                },
                json!({"type": "connected", "version": "0.1.0", "encryption": true}),
            ),
            (ClientEvent::Pong, json!({"type": "pong"})),
            (
                ClientEvent::Ack {
                    client_address: address,
                },
                json!({"type": "ack", "clientAddress": address.to_checksum()}),
            ),
            (
                chunk("Hi \"there\"\n"),
                json!({"type": "chunk", "id": "m1", "index": 2, "text": "Hi \"there\"\n", "final": true}),
            ),
            (
                ClientEvent::Final {
                    id: Some(WireId::from(7u64)),
                    finish_reason: "stop".into(),
                },
                json!({"type": "final", "id": "7", "finishReason": "stop"}),
            ),
            (
                ClientEvent::End {
                    id: Some(WireId::from("m1")),
                    finish_reason: Some("length".into()),
                    usage: Some(Usage {
                        context_window_size: Some(2048),
                        ..Usage::new(2, 3)
                    }),
                    receipt: Some(receipt()),
                    max_tokens_capped: true,
                },
                json!({"type": "end", "id": "m1", "finishReason": "length",
                    "usage": {"promptTokens": 2, "completionTokens": 3, "totalTokens": 5,
                        "contextWindowSize": 2048},
                    "receipt": receipt().json, "verified": true, "maxTokensCapped": true}),
            ),
            (
                ClientEvent::End {
                    id: None,
                    finish_reason: None,
                    usage: None,
                    receipt: None,
                    max_tokens_capped: false,
                },
                json!({"type": "end", "verified": false, "maxTokensCapped": false}),
            ),
            (
                ClientEvent::Error {
                    code: "RATE_LIMITED".into(),
                    message: "slow down".into(),
                    id: None,
                    token_limit: None,
                },
                json!({"type": "error", "code": "RATE_LIMITED", "message": "slow down"}),
            ),
            (
                ClientEvent::Error {
                    code: "TOKEN_LIMIT_EXCEEDED".into(),
                    message: "prompt too long".into(),
                    id: Some(WireId::from("m2")),
                    token_limit: Some(TokenLimit {
                        prompt_tokens: 900,
                        context_window_size: 512,
                    }),
                },
                json!({"type": "error", "id": "m2", "code": "TOKEN_LIMIT_EXCEEDED",
                    "message": "prompt too long",
                    "tokenLimit": {"promptTokens": 900, "contextWindowSize": 512}}),
            ),
        ];
        for (event, expected) in cases {
            let actual = json(&event);
            assert_eq!(actual, expected);
            assert_eq!(actual["type"], event.kind());
        }
    }

    #[test]
    fn the_receipt_stays_byte_exact_text() {
        let end = ClientEvent::End {
            id: None,
            finish_reason: None,
            usage: None,
            receipt: Some(receipt()),
            max_tokens_capped: false,
        };
        // A string, not an object: its u64 nonce must survive a JavaScript JSON.parse.
        assert_eq!(
            json(&end)["receipt"].as_str(),
            Some(receipt().json.as_str())
        );
    }

    #[test]
    fn json_never_outgrows_its_reserved_capacity() {
        // Worst case: every byte escaped (control characters become \u00XX).
        let event = chunk(&"\u{1}".repeat(1000));
        let text = event.to_json();
        assert!(text.len() <= event.json_capacity());
        assert_eq!(text.capacity(), event.json_capacity());
    }

    #[test]
    fn debug_shows_lengths_not_decrypted_text() {
        let final_event = ClientEvent::Final {
            id: None,
            finish_reason: "SECRET-REASON".into(),
        };
        for (event, expected) in [
            (chunk("SECRET-TEXT"), "text_len: 11"),
            (final_event, "finish_reason_len: 13"),
        ] {
            let debug = format!("{event:?}");
            assert!(!debug.contains("SECRET"), "{debug}");
            assert!(debug.contains(expected), "{debug}");
        }
        let end = ClientEvent::End {
            id: Some(WireId::from("m1")),
            finish_reason: Some("stop".into()),
            usage: Some(Usage::new(2, 3)),
            receipt: Some(receipt()),
            max_tokens_capped: false,
        };
        let debug = format!("{end:?}");
        assert!(debug.contains("completion_tokens: 3") && debug.contains("\"m1\""));
    }
}
