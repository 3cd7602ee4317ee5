//! The plaintext of a prompt: JSON `{"prompt", …}` or `{"messages": […]}`, or plain text.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::e2ee::wire::describe;
use crate::error::{Error, Result};
use crate::signed::RawSignedMessage;

/// One chat message (`role` is `system`, `user` or `assistant`).
#[derive(Clone, PartialEq, Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
pub struct ChatMessage {
    /// Speaker role.
    pub role: String,
    /// Message text.
    pub content: String,
}

/// What the client asks the model (E2EE.md §2). Plaintext: zeroized on drop, hidden from `Debug`.
#[derive(Clone, Default, Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
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
    /// A `SignedMessage<LlmRequest>` the client signed (SIGNED_MESSAGES.md "Integration"); its bytes
    /// are kept exactly as received so the signature can be checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[zeroize(skip)]
    pub signed_request: Option<RawSignedMessage>,
}

impl PromptRequest {
    /// A request holding just `prompt`.
    pub fn from_text(prompt: impl Into<String>) -> Self {
        let mut request = Self::default();
        request.prompt = Some(prompt.into());
        request
    }

    /// Parses a decrypted prompt: a JSON object with `prompt` or `messages` (at top level or under
    /// `request`; other fields such as a frame's `type` are ignored), a JSON string, or any other text
    /// (the prompt itself). The object is read straight from the text, so an embedded
    /// `signed_request` keeps its exact bytes. Bad UTF-8 and malformed objects are `INVALID_MESSAGE`.
    pub fn parse(plaintext: &[u8]) -> Result<Self> {
        let text = std::str::from_utf8(plaintext)
            .map_err(|_| Error::invalid_message("prompt is not valid UTF-8"))?;
        if text.trim_start().starts_with('{') {
            return Self::parse_object(text);
        }
        match serde_json::from_str::<Value>(text) {
            Ok(Value::String(prompt)) => Ok(Self::from_text(prompt)),
            // Numbers, arrays and non-JSON text are the prompt itself.
            Ok(_) | Err(_) => Ok(Self::from_text(text)),
        }
    }

    fn parse_object(text: &str) -> Result<Self> {
        #[derive(Deserialize)]
        struct Nested<'a> {
            #[serde(borrow, default)]
            request: Option<&'a RawValue>,
        }
        let invalid =
            |err: serde_json::Error| Error::invalid_message(without_values(&describe(&err)));
        let nested: Nested<'_> = match serde_json::from_str(text) {
            Ok(nested) => nested,
            // Text that merely starts with a brace is still a prompt.
            Err(err) if err.is_syntax() || err.is_eof() => return Ok(Self::from_text(text)),
            Err(err) => return Err(invalid(err)),
        };
        let body = nested.request.map_or(text, RawValue::get);
        let request: Self = serde_json::from_str(body).map_err(invalid)?;
        if request.prompt.is_none() && request.messages.is_none() {
            return Err(Error::invalid_message(
                "prompt request needs `prompt` or `messages`",
            ));
        }
        request.check_sampling()?;
        Ok(request)
    }

    /// `INVALID_MESSAGE` naming the field when `temperature` or `top_p` is not a finite number: a
    /// JSON number beyond `f32` (`1e39`) reads as infinity, which no sampler can use and which
    /// serialises as `null`. The host checks every request it admits (signed contents too).
    pub fn check_sampling(&self) -> Result<()> {
        for (field, value) in [("temperature", self.temperature), ("top_p", self.top_p)] {
            if value.is_some_and(|v| !v.is_finite()) {
                return Err(Error::invalid_message(format_args!(
                    "`{field}` must be a finite number"
                )));
            }
        }
        Ok(())
    }

    /// The JSON text a client encrypts.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("prompt requests always serialize")
    }
}

/// Shows no text of the request (prompt, messages, roles, model: all decrypted plaintext), only
/// lengths, counts and the numeric options.
/// A parse error of a (possibly decrypted) prompt with every value serde quotes in backticks
/// (`integer \`5\``) dropped, so an error frame — sent in clear — never carries a number or word
/// from the prompt. Field names survive where serde names them (`missing field \`prompt\``).
fn without_values(message: &str) -> String {
    let names_a_field = ["missing field", "unknown field", "duplicate field"]
        .iter()
        .any(|prefix| message.starts_with(prefix));
    if names_a_field {
        return message
            .split(", expected")
            .next()
            .unwrap_or(message)
            .to_owned();
    }
    let mut out = String::with_capacity(message.len());
    let mut inside = false;
    for c in message.chars() {
        if c == '`' {
            if !inside {
                out.push_str("`…`");
            }
            inside = !inside;
        } else if !inside {
            out.push(c);
        }
    }
    out
}

impl fmt::Debug for PromptRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PromptRequest")
            .field("prompt_len", &self.prompt.as_ref().map(String::len))
            .field("messages", &self.messages)
            .field("model_len", &self.model.as_ref().map(String::len))
            .field("max_tokens", &self.max_tokens)
            .field("temperature", &self.temperature)
            .field("top_p", &self.top_p)
            .field("seed", &self.seed)
            .field("stream", &self.stream)
            .field("signed_request", &self.signed_request.is_some())
            .finish()
    }
}

/// Shows the lengths of role and content, never their text.
impl fmt::Debug for ChatMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChatMessage")
            .field("role_len", &self.role.len())
            .field("content_len", &self.content.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sampling_values_beyond_f32_are_refused() {
        // Found by the `session_data` fuzz target: `1e39` read as infinity, serialised as `null`.
        for (text, field) in [
            (r#"{"prompt":"x","temperature":1e39}"#, "`temperature`"),
            (r#"{"prompt":"x","top_p":-1e300}"#, "`top_p`"),
        ] {
            let error = PromptRequest::parse(text.as_bytes()).unwrap_err();
            assert_eq!(error.code(), crate::ErrorCode::InvalidMessage);
            assert!(error.message().contains(field), "{}", error.message());
        }
        let edge = PromptRequest::parse(br#"{"prompt":"x","temperature":3.4e38}"#).unwrap();
        assert_eq!(edge.temperature, Some(3.4e38));
    }

    #[test]
    fn errors_never_echo_a_value_of_the_prompt() {
        for text in [
            r#"{"prompt":"x","max_tokens":-77777}"#,
            r#"{"prompt":"x","temperature":"77777"}"#,
            r#"{"prompt":77777}"#,
            r#"{"messages":[{"role":"user","content":77777}]}"#,
        ] {
            let error = PromptRequest::parse(text.as_bytes()).unwrap_err();
            assert_eq!(error.code(), crate::ErrorCode::InvalidMessage);
            assert!(!error.message().contains("77777"), "{text}: {error}");
        }
        let missing = PromptRequest::parse(br#"{"messages":[{"role":"user"}]}"#).unwrap_err();
        assert!(missing.message().contains("content"), "{missing}");
    }

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

    #[test]
    fn debug_shows_lengths_and_numbers_but_no_text() {
        let request = PromptRequest::parse(
            br#"{"prompt":"SECRET-P","model":"SECRET-M","max_tokens":16,
                "messages":[{"role":"SECRET-R","content":"SECRET-C"},{"role":"user","content":"x"}]}"#,
        )
        .unwrap();
        let debug = format!("{request:?}");
        assert!(!debug.contains("SECRET"), "{debug}");
        assert!(debug.contains("prompt_len: Some(8)"), "{debug}");
        assert!(debug.contains("role_len: 8, content_len: 8"), "{debug}");
        assert!(debug.contains("max_tokens: Some(16)"), "{debug}");
    }

    #[test]
    fn signed_requests_keep_their_bytes_through_parse_and_to_json() {
        use crate::crypto::SecretKey;
        use crate::signed::{MessageScheme, SignOptions, SignedMessage, VerifyPolicy};
        let key = SecretKey::from_bytes(&[7; 32]).unwrap();
        let payload =
            serde_json::json!({"model": "m", "prompt": "signed text", "zeta": 1, "alpha": 2});
        let options = SignOptions {
            timestamp: 100,
            nonce: Some(1),
            scheme: MessageScheme::ConfideV1,
        };
        let envelope = SignedMessage::sign(payload, &key, options)
            .unwrap()
            .to_json();
        for text in [
            format!(r#"{{"prompt":"outer","signed_request":{envelope}}}"#),
            format!(
                r#"{{"type":"prompt","id":"m","request":{{"prompt":"outer","signed_request":{envelope}}}}}"#
            ),
        ] {
            let request = PromptRequest::parse(text.as_bytes()).unwrap();
            let signed = request.signed_request.as_ref().unwrap();
            assert_eq!(
                signed.verify(&VerifyPolicy::default(), 100).unwrap().signer,
                Some(key.address())
            );
            let again = PromptRequest::parse(request.to_json().as_bytes()).unwrap();
            let resigned = again.signed_request.as_ref().unwrap();
            assert!(resigned.verify(&VerifyPolicy::default(), 100).is_ok());
        }
        assert_eq!(
            PromptRequest::parse(b"{not json")
                .unwrap()
                .prompt
                .as_deref(),
            Some("{not json")
        );
    }
}
