//! BLS signatures: 96-byte compressed G2 points, subgroup-checked when parsed.

use std::fmt;

use blst::{BLST_ERROR, MultiPoint};

use super::ciphersuite::Ciphersuite;
use super::public_key::{PublicKey, describe};
use crate::error::{Error, Result};
use crate::hex;

/// Length of a compressed signature.
pub const SIGNATURE_LEN: usize = 96;

/// A BLS12-381 signature: a point of G2 (checked on parse: on the curve and in the prime-order
/// subgroup). The point at infinity parses (it is a group element) but verifies against no valid
/// key.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Signature {
    point: blst::min_pk::Signature,
}

impl Signature {
    /// Parses a 96-byte compressed point and checks its subgroup (~110 µs).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        if bytes.len() != SIGNATURE_LEN {
            return Err(Error::invalid_signature(format_args!(
                "BLS signature must be {SIGNATURE_LEN} compressed bytes, got {}",
                bytes.len()
            )));
        }
        let point = blst::min_pk::Signature::uncompress(bytes).map_err(|e| {
            Error::invalid_signature(format_args!("BLS signature: {}", describe(e)))
        })?;
        point.validate(false).map_err(|e| {
            Error::invalid_signature(format_args!("BLS signature: {}", describe(e)))
        })?;
        Ok(Self { point })
    }

    /// Parses 192 hex digits, optionally `0x`-prefixed.
    pub fn from_hex(text: &str) -> Result<Self> {
        Self::from_bytes(&hex::decode("BLS signature", text)?)
    }

    pub(crate) fn from_blst(point: blst::min_pk::Signature) -> Self {
        Self { point }
    }

    pub(crate) fn blst(&self) -> &blst::min_pk::Signature {
        &self.point
    }

    /// The 96-byte compressed encoding (canonical: parsing then encoding gives the input back).
    pub fn to_bytes(&self) -> [u8; SIGNATURE_LEN] {
        self.point.compress()
    }

    /// `0x`-prefixed hex of the compressed encoding.
    pub fn to_hex(&self) -> String {
        hex::encode_prefixed(&self.to_bytes())
    }

    /// Whether this is the point at infinity (no single key can produce it).
    pub fn is_infinity(&self) -> bool {
        let bytes = self.to_bytes();
        bytes[0] == 0xc0 && bytes[1..].iter().all(|&b| b == 0)
    }

    /// Verifies one signature by `key` over `message` (one pairing check, ~1.7 ms).
    pub fn verify(&self, message: &[u8], key: &PublicKey, suite: Ciphersuite) -> bool {
        self.verify_with_dst(message, suite.signature_dst(), key)
    }

    pub(crate) fn verify_with_dst(&self, message: &[u8], dst: &[u8], key: &PublicKey) -> bool {
        // Both points were checked when parsed: no group checks again.
        self.point
            .verify(false, message, dst, &[], key.blst(), false)
            == BLST_ERROR::BLST_SUCCESS
    }

    /// Adds signatures (over the same or different messages) into one.
    pub fn aggregate<'a>(signatures: impl IntoIterator<Item = &'a Signature>) -> Result<Self> {
        let points: Vec<blst::min_pk::Signature> =
            signatures.into_iter().map(|s| s.point).collect();
        if points.is_empty() {
            return Err(Error::invalid_signature("no signatures to aggregate"));
        }
        // blst's batched affine addition: one inversion for the whole tree of additions.
        Ok(Self {
            point: points.add().to_signature(),
        })
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({})", self.to_hex())
    }
}
