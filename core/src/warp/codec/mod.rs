//! Wire codecs of Warp messages: `avalanche` (the default) and `lux-rlp`. Parsers are strict: no
//! trailing bytes, no truncated field, no length over the limits, checked arithmetic, canonical
//! encodings only, so parse → serialise gives the input back byte for byte.

mod avalanche;
mod bitset;
mod reader;
mod rlp;

use std::fmt;

pub use bitset::SignerBitset;
pub(crate) use reader::Reader;

use crate::error::{Error, ErrorCode, Result};

/// The largest signed message (and so unsigned message) accepted or produced: 256 KiB.
pub const MAX_MESSAGE_SIZE: usize = 256 * 1024;

/// How messages are encoded on the wire.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Codec {
    /// avalanchego's linear codec (big-endian, codec version 0): the default.
    #[default]
    Avalanche,
    /// luxfi/warp v1.18's RLP encoding.
    LuxRlp,
}

impl Codec {
    /// The command-line and configuration name: `avalanche` or `lux-rlp`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Avalanche => "avalanche",
            Self::LuxRlp => "lux-rlp",
        }
    }

    /// Parses `avalanche` or `lux-rlp`.
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "avalanche" => Ok(Self::Avalanche),
            "lux-rlp" => Ok(Self::LuxRlp),
            other => Err(Error::new(
                ErrorCode::UnsupportedScheme,
                format!("unknown warp codec {other:?} (expected avalanche or lux-rlp)"),
            )),
        }
    }

    pub(crate) fn encode_unsigned(
        self,
        network_id: u32,
        source_chain_id: &[u8; 32],
        payload: &[u8],
    ) -> Vec<u8> {
        match self {
            Self::Avalanche => avalanche::encode_unsigned(network_id, source_chain_id, payload),
            Self::LuxRlp => rlp::encode_unsigned(network_id, source_chain_id, payload),
        }
    }

    pub(crate) fn encode_signed(
        self,
        unsigned: &[u8],
        signers: &[u8],
        signature: &[u8; 96],
    ) -> Vec<u8> {
        match self {
            Self::Avalanche => avalanche::encode_signed(unsigned, signers, signature),
            Self::LuxRlp => rlp::encode_signed(unsigned, signers, signature),
        }
    }

    pub(crate) fn decode_unsigned(self, bytes: &[u8]) -> Result<UnsignedParts<'_>> {
        check_size(bytes.len(), "unsigned warp message")?;
        match self {
            Self::Avalanche => avalanche::decode_unsigned(bytes),
            Self::LuxRlp => rlp::decode_unsigned(bytes),
        }
    }

    pub(crate) fn decode_signed(self, bytes: &[u8]) -> Result<SignedParts<'_>> {
        check_size(bytes.len(), "signed warp message")?;
        match self {
            Self::Avalanche => avalanche::decode_signed(bytes),
            Self::LuxRlp => rlp::decode_signed(bytes),
        }
    }
}

impl fmt::Display for Codec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The fields of an unsigned message, borrowed from the input.
pub(crate) struct UnsignedParts<'a> {
    pub network_id: u32,
    pub source_chain_id: [u8; 32],
    pub payload: &'a [u8],
}

/// The fields of a signed message, borrowed from the input.
pub(crate) struct SignedParts<'a> {
    /// The unsigned message's own encoding inside the input (what validators signed).
    pub unsigned: &'a [u8],
    pub parts: UnsignedParts<'a>,
    pub signers: &'a [u8],
    pub signature: [u8; 96],
}

/// Messages over [`MAX_MESSAGE_SIZE`] are refused before and after encoding.
pub(crate) fn check_size(len: usize, what: &str) -> Result<()> {
    if len > MAX_MESSAGE_SIZE {
        return Err(Error::new(
            ErrorCode::MessageTooLarge,
            format!("{what} is {len} bytes, over the limit of {MAX_MESSAGE_SIZE}"),
        ));
    }
    Ok(())
}
