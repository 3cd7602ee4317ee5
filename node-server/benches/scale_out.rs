//! Scale-out figures (docs/DEPLOY.md), side by side in one run on loopback:
//! - `store`: session handshakes per second end to end with the replay memory in Redis
//!   (`--replay-store`) against in-process, alternating;
//! - `upstream`: SmolLM2-135M-Instruct through llama-cpp-python's OpenAI-compatible server,
//!   encrypted against plaintext tokens/s (target: encryption costs ≤ 3%);
//! - `embedded`: the same model through the embedded llama.cpp engine, encrypted against plaintext.
//!
//! Needs `CONFIDE_REDIS_SERVER`, `CONFIDE_LLAMA_CPP_PYTHON` and `CONFIDE_SMOLLM2_GGUF` (a
//! measurement whose variable is unset says so and is left out): `scripts/scale-out-test.sh
//! --figures` sets them and runs `cargo bench -p confide-node-server --bench scale_out`; names
//! after `--` run only those measurements.

mod common;

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{encrypted_vs_plaintext, handshakes_per_second, host_key, median, selected};
use confide_node_server::backend::Backend;
use confide_node_server::config::ServerConfig;
use confide_node_server::inference::{EngineConfig, LlamaEngine, demo_model};
use confide_node_server::server::{AppState, ServedModel};
use confide_node_server::upstream::{OpenAiUpstream, UpstreamConfig};
use serde_json::{Value, json};

/// Alternating runs per figure.
const RUNS: usize = 10;
/// Handshake rounds per store.
const HANDSHAKE_ROUNDS: usize = 3;
/// Tokens per generation in the streaming figures.
const TOKENS: u32 = 128;

/// A child process killed on drop.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn env(var: &str, figure: &str) -> Option<String> {
    let value = std::env::var(var).ok().filter(|v| !v.is_empty());
    if value.is_none() {
        println!("{figure}: left out ({var} is not set)");
    }
    value
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `command` listening on `port` and waits until the port answers.
fn start(command: &mut Command, port: u16) -> Process {
    let process = Process(
        command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{command:?} did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    process
}

async fn host(model: ServedModel, replay_store: Option<String>) -> String {
    let mut config = ServerConfig::default();
    config.limits.rate_limit = 100_000;
    config.replay_store = replay_store;
    common::serve(AppState::new(config, Some(host_key()), vec![model]).unwrap()).await
}

fn demo_model() -> ServedModel {
    let dir = std::env::temp_dir().join("confide-bench-model");
    let config = EngineConfig {
        model_path: demo_model::ensure_demo_model(&dir).unwrap(),
        ctx_size: 512,
        parallel: 1,
        max_tokens: 64,
    };
    ServedModel::new(Backend::Llama(Arc::new(LlamaEngine::load(config).unwrap())))
}

/// A greedy chat request that keeps SmolLM2 talking for [`TOKENS`] tokens or so.
fn story(model: &str) -> Value {
    json!({
        "model": model,
        "messages": [{"role": "user", "content": "Tell me a long story about a dragon and a knight."}],
        "max_tokens": TOKENS,
        "temperature": 0.0,
    })
}

fn print_streaming(what: &str, (encrypted, plaintext, tokens): (f64, f64, u64)) {
    let slower = (plaintext / encrypted - 1.0) * 100.0;
    println!(
        "{what}, {tokens} tokens, median of {RUNS}: encrypted {encrypted:.1} tokens/s, plaintext {plaintext:.1} tokens/s, encrypted slower by {slower:.1}% (target ≤ 3%)"
    );
}

async fn store_figures() {
    let Some(redis_server) = env("CONFIDE_REDIS_SERVER", "store") else {
        return;
    };
    let port = free_port();
    let _redis = start(
        Command::new(redis_server)
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .args(["--save", "", "--appendonly", "no"]),
        port,
    );
    let in_process = host(demo_model(), None).await;
    let redis = host(demo_model(), Some(format!("redis://127.0.0.1:{port}"))).await;
    let (mut local, mut shared) = (Vec::new(), Vec::new());
    for _ in 0..HANDSHAKE_ROUNDS {
        local.push(handshakes_per_second(&in_process).await);
        shared.push(handshakes_per_second(&redis).await);
    }
    let (local, shared) = (median(local), median(shared));
    println!(
        "handshakes end to end, {} concurrent clients, median of {HANDSHAKE_ROUNDS}: in-process replay memory {local:.0}/s, Redis replay store {shared:.0}/s ({:+.1}%)",
        common::HANDSHAKE_CONCURRENCY,
        (shared / local - 1.0) * 100.0
    );
}

async fn upstream_figures() {
    let (Some(python), Some(gguf)) = (
        env("CONFIDE_LLAMA_CPP_PYTHON", "upstream"),
        env("CONFIDE_SMOLLM2_GGUF", "upstream"),
    ) else {
        return;
    };
    let port = free_port();
    let _server = start(
        Command::new(python)
            .args([
                concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/tests/support/llama_cpp_server.py"
                ),
                "--model",
                &gguf,
                "--model_alias",
                "smollm2",
            ])
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--n_ctx", "2048", "--verbose", "false"]),
        port,
    );
    let upstream = OpenAiUpstream::new(UpstreamConfig {
        max_tokens: TOKENS,
        context_length: 2048,
        ..UpstreamConfig::new(format!("http://127.0.0.1:{port}/v1"), "smollm2")
    })
    .unwrap();
    let url = host(ServedModel::new(Backend::OpenAi(Arc::new(upstream))), None).await;
    let figures = encrypted_vs_plaintext(&url, &story("smollm2"), RUNS).await;
    print_streaming("SmolLM2 through llama-cpp-python (upstream)", figures);
}

async fn embedded_figures() {
    let Some(gguf) = env("CONFIDE_SMOLLM2_GGUF", "embedded") else {
        return;
    };
    let engine = LlamaEngine::load(EngineConfig {
        model_path: PathBuf::from(gguf),
        ctx_size: 2048,
        parallel: 1,
        max_tokens: TOKENS,
    })
    .unwrap();
    let model = ServedModel::new(Backend::Llama(Arc::new(engine)));
    let id = model.info.id.clone();
    let url = host(model, None).await;
    let figures = encrypted_vs_plaintext(&url, &story(&id), RUNS).await;
    print_streaming("SmolLM2 through the embedded engine", figures);
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        if selected("store") {
            store_figures().await;
        }
        if selected("upstream") {
            upstream_figures().await;
        }
        if selected("embedded") {
            embedded_figures().await;
        }
    });
}
