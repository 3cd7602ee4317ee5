//! Frames a host sends.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::value::RawValue;

use super::fast_chunk;
use super::id::WireId;
use super::payload::EncryptedPayload;
use super::tagged::{Tagged, parse_tagged};
use crate::error::{Error, ErrorDetail, Result};

/// Token counts of one response.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// Tokens in the prompt.
    pub prompt_tokens: u64,
    /// Tokens generated.
    pub completion_tokens: u64,
    /// Sum of both.
    pub total_tokens: u64,
    /// The model's context window in tokens, when the host knows it (the deployed SDK's context
    /// warnings read it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_window_size: Option<u64>,
}

impl Usage {
    /// Usage with `total_tokens` computed.
    pub fn new(prompt_tokens: u64, completion_tokens: u64) -> Self {
        Self {
            prompt_tokens,
            completion_tokens,
            total_tokens: prompt_tokens + completion_tokens,
            context_window_size: None,
        }
    }
}

/// `connected`: the first frame on every connection.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectedFrame {
    /// Host software version.
    pub version: String,
    /// Whether the host accepts encrypted sessions.
    pub encryption: bool,
}

/// `session_init_ack`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInitAckFrame {
    /// Session id.
    pub session_id: WireId,
    /// Job id, echoed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<WireId>,
    /// Chain id, echoed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain_id: Option<u64>,
    /// Always `"success"`.
    pub status: String,
    /// Whether the session is encrypted.
    pub encrypted: bool,
    /// The client address the host recovered (EIP-55), for encrypted sessions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_address: Option<String>,
    /// Request id, echoed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<WireId>,
}

/// `encrypted_chunk`: one piece of generated text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncryptedChunkFrame {
    /// Session id.
    pub session_id: WireId,
    /// Request id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<WireId>,
    /// Tokens in this chunk.
    #[serde(default)]
    pub tokens: u64,
    /// Set on the last chunk of a response.
    #[serde(default, rename = "final", skip_serializing_if = "std::ops::Not::not")]
    pub is_final: bool,
    /// Encrypted text with `index`.
    #[serde(default)]
    pub payload: Option<EncryptedPayload>,
}

/// `encrypted_response`: the encrypted finish reason, after the last chunk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncryptedResponseFrame {
    /// Session id.
    pub session_id: WireId,
    /// Request id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<WireId>,
    /// Encrypted finish reason.
    #[serde(default)]
    pub payload: Option<EncryptedPayload>,
}

/// `stream_chunk`: plaintext text (deprecated plaintext mode).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamChunkFrame {
    /// Session id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<WireId>,
    /// Request id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<WireId>,
    /// The text.
    pub content: String,
    /// Tokens in this chunk.
    #[serde(default)]
    pub tokens: u64,
    /// Chunk index from 0.
    #[serde(default)]
    pub index: u64,
}

/// `stream_end`: the end of a response, with usage and the host's signed receipt.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StreamEndFrame {
    /// Session id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<WireId>,
    /// Request id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<WireId>,
    /// Always `"complete"`.
    pub reason: String,
    /// `stop`, `length` or `cancelled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finish_reason: Option<String>,
    /// Completion tokens.
    #[serde(default)]
    pub tokens_used: u64,
    /// Token counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
    /// Set when the request's `max_tokens` was above the host's cap and was lowered to it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub max_tokens_capped: bool,
    /// `SignedMessage<UsageRecord>` signed by the host key, kept as raw JSON so the signed payload
    /// bytes reach the client exactly as the host signed them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt: Option<Box<RawValue>>,
}

/// `pong`: the reply to `ping`, echoing its `id`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PongFrame {
    /// The ping's request id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<WireId>,
}

/// `error`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorFrame {
    /// Stable code (E2EE.md §6).
    pub code: String,
    /// The same code again: the deployed SDK's WebSocket client reads this field.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub error_code: String,
    /// Human-readable message, no secrets.
    pub message: String,
    /// Session id, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<WireId>,
    /// Request id, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<WireId>,
    /// `TOKEN_LIMIT_EXCEEDED`: tokens in the prompt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_tokens: Option<u64>,
    /// `TOKEN_LIMIT_EXCEEDED`: the model's context window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_window_size: Option<u64>,
}

impl SessionInitAckFrame {
    /// The ack of an accepted init: echoes the frame's ids; `client_address` is set for encrypted
    /// sessions.
    pub fn new(
        session_id: WireId,
        job_id: Option<WireId>,
        chain_id: Option<u64>,
        id: Option<WireId>,
        client_address: Option<&crate::crypto::Address>,
    ) -> Self {
        Self {
            session_id,
            job_id,
            chain_id,
            status: "success".to_owned(),
            encrypted: client_address.is_some(),
            client_address: client_address.map(crate::crypto::Address::to_checksum),
            id,
        }
    }
}

impl ErrorFrame {
    /// An error frame for `error`, echoing the ids; a token-limit error carries its counts.
    pub fn new(error: &Error, session_id: Option<WireId>, id: Option<WireId>) -> Self {
        let code = error.code().as_str();
        let (prompt_tokens, context_window_size) = match error.detail() {
            Some(&ErrorDetail::TokenLimit {
                prompt_tokens,
                context_window_size,
            }) => (Some(prompt_tokens), Some(context_window_size)),
            _ => (None, None),
        };
        Self {
            code: code.to_owned(),
            error_code: code.to_owned(),
            message: error.message().to_owned(),
            session_id,
            id,
            prompt_tokens,
            context_window_size,
        }
    }
}

/// Every frame a host sends.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum HostFrame {
    /// Greeting.
    Connected(ConnectedFrame),
    /// Reply to `ping`.
    Pong(PongFrame),
    /// Session accepted.
    SessionInitAck(SessionInitAckFrame),
    /// Encrypted text.
    EncryptedChunk(EncryptedChunkFrame),
    /// Encrypted finish reason.
    EncryptedResponse(EncryptedResponseFrame),
    /// Plaintext text (deprecated).
    StreamChunk(StreamChunkFrame),
    /// End of a response.
    StreamEnd(StreamEndFrame),
    /// An error.
    Error(ErrorFrame),
}

impl HostFrame {
    /// Parses a host frame (client side); malformed input is `INVALID_MESSAGE`.
    pub fn parse(text: &str) -> Result<Self> {
        // The chunk of a streamed answer, in the shape hosts write it, is read by a shortcut; any
        // other text, and every error, comes from the general parser.
        if let Some(chunk) = fast_chunk::read(text) {
            #[cfg(fuzzing)]
            assert!(
                matches!(parse_tagged::<Self>(text), Ok(Self::EncryptedChunk(ref general)) if *general == chunk),
                "the chunk shortcut and the general parser disagree on {text}"
            );
            return Ok(Self::EncryptedChunk(chunk));
        }
        parse_tagged(text)
    }

    /// The JSON text of the frame.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("host frames always serialize")
    }
}

impl Tagged for HostFrame {
    fn variant<'de, D: Deserializer<'de>>(
        kind: &str,
        fields: D,
    ) -> Option<std::result::Result<Self, D::Error>> {
        Some(match kind {
            "connected" => Deserialize::deserialize(fields).map(Self::Connected),
            "pong" => Deserialize::deserialize(fields).map(Self::Pong),
            "session_init_ack" => Deserialize::deserialize(fields).map(Self::SessionInitAck),
            "encrypted_chunk" => Deserialize::deserialize(fields).map(Self::EncryptedChunk),
            "encrypted_response" => Deserialize::deserialize(fields).map(Self::EncryptedResponse),
            "stream_chunk" => Deserialize::deserialize(fields).map(Self::StreamChunk),
            "stream_end" => Deserialize::deserialize(fields).map(Self::StreamEnd),
            "error" => Deserialize::deserialize(fields).map(Self::Error),
            _ => return None,
        })
    }
}
