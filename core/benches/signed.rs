//! Signed-message benchmarks (SIGNED_MESSAGES.md "Targets"): signing and verifying an envelope around
//! a 1 KiB payload, next to the raw k256 recoverable sign / recover they are built on (target: both
//! ≤ 1.2× the raw cost); and recording replay tickets, the part a caller runs under a lock.

use std::hint::black_box;
use std::time::Duration;

use confide_core::crypto::SecretKey;
use confide_core::signed::{
    MessageScheme, RawSignedMessage, ReplayGuard, ReplayTicket, SignOptions, VerifyPolicy,
};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use k256::ecdsa::{SigningKey, VerifyingKey};

const NOW: u64 = 1_732_200_000;

/// A compact JSON object of exactly 1,024 bytes.
fn payload_1kib() -> String {
    let filler = "x".repeat(1024 - r#"{"content":""}"#.len());
    let json = format!(r#"{{"content":"{filler}"}}"#);
    assert_eq!(json.len(), 1024);
    json
}

fn bench(c: &mut Criterion) {
    let key = SecretKey::from_bytes(&[0x42; 32]).unwrap();
    let payload = payload_1kib();
    let mut group = c.benchmark_group("signed_message_1KiB");
    for scheme in [MessageScheme::ConfideV1, MessageScheme::LloomV1] {
        let options = SignOptions {
            timestamp: NOW,
            nonce: Some(1),
            scheme,
        };
        group.bench_function(format!("sign/{scheme}"), |b| {
            b.iter(|| black_box(RawSignedMessage::sign_json(&payload, &key, options).unwrap()))
        });
        let envelope = RawSignedMessage::sign_json(&payload, &key, options)
            .unwrap()
            .to_json();
        let policy = VerifyPolicy::default();
        group.bench_function(format!("parse_and_verify/{scheme}"), |b| {
            b.iter(|| {
                let received = RawSignedMessage::parse(black_box(&envelope)).unwrap();
                black_box(received.verify(&policy, NOW).unwrap())
            })
        });
    }
    let signing = SigningKey::from_slice(&[0x42; 32]).unwrap();
    let digest = [7u8; 32];
    let (signature, recovery_id) = signing.sign_prehash_recoverable(&digest);
    group.bench_function("raw_k256/sign_prehash_recoverable", |b| {
        b.iter(|| black_box(signing.sign_prehash_recoverable(black_box(&digest))))
    });
    group.bench_function("raw_k256/recover_from_prehash", |b| {
        b.iter(|| {
            black_box(
                VerifyingKey::recover_from_prehash(black_box(&digest), &signature, recovery_id)
                    .unwrap(),
            )
        })
    });
    group.finish();
    bench_replay_guard(c, &key);
}

/// Tickets recorded per iteration of the replay guard benchmark.
const TICKETS: u64 = 1_000;

/// Recording `TICKETS` distinct tickets into an empty guard (no cryptography: the cost of the
/// critical section when verification and recording are split).
fn bench_replay_guard(c: &mut Criterion, key: &SecretKey) {
    let policy = VerifyPolicy::default();
    let tickets: Vec<ReplayTicket> = (0..TICKETS)
        .map(|nonce| {
            let options = SignOptions {
                timestamp: NOW,
                nonce: Some(nonce),
                scheme: MessageScheme::ConfideV1,
            };
            let envelope = RawSignedMessage::sign_json("{}", key, options).unwrap();
            let (_, ticket) = envelope.verify_unrecorded(&policy, NOW).unwrap();
            ticket.unwrap()
        })
        .collect();
    c.bench_function(&format!("replay_guard/record_{TICKETS}"), |b| {
        b.iter_batched(
            || ReplayGuard::new(ReplayGuard::DEFAULT_CAPACITY).unwrap(),
            |mut guard| {
                for ticket in &tickets {
                    guard.record(ticket, NOW).unwrap();
                }
                guard
            },
            BatchSize::SmallInput,
        )
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(30)
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(500));
    targets = bench
}
criterion_main!(benches);
