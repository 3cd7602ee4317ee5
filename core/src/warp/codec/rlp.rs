//! The `lux-rlp` codec (luxfi/warp v1.18): unsigned = RLP list [network id, source chain, payload];
//! signed = RLP list [unsigned list, signature type 0, [signers, 96-byte signature]]. The signer
//! bitset is the same big-endian integer as in the Avalanche codec.
//!
//! Decoding accepts canonical RLP only (shortest lengths, single bytes below 0x80 as themselves,
//! integers without leading zeros), so a parsed message re-encodes to the same bytes.

use super::{SignedParts, UnsignedParts};
use crate::error::{Error, Result};

/// One RLP item: a byte string or the encoded contents of a list.
#[derive(Clone, Copy)]
enum Item<'a> {
    Bytes(&'a [u8]),
    List(&'a [u8]),
}

/// Splits the first item off `input`: the item, its whole encoding, and what follows.
fn split(input: &[u8]) -> Result<(Item<'_>, &[u8], &[u8])> {
    let Some(&prefix) = input.first() else {
        return Err(rlp_error("truncated item"));
    };
    let (header, len, is_list) = match prefix {
        0x00..=0x7f => return Ok((Item::Bytes(&input[..1]), &input[..1], &input[1..])),
        0x80..=0xb7 => (1, usize::from(prefix - 0x80), false),
        0xb8..=0xbf => long_length(input, usize::from(prefix - 0xb7))
            .map(|(header, len)| (header, len, false))?,
        0xc0..=0xf7 => (1, usize::from(prefix - 0xc0), true),
        0xf8..=0xff => long_length(input, usize::from(prefix - 0xf7))
            .map(|(header, len)| (header, len, true))?,
    };
    let available = input.len() - header;
    if len > available {
        return Err(rlp_error(format_args!(
            "item of {len} bytes truncated ({available} left)"
        )));
    }
    let content = &input[header..header + len];
    if !is_list && len == 1 && content[0] < 0x80 {
        return Err(rlp_error("a single byte below 0x80 must encode as itself"));
    }
    let item = if is_list {
        Item::List(content)
    } else {
        Item::Bytes(content)
    };
    Ok((item, &input[..header + len], &input[header + len..]))
}

/// The header size and content length of a long-form item with `len_of_len` length bytes.
fn long_length(input: &[u8], len_of_len: usize) -> Result<(usize, usize)> {
    let Some(len_bytes) = input.get(1..1 + len_of_len) else {
        return Err(rlp_error("truncated length"));
    };
    if len_bytes[0] == 0 {
        return Err(rlp_error("length with a leading zero byte"));
    }
    let mut len: usize = 0;
    for &byte in len_bytes {
        len = len
            .checked_mul(256)
            .and_then(|l| l.checked_add(usize::from(byte)))
            .ok_or_else(|| rlp_error("length overflows"))?;
    }
    if len <= 55 {
        return Err(rlp_error("long form used for a length ≤ 55"));
    }
    Ok((1 + len_of_len, len))
}

fn bytes<'a>(item: Item<'a>, field: &str) -> Result<&'a [u8]> {
    match item {
        Item::Bytes(bytes) => Ok(bytes),
        Item::List(_) => Err(rlp_error(format_args!(
            "{field}: expected a byte string, got a list"
        ))),
    }
}

fn list<'a>(item: Item<'a>, field: &str) -> Result<&'a [u8]> {
    match item {
        Item::List(content) => Ok(content),
        Item::Bytes(_) => Err(rlp_error(format_args!(
            "{field}: expected a list, got a byte string"
        ))),
    }
}

/// A canonical unsigned integer of at most 4 bytes.
fn uint(item: Item<'_>, field: &str) -> Result<u32> {
    let bytes = bytes(item, field)?;
    if bytes.first() == Some(&0) {
        return Err(rlp_error(format_args!(
            "{field}: integer with a leading zero byte"
        )));
    }
    if bytes.len() > 4 {
        return Err(rlp_error(format_args!("{field}: integer over 32 bits")));
    }
    Ok(bytes.iter().fold(0u32, |acc, &b| acc << 8 | u32::from(b)))
}

/// Reads exactly `N` items from a list's contents.
fn items<'a, const N: usize>(mut content: &'a [u8], what: &str) -> Result<[Item<'a>; N]> {
    let mut out = [Item::Bytes(&[]); N];
    for slot in &mut out {
        if content.is_empty() {
            return Err(rlp_error(format_args!("{what}: expected {N} items")));
        }
        let (item, _, rest) = split(content)?;
        *slot = item;
        content = rest;
    }
    if !content.is_empty() {
        return Err(rlp_error(format_args!("{what}: more than {N} items")));
    }
    Ok(out)
}

/// The whole input must be one item.
fn single(input: &[u8]) -> Result<(Item<'_>, &[u8])> {
    let (item, encoding, rest) = split(input)?;
    if !rest.is_empty() {
        return Err(rlp_error(format_args!("{} trailing bytes", rest.len())));
    }
    Ok((item, encoding))
}

fn read_unsigned(item: Item<'_>) -> Result<UnsignedParts<'_>> {
    let [network_id, source_chain_id, payload] =
        items(list(item, "unsigned message")?, "unsigned message")?;
    let network_id = uint(network_id, "network id")?;
    let source_chain_id = bytes(source_chain_id, "source chain id")?
        .try_into()
        .map_err(|_| rlp_error("source chain id must be 32 bytes"))?;
    let payload = bytes(payload, "payload")?;
    Ok(UnsignedParts {
        network_id,
        source_chain_id,
        payload,
    })
}

pub(super) fn decode_unsigned(input: &[u8]) -> Result<UnsignedParts<'_>> {
    let (item, _) = single(input)?;
    read_unsigned(item)
}

pub(super) fn decode_signed(input: &[u8]) -> Result<SignedParts<'_>> {
    let (item, _) = single(input)?;
    let content = list(item, "signed message")?;
    // The unsigned list's own encoding is what was signed.
    let (unsigned_item, unsigned, rest) = split(content)?;
    let [signature_type, signature] = items(rest, "signed message")?;
    let parts = read_unsigned(unsigned_item)?;
    let signature_type = uint(signature_type, "signature type")?;
    if signature_type != 0 {
        return Err(rlp_error(format_args!(
            "unknown signature type {signature_type}"
        )));
    }
    let [signers, signature] = items(list(signature, "signature")?, "signature")?;
    let signers = bytes(signers, "signers")?;
    let signature = bytes(signature, "signature")?
        .try_into()
        .map_err(|_| rlp_error("signature must be 96 bytes"))?;
    Ok(SignedParts {
        unsigned,
        parts,
        signers,
        signature,
    })
}

pub(super) fn encode_unsigned(
    network_id: u32,
    source_chain_id: &[u8; 32],
    payload: &[u8],
) -> Vec<u8> {
    let mut content = Vec::with_capacity(5 + 33 + 9 + payload.len());
    encode_uint(network_id, &mut content);
    encode_bytes(source_chain_id, &mut content);
    encode_bytes(payload, &mut content);
    wrap_list(&content)
}

pub(super) fn encode_signed(unsigned: &[u8], signers: &[u8], signature: &[u8; 96]) -> Vec<u8> {
    let mut signature_list = Vec::with_capacity(signers.len() + 110);
    encode_bytes(signers, &mut signature_list);
    encode_bytes(signature, &mut signature_list);
    let mut content = Vec::with_capacity(unsigned.len() + signature_list.len() + 16);
    content.extend_from_slice(unsigned);
    encode_uint(0, &mut content);
    content.extend_from_slice(&wrap_list(&signature_list));
    wrap_list(&content)
}

fn encode_header(short_base: u8, len: usize, out: &mut Vec<u8>) {
    if len <= 55 {
        out.push(short_base + len as u8);
    } else {
        let len_bytes = (len as u64).to_be_bytes();
        let skip = len_bytes.iter().take_while(|&&b| b == 0).count();
        out.push(short_base + 55 + (8 - skip) as u8);
        out.extend_from_slice(&len_bytes[skip..]);
    }
}

fn encode_bytes(bytes: &[u8], out: &mut Vec<u8>) {
    if let [single] = bytes
        && *single < 0x80
    {
        out.push(*single);
        return;
    }
    encode_header(0x80, bytes.len(), out);
    out.extend_from_slice(bytes);
}

fn encode_uint(value: u32, out: &mut Vec<u8>) {
    let bytes = value.to_be_bytes();
    let skip = bytes.iter().take_while(|&&b| b == 0).count();
    encode_bytes(&bytes[skip..], out);
}

fn wrap_list(content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 9);
    encode_header(0xc0, content.len(), &mut out);
    out.extend_from_slice(content);
    out
}

fn rlp_error(reason: impl std::fmt::Display) -> Error {
    Error::invalid_message(format_args!("lux-rlp warp message: {reason}"))
}
