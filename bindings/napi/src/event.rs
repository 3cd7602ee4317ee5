//! What `ClientSession.open` returns: a decrypted, checked host frame as a plain JS object
//! discriminated by `type`.

use confide_core::e2ee::{self, WireId};
use napi_derive::napi;

/// Token counts of one response.
#[napi(object, object_from_js = false)]
#[derive(Clone, Copy, Debug)]
pub struct Usage {
    /// Tokens in the prompt.
    pub prompt_tokens: i64,
    /// Tokens generated.
    pub completion_tokens: i64,
    /// Sum of both.
    pub total_tokens: i64,
}

/// A host frame, decrypted and checked (E2EE.md §3). Request ids are strings (a numeric id is
/// given in decimal).
#[napi(
    discriminant = "type",
    discriminant_case = "lowercase",
    object_from_js = false
)]
#[derive(Debug)]
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
        index: i64,
        /// The text.
        text: String,
        /// Whether the host marked it as the last chunk.
        #[napi(js_name = "final")]
        is_final: bool,
    },
    /// The decrypted finish reason (`stop`, `length`, `cancelled`).
    Final {
        /// Request id.
        id: Option<String>,
        /// Why generation stopped.
        finish_reason: String,
    },
    /// The end of a response.
    End {
        /// Request id.
        id: Option<String>,
        /// The finish reason the host reported in clear.
        finish_reason: Option<String>,
        /// Token counts.
        usage: Option<Usage>,
        /// The host's signed usage receipt (`SignedMessage<UsageRecord>` envelope JSON, exactly as
        /// sent): check it with `verifyMessage`.
        receipt: Option<String>,
    },
    /// An error the host reported (not thrown: the session goes on).
    Error {
        /// Request id, when the error concerns one.
        id: Option<String>,
        /// The host's code string.
        code: String,
        /// The host's message.
        message: String,
    },
}

impl From<e2ee::ClientEvent> for ClientEvent {
    fn from(event: e2ee::ClientEvent) -> Self {
        let id = |id: Option<WireId>| id.map(|id| id.to_string());
        match event {
            e2ee::ClientEvent::Connected {
                version,
                encryption,
            } => Self::Connected {
                version,
                encryption,
            },
            e2ee::ClientEvent::Pong => Self::Pong,
            e2ee::ClientEvent::Ack { client_address } => Self::Ack {
                client_address: client_address.to_checksum(),
            },
            e2ee::ClientEvent::Chunk {
                id: request,
                index,
                text,
                is_final,
            } => Self::Chunk {
                id: id(request),
                index: count(index),
                text,
                is_final,
            },
            e2ee::ClientEvent::Final {
                id: request,
                finish_reason,
            } => Self::Final {
                id: id(request),
                finish_reason,
            },
            e2ee::ClientEvent::End {
                id: request,
                finish_reason,
                usage,
                receipt,
            } => Self::End {
                id: id(request),
                finish_reason,
                usage: usage.map(|u| Usage {
                    prompt_tokens: count(u.prompt_tokens),
                    completion_tokens: count(u.completion_tokens),
                    total_tokens: count(u.total_tokens),
                }),
                receipt,
            },
            e2ee::ClientEvent::Error {
                code,
                message,
                id: request,
            } => Self::Error {
                id: id(request),
                code,
                message,
            },
        }
    }
}

/// A count as a JS number (saturating; real counts are far below 2^53).
fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
