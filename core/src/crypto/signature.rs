//! Recoverable ECDSA signatures over 32-byte prehashes, Ethereum style: `r ‖ s ‖ v`.

use std::fmt;

use k256::ecdsa::{RecoveryId, Signature};
use k256::elliptic_curve::Curve;
use k256::elliptic_curve::bigint::U256;
use k256::elliptic_curve::ops::{Invert, Reduce};
use k256::elliptic_curve::point::AffineCoordinates;
use k256::elliptic_curve::scalar::IsHigh;
use k256::{FieldBytes, NonZeroScalar, Scalar, Secp256k1};
use sha2::Sha256;
use zeroize::Zeroizing;

use super::curve;
use super::ethereum::Address;
use super::keys::{PublicKey, SecretKey};
use super::multiples::MultiplesTable;
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
    ///
    /// ECDSA as k256's `sign_prehash_recoverable` computes it — the same nonce, the same
    /// signature, bit for bit (a property test holds the two equal) — but `k · G` comes from the
    /// generator's table (`crypto/multiples.rs`), which is faster in wasm (natively about equal).
    pub fn sign_prehash(key: &SecretKey, digest: &[u8; 32]) -> Self {
        let d = key.scalar();
        let mut nonces = rfc6979::KGenerator::<Sha256, U256>::new(
            &d.to_bytes(),
            digest,
            b"",
            &<Secp256k1 as Curve>::ORDER,
        );
        loop {
            let mut k = Zeroizing::new(FieldBytes::default());
            nonces.fill_next_k(&mut k);
            // Out-of-range candidates, and a zero r or s, take the next nonce (RFC 6979 §3.2 h.3);
            // each happens with probability ~2⁻¹²⁸.
            if let Some(k) = NonZeroScalar::from_repr(*k)
                .into_option()
                .map(Zeroizing::new)
                && let Some(signed) = sign_with_nonce(&d, &k, digest)
            {
                return signed;
            }
        }
    }

    /// Recovers the public key that produced this signature over `digest` (libsecp256k1 or k256,
    /// see `curve`). An `r` that is no curve point's x (including an x ≥ n, which would need the
    /// x-reduced recovery ids 2 and 3 that `v` cannot express), or a result at infinity, is
    /// `INVALID_SIGNATURE`.
    pub fn recover(&self, digest: &[u8; 32]) -> Result<PublicKey> {
        if self.recovery_id.is_x_reduced() {
            return Err(unrecoverable());
        }
        curve::recover(&self.signature, self.recovery_id.is_y_odd(), digest)
            .map(PublicKey::from_inner)
            .ok_or_else(unrecoverable)
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

/// ECDSA with nonce `k`: `R = k·G`, `r = R.x mod n`, `s = k⁻¹(z + r·d)`, low-S, and the recovery
/// id of R (its y parity, flipped when s is negated; whether R.x ≥ n). `None` when r or s is zero.
fn sign_with_nonce(
    d: &NonZeroScalar,
    k: &NonZeroScalar,
    digest: &[u8; 32],
) -> Option<RecoverableSignature> {
    let z = reduce_mod_n(&FieldBytes::from(*digest));
    let big_r = MultiplesTable::generator().mul(k).to_affine();
    let r = reduce_mod_n(&big_r.x());
    let s = *<NonZeroScalar as Invert>::invert(k) * (z + r * d.as_ref());
    let signature = Signature::from_scalars(r, s).ok()?;
    let x_is_reduced = r.to_bytes() != big_r.x();
    let y_is_odd = bool::from(big_r.y_is_odd()) ^ bool::from(s.is_high());
    Some(RecoverableSignature {
        signature: signature.normalize_s(),
        recovery_id: RecoveryId::new(y_is_odd, x_is_reduced),
    })
}

/// 32 big-endian bytes as a scalar, reduced mod n: ECDSA's `bits2field` for a 32-byte digest, and
/// R's x as `r`.
pub(super) fn reduce_mod_n(bytes: &FieldBytes) -> Scalar {
    <Scalar as Reduce<FieldBytes>>::reduce(bytes)
}

fn unrecoverable() -> Error {
    Error::invalid_signature("no public key recovers from this signature")
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
    use k256::elliptic_curve::ops::Reduce;
    use k256::elliptic_curve::point::DecompressPoint;
    use k256::elliptic_curve::subtle::Choice;
    use k256::{AffinePoint, FieldBytes, ProjectivePoint, Scalar};

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

    /// `r ‖ s ‖ v` from a 32-byte r, s = 1 and v.
    fn signature_with_r(r: &[u8], v: u8) -> RecoverableSignature {
        let mut bytes = [0u8; 65];
        bytes[..32].copy_from_slice(r);
        bytes[63] = 1;
        bytes[64] = v;
        RecoverableSignature::from_bytes(&bytes).unwrap()
    }

    fn assert_unrecoverable(signature: &RecoverableSignature, digest: &[u8; 32]) {
        let err = signature.recover(digest).unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::InvalidSignature, "{err}");
    }

    #[test]
    fn recover_rejects_an_r_that_is_no_curve_x() {
        let not_on_curve = (1u64..)
            .map(|x| Scalar::from(x).to_bytes())
            .find(|x| bool::from(AffinePoint::decompress(x, Choice::from(0)).is_none()))
            .unwrap();
        for v in [0, 1] {
            assert_unrecoverable(&signature_with_r(&not_on_curve, v), &[9u8; 32]);
        }
    }

    #[test]
    fn recover_rejects_a_key_at_infinity() {
        // With s = 1 and R = z·G, Q = r⁻¹·(s·R − z·G) is the point at infinity.
        use k256::elliptic_curve::point::AffineCoordinates;
        let digest = [9u8; 32];
        let z = <Scalar as Reduce<FieldBytes>>::reduce(&FieldBytes::from(digest));
        let signing_point = (ProjectivePoint::GENERATOR * z).to_affine();
        let v = signing_point.y_is_odd().unwrap_u8();
        assert_unrecoverable(&signature_with_r(&signing_point.x(), v), &digest);
        // The same R with the other parity is −R, which gives a real key.
        assert!(
            signature_with_r(&signing_point.x(), 1 - v)
                .recover(&digest)
                .is_ok()
        );
    }

    #[test]
    fn recover_rejects_x_reduced_recovery_ids() {
        let digest = [9u8; 32];
        let honest = RecoverableSignature::sign_prehash(&key(), &digest);
        let y_is_odd = honest.recovery_id.is_y_odd();
        let x_reduced = RecoverableSignature {
            recovery_id: RecoveryId::new(y_is_odd, true),
            ..honest
        };
        assert_unrecoverable(&x_reduced, &digest);
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

    proptest::proptest! {
        /// Bit for bit the signature and recovery id of k256's own RFC 6979 ECDSA.
        #[test]
        fn signatures_are_k256s(secret in proptest::prelude::any::<[u8; 32]>(), digest in proptest::prelude::any::<[u8; 32]>()) {
            let Ok(key) = SecretKey::from_bytes(&secret) else {
                return Ok(());
            };
            let k256_key = k256::ecdsa::SigningKey::from_slice(&secret).unwrap();
            let (signature, recovery_id) = k256_key.sign_prehash_recoverable(&digest);
            let ours = RecoverableSignature::sign_prehash(&key, &digest);
            proptest::prop_assert_eq!(ours.signature, signature);
            proptest::prop_assert_eq!(ours.recovery_id, recovery_id);
            proptest::prop_assert_eq!(
                *key.public_key(),
                PublicKey::from_inner(k256::PublicKey::from(k256_key.verifying_key()))
            );
        }
    }
}
