//! One generation on one slot's context: prompt decoding, then the token loop that streams text.
//!
//! Runs on the slot's own thread. Between two tokens it checks the cancellation token and whether the
//! receiver is gone, so either stops the generation within one token. `blocking_send` on the bounded
//! channel makes a slow consumer slow down only its own generation.

use llama_cpp_2::context::LlamaContext;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::LlamaModel;
use llama_cpp_2::sampling::LlamaSampler;
use llama_cpp_2::token::LlamaToken;
use llama_cpp_2::vocab::LlamaVocab;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::utf8::Utf8Buffer;
use super::{EngineError, FinishReason, GenerationEvent, GenerationRequest};

/// llama.cpp's `LLAMA_DEFAULT_SEED`: the sampler draws a random seed.
const RANDOM_SEED: u32 = u32::MAX;

/// How to pick each token.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sampling {
    temperature: f32,
    top_p: f32,
    seed: u32,
}

impl Sampling {
    pub(crate) fn new(request: &GenerationRequest) -> Self {
        let seed = request.seed.map_or(RANDOM_SEED, |seed| {
            let folded = (seed as u32) ^ ((seed >> 32) as u32);
            // Keep explicit seeds reproducible: the one value llama.cpp reads as "random" moves next door.
            if folded == RANDOM_SEED {
                folded - 1
            } else {
                folded
            }
        });
        Self {
            temperature: request.temperature,
            top_p: request.top_p,
            seed,
        }
    }

    /// Greedy when the temperature is not positive; else temperature, then top-p, then a seeded draw.
    fn sampler(self) -> LlamaSampler {
        if self.temperature.is_nan() || self.temperature <= 0.0 {
            return LlamaSampler::greedy();
        }
        let mut chain = vec![LlamaSampler::temp(self.temperature)];
        if self.top_p < 1.0 {
            chain.push(LlamaSampler::top_p(self.top_p, 1));
        }
        chain.push(LlamaSampler::dist(self.seed));
        LlamaSampler::chain_simple(chain)
    }
}

/// A generation ready to run: the prompt is tokenized and known to fit in the context.
#[derive(Debug)]
pub(crate) struct Generation {
    pub(crate) prompt: Vec<LlamaToken>,
    pub(crate) sampling: Sampling,
    pub(crate) max_tokens: u32,
    /// Positions available to prompt + completion (at most the context's size).
    pub(crate) context_length: u32,
    pub(crate) cancel: CancellationToken,
    pub(crate) events: mpsc::Sender<GenerationEvent>,
}

impl Generation {
    /// Runs to the end and sends the final event (unless the receiver is gone).
    pub(crate) fn run(
        self,
        model: &LlamaModel,
        ctx: &mut LlamaContext<'_>,
        batch: &mut LlamaBatch<'_>,
    ) {
        let last = match self.generate(model, ctx, batch) {
            Ok((finish_reason, completion_tokens)) => GenerationEvent::Done {
                finish_reason,
                prompt_tokens: u32::try_from(self.prompt.len()).unwrap_or(u32::MAX),
                completion_tokens,
            },
            Err(error) => GenerationEvent::Failed(error),
        };
        // An error means the receiver is gone: nobody is left to tell.
        let _ = self.events.blocking_send(last);
    }

    /// Returns why generation ended and how many tokens were generated.
    fn generate(
        &self,
        model: &LlamaModel,
        ctx: &mut LlamaContext<'_>,
        batch: &mut LlamaBatch<'_>,
    ) -> Result<(FinishReason, u32), EngineError> {
        ctx.clear_kv_cache();
        if !self.decode_prompt(ctx, batch)? {
            return Ok((FinishReason::Cancelled, 0));
        }
        let vocab = model.vocab();
        let context_length = i32::try_from(self.context_length).map_err(inference)?;
        let mut position = i32::try_from(self.prompt.len()).map_err(inference)?;
        let mut sampler = self.sampling.sampler();
        let mut stream = TextStream::default();
        let mut completion_tokens = 0;
        let finish_reason = loop {
            if self.cancel.is_cancelled() || self.events.is_closed() {
                break FinishReason::Cancelled;
            }
            if completion_tokens == self.max_tokens {
                break FinishReason::Length;
            }
            let token = sampler.sample(ctx, batch.n_tokens() - 1);
            if vocab.is_eog(token) {
                break FinishReason::Stop;
            }
            completion_tokens += 1;
            if let Some(text) = stream.push(&vocab, token)
                && self.events.blocking_send(text).is_err()
            {
                break FinishReason::Cancelled;
            }
            if position == context_length {
                break FinishReason::Length;
            }
            batch.clear();
            batch.add(token, position, &[0], true).map_err(inference)?;
            ctx.decode(batch).map_err(inference)?;
            position += 1;
        };
        if let Some(text) = stream.finish() {
            let _ = self.events.blocking_send(text);
        }
        Ok((finish_reason, completion_tokens))
    }

    /// Decodes the prompt in chunks of the context's batch size, logits for the last token only.
    /// Returns false when cancelled between two chunks.
    fn decode_prompt(
        &self,
        ctx: &mut LlamaContext<'_>,
        batch: &mut LlamaBatch<'_>,
    ) -> Result<bool, EngineError> {
        let chunk_size = usize::try_from(ctx.n_batch()).map_err(inference)?;
        let last = self.prompt.len() - 1;
        for (chunk_index, chunk) in self.prompt.chunks(chunk_size).enumerate() {
            if self.cancel.is_cancelled() {
                return Ok(false);
            }
            batch.clear();
            for (offset, &token) in chunk.iter().enumerate() {
                let index = chunk_index * chunk_size + offset;
                let position = i32::try_from(index).map_err(inference)?;
                batch
                    .add(token, position, &[0], index == last)
                    .map_err(inference)?;
            }
            ctx.decode(batch).map_err(inference)?;
        }
        Ok(true)
    }
}

/// Token bytes to [`GenerationEvent::Text`] items of complete UTF-8. Text is emitted only at a character
/// boundary, so every item accounts for at least one token and no token is split between two items.
#[derive(Debug, Default)]
struct TextStream {
    utf8: Utf8Buffer,
    piece: Vec<u8>,
    /// Text and tokens since the last emitted item.
    text: String,
    tokens: u32,
}

impl TextStream {
    fn push(&mut self, vocab: &LlamaVocab<'_>, token: LlamaToken) -> Option<GenerationEvent> {
        self.tokens += 1;
        self.piece.clear();
        // Control tokens render as nothing; the text is what a user sees.
        vocab.token_to_piece_into(token, &mut self.piece, false, None);
        self.text.push_str(&self.utf8.push(&self.piece));
        if self.utf8.has_pending() {
            return None;
        }
        self.emit()
    }

    fn finish(&mut self) -> Option<GenerationEvent> {
        self.text.push_str(&self.utf8.finish());
        self.emit()
    }

    fn emit(&mut self) -> Option<GenerationEvent> {
        if self.text.is_empty() {
            return None;
        }
        Some(GenerationEvent::Text {
            text: std::mem::take(&mut self.text),
            tokens: std::mem::take(&mut self.tokens),
        })
    }
}

fn inference(error: impl std::fmt::Display) -> EngineError {
    EngineError::Inference(error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inference::{PromptInput, backend, demo_model};
    use llama_cpp_2::model::params::LlamaModelParams;

    fn request(temperature: f32, seed: Option<u64>) -> GenerationRequest {
        GenerationRequest {
            prompt: PromptInput::Text(String::new()),
            max_tokens: None,
            temperature,
            top_p: 1.0,
            seed,
        }
    }

    #[test]
    fn seeds_fold_to_32_bits_and_never_mean_random() {
        let seed = |s| Sampling::new(&request(1.0, s)).seed;
        assert_eq!(seed(None), RANDOM_SEED);
        assert_eq!(seed(Some(7)), 7);
        assert_eq!(seed(Some(0x0000_0001_0000_0003)), 2);
        assert_ne!(seed(Some(u64::from(u32::MAX))), RANDOM_SEED);
    }

    #[test]
    fn non_positive_temperatures_are_greedy() {
        let name = |t: f32| {
            let sampler = Sampling::new(&request(t, Some(1))).sampler();
            sampler.name().unwrap().to_str().unwrap().to_owned()
        };
        assert_eq!(name(0.0), "greedy");
        assert_eq!(name(-1.0), "greedy");
        assert_eq!(name(f32::NAN), "greedy");
        assert_eq!(name(0.7), "chain");
    }

    /// Streaming token by token gives exactly the text of detokenizing all tokens at once, for token
    /// sequences that split characters and contain invalid bytes and control tokens.
    #[test]
    fn streamed_text_equals_detokenized_text() {
        let dir = std::env::temp_dir().join(format!("confide-generate-{}", std::process::id()));
        let path = demo_model::ensure_demo_model(&dir).unwrap();
        let model = LlamaModel::load_from_file(
            backend::backend().unwrap(),
            &path,
            &LlamaModelParams::default(),
        )
        .unwrap();
        let vocab = model.vocab();
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        for _ in 0..200 {
            let tokens: Vec<LlamaToken> = (0..24)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    LlamaToken::new(i32::try_from(state % 262).unwrap())
                })
                .collect();
            let mut stream = TextStream::default();
            let mut events: Vec<_> = tokens
                .iter()
                .filter_map(|&t| stream.push(&vocab, t))
                .collect();
            events.extend(stream.finish());
            let streamed: String = events
                .iter()
                .map(|e| match e {
                    GenerationEvent::Text { text, .. } => text.as_str(),
                    other => panic!("unexpected {other:?}"),
                })
                .collect();
            let whole = vocab.detokenize(&tokens, false, false);
            assert_eq!(streamed, String::from_utf8_lossy(&whole));
            let counted: u32 = events
                .iter()
                .map(|e| match e {
                    GenerationEvent::Text { tokens, .. } => *tokens,
                    _ => 0,
                })
                .sum();
            assert!(counted <= 24, "no token is counted twice");
            assert!(
                events
                    .iter()
                    .all(|e| matches!(e, GenerationEvent::Text { tokens, .. } if *tokens > 0))
            );
        }
        std::fs::remove_dir_all(dir).unwrap();
    }
}
