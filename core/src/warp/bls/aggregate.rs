//! Verification over several keys: one message signed by many (FastAggregateVerify), distinct
//! messages (AggregateVerify), and public-key aggregation.

use blst::{BLST_ERROR, MultiPoint};

use super::ciphersuite::Ciphersuite;
use super::public_key::{PUBLIC_KEY_LEN, PublicKey, is_g1_infinity};
use super::signature::Signature;
use crate::error::{Error, Result};

/// The sum of `keys`. No key, or a sum at infinity (K and −K), is an error: such an aggregate
/// would verify the infinity signature for any message.
pub fn aggregate_public_keys<'a>(
    keys: impl IntoIterator<Item = &'a PublicKey>,
) -> Result<PublicKey> {
    let points: Vec<blst::min_pk::PublicKey> = keys.into_iter().map(|k| *k.blst()).collect();
    if points.is_empty() {
        return Err(Error::invalid_key("no public keys to aggregate"));
    }
    // blst's batched affine addition: one inversion for the whole tree of additions.
    let sum = points.add();
    let point = sum.to_public_key();
    let compressed: [u8; PUBLIC_KEY_LEN] = point.compress();
    if is_g1_infinity(&compressed) {
        return Err(Error::invalid_key(
            "the aggregate public key is the point at infinity",
        ));
    }
    Ok(PublicKey::from_blst_unchecked(point))
}

/// FastAggregateVerify: `signature` is the aggregate of signatures by every key in `keys` over the
/// same `message`. False for no key or an aggregate key at infinity.
pub fn fast_aggregate_verify(
    keys: &[PublicKey],
    message: &[u8],
    signature: &Signature,
    suite: Ciphersuite,
) -> bool {
    match aggregate_public_keys(keys) {
        Ok(aggregate) => signature.verify(message, &aggregate, suite),
        Err(_) => false,
    }
}

/// AggregateVerify: `signature` is the aggregate of signatures by `keys[i]` over `messages[i]`.
/// False for empty or mismatched inputs.
pub fn aggregate_verify(
    keys: &[PublicKey],
    messages: &[&[u8]],
    signature: &Signature,
    suite: Ciphersuite,
) -> bool {
    if keys.is_empty() || keys.len() != messages.len() {
        return false;
    }
    let keys: Vec<&blst::min_pk::PublicKey> = keys.iter().map(PublicKey::blst).collect();
    signature
        .blst()
        .aggregate_verify(false, messages, suite.signature_dst(), &keys, false)
        == BLST_ERROR::BLST_SUCCESS
}

/// The compressed point at infinity of G1 or a valid public key: what the Ethereum suite's
/// `deserialization_G1` calls a valid encoding (a key must additionally not be infinity).
pub fn is_valid_g1_encoding(bytes: &[u8]) -> bool {
    match <[u8; PUBLIC_KEY_LEN]>::try_from(bytes) {
        Ok(compressed) if is_g1_infinity(&compressed) => true,
        Ok(_) => PublicKey::from_bytes(bytes).is_ok(),
        Err(_) => false,
    }
}

/// hash_to_curve(`message`) in G2 under `dst`, uncompressed (x.c1 ‖ x.c0 ‖ y.c1 ‖ y.c0, 48 bytes
/// each, big-endian): for known-answer tests of the hash every signature starts with.
pub fn hash_to_g2_uncompressed(message: &[u8], dst: &[u8]) -> [u8; 192] {
    let mut one = [0u8; 32];
    one[31] = 1;
    // H(m)·1 = H(m).
    let unit = blst::min_pk::SecretKey::from_bytes(&one).expect("1 is a valid scalar");
    unit.sign(message, dst, &[]).serialize()
}
