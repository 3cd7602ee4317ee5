//! The built-in demo model: a tiny llama-architecture GGUF with random weights from a fixed seed.
//!
//! Its output is meaningless text. It exists so that the whole pipeline (llama.cpp loading, tokenizing, chat
//! template, sampling, streaming) runs and is tested on a machine with no model download. The file is
//! 437,216 bytes (427 KiB) and byte-identical on every run.
//!
//! Vocabulary (llama.cpp "llama"/SPM tokenizer, byte fallback): 0 `<unk>`, 1 `<s>`, 2 `</s>`,
//! 3–258 `<0x00>`…`<0xFF>`, 259 `▁` (a space), 260 `<|im_start|>`, 261 `<|im_end|>`; the chat template is
//! ChatML, which llama.cpp recognises. The output rows of the special tokens are zero, so greedy decoding
//! never ends on its own (it runs to `max_tokens`) while sampling ends at random on `</s>` or `<|im_end|>`.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::gguf::{GgufWriter, Tensor, Value};

/// File name of the demo model inside the cache directory.
pub const DEMO_MODEL_FILE: &str = "confide-demo.gguf";

/// The ChatML template (Jinja form, as in real models); llama.cpp detects it by `<|im_start|>`.
const CHAT_TEMPLATE: &str = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + \
message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}\
{{ '<|im_start|>assistant\\n' }}{% endif %}";

/// Special tokens, by id (the byte tokens and `▁` sit between `</s>` and `<|im_start|>`).
const UNK: &str = "<unk>";
const BOS: &str = "<s>";
const EOS: &str = "</s>";
const SPACE: &str = "▁";
const IM_START: &str = "<|im_start|>";
const IM_END: &str = "<|im_end|>";
const VOCAB_SIZE: usize = 262;

/// llama.cpp token types.
const TOKEN_NORMAL: i32 = 1;
const TOKEN_UNKNOWN: i32 = 2;
const TOKEN_CONTROL: i32 = 3;
const TOKEN_BYTE: i32 = 6;

/// Seed of the weight generator: changing it changes every weight (and the file).
const SEED: u64 = 0x00C0_4F1D_E5EE_D001;

/// The shape of a llama model, checked by [`HyperParams::validate`] before anything is written, because
/// llama.cpp aborts the whole process (instead of returning an error) on some inconsistent shapes.
#[derive(Debug, Clone, Copy)]
struct HyperParams {
    vocab: usize,
    embedding: usize,
    layers: usize,
    heads: usize,
    kv_heads: usize,
    feed_forward: usize,
    context: usize,
    rms_epsilon: f32,
    rope_base: f32,
}

const DEMO: HyperParams = HyperParams {
    vocab: VOCAB_SIZE,
    embedding: 64,
    layers: 2,
    heads: 4,
    kv_heads: 2,
    feed_forward: 128,
    context: 2048,
    rms_epsilon: 1e-5,
    rope_base: 10_000.0,
};

impl HyperParams {
    fn head_dim(&self) -> usize {
        self.embedding / self.heads
    }

    fn kv_dim(&self) -> usize {
        self.head_dim() * self.kv_heads
    }

    fn validate(&self) -> Result<(), String> {
        let positive = [
            ("vocab", self.vocab),
            ("embedding", self.embedding),
            ("layers", self.layers),
            ("heads", self.heads),
            ("kv_heads", self.kv_heads),
            ("feed_forward", self.feed_forward),
            ("context", self.context),
        ];
        if let Some((name, _)) = positive.iter().find(|(_, v)| *v == 0) {
            return Err(format!("{name} must be positive"));
        }
        if !self.embedding.is_multiple_of(self.heads) {
            return Err("embedding must be a multiple of heads".into());
        }
        if !self.head_dim().is_multiple_of(2) {
            return Err("head dimension (embedding / heads) must be even for RoPE".into());
        }
        if !self.heads.is_multiple_of(self.kv_heads) {
            return Err("heads must be a multiple of kv_heads".into());
        }
        if !(self.rms_epsilon > 0.0 && self.rms_epsilon.is_finite()) {
            return Err("rms_epsilon must be positive".into());
        }
        if !(self.rope_base > 0.0 && self.rope_base.is_finite()) {
            return Err("rope_base must be positive".into());
        }
        if u32::try_from(self.vocab.max(self.context).max(self.feed_forward)).is_err() {
            return Err("dimensions must fit in u32".into());
        }
        Ok(())
    }
}

/// Writes the demo model into `cache_dir` (created if missing) unless an identical file is already there, and
/// returns its path. The file is replaced atomically (temporary file + rename), so a concurrent reader sees
/// either the old or the new file, never a partial one.
///
/// # Errors
/// Any I/O error from creating the directory or writing the file.
pub fn ensure_demo_model(cache_dir: &Path) -> io::Result<PathBuf> {
    let bytes = demo_model_bytes().map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
    let path = cache_dir.join(DEMO_MODEL_FILE);
    if fs::read(&path).is_ok_and(|existing| existing == bytes) {
        return Ok(path);
    }
    fs::create_dir_all(cache_dir)?;
    // Unique per process and per call, so concurrent writers never share a temporary file.
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let temp = cache_dir.join(format!(
        ".{DEMO_MODEL_FILE}.{}.{}.tmp",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let written = fs::write(&temp, &bytes).and_then(|()| fs::rename(&temp, &path));
    if written.is_err() {
        let _ = fs::remove_file(&temp);
    }
    written.map(|()| path)
}

/// The demo model's file contents.
fn demo_model_bytes() -> Result<Vec<u8>, String> {
    DEMO.validate()?;
    Ok(build(&DEMO).to_bytes())
}

fn build(hp: &HyperParams) -> GgufWriter {
    let u32_of = |v: usize| Value::U32(u32::try_from(v).expect("validated to fit in u32"));
    let mut w = GgufWriter::new(32);
    w.metadata("general.architecture", Value::Str("llama".into()));
    w.metadata("general.name", Value::Str("confide-demo".into()));
    w.metadata("llama.context_length", u32_of(hp.context));
    w.metadata("llama.embedding_length", u32_of(hp.embedding));
    w.metadata("llama.block_count", u32_of(hp.layers));
    w.metadata("llama.feed_forward_length", u32_of(hp.feed_forward));
    w.metadata("llama.attention.head_count", u32_of(hp.heads));
    w.metadata("llama.attention.head_count_kv", u32_of(hp.kv_heads));
    w.metadata("llama.rope.dimension_count", u32_of(hp.head_dim()));
    w.metadata("llama.rope.freq_base", Value::F32(hp.rope_base));
    w.metadata(
        "llama.attention.layer_norm_rms_epsilon",
        Value::F32(hp.rms_epsilon),
    );
    w.metadata("tokenizer.ggml.model", Value::Str("llama".into()));
    let (tokens, types) = vocabulary();
    w.metadata("tokenizer.ggml.tokens", Value::StrArray(tokens));
    w.metadata("tokenizer.ggml.token_type", Value::I32Array(types));
    w.metadata("tokenizer.ggml.add_space_prefix", Value::Bool(false));
    w.metadata("tokenizer.chat_template", Value::Str(CHAT_TEMPLATE.into()));

    let mut rng = SplitMix64(SEED);
    let (e, v, f, kv) = (hp.embedding, hp.vocab, hp.feed_forward, hp.kv_dim());
    let mut random = |name: &str, dims: [usize; 2], fan_in: usize| Tensor {
        name: name.to_owned(),
        dims: dims.iter().map(|&d| d as u64).collect(),
        data: rng.uniform(dims[0] * dims[1], (3.0 / fan_in as f32).sqrt()),
    };
    let ones = |name: &str| Tensor {
        name: name.to_owned(),
        dims: vec![e as u64],
        data: vec![1.0; e],
    };
    w.tensor(random("token_embd.weight", [e, v], 1));
    for layer in 0..hp.layers {
        let name = |suffix: &str| format!("blk.{layer}.{suffix}.weight");
        w.tensor(ones(&name("attn_norm")));
        w.tensor(random(&name("attn_q"), [e, e], e));
        w.tensor(random(&name("attn_k"), [e, kv], e));
        w.tensor(random(&name("attn_v"), [e, kv], e));
        w.tensor(random(&name("attn_output"), [e, e], e));
        w.tensor(ones(&name("ffn_norm")));
        w.tensor(random(&name("ffn_gate"), [e, f], e));
        w.tensor(random(&name("ffn_up"), [e, f], e));
        w.tensor(random(&name("ffn_down"), [f, e], f));
    }
    w.tensor(ones("output_norm.weight"));
    // Logits with a standard deviation of ~3 (after the final RMS norm), so greedy choices are clear-cut.
    let mut output = random("output.weight", [e, v], 1);
    output
        .data
        .iter_mut()
        .for_each(|x| *x *= 3.0 / (e as f32).sqrt());
    for (row, token_type) in output.data.chunks_mut(e).zip(vocabulary().1) {
        if token_type != TOKEN_NORMAL && token_type != TOKEN_BYTE {
            row.fill(0.0);
        }
    }
    w.tensor(output);
    w
}

/// Token texts and types, by id.
fn vocabulary() -> (Vec<String>, Vec<i32>) {
    let mut tokens = vec![
        (UNK.to_owned(), TOKEN_UNKNOWN),
        (BOS.to_owned(), TOKEN_CONTROL),
        (EOS.to_owned(), TOKEN_CONTROL),
    ];
    tokens.extend((0..=u8::MAX).map(|b| (format!("<0x{b:02X}>"), TOKEN_BYTE)));
    tokens.push((SPACE.to_owned(), TOKEN_NORMAL));
    tokens.push((IM_START.to_owned(), TOKEN_CONTROL));
    tokens.push((IM_END.to_owned(), TOKEN_CONTROL));
    debug_assert_eq!(tokens.len(), VOCAB_SIZE);
    tokens.into_iter().unzip()
}

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast, and stable forever, unlike a library's RNG stream.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// `n` values uniform in `[-bound, bound)`.
    fn uniform(&mut self, n: usize, bound: f32) -> Vec<f32> {
        (0..n)
            .map(|_| {
                // The top 24 bits give an exact f32 in [0, 1).
                let unit = (self.next_u64() >> 40) as f32 / (1u32 << 24) as f32;
                (unit * 2.0 - 1.0) * bound
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_hyper_parameters_are_valid() {
        assert_eq!(DEMO.validate(), Ok(()));
        assert_eq!(DEMO.head_dim(), 16);
        assert_eq!(DEMO.kv_dim(), 32);
    }

    #[test]
    fn shapes_that_would_abort_llama_cpp_are_rejected() {
        let cases = [
            (HyperParams { heads: 3, ..DEMO }, "multiple of heads"),
            (
                HyperParams {
                    embedding: 36,
                    heads: 4,
                    ..DEMO
                },
                "even",
            ),
            (
                HyperParams {
                    kv_heads: 3,
                    ..DEMO
                },
                "multiple of kv_heads",
            ),
            (HyperParams { layers: 0, ..DEMO }, "layers must be positive"),
            (
                HyperParams {
                    rms_epsilon: 0.0,
                    ..DEMO
                },
                "rms_epsilon",
            ),
            (
                HyperParams {
                    rope_base: f32::NAN,
                    ..DEMO
                },
                "rope_base",
            ),
        ];
        for (params, expected) in cases {
            let error = params.validate().unwrap_err();
            assert!(
                error.contains(expected),
                "{error} should mention {expected}"
            );
        }
    }

    #[test]
    fn vocabulary_follows_the_documented_layout() {
        let (tokens, types) = vocabulary();
        assert_eq!(tokens.len(), DEMO.vocab);
        assert_eq!(types.len(), DEMO.vocab);
        assert_eq!((tokens[0].as_str(), types[0]), (UNK, TOKEN_UNKNOWN));
        assert_eq!(tokens[3], "<0x00>");
        assert_eq!(tokens[3 + 0x48], "<0x48>");
        assert_eq!((tokens[258].as_str(), types[258]), ("<0xFF>", TOKEN_BYTE));
        assert_eq!((tokens[259].as_str(), types[259]), (SPACE, TOKEN_NORMAL));
        assert_eq!((tokens[261].as_str(), types[261]), (IM_END, TOKEN_CONTROL));
    }

    #[test]
    fn the_prng_is_the_reference_splitmix64() {
        // First outputs for seed 0 from the reference implementation.
        let mut rng = SplitMix64(0);
        assert_eq!(rng.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(rng.next_u64(), 0x6E78_9E6A_A1B9_65F4);
        let values = SplitMix64(SEED).uniform(10_000, 0.5);
        assert!(values.iter().all(|v| (-0.5..0.5).contains(v)));
    }
}
