//! Warp messages and their verification (WARP.md): `WarpUnsignedMessage` and
//! `WarpSignedMessage` (parse strictly, build, read the fields, `toBytes` gives a parsed message's
//! input back byte for byte) and `WarpValidatorSet` (the validators-file JSON, keys validated
//! once) whose `verify` / `verifyAsync` check a signed message against a quorum. The codec is
//! `'avalanche'` (default) or `'lux-rlp'`.

use std::sync::Arc;

use confide_core::warp::bls::{Ciphersuite, Signature};
use confide_core::warp::{
    Codec, Quorum, SignedMessage, SignerBitset, UnsignedMessage, ValidatorSet,
    verify_signed_message,
};
use napi::bindgen_prelude::{AsyncTask, BigInt, Uint8Array, Unknown};
use napi_derive::napi;

use crate::args;
use crate::error::{CoreResultExt, Result, invalid_argument};
use crate::tasks::{self, CoreTask};

/// The codec argument: `'avalanche'` (default) or `'lux-rlp'`; anything else is
/// `UNSUPPORTED_SCHEME`.
fn codec(value: Option<Unknown<'_>>) -> Result<Codec> {
    args::opt_string(value, "codec")?
        .map_or(Ok(Codec::Avalanche), |name| Codec::parse(&name).into_js())
}

/// An unsigned Warp message: what validators sign.
#[napi]
pub struct WarpUnsignedMessage(UnsignedMessage);

#[napi]
impl WarpUnsignedMessage {
    /// Parses an encoded message. Throws `INVALID_MESSAGE` (truncated, trailing bytes, wrong codec
    /// version, non-canonical RLP), `MESSAGE_TOO_LARGE` (over 256 KiB), `UNSUPPORTED_SCHEME`
    /// (codec).
    #[napi(factory)]
    pub fn parse(
        #[napi(ts_arg_type = "Uint8Array")] bytes: Unknown<'_>,
        #[napi(ts_arg_type = "'avalanche' | 'lux-rlp'")] codec: Option<Unknown<'_>>,
    ) -> Result<Self> {
        let bytes = args::bytes(bytes, "bytes")?;
        UnsignedMessage::parse(self::codec(codec)?, &bytes)
            .map(Self)
            .into_js()
    }

    /// The message for `networkId`, the 32-byte `sourceChainId` and `payload`.
    /// `INVALID_ARGUMENT` for a chain id of another length, `MESSAGE_TOO_LARGE` over 256 KiB.
    #[napi(factory)]
    pub fn create(
        #[napi(ts_arg_type = "number")] network_id: Unknown<'_>,
        #[napi(ts_arg_type = "Uint8Array")] source_chain_id: Unknown<'_>,
        #[napi(ts_arg_type = "Uint8Array")] payload: Unknown<'_>,
        #[napi(ts_arg_type = "'avalanche' | 'lux-rlp'")] codec: Option<Unknown<'_>>,
    ) -> Result<Self> {
        let network_id = args::convert::<u32>(network_id, "networkId")?;
        let chain: [u8; 32] = args::bytes(source_chain_id, "sourceChainId")?
            .try_into()
            .map_err(|_| invalid_argument("sourceChainId", "must be 32 bytes"))?;
        let payload = args::bytes(payload, "payload")?;
        UnsignedMessage::new(self::codec(codec)?, network_id, chain, payload)
            .map(Self)
            .into_js()
    }

    /// The network it belongs to.
    #[napi(getter)]
    pub fn network_id(&self) -> u32 {
        self.0.network_id()
    }

    /// The 32-byte id of the chain that sent it.
    #[napi(getter)]
    pub fn source_chain_id(&self) -> Uint8Array {
        self.0.source_chain_id().to_vec().into()
    }

    /// The application payload.
    #[napi(getter)]
    pub fn payload(&self) -> Uint8Array {
        self.0.payload().to_vec().into()
    }

    /// The 32-byte message ID: SHA-256 of the encoding.
    #[napi(getter)]
    pub fn id(&self) -> Uint8Array {
        self.0.id().to_vec().into()
    }

    /// The encoding: what validators sign.
    #[napi]
    pub fn to_bytes(&self) -> Uint8Array {
        self.0.bytes().to_vec().into()
    }
}

/// A signed Warp message: the unsigned message, who signed (a bitset over the canonical
/// validator set) and the aggregate signature.
#[napi]
pub struct WarpSignedMessage(SignedMessage);

#[napi]
impl WarpSignedMessage {
    /// Parses an encoded signed message. Throws `INVALID_MESSAGE` (truncated, trailing bytes, an
    /// unknown signature type, a padded signer bitset), `MESSAGE_TOO_LARGE`,
    /// `INVALID_SIGNATURE` (not a point of the subgroup), `UNSUPPORTED_SCHEME` (codec).
    #[napi(factory)]
    pub fn parse(
        #[napi(ts_arg_type = "Uint8Array")] bytes: Unknown<'_>,
        #[napi(ts_arg_type = "'avalanche' | 'lux-rlp'")] codec: Option<Unknown<'_>>,
    ) -> Result<Self> {
        let bytes = args::bytes(bytes, "bytes")?;
        SignedMessage::parse(self::codec(codec)?, &bytes)
            .map(Self)
            .into_js()
    }

    /// Puts an encoded unsigned message, a signer bitset (canonical big-endian bytes: bit i =
    /// canonical validator i) and a 96-byte aggregate signature together. Throws as `parse`.
    #[napi(factory)]
    pub fn create(
        #[napi(ts_arg_type = "Uint8Array")] unsigned_message: Unknown<'_>,
        #[napi(ts_arg_type = "Uint8Array")] signers: Unknown<'_>,
        #[napi(ts_arg_type = "Uint8Array")] signature: Unknown<'_>,
        #[napi(ts_arg_type = "'avalanche' | 'lux-rlp'")] codec: Option<Unknown<'_>>,
    ) -> Result<Self> {
        let unsigned = args::bytes(unsigned_message, "unsignedMessage")?;
        let signers = args::bytes(signers, "signers")?;
        let signature = args::bytes(signature, "signature")?;
        let unsigned = UnsignedMessage::parse(self::codec(codec)?, &unsigned).into_js()?;
        let signers = SignerBitset::from_bytes(&signers).into_js()?;
        let signature = Signature::from_bytes(&signature).into_js()?;
        SignedMessage::new(unsigned, signers, signature)
            .map(Self)
            .into_js()
    }

    /// The message that was signed.
    #[napi(getter)]
    pub fn unsigned_message(&self) -> WarpUnsignedMessage {
        WarpUnsignedMessage(self.0.unsigned().clone())
    }

    /// The signer bitset's canonical bytes.
    #[napi(getter)]
    pub fn signers(&self) -> Uint8Array {
        self.0.signers().as_bytes().to_vec().into()
    }

    /// The canonical indices of the signers, ascending.
    #[napi(getter)]
    pub fn signer_indices(&self) -> Vec<u32> {
        self.0.signers().indices().map(|i| i as u32).collect()
    }

    /// The 96-byte aggregate signature.
    #[napi(getter)]
    pub fn signature(&self) -> Uint8Array {
        self.0.signature().to_bytes().to_vec().into()
    }

    /// The encoding (a parsed message's input, byte for byte).
    #[napi]
    pub fn to_bytes(&self) -> Uint8Array {
        self.0.to_bytes().into()
    }
}

/// What a valid signed message proved.
#[napi(object, object_from_js = false)]
pub struct WarpVerified {
    /// The weight of the signers.
    pub signed_weight: BigInt,
    /// The weight of the whole set.
    pub total_weight: BigInt,
    /// The signers' node ids (every node of a shared key).
    pub signers: Vec<String>,
}

/// Options of `WarpValidatorSet.verify`.
#[napi(object, object_to_js = false)]
pub struct WarpVerifyOptions {
    /// `'avalanche'` (default) or `'lux-rlp'`.
    #[napi(ts_type = "'avalanche' | 'lux-rlp'")]
    pub codec: Option<String>,
    /// `'pop'` (default) or `'lux-basic'`.
    #[napi(ts_type = "'pop' | 'lux-basic'")]
    pub ciphersuite: Option<String>,
}

/// Parsed `verify` arguments, ready for the thread pool.
struct VerifyJob {
    set: Arc<ValidatorSet>,
    message: SignedMessage,
    network_id: u32,
    quorum: Quorum,
    suite: Ciphersuite,
}

impl VerifyJob {
    fn run(self) -> Result<WarpVerified> {
        let verified = verify_signed_message(
            &self.message,
            self.network_id,
            &self.set,
            self.quorum,
            self.suite,
        )
        .into_js()?;
        Ok(WarpVerified {
            signed_weight: verified.signed_weight.into(),
            total_weight: verified.total_weight.into(),
            signers: self.set.node_ids_of(&verified.signers),
        })
    }
}

/// The canonical validator set a signer bitset indexes into: validators with a BLS key, those
/// sharing a key merged, sorted by uncompressed key; keyless validators count in the total weight.
#[napi]
pub struct WarpValidatorSet(Arc<ValidatorSet>);

#[napi]
impl WarpValidatorSet {
    /// Parses a validators file: `[{"node_id","bls_public_key"?,"weight","url"?}]` (a key is hex
    /// with or without `0x`, or null; the weight a JSON integer). Throws
    /// `INVALID_VALIDATOR_SET` naming the entry for anything malformed (an invalid key, a total
    /// weight of zero or over 2^64 - 1).
    #[napi(factory)]
    pub fn from_json(#[napi(ts_arg_type = "string")] json: Unknown<'_>) -> Result<Self> {
        let json = args::string(json, "json")?;
        ValidatorSet::from_json(&json)
            .map(|set| Self(Arc::new(set)))
            .into_js()
    }

    /// The number of canonical validators (the bits a signer bitset may use).
    #[napi(getter)]
    pub fn length(&self) -> u32 {
        self.0.len() as u32
    }

    /// The weight of every validator, keyed or not.
    #[napi(getter)]
    pub fn total_weight(&self) -> BigInt {
        self.0.total_weight().into()
    }

    fn job(
        &self,
        signed_message: Unknown<'_>,
        network_id: Unknown<'_>,
        quorum_numerator: Unknown<'_>,
        quorum_denominator: Unknown<'_>,
        opts: Option<Unknown<'_>>,
    ) -> Result<VerifyJob> {
        let options: Option<WarpVerifyOptions> = match opts {
            Some(opts) if !args::is_nullish(&opts)? => Some(args::convert(opts, "opts")?),
            _ => None,
        };
        let (codec, suite) = options.map_or((None, None), |o| (o.codec, o.ciphersuite));
        let codec = codec
            .map_or(Ok(Codec::Avalanche), |name| Codec::parse(&name))
            .into_js()?;
        let suite = suite
            .map_or(Ok(Ciphersuite::Pop), |name| Ciphersuite::parse(&name))
            .into_js()?;
        let bytes = args::bytes(signed_message, "signedMessage")?;
        let numerator = args::uint(
            args::convert(quorum_numerator, "quorumNumerator")?,
            "quorumNumerator",
        )?;
        let denominator = args::uint(
            args::convert(quorum_denominator, "quorumDenominator")?,
            "quorumDenominator",
        )?;
        Ok(VerifyJob {
            set: Arc::clone(&self.0),
            message: SignedMessage::parse(codec, &bytes).into_js()?,
            network_id: args::convert::<u32>(network_id, "networkId")?,
            quorum: Quorum::new(numerator, denominator).into_js()?,
            suite,
        })
    }

    /// Verifies an encoded signed message for `networkId` with the quorum
    /// `quorumNumerator/quorumDenominator` (e.g. 67/100): network id → signer bits within the set
    /// → signed weight → quorum → aggregate key → one pairing check. Throws `WRONG_NETWORK`,
    /// `INVALID_MESSAGE` (malformed, or a signer bit beyond the set), `INSUFFICIENT_WEIGHT`,
    /// `INVALID_SIGNATURE`, `INVALID_ARGUMENT` (the quorum), `UNSUPPORTED_SCHEME` (options).
    #[napi]
    pub fn verify(
        &self,
        #[napi(ts_arg_type = "Uint8Array")] signed_message: Unknown<'_>,
        #[napi(ts_arg_type = "number")] network_id: Unknown<'_>,
        #[napi(ts_arg_type = "number")] quorum_numerator: Unknown<'_>,
        #[napi(ts_arg_type = "number")] quorum_denominator: Unknown<'_>,
        #[napi(ts_arg_type = "WarpVerifyOptions")] opts: Option<Unknown<'_>>,
    ) -> Result<WarpVerified> {
        self.job(
            signed_message,
            network_id,
            quorum_numerator,
            quorum_denominator,
            opts,
        )?
        .run()
    }

    /// `verify` on the thread pool (the message is parsed first, on the caller's thread).
    #[napi(ts_return_type = "Promise<WarpVerified>")]
    pub fn verify_async(
        &self,
        #[napi(ts_arg_type = "Uint8Array")] signed_message: Unknown<'_>,
        #[napi(ts_arg_type = "number")] network_id: Unknown<'_>,
        #[napi(ts_arg_type = "number")] quorum_numerator: Unknown<'_>,
        #[napi(ts_arg_type = "number")] quorum_denominator: Unknown<'_>,
        #[napi(ts_arg_type = "WarpVerifyOptions")] opts: Option<Unknown<'_>>,
    ) -> Result<AsyncTask<CoreTask<WarpVerified>>> {
        let job = self.job(
            signed_message,
            network_id,
            quorum_numerator,
            quorum_denominator,
            opts,
        )?;
        Ok(tasks::spawn(move || job.run()))
    }
}
