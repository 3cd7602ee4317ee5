//! Warp through the C ABI from Rust: the real Avalanche messages round-trip through the handles,
//! a message signed here verifies against a validator set, and each rejection has its code.
//! (examples/c/test_warp.c covers the derived vectors from C under valgrind.)

mod common;

use std::ptr;

use common::*;
use confide_core::warp::bls::{BlsSecretKey, Ciphersuite};
use confide_core::warp::{Codec, SignedMessage, SignerBitset, UnsignedMessage};
use confide_ffi::warp_message::*;
use confide_ffi::warp_verify::*;
use confide_ffi::{ConfideBlsCiphersuite, ConfideErrorCode, ConfideWarpCodec};

const REAL: &str =
    include_str!("../../core/tests/vectors/warp/signed_warp_messages_from_fee_tests.json");
const AVALANCHE: u32 = ConfideWarpCodec::Avalanche as u32;
const POP: u32 = ConfideBlsCiphersuite::Pop as u32;

fn parse(bytes: &[u8]) -> Result<*mut ConfideWarpSignedMessage, Failure> {
    let mut message = ptr::null_mut();
    let error = unsafe {
        confide_warp_signed_message_parse(AVALANCHE, bytes.as_ptr(), bytes.len(), &mut message)
    };
    if error.is_null() {
        Ok(message)
    } else {
        Err(take_error(error))
    }
}

fn encoding(message: *const ConfideWarpSignedMessage) -> Vec<u8> {
    let mut bytes = confide_ffi::ConfideBuffer {
        data: ptr::null_mut(),
        len: 0,
    };
    ok(unsafe {
        confide_warp_signed_message_parts(message, ptr::null_mut(), ptr::null_mut(), &mut bytes)
    });
    take_buffer(bytes)
}

#[test]
fn real_avalanche_messages_round_trip_byte_for_byte() {
    let vectors: serde_json::Value = serde_json::from_str(REAL).unwrap();
    for (name, vector) in vectors["vectors"].as_object().unwrap() {
        let hex = vector["signed_message_hex"].as_str().unwrap();
        let bytes = confide_core::hex::decode("vector", hex).unwrap();
        let message = parse(&bytes).unwrap();
        assert_eq!(encoding(message), bytes, "{name}");
        let mut unsigned = ptr::null_mut();
        ok(unsafe { confide_warp_signed_message_unsigned(message, &mut unsigned) });
        let mut network_id = 0;
        ok(unsafe { confide_warp_unsigned_message_network_id(unsigned, &mut network_id) });
        assert_eq!(network_id, 12345);
        unsafe {
            confide_warp_unsigned_message_free(unsigned);
            confide_warp_signed_message_free(message);
        }
        let truncated = parse(&bytes[..bytes.len() - 1]).unwrap_err();
        assert_eq!(truncated.code, ConfideErrorCode::InvalidMessage as u32);
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(parse(&longer).unwrap_err().message.contains("trailing"));
    }
}

#[test]
fn a_message_signed_by_two_of_three_verifies_against_the_set() {
    let keys: Vec<BlsSecretKey> = (1..=3u8)
        .map(|i| BlsSecretKey::from_bytes(&[i; 32]).unwrap())
        .collect();
    let json = serde_json::to_string(
        &keys
            .iter()
            .enumerate()
            .map(|(i, k)| serde_json::json!({"node_id": format!("n{i}"), "bls_public_key": k.public_key().to_hex(), "weight": 10}))
            .collect::<Vec<_>>(),
    )
    .unwrap();
    let mut set = ptr::null_mut();
    ok(unsafe { confide_warp_validator_set_from_json(c(&json).as_ptr(), &mut set) });
    let core_set = confide_core::warp::ValidatorSet::from_json(&json).unwrap();
    let unsigned = UnsignedMessage::new(Codec::Avalanche, 5, [9; 32], b"payload".to_vec()).unwrap();
    let signers: Vec<&BlsSecretKey> = keys[..2].iter().collect();
    let signature = confide_core::warp::bls::Signature::aggregate(
        &signers
            .iter()
            .map(|k| k.sign(unsigned.bytes(), Ciphersuite::Pop))
            .collect::<Vec<_>>(),
    )
    .unwrap();
    let bitset = SignerBitset::from_indices(
        signers
            .iter()
            .map(|k| core_set.index_of(k.public_key()).unwrap()),
    );
    let bytes = SignedMessage::new(unsigned, bitset, signature)
        .unwrap()
        .to_bytes();
    let message = parse(&bytes).unwrap();

    let mut verified = ptr::null_mut();
    ok(unsafe { confide_warp_verify(message, set, 5, 2, 3, POP, &mut verified) });
    let result = unsafe { &*verified };
    assert_eq!(
        (
            result.signed_weight,
            result.total_weight,
            result.signer_count
        ),
        (20, 30, 2)
    );
    let mut names: Vec<String> = serde_json::from_str(
        unsafe { std::ffi::CStr::from_ptr(result.signers_json) }
            .to_str()
            .unwrap(),
    )
    .unwrap();
    names.sort();
    assert_eq!(names, ["n0", "n1"]);
    unsafe { confide_warp_verified_free(verified) };

    let mut out = ptr::null_mut();
    let cases = [
        (6, 2, 3, POP, ConfideErrorCode::WrongNetwork),
        (5, 3, 4, POP, ConfideErrorCode::InsufficientWeight),
        (5, 0, 3, POP, ConfideErrorCode::InvalidArgument),
        (5, 2, 3, 1, ConfideErrorCode::InvalidSignature),
        (5, 2, 3, 2, ConfideErrorCode::InvalidArgument),
    ];
    for (network, num, den, suite, code) in cases {
        fails(
            unsafe { confide_warp_verify(message, set, network, num, den, suite, &mut out) },
            code,
        );
        assert!(out.is_null());
    }
    unsafe {
        confide_warp_signed_message_free(message);
        confide_warp_validator_set_free(set);
    }
}
