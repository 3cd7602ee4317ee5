//! The Avalanche linear codec (avalanchego `vms/platformvm/warp`), big-endian:
//! unsigned = u16 codec version 0 ‖ u32 network id ‖ 32-byte source chain ‖ u32 len ‖ payload;
//! signed = unsigned ‖ u32 type id 0 (BitSetSignature) ‖ u32 len ‖ signers ‖ 96-byte signature.

use super::reader::Reader;
use super::{MAX_MESSAGE_SIZE, SignedParts, UnsignedParts};
use crate::error::{Error, Result};

const CODEC_VERSION: u16 = 0;
const BIT_SET_SIGNATURE_TYPE: u32 = 0;

pub(super) fn encode_unsigned(
    network_id: u32,
    source_chain_id: &[u8; 32],
    payload: &[u8],
) -> Vec<u8> {
    let mut out = Vec::with_capacity(2 + 4 + 32 + 4 + payload.len());
    out.extend_from_slice(&CODEC_VERSION.to_be_bytes());
    out.extend_from_slice(&network_id.to_be_bytes());
    out.extend_from_slice(source_chain_id);
    out.extend_from_slice(&len_u32(payload.len()).to_be_bytes());
    out.extend_from_slice(payload);
    out
}

pub(super) fn encode_signed(unsigned: &[u8], signers: &[u8], signature: &[u8; 96]) -> Vec<u8> {
    let mut out = Vec::with_capacity(unsigned.len() + 8 + signers.len() + 96);
    out.extend_from_slice(unsigned);
    out.extend_from_slice(&BIT_SET_SIGNATURE_TYPE.to_be_bytes());
    out.extend_from_slice(&len_u32(signers.len()).to_be_bytes());
    out.extend_from_slice(signers);
    out.extend_from_slice(signature);
    out
}

fn read_unsigned<'a>(reader: &mut Reader<'a>) -> Result<UnsignedParts<'a>> {
    let version = reader.u16("codec version")?;
    if version != CODEC_VERSION {
        return Err(Error::invalid_message(format_args!(
            "warp message: unknown codec version {version}"
        )));
    }
    let network_id = reader.u32("network id")?;
    let source_chain_id = reader.array("source chain id")?;
    let payload = reader.length_prefixed(MAX_MESSAGE_SIZE, "payload")?;
    Ok(UnsignedParts {
        network_id,
        source_chain_id,
        payload,
    })
}

pub(super) fn decode_unsigned(bytes: &[u8]) -> Result<UnsignedParts<'_>> {
    let mut reader = Reader::new(bytes, "unsigned warp message");
    let parts = read_unsigned(&mut reader)?;
    reader.finish()?;
    Ok(parts)
}

pub(super) fn decode_signed(bytes: &[u8]) -> Result<SignedParts<'_>> {
    let mut reader = Reader::new(bytes, "signed warp message");
    let parts = read_unsigned(&mut reader)?;
    let unsigned = &bytes[..reader.position()];
    let type_id = reader.u32("signature type id")?;
    if type_id != BIT_SET_SIGNATURE_TYPE {
        return Err(Error::invalid_message(format_args!(
            "signed warp message: unknown signature type id {type_id}"
        )));
    }
    let signers = reader.length_prefixed(MAX_MESSAGE_SIZE, "signers")?;
    let signature = reader.array("signature")?;
    reader.finish()?;
    Ok(SignedParts {
        unsigned,
        parts,
        signers,
        signature,
    })
}

/// Lengths are bounded by [`MAX_MESSAGE_SIZE`] before anything is encoded.
fn len_u32(len: usize) -> u32 {
    u32::try_from(len).expect("lengths are bounded by MAX_MESSAGE_SIZE")
}
