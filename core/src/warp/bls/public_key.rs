//! BLS public keys: 48-byte compressed G1 points, validated once when parsed.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

use blst::BLST_ERROR;

use super::ciphersuite::POP_PROOF_DST;
use super::signature::Signature;
use crate::error::{Error, Result};
use crate::hex;

/// Length of a compressed public key.
pub const PUBLIC_KEY_LEN: usize = 48;
/// Length of an uncompressed public key (the canonical validator order sorts by these bytes).
pub const PUBLIC_KEY_UNCOMPRESSED_LEN: usize = 96;

/// A validated BLS12-381 public key: on the curve, in the prime-order subgroup, not the point at
/// infinity (IETF KeyValidate). Validation costs ~80 µs, so keep keys once parsed (a
/// [`super::super::ValidatorSet`] holds its keys validated).
#[derive(Clone, Copy)]
pub struct PublicKey {
    point: blst::min_pk::PublicKey,
    compressed: [u8; PUBLIC_KEY_LEN],
}

impl PublicKey {
    /// Parses and validates a 48-byte compressed key (the only form on the wire).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let compressed: [u8; PUBLIC_KEY_LEN] = bytes.try_into().map_err(|_| {
            Error::invalid_key(format_args!(
                "BLS public key must be {PUBLIC_KEY_LEN} compressed bytes, got {}",
                bytes.len()
            ))
        })?;
        let point = blst::min_pk::PublicKey::uncompress(&compressed)
            .map_err(|e| Error::invalid_key(format_args!("BLS public key: {}", describe(e))))?;
        point
            .validate()
            .map_err(|e| Error::invalid_key(format_args!("BLS public key: {}", describe(e))))?;
        Ok(Self { point, compressed })
    }

    /// Parses 96 hex digits, optionally `0x`-prefixed.
    pub fn from_hex(text: &str) -> Result<Self> {
        Self::from_bytes(&hex::decode("BLS public key", text)?)
    }

    /// A key derived from a secret key or an aggregate: valid by construction.
    pub(crate) fn from_blst_unchecked(point: blst::min_pk::PublicKey) -> Self {
        Self {
            compressed: point.compress(),
            point,
        }
    }

    /// The 48-byte compressed encoding.
    pub fn to_bytes(&self) -> [u8; PUBLIC_KEY_LEN] {
        self.compressed
    }

    /// `0x`-prefixed hex of the compressed encoding.
    pub fn to_hex(&self) -> String {
        hex::encode_prefixed(&self.compressed)
    }

    /// The 96-byte uncompressed encoding (x ‖ y), by which the canonical validator set is sorted.
    pub fn to_uncompressed(&self) -> [u8; PUBLIC_KEY_UNCOMPRESSED_LEN] {
        self.point.serialize()
    }

    /// Whether `proof` is this key's proof of possession.
    pub fn verify_proof_of_possession(&self, proof: &Signature) -> bool {
        proof.verify_with_dst(&self.compressed, POP_PROOF_DST, self)
    }

    pub(crate) fn blst(&self) -> &blst::min_pk::PublicKey {
        &self.point
    }
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        // The compressed encoding of a valid point is unique.
        self.compressed == other.compressed
    }
}

impl Eq for PublicKey {}

impl Hash for PublicKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.compressed.hash(state);
    }
}

impl PartialOrd for PublicKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for PublicKey {
    /// Orders by compressed bytes (for maps); the canonical validator order is by uncompressed bytes.
    fn cmp(&self, other: &Self) -> Ordering {
        self.compressed.cmp(&other.compressed)
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.to_hex())
    }
}

/// What a blst error means for a point that was being parsed or checked.
pub(crate) fn describe(error: BLST_ERROR) -> &'static str {
    match error {
        BLST_ERROR::BLST_BAD_ENCODING => "bad encoding (length, flags or a coordinate ≥ p)",
        BLST_ERROR::BLST_POINT_NOT_ON_CURVE => "not on the curve",
        BLST_ERROR::BLST_POINT_NOT_IN_GROUP => "not in the prime-order subgroup",
        BLST_ERROR::BLST_PK_IS_INFINITY => "the point at infinity",
        BLST_ERROR::BLST_AGGR_TYPE_MISMATCH => "nothing to aggregate",
        BLST_ERROR::BLST_VERIFY_FAIL => "verification failed",
        _ => "rejected by blst",
    }
}

/// The compressed encoding of the point at infinity in G1.
pub(crate) fn is_g1_infinity(compressed: &[u8; PUBLIC_KEY_LEN]) -> bool {
    compressed[0] == 0xc0 && compressed[1..].iter().all(|&b| b == 0)
}
