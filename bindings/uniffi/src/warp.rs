//! Warp messages and their verification (WARP.md): `WarpUnsignedMessage` and
//! `WarpSignedMessage` (parse strictly, build, read the fields; `to_bytes` gives a parsed
//! message's input back byte for byte) and `WarpValidatorSet` (the validators-file JSON, keys
//! validated once) whose `verify` / `verify_async` check a signed message against a quorum.

use std::sync::Arc;

use confide_core::warp::bls::Signature;
use confide_core::warp::{
    Codec, Quorum, SignedMessage, SignerBitset, UnsignedMessage, ValidatorSet,
    verify_signed_message,
};

use crate::bls::{BlsCiphersuite, suite};
use crate::error::{Result, invalid_argument};
use crate::offload;

/// How a Warp message is encoded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, uniffi::Enum)]
pub enum WarpCodec {
    /// avalanchego's linear codec (big-endian, codec version 0): the default.
    #[default]
    Avalanche,
    /// The RLP encoding of luxfi/warp v1.18.
    LuxRlp,
}

fn codec(codec: Option<WarpCodec>) -> Codec {
    match codec.unwrap_or_default() {
        WarpCodec::Avalanche => Codec::Avalanche,
        WarpCodec::LuxRlp => Codec::LuxRlp,
    }
}

/// An unsigned Warp message: what validators sign.
#[derive(uniffi::Object)]
pub struct WarpUnsignedMessage(UnsignedMessage);

#[uniffi::export]
impl WarpUnsignedMessage {
    /// Parses an encoded message: `INVALID_MESSAGE` (truncated, trailing bytes, wrong codec
    /// version, non-canonical RLP), `MESSAGE_TOO_LARGE` (over 256 KiB).
    #[uniffi::constructor(default(codec = None))]
    pub fn parse(bytes: Vec<u8>, codec: Option<WarpCodec>) -> Result<Self> {
        Ok(Self(UnsignedMessage::parse(self::codec(codec), &bytes)?))
    }

    /// The message for `network_id`, the 32-byte `source_chain_id` and `payload`:
    /// `INVALID_ARGUMENT` for a chain id of another length, `MESSAGE_TOO_LARGE` over 256 KiB.
    #[uniffi::constructor(default(codec = None))]
    pub fn new(
        network_id: u32,
        source_chain_id: Vec<u8>,
        payload: Vec<u8>,
        codec: Option<WarpCodec>,
    ) -> Result<Self> {
        let chain: [u8; 32] = source_chain_id
            .try_into()
            .map_err(|_| invalid_argument("source_chain_id", "must be 32 bytes"))?;
        Ok(Self(UnsignedMessage::new(
            self::codec(codec),
            network_id,
            chain,
            payload,
        )?))
    }

    /// The network it belongs to.
    pub fn network_id(&self) -> u32 {
        self.0.network_id()
    }

    /// The 32-byte id of the chain that sent it.
    pub fn source_chain_id(&self) -> Vec<u8> {
        self.0.source_chain_id().to_vec()
    }

    /// The application payload.
    pub fn payload(&self) -> Vec<u8> {
        self.0.payload().to_vec()
    }

    /// The 32-byte message ID: SHA-256 of the encoding.
    pub fn id(&self) -> Vec<u8> {
        self.0.id().to_vec()
    }

    /// The encoding: what validators sign.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.0.bytes().to_vec()
    }
}

/// A signed Warp message: the unsigned message, who signed (a bitset over the canonical
/// validator set) and the aggregate signature.
#[derive(uniffi::Object)]
pub struct WarpSignedMessage(SignedMessage);

#[uniffi::export]
impl WarpSignedMessage {
    /// Parses an encoded signed message: `INVALID_MESSAGE` (truncated, trailing bytes, an unknown
    /// signature type, a padded signer bitset), `MESSAGE_TOO_LARGE`, `INVALID_SIGNATURE` (not a
    /// point of the subgroup).
    #[uniffi::constructor(default(codec = None))]
    pub fn parse(bytes: Vec<u8>, codec: Option<WarpCodec>) -> Result<Self> {
        Ok(Self(SignedMessage::parse(self::codec(codec), &bytes)?))
    }

    /// Puts `unsigned_message`, a signer bitset (canonical big-endian bytes: bit i = canonical
    /// validator i) and a 96-byte aggregate signature together. Errors as `parse`.
    #[uniffi::constructor]
    pub fn new(
        unsigned_message: Arc<WarpUnsignedMessage>,
        signers: Vec<u8>,
        signature: Vec<u8>,
    ) -> Result<Self> {
        Ok(Self(SignedMessage::new(
            unsigned_message.0.clone(),
            SignerBitset::from_bytes(&signers)?,
            Signature::from_bytes(&signature)?,
        )?))
    }

    /// The message that was signed.
    pub fn unsigned_message(&self) -> Arc<WarpUnsignedMessage> {
        Arc::new(WarpUnsignedMessage(self.0.unsigned().clone()))
    }

    /// The signer bitset's canonical bytes.
    pub fn signers(&self) -> Vec<u8> {
        self.0.signers().as_bytes().to_vec()
    }

    /// The canonical indices of the signers, ascending.
    pub fn signer_indices(&self) -> Vec<u64> {
        self.0.signers().indices().map(|i| i as u64).collect()
    }

    /// The 96-byte aggregate signature.
    pub fn signature(&self) -> Vec<u8> {
        self.0.signature().to_bytes().to_vec()
    }

    /// The encoding (a parsed message's input, byte for byte).
    pub fn to_bytes(&self) -> Vec<u8> {
        self.0.to_bytes()
    }
}

/// What a valid signed message proved.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct WarpVerified {
    /// The weight of the signers.
    pub signed_weight: u64,
    /// The weight of the whole set.
    pub total_weight: u64,
    /// The signers' node ids (every node of a shared key).
    pub signers: Vec<String>,
}

/// The canonical validator set a signer bitset indexes into: validators with a BLS key, those
/// sharing a key merged, sorted by uncompressed key; keyless validators count in the total weight.
#[derive(uniffi::Object)]
pub struct WarpValidatorSet(Arc<ValidatorSet>);

#[uniffi::export]
impl WarpValidatorSet {
    /// Parses a validators file, `[{"node_id","bls_public_key"?,"weight","url"?}]` (a key is hex
    /// with or without `0x`, or null; the weight a JSON integer): `INVALID_VALIDATOR_SET` naming
    /// the entry for anything malformed (an invalid key, a total weight of zero or over u64).
    #[uniffi::constructor]
    pub fn from_json(json: String) -> Result<Self> {
        Ok(Self(Arc::new(ValidatorSet::from_json(&json)?)))
    }

    /// The number of canonical validators (the bits a signer bitset may use).
    pub fn length(&self) -> u64 {
        self.0.len() as u64
    }

    /// The weight of every validator, keyed or not.
    pub fn total_weight(&self) -> u64 {
        self.0.total_weight()
    }

    /// Verifies `message` for `network_id` with the quorum `quorum_numerator/quorum_denominator`
    /// (e.g. 67/100): network id → signer bits within the set → signed weight → quorum → aggregate
    /// key → one pairing check. Errors: `WRONG_NETWORK`, `INVALID_MESSAGE` (a signer bit beyond
    /// the set), `INSUFFICIENT_WEIGHT`, `INVALID_SIGNATURE`, `INVALID_ARGUMENT` (the quorum).
    #[uniffi::method(default(ciphersuite = None))]
    pub fn verify(
        &self,
        message: Arc<WarpSignedMessage>,
        network_id: u32,
        quorum_numerator: u64,
        quorum_denominator: u64,
        ciphersuite: Option<BlsCiphersuite>,
    ) -> Result<WarpVerified> {
        let quorum = Quorum::new(quorum_numerator, quorum_denominator)?;
        verify(&self.0, &message.0, network_id, quorum, ciphersuite)
    }

    /// `verify` on a worker thread.
    #[uniffi::method(default(ciphersuite = None))]
    pub async fn verify_async(
        &self,
        message: Arc<WarpSignedMessage>,
        network_id: u32,
        quorum_numerator: u64,
        quorum_denominator: u64,
        ciphersuite: Option<BlsCiphersuite>,
    ) -> Result<WarpVerified> {
        let quorum = Quorum::new(quorum_numerator, quorum_denominator)?;
        let set = Arc::clone(&self.0);
        offload::run(move || verify(&set, &message.0, network_id, quorum, ciphersuite)).await
    }
}

fn verify(
    set: &ValidatorSet,
    message: &SignedMessage,
    network_id: u32,
    quorum: Quorum,
    ciphersuite: Option<BlsCiphersuite>,
) -> Result<WarpVerified> {
    let verified = verify_signed_message(message, network_id, set, quorum, suite(ciphersuite))?;
    Ok(WarpVerified {
        signed_weight: verified.signed_weight,
        total_weight: verified.total_weight,
        signers: set.node_ids_of(&verified.signers),
    })
}
