//! secp256k1 secret and public keys.

use std::fmt;
use std::sync::OnceLock;

use k256::NonZeroScalar;
use k256::elliptic_curve::Generate;
use k256::elliptic_curve::sec1::ToSec1Point;
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use super::ethereum::Address;
use super::multiples::MultiplesTable;
use crate::error::{Error, Result};
use crate::hex;

/// A secp256k1 secret key (a wallet or host key). Zeroized on drop; `Debug` never shows it.
#[derive(Clone)]
pub struct SecretKey {
    /// The scalar (k256 zeroizes it on drop).
    secret: k256::SecretKey,
    public: PublicKey,
    /// Computed on first use: an ephemeral key never needs it.
    address: OnceLock<Address>,
}

impl SecretKey {
    /// A fresh random key.
    pub fn generate(rng: &mut (impl CryptoRng + ?Sized)) -> Self {
        let scalar = Zeroizing::new(NonZeroScalar::generate_from_rng(rng));
        Self::from_secret(k256::SecretKey::from(&*scalar))
    }

    /// Parses 32 big-endian bytes; zero and values ≥ the group order are rejected.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        if bytes.len() != 32 {
            return Err(Error::invalid_key(format_args!(
                "secret key must be 32 bytes, got {}",
                bytes.len()
            )));
        }
        k256::SecretKey::from_slice(bytes)
            .map(Self::from_secret)
            .map_err(|_| Error::invalid_key("secret key is zero or not below the curve order"))
    }

    /// Parses 64 hex digits, optionally `0x`-prefixed.
    pub fn from_hex(text: &str) -> Result<Self> {
        let bytes = Zeroizing::new(hex::decode("secret key", text)?);
        Self::from_bytes(&bytes)
    }

    /// The 32 secret bytes (zeroized when dropped).
    pub fn to_bytes(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.secret.to_bytes().into())
    }

    /// `0x`-prefixed hex of the secret (zeroized when dropped).
    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode_prefixed(self.to_bytes().as_slice()))
    }

    /// The matching public key (computed once, at construction).
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// The Ethereum address of the matching public key (computed once, on first use).
    pub fn address(&self) -> Address {
        *self.address.get_or_init(|| self.public.address())
    }

    /// The secret scalar, in [1, n) (zeroized when dropped).
    pub(crate) fn scalar(&self) -> Zeroizing<NonZeroScalar> {
        Zeroizing::new(self.secret.to_nonzero_scalar())
    }

    /// The public key from the generator's table ([`MultiplesTable`]), not k256's.
    fn from_secret(secret: k256::SecretKey) -> Self {
        let point = MultiplesTable::generator().mul(&Zeroizing::new(secret.to_nonzero_scalar()));
        // A scalar in [1, n) times the generator is never the identity.
        let public = k256::PublicKey::from_affine(point.to_affine())
            .expect("a non-zero scalar times the generator is a public key");
        Self {
            secret,
            public: PublicKey::from_inner(public),
            address: OnceLock::new(),
        }
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey(<redacted>, address {})", self.address())
    }
}

/// A secp256k1 public key. Parsed from SEC1 (33-byte compressed or 65-byte uncompressed).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey {
    inner: k256::PublicKey,
}

impl PublicKey {
    /// Parses SEC1 bytes: 33 (compressed) or 65 (uncompressed); the identity and off-curve points fail.
    pub fn from_sec1_bytes(bytes: &[u8]) -> Result<Self> {
        if bytes.len() != 33 && bytes.len() != 65 {
            return Err(Error::invalid_key(format_args!(
                "public key must be 33 or 65 bytes, got {}",
                bytes.len()
            )));
        }
        k256::PublicKey::from_sec1_bytes(bytes)
            .map(Self::from_inner)
            .map_err(|_| Error::invalid_key("public key is not a point on secp256k1"))
    }

    /// Parses hex (optionally `0x`-prefixed) of a SEC1 encoding.
    pub fn from_hex(text: &str) -> Result<Self> {
        Self::from_sec1_bytes(&hex::decode("public key", text)?)
    }

    /// The 33-byte compressed encoding.
    pub fn to_compressed(&self) -> [u8; 33] {
        let point = self.inner.as_affine().to_sec1_point(true);
        point
            .as_bytes()
            .try_into()
            .expect("compressed SEC1 point is 33 bytes")
    }

    /// The 65-byte uncompressed encoding (`0x04 ‖ x ‖ y`).
    pub fn to_uncompressed(&self) -> [u8; 65] {
        let point = self.inner.as_affine().to_sec1_point(false);
        point
            .as_bytes()
            .try_into()
            .expect("uncompressed SEC1 point is 65 bytes")
    }

    /// Lowercase hex of the compressed encoding, without prefix.
    pub fn to_hex(&self) -> String {
        hex::encode(&self.to_compressed())
    }

    /// The Ethereum address: last 20 bytes of keccak256 of the uncompressed point without `0x04`.
    pub fn address(&self) -> Address {
        Address::from_uncompressed_public_key(&self.to_uncompressed())
    }

    pub(crate) fn as_inner(&self) -> &k256::PublicKey {
        &self.inner
    }

    pub(crate) fn from_inner(inner: k256::PublicKey) -> Self {
        Self { inner }
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.to_hex())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: &str = "0000000000000000000000000000000000000000000000000000000000000001";

    #[test]
    fn secret_key_rejects_zero_order_and_wrong_length() {
        let order = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";
        for bad in [&"00".repeat(32), order, "01", &"11".repeat(33)] {
            let err = SecretKey::from_hex(bad).unwrap_err();
            assert_eq!(err.code(), crate::ErrorCode::InvalidKey, "{bad}");
        }
        assert!(SecretKey::from_hex(&format!("0x{ONE}")).is_ok());
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let key = SecretKey::from_hex(&"11".repeat(32)).unwrap();
        let shown = format!("{key:?}");
        assert!(!shown.contains("1111"), "{shown}");
        assert!(shown.contains("redacted"));
    }

    #[test]
    fn public_key_round_trips_both_encodings() {
        let key = SecretKey::from_hex(&"11".repeat(32)).unwrap();
        let public = key.public_key();
        let compressed = PublicKey::from_sec1_bytes(&public.to_compressed()).unwrap();
        let uncompressed = PublicKey::from_sec1_bytes(&public.to_uncompressed()).unwrap();
        assert_eq!(&compressed, public);
        assert_eq!(&uncompressed, public);
        assert_eq!(
            public.to_hex(),
            "034f355bdcb7cc0af728ef3cceb9615d90684bb5b2ca5f859ab0f0b704075871aa"
        );
    }

    #[test]
    fn public_key_rejects_off_curve_and_bad_lengths() {
        let mut off_curve = [0u8; 33];
        off_curve[0] = 2;
        off_curve[32] = 5;
        for bad in [
            &off_curve[..],
            &[0u8; 33][..],
            &[4u8; 65][..],
            &[2u8; 32][..],
            &[][..],
        ] {
            let err = PublicKey::from_sec1_bytes(bad).unwrap_err();
            assert_eq!(err.code(), crate::ErrorCode::InvalidKey);
        }
    }
}
