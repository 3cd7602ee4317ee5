//! Warp benchmarks (WARP.md / PERFORMANCE.md targets), on one core (blst built with `no-threads`):
//!
//! - `warp_aggregate_1000/batched`: the aggregator state machine fed 1,000 valid responses (parse +
//!   subgroup check each, one random-linear-combination batch check, the aggregate signature and
//!   the signed message) — target ≤ 150 ms — next to `individual`: the same responses each
//!   parsed and verified with its own pairing check, then aggregated (what the Avalanche aggregator
//!   does); target ≥ 10× between them.
//! - `warp_verify_1000/signed_message`: parse and verify a message signed by all 1,000 validators of
//!   a set whose keys were validated at load — target ≤ 5 ms; `validator_set_load` is that load.
//! - `bls`: sign, verify, signature parse (decompress + subgroup check), public key parse.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use confide_core::warp::bls::{BlsSecretKey, Ciphersuite, PublicKey, Signature};
use confide_core::warp::{
    Aggregator, AggregatorConfig, Codec, Outcome, Quorum, SignedMessage, UnsignedMessage,
    ValidatorEntry, ValidatorSet, parse_signature_response, verify_signed_message,
};
use criterion::{Criterion, criterion_group, criterion_main};
use rand::SeedableRng;
use rand::rngs::StdRng;

const VALIDATORS: usize = 1_000;
const NETWORK: u32 = 1;
const POP: Ciphersuite = Ciphersuite::Pop;

struct Fixture {
    message: UnsignedMessage,
    entries: Vec<ValidatorEntry>,
    set: Arc<ValidatorSet>,
    /// The response of canonical validator i.
    responses: Vec<[u8; 96]>,
}

fn fixture() -> Fixture {
    let mut rng = StdRng::seed_from_u64(1);
    let message =
        UnsignedMessage::new(Codec::Avalanche, NETWORK, [3; 32], vec![0x5a; 256]).unwrap();
    let keys: Vec<BlsSecretKey> = (0..VALIDATORS)
        .map(|_| BlsSecretKey::generate(&mut rng))
        .collect();
    let entries: Vec<ValidatorEntry> = keys
        .iter()
        .enumerate()
        .map(|(i, key)| ValidatorEntry {
            node_id: format!("NodeID-{i}"),
            endpoint: None,
            public_key: Some(*key.public_key()),
            weight: 1 + (i as u64 % 7),
        })
        .collect();
    let set = Arc::new(ValidatorSet::new(entries.clone()).unwrap());
    let responses = set
        .validators()
        .iter()
        .map(|v| {
            let key = keys
                .iter()
                .find(|k| k.public_key() == v.public_key())
                .unwrap();
            key.sign(message.bytes(), POP).to_bytes()
        })
        .collect();
    Fixture {
        message,
        entries,
        set,
        responses,
    }
}

fn aggregate_batched(f: &Fixture, rng: &mut StdRng) -> SignedMessage {
    let config = AggregatorConfig {
        quorum: Quorum::new(1, 1).unwrap(),
        max_in_flight: VALIDATORS,
        ..AggregatorConfig::default()
    };
    let mut aggregator = Aggregator::new(f.message.clone(), vec![], f.set.clone(), config).unwrap();
    while let Some(query) = aggregator.poll_query(0) {
        aggregator.on_response(query.id, &f.responses[query.validator], rng);
    }
    match aggregator.into_outcome() {
        Some(Outcome::Signed(aggregate)) => aggregate.message,
        other => panic!("no quorum: {other:?}"),
    }
}

fn aggregate_individually(f: &Fixture) -> Signature {
    let signatures: Vec<Signature> = f
        .responses
        .iter()
        .zip(f.set.validators())
        .map(|(response, validator)| {
            let signature = parse_signature_response(response).unwrap();
            assert!(signature.verify(f.message.bytes(), validator.public_key(), POP));
            signature
        })
        .collect();
    Signature::aggregate(&signatures).unwrap()
}

fn bench_aggregate(c: &mut Criterion) {
    let f = fixture();
    let mut rng = StdRng::seed_from_u64(2);
    let signed = aggregate_batched(&f, &mut rng);
    assert_eq!(signed.signers().count(), VALIDATORS);

    let mut group = c.benchmark_group("warp_aggregate_1000");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(8));
    group.bench_function("batched", |b| {
        b.iter(|| black_box(aggregate_batched(&f, &mut rng)))
    });
    group.measurement_time(Duration::from_secs(30));
    group.bench_function("individual", |b| {
        b.iter(|| black_box(aggregate_individually(&f)))
    });
    group.finish();

    let mut group = c.benchmark_group("warp_verify_1000");
    group.sample_size(20);
    let bytes = signed.to_bytes();
    let quorum = Quorum::DEFAULT;
    group.bench_function("signed_message", |b| {
        b.iter(|| {
            let message = SignedMessage::parse(Codec::Avalanche, black_box(&bytes)).unwrap();
            black_box(verify_signed_message(&message, NETWORK, &f.set, quorum, POP).unwrap())
        })
    });
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("validator_set_load", |b| {
        b.iter(|| {
            // Keys arrive as bytes: parse + validate each, then sort.
            let entries = f.entries.iter().map(|e| ValidatorEntry {
                public_key: Some(PublicKey::from_bytes(&e.public_key.unwrap().to_bytes()).unwrap()),
                ..e.clone()
            });
            black_box(ValidatorSet::new(entries).unwrap())
        })
    });
    group.finish();
}

fn bench_bls(c: &mut Criterion) {
    let mut rng = StdRng::seed_from_u64(3);
    let key = BlsSecretKey::generate(&mut rng);
    let message = [0x42u8; 200];
    let signature = key.sign(&message, POP);
    let sig_bytes = signature.to_bytes();
    let pk_bytes = key.public_key().to_bytes();
    let mut group = c.benchmark_group("bls");
    group.sample_size(30);
    group.bench_function("sign", |b| b.iter(|| black_box(key.sign(&message, POP))));
    group.bench_function("verify", |b| {
        b.iter(|| assert!(signature.verify(black_box(&message), key.public_key(), POP)))
    });
    group.bench_function("signature_parse_subgroup_check", |b| {
        b.iter(|| black_box(Signature::from_bytes(black_box(&sig_bytes)).unwrap()))
    });
    group.bench_function("public_key_parse_validate", |b| {
        b.iter(|| black_box(PublicKey::from_bytes(black_box(&pk_bytes)).unwrap()))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1));
    targets = bench_aggregate, bench_bls
}
criterion_main!(benches);
