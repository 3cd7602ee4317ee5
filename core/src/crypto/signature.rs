//! Recoverable ECDSA signatures over 32-byte prehashes, Ethereum style: `r ‖ s ‖ v`.

use std::fmt;

use k256::ecdsa::{RecoveryId, Signature, VerifyingKey};

use super::ethereum::Address;
use super::keys::{PublicKey, SecretKey};
use crate::error::{Error, Result};

/// How the recovery byte `v` is written on output (input accepts both).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VByte {
    /// `v` = 0 or 1 (raw recovery id; the SDK transcript scheme and Lloom).
    Raw,
    /// `v` = 27 or 28 (what `personal_sign` and ethers produce).
    Ethereum,
}

/// A low-S recoverable secp256k1 signature.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct RecoverableSignature {
    signature: Signature,
    recovery_id: RecoveryId,
}

impl RecoverableSignature {
    /// Parses 65 bytes `r ‖ s ‖ v` with `v` ∈ {0, 1, 27, 28}. Zero or out-of-range `r`/`s` and high-S
    /// signatures (the malleable twin of a valid one) are rejected with `INVALID_SIGNATURE`.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let bytes: &[u8; 65] = bytes.try_into().map_err(|_| {
            Error::invalid_signature(format_args!("expected 65 bytes, got {}", bytes.len()))
        })?;
        let recovery_byte = match bytes[64] {
            v @ (0 | 1) => v,
            v @ (27 | 28) => v - 27,
            v => {
                return Err(Error::invalid_signature(format_args!(
                    "recovery byte v must be 0, 1, 27 or 28, got {v}"
                )));
            }
        };
        let signature = Signature::from_slice(&bytes[..64])
            .map_err(|_| Error::invalid_signature("r or s is zero or not below the curve order"))?;
        if signature.normalize_s() != signature {
            return Err(Error::invalid_signature(
                "high-S signature rejected (malleable)",
            ));
        }
        let recovery_id = RecoveryId::from_byte(recovery_byte)
            .ok_or_else(|| Error::internal("recovery id out of range"))?;
        Ok(Self {
            signature,
            recovery_id,
        })
    }

    /// Signs a 32-byte prehash with RFC 6979 deterministic nonces; the result is low-S.
    pub fn sign_prehash(key: &SecretKey, digest: &[u8; 32]) -> Self {
        let (signature, recovery_id) = key.signing_key().sign_prehash_recoverable(digest);
        Self {
            signature,
            recovery_id,
        }
    }

    /// Recovers the public key that produced this signature over `digest`.
    pub fn recover(&self, digest: &[u8; 32]) -> Result<PublicKey> {
        VerifyingKey::recover_from_prehash(digest, &self.signature, self.recovery_id)
            .map(|key| PublicKey::from_inner(key.into()))
            .map_err(|_| Error::invalid_signature("no public key recovers from this signature"))
    }

    /// The recovery id (0 or 1).
    pub fn recovery_id(&self) -> u8 {
        self.recovery_id.to_byte()
    }

    /// The 65-byte encoding `r ‖ s ‖ v` with `v` written as `v_byte` says.
    pub fn to_bytes(&self, v_byte: VByte) -> [u8; 65] {
        let mut out = [0u8; 65];
        out[..64].copy_from_slice(&self.signature.to_bytes());
        out[64] = self.recovery_id() + if v_byte == VByte::Ethereum { 27 } else { 0 };
        out
    }
}

impl fmt::Debug for RecoverableSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "RecoverableSignature({})",
            crate::hex::encode(&self.to_bytes(VByte::Raw))
        )
    }
}

/// Something that signs 32-byte prehashes: a [`SecretKey`], or a wallet, HSM or callback in a binding.
pub trait Signer {
    /// Signs `digest` (already hashed; no further hashing or prefixing).
    fn sign_prehash(&self, digest: &[u8; 32]) -> Result<RecoverableSignature>;

    /// The signer's public key when it is known without signing; `None` makes callers recover it
    /// from the first signature.
    fn public_key(&self) -> Option<PublicKey> {
        None
    }

    /// The signer's address when it is known without signing (from [`public_key`](Self::public_key)
    /// by default; a wallet that knows only its address overrides this).
    fn address(&self) -> Option<Address> {
        self.public_key().map(|key| key.address())
    }
}

impl Signer for SecretKey {
    fn sign_prehash(&self, digest: &[u8; 32]) -> Result<RecoverableSignature> {
        Ok(RecoverableSignature::sign_prehash(self, digest))
    }

    fn public_key(&self) -> Option<PublicKey> {
        Some(*SecretKey::public_key(self))
    }

    fn address(&self) -> Option<Address> {
        Some(SecretKey::address(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SecretKey {
        SecretKey::from_hex(&"22".repeat(32)).unwrap()
    }

    #[test]
    fn sign_then_recover_gives_the_signer() {
        let digest = [9u8; 32];
        let sig = RecoverableSignature::sign_prehash(&key(), &digest);
        assert_eq!(sig.recover(&digest).unwrap(), *key().public_key());
        for v in [VByte::Raw, VByte::Ethereum] {
            let parsed = RecoverableSignature::from_bytes(&sig.to_bytes(v)).unwrap();
            assert_eq!(parsed, sig);
        }
    }

    #[test]
    fn rejects_bad_v_lengths_and_high_s() {
        let digest = [9u8; 32];
        let mut bytes = RecoverableSignature::sign_prehash(&key(), &digest).to_bytes(VByte::Raw);
        for bad_v in [2u8, 26, 29, 255] {
            let mut b = bytes;
            b[64] = bad_v;
            assert!(RecoverableSignature::from_bytes(&b).is_err());
        }
        assert!(RecoverableSignature::from_bytes(&bytes[..64]).is_err());
        // s' = n - s is the high-S twin.
        let order = crate::hex::decode(
            "order",
            "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141",
        )
        .unwrap();
        let mut borrow = 0i16;
        for i in (0..32).rev() {
            let d = i16::from(order[i]) - i16::from(bytes[32 + i]) - borrow;
            bytes[32 + i] = d.rem_euclid(256) as u8;
            borrow = i16::from(d < 0);
        }
        let err = RecoverableSignature::from_bytes(&bytes).unwrap_err();
        assert!(err.message().contains("high-S"), "{err}");
    }
}
