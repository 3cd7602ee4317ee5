//! Protocol-level benchmarks of the E2EE session through the host engine (E2EE.md "Targets"):
//! - `host_session_init_engine`: an `encrypted_session_init` frame through `Connection::handle_frame_inline`
//!   (parse, replay pre-check, ECDH, HKDF, decrypt, session-data parse, recovery, admission, replay
//!   record, ack) on a fresh endpoint, and the `InitJob` cryptography alone — both schemes; compare
//!   with `host_init_composite` of the `primitives` bench, run in the same `cargo bench` (target:
//!   within 1.2× of libsecp256k1's composite);
//! - `client_session_init`: `ClientSession::init_message` (ephemeral key, ECDH, HKDF, seal, sign);
//! - `host_seal_chunk` / `client_open_chunk`: one streamed chunk at 64 B, 1 KiB and 64 KiB as the
//!   engine produces it from a generation event (seal + hex + JSON frame) and as the client consumes
//!   it (parse + checks + open); target ≤ 20 µs per token on the host.
//!
//! Before criterion runs, the memory held per idle encrypted session on the host (session state,
//! connection tables, init replay memory) is measured with a counting allocator over 10,000 sessions
//! (target ≤ 4 KiB) and printed.

use std::alloc::System;
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use confide_core::crypto::SecretKey;
use confide_core::e2ee::{ClientSession, InitParams, SignatureScheme, WireId};
use confide_core::host::{Connection, Endpoint, GenerationEvent, GenerationId, HostConfig, Output};
use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rand::SeedableRng;
use rand::rngs::StdRng;
use stats_alloc::{INSTRUMENTED_SYSTEM, StatsAlloc};

/// Counts heap bytes so the per-session footprint can be measured.
#[global_allocator]
static ALLOCATOR: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

fn live_heap_bytes() -> isize {
    let stats = ALLOCATOR.stats();
    stats.bytes_allocated as isize - stats.bytes_deallocated as isize
}

const NOW: u64 = 1_732_200_000;
const NOW_MS: u64 = NOW * 1000;
const CHUNK_SIZES: [usize; 3] = [64, 1024, 64 * 1024];

fn host_key() -> SecretKey {
    SecretKey::from_bytes(&[0x11; 32]).unwrap()
}

fn wallet_key() -> SecretKey {
    SecretKey::from_bytes(&[0x22; 32]).unwrap()
}

fn params(session_id: &str) -> InitParams {
    InitParams {
        session_id: WireId::from(session_id),
        job_id: WireId::from(12345u64),
        chain_id: 84532,
        model_name: "demo".into(),
        price_per_token: 2_272_727_273,
        id: None,
        timestamp: Some(NOW),
    }
}

/// An endpoint whose limits never get in a benchmark's way, and one connection of it.
fn host(sessions: usize) -> Connection {
    let mut config = HostConfig::default();
    config.limits.max_sessions = sessions;
    config.limits.max_sessions_per_connection = sessions;
    config.limits.inits_per_second = u32::MAX;
    config.limits.frames_per_second = u32::MAX;
    let endpoint = Endpoint::new(Some(host_key()), config, NOW_MS).unwrap();
    Connection::new(Arc::new(endpoint), NOW_MS)
}

fn init_json(scheme: SignatureScheme, session_id: &str, rng: &mut StdRng) -> String {
    ClientSession::new(*host_key().public_key(), scheme)
        .init_message(&wallet_key(), rng, &params(session_id))
        .unwrap()
}

/// The frames among `outputs`.
fn frames(outputs: Vec<Output>) -> Vec<String> {
    outputs
        .into_iter()
        .filter_map(|output| match output {
            Output::Frame(frame) => Some(frame),
            _ => None,
        })
        .collect()
}

fn host_session_init(c: &mut Criterion) {
    let mut group = c.benchmark_group("host_session_init_engine");
    for scheme in [SignatureScheme::Eip191, SignatureScheme::SdkTranscript] {
        let json = init_json(scheme, "s", &mut StdRng::seed_from_u64(1));
        group.bench_function(BenchmarkId::new("engine_frame_to_ack", scheme), |b| {
            b.iter_batched(
                || host(1),
                |mut connection| black_box(connection.handle_frame_inline(&json, NOW_MS)),
                BatchSize::SmallInput,
            )
        });
        group.bench_function(BenchmarkId::new("init_job_crypto", scheme), |b| {
            b.iter_batched(
                || {
                    let mut connection = host(1);
                    let job = connection
                        .handle_frame(&json, NOW_MS)
                        .into_iter()
                        .find_map(|output| match output {
                            Output::RunInit(job) => Some(job),
                            _ => None,
                        })
                        .unwrap();
                    (connection, job)
                },
                |(connection, job)| black_box((job.run(), connection)),
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

fn client_session_init(c: &mut Criterion) {
    let mut group = c.benchmark_group("client_session_init");
    let mut rng = StdRng::seed_from_u64(2);
    let wallet = wallet_key();
    for scheme in [SignatureScheme::Eip191, SignatureScheme::SdkTranscript] {
        let mut client = ClientSession::new(*host_key().public_key(), scheme);
        group.bench_function(BenchmarkId::from_parameter(scheme), |b| {
            b.iter(|| {
                black_box(
                    client
                        .init_message(&wallet, &mut rng, &params("s"))
                        .unwrap(),
                )
            })
        });
    }
    group.finish();
}

/// A client and a host connection that agreed on a key, with the generation answering the
/// client's prompt `m`.
fn generating_pair(rng: &mut StdRng) -> (ClientSession, Connection, GenerationId) {
    let mut client = ClientSession::new(*host_key().public_key(), SignatureScheme::Eip191);
    let mut connection = host(1);
    let init = client
        .init_message(&wallet_key(), rng, &params("s"))
        .unwrap();
    let ack = frames(connection.handle_frame_inline(&init, NOW_MS));
    client.open(&ack[0]).unwrap();
    let prompt = client
        .seal_prompt(rng, &WireId::from("m"), b"hello")
        .unwrap();
    let generation = connection
        .handle_frame_inline(&prompt, NOW_MS)
        .into_iter()
        .find_map(|output| match output {
            Output::Start(start) => Some(start.id),
            _ => None,
        })
        .unwrap();
    (client, connection, generation)
}

fn text(size: usize) -> GenerationEvent {
    GenerationEvent::Text {
        text: "a".repeat(size),
        tokens: 1,
    }
}

fn streamed_chunks(c: &mut Criterion) {
    let mut rng = StdRng::seed_from_u64(3);
    let mut seal = c.benchmark_group("host_seal_chunk");
    for size in CHUNK_SIZES {
        let (_, mut connection, generation) = generating_pair(&mut rng);
        seal.throughput(Throughput::Bytes(size as u64));
        seal.bench_function(BenchmarkId::from_parameter(size), |b| {
            b.iter_batched(
                || text(size),
                |event| {
                    black_box(connection.handle_generation(generation, event, NOW_MS, &mut rng))
                },
                BatchSize::SmallInput,
            )
        });
    }
    seal.finish();

    let mut open = c.benchmark_group("client_open_chunk");
    for size in CHUNK_SIZES {
        open.throughput(Throughput::Bytes(size as u64));
        open.bench_function(BenchmarkId::from_parameter(size), |b| {
            b.iter_custom(|iters| {
                // Chunks must arrive in order with fresh nonces: build a fresh stream per sample.
                let (mut client, mut connection, generation) = generating_pair(&mut rng);
                let chunks: Vec<String> = (0..=iters)
                    .flat_map(|_| {
                        frames(connection.handle_generation(
                            generation,
                            text(size),
                            NOW_MS,
                            &mut rng,
                        ))
                    })
                    .collect();
                let start = Instant::now();
                for frame in &chunks {
                    black_box(client.open(frame).unwrap());
                }
                start.elapsed()
            })
        });
    }
    open.finish();
}

/// Heap bytes per idle encrypted session, measured over 10,000 sessions on one connection.
fn report_idle_session_memory() {
    const SESSIONS: usize = 10_000;
    let mut rng = StdRng::seed_from_u64(4);
    let inits: Vec<String> = (0..SESSIONS)
        .map(|i| {
            init_json(
                SignatureScheme::Eip191,
                &format!("{i:08x}-0000-4000-8000-000000000000"),
                &mut rng,
            )
        })
        .collect();
    let before = live_heap_bytes();
    let mut connection = host(SESSIONS);
    for init in &inits {
        black_box(connection.handle_frame_inline(init, NOW_MS));
    }
    assert_eq!(connection.session_count(), SESSIONS);
    let per_session = (live_heap_bytes() - before) / SESSIONS as isize;
    println!(
        "idle encrypted session memory: {per_session} bytes per session over {SESSIONS} sessions \
         (session state, connection tables, init replay memory; target ≤ 4096)"
    );
    black_box(connection);
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(30)
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(500))
}

fn memory(_: &mut Criterion) {
    report_idle_session_memory();
}

criterion_group! {
    name = benches;
    config = config();
    targets = memory, host_session_init, client_session_init, streamed_chunks
}
criterion_main!(benches);
