//! BLS12-381 for Warp (WARP.md): `BlsSecretKey` (a validator's key), `blsVerify`,
//! `blsFastAggregateVerify` (also as a Promise), `blsAggregateSignatures`,
//! `blsAggregatePublicKeys`. Keys are 48 bytes, signatures 96 bytes, as `Uint8Array`s; the
//! ciphersuite is `'pop'` (default) or `'lux-basic'`.

use confide_core::warp::bls::{
    BlsSecretKey as CoreSecretKey, Ciphersuite, PublicKey, Signature, aggregate_public_keys,
    fast_aggregate_verify,
};
use napi::bindgen_prelude::{AsyncTask, Uint8Array, Unknown};
use napi_derive::napi;
use zeroize::Zeroizing;

use crate::args;
use crate::error::{CoreResultExt, Result};
use crate::rng::os_rng;
use crate::tasks::{self, CoreTask};

/// The ciphersuite argument: `'pop'` (default) or `'lux-basic'`; anything else is
/// `UNSUPPORTED_SCHEME`.
fn ciphersuite(value: Option<Unknown<'_>>) -> Result<Ciphersuite> {
    args::opt_string(value, "ciphersuite")?.map_or(Ok(Ciphersuite::Pop), |name| {
        Ciphersuite::parse(&name).into_js()
    })
}

/// A BLS12-381 secret key (min-pk), wiped when garbage-collected.
#[napi]
pub struct BlsSecretKey(CoreSecretKey);

#[napi]
impl BlsSecretKey {
    /// A fresh random key from the operating system's RNG.
    #[napi(factory)]
    pub fn generate() -> Self {
        Self(CoreSecretKey::generate(&mut os_rng()))
    }

    /// The key from its 32 big-endian bytes; `INVALID_KEY` for another length, zero or a value not
    /// below the group order.
    #[napi(factory)]
    pub fn from_bytes(#[napi(ts_arg_type = "Uint8Array")] bytes: Unknown<'_>) -> Result<Self> {
        let bytes = Zeroizing::new(args::bytes(bytes, "bytes")?);
        CoreSecretKey::from_bytes(&bytes).map(Self).into_js()
    }

    /// The 48-byte compressed public key.
    #[napi(getter)]
    pub fn public_key(&self) -> Uint8Array {
        self.0.public_key().to_bytes().to_vec().into()
    }

    /// The 96-byte proof of possession (what `/v1/info` publishes as `blsProofOfPossession`).
    #[napi]
    pub fn proof_of_possession(&self) -> Uint8Array {
        self.0.proof_of_possession().to_bytes().to_vec().into()
    }

    /// The 96-byte signature over `message` (for Warp: the unsigned message's bytes).
    #[napi]
    pub fn sign(
        &self,
        #[napi(ts_arg_type = "Uint8Array")] message: Unknown<'_>,
        #[napi(ts_arg_type = "'pop' | 'lux-basic'")] ciphersuite: Option<Unknown<'_>>,
    ) -> Result<Uint8Array> {
        let message = args::bytes(message, "message")?;
        let suite = self::ciphersuite(ciphersuite)?;
        Ok(self.0.sign(&message, suite).to_bytes().to_vec().into())
    }
}

/// Whether `signature` is `publicKey`'s signature over `message`. A signature that does not verify
/// is `false`; a malformed key throws `INVALID_KEY`, a malformed signature `INVALID_SIGNATURE`.
#[napi]
pub fn bls_verify(
    #[napi(ts_arg_type = "Uint8Array")] public_key: Unknown<'_>,
    #[napi(ts_arg_type = "Uint8Array")] message: Unknown<'_>,
    #[napi(ts_arg_type = "Uint8Array")] signature: Unknown<'_>,
    #[napi(ts_arg_type = "'pop' | 'lux-basic'")] ciphersuite: Option<Unknown<'_>>,
) -> Result<bool> {
    let key = PublicKey::from_bytes(&args::bytes(public_key, "publicKey")?).into_js()?;
    let message = args::bytes(message, "message")?;
    let signature = Signature::from_bytes(&args::bytes(signature, "signature")?).into_js()?;
    Ok(signature.verify(&message, &key, self::ciphersuite(ciphersuite)?))
}

/// Parsed `blsFastAggregateVerify` arguments, ready for the thread pool.
struct FastAggregateJob {
    keys: Vec<PublicKey>,
    message: Vec<u8>,
    signature: Signature,
    suite: Ciphersuite,
}

impl FastAggregateJob {
    fn parse(
        public_keys: Unknown<'_>,
        message: Unknown<'_>,
        signature: Unknown<'_>,
        ciphersuite: Option<Unknown<'_>>,
    ) -> Result<Self> {
        let keys = args::byte_list(public_keys, "publicKeys")?
            .iter()
            .map(|key| PublicKey::from_bytes(key))
            .collect::<confide_core::Result<Vec<_>>>()
            .into_js()?;
        Ok(Self {
            keys,
            message: args::bytes(message, "message")?,
            signature: Signature::from_bytes(&args::bytes(signature, "signature")?).into_js()?,
            suite: self::ciphersuite(ciphersuite)?,
        })
    }

    fn run(self) -> bool {
        fast_aggregate_verify(&self.keys, &self.message, &self.signature, self.suite)
    }
}

/// Whether `signature` aggregates signatures by every key of `publicKeys` over the same `message`
/// (FastAggregateVerify; `false` for no key or keys summing to infinity). Only safe with keys
/// whose proof of possession was checked. Throws as `blsVerify`.
#[napi]
pub fn bls_fast_aggregate_verify(
    #[napi(ts_arg_type = "Uint8Array[]")] public_keys: Unknown<'_>,
    #[napi(ts_arg_type = "Uint8Array")] message: Unknown<'_>,
    #[napi(ts_arg_type = "Uint8Array")] signature: Unknown<'_>,
    #[napi(ts_arg_type = "'pop' | 'lux-basic'")] ciphersuite: Option<Unknown<'_>>,
) -> Result<bool> {
    Ok(FastAggregateJob::parse(public_keys, message, signature, ciphersuite)?.run())
}

/// `blsFastAggregateVerify` on the thread pool (the keys are parsed first, on the caller's
/// thread).
#[napi(ts_return_type = "Promise<boolean>")]
pub fn bls_fast_aggregate_verify_async(
    #[napi(ts_arg_type = "Uint8Array[]")] public_keys: Unknown<'_>,
    #[napi(ts_arg_type = "Uint8Array")] message: Unknown<'_>,
    #[napi(ts_arg_type = "Uint8Array")] signature: Unknown<'_>,
    #[napi(ts_arg_type = "'pop' | 'lux-basic'")] ciphersuite: Option<Unknown<'_>>,
) -> Result<AsyncTask<CoreTask<bool>>> {
    let job = FastAggregateJob::parse(public_keys, message, signature, ciphersuite)?;
    Ok(tasks::spawn(move || Ok(job.run())))
}

/// The sum of 96-byte signatures. `INVALID_SIGNATURE` for none or a malformed one.
#[napi]
pub fn bls_aggregate_signatures(
    #[napi(ts_arg_type = "Uint8Array[]")] signatures: Unknown<'_>,
) -> Result<Uint8Array> {
    let signatures = args::byte_list(signatures, "signatures")?
        .iter()
        .map(|bytes| Signature::from_bytes(bytes))
        .collect::<confide_core::Result<Vec<_>>>()
        .into_js()?;
    let sum = Signature::aggregate(&signatures).into_js()?;
    Ok(sum.to_bytes().to_vec().into())
}

/// The sum of 48-byte public keys. `INVALID_KEY` for none, a malformed key or a sum at infinity.
#[napi]
pub fn bls_aggregate_public_keys(
    #[napi(ts_arg_type = "Uint8Array[]")] public_keys: Unknown<'_>,
) -> Result<Uint8Array> {
    let keys = args::byte_list(public_keys, "publicKeys")?
        .iter()
        .map(|bytes| PublicKey::from_bytes(bytes))
        .collect::<confide_core::Result<Vec<_>>>()
        .into_js()?;
    let sum = aggregate_public_keys(&keys).into_js()?;
    Ok(sum.to_bytes().to_vec().into())
}
