//! Protocol-level benchmarks of the E2EE session (E2EE.md "Targets"):
//! - `host_session_init`: a parsed `encrypted_session_init` through `SessionStore::accept_init`
//!   (ECDH, HKDF, decrypt, session-data parse, recovery, store insert), and the same with the JSON
//!   frame parse included — both schemes; target ≤ 200 µs;
//! - `client_session_init`: `ClientSession::init_message` (ephemeral key, ECDH, HKDF, seal, sign);
//! - `host_seal_chunk` / `client_open_chunk`: one streamed chunk at 64 B, 1 KiB and 64 KiB as the
//!   host produces it (seal + hex + JSON frame) and as the client consumes it (parse + checks + open);
//!   target ≤ 20 µs per token on the host.
//!
//! Before criterion runs, the memory held per idle encrypted session on the host is measured with a
//! counting allocator over 10,000 sessions (target ≤ 4 KiB) and printed.

use std::alloc::System;
use std::hint::black_box;
use std::time::{Duration, Instant};

use confide_core::crypto::SecretKey;
use confide_core::e2ee::wire::SessionInitFrame;
use confide_core::e2ee::{
    ClientFrame, ClientSession, InitParams, SessionStore, SignatureScheme, StoreConfig, WireId,
};
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

fn init_json(scheme: SignatureScheme, session_id: &str, rng: &mut StdRng) -> String {
    ClientSession::new(*host_key().public_key(), scheme)
        .init_message(&wallet_key(), rng, &params(session_id))
        .unwrap()
}

fn parse_init(json: &str) -> SessionInitFrame {
    match ClientFrame::parse(json).unwrap() {
        ClientFrame::EncryptedSessionInit(frame) => frame,
        _ => unreachable!("init_message returns an init"),
    }
}

fn host_session_init(c: &mut Criterion) {
    let host = host_key();
    let mut group = c.benchmark_group("host_session_init");
    for scheme in [SignatureScheme::Eip191, SignatureScheme::SdkTranscript] {
        let json = init_json(scheme, "s", &mut StdRng::seed_from_u64(1));
        let frame = parse_init(&json);
        group.bench_function(BenchmarkId::new("accept_parsed", scheme), |b| {
            b.iter_batched(
                SessionStore::default,
                |mut store| black_box(store.accept_init(&host, &frame, NOW, |_| true).unwrap()),
                BatchSize::SmallInput,
            )
        });
        group.bench_function(BenchmarkId::new("parse_and_accept", scheme), |b| {
            b.iter_batched(
                SessionStore::default,
                |mut store| {
                    let frame = parse_init(black_box(&json));
                    black_box(store.accept_init(&host, &frame, NOW, |_| true).unwrap())
                },
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

/// A client and a host session that agreed on a key; the client has sent prompt `m`.
fn connected_pair(rng: &mut StdRng) -> (ClientSession, SessionStore) {
    let mut client = ClientSession::new(*host_key().public_key(), SignatureScheme::Eip191);
    let init = client
        .init_message(&wallet_key(), rng, &params("s"))
        .unwrap();
    let mut store = SessionStore::default();
    store
        .accept_init(&host_key(), &parse_init(&init), NOW, |_| true)
        .unwrap();
    client
        .seal_prompt(rng, &WireId::from("m"), b"hello")
        .unwrap();
    (client, store)
}

fn streamed_chunks(c: &mut Criterion) {
    let mut rng = StdRng::seed_from_u64(3);
    let id = WireId::from("m");
    let session_id = WireId::from("s");
    let mut seal = c.benchmark_group("host_seal_chunk");
    for size in CHUNK_SIZES {
        let text = "a".repeat(size);
        let (_, mut store) = connected_pair(&mut rng);
        let session = store.session_mut(&session_id, NOW).unwrap();
        seal.throughput(Throughput::Bytes(size as u64));
        let mut index = 0u64;
        seal.bench_function(BenchmarkId::from_parameter(size), |b| {
            b.iter(|| {
                index += 1;
                black_box(session.seal_chunk(&mut rng, Some(&id), index, &text, 1, false))
            })
        });
    }
    seal.finish();

    let mut open = c.benchmark_group("client_open_chunk");
    for size in CHUNK_SIZES {
        let text = "a".repeat(size);
        open.throughput(Throughput::Bytes(size as u64));
        open.bench_function(BenchmarkId::from_parameter(size), |b| {
            b.iter_custom(|iters| {
                // Chunks must arrive in order with fresh nonces: build a fresh stream per sample.
                let (mut client, mut store) = connected_pair(&mut rng);
                let session = store.session_mut(&session_id, NOW).unwrap();
                let frames: Vec<String> = (0..iters)
                    .map(|i| session.seal_chunk(&mut rng, Some(&id), i, &text, 1, false))
                    .collect();
                let start = Instant::now();
                for frame in &frames {
                    black_box(client.open(frame).unwrap());
                }
                start.elapsed()
            })
        });
    }
    open.finish();
}

/// Heap bytes per idle encrypted session, measured over 10,000 sessions in one store.
fn report_idle_session_memory() {
    const SESSIONS: usize = 10_000;
    let host = host_key();
    let mut rng = StdRng::seed_from_u64(4);
    let frames: Vec<SessionInitFrame> = (0..SESSIONS)
        .map(|i| {
            parse_init(&init_json(
                SignatureScheme::Eip191,
                &format!("{i:08x}-0000-4000-8000-000000000000"),
                &mut rng,
            ))
        })
        .collect();
    let before = live_heap_bytes();
    let mut store = SessionStore::new(StoreConfig {
        capacity: SESSIONS,
        ..StoreConfig::default()
    });
    for frame in &frames {
        store.accept_init(&host, frame, NOW, |_| true).unwrap();
    }
    let per_session = (live_heap_bytes() - before) / SESSIONS as isize;
    println!(
        "idle encrypted session memory: {per_session} bytes per session over {SESSIONS} sessions \
         (session state, store index, init replay memory; target ≤ 4096)"
    );
    black_box(store);
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
