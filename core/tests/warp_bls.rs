//! The Ethereum BLS12-381 POP ciphersuite suite (ethereum/bls12-381-tests, every handler and every
//! case, copied into `tests/vectors/bls/`): sign, verify, aggregate, fast_aggregate_verify,
//! aggregate_verify, batch_verify, hash_to_G2, deserialization_G1/G2. `output: null` / `false`
//! must fail. Plus proofs of possession and the batch checks the aggregator relies on.

#![cfg(feature = "warp")]

mod common;

use std::path::PathBuf;

use common::{Failures, Hex};
use confide_core::warp::bls::{
    BlsSecretKey, Ciphersuite, PublicKey, Signature, aggregate_public_keys, aggregate_verify,
    batch_verify, batch_verify_same_message, fast_aggregate_verify, find_invalid_signatures,
    hash_to_g2_uncompressed, is_valid_g1_encoding,
};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde::Deserialize;
use serde::de::DeserializeOwned;

const POP: Ciphersuite = Ciphersuite::Pop;

/// Every case of one handler: (file name, parsed case).
fn cases<T: DeserializeOwned>(handler: &str) -> Vec<(String, T)> {
    let dir: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "tests/vectors/bls/bls12-381-tests",
        handler,
    ]
    .iter()
    .collect();
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.ends_with(".json"))
        .collect();
    names.sort();
    assert!(!names.is_empty(), "no cases in {}", dir.display());
    names
        .into_iter()
        .map(|name| {
            let case = common::load(&format!("bls/bls12-381-tests/{handler}/{name}"));
            (name, case)
        })
        .collect()
}

#[derive(Deserialize)]
struct Case<I, O> {
    input: I,
    output: O,
}

fn key(bytes: &[u8]) -> Option<PublicKey> {
    PublicKey::from_bytes(bytes).ok()
}

fn signature(bytes: &[u8]) -> Option<Signature> {
    Signature::from_bytes(bytes).ok()
}

fn keys(list: &[Hex]) -> Option<Vec<PublicKey>> {
    list.iter().map(|k| key(k)).collect()
}

#[test]
fn sign() {
    #[derive(Deserialize)]
    struct Input {
        privkey: Hex,
        message: Hex,
    }
    let mut failures = Failures::default();
    let all = cases::<Case<Input, Option<Hex>>>("sign");
    assert_eq!(all.len(), 10);
    for (name, case) in all {
        let actual = BlsSecretKey::from_bytes(&case.input.privkey)
            .ok()
            .map(|sk| sk.sign(&case.input.message, POP).to_bytes().to_vec());
        failures.check_eq(actual, case.output.map(|h| h.0), || name.clone());
    }
    failures.assert_none("sign");
}

#[test]
fn verify() {
    #[derive(Deserialize)]
    struct Input {
        pubkey: Hex,
        message: Hex,
        signature: Hex,
    }
    let mut failures = Failures::default();
    let all = cases::<Case<Input, bool>>("verify");
    assert_eq!(all.len(), 29);
    for (name, case) in all {
        let actual = match (key(&case.input.pubkey), signature(&case.input.signature)) {
            (Some(pk), Some(sig)) => sig.verify(&case.input.message, &pk, POP),
            _ => false,
        };
        failures.check_eq(actual, case.output, || name.clone());
    }
    failures.assert_none("verify");
}

#[test]
fn aggregate() {
    let mut failures = Failures::default();
    let all = cases::<Case<Vec<Hex>, Option<Hex>>>("aggregate");
    assert_eq!(all.len(), 6);
    for (name, case) in all {
        let actual = case
            .input
            .iter()
            .map(|s| signature(s))
            .collect::<Option<Vec<_>>>()
            .and_then(|sigs| Signature::aggregate(&sigs).ok())
            .map(|sig| sig.to_bytes().to_vec());
        failures.check_eq(actual, case.output.map(|h| h.0), || name.clone());
    }
    failures.assert_none("aggregate");
}

#[test]
fn fast_aggregate_verify_cases() {
    #[derive(Deserialize)]
    struct Input {
        pubkeys: Vec<Hex>,
        message: Hex,
        signature: Hex,
    }
    let mut failures = Failures::default();
    let all = cases::<Case<Input, bool>>("fast_aggregate_verify");
    assert_eq!(all.len(), 12);
    for (name, case) in all {
        let actual = match (keys(&case.input.pubkeys), signature(&case.input.signature)) {
            (Some(pks), Some(sig)) => fast_aggregate_verify(&pks, &case.input.message, &sig, POP),
            _ => false,
        };
        failures.check_eq(actual, case.output, || name.clone());
    }
    failures.assert_none("fast_aggregate_verify");
}

#[test]
fn aggregate_verify_cases() {
    #[derive(Deserialize)]
    struct Input {
        pubkeys: Vec<Hex>,
        messages: Vec<Hex>,
        signature: Hex,
    }
    let mut failures = Failures::default();
    let all = cases::<Case<Input, bool>>("aggregate_verify");
    assert_eq!(all.len(), 5);
    for (name, case) in all {
        let messages: Vec<&[u8]> = case.input.messages.iter().map(|m| &m[..]).collect();
        let actual = match (keys(&case.input.pubkeys), signature(&case.input.signature)) {
            (Some(pks), Some(sig)) => aggregate_verify(&pks, &messages, &sig, POP),
            _ => false,
        };
        failures.check_eq(actual, case.output, || name.clone());
    }
    failures.assert_none("aggregate_verify");
}

#[test]
fn batch_verify_cases() {
    #[derive(Deserialize)]
    struct Input {
        pubkeys: Vec<Hex>,
        messages: Vec<Hex>,
        signatures: Vec<Hex>,
    }
    let mut rng = StdRng::seed_from_u64(7);
    let mut failures = Failures::default();
    let all = cases::<Case<Input, bool>>("batch_verify");
    assert_eq!(all.len(), 2);
    for (name, case) in all {
        let messages: Vec<&[u8]> = case.input.messages.iter().map(|m| &m[..]).collect();
        let sigs: Option<Vec<Signature>> =
            case.input.signatures.iter().map(|s| signature(s)).collect();
        let actual = match (keys(&case.input.pubkeys), sigs) {
            (Some(pks), Some(sigs)) => batch_verify(&pks, &messages, &sigs, POP, &mut rng),
            _ => false,
        };
        failures.check_eq(actual, case.output, || name.clone());
    }
    failures.assert_none("batch_verify");
}

#[test]
fn hash_to_g2() {
    #[derive(Deserialize)]
    struct Input {
        msg: String,
    }
    #[derive(Deserialize)]
    struct Point {
        x: String,
        y: String,
    }
    const QUUX_DST: &[u8] = b"QUUX-V01-CS02-with-BLS12381G2_XMD:SHA-256_SSWU_RO_";
    /// "0xc0,0xc1" → c1 ‖ c0, the order of the uncompressed encoding.
    fn fp2(text: &str) -> Vec<u8> {
        let (c0, c1) = text.split_once(',').unwrap();
        let mut out = confide_core::hex::decode("c1", c1).unwrap();
        out.extend(confide_core::hex::decode("c0", c0).unwrap());
        out
    }
    let mut failures = Failures::default();
    let all = cases::<Case<Input, Point>>("hash_to_G2");
    assert_eq!(all.len(), 4);
    for (name, case) in all {
        let point = hash_to_g2_uncompressed(case.input.msg.as_bytes(), QUUX_DST);
        let mut expected = fp2(&case.output.x);
        expected.extend(fp2(&case.output.y));
        failures.check_eq(point.to_vec(), expected, || name.clone());
    }
    failures.assert_none("hash_to_G2");
}

#[test]
fn deserialization_g1() {
    #[derive(Deserialize)]
    struct Input {
        pubkey: Hex,
    }
    let mut failures = Failures::default();
    let all = cases::<Case<Input, bool>>("deserialization_G1");
    assert_eq!(all.len(), 13);
    for (name, case) in all {
        failures.check_eq(
            is_valid_g1_encoding(&case.input.pubkey),
            case.output,
            || name.clone(),
        );
        // A public key is a valid encoding that is not the point at infinity.
        if name.contains("infinity") {
            failures.check(key(&case.input.pubkey).is_none(), || {
                format!("{name}: key at infinity accepted")
            });
        }
    }
    failures.assert_none("deserialization_G1");
}

#[test]
fn deserialization_g2() {
    #[derive(Deserialize)]
    struct Input {
        signature: Hex,
    }
    let mut failures = Failures::default();
    let all = cases::<Case<Input, bool>>("deserialization_G2");
    assert_eq!(all.len(), 15);
    for (name, case) in all {
        failures.check_eq(
            signature(&case.input.signature).is_some(),
            case.output,
            || name.clone(),
        );
    }
    failures.assert_none("deserialization_G2");
}

fn secret(seed: u8) -> BlsSecretKey {
    let mut bytes = [seed; 32];
    bytes[0] = 0x11;
    BlsSecretKey::from_bytes(&bytes).unwrap()
}

#[test]
fn secret_keys_round_trip_reject_out_of_range_and_never_print() {
    let sk = secret(3);
    assert_eq!(
        BlsSecretKey::from_bytes(sk.to_bytes().as_ref())
            .unwrap()
            .public_key(),
        sk.public_key()
    );
    assert_eq!(
        BlsSecretKey::from_hex(&sk.to_hex()).unwrap().public_key(),
        sk.public_key()
    );
    for bad in [vec![0u8; 32], vec![0xff; 32], vec![1u8; 31], vec![1u8; 33]] {
        assert!(BlsSecretKey::from_bytes(&bad).is_err());
    }
    let debug = format!("{sk:?}");
    let secret_hex = confide_core::hex::encode(sk.to_bytes().as_ref());
    assert!(!debug.contains(&secret_hex), "{debug}");
    let mut rng = StdRng::seed_from_u64(1);
    assert_ne!(
        BlsSecretKey::generate(&mut rng).public_key(),
        BlsSecretKey::generate(&mut rng).public_key()
    );
}

#[test]
fn proof_of_possession_binds_the_key() {
    let (a, b) = (secret(1), secret(2));
    let pop = a.proof_of_possession();
    assert!(a.public_key().verify_proof_of_possession(&pop));
    assert!(!b.public_key().verify_proof_of_possession(&pop));
    // A message signature over the key bytes is not a proof (other tag).
    let forged = a.sign(&a.public_key().to_bytes(), POP);
    assert!(!a.public_key().verify_proof_of_possession(&forged));
}

#[test]
fn the_two_ciphersuites_use_their_own_tags() {
    let sk = secret(4);
    let pop = sk.sign(b"m", Ciphersuite::Pop);
    let lux = sk.sign(b"m", Ciphersuite::LuxBasic);
    assert_ne!(pop, lux);
    assert!(pop.verify(b"m", sk.public_key(), Ciphersuite::Pop));
    assert!(!pop.verify(b"m", sk.public_key(), Ciphersuite::LuxBasic));
    assert!(lux.verify(b"m", sk.public_key(), Ciphersuite::LuxBasic));
    assert_eq!(
        Ciphersuite::parse("lux-basic").unwrap(),
        Ciphersuite::LuxBasic
    );
    assert!(Ciphersuite::parse("nul").is_err());
}

#[test]
fn an_aggregate_key_at_infinity_is_refused() {
    // −K is K with the sign bit of its compressed form flipped; K + (−K) is the point at infinity.
    let k = *secret(5).public_key();
    let mut negated = k.to_bytes();
    negated[0] ^= 0x20;
    let minus_k = PublicKey::from_bytes(&negated).unwrap();
    assert!(aggregate_public_keys([&k, &minus_k]).is_err());
    let infinity = Signature::from_bytes(&{
        let mut b = [0u8; 96];
        b[0] = 0xc0;
        b
    })
    .unwrap();
    assert!(infinity.is_infinity());
    assert!(!fast_aggregate_verify(&[k, minus_k], b"m", &infinity, POP));
}

#[test]
fn batch_over_one_message_finds_every_bad_signature() {
    let mut rng = StdRng::seed_from_u64(9);
    let message = b"warp";
    let sks: Vec<BlsSecretKey> = (1..=20).map(secret).collect();
    let keys: Vec<PublicKey> = sks.iter().map(|sk| *sk.public_key()).collect();
    let mut sigs: Vec<Signature> = sks.iter().map(|sk| sk.sign(message, POP)).collect();
    assert!(batch_verify_same_message(
        message, &keys, &sigs, POP, &mut rng
    ));
    assert!(batch_verify_same_message(message, &[], &[], POP, &mut rng));
    assert!(!batch_verify_same_message(
        message,
        &keys[..2],
        &sigs[..1],
        POP,
        &mut rng
    ));
    // Swapping two valid signatures, another message, and a signature by another key.
    sigs.swap(3, 4);
    sigs[11] = sks[11].sign(b"other", POP);
    sigs[19] = sks[0].sign(message, POP);
    assert!(!batch_verify_same_message(
        message, &keys, &sigs, POP, &mut rng
    ));
    assert_eq!(
        find_invalid_signatures(message, &keys, &sigs, POP, &mut rng),
        vec![3, 4, 11, 19]
    );
}
