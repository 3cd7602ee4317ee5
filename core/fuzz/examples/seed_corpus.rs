//! Writes the seed corpus of every fuzz target to `core/fuzz/corpus/<target>/`: real inputs built
//! with the core's own APIs (inits, sealed prompts, signed envelopes, session data) or taken from
//! the repository's test vectors (Warp messages, LLMFeed documents). The structured targets
//! (`host_engine`, `client_frame`) read their input as a list of actions; their seeds are a few
//! fixed action lists, and the corpus they grow is minimized and committed by `scripts/fuzz.sh`.
//!
//! Run from anywhere: `cargo +nightly run --manifest-path core/fuzz/Cargo.toml --example seed_corpus`.

use std::fs;
use std::path::{Path, PathBuf};

use confide_core::crypto::{SymmetricKey, random_nonce};
use confide_core::e2ee::{ClientSession, SessionData, SignatureScheme, WireId};
use confide_core::signed::{MessageScheme, RawSignedMessage, SignOptions};
use confide_core::warp::SignatureRequest;
use confide_core_fuzz::{HOST_KEY, NOW_MS, init_params, init_secrets, key, rng};
use serde_json::Value;

fn main() {
    let fuzz_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let vectors = fuzz_dir.join("../tests/vectors");
    let corpus = fuzz_dir.join("corpus");
    let frames = e2ee_frames();
    write(&corpus, "host_frame", &[frames.join("\n").into_bytes()]);
    write(&corpus, "session_data", &session_data_seeds());
    write(&corpus, "signed_envelope", &envelope_seeds());
    let warp = warp_hex_fields(&vectors.join("warp"));
    write(&corpus, "warp_codec", &warp);
    write(&corpus, "warp_lp118", &lp118_seeds(&warp));
    write(
        &corpus,
        "feed",
        &feed_seeds(&vectors.join("llmfeed/llmfeed-spec/.well-known")),
    );
    // Action lists: init, prompt, generation events, cancels, replays (see the targets' docs).
    let actions: Vec<Vec<u8>> = (0u8..8)
        .map(|i| {
            (0..96)
                .map(|j: u8| j.wrapping_mul(37).wrapping_add(i * 11))
                .collect()
        })
        .collect();
    write(&corpus, "host_engine", &actions);
    write(&corpus, "client_frame", &actions);
}

/// An init, two sealed prompts (completion and chat), a cancel and a ping, as a client sends them.
fn e2ee_frames() -> Vec<String> {
    let mut rng = rng();
    let mut client = ClientSession::new(*key(HOST_KEY).public_key(), SignatureScheme::Eip191);
    let init = client
        .init_message_with(
            &key(0x22),
            &init_params("s", true, NOW_MS),
            init_secrets(1, [0x55; 32]),
        )
        .expect("init");
    let prompt = client
        .seal_prompt(
            &mut rng,
            &WireId::from("m1"),
            br#"{"prompt":"Hello","max_tokens":8}"#,
        )
        .expect("seal");
    let chat = client
        .seal_prompt(
            &mut rng,
            &WireId::from("m2"),
            br#"{"messages":[{"role":"user","content":"Hi"}],"temperature":0.5}"#,
        )
        .expect("seal");
    vec![
        init,
        prompt,
        chat,
        r#"{"type":"stream_cancel","session_id":"s","id":"m1"}"#.to_owned(),
        r#"{"type":"ping","id":"p"}"#.to_owned(),
    ]
}

fn session_data_seeds() -> Vec<Vec<u8>> {
    let data = SessionData {
        session_key: SymmetricKey::from_bytes([0x55; 32]),
        job_id: Some("15".into()),
        model_name: Some("CohereForAI/TinyVicuna-1B-32k-GGUF:tiny-vicuna-1b.q4_k_m.gguf".into()),
        price_per_token: Some(2_272_727_273),
        recovery_public_key: Some(*key(0x22).public_key()),
        timestamp: Some(NOW_MS / 1000),
        chain_id: Some(84532),
    };
    let nonce = random_nonce(&mut rng());
    vec![
        data.to_json().as_bytes().to_vec(),
        br#"{"sessionKey":"0x5555555555555555555555555555555555555555555555555555555555555555","jobId":15,"pricePerToken":1}"#.to_vec(),
        br#"{"prompt":"What is the capital of France?","max_tokens":16,"temperature":0,"seed":1}"#.to_vec(),
        br#"{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"}]}"#.to_vec(),
        br#"{"type":"prompt","request":{"prompt":"nested"}}"#.to_vec(),
        nonce.to_vec(),
        b"plain text prompt".to_vec(),
        // Regression: beyond f32, read as infinity (refused since; see core/tests/host_engine.rs).
        br#"{"prompt":"x","temperature":1e39}"#.to_vec(),
        br#"{"prompt":"x","top_p":-1e300}"#.to_vec(),
    ]
}

/// Real envelopes (both schemes), prefixed with the target's mode byte: raw text, default policy.
fn envelope_seeds() -> Vec<Vec<u8>> {
    [MessageScheme::ConfideV1, MessageScheme::LloomV1]
        .into_iter()
        .map(|scheme| {
            let options = SignOptions {
                timestamp: NOW_MS / 1000,
                nonce: Some(7),
                scheme,
            };
            let envelope = RawSignedMessage::sign_json(
                r#"{"model":"m","prompt":"hi","max_tokens":8}"#,
                &key(0x22),
                options,
            )
            .expect("sign");
            let mut seed = vec![0b0000_0010];
            seed.extend_from_slice(envelope.to_json().as_bytes());
            seed
        })
        .collect()
}

/// Every hex string of the Warp vectors that decodes (messages, signatures, keys).
fn warp_hex_fields(dir: &Path) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for file in files(dir) {
        let value: Value = serde_json::from_slice(&fs::read(file).expect("read")).expect("json");
        collect_hex(&value, &mut out);
    }
    out
}

fn collect_hex(value: &Value, out: &mut Vec<Vec<u8>>) {
    match value {
        Value::String(text) if text.len() >= 64 => {
            if let Ok(bytes) = confide_core::hex::decode("vector", text) {
                out.push(bytes);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_hex(v, out)),
        Value::Object(map) => map.values().for_each(|v| collect_hex(v, out)),
        _ => {}
    }
}

/// LP-118 requests around each vector message, and 96-byte signatures with and without the
/// length prefix.
fn lp118_seeds(warp: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for bytes in warp {
        let request = SignatureRequest {
            message: bytes.clone(),
            justification: b"justification".to_vec(),
        };
        if let Ok(encoded) = request.to_bytes() {
            out.push(encoded);
        }
        if bytes.len() == 96 {
            let mut prefixed = 96u32.to_be_bytes().to_vec();
            prefixed.extend_from_slice(bytes);
            out.push(prefixed);
            out.push(bytes.clone());
        }
    }
    out
}

fn feed_seeds(dir: &Path) -> Vec<Vec<u8>> {
    files(dir)
        .into_iter()
        .take(6)
        .map(|file| fs::read(file).expect("read"))
        .collect()
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

/// Writes `seeds` as `seed-N` files of `corpus/target/`.
fn write(corpus: &Path, target: &str, seeds: &[Vec<u8>]) {
    let dir = corpus.join(target);
    fs::create_dir_all(&dir).expect("corpus dir");
    for (n, seed) in seeds.iter().enumerate() {
        fs::write(dir.join(format!("seed-{n}")), seed).expect("write seed");
    }
    println!("{target}: {} seeds in {}", seeds.len(), dir.display());
}
