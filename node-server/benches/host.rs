//! Host load figures on loopback (NODE_SERVER.md "Targets"), printed as a table:
//! - session handshakes per second end to end (TCP + WebSocket upgrade + encrypted init + ack);
//! - tokens/s of the demo model encrypted vs plaintext, measured alternately in one run, and the
//!   per-token cost of encryption derived from the difference;
//! - an honest client's encrypted tokens/s while 8 connections flood the host with invalid session
//!   inits, against the same without the flood (adjacent quiet/flooded pairs, the median of their
//!   changes; target: within 10%), with the flood paced at 1,000 and 4,000 inits/s and unpaced;
//! - aggregate tokens/s with 1, 2 and 4 slots;
//! - resident memory of a `confide-node serve` process holding 10,000 idle encrypted sessions.
//!
//! Run: `cargo bench -p confide-node-server --bench host` (or `scripts/bench.sh`); names after `--`
//! (`handshakes`, `streaming`, `flood`, `slots`, `idle`) run only those measurements.

mod common;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{
    HANDSHAKE_CONCURRENCY, handshakes_per_second, host_key, median, open_sessions, params, selected,
};
use confide_core::crypto::SecretKey;
use confide_core::e2ee::{ClientSession, SignatureScheme};
use confide_node_server::backend::Backend;
use confide_node_server::config::ServerConfig;
use confide_node_server::inference::{EngineConfig, LlamaEngine, demo_model};
use confide_node_server::server::{AppState, ServedModel};
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::Message;

const TOKENS_PER_RUN: u32 = 256;
const ALTERNATING_RUNS: usize = 10;
const IDLE_SESSIONS: usize = 10_000;
const SESSIONS_PER_CONNECTION: usize = 16;

fn model_dir() -> PathBuf {
    std::env::temp_dir().join("confide-bench-model")
}

fn engine(parallel: usize) -> Arc<LlamaEngine> {
    let model_path = demo_model::ensure_demo_model(&model_dir()).unwrap();
    let config = EngineConfig {
        model_path,
        ctx_size: 1024,
        parallel,
        max_tokens: 1024,
    };
    Arc::new(LlamaEngine::load(config).unwrap())
}

async fn start_server(parallel: usize) -> String {
    let model = ServedModel::new(Backend::Llama(engine(parallel)));
    let mut config = ServerConfig::default();
    config.limits.rate_limit = 100_000;
    config.limits.max_generations_per_connection = 8;
    common::serve(AppState::new(config, Some(host_key()), vec![model]).unwrap()).await
}

/// Tokens/s of one greedy demo-model generation of [`TOKENS_PER_RUN`] tokens.
async fn one_generation(url: &str, encrypted: bool) -> f64 {
    let (tokens, rate) = common::one_generation(url, encrypted, &benchmark_request()).await;
    assert_eq!(tokens, u64::from(TOKENS_PER_RUN));
    rate
}

fn benchmark_request() -> serde_json::Value {
    json!({"prompt": "Benchmark", "max_tokens": TOKENS_PER_RUN, "temperature": 0.0})
}

/// Tokens/s of one greedy generation of [`TOKENS_PER_RUN`] tokens on an open session.
async fn generate(session: &mut common::OpenSession, id: &str) -> f64 {
    let (tokens, rate) = session.generate(id, &benchmark_request()).await;
    assert_eq!(tokens, u64::from(TOKENS_PER_RUN));
    rate
}

const FLOOD_CONNECTIONS: usize = 8;
/// The floods measured: invalid inits per second, all connections together (`None`: as fast as the
/// flood's one thread can go), and the nice value of that thread. A remote attacker's CPU is not
/// the host's, but on this two-core machine the flooding client shares the cores with the host:
/// paced rates show what the host's own handling of a flood costs. At nice 19 the flooding thread
/// gets only the CPU the host leaves idle, which models an attacker whose CPU is not the host's:
/// paced, at a fixed rate; unpaced, as fast as that idle CPU allows.
const FLOODS: [(Option<u32>, i32); 5] = [
    (Some(1_000), 0),
    (Some(4_000), 0),
    (Some(4_000), 19),
    (None, 0),
    (None, 19),
];

/// Inits encrypted to another host's key, made once: an attacker replays ready frames, and making
/// them is not the host's work (done inside the flood it took a core of this machine from the
/// host at every flood start).
fn invalid_inits() -> Arc<Vec<String>> {
    let stranger = SecretKey::from_bytes(&[0x44; 32]).unwrap();
    let wallet = SecretKey::from_bytes(&[0x55; 32]).unwrap();
    let inits = (0..64)
        .map(|n| {
            ClientSession::new(*stranger.public_key(), SignatureScheme::Eip191)
                .init_message(&wallet, &mut rand::rng(), &params(format!("flood-{n}")))
                .unwrap()
        })
        .collect();
    Arc::new(inits)
}

/// Sends `inits` (each costs the host an ECDH and a failed decryption, and every sixth closes the
/// connection) until `stop` is cancelled, one every `interval` when paced; returns how many were
/// sent.
async fn flood_invalid_inits(
    url: String,
    inits: Arc<Vec<String>>,
    stop: tokio_util::sync::CancellationToken,
    interval: Option<Duration>,
) -> u64 {
    let mut pace = interval.map(|interval| {
        let mut pace = tokio::time::interval(interval);
        pace.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        pace
    });
    let mut sent = 0u64;
    while !stop.is_cancelled() {
        let Ok((mut socket, _)) = connect_async(&url).await else {
            continue;
        };
        for init in inits.iter().cycle().take(6) {
            if let Some(pace) = pace.as_mut() {
                pace.tick().await;
            }
            if socket.send(Message::text(init.clone())).await.is_err() {
                break;
            }
            sent += 1;
            // Wait for the answer (an error frame, or the close after the sixth).
            let _ = socket.next().await;
        }
    }
    sent
}

/// Quiet/flooded pairs of generations per flood rate. A 256-token generation lasts ~40 ms, so one
/// generation's rate swings ±30% on this machine; many adjacent pairs, each compared within itself,
/// cancel the machine's drift over the run.
const FLOOD_PAIRS: usize = 15;

/// Encrypted tokens/s without and with the init flood at `rate`, in adjacent pairs: the medians of
/// each, and the median of the pairs' changes (flooded over quiet, −1..). The flood
/// runs on a runtime of its own (one thread at `nice`): its traffic still costs this
/// machine's CPU, as attackers' connections would, but its tasks do not wait in the scheduler that
/// the host and the honest client share (where they would delay the client's own reads, which no
/// remote attacker can).
async fn tokens_per_second_under_flood(
    url: &str,
    inits: &Arc<Vec<String>>,
    rate: Option<u32>,
    nice: i32,
) -> (f64, f64, f64, f64) {
    let (mut quiet, mut flooded, mut changes) = (Vec::new(), Vec::new(), Vec::new());
    let mut inits_per_second = Vec::new();
    let flood_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .on_thread_start(move || {
            rustix::process::setpriority_process(Some(rustix::thread::gettid()), nice).unwrap();
        })
        .enable_all()
        .build()
        .unwrap();
    let interval =
        rate.map(|rate| Duration::from_secs_f64(FLOOD_CONNECTIONS as f64 / f64::from(rate)));
    // The honest client's session is open before the flood: what is measured is its streaming.
    let mut honest = common::open_session(url, true).await;
    for pair in 0..FLOOD_PAIRS {
        let quiet_rate = generate(&mut honest, &format!("quiet-{pair}")).await;
        let stop = tokio_util::sync::CancellationToken::new();
        let flooders: Vec<_> = (0..FLOOD_CONNECTIONS)
            .map(|_| {
                flood_runtime.spawn(flood_invalid_inits(
                    url.to_owned(),
                    Arc::clone(inits),
                    stop.clone(),
                    interval,
                ))
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(200)).await;
        let start = Instant::now();
        let flooded_rate = generate(&mut honest, &format!("flooded-{pair}")).await;
        stop.cancel();
        let mut sent = 0;
        for flooder in flooders {
            sent += flooder.await.unwrap();
        }
        inits_per_second.push(sent as f64 / (start.elapsed().as_secs_f64() + 0.2));
        changes.push(flooded_rate / quiet_rate - 1.0);
        quiet.push(quiet_rate);
        flooded.push(flooded_rate);
    }
    flood_runtime.shutdown_background();
    honest.close().await;
    (
        median(quiet),
        median(flooded),
        median(changes),
        median(inits_per_second),
    )
}

async fn aggregate_tokens_per_second(slots: usize) -> f64 {
    let url = start_server(slots).await;
    one_generation(&url, true).await; // warm-up
    let start = Instant::now();
    let runs: Vec<_> = (0..slots)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move { one_generation(&url, true).await })
        })
        .collect();
    for run in runs {
        run.await.unwrap();
    }
    (slots as f64 * f64::from(TOKENS_PER_RUN)) / start.elapsed().as_secs_f64()
}

/// VmRSS of a process, in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// Starts the real binary, opens 10,000 encrypted sessions, and measures its resident memory.
async fn idle_sessions_rss() -> (u64, u64) {
    let binary = std::env::current_exe()
        .unwrap()
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("confide-node");
    let mut child = tokio::process::Command::new(&binary)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--max-sessions",
            "20000",
            "--idle-timeout",
            "10m",
        ])
        .args([
            "--max-sessions-per-connection",
            &SESSIONS_PER_CONNECTION.to_string(),
            "--rate-limit",
            "100000",
        ])
        .env("HOST_PRIVATE_KEY", format!("0x{}", "11".repeat(32)))
        .env("XDG_CACHE_HOME", model_dir())
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|err| panic!("cannot start {}: {err}", binary.display()));
    let mut stdout = tokio::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    tokio::io::AsyncBufReadExt::read_line(&mut stdout, &mut line)
        .await
        .unwrap();
    let addr = line
        .split("listening on ")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap();
    let url = format!("ws://{addr}/v1/ws");
    let pid = child.id().unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = rss_kib(pid);
    let wallet = SecretKey::from_bytes(&[0x44; 32]).unwrap();
    let mut held = Vec::new();
    for _ in 0..IDLE_SESSIONS / SESSIONS_PER_CONNECTION {
        held.push(open_sessions(&url, SESSIONS_PER_CONNECTION, &wallet).await);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let after = rss_kib(pid);
    drop(held);
    let _ = child.kill().await;
    (before, after)
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let url = start_server(1).await;
        if selected("handshakes") {
            let handshakes = handshakes_per_second(&url).await;
            println!("handshakes end to end over loopback WebSocket: {handshakes:.0}/s ({HANDSHAKE_CONCURRENCY} concurrent clients; target ≥ 2,000/s)");
        }

        if selected("streaming") {
            let (mut encrypted, mut plaintext) = (Vec::new(), Vec::new());
            one_generation(&url, false).await; // warm-up
            for _ in 0..ALTERNATING_RUNS {
                encrypted.push(one_generation(&url, true).await);
                plaintext.push(one_generation(&url, false).await);
            }
            let (enc, plain) = (median(encrypted), median(plaintext));
            let slowdown = (plain / enc - 1.0) * 100.0;
            let per_token_us = (1.0 / enc - 1.0 / plain) * 1e6;
            println!("demo model, 1 slot, {TOKENS_PER_RUN} tokens: encrypted {enc:.0} tokens/s, plaintext {plain:.0} tokens/s, encrypted slower by {slowdown:.1}% (target ≤ 3%); encryption cost per token ≈ {per_token_us:.1} µs (target ≤ 20 µs)");
        }

        if selected("flood") {
            let inits = invalid_inits();
            for (rate, nice) in FLOODS {
                let (quiet, flooded, change, flood_rate) =
                    tokens_per_second_under_flood(&url, &inits, rate, nice).await;
                let change = change * 100.0;
                let pacing = rate.map_or("unpaced".to_owned(), |rate| format!("paced at {rate}/s"));
                let pacing = format!("{pacing}, flooder at nice {nice}");
                println!("honest encrypted stream: {quiet:.0} tokens/s quiet, {flooded:.0} tokens/s while {FLOOD_CONNECTIONS} connections send {flood_rate:.0} invalid inits/s, {pacing} ({change:+.1}%, the median of {FLOOD_PAIRS} adjacent pairs; target within 10%)");
            }
        }

        if selected("slots") {
            for slots in [1, 2, 4] {
                let aggregate = aggregate_tokens_per_second(slots).await;
                println!("aggregate with {slots} slot(s) and {slots} concurrent encrypted generations: {aggregate:.0} tokens/s");
            }
        }

        if selected("idle") {
            let (before, after) = idle_sessions_rss().await;
            println!(
                "confide-node serve RSS: {:.1} MiB at start, {:.1} MiB with {IDLE_SESSIONS} idle encrypted sessions (+{:.1} MiB; target ≤ 100 MiB)",
                before as f64 / 1024.0,
                after as f64 / 1024.0,
                (after - before) as f64 / 1024.0
            );
        }
    });
}
