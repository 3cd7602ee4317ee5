//! Arbitrary bytes through the LLMFeed parser, canonicalizer and verifier. Nothing may panic; for
//! every document the parser accepts, each canonical form parses back to itself (the sorted forms to
//! the same bytes again), and evaluation returns a report or an error, never a crash.

#![no_main]

use confide_core::crypto::Ed25519SecretKey;
use confide_core::feed::json::{Escaping, KeyOrder, Style, parse};
use confide_core::feed::{Feed, StaticKeys, VerifyOptions, evaluate};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = parse(data) else {
        return;
    };
    for order in [KeyOrder::Document, KeyOrder::Sorted] {
        for escaping in [Escaping::Utf8, Escaping::Ascii] {
            let style = Style { order, escaping };
            let bytes = style.to_vec(&value);
            let again = parse(&bytes).expect("canonical output parses");
            if order == KeyOrder::Document {
                assert_eq!(again, value);
            }
            assert_eq!(style.to_vec(&again), bytes);
        }
    }
    let Ok(feed) = Feed::from_value(value) else {
        return;
    };
    let key = Ed25519SecretKey::from_seed(&[0x42; 32]).expect("32 bytes");
    let keys = StaticKeys::new()
        .with_signer(key.public_key())
        .with_certifier("https://llmca.org", key.public_key());
    let trusted = ["https://llmca.org".to_owned()];
    let options = VerifyOptions {
        now: 1_750_000_000,
        trusted_certifiers: &trusted,
        policy: None,
    };
    let _ = evaluate(&feed, &keys, &options);
});
