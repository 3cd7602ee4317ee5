//! The JSON frames of the E2EE protocol (E2EE.md §1–§6), in both directions.
//!
//! Outer envelope fields are snake_case, payload fields camelCase. On input both spellings of
//! `session_id`, `job_id` and `chain_id` are accepted, hex may carry `0x`, and unknown fields are
//! ignored. Payload fields are optional at the serde level so that a missing one is reported as
//! `MISSING_PAYLOAD_FIELDS` naming it, rather than as a generic parse error.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::crypto::{NONCE_LEN, Nonce};
use crate::error::{Error, ErrorCode, Result};
use crate::hex;

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

/// The payload of `encrypted_session_init` (E2EE.md §1).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionInitPayload {
    /// Client's ephemeral public key, SEC1 compressed (33 B) or uncompressed (65 B).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eph_pub_hex: Option<String>,
    /// Encrypted session data (ciphertext ‖ tag).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ciphertext_hex: Option<String>,
    /// Client signature `r ‖ s ‖ v` (65 B).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature_hex: Option<String>,
    /// 24-byte XChaCha20 nonce.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce_hex: Option<String>,
    /// Additional authenticated data (may be empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aad_hex: Option<String>,
    /// HKDF salt; absent means none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub salt_hex: Option<String>,
    /// HKDF info as hex; absent means empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<String>,
    /// Algorithm label; its presence selects the `sdk-transcript` signature scheme.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    /// Recovery id (0/1) as sent by the deployed SDK; must agree with the signature's `v`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recid: Option<u8>,
}

/// An AEAD payload: `encrypted_message`, `encrypted_chunk` (with `index`) and `encrypted_response`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EncryptedPayload {
    /// Ciphertext ‖ tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ciphertext_hex: Option<String>,
    /// 24-byte nonce.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce_hex: Option<String>,
    /// AAD: `message_N`, `chunk_I` or `encrypted_response_final`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aad_hex: Option<String>,
    /// Chunk index (chunks only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<u64>,
}

/// The decoded parts of an [`EncryptedPayload`].
pub(crate) struct PayloadParts {
    pub ciphertext: Vec<u8>,
    pub nonce: Nonce,
    pub aad: Vec<u8>,
}

impl EncryptedPayload {
    /// Builds a payload from raw parts (hex-encodes them).
    pub fn new(ciphertext: &[u8], nonce: &Nonce, aad: &[u8], index: Option<u64>) -> Self {
        Self {
            ciphertext_hex: Some(hex::encode(ciphertext)),
            nonce_hex: Some(hex::encode(nonce)),
            aad_hex: Some(hex::encode(aad)),
            index,
        }
    }

    /// Checks presence (`MISSING_PAYLOAD_FIELDS`), hex (`INVALID_HEX_ENCODING`) and nonce size
    /// (`INVALID_NONCE_SIZE`), in that order.
    pub(crate) fn decode(&self) -> Result<PayloadParts> {
        let [ciphertext, nonce, aad] = require_fields([
            ("ciphertextHex", &self.ciphertext_hex),
            ("nonceHex", &self.nonce_hex),
            ("aadHex", &self.aad_hex),
        ])?;
        Ok(PayloadParts {
            ciphertext: hex::decode("ciphertextHex", ciphertext)?,
            nonce: decode_nonce(nonce)?,
            aad: hex::decode("aadHex", aad)?,
        })
    }
}

/// Returns the named fields or `MISSING_PAYLOAD_FIELDS` listing every absent one.
pub(crate) fn require_fields<'a, const N: usize>(
    fields: [(&str, &'a Option<String>); N],
) -> Result<[&'a str; N]> {
    let missing: Vec<&str> = fields
        .iter()
        .filter(|(_, value)| value.is_none())
        .map(|(name, _)| *name)
        .collect();
    if !missing.is_empty() {
        return Err(missing_fields(&missing));
    }
    Ok(fields.map(|(_, value)| value.as_deref().unwrap_or_default()))
}

pub(crate) fn missing_fields(missing: &[&str]) -> Error {
    Error::new(
        ErrorCode::MissingPayloadFields,
        format!("payload is missing required fields: {}", missing.join(", ")),
    )
}

pub(crate) fn decode_nonce(text: &str) -> Result<Nonce> {
    hex::decode_array::<NONCE_LEN>("nonceHex", text, ErrorCode::InvalidNonceSize)
}

/// `encrypted_session_init` (client → host).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInitFrame {
    /// Session id chosen by the client.
    #[serde(alias = "sessionId")]
    pub session_id: WireId,
    /// Job id (number or string).
    #[serde(alias = "jobId", default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<WireId>,
    /// Chain id.
    #[serde(alias = "chainId", default, skip_serializing_if = "Option::is_none")]
    pub chain_id: Option<u64>,
    /// Request id, echoed in the reply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<WireId>,
    /// The encrypted, signed session data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<SessionInitPayload>,
}

/// `encrypted_message` (client → host).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncryptedMessageFrame {
    /// Session id.
    #[serde(alias = "sessionId")]
    pub session_id: WireId,
    /// Request id, echoed in every reply frame.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<WireId>,
    /// The encrypted prompt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<EncryptedPayload>,
}

/// Plaintext `session_init` (deprecated, E2EE.md §4).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlainSessionInitFrame {
    /// Session id.
    #[serde(alias = "sessionId")]
    pub session_id: WireId,
    /// Job id.
    #[serde(alias = "jobId", default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<WireId>,
    /// Chain id.
    #[serde(alias = "chainId", default, skip_serializing_if = "Option::is_none")]
    pub chain_id: Option<u64>,
    /// Request id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<WireId>,
}

/// Plaintext `prompt` (deprecated): request fields at top level or under `"request"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlainPromptFrame {
    /// Session id.
    #[serde(alias = "sessionId")]
    pub session_id: WireId,
    /// Request id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<WireId>,
    /// Every other field: the prompt request itself.
    #[serde(flatten)]
    pub request: Map<String, Value>,
}

/// `stream_cancel` (client → host).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamCancelFrame {
    /// Session id.
    #[serde(alias = "sessionId")]
    pub session_id: WireId,
    /// The request whose generation stops.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<WireId>,
}

/// Every frame a client sends.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    /// Open an encrypted session.
    EncryptedSessionInit(SessionInitFrame),
    /// An encrypted prompt.
    EncryptedMessage(EncryptedMessageFrame),
    /// Open a plaintext session (deprecated).
    SessionInit(PlainSessionInitFrame),
    /// A plaintext prompt (deprecated).
    Prompt(PlainPromptFrame),
    /// Stop a generation.
    StreamCancel(StreamCancelFrame),
    /// Keep-alive; answered with `pong`.
    Ping,
}

impl ClientFrame {
    /// Parses a text frame. Invalid JSON, an unknown `type` or a malformed envelope is
    /// `INVALID_MESSAGE`; the message says what was wrong but never echoes payload content.
    pub fn parse(text: &str) -> Result<Self> {
        Ok(match frame_type(text)?.as_ref() {
            "encrypted_session_init" => Self::EncryptedSessionInit(body(text)?),
            "encrypted_message" => Self::EncryptedMessage(body(text)?),
            "session_init" => Self::SessionInit(body(text)?),
            "prompt" => Self::Prompt(body(text)?),
            "stream_cancel" => Self::StreamCancel(body(text)?),
            "ping" => Self::Ping,
            other => return Err(unknown_type(other)),
        })
    }

    /// The frame's `type` on the wire.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::EncryptedSessionInit(_) => "encrypted_session_init",
            Self::EncryptedMessage(_) => "encrypted_message",
            Self::SessionInit(_) => "session_init",
            Self::Prompt(_) => "prompt",
            Self::StreamCancel(_) => "stream_cancel",
            Self::Ping => "ping",
        }
    }

    /// The `session_id` of the frame, if it has one.
    pub fn session_id(&self) -> Option<&WireId> {
        match self {
            Self::EncryptedSessionInit(f) => Some(&f.session_id),
            Self::EncryptedMessage(f) => Some(&f.session_id),
            Self::SessionInit(f) => Some(&f.session_id),
            Self::Prompt(f) => Some(&f.session_id),
            Self::StreamCancel(f) => Some(&f.session_id),
            Self::Ping => None,
        }
    }

    /// The request `id` of the frame, if it has one.
    pub fn id(&self) -> Option<&WireId> {
        match self {
            Self::EncryptedSessionInit(f) => f.id.as_ref(),
            Self::EncryptedMessage(f) => f.id.as_ref(),
            Self::SessionInit(f) => f.id.as_ref(),
            Self::Prompt(f) => f.id.as_ref(),
            Self::StreamCancel(f) => f.id.as_ref(),
            Self::Ping => None,
        }
    }
}

/// The `type` of a frame. Frames are dispatched on it first and then read straight into their
/// struct, so raw fields (the receipt) keep their bytes and nothing is buffered twice.
fn frame_type(text: &str) -> Result<std::borrow::Cow<'_, str>> {
    #[derive(Deserialize)]
    struct Tag<'a> {
        #[serde(rename = "type", borrow)]
        kind: std::borrow::Cow<'a, str>,
    }
    serde_json::from_str::<Tag<'_>>(text)
        .map(|tag| tag.kind)
        .map_err(|err| Error::invalid_message(describe(&err)))
}

fn body<T: serde::de::DeserializeOwned>(text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|err| Error::invalid_message(describe(&err)))
}

fn unknown_type(kind: &str) -> Error {
    let shown: String = kind.chars().take(32).collect();
    Error::invalid_message(format_args!(
        "unknown frame type `{}`",
        shown.escape_debug()
    ))
}

/// The ids to echo in an error reply to a frame that did not parse: read leniently from any JSON
/// object, `(session_id, id)`.
pub fn echo_ids(text: &str) -> (Option<WireId>, Option<WireId>) {
    #[derive(Deserialize)]
    struct Echo {
        #[serde(alias = "sessionId", default)]
        session_id: Option<WireId>,
        #[serde(default)]
        id: Option<WireId>,
    }
    match serde_json::from_str::<Echo>(text) {
        Ok(echo) => (echo.session_id, echo.id),
        Err(_) => (None, None),
    }
}

/// Describes a serde error without quoting the input.
pub(crate) fn describe(err: &serde_json::Error) -> String {
    use serde_json::error::Category;
    match err.classify() {
        Category::Syntax | Category::Eof => {
            format!(
                "not valid JSON (line {}, column {})",
                err.line(),
                err.column()
            )
        }
        Category::Data => {
            let text = err.to_string();
            let text = text.find(" at line ").map_or(&text[..], |end| &text[..end]);
            redact_quoted(text)
        }
        Category::Io => "could not read the frame".to_owned(),
    }
}

/// serde quotes input values in `"…"` (and names fields in backticks): drop the quoted values so
/// an error never echoes what the peer sent.
fn redact_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut inside = false;
    for c in text.chars() {
        if c == '"' {
            if !inside {
                out.push_str("\"…\"");
            }
            inside = !inside;
        } else if !inside {
            out.push(c);
        }
    }
    out
}

/// Token counts of one response.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// Tokens in the prompt.
    pub prompt_tokens: u64,
    /// Tokens generated.
    pub completion_tokens: u64,
    /// Sum of both.
    pub total_tokens: u64,
}

impl Usage {
    /// Usage with `total_tokens` computed.
    pub fn new(prompt_tokens: u64, completion_tokens: u64) -> Self {
        Self {
            prompt_tokens,
            completion_tokens,
            total_tokens: prompt_tokens + completion_tokens,
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
    /// `SignedMessage<UsageRecord>` signed by the host key, kept as raw JSON so the signed payload
    /// bytes reach the client exactly as the host signed them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt: Option<Box<RawValue>>,
}

/// `error`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorFrame {
    /// Stable code (E2EE.md §6).
    pub code: String,
    /// Human-readable message, no secrets.
    pub message: String,
    /// Session id, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<WireId>,
    /// Request id, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<WireId>,
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
    /// An error frame for `error`, echoing the ids.
    pub fn new(error: &Error, session_id: Option<WireId>, id: Option<WireId>) -> Self {
        Self {
            code: error.code().as_str().to_owned(),
            message: error.message().to_owned(),
            session_id,
            id,
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
    Pong,
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
        Ok(match frame_type(text)?.as_ref() {
            "connected" => Self::Connected(body(text)?),
            "pong" => Self::Pong,
            "session_init_ack" => Self::SessionInitAck(body(text)?),
            "encrypted_chunk" => Self::EncryptedChunk(body(text)?),
            "encrypted_response" => Self::EncryptedResponse(body(text)?),
            "stream_chunk" => Self::StreamChunk(body(text)?),
            "stream_end" => Self::StreamEnd(body(text)?),
            "error" => Self::Error(body(text)?),
            other => return Err(unknown_type(other)),
        })
    }

    /// The JSON text of the frame.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("host frames always serialize")
    }
}

impl ClientFrame {
    /// The JSON text of the frame.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("client frames always serialize")
    }
}
