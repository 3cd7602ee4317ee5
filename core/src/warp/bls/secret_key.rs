//! BLS secret keys: zeroized on drop, never printed.

use std::fmt;

use rand_core::CryptoRng;
use zeroize::{Zeroize, Zeroizing};

use super::ciphersuite::{Ciphersuite, POP_PROOF_DST};
use super::public_key::PublicKey;
use super::signature::Signature;
use crate::error::{Error, Result};
use crate::hex;

/// A BLS12-381 secret scalar. blst wipes it on drop; `Debug` never shows it.
#[derive(Clone)]
pub struct BlsSecretKey {
    inner: blst::min_pk::SecretKey,
    public: PublicKey,
}

impl BlsSecretKey {
    /// A fresh random key (IETF KeyGen over 32 random bytes, which are wiped afterwards).
    pub fn generate(rng: &mut (impl CryptoRng + ?Sized)) -> Self {
        let mut ikm = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(ikm.as_mut());
        let inner = blst::min_pk::SecretKey::key_gen(ikm.as_ref(), &[])
            .expect("32 bytes of key material are enough for KeyGen");
        Self::from_inner(inner)
    }

    /// Parses the 32-byte big-endian scalar; zero and values ≥ the group order are rejected.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        if bytes.len() != 32 {
            return Err(Error::invalid_key(format_args!(
                "BLS secret key must be 32 bytes, got {}",
                bytes.len()
            )));
        }
        blst::min_pk::SecretKey::from_bytes(bytes)
            .map(Self::from_inner)
            .map_err(|_| Error::invalid_key("BLS secret key is zero or not below the group order"))
    }

    /// Parses 64 hex digits, optionally `0x`-prefixed (the `BLS_PRIVATE_KEY` form). The decoded
    /// bytes are wiped.
    pub fn from_hex(text: &str) -> Result<Self> {
        let bytes = Zeroizing::new(hex::decode("BLS secret key", text)?);
        Self::from_bytes(&bytes)
    }

    fn from_inner(inner: blst::min_pk::SecretKey) -> Self {
        let public = PublicKey::from_blst_unchecked(inner.sk_to_pk());
        Self { inner, public }
    }

    /// The 32 big-endian secret bytes (wiped when dropped).
    pub fn to_bytes(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.inner.to_bytes())
    }

    /// `0x`-prefixed hex of the secret (wiped when dropped).
    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode_prefixed(self.to_bytes().as_slice()))
    }

    /// The matching public key (computed once).
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// Signs `message` under `suite`.
    pub fn sign(&self, message: &[u8], suite: Ciphersuite) -> Signature {
        Signature::from_blst(self.inner.sign(message, suite.signature_dst(), &[]))
    }

    /// The proof of possession: a signature over the compressed public key under
    /// `BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_`.
    pub fn proof_of_possession(&self) -> Signature {
        Signature::from_blst(self.inner.sign(&self.public.to_bytes(), POP_PROOF_DST, &[]))
    }
}

impl Zeroize for BlsSecretKey {
    fn zeroize(&mut self) {
        self.inner.zeroize();
    }
}

impl fmt::Debug for BlsSecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlsSecretKey")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}
