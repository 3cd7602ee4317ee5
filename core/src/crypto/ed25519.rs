//! Ed25519 (RFC 8032) with strict verification: `S` must be below the group order `L`, neither the
//! public key nor `R` may be of small order, and the public key must be the canonical encoding of its
//! point. Used by LLMFeed signatures and certifications.

use std::fmt;

use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// Length of an Ed25519 public key, secret seed, and half a signature.
pub const ED25519_KEY_LEN: usize = 32;
/// Length of an Ed25519 signature `R ‖ S`.
pub const ED25519_SIGNATURE_LEN: usize = 64;

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
        self.0
            .verify_strict(message, &Signature::from_bytes(bytes))
            .map_err(|_| Error::invalid_signature("Ed25519 verification failed"))
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
