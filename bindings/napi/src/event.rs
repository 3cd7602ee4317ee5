//! What `ClientSession.open` returns: the core's canonical client event
//! (`confide_core::e2ee::ClientEvent::to_json`), turned into a plain JS object by the engine's
//! `JSON.parse`, discriminated by `type`. The values come from the core, so this package hands out
//! exactly the object the C (`json`) and every other binding hand out; the types below only
//! declare that object's shape for TypeScript (`index.d.ts`) and are never built in Rust.

use confide_core::e2ee;
use napi::Env;
use napi::bindgen_prelude::Unknown;
use napi_derive::napi;

use crate::error::Result;
use crate::json;

/// Token counts of one response.
#[napi(object, object_from_js = false)]
pub struct Usage {
    /// Tokens in the prompt.
    pub prompt_tokens: i64,
    /// Tokens generated.
    pub completion_tokens: i64,
    /// Sum of both.
    pub total_tokens: i64,
    /// The model's context window in tokens, when the host said.
    pub context_window_size: Option<i64>,
}

/// The counts of a `TOKEN_LIMIT_EXCEEDED` error.
#[napi(object, object_from_js = false)]
pub struct TokenLimit {
    /// Tokens in the prompt.
    pub prompt_tokens: i64,
    /// The model's context window in tokens.
    pub context_window_size: i64,
}

/// A host frame, decrypted and checked (E2EE.md §3). Request ids are strings (a numeric id is
/// given in decimal).
#[napi(
    discriminant = "type",
    discriminant_case = "lowercase",
    object_from_js = false
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
    /// The end of a response (always after its `final`).
    End {
        /// Request id.
        id: Option<String>,
        /// The finish reason the host reported in clear.
        finish_reason: Option<String>,
        /// Token counts.
        usage: Option<Usage>,
        /// The host's signed usage receipt (`SignedMessage<UsageRecord>` envelope JSON, exactly as
        /// sent), already verified by `open` (see `verified`); keep it as evidence, which anyone
        /// can check with `verifyMessage` against the host's address.
        receipt: Option<String>,
        /// True when `open` verified the receipt against this response: signed (confide-v1) by
        /// the host key the session was created with, for this client and session, over exactly
        /// the decrypted text and the token counts in `usage` (a receipt that does not match
        /// throws). False when the host sent none (the deployed Fabstir host never does): the
        /// answer is unverified.
        verified: bool,
        /// True when the host lowered the request's `max_tokens` to its cap.
        max_tokens_capped: bool,
    },
    /// An error the host reported (not thrown: the session goes on).
    Error {
        /// Request id, when the error concerns one.
        id: Option<String>,
        /// The host's code string.
        code: String,
        /// The host's message.
        message: String,
        /// `TOKEN_LIMIT_EXCEEDED`: the prompt's tokens and the model's context window.
        token_limit: Option<TokenLimit>,
    },
}

/// The event as a JS object of type [`ClientEvent`]: the core's canonical JSON, parsed.
pub fn to_js<'env>(env: &'env Env, event: &e2ee::ClientEvent) -> Result<Unknown<'env>> {
    json::parse(env, &event.to_json())
}
