//! `RecoverableSignature::recover` (one double-scalar multiplication) proven equal to k256's
//! `VerifyingKey::recover_from_prehash`: on every `r, s` of the Wycheproof ECDSA secp256k1 file and
//! on random and extreme digests, scalars and recovery ids, both reject or both give the same key.
//!
//! The reference applies the policy `RecoverableSignature::from_bytes` documents (r, s in [1, n),
//! low-S, `v` ∈ {0, 1, 27, 28}) before calling k256, which itself also recovers from high-S
//! signatures. A high-S signature is additionally compared through its low-S twin (r, n − s).

mod common;

use common::{Wycheproof, load, to_hex};
use confide_core::ErrorCode;
use confide_core::crypto::{RecoverableSignature, SecretKey, VByte, sha256};
use k256::ecdsa::{RecoveryId, Signature, VerifyingKey};
use k256::elliptic_curve::Curve;
use k256::elliptic_curve::ops::Reduce;
use k256::elliptic_curve::point::AffineCoordinates;
use k256::{FieldBytes, ProjectivePoint, Scalar, U256};
use proptest::prelude::*;
use serde::Deserialize;

/// Every `v` the 65-byte encoding accepts.
const V_BYTES: [u8; 4] = [0, 1, 27, 28];

/// A recovered key (uncompressed SEC1), or `None` for a rejection.
type Outcome = Option<[u8; 65]>;

/// Our answer for `r ‖ s ‖ v` over `digest`; every rejection must be `INVALID_SIGNATURE`.
fn ours(bytes: &[u8; 65], digest: &[u8; 32]) -> Outcome {
    match RecoverableSignature::from_bytes(bytes).and_then(|signature| signature.recover(digest)) {
        Ok(key) => Some(key.to_uncompressed()),
        Err(e) => {
            assert_eq!(e.code(), ErrorCode::InvalidSignature, "{e}");
            None
        }
    }
}

/// k256's answer for `r ‖ s ‖ v` over `digest` under the same parsing policy.
fn reference(bytes: &[u8; 65], digest: &[u8; 32]) -> Outcome {
    let signature = Signature::from_slice(&bytes[..64]).ok()?;
    if signature.normalize_s() != signature {
        return None;
    }
    let recovery_id = RecoveryId::from_byte(bytes[64] % 27).filter(|id| !id.is_x_reduced())?;
    let key = VerifyingKey::recover_from_prehash(digest, &signature, recovery_id).ok()?;
    Some(key.to_sec1_point(false).as_bytes().try_into().unwrap())
}

/// The low-S twin (r, n − s) of a high-S signature; `None` when s is low or r, s are out of range.
fn low_s_twin(r_s: &[u8; 64]) -> Option<[u8; 64]> {
    let signature = Signature::from_slice(r_s).ok()?;
    let twin = signature.normalize_s();
    (twin != signature).then(|| twin.to_bytes().into())
}

/// Comparisons of both implementations, counted by outcome.
#[derive(Default)]
struct Tally {
    /// Both gave the same key.
    recovered: usize,
    /// Both rejected a signature that parses (r is no curve x, or the key is at infinity).
    unrecoverable: usize,
    /// Both rejected the 65 bytes (r or s out of range, or high-S).
    unparsable: usize,
    mismatches: Vec<String>,
}

impl Tally {
    /// Compares `r ‖ s` (and its low-S twin when s is high) with every `v`.
    fn compare(&mut self, r_s: &[u8; 64], digest: &[u8; 32]) {
        for candidate in std::iter::once(*r_s).chain(low_s_twin(r_s)) {
            for v in V_BYTES {
                let mut bytes = [0u8; 65];
                bytes[..64].copy_from_slice(&candidate);
                bytes[64] = v;
                self.compare_one(&bytes, digest);
            }
        }
    }

    fn compare_one(&mut self, bytes: &[u8; 65], digest: &[u8; 32]) {
        let (got, expected) = (ours(bytes, digest), reference(bytes, digest));
        match (got, expected) {
            (Some(_), Some(_)) if got == expected => self.recovered += 1,
            (None, None) if RecoverableSignature::from_bytes(bytes).is_ok() => {
                self.unrecoverable += 1
            }
            (None, None) => self.unparsable += 1,
            _ => self.mismatches.push(format!(
                "sig {} digest {}: ours {:?}, k256 {:?}",
                to_hex(bytes),
                to_hex(digest),
                got.map(|key| to_hex(&key)),
                expected.map(|key| to_hex(&key)),
            )),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Wycheproof
// ---------------------------------------------------------------------------------------------

#[derive(Deserialize)]
struct EcdsaGroup {
    tests: Vec<EcdsaCase>,
}

#[derive(Deserialize)]
struct EcdsaCase {
    msg: common::Hex,
    sig: common::Hex,
}

/// Reads one DER/BER TLV with `tag` (definite length, short or long form): (contents, rest).
fn tlv(tag: u8, input: &[u8]) -> Option<(&[u8], &[u8])> {
    let (&first, rest) = input.split_first()?;
    let (&length_byte, rest) = rest.split_first()?;
    if first != tag {
        return None;
    }
    let (length, rest) = match length_byte {
        0..=0x7f => (usize::from(length_byte), rest),
        0x81..=0x84 => {
            let (digits, rest) = rest.split_at_checked(usize::from(length_byte & 0x7f))?;
            let length = digits
                .iter()
                .fold(0usize, |n, &d| (n << 8) | usize::from(d));
            (length, rest)
        }
        _ => return None,
    };
    rest.split_at_checked(length)
}

/// A non-negative INTEGER's value as 32 big-endian bytes, if it fits.
fn integer_32(contents: &[u8]) -> Option<[u8; 32]> {
    if contents.first()? & 0x80 != 0 {
        return None;
    }
    let significant = &contents[contents.iter().take_while(|&&b| b == 0).count()..];
    let mut out = [0u8; 32];
    out.get_mut(32usize.checked_sub(significant.len())?..)?
        .copy_from_slice(significant);
    Some(out)
}

/// `r ‖ s` from a `SEQUENCE { INTEGER r, INTEGER s }`, leniently: any definite length form and
/// non-minimal integers are read, so that out-of-range values (0, n, 2²⁵⁶ − 1, …) reach both
/// implementations. Negative or wider than 32-byte integers and trailing data give `None`.
fn der_r_s(der: &[u8]) -> Option<[u8; 64]> {
    let (sequence, []) = tlv(0x30, der)? else {
        return None;
    };
    let (r, rest) = tlv(0x02, sequence)?;
    let (s, []) = tlv(0x02, rest)? else {
        return None;
    };
    let mut r_s = [0u8; 64];
    r_s[..32].copy_from_slice(&integer_32(r)?);
    r_s[32..].copy_from_slice(&integer_32(s)?);
    Some(r_s)
}

#[test]
fn equal_to_k256_on_every_wycheproof_signature() {
    let file: Wycheproof<EcdsaGroup> =
        load("wycheproof/wycheproof_ecdsa_secp256k1_sha256_bitcoin_test.json");
    let mut tally = Tally::default();
    let mut parsed = 0;
    for case in file.test_groups.iter().flat_map(|group| &group.tests) {
        if let Some(r_s) = der_r_s(&case.sig) {
            tally.compare(&r_s, &sha256(&case.msg));
            parsed += 1;
        }
    }
    println!(
        "{parsed} of 463 signatures parse to r, s; both implementations agree on {} keys, {} \
         unrecoverable and {} unparsable signatures",
        tally.recovered, tally.unrecoverable, tally.unparsable
    );
    assert!(tally.mismatches.is_empty(), "{:#?}", tally.mismatches);
    assert_eq!(file.number_of_tests, 463);
    assert_eq!(parsed, 239);
    assert_eq!(
        (tally.recovered, tally.unrecoverable, tally.unparsable),
        (732, 24, 216)
    );
}

// ---------------------------------------------------------------------------------------------
// Random and extreme inputs
// ---------------------------------------------------------------------------------------------

/// The group order n.
const ORDER: U256 = *k256::Secp256k1::ORDER.as_ref();

fn be_bytes(value: U256) -> [u8; 32] {
    value.to_be_bytes().into()
}

/// 32-byte big-endian values: uniform, and the edges a reduction or range check can get wrong —
/// small values (incl. 0), n ± d, n/2 ± d (the low/high-S boundary) and 2²⁵⁶ − 1 − d.
fn edge_or_random_32() -> impl Strategy<Value = [u8; 32]> {
    let near = |base: U256| {
        (0u64..512, any::<bool>()).prop_map(move |(d, up)| {
            let d = U256::from_u64(d);
            be_bytes(if up {
                base.wrapping_add(&d)
            } else {
                base.wrapping_sub(&d)
            })
        })
    };
    prop_oneof![
        3 => any::<[u8; 32]>(),
        1 => near(U256::ZERO),
        1 => near(ORDER),
        1 => near(ORDER.shr_vartime(1)),
        1 => near(U256::MAX),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn equal_to_k256_on_random_and_extreme_inputs(
        r in edge_or_random_32(),
        s in edge_or_random_32(),
        digest in edge_or_random_32(),
    ) {
        let mut r_s = [0u8; 64];
        r_s[..32].copy_from_slice(&r);
        r_s[32..].copy_from_slice(&s);
        let mut tally = Tally::default();
        tally.compare(&r_s, &digest);
        prop_assert!(tally.mismatches.is_empty(), "{:#?}", tally.mismatches);
    }

    #[test]
    fn equal_to_k256_when_the_key_is_at_infinity(digest in edge_or_random_32(), s in 1u64..) {
        // With R = (z/s)·G, Q = r⁻¹·(s·R − z·G) is the point at infinity: both must reject it.
        let z = <Scalar as Reduce<FieldBytes>>::reduce(&FieldBytes::from(digest));
        prop_assume!(z != Scalar::ZERO, "R = 0·G has no x");
        let s = Scalar::from(s);
        let signing_point = (ProjectivePoint::GENERATOR * (z * s.invert().unwrap())).to_affine();
        let mut bytes = [0u8; 65];
        bytes[..32].copy_from_slice(&signing_point.x());
        bytes[32..64].copy_from_slice(&s.to_bytes());
        bytes[64] = signing_point.y_is_odd().unwrap_u8();
        prop_assert_eq!(reference(&bytes, &digest), None);
        let mut tally = Tally::default();
        tally.compare(&bytes[..64].try_into().unwrap(), &digest);
        prop_assert!(tally.mismatches.is_empty(), "{:#?}", tally.mismatches);
        prop_assert_eq!((tally.recovered, tally.unrecoverable), (2, 2));
    }

    #[test]
    fn equal_to_k256_on_real_signatures(secret in any::<[u8; 32]>(), digest in edge_or_random_32()) {
        let Ok(key) = SecretKey::from_bytes(&secret) else {
            return Ok(());
        };
        let signature = RecoverableSignature::sign_prehash(&key, &digest).to_bytes(VByte::Raw);
        let r_s: [u8; 64] = signature[..64].try_into().unwrap();
        let mut tally = Tally::default();
        tally.compare(&r_s, &digest);
        prop_assert!(tally.mismatches.is_empty(), "{:#?}", tally.mismatches);
        // Two of the four v bytes name the signer's parity, the other two its negation: all four
        // recover a key, and the signer's is the one its own v gives.
        prop_assert_eq!(tally.recovered, 4);
        prop_assert_eq!(ours(&signature, &digest), Some(key.public_key().to_uncompressed()));
    }
}
