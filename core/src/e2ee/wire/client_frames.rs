//! Frames a client sends.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use super::id::WireId;
use super::payload::{EncryptedPayload, SessionInitPayload};
use super::tagged::{Tagged, parse_tagged};
use crate::error::Result;
use crate::hex;

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

impl EncryptedMessageFrame {
    /// The JSON text of `ClientFrame::EncryptedMessage` for a sealed prompt, byte for byte what
    /// [`ClientFrame::to_json`] writes (a test holds them equal), written straight into one
    /// buffer: the hex goes in without intermediate strings or JSON escaping (it needs none).
    pub(crate) fn sealed_json(
        session_id: &WireId,
        id: &WireId,
        ciphertext: &[u8],
        nonce: &[u8],
        aad: &[u8],
    ) -> String {
        let hex_len = 2 * (ciphertext.len() + nonce.len() + aad.len());
        let mut out = String::with_capacity(128 + hex_len);
        out.push_str(r#"{"type":"encrypted_message","session_id":"#);
        push_id(&mut out, session_id);
        out.push_str(r#","id":"#);
        push_id(&mut out, id);
        for (name, bytes) in [
            (r#","payload":{"ciphertextHex":""#, ciphertext),
            (r#"","nonceHex":""#, nonce),
            (r#"","aadHex":""#, aad),
        ] {
            out.push_str(name);
            hex::encode_into(bytes, &mut out);
        }
        out.push_str(r#""}}"#);
        out
    }
}

/// An id as JSON: a number, or an escaped string.
fn push_id(out: &mut String, id: &WireId) {
    match id {
        WireId::Number(n) => out.push_str(&n.to_string()),
        WireId::Text(text) => {
            out.push_str(&serde_json::to_string(text).expect("a string always serializes"))
        }
    }
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

/// Plaintext `prompt` (deprecated): request fields at top level or under `"request"`. The deployed
/// SDK sends no `session_id`, only `jobId`: the host routes it to the connection's plaintext session.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlainPromptFrame {
    /// Session id.
    #[serde(alias = "sessionId", default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<WireId>,
    /// Job id, which picks the session when `session_id` is absent.
    #[serde(alias = "jobId", default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<WireId>,
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

/// `ping` (client → host): answered with `pong` echoing `id`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PingFrame {
    /// Request id, echoed in the `pong`.
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
    Ping(PingFrame),
}

impl ClientFrame {
    /// Parses a text frame. Invalid JSON, an unknown `type` or a malformed envelope is
    /// `INVALID_MESSAGE`; the message says what was wrong but never echoes payload content.
    pub fn parse(text: &str) -> Result<Self> {
        parse_tagged(text)
    }

    /// The frame's `type` on the wire.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::EncryptedSessionInit(_) => "encrypted_session_init",
            Self::EncryptedMessage(_) => "encrypted_message",
            Self::SessionInit(_) => "session_init",
            Self::Prompt(_) => "prompt",
            Self::StreamCancel(_) => "stream_cancel",
            Self::Ping(_) => "ping",
        }
    }

    /// The `session_id` of the frame, if it has one.
    pub fn session_id(&self) -> Option<&WireId> {
        match self {
            Self::EncryptedSessionInit(f) => Some(&f.session_id),
            Self::EncryptedMessage(f) => Some(&f.session_id),
            Self::SessionInit(f) => Some(&f.session_id),
            Self::Prompt(f) => f.session_id.as_ref(),
            Self::StreamCancel(f) => Some(&f.session_id),
            Self::Ping(_) => None,
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
            Self::Ping(f) => f.id.as_ref(),
        }
    }
}

impl ClientFrame {
    /// The JSON text of the frame.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("client frames always serialize")
    }
}

impl Tagged for ClientFrame {
    fn variant<'de, D: Deserializer<'de>>(
        kind: &str,
        fields: D,
    ) -> Option<std::result::Result<Self, D::Error>> {
        Some(match kind {
            "encrypted_session_init" => {
                Deserialize::deserialize(fields).map(Self::EncryptedSessionInit)
            }
            "encrypted_message" => Deserialize::deserialize(fields).map(Self::EncryptedMessage),
            "session_init" => Deserialize::deserialize(fields).map(Self::SessionInit),
            "prompt" => Deserialize::deserialize(fields).map(Self::Prompt),
            "stream_cancel" => Deserialize::deserialize(fields).map(Self::StreamCancel),
            "ping" => Deserialize::deserialize(fields).map(Self::Ping),
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn id(text: Option<String>, number: u64) -> WireId {
        text.map_or(WireId::Number(number), WireId::Text)
    }

    proptest! {
        #[test]
        fn sealed_json_is_the_serialized_frame(
            session in proptest::option::of(".{0,8}"),
            request in proptest::option::of(".{0,8}"),
            numbers in any::<(u64, u64)>(),
            ciphertext in proptest::collection::vec(any::<u8>(), 0..64),
            nonce in any::<[u8; 24]>(),
            aad in "message_[0-9]{1,3}",
        ) {
            let (session_id, request_id) = (id(session, numbers.0), id(request, numbers.1));
            let frame = ClientFrame::EncryptedMessage(EncryptedMessageFrame {
                session_id: session_id.clone(),
                id: Some(request_id.clone()),
                payload: Some(EncryptedPayload::new(&ciphertext, &nonce, aad.as_bytes(), None)),
            });
            prop_assert_eq!(
                EncryptedMessageFrame::sealed_json(
                    &session_id,
                    &request_id,
                    &ciphertext,
                    &nonce,
                    aad.as_bytes()
                ),
                frame.to_json()
            );
        }
    }
}
