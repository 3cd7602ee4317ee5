//! Key utilities: generate, from hex / bytes, to hex, public key, address, prehash signing.

mod common;

use std::ptr;

use common::*;
use confide_core::crypto::{PublicKey, RecoverableSignature};
use confide_ffi::keys::*;
use confide_ffi::{ConfideBuffer, ConfideErrorCode};

const EMPTY: ConfideBuffer = ConfideBuffer {
    data: ptr::null_mut(),
    len: 0,
};

fn address_of(key: *const ConfideSecretKey) -> String {
    let mut address = ptr::null_mut();
    ok(unsafe { confide_secret_key_address(key, &mut address) });
    take_string(address)
}

#[test]
fn vector_keys_give_the_published_public_key_and_addresses() {
    let host = key(HOST_HEX);
    let wallet = key(WALLET_HEX);
    assert_eq!(
        confide_core::hex::encode(&public_key(host)),
        "034f355bdcb7cc0af728ef3cceb9615d90684bb5b2ca5f859ab0f0b704075871aa"
    );
    assert_eq!(address_of(wallet), WALLET_ADDRESS);
    assert_eq!(
        address_of(host).to_lowercase(),
        "0x19e7e376e7c213b7e7e7e46cc70a5dd086daff2a"
    );
    unsafe {
        confide_secret_key_free(host);
        confide_secret_key_free(wallet);
    }
}

#[test]
fn generated_keys_are_fresh_and_round_trip_through_hex_and_bytes() {
    let (mut a, mut b) = (ptr::null_mut(), ptr::null_mut());
    ok(unsafe { confide_secret_key_generate(&mut a) });
    ok(unsafe { confide_secret_key_generate(&mut b) });
    assert_ne!(address_of(a), address_of(b));

    let mut hex = ptr::null_mut();
    ok(unsafe { confide_secret_key_to_hex(a, &mut hex) });
    let hex = take_string(hex);
    assert!(hex.starts_with("0x") && hex.len() == 66, "{}", hex.len());
    let again = key(&hex);
    assert_eq!(address_of(again), address_of(a));

    let bytes = confide_core::hex::decode("k", &hex).unwrap();
    let mut from_bytes = ptr::null_mut();
    ok(unsafe { confide_secret_key_from_bytes(bytes.as_ptr(), bytes.len(), &mut from_bytes) });
    assert_eq!(address_of(from_bytes), address_of(a));
    unsafe {
        for k in [a, b, again, from_bytes] {
            confide_secret_key_free(k);
        }
    }
}

#[test]
fn from_hex_rejects_bad_input_without_quoting_it() {
    let cases = [
        ("0x11zz", ConfideErrorCode::InvalidHexEncoding),
        ("abc", ConfideErrorCode::InvalidHexEncoding),
        ("0x1111", ConfideErrorCode::InvalidKey),
        (&"00".repeat(32)[..], ConfideErrorCode::InvalidKey),
        (
            "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141",
            ConfideErrorCode::InvalidKey,
        ),
    ];
    for (input, code) in cases {
        let mut key = ptr::null_mut();
        let failure = fails(
            unsafe { confide_secret_key_from_hex(c(input).as_ptr(), &mut key) },
            code,
        );
        assert!(key.is_null());
        assert!(!failure.message.contains(input), "{}", failure.message);
    }
}

#[test]
fn null_and_non_utf8_arguments_are_errors() {
    let mut key = ptr::null_mut();
    fails_on_argument(
        unsafe { confide_secret_key_from_hex(ptr::null(), &mut key) },
        "hex",
    );
    fails_on_argument(
        unsafe { confide_secret_key_from_hex(c(HOST_HEX).as_ptr(), ptr::null_mut()) },
        "out_key",
    );
    let invalid_utf8 = b"\xff\xfe\0";
    fails_on_argument(
        unsafe { confide_secret_key_from_hex(invalid_utf8.as_ptr().cast(), &mut key) },
        "hex",
    );
    assert!(key.is_null());
    fails_on_argument(
        unsafe { confide_secret_key_generate(ptr::null_mut()) },
        "out_key",
    );

    let mut out = ptr::null_mut();
    fails_on_argument(
        unsafe { confide_secret_key_address(ptr::null(), &mut out) },
        "key",
    );
    fails_on_argument(
        unsafe { confide_secret_key_to_hex(ptr::null(), &mut out) },
        "key",
    );
    let mut buffer = EMPTY;
    fails_on_argument(
        unsafe { confide_secret_key_public_key(ptr::null(), &mut buffer) },
        "key",
    );
    assert!(buffer.data.is_null());
}

#[test]
fn from_bytes_checks_lengths_and_null() {
    let mut key = ptr::null_mut();
    let short = [1u8; 31];
    fails(
        unsafe { confide_secret_key_from_bytes(short.as_ptr(), short.len(), &mut key) },
        ConfideErrorCode::InvalidKey,
    );
    fails_on_argument(
        unsafe { confide_secret_key_from_bytes(ptr::null(), 32, &mut key) },
        "bytes",
    );
    // (NULL, 0) is the empty input: a wrong length, not a NULL error.
    fails(
        unsafe { confide_secret_key_from_bytes(ptr::null(), 0, &mut key) },
        ConfideErrorCode::InvalidKey,
    );
    assert!(key.is_null());
}

#[test]
fn sign_prehash_produces_a_signature_that_recovers_to_the_key() {
    let wallet = key(WALLET_HEX);
    let digest = [7u8; 32];
    let mut signature = EMPTY;
    ok(unsafe { confide_secret_key_sign_prehash(wallet, digest.as_ptr(), 32, &mut signature) });
    let bytes = take_buffer(signature);
    assert_eq!(bytes.len(), 65);
    assert!(bytes[64] <= 1, "v is 0 or 1");
    let recovered = RecoverableSignature::from_bytes(&bytes)
        .unwrap()
        .recover(&digest)
        .unwrap();
    assert_eq!(recovered.address().to_checksum(), WALLET_ADDRESS);

    let mut signature = EMPTY;
    let failure = fails_on_argument(
        unsafe { confide_secret_key_sign_prehash(wallet, digest.as_ptr(), 31, &mut signature) },
        "digest_len",
    );
    assert!(failure.message.contains("31"));
    fails_on_argument(
        unsafe { confide_secret_key_sign_prehash(wallet, ptr::null(), 32, &mut signature) },
        "digest",
    );
    assert!(signature.data.is_null());
    unsafe { confide_secret_key_free(wallet) };
}

#[test]
fn public_key_from_hex_accepts_both_encodings_and_rejects_the_rest() {
    let host = key(HOST_HEX);
    let compressed = public_key(host);
    let uncompressed = PublicKey::from_sec1_bytes(&compressed)
        .unwrap()
        .to_uncompressed();
    for text in [
        format!("0x{}", confide_core::hex::encode(&compressed)),
        confide_core::hex::encode(&uncompressed),
    ] {
        let mut buffer = EMPTY;
        ok(unsafe { confide_public_key_from_hex(c(&text).as_ptr(), &mut buffer) });
        assert_eq!(take_buffer(buffer), compressed);
    }
    let mut buffer = EMPTY;
    fails(
        unsafe { confide_public_key_from_hex(c("0x0211").as_ptr(), &mut buffer) },
        ConfideErrorCode::InvalidKey,
    );
    fails(
        unsafe { confide_public_key_from_hex(c("not hex").as_ptr(), &mut buffer) },
        ConfideErrorCode::InvalidHexEncoding,
    );
    fails_on_argument(
        unsafe { confide_public_key_from_hex(ptr::null(), &mut buffer) },
        "hex",
    );
    unsafe { confide_secret_key_free(host) };
}

#[test]
fn public_key_address_matches_the_secret_keys_address() {
    let wallet = key(WALLET_HEX);
    let public = public_key(wallet);
    let mut address = ptr::null_mut();
    ok(unsafe { confide_public_key_address(public.as_ptr(), public.len(), &mut address) });
    assert_eq!(take_string(address), WALLET_ADDRESS);
    fails(
        unsafe { confide_public_key_address(public.as_ptr(), 32, &mut address) },
        ConfideErrorCode::InvalidKey,
    );
    fails_on_argument(
        unsafe { confide_public_key_address(public.as_ptr(), 33, ptr::null_mut()) },
        "out_address",
    );
    unsafe { confide_secret_key_free(wallet) };
}
