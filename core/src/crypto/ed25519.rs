//! Ed25519 (RFC 8032) with strict verification: `S` must be below the group order `L`, neither the
//! public key nor `R` may be of small order, and the public key must be the canonical encoding of its
//! point. Used by LLMFeed signatures and certifications.

use std::fmt;

use ed25519_dalek::hazmat::raw_verify;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use rand_core::CryptoRng;
use sha2::Sha512;
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// Length of an Ed25519 public key, secret seed, and half a signature.
pub const ED25519_KEY_LEN: usize = 32;
/// Length of an Ed25519 signature `R ‖ S`.
pub const ED25519_SIGNATURE_LEN: usize = 64;

/// The canonical encodings of the eight points of small order (the 8-torsion subgroup).
const SMALL_ORDER_POINTS: [[u8; ED25519_KEY_LEN]; 8] = [
    small_order_point(0x01, 0x00, [0; 30]),
    small_order_point(0x00, 0x00, [0; 30]),
    small_order_point(0x00, 0x80, [0; 30]),
    small_order_point(0xec, 0x7f, [0xff; 30]),
    small_order_point(0xc7, 0x7a, ORDER_8_Y_MIDDLE),
    small_order_point(0xc7, 0xfa, ORDER_8_Y_MIDDLE),
    small_order_point(0x26, 0x05, ORDER_8_Y_MIDDLE_NEGATED),
    small_order_point(0x26, 0x85, ORDER_8_Y_MIDDLE_NEGATED),
];

/// Bytes 1..=30 of the `y` of the points of order 8 with the smaller `y`.
const ORDER_8_Y_MIDDLE: [u8; 30] = [
    0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f, 0x2a,
    0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03,
];

/// The same bytes of the other `y` (`p − y`).
const ORDER_8_Y_MIDDLE_NEGATED: [u8; 30] = [
    0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5,
    0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc,
];

const fn small_order_point(first: u8, last: u8, middle: [u8; 30]) -> [u8; ED25519_KEY_LEN] {
    let mut bytes = [0; ED25519_KEY_LEN];
    bytes[0] = first;
    let mut i = 0;
    while i < 30 {
        bytes[i + 1] = middle[i];
        i += 1;
    }
    bytes[31] = last;
    bytes
}

/// An Ed25519 public key that passed the strict checks (canonical encoding, not of small order).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Ed25519PublicKey(VerifyingKey);

impl Ed25519PublicKey {
    /// Parses 32 bytes; `INVALID_KEY` for a wrong length, bytes that are not a curve point, a
    /// non-canonical encoding (y ≥ p, or x = 0 with the sign bit set), or a point of small order.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let bytes: &[u8; ED25519_KEY_LEN] = bytes.try_into().map_err(|_| {
            Error::invalid_key(format!(
                "an Ed25519 public key is {ED25519_KEY_LEN} bytes, not {}",
                bytes.len()
            ))
        })?;
        let key = VerifyingKey::from_bytes(bytes)
            .map_err(|_| Error::invalid_key("not an Ed25519 curve point"))?;
        if key.to_edwards().compress().as_bytes() != bytes {
            return Err(Error::invalid_key(
                "not the canonical encoding of an Ed25519 point",
            ));
        }
        if key.is_weak() {
            return Err(Error::invalid_key("an Ed25519 point of small order"));
        }
        Ok(Self(key))
    }

    /// The 32-byte encoding.
    pub fn to_bytes(&self) -> [u8; ED25519_KEY_LEN] {
        self.0.to_bytes()
    }

    /// Verifies `signature` (64 bytes `R ‖ S`) over `message` with the strict rules;
    /// `INVALID_SIGNATURE` for a wrong length or any failed check.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<()> {
        let bytes: &[u8; ED25519_SIGNATURE_LEN] = signature.try_into().map_err(|_| {
            Error::invalid_signature(format!(
                "an Ed25519 signature is {ED25519_SIGNATURE_LEN} bytes, not {}",
                signature.len()
            ))
        })?;
        // The checks of `verify_strict` without its decompression of `R`: the key is not of small
        // order (checked when it was parsed); `raw_verify` refuses S ≥ L and accepts only when
        // `R` is the canonical encoding of the point it recomputes, so `R` is a canonical point
        // encoding and need only be kept off the table of the eight of small order.
        let failed = || Error::invalid_signature("Ed25519 verification failed");
        if SMALL_ORDER_POINTS
            .iter()
            .any(|point| bytes[..32] == point[..])
        {
            return Err(failed());
        }
        raw_verify::<Sha512>(&self.0, message, &Signature::from_bytes(bytes)).map_err(|_| failed())
    }
}

impl fmt::Debug for Ed25519PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Ed25519PublicKey({})",
            crate::hex::encode(&self.to_bytes())
        )
    }
}

/// An Ed25519 secret key (its 32-byte seed), wiped on drop; `Debug` never shows it.
#[derive(Clone)]
pub struct Ed25519SecretKey(SigningKey);

impl Ed25519SecretKey {
    /// The key of a 32-byte seed; `INVALID_KEY` for another length.
    pub fn from_seed(seed: &[u8]) -> Result<Self> {
        let seed: &[u8; ED25519_KEY_LEN] = seed.try_into().map_err(|_| {
            Error::invalid_key(format!(
                "an Ed25519 seed is {ED25519_KEY_LEN} bytes, not {}",
                seed.len()
            ))
        })?;
        Ok(Self(SigningKey::from_bytes(seed)))
    }

    /// A fresh key from `rng`.
    pub fn generate(rng: &mut impl CryptoRng) -> Self {
        let mut seed = Zeroizing::new([0u8; ED25519_KEY_LEN]);
        rng.fill_bytes(seed.as_mut());
        Self(SigningKey::from_bytes(&seed))
    }

    /// The 32-byte seed (for writing the key out; wipe the copy when done).
    pub fn seed(&self) -> Zeroizing<[u8; ED25519_KEY_LEN]> {
        Zeroizing::new(self.0.to_bytes())
    }

    /// The matching public key.
    pub fn public_key(&self) -> Ed25519PublicKey {
        Ed25519PublicKey(self.0.verifying_key())
    }

    /// The deterministic RFC 8032 signature of `message`.
    pub fn sign(&self, message: &[u8]) -> [u8; ED25519_SIGNATURE_LEN] {
        self.0.sign(message).to_bytes()
    }
}

impl fmt::Debug for Ed25519SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Ed25519SecretKey(public: {:?})", self.public_key())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_and_verifies_and_rejects_small_order_and_non_canonical_keys() {
        let key = Ed25519SecretKey::from_seed(&[7; 32]).unwrap();
        let public = key.public_key();
        let signature = key.sign(b"feed");
        public.verify(b"feed", &signature).unwrap();
        assert!(public.verify(b"feee", &signature).is_err());
        assert!(public.verify(b"feed", &signature[..63]).is_err());
        assert_eq!(
            Ed25519PublicKey::from_bytes(&public.to_bytes()).unwrap(),
            public
        );

        // The identity point (small order) and its non-canonical twin y = p + 1.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert!(Ed25519PublicKey::from_bytes(&identity).is_err());
        let mut non_canonical = [0xffu8; 32];
        non_canonical[0] = 0xee;
        non_canonical[31] = 0x7f;
        assert!(Ed25519PublicKey::from_bytes(&non_canonical).is_err());
        assert!(Ed25519PublicKey::from_bytes(&[1; 31]).is_err());
        assert!(!format!("{key:?}").contains(&crate::hex::encode(&[7; 32])));
    }

    #[test]
    fn the_small_order_table_holds_every_point_of_small_order_once() {
        for (i, point) in SMALL_ORDER_POINTS.iter().enumerate() {
            let key = VerifyingKey::from_bytes(point).unwrap();
            assert!(key.is_weak(), "{i}");
            assert_eq!(key.to_edwards().compress().as_bytes(), point, "{i}");
            assert!(!SMALL_ORDER_POINTS[..i].contains(point), "{i}");
        }
    }

    #[test]
    fn refuses_the_identity_as_r_where_the_plain_equation_holds() {
        // With R = identity and S = k·a (k = SHA-512(R ‖ A ‖ M)), [S]B = R + [k]A holds, so the
        // plain check accepts; a strict verifier refuses R of small order.
        use curve25519_dalek::Scalar;
        use ed25519_dalek::hazmat::ExpandedSecretKey;
        use sha2::Digest as _;

        let seed = [3u8; 32];
        let key = Ed25519SecretKey::from_seed(&seed).unwrap();
        let public = key.public_key();
        let identity = SMALL_ORDER_POINTS[0];
        let k = Scalar::from_bytes_mod_order_wide(
            &Sha512::new()
                .chain_update(identity)
                .chain_update(public.to_bytes())
                .chain_update(b"m")
                .finalize()
                .into(),
        );
        let s = k * ExpandedSecretKey::from(&seed).scalar;
        let mut signature = [0u8; ED25519_SIGNATURE_LEN];
        signature[..32].copy_from_slice(&identity);
        signature[32..].copy_from_slice(&s.to_bytes());
        let parsed = Signature::from_bytes(&signature);
        raw_verify::<Sha512>(&public.0, b"m", &parsed).expect("the plain equation holds");
        assert!(public.0.verify_strict(b"m", &parsed).is_err());
        assert!(public.verify(b"m", &signature).is_err());
        for point in SMALL_ORDER_POINTS {
            signature[..32].copy_from_slice(&point);
            assert!(public.verify(b"m", &signature).is_err());
        }
    }

    proptest::proptest! {
        #[test]
        fn agrees_with_verify_strict(
            seed: [u8; 32],
            message: Vec<u8>,
            flip in proptest::option::of((0..ED25519_SIGNATURE_LEN, 1..=255u8)),
            r_of_small_order in proptest::option::of(0..8usize),
        ) {
            let key = Ed25519SecretKey::from_seed(&seed).unwrap();
            let mut signature = key.sign(&message);
            if let Some((at, bits)) = flip {
                signature[at] ^= bits;
            }
            if let Some(i) = r_of_small_order {
                signature[..32].copy_from_slice(&SMALL_ORDER_POINTS[i]);
            }
            let strict = key.public_key().0.verify_strict(&message, &Signature::from_bytes(&signature));
            proptest::prop_assert_eq!(
                key.public_key().verify(&message, &signature).is_ok(),
                strict.is_ok()
            );
        }
    }

    #[test]
    fn rejects_s_not_below_the_group_order() {
        let key = Ed25519SecretKey::from_seed(&[9; 32]).unwrap();
        let mut signature = key.sign(b"m");
        // S + L has the same value mod L; a strict verifier refuses it.
        const L: [u8; 32] = [
            0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9,
            0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
        ];
        let mut carry = 0u16;
        for (s, l) in signature[32..].iter_mut().zip(L) {
            let sum = u16::from(*s) + u16::from(l) + carry;
            *s = sum as u8;
            carry = sum >> 8;
        }
        assert!(key.public_key().verify(b"m", &signature).is_err());
    }
}
