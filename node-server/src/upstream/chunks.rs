//! The JSON chunks of an OpenAI streaming response: which endpoint a request goes to, the text each
//! chunk carries, how the stream ended and its token counts (counted as the [module docs](super)
//! explain).

use serde_json::Value;

use crate::inference::{EngineError, FinishReason, GenerationEvent};

/// The OpenAI endpoint a prompt goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `POST /chat/completions` with `messages`; text in `choices[0].delta.content`.
    Chat,
    /// `POST /completions` with `prompt`; text in `choices[0].text`.
    Completions,
}

impl Endpoint {
    /// The path under the upstream's base URL.
    #[must_use]
    pub const fn path(self) -> &'static str {
        match self {
            Self::Chat => "/chat/completions",
            Self::Completions => "/completions",
        }
    }
}

/// What one stream has said so far.
#[derive(Debug)]
pub struct StreamTally {
    endpoint: Endpoint,
    deltas: u32,
    finish_reason: Option<FinishReason>,
    usage: Option<(u32, u32)>,
}

impl StreamTally {
    /// A stream from `endpoint` that has said nothing yet.
    #[must_use]
    pub const fn new(endpoint: Endpoint) -> Self {
        Self {
            endpoint,
            deltas: 0,
            finish_reason: None,
            usage: None,
        }
    }

    /// Takes one chunk (an SSE event's data) and returns its text, if it has any.
    ///
    /// `finish_reason` `length` is [`FinishReason::Length`]; every other reason (`stop`,
    /// `eos_token`, `stop_sequence`, `content_filter`, …) is a normal [`FinishReason::Stop`].
    ///
    /// # Errors
    /// [`EngineError::Inference`] when the chunk is not a JSON object or is an error object; the
    /// message never repeats the chunk.
    pub fn take(&mut self, data: &str) -> Result<Option<String>, EngineError> {
        let chunk: Value = serde_json::from_str(data)
            .ok()
            .filter(Value::is_object)
            .ok_or_else(|| upstream_error("the upstream sent a chunk that is not a JSON object"))?;
        if chunk.get("error").is_some_and(|error| !error.is_null()) {
            return Err(upstream_error(
                "the upstream reported an error in the stream",
            ));
        }
        if let Some(usage) = chunk.get("usage").filter(|usage| usage.is_object()) {
            self.usage = Some((
                count(&usage["prompt_tokens"]),
                count(&usage["completion_tokens"]),
            ));
        }
        let choice = &chunk["choices"][0];
        if let Some(reason) = choice["finish_reason"].as_str() {
            self.finish_reason = Some(match reason {
                "length" => FinishReason::Length,
                _ => FinishReason::Stop,
            });
        }
        let text = match self.endpoint {
            Endpoint::Chat => &choice["delta"]["content"],
            Endpoint::Completions => &choice["text"],
        };
        Ok(text.as_str().filter(|text| !text.is_empty()).map(|text| {
            self.deltas = self.deltas.saturating_add(1);
            text.to_owned()
        }))
    }

    /// The finish reason the upstream gave, if it gave one yet.
    #[must_use]
    pub const fn finish_reason(&self) -> Option<FinishReason> {
        self.finish_reason
    }

    /// The stream's `Done` event, ending for `finish_reason`.
    #[must_use]
    pub fn done(&self, finish_reason: FinishReason) -> GenerationEvent {
        let (prompt_tokens, completion_tokens) = self.usage.unwrap_or((0, self.deltas));
        GenerationEvent::Done {
            finish_reason,
            prompt_tokens,
            completion_tokens,
        }
    }
}

/// An [`EngineError::Inference`] about the upstream.
pub fn upstream_error(message: impl Into<String>) -> EngineError {
    EngineError::Inference(message.into())
}

/// A token count from the usage object (0 when missing, saturated at `u32::MAX`).
fn count(value: &Value) -> u32 {
    value
        .as_u64()
        .map_or(0, |n| u32::try_from(n).unwrap_or(u32::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chat_delta(content: &str, finish: Option<&str>) -> String {
        serde_json::json!({
            "id": "c1", "object": "chat.completion.chunk",
            "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": finish}]
        })
        .to_string()
    }

    #[test]
    fn chat_deltas_finish_and_usage() {
        let mut tally = StreamTally::new(Endpoint::Chat);
        let role = r#"{"choices":[{"index":0,"delta":{"role":"assistant"},"finish_reason":null}]}"#;
        assert_eq!(tally.take(role).unwrap(), None);
        assert_eq!(
            tally.take(&chat_delta("Hi", None)).unwrap().as_deref(),
            Some("Hi")
        );
        assert_eq!(tally.take(&chat_delta("", Some("length"))).unwrap(), None);
        assert_eq!(tally.finish_reason(), Some(FinishReason::Length));
        let usage =
            r#"{"choices":[],"usage":{"prompt_tokens":7,"completion_tokens":3,"total_tokens":10}}"#;
        assert_eq!(tally.take(usage).unwrap(), None);
        assert_eq!(
            tally.done(FinishReason::Length),
            GenerationEvent::Done {
                finish_reason: FinishReason::Length,
                prompt_tokens: 7,
                completion_tokens: 3
            }
        );
    }

    #[test]
    fn completions_text_and_counting_without_usage() {
        let mut tally = StreamTally::new(Endpoint::Completions);
        for text in ["a", "b", "c"] {
            let chunk =
                format!(r#"{{"choices":[{{"index":0,"text":"{text}","finish_reason":null}}]}}"#);
            assert_eq!(tally.take(&chunk).unwrap().as_deref(), Some(text));
        }
        let last =
            r#"{"choices":[{"index":0,"text":"","finish_reason":"eos_token"}],"usage":null}"#;
        assert_eq!(tally.take(last).unwrap(), None);
        assert_eq!(tally.finish_reason(), Some(FinishReason::Stop));
        assert_eq!(
            tally.done(FinishReason::Cancelled),
            GenerationEvent::Done {
                finish_reason: FinishReason::Cancelled,
                prompt_tokens: 0,
                completion_tokens: 3
            }
        );
    }

    #[test]
    fn malformed_and_error_chunks_fail_without_echoing_them() {
        let mut tally = StreamTally::new(Endpoint::Chat);
        for chunk in [
            "secret words",
            "[1,2]",
            r#"{"error":{"message":"secret words"}}"#,
        ] {
            let EngineError::Inference(message) = tally.take(chunk).unwrap_err() else {
                panic!("expected an inference error");
            };
            assert!(!message.contains("secret"), "{message}");
        }
    }
}
