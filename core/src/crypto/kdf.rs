//! Key agreement and derivation: x-only ECDH on secp256k1, HKDF-SHA256, SHA-256.

use hkdf::Hkdf;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::aead::SymmetricKey;
use super::curve;
use super::keys::{PublicKey, SecretKey};
use crate::error::{Error, ErrorCode, Result};

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// The public side of an ECDH: a [`PublicKey`], or a
/// [`PrecomputedPublicKey`](super::PrecomputedPublicKey) (the same answer,
/// faster when one peer's key is used for many exchanges).
pub trait EcdhPublic {
    /// The 32-byte x-coordinate of `secret · self`, in constant time.
    fn shared_x(&self, secret: &SecretKey) -> Zeroizing<[u8; 32]>;
}

impl EcdhPublic for PublicKey {
    fn shared_x(&self, secret: &SecretKey) -> Zeroizing<[u8; 32]> {
        curve::ecdh_x(&secret.scalar(), self.as_inner())
    }
}

/// ECDH on secp256k1: the 32-byte x-coordinate of `secret · public`.
pub fn ecdh_shared_x(
    secret: &SecretKey,
    public: &(impl EcdhPublic + ?Sized),
) -> Zeroizing<[u8; 32]> {
    public.shared_x(secret)
}

/// HKDF-SHA256 (RFC 5869) producing `length` bytes. `salt = None` is the RFC's default (32 zero bytes).
/// Lengths above 255 × 32 are rejected with `INVALID_KEY`.
pub fn hkdf_sha256(
    ikm: &[u8],
    salt: Option<&[u8]>,
    info: &[u8],
    length: usize,
) -> Result<Zeroizing<Vec<u8>>> {
    let mut okm = Zeroizing::new(vec![0u8; length]);
    Hkdf::<Sha256>::new(salt, ikm)
        .expand(info, &mut okm)
        .map_err(|_| {
            Error::new(
                ErrorCode::InvalidKey,
                format!("HKDF-SHA256 cannot produce {length} bytes (maximum 8160)"),
            )
        })?;
    Ok(okm)
}

/// The E2EE session-init key: HKDF-SHA256(ikm = ECDH x, salt, info), 32 bytes.
pub fn derive_session_key(
    secret: &SecretKey,
    public: &(impl EcdhPublic + ?Sized),
    salt: Option<&[u8]>,
    info: &[u8],
) -> SymmetricKey {
    let hkdf = Hkdf::<Sha256>::new(salt, ecdh_shared_x(secret, public).as_slice());
    SymmetricKey::fill_with(|key| {
        hkdf.expand(info, key)
            .expect("32 bytes is a valid HKDF-SHA256 length")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecdh_is_symmetric() {
        let a = SecretKey::from_hex(&"33".repeat(32)).unwrap();
        let b = SecretKey::from_hex(&"11".repeat(32)).unwrap();
        assert_eq!(
            *ecdh_shared_x(&a, b.public_key()),
            *ecdh_shared_x(&b, a.public_key())
        );
    }

    #[test]
    fn session_key_is_hkdf_of_the_shared_x() {
        let a = SecretKey::from_hex(&"33".repeat(32)).unwrap();
        let b = SecretKey::from_hex(&"11".repeat(32)).unwrap();
        let shared_x = ecdh_shared_x(&a, b.public_key());
        for (salt, info) in [(None, &b""[..]), (Some(&b"salt"[..]), &b"info"[..])] {
            let key = derive_session_key(&a, b.public_key(), salt, info);
            let expected = hkdf_sha256(shared_x.as_slice(), salt, info, 32).unwrap();
            assert_eq!(key.expose_secret().as_slice(), expected.as_slice());
        }
    }

    #[test]
    fn hkdf_rejects_oversized_output() {
        let err = hkdf_sha256(b"ikm", None, b"", 255 * 32 + 1).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidKey);
        assert_eq!(
            hkdf_sha256(b"ikm", None, b"", 255 * 32).unwrap().len(),
            8160
        );
    }
}
