//! The derived Warp vectors (`vectors/warp/warp_derived_vectors.json`: avalanche and lux-rlp
//! encodings, message IDs, POP and NUL signatures, proofs of possession, bitsets, a signed message)
//! and the two real signed Avalanche messages, which parse and re-serialise byte for byte.

#![cfg(feature = "warp")]

mod common;

use common::Hex;
use confide_core::warp::bls::{BlsSecretKey, Ciphersuite, PublicKey, Signature};
use confide_core::warp::{
    Codec, Quorum, SignedMessage, SignerBitset, UnsignedMessage, ValidatorEntry, ValidatorSet,
    verify_signed_message,
};
use serde::Deserialize;

#[derive(Deserialize)]
struct Derived {
    keys: Vec<Key>,
    canonical_order_by_uncompressed_pk_avalanchego: Vec<usize>,
    unsigned_message: Unsigned,
    #[serde(rename = "sign_avalanchego_unsigned_POP")]
    pop: Signatures,
    #[serde(rename = "sign_avalanchego_unsigned_NUL")]
    nul: Signatures,
    #[serde(rename = "sign_luxfi_rlp_unsigned_NUL")]
    lux_nul: Signatures,
    pop_over_compressed_pk: Vec<Hex>,
    bitsets: Vec<Bitset>,
    #[serde(rename = "signed_message_avalanchego_POP_keys0_2")]
    signed_keys_0_2: Signed,
}

#[derive(Deserialize)]
struct Key {
    sk_hex: Hex,
    pk_compressed_hex: Hex,
    pk_uncompressed_hex: Hex,
}

#[derive(Deserialize)]
struct Unsigned {
    network_id: u32,
    source_chain_id_hex: Hex,
    payload_hex: Hex,
    avalanchego_linearcodec_hex: Hex,
    avalanchego_message_id_sha256: Hex,
    luxfi_v1_18_rlp_hex: Hex,
    luxfi_v1_18_message_id_sha256: Hex,
}

#[derive(Deserialize)]
struct Signatures {
    sigs_hex: Vec<Hex>,
    agg_keys_0_2_hex: Option<Hex>,
    agg_all_hex: Option<Hex>,
}

#[derive(Deserialize)]
struct Bitset {
    indices: Vec<usize>,
    avalanchego_bigendian_bigint_hex: Hex,
}

#[derive(Deserialize)]
struct Signed {
    signers_hex: Hex,
    hex: Hex,
}

fn derived() -> Derived {
    common::load("warp/warp_derived_vectors.json")
}

fn secret_keys(d: &Derived) -> Vec<BlsSecretKey> {
    d.keys
        .iter()
        .map(|k| BlsSecretKey::from_bytes(&k.sk_hex).unwrap())
        .collect()
}

fn message(d: &Derived, codec: Codec) -> UnsignedMessage {
    let u = &d.unsigned_message;
    UnsignedMessage::new(
        codec,
        u.network_id,
        u.source_chain_id_hex.array("source chain"),
        u.payload_hex.0.clone(),
    )
    .unwrap()
}

#[test]
fn keys_and_their_canonical_order() {
    let d = derived();
    for (sk, key) in secret_keys(&d).iter().zip(&d.keys) {
        assert_eq!(
            sk.public_key().to_bytes().as_slice(),
            &key.pk_compressed_hex[..]
        );
        assert_eq!(
            sk.public_key().to_uncompressed().as_slice(),
            &key.pk_uncompressed_hex[..]
        );
        assert_eq!(
            PublicKey::from_bytes(&key.pk_compressed_hex).unwrap(),
            *sk.public_key()
        );
    }
    // Listed in reverse, the set still sorts by uncompressed key.
    let set = ValidatorSet::new(
        d.keys
            .iter()
            .enumerate()
            .rev()
            .map(|(i, k)| ValidatorEntry {
                node_id: format!("key{i}"),
                endpoint: None,
                public_key: Some(PublicKey::from_bytes(&k.pk_compressed_hex).unwrap()),
                weight: 1,
            }),
    )
    .unwrap();
    let order: Vec<usize> = set
        .validators()
        .iter()
        .map(|v| v.members()[0].node_id[3..].parse().unwrap())
        .collect();
    assert_eq!(order, d.canonical_order_by_uncompressed_pk_avalanchego);
}

#[test]
fn unsigned_message_in_both_codecs() {
    let d = derived();
    let u = &d.unsigned_message;
    for (codec, bytes, id) in [
        (
            Codec::Avalanche,
            &u.avalanchego_linearcodec_hex,
            &u.avalanchego_message_id_sha256,
        ),
        (
            Codec::LuxRlp,
            &u.luxfi_v1_18_rlp_hex,
            &u.luxfi_v1_18_message_id_sha256,
        ),
    ] {
        let built = message(&d, codec);
        assert_eq!(built.bytes(), &bytes[..], "{codec}");
        assert_eq!(built.id().as_slice(), &id[..], "{codec}");
        let parsed = UnsignedMessage::parse(codec, bytes).unwrap();
        assert_eq!(parsed, built);
        assert_eq!(parsed.network_id(), u.network_id);
        assert_eq!(parsed.payload(), &u.payload_hex[..]);
        // Each codec refuses the other's bytes.
        let other = if codec == Codec::Avalanche {
            Codec::LuxRlp
        } else {
            Codec::Avalanche
        };
        assert!(UnsignedMessage::parse(other, bytes).is_err());
    }
}

fn check_signatures(d: &Derived, signed: &[u8], suite: Ciphersuite, expected: &Signatures) {
    let sks = secret_keys(d);
    let sigs: Vec<Signature> = sks.iter().map(|sk| sk.sign(signed, suite)).collect();
    for ((sig, want), sk) in sigs.iter().zip(&expected.sigs_hex).zip(&sks) {
        assert_eq!(sig.to_bytes().as_slice(), &want[..], "{suite}");
        assert!(
            Signature::from_bytes(want)
                .unwrap()
                .verify(signed, sk.public_key(), suite)
        );
    }
    if let Some(want) = &expected.agg_keys_0_2_hex {
        let agg = Signature::aggregate([&sigs[0], &sigs[2]]).unwrap();
        assert_eq!(agg.to_bytes().as_slice(), &want[..], "{suite} keys 0, 2");
    }
    if let Some(want) = &expected.agg_all_hex {
        assert_eq!(
            Signature::aggregate(&sigs).unwrap().to_bytes().as_slice(),
            &want[..],
            "{suite} all"
        );
    }
}

#[test]
fn signatures_under_pop_and_nul() {
    let d = derived();
    let avalanche = message(&d, Codec::Avalanche);
    let lux = message(&d, Codec::LuxRlp);
    check_signatures(&d, avalanche.bytes(), Ciphersuite::Pop, &d.pop);
    check_signatures(&d, avalanche.bytes(), Ciphersuite::LuxBasic, &d.nul);
    check_signatures(&d, lux.bytes(), Ciphersuite::LuxBasic, &d.lux_nul);
}

#[test]
fn proofs_of_possession() {
    let d = derived();
    for (sk, want) in secret_keys(&d).iter().zip(&d.pop_over_compressed_pk) {
        let pop = sk.proof_of_possession();
        assert_eq!(pop.to_bytes().as_slice(), &want[..]);
        assert!(
            sk.public_key()
                .verify_proof_of_possession(&Signature::from_bytes(want).unwrap())
        );
    }
}

#[test]
fn bitsets() {
    let d = derived();
    assert_eq!(d.bitsets.len(), 7);
    for case in &d.bitsets {
        let set = SignerBitset::from_indices(case.indices.iter().copied());
        assert_eq!(
            set.as_bytes(),
            &case.avalanchego_bigendian_bigint_hex[..],
            "{:?}",
            case.indices
        );
        let parsed = SignerBitset::from_bytes(&case.avalanchego_bigendian_bigint_hex).unwrap();
        assert_eq!(parsed.indices().collect::<Vec<_>>(), case.indices);
        assert_eq!(parsed.count(), case.indices.len());
        assert_eq!(parsed.bit_len(), case.indices.iter().max().unwrap() + 1);
        for &i in &case.indices {
            assert!(parsed.contains(i));
        }
    }
}

#[test]
fn signed_message_by_keys_0_and_2() {
    let d = derived();
    let v = &d.signed_keys_0_2;
    let parsed = SignedMessage::parse(Codec::Avalanche, &v.hex).unwrap();
    assert_eq!(parsed.to_bytes(), v.hex.0);
    assert_eq!(parsed.signers().as_bytes(), &v.signers_hex[..]);
    let built = SignedMessage::new(
        message(&d, Codec::Avalanche),
        SignerBitset::from_indices([0, 2]),
        Signature::from_bytes(d.pop.agg_keys_0_2_hex.as_ref().unwrap()).unwrap(),
    )
    .unwrap();
    assert_eq!(built.to_bytes(), v.hex.0);

    let set = ValidatorSet::new(d.keys.iter().enumerate().map(|(i, k)| ValidatorEntry {
        node_id: format!("key{i}"),
        endpoint: None,
        public_key: Some(PublicKey::from_bytes(&k.pk_compressed_hex).unwrap()),
        weight: 1,
    }))
    .unwrap();
    let verified = verify_signed_message(
        &parsed,
        1,
        &set,
        Quorum::new(2, 3).unwrap(),
        Ciphersuite::Pop,
    )
    .unwrap();
    assert_eq!((verified.signed_weight, verified.total_weight), (2, 3));
    assert_eq!(verified.signers, vec![0, 2]);
    // Not under the other tag, and not for a 67% quorum over 3 (needs ⌈2.01⌉ = 3).
    assert!(
        verify_signed_message(
            &parsed,
            1,
            &set,
            Quorum::new(2, 3).unwrap(),
            Ciphersuite::LuxBasic
        )
        .is_err()
    );
    assert!(verify_signed_message(&parsed, 1, &set, Quorum::DEFAULT, Ciphersuite::Pop).is_err());
}

#[derive(Deserialize)]
struct RealFile {
    vectors: std::collections::BTreeMap<String, Real>,
}

#[derive(Deserialize)]
struct Real {
    signed_message_hex: Hex,
    length: usize,
    network_id: u32,
    source_chain_id_hex: Hex,
    payload_hex: Hex,
    unsigned_message_hex: Hex,
    message_id_sha256_hex: Hex,
    signature_type_id: u32,
    signers_hex: Hex,
    aggregate_signature_hex: Hex,
}

#[test]
fn real_avalanche_messages_round_trip_byte_for_byte() {
    let file: RealFile = common::load("warp/signed_warp_messages_from_fee_tests.json");
    assert_eq!(file.vectors.len(), 2);
    for (name, v) in &file.vectors {
        assert_eq!(v.signed_message_hex.len(), v.length, "{name}");
        assert_eq!(v.signature_type_id, 0);
        let message = SignedMessage::parse(Codec::Avalanche, &v.signed_message_hex)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(message.to_bytes(), v.signed_message_hex.0, "{name}");
        let unsigned = message.unsigned();
        assert_eq!(unsigned.network_id(), v.network_id, "{name}");
        assert_eq!(
            unsigned.source_chain_id().as_slice(),
            &v.source_chain_id_hex[..]
        );
        assert_eq!(unsigned.payload(), &v.payload_hex[..]);
        assert_eq!(unsigned.bytes(), &v.unsigned_message_hex[..]);
        assert_eq!(unsigned.id().as_slice(), &v.message_id_sha256_hex[..]);
        assert_eq!(message.signers().as_bytes(), &v.signers_hex[..]);
        assert_eq!(
            message.signature().to_bytes().as_slice(),
            &v.aggregate_signature_hex[..]
        );
        // The unsigned part parses on its own too (signer keys are not published: format only).
        assert_eq!(
            &UnsignedMessage::parse(Codec::Avalanche, &v.unsigned_message_hex).unwrap(),
            unsigned
        );
    }
}
