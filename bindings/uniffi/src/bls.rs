//! BLS12-381 for Warp (WARP.md): `BlsSecretKey` (a validator's key), `bls_verify`,
//! `bls_fast_aggregate_verify` (also `…_async`, on a worker thread), `bls_aggregate_signatures`,
//! `bls_aggregate_public_keys`. Keys are 48 bytes, signatures 96 bytes.

use confide_core::warp::bls::{
    self, PublicKey, Signature, aggregate_public_keys, fast_aggregate_verify,
};
use zeroize::Zeroizing;

use crate::error::Result;
use crate::offload;
use crate::rng::os_rng;

/// Which domain separation tag message signatures use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, uniffi::Enum)]
pub enum BlsCiphersuite {
    /// `BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_` (Avalanche, Ethereum): the default.
    #[default]
    Pop,
    /// `BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_` (the Lux build).
    LuxBasic,
}

impl From<BlsCiphersuite> for bls::Ciphersuite {
    fn from(suite: BlsCiphersuite) -> Self {
        match suite {
            BlsCiphersuite::Pop => Self::Pop,
            BlsCiphersuite::LuxBasic => Self::LuxBasic,
        }
    }
}

/// The core's ciphersuite for an optional argument (default POP).
pub(crate) fn suite(ciphersuite: Option<BlsCiphersuite>) -> bls::Ciphersuite {
    ciphersuite.unwrap_or_default().into()
}

/// A BLS12-381 secret key (min-pk), wiped when freed.
#[derive(uniffi::Object)]
pub struct BlsSecretKey(bls::BlsSecretKey);

#[uniffi::export]
impl BlsSecretKey {
    /// A fresh random key from the operating system's RNG.
    #[uniffi::constructor]
    pub fn generate() -> Self {
        Self(bls::BlsSecretKey::generate(&mut os_rng()))
    }

    /// The key from its 32 big-endian bytes: `INVALID_KEY` for another length, zero or a value not
    /// below the group order.
    #[uniffi::constructor]
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self> {
        let bytes = Zeroizing::new(bytes);
        Ok(Self(bls::BlsSecretKey::from_bytes(&bytes)?))
    }

    /// The 48-byte compressed public key.
    pub fn public_key(&self) -> Vec<u8> {
        self.0.public_key().to_bytes().to_vec()
    }

    /// The 96-byte proof of possession (what `/v1/info` publishes as `blsProofOfPossession`).
    pub fn proof_of_possession(&self) -> Vec<u8> {
        self.0.proof_of_possession().to_bytes().to_vec()
    }

    /// The 96-byte signature over `message` (for Warp: the unsigned message's bytes).
    #[uniffi::method(default(ciphersuite = None))]
    pub fn sign(&self, message: Vec<u8>, ciphersuite: Option<BlsCiphersuite>) -> Vec<u8> {
        self.0
            .sign(&message, suite(ciphersuite))
            .to_bytes()
            .to_vec()
    }
}

/// Whether `signature` is `public_key`'s signature over `message`. A signature that does not
/// verify is `false`; a malformed key is `INVALID_KEY`, a malformed signature `INVALID_SIGNATURE`.
#[uniffi::export(default(ciphersuite = None))]
pub fn bls_verify(
    public_key: Vec<u8>,
    message: Vec<u8>,
    signature: Vec<u8>,
    ciphersuite: Option<BlsCiphersuite>,
) -> Result<bool> {
    let key = PublicKey::from_bytes(&public_key)?;
    let signature = Signature::from_bytes(&signature)?;
    Ok(signature.verify(&message, &key, suite(ciphersuite)))
}

/// Whether `signature` aggregates signatures by every key of `public_keys` over the same
/// `message` (FastAggregateVerify; `false` for no key or keys summing to infinity). Only safe with
/// keys whose proof of possession was checked. Errors as `bls_verify`.
#[uniffi::export(default(ciphersuite = None))]
pub fn bls_fast_aggregate_verify(
    public_keys: Vec<Vec<u8>>,
    message: Vec<u8>,
    signature: Vec<u8>,
    ciphersuite: Option<BlsCiphersuite>,
) -> Result<bool> {
    let keys = public_keys
        .iter()
        .map(|key| PublicKey::from_bytes(key))
        .collect::<confide_core::Result<Vec<_>>>()?;
    let signature = Signature::from_bytes(&signature)?;
    Ok(fast_aggregate_verify(
        &keys,
        &message,
        &signature,
        suite(ciphersuite),
    ))
}

/// `bls_fast_aggregate_verify` on a worker thread (one key check per key, one pairing check).
#[uniffi::export(default(ciphersuite = None))]
pub async fn bls_fast_aggregate_verify_async(
    public_keys: Vec<Vec<u8>>,
    message: Vec<u8>,
    signature: Vec<u8>,
    ciphersuite: Option<BlsCiphersuite>,
) -> Result<bool> {
    offload::run(move || bls_fast_aggregate_verify(public_keys, message, signature, ciphersuite))
        .await
}

/// The sum of 96-byte signatures: `INVALID_SIGNATURE` for none or a malformed one.
#[uniffi::export]
pub fn bls_aggregate_signatures(signatures: Vec<Vec<u8>>) -> Result<Vec<u8>> {
    let signatures = signatures
        .iter()
        .map(|bytes| Signature::from_bytes(bytes))
        .collect::<confide_core::Result<Vec<_>>>()?;
    Ok(Signature::aggregate(&signatures)?.to_bytes().to_vec())
}

/// The sum of 48-byte public keys: `INVALID_KEY` for none, a malformed key or a sum at infinity.
#[uniffi::export]
pub fn bls_aggregate_public_keys(public_keys: Vec<Vec<u8>>) -> Result<Vec<u8>> {
    let keys = public_keys
        .iter()
        .map(|bytes| PublicKey::from_bytes(bytes))
        .collect::<confide_core::Result<Vec<_>>>()?;
    Ok(aggregate_public_keys(&keys)?.to_bytes().to_vec())
}
