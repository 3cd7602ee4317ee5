//! The engine's bookkeeping of one running generation: which request it answers, chunk numbering
//! (holding back the newest chunk so the last one can be marked `final`) and the response hash for
//! the receipt.

use super::receipt::ResponseHasher;
use crate::e2ee::WireId;

/// A chunk ready to send.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct ReadyChunk {
    /// Index within the response, from 0.
    pub index: u64,
    /// The text.
    pub text: String,
    /// Tokens it completes.
    pub tokens: u64,
}

/// One running generation of a connection.
#[derive(Debug)]
pub(crate) struct ActiveGeneration {
    /// The session it answers.
    pub session_id: WireId,
    /// The request id it answers.
    pub request_id: Option<WireId>,
    /// Whether the session is encrypted.
    pub encrypted: bool,
    /// The model serving it, for the receipt.
    pub model: Option<String>,
    /// SHA-256 over the whole response, for the receipt.
    pub hasher: ResponseHasher,
    /// The serving model's context window, for `stream_end.usage`.
    pub context_window: Option<u64>,
    /// Whether the request's `max_tokens` was lowered to the model's cap.
    pub max_tokens_capped: bool,
    next_index: u64,
    held: Option<(String, u64)>,
}

impl ActiveGeneration {
    /// A generation that has produced nothing yet.
    pub fn new(
        session_id: WireId,
        request_id: Option<WireId>,
        encrypted: bool,
        model: Option<String>,
    ) -> Self {
        Self {
            session_id,
            request_id,
            encrypted,
            model,
            hasher: ResponseHasher::default(),
            context_window: None,
            max_tokens_capped: false,
            next_index: 0,
            held: None,
        }
    }

    /// Whether it answers `request_id` of `session_id`.
    pub fn answers(&self, session_id: &WireId, request_id: Option<&WireId>) -> bool {
        self.session_id == *session_id && self.request_id.as_ref() == request_id
    }

    /// Takes new text; returns the previously held chunk, now known not to be the last.
    pub fn push_text(&mut self, text: String, tokens: u64) -> Option<ReadyChunk> {
        self.hasher.update(&text);
        self.held
            .replace((text, tokens))
            .map(|(text, tokens)| self.number(text, tokens))
    }

    /// The held chunk, which is the last one.
    pub fn take_last(&mut self) -> Option<ReadyChunk> {
        self.held
            .take()
            .map(|(text, tokens)| self.number(text, tokens))
    }

    fn number(&mut self, text: String, tokens: u64) -> ReadyChunk {
        let index = self.next_index;
        self.next_index += 1;
        ReadyChunk {
            index,
            text,
            tokens,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_back_one_chunk_so_the_last_can_be_final() {
        let mut generation = ActiveGeneration::new(WireId::from("s"), None, true, None);
        assert_eq!(generation.push_text("a".into(), 1), None);
        let first = generation.push_text("b".into(), 2).unwrap();
        assert_eq!(
            (first.index, first.text.as_str(), first.tokens),
            (0, "a", 1)
        );
        let last = generation.take_last().unwrap();
        assert_eq!((last.index, last.text.as_str()), (1, "b"));
        assert_eq!(generation.take_last(), None);
        assert!(generation.answers(&WireId::from("s"), None));
        assert!(!generation.answers(&WireId::from("s"), Some(&WireId::from("x"))));
    }
}
