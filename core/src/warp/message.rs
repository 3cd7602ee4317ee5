//! Unsigned and signed Warp messages.

use super::bls::Signature;
use super::codec::{Codec, SignerBitset, UnsignedParts, check_size};
use crate::crypto::sha256;
use crate::error::Result;

/// A cross-chain message before signing: validators sign [`UnsignedMessage::bytes`] (the encoding,
/// not the ID). The encoding is kept, so the bytes signed are the bytes received.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct UnsignedMessage {
    codec: Codec,
    network_id: u32,
    source_chain_id: [u8; 32],
    payload: Vec<u8>,
    bytes: Vec<u8>,
}

impl UnsignedMessage {
    /// A message encoded with `codec`; over 256 KiB is an error.
    pub fn new(
        codec: Codec,
        network_id: u32,
        source_chain_id: [u8; 32],
        payload: Vec<u8>,
    ) -> Result<Self> {
        check_size(payload.len(), "warp payload")?;
        let bytes = codec.encode_unsigned(network_id, &source_chain_id, &payload);
        check_size(bytes.len(), "unsigned warp message")?;
        Ok(Self {
            codec,
            network_id,
            source_chain_id,
            payload,
            bytes,
        })
    }

    /// Parses an encoded unsigned message (strictly: see [`Codec`]).
    pub fn parse(codec: Codec, bytes: &[u8]) -> Result<Self> {
        let parts = codec.decode_unsigned(bytes)?;
        Ok(Self::from_parts(codec, &parts, bytes))
    }

    fn from_parts(codec: Codec, parts: &UnsignedParts<'_>, bytes: &[u8]) -> Self {
        Self {
            codec,
            network_id: parts.network_id,
            source_chain_id: parts.source_chain_id,
            payload: parts.payload.to_vec(),
            bytes: bytes.to_vec(),
        }
    }

    /// The codec it is encoded with.
    pub fn codec(&self) -> Codec {
        self.codec
    }

    /// The network it belongs to.
    pub fn network_id(&self) -> u32 {
        self.network_id
    }

    /// The chain that sent it.
    pub fn source_chain_id(&self) -> &[u8; 32] {
        &self.source_chain_id
    }

    /// The application payload.
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// The encoding: what validators sign.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The message ID: SHA-256 of the encoding.
    pub fn id(&self) -> [u8; 32] {
        sha256(&self.bytes)
    }
}

/// A message with a `BitSetSignature`: the signers (canonical validator indices) and their
/// aggregate signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedMessage {
    unsigned: UnsignedMessage,
    signers: SignerBitset,
    signature: Signature,
}

impl SignedMessage {
    /// Puts a message, its signers and their aggregate signature together; over 256 KiB encoded is
    /// an error.
    pub fn new(
        unsigned: UnsignedMessage,
        signers: SignerBitset,
        signature: Signature,
    ) -> Result<Self> {
        let message = Self {
            unsigned,
            signers,
            signature,
        };
        check_size(message.encoded_len(), "signed warp message")?;
        Ok(message)
    }

    /// Parses an encoded signed message: strict codec, canonical bitset, signature on the curve and
    /// in the subgroup. Whether the signers exist and the signature verifies is
    /// [`super::verify_signed_message`]'s job.
    pub fn parse(codec: Codec, bytes: &[u8]) -> Result<Self> {
        let decoded = codec.decode_signed(bytes)?;
        let unsigned = UnsignedMessage::from_parts(codec, &decoded.parts, decoded.unsigned);
        let signers = SignerBitset::from_bytes(decoded.signers)?;
        let signature = Signature::from_bytes(&decoded.signature)?;
        Ok(Self {
            unsigned,
            signers,
            signature,
        })
    }

    /// The encoding in the unsigned message's codec.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.unsigned.codec.encode_signed(
            &self.unsigned.bytes,
            self.signers.as_bytes(),
            &self.signature.to_bytes(),
        )
    }

    fn encoded_len(&self) -> usize {
        // Exact for avalanche; the RLP headers add at most a few bytes more, so encode to be sure
        // only when close to the limit.
        let estimate = self.unsigned.bytes.len() + self.signers.as_bytes().len() + 96 + 8;
        if estimate + 32 < super::codec::MAX_MESSAGE_SIZE {
            estimate
        } else {
            self.to_bytes().len()
        }
    }

    /// The message that was signed.
    pub fn unsigned(&self) -> &UnsignedMessage {
        &self.unsigned
    }

    /// Who signed.
    pub fn signers(&self) -> &SignerBitset {
        &self.signers
    }

    /// The aggregate signature.
    pub fn signature(&self) -> &Signature {
        &self.signature
    }
}
