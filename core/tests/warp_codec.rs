//! Every input WARP.md says a parser rejects — truncation, trailing bytes, lengths over the limits
//! or wrapping around u32, unknown versions and type ids, bitset padding, non-canonical RLP, bad
//! points — and property tests: encodings round-trip, arbitrary bytes never panic.

#![cfg(feature = "warp")]

use confide_core::ErrorCode;
use confide_core::warp::bls::{BlsSecretKey, Ciphersuite, Signature};
use confide_core::warp::{
    Codec, MAX_MESSAGE_SIZE, SignatureRequest, SignedMessage, SignerBitset, UnsignedMessage,
    parse_signature_response,
};
use proptest::prelude::*;

const CHAIN: [u8; 32] = [7; 32];

fn signature() -> Signature {
    BlsSecretKey::from_bytes(&[0x22; 32])
        .unwrap()
        .sign(b"m", Ciphersuite::Pop)
}

fn unsigned(codec: Codec, payload: &[u8]) -> UnsignedMessage {
    UnsignedMessage::new(codec, 5, CHAIN, payload.to_vec()).unwrap()
}

fn signed(codec: Codec, payload: &[u8], signers: &[usize]) -> SignedMessage {
    SignedMessage::new(
        unsigned(codec, payload),
        SignerBitset::from_indices(signers.iter().copied()),
        signature(),
    )
    .unwrap()
}

fn code<T: std::fmt::Debug>(result: confide_core::Result<T>) -> ErrorCode {
    result.expect_err("must be rejected").code()
}

#[test]
fn every_truncation_and_any_trailing_byte_is_rejected() {
    for codec in [Codec::Avalanche, Codec::LuxRlp] {
        let unsigned = unsigned(codec, b"hello warp");
        let bytes = unsigned.bytes();
        for len in 0..bytes.len() {
            assert!(
                UnsignedMessage::parse(codec, &bytes[..len]).is_err(),
                "{codec} unsigned {len}"
            );
        }
        let mut extra = bytes.to_vec();
        extra.push(0);
        assert_eq!(
            code(UnsignedMessage::parse(codec, &extra)),
            ErrorCode::InvalidMessage
        );

        let signed = signed(codec, b"hello warp", &[0, 9]).to_bytes();
        for len in 0..signed.len() {
            assert!(
                SignedMessage::parse(codec, &signed[..len]).is_err(),
                "{codec} signed {len}"
            );
        }
        let mut extra = signed.clone();
        extra.push(0);
        assert_eq!(
            code(SignedMessage::parse(codec, &extra)),
            ErrorCode::InvalidMessage
        );
    }
}

#[test]
fn avalanche_lengths_versions_and_type_ids() {
    let good = signed(Codec::Avalanche, b"abc", &[1]).to_bytes();
    let payload_len_at = 2 + 4 + 32;
    let type_id_at = payload_len_at + 4 + 3;
    let signers_len_at = type_id_at + 4;

    // A length of 0xffffffff (the Lux v1.18 wrap-around) and one a byte too long.
    for len in [u32::MAX, 4, u32::MAX - 2] {
        let mut bad = good.clone();
        bad[payload_len_at..payload_len_at + 4].copy_from_slice(&len.to_be_bytes());
        assert!(
            SignedMessage::parse(Codec::Avalanche, &bad).is_err(),
            "payload len {len}"
        );
        let mut bad = good.clone();
        bad[signers_len_at..signers_len_at + 4].copy_from_slice(&len.to_be_bytes());
        assert!(
            SignedMessage::parse(Codec::Avalanche, &bad).is_err(),
            "signers len {len}"
        );
    }
    let mut bad = good.clone();
    bad[1] = 1;
    assert_eq!(
        code(SignedMessage::parse(Codec::Avalanche, &bad)),
        ErrorCode::InvalidMessage
    );
    let mut bad = good.clone();
    bad[type_id_at + 3] = 1;
    assert_eq!(
        code(SignedMessage::parse(Codec::Avalanche, &bad)),
        ErrorCode::InvalidMessage
    );
}

#[test]
fn bitset_padding_is_rejected() {
    assert_eq!(
        code(SignerBitset::from_bytes(&[0x00, 0x05])),
        ErrorCode::InvalidMessage
    );
    assert_eq!(
        code(SignerBitset::from_bytes(&[0x00])),
        ErrorCode::InvalidMessage
    );
    assert!(SignerBitset::from_bytes(&[]).unwrap().is_empty());
    // The same in a message: signers = 00 05 (len 2).
    let good = signed(Codec::Avalanche, b"", &[0, 2]).to_bytes();
    let signers_len_at = 2 + 4 + 32 + 4 + 4;
    let mut padded = good[..signers_len_at].to_vec();
    padded.extend_from_slice(&2u32.to_be_bytes());
    padded.extend_from_slice(&[0x00, 0x05]);
    padded.extend_from_slice(&good[signers_len_at + 5..]);
    assert_eq!(
        code(SignedMessage::parse(Codec::Avalanche, &padded)),
        ErrorCode::InvalidMessage
    );
    let lux = signed(Codec::LuxRlp, b"", &[0, 2]).to_bytes();
    assert!(SignedMessage::parse(Codec::LuxRlp, &lux).is_ok());
}

#[test]
fn signatures_off_the_curve_or_outside_the_subgroup_are_rejected() {
    let good = signed(Codec::Avalanche, b"x", &[0]).to_bytes();
    let sig_at = good.len() - 96;
    let mut bad = good.clone();
    bad[sig_at] &= 0x7f; // compression flag cleared: not a compressed point
    assert_eq!(
        code(SignedMessage::parse(Codec::Avalanche, &bad)),
        ErrorCode::InvalidSignature
    );
    // From the Ethereum suite: on no curve point / not in G2.
    let not_in_g2 = confide_core::hex::decode("s", "8123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef").unwrap();
    let mut bad = good.clone();
    bad[sig_at..].copy_from_slice(&not_in_g2);
    assert_eq!(
        code(SignedMessage::parse(Codec::Avalanche, &bad)),
        ErrorCode::InvalidSignature
    );
}

#[test]
fn messages_over_256_kib_are_rejected() {
    let too_big = vec![0u8; MAX_MESSAGE_SIZE];
    assert_eq!(
        code(UnsignedMessage::new(Codec::Avalanche, 1, CHAIN, too_big)),
        ErrorCode::MessageTooLarge
    );
    let fits = vec![0u8; MAX_MESSAGE_SIZE - 42 - 96 - 8 - 1];
    let unsigned = UnsignedMessage::new(Codec::Avalanche, 1, CHAIN, fits).unwrap();
    let message =
        SignedMessage::new(unsigned, SignerBitset::from_indices([0]), signature()).unwrap();
    assert_eq!(message.to_bytes().len(), MAX_MESSAGE_SIZE);
    let mut over = message.to_bytes();
    over.push(0);
    assert_eq!(
        code(SignedMessage::parse(Codec::Avalanche, &over)),
        ErrorCode::MessageTooLarge
    );
    let unsigned = UnsignedMessage::new(
        Codec::Avalanche,
        1,
        CHAIN,
        vec![0; MAX_MESSAGE_SIZE - 42 - 96 - 8],
    )
    .unwrap();
    assert_eq!(
        code(SignedMessage::new(
            unsigned,
            SignerBitset::from_indices([0]),
            signature()
        )),
        ErrorCode::MessageTooLarge
    );
}

fn hex(text: &str) -> Vec<u8> {
    confide_core::hex::decode("t", text).unwrap()
}

#[test]
fn lux_rlp_accepts_only_canonical_encodings() {
    let chain = "a0".to_owned() + &"07".repeat(32);
    let good = format!("e6 05 {chain} 83 616263").replace(' ', "");
    let parsed = UnsignedMessage::parse(Codec::LuxRlp, &hex(&good)).unwrap();
    assert_eq!(parsed.payload(), b"abc");
    assert_eq!(parsed.bytes(), unsigned(Codec::LuxRlp, b"abc").bytes());
    let rejected = [
        // A single byte below 0x80 wrapped in a string header.
        format!("e7 8105 {chain} 83 616263"),
        // Network id with a leading zero; zero written as 00 instead of 80.
        format!("e7 820005 {chain} 83 616263"),
        format!("e6 00 {chain} 83 616263"),
        // Network id over 32 bits.
        format!("ea 850100000000 {chain} 83 616263"),
        // Source chain of 31 bytes.
        format!("e5 05 9f{} 83 616263", "07".repeat(31)),
        // Long form for a short string, and a long length with a leading zero.
        format!("e7 05 {chain} b803 616263"),
        format!("e8 05 {chain} b90003 616263"),
        // A list where a string belongs, a fourth item, a string at the top.
        format!("e6 05 {chain} c3 616263"),
        format!("e7 05 {chain} 83 616263 01"),
        format!("a6 05 {chain} 83 616263"),
        // List length too long / too short, trailing byte.
        format!("e7 05 {chain} 83 616263"),
        format!("e5 05 {chain} 83 616263"),
        format!("e6 05 {chain} 83 616263 00"),
        // Long list form for a short list.
        format!("f826 05 {chain} 83 616263"),
    ];
    for text in rejected {
        let bytes = hex(&text.replace(' ', ""));
        assert_eq!(
            code(UnsignedMessage::parse(Codec::LuxRlp, &bytes)),
            ErrorCode::InvalidMessage,
            "{text}"
        );
    }
    // A huge long-form length does not overflow or allocate.
    assert!(UnsignedMessage::parse(Codec::LuxRlp, &hex("ffffffffffffffffff")).is_err());
    assert!(UnsignedMessage::parse(Codec::LuxRlp, &hex("bbffffffff")).is_err());
}

#[test]
fn lux_rlp_signed_messages_check_type_and_shape() {
    let good = signed(Codec::LuxRlp, b"abc", &[3]).to_bytes();
    let parsed = SignedMessage::parse(Codec::LuxRlp, &good).unwrap();
    assert_eq!(parsed.to_bytes(), good);
    // Signature type 1 instead of 0 (0x80): same length, so only the type is wrong.
    let at = good.iter().rposition(|&b| b == 0x80).unwrap();
    let unsigned_len = parsed.unsigned().bytes().len();
    let type_at = 2 + unsigned_len; // list header (f8 xx) + unsigned list
    assert_eq!(good[type_at], 0x80, "type byte located (last 0x80 at {at})");
    let mut bad = good.clone();
    bad[type_at] = 0x01;
    assert_eq!(
        code(SignedMessage::parse(Codec::LuxRlp, &bad)),
        ErrorCode::InvalidMessage
    );
}

#[test]
fn signature_requests() {
    let request = SignatureRequest {
        message: b"msg".to_vec(),
        justification: vec![],
    };
    let bytes = request.to_bytes().unwrap();
    assert_eq!(
        bytes,
        hex("00000003 6d7367 00000000".replace(' ', "").as_str())
    );
    assert_eq!(SignatureRequest::parse(&bytes).unwrap(), request);
    for len in 0..bytes.len() {
        assert_eq!(
            code(SignatureRequest::parse(&bytes[..len])),
            ErrorCode::InvalidMessage,
            "{len}"
        );
    }
    let mut trailing = bytes.clone();
    trailing.push(1);
    assert_eq!(
        code(SignatureRequest::parse(&trailing)),
        ErrorCode::InvalidMessage
    );
    let wrapped = hex("ffffffff 6d7367 00000000".replace(' ', "").as_str());
    assert_eq!(
        code(SignatureRequest::parse(&wrapped)),
        ErrorCode::MessageTooLarge
    );
    let over = SignatureRequest {
        message: vec![0; MAX_MESSAGE_SIZE + 1],
        justification: vec![],
    };
    assert_eq!(code(over.to_bytes()), ErrorCode::MessageTooLarge);
}

#[test]
fn signature_responses_in_both_forms() {
    let sig = signature();
    let plain = sig.to_bytes();
    assert_eq!(parse_signature_response(&plain).unwrap(), sig);
    let mut lux = 96u32.to_be_bytes().to_vec();
    lux.extend_from_slice(&plain);
    assert_eq!(parse_signature_response(&lux).unwrap(), sig);
    let mut wrong_prefix = lux.clone();
    wrong_prefix[3] = 95;
    assert!(parse_signature_response(&wrong_prefix).is_err());
    for len in [0, 1, 95, 97, 99, 101, 192] {
        assert!(parse_signature_response(&vec![0xaa; len]).is_err(), "{len}");
    }
    assert!(parse_signature_response(&plain[..95]).is_err());
    let mut garbage = plain;
    garbage[5] ^= 1;
    // Flipping a bit of x almost never lands on G2.
    assert!(parse_signature_response(&garbage).is_err());
}

fn any_codec() -> impl Strategy<Value = Codec> {
    prop_oneof![Just(Codec::Avalanche), Just(Codec::LuxRlp)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn unsigned_messages_round_trip(
        codec in any_codec(),
        network_id in any::<u32>(),
        chain in any::<[u8; 32]>(),
        payload in proptest::collection::vec(any::<u8>(), 0..600),
    ) {
        let message = UnsignedMessage::new(codec, network_id, chain, payload.clone()).unwrap();
        let parsed = UnsignedMessage::parse(codec, message.bytes()).unwrap();
        prop_assert_eq!(&parsed, &message);
        prop_assert_eq!(parsed.network_id(), network_id);
        prop_assert_eq!(parsed.payload(), &payload[..]);
    }

    #[test]
    fn signed_messages_round_trip(
        codec in any_codec(),
        network_id in any::<u32>(),
        payload in proptest::collection::vec(any::<u8>(), 0..300),
        signers in proptest::collection::btree_set(0usize..2000, 0..40),
    ) {
        let unsigned = UnsignedMessage::new(codec, network_id, CHAIN, payload).unwrap();
        let bitset = SignerBitset::from_indices(signers.iter().copied());
        prop_assert_eq!(bitset.indices().collect::<Vec<_>>(), signers.iter().copied().collect::<Vec<_>>());
        let message = SignedMessage::new(unsigned, bitset, signature()).unwrap();
        let bytes = message.to_bytes();
        let parsed = SignedMessage::parse(codec, &bytes).unwrap();
        prop_assert_eq!(&parsed, &message);
        prop_assert_eq!(parsed.to_bytes(), bytes);
    }

    #[test]
    fn requests_round_trip(
        message in proptest::collection::vec(any::<u8>(), 0..300),
        justification in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        let request = SignatureRequest { message, justification };
        prop_assert_eq!(SignatureRequest::parse(&request.to_bytes().unwrap()).unwrap(), request);
    }

    #[test]
    fn parsers_never_panic_and_accept_only_canonical_bytes(
        codec in any_codec(),
        bytes in proptest::collection::vec(any::<u8>(), 0..200),
    ) {
        if let Ok(message) = UnsignedMessage::parse(codec, &bytes) {
            prop_assert_eq!(message.bytes(), &bytes[..]);
        }
        if let Ok(message) = SignedMessage::parse(codec, &bytes) {
            prop_assert_eq!(message.to_bytes(), bytes.clone());
        }
        if let Ok(request) = SignatureRequest::parse(&bytes) {
            prop_assert_eq!(request.to_bytes().unwrap(), bytes.clone());
        }
        let _ = parse_signature_response(&bytes);
        if let Ok(bitset) = SignerBitset::from_bytes(&bytes) {
            let rebuilt = SignerBitset::from_indices(bitset.indices());
            prop_assert_eq!(rebuilt.as_bytes(), &bytes[..]);
        }
    }

    #[test]
    fn mutated_messages_never_panic(
        codec in any_codec(),
        position in any::<prop::sample::Index>(),
        value in any::<u8>(),
        cut in any::<prop::sample::Index>(),
    ) {
        let bytes = signed(codec, b"payload", &[1, 5]).to_bytes();
        let mut mutated = bytes.clone();
        mutated[position.index(bytes.len())] = value;
        if let Ok(message) = SignedMessage::parse(codec, &mutated) {
            prop_assert_eq!(message.to_bytes(), mutated.clone());
        }
        let _ = SignedMessage::parse(codec, &mutated[..cut.index(mutated.len())]);
        let _ = UnsignedMessage::parse(codec, &mutated[..cut.index(mutated.len())]);
    }
}
