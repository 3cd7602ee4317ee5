//! The plaintext of a prompt: JSON `{"prompt", …}` or `{"messages": […]}`, or plain text.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::error::{Error, Result};

/// One chat message (`role` is `system`, `user` or `assistant`).
#[derive(Clone, PartialEq, Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
pub struct ChatMessage {
    /// Speaker role.
    pub role: String,
    /// Message text.
    pub content: String,
}

/// What the client asks the model (E2EE.md §2). Plaintext: zeroized on drop, hidden from `Debug`.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
pub struct PromptRequest {
    /// A raw completion prompt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
    /// A chat; the model's chat template is applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub messages: Option<Vec<ChatMessage>>,
    /// Requested model name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Maximum tokens to generate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u32>,
    /// Sampling temperature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f32>,
    /// Nucleus sampling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f32>,
    /// Sampling seed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// Whether to stream (the host always streams; kept for compatibility).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<bool>,
}

impl PromptRequest {
    /// A request holding just `prompt`.
    pub fn from_text(prompt: impl Into<String>) -> Self {
        let mut request = Self::default();
        request.prompt = Some(prompt.into());
        request
    }

    /// Parses a decrypted prompt: a JSON object with `prompt` or `messages`, a JSON string, or any
    /// any other text (the prompt itself). Bad UTF-8 and malformed objects are `INVALID_MESSAGE`.
    pub fn parse(plaintext: &[u8]) -> Result<Self> {
        let text = std::str::from_utf8(plaintext)
            .map_err(|_| Error::invalid_message("prompt is not valid UTF-8"))?;
        match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(object)) => Self::from_object(object),
            Ok(Value::String(prompt)) => Ok(Self::from_text(prompt)),
            // Numbers, arrays and non-JSON text are the prompt itself.
            Ok(_) | Err(_) => Ok(Self::from_text(text)),
        }
    }

    /// Builds a request from a JSON object (`prompt` fields at top level or under `request`).
    pub fn from_object(mut object: serde_json::Map<String, Value>) -> Result<Self> {
        if let Some(Value::Object(inner)) = object.remove("request") {
            object = inner;
        }
        let request: Self = serde_json::from_value(Value::Object(object))
            .map_err(|err| Error::invalid_message(crate::e2ee::wire::describe(&err)))?;
        if request.prompt.is_none() && request.messages.is_none() {
            return Err(Error::invalid_message(
                "prompt request needs `prompt` or `messages`",
            ));
        }
        Ok(request)
    }

    /// The JSON text a client encrypts.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("prompt requests always serialize")
    }
}

impl fmt::Debug for PromptRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PromptRequest")
            .field("prompt", &self.prompt.as_ref().map(|_| "<redacted>"))
            .field("messages", &self.messages.as_ref().map(Vec::len))
            .field("model", &self.model)
            .field("max_tokens", &self.max_tokens)
            .field("temperature", &self.temperature)
            .field("top_p", &self.top_p)
            .field("seed", &self.seed)
            .finish()
    }
}

impl fmt::Debug for ChatMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ChatMessage({}, <redacted>)", self.role)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_json_chat_string_and_plain_text() {
        let json = PromptRequest::parse(br#"{"prompt":"Hello","max_tokens":16,"temperature":0.7}"#)
            .unwrap();
        assert_eq!(json.prompt.as_deref(), Some("Hello"));
        assert_eq!(json.max_tokens, Some(16));
        let chat =
            PromptRequest::parse(br#"{"messages":[{"role":"user","content":"Hi"}]}"#).unwrap();
        assert_eq!(chat.messages.as_ref().unwrap()[0].content, "Hi");
        assert_eq!(
            PromptRequest::parse(br#""quoted""#)
                .unwrap()
                .prompt
                .as_deref(),
            Some("quoted")
        );
        assert_eq!(
            PromptRequest::parse(b"just text {")
                .unwrap()
                .prompt
                .as_deref(),
            Some("just text {")
        );
        let nested = PromptRequest::parse(br#"{"request":{"prompt":"x"}}"#).unwrap();
        assert_eq!(nested.prompt.as_deref(), Some("x"));
    }

    #[test]
    fn rejects_empty_objects_wrong_types_and_bad_utf8() {
        assert_eq!(
            PromptRequest::parse(b"42").unwrap().prompt.as_deref(),
            Some("42")
        );
        for bad in [&br#"{"model":"m"}"#[..], br#"{"prompt":5}"#, b"\xff\xfe"] {
            let err = PromptRequest::parse(bad).unwrap_err();
            assert_eq!(err.code(), crate::ErrorCode::InvalidMessage, "{bad:?}");
        }
        assert!(!format!("{:?}", PromptRequest::from_text("secret")).contains("secret"));
    }
}
