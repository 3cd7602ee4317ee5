//! LLMFeed benchmarks (LLMFEED.md "Targets"): verifying a real 20 KiB signed feed from its bytes
//! (target ≤ 100 µs: parse, canonicalize the signed blocks, Ed25519 verify), its parts, and
//! canonicalization throughput on the 572 KB real spec feed (target ≥ 200 MB/s). The same work in
//! Python (`json.dumps` + `cryptography`'s Ed25519) is `scripts/feed-bench-python.py`.

use std::hint::black_box;
use std::time::Duration;

use confide_core::crypto::Ed25519SecretKey;
use confide_core::feed::json::{Escaping, KeyOrder, Style, parse};
use confide_core::feed::{Feed, StaticKeys, VerifyOptions, parse_public_key, verify_feed};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const VECTORS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/vectors/llmfeed/llmfeed-spec/.well-known"
);
const NOW: i64 = 1_767_225_600;

fn read(relative: &str) -> Vec<u8> {
    std::fs::read(format!("{VECTORS}/{relative}")).unwrap()
}

fn verify(c: &mut Criterion) {
    let feed = read("exports/news-lite.llmfeed.json");
    assert!((20_000..21_500).contains(&feed.len()), "{}", feed.len());
    let key = parse_public_key(&String::from_utf8(read("public.pem")).unwrap()).unwrap();
    let keys = StaticKeys::new().with_signer(key);
    let options = VerifyOptions {
        now: NOW,
        trusted_certifiers: &[],
        policy: None,
    };
    let mut group = c.benchmark_group("feed_verify_20KiB");
    group.throughput(Throughput::Bytes(feed.len() as u64));
    group.bench_function("verify_feed (parse + canonicalize + ed25519)", |b| {
        b.iter(|| {
            let report = verify_feed(black_box(&feed), &keys, &options).unwrap();
            assert!(report.signature.unwrap().valid);
        })
    });
    group.bench_function("parse", |b| {
        b.iter(|| black_box(Feed::parse(black_box(&feed)).unwrap()))
    });
    group.bench_function("serde_json_parse", |b| {
        b.iter(|| black_box(serde_json::from_slice::<serde_json::Value>(black_box(&feed)).unwrap()))
    });
    let parsed = Feed::parse(&feed).unwrap();
    group.bench_function("canonicalize_signed_blocks", |b| {
        b.iter(|| black_box(parsed.to_compact_json()))
    });
    let message = parsed.to_compact_json();
    let signer = Ed25519SecretKey::from_seed(&[7; 32]).unwrap();
    let (public, signature) = (signer.public_key(), signer.sign(&message));
    group.bench_function("sha512_20KiB_message", |b| {
        b.iter(|| black_box(<sha2::Sha512 as sha2::Digest>::digest(black_box(&message))))
    });
    group.bench_function("ed25519_verify_20KiB_message", |b| {
        b.iter(|| public.verify(black_box(&message), &signature).unwrap())
    });
    group.finish();
}

fn canonicalize(c: &mut Criterion) {
    let text = read("exports/spec.llmfeed.json");
    let value = parse(&text).unwrap();
    let mut group = c.benchmark_group("feed_canonicalize_spec_572KB");
    group.throughput(Throughput::Bytes(text.len() as u64));
    for (name, order, escaping) in [
        (
            "mcp-canonical-json (document order, UTF-8)",
            KeyOrder::Document,
            Escaping::Utf8,
        ),
        (
            "llmfeed-v1 (sorted, UTF-8)",
            KeyOrder::Sorted,
            Escaping::Utf8,
        ),
        (
            "llmfeed-v1 (sorted, ASCII)",
            KeyOrder::Sorted,
            Escaping::Ascii,
        ),
    ] {
        let style = Style { order, escaping };
        group.bench_function(name, |b| {
            b.iter(|| black_box(style.to_vec(black_box(&value))))
        });
    }
    group.bench_function("parse", |b| {
        b.iter(|| black_box(parse(black_box(&text)).unwrap()))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    targets = verify, canonicalize
}
criterion_main!(benches);
