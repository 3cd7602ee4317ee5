//! secp256k1 keys: the wallet key of a client, the key of a host. Secret keys stay inside a
//! `SecretKey` object (zeroized when it is freed) and are shown only by `to_hex`.

use confide_core::crypto::{self, PublicKey};
use zeroize::Zeroizing;

use crate::error::Result;
use crate::rng::os_rng;

/// A secp256k1 secret key.
#[derive(uniffi::Object)]
pub struct SecretKey {
    pub(crate) key: crypto::SecretKey,
}

#[uniffi::export]
impl SecretKey {
    /// A fresh random key from the operating system's RNG.
    #[uniffi::constructor]
    pub fn generate() -> Self {
        Self {
            key: crypto::SecretKey::generate(&mut os_rng()),
        }
    }

    /// A key from 64 hex digits (optionally `0x`-prefixed): `INVALID_HEX_ENCODING`, or
    /// `INVALID_KEY` for zero or a value not below the group order.
    #[uniffi::constructor]
    pub fn from_hex(hex: String) -> Result<Self> {
        let hex = Zeroizing::new(hex);
        Ok(Self {
            key: crypto::SecretKey::from_hex(&hex)?,
        })
    }

    /// The key as `0x` + 64 lowercase hex digits (a secret: handle it like one).
    pub fn to_hex(&self) -> String {
        self.key.to_hex().to_string()
    }

    /// The compressed public key (33 bytes) as lowercase hex without prefix, as hosts publish it.
    pub fn public_key(&self) -> String {
        self.key.public_key().to_hex()
    }

    /// The EIP-55 Ethereum address.
    pub fn address(&self) -> String {
        self.key.address().to_checksum()
    }
}

/// The EIP-55 address of a public key given as hex of its SEC1 encoding (33 or 65 bytes):
/// `INVALID_HEX_ENCODING` or `INVALID_KEY` otherwise.
#[uniffi::export]
pub fn address_from_public_key(public_key: String) -> Result<String> {
    Ok(PublicKey::from_hex(&public_key)?.address().to_checksum())
}
