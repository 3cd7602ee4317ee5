//! A public key with its multiples precomputed, for repeated ECDH with the same peer.
//!
//! A client opens every session to a host with an ECDH against the host's key, which does not
//! change; only the client's ephemeral secret does. A variable-base multiplication (k256's, ~128
//! doublings and ~64 additions, plus building its window table each time) is then mostly work that
//! could be done once. The table here holds `j · 16^i · P` for every nibble position `i` (64 rows)
//! and nibble value `j` (1..=15), in affine form, so `k · P` is the sum of one entry per nibble of
//! `k`: 64 mixed additions and no doublings. Each entry is picked by a constant-time scan of its
//! whole row, and the additions are complete formulas, so the time does not depend on `k`.
//!
//! It pays where curve arithmetic is slowest: in wasm it makes the client's ECDH ~3× faster (see
//! docs/WASM.md); building the table costs about as much as 10–20 ECDHs, and it takes ~80 KB.

use std::fmt;
use std::sync::Arc;

use k256::elliptic_curve::BatchNormalize;
use k256::elliptic_curve::point::AffineCoordinates;
use k256::elliptic_curve::subtle::{ConditionallySelectable, ConstantTimeEq};
use k256::{AffinePoint, ProjectivePoint};
use zeroize::Zeroizing;

use super::keys::{PublicKey, SecretKey};

/// Nibbles in a 256-bit scalar: the table's rows.
const ROWS: usize = 64;
/// Non-zero nibble values: the entries of a row (nibble 0 adds the identity).
const ENTRIES: usize = 15;

/// A peer's [`PublicKey`] together with a table of its multiples, for constant-time ECDH with that
/// peer ~3× faster in wasm (where the client session runs k256). Cheap to clone (the table is
/// shared); build it once per peer and reuse it for every session with that peer.
#[derive(Clone)]
pub struct PrecomputedPublicKey {
    key: PublicKey,
    /// `rows[i][j - 1] = j · 16^i · key`.
    rows: Arc<[[AffinePoint; ENTRIES]]>,
}

impl PrecomputedPublicKey {
    /// Builds the table of `key`'s multiples (960 points; the key is public, so this runs in
    /// variable time).
    pub fn new(key: PublicKey) -> Self {
        let mut base = ProjectivePoint::from(*key.as_inner().as_affine());
        let mut multiples = Vec::with_capacity(ROWS * ENTRIES);
        for _ in 0..ROWS {
            let mut multiple = base;
            multiples.push(multiple);
            for _ in 1..ENTRIES {
                multiple += base;
                multiples.push(multiple);
            }
            base += multiple; // 16 · base: the next nibble position
        }
        let affine = ProjectivePoint::batch_normalize(multiples.as_slice());
        let rows = affine
            .chunks_exact(ENTRIES)
            .map(|row| row.try_into().expect("chunks of ENTRIES points"))
            .collect();
        Self { key, rows }
    }

    /// The public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.key
    }

    /// The x-coordinate of `secret · key`, in constant time.
    pub(crate) fn ecdh_x(&self, secret: &SecretKey) -> Zeroizing<[u8; 32]> {
        let scalar = Zeroizing::new(secret.signing_key().as_nonzero_scalar().to_bytes());
        let mut product = ProjectivePoint::IDENTITY;
        // Big-endian bytes: byte 31 holds nibbles 0 and 1.
        for (row, nibble) in self.rows.iter().zip(nibbles(&scalar)) {
            let mut entry = AffinePoint::IDENTITY;
            for (candidate, value) in row.iter().zip(1u8..) {
                entry.conditional_assign(candidate, value.ct_eq(&nibble));
            }
            product += entry;
        }
        // The secret is non-zero and below the group order, and the key is not the identity, so
        // the product is not the identity either.
        Zeroizing::new(product.to_affine().x().into())
    }
}

/// The 64 nibbles of a big-endian 256-bit number, least significant first.
fn nibbles(bytes: &[u8]) -> impl Iterator<Item = u8> + '_ {
    bytes.iter().rev().flat_map(|byte| [byte & 0x0f, byte >> 4])
}

impl fmt::Debug for PrecomputedPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PrecomputedPublicKey")
            .field(&self.key)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::crypto::ecdh_shared_x;

    fn key(bytes: [u8; 32]) -> Option<SecretKey> {
        SecretKey::from_bytes(&bytes).ok()
    }

    #[test]
    fn nibbles_are_least_significant_first() {
        let mut bytes = [0u8; 32];
        bytes[31] = 0x21;
        bytes[0] = 0xf3;
        let nibbles: Vec<u8> = nibbles(&bytes).collect();
        assert_eq!(nibbles.len(), 64);
        assert_eq!((nibbles[0], nibbles[1]), (1, 2));
        assert_eq!((nibbles[62], nibbles[63]), (3, 15));
    }

    #[test]
    fn extreme_scalars_agree_with_the_variable_base_product() {
        let peer = key([7; 32]).unwrap();
        let table = PrecomputedPublicKey::new(*peer.public_key());
        // 1; n − 1 (every nibble non-zero but two); one non-zero nibble, the most significant.
        let one = format!("{}01", "00".repeat(31));
        let n_minus_1 = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140";
        let top = format!("10{}", "00".repeat(31));
        for secret in [one.as_str(), n_minus_1, top.as_str()] {
            let secret = SecretKey::from_hex(secret).unwrap();
            assert_eq!(
                *table.ecdh_x(&secret),
                *ecdh_shared_x(&secret, peer.public_key())
            );
        }
    }

    proptest! {
        #[test]
        fn agrees_with_the_variable_base_product(secret in any::<[u8; 32]>(), peer in any::<[u8; 32]>()) {
            let (Some(secret), Some(peer)) = (key(secret), key(peer)) else {
                return Ok(());
            };
            let table = PrecomputedPublicKey::new(*peer.public_key());
            prop_assert_eq!(*table.ecdh_x(&secret), *ecdh_shared_x(&secret, peer.public_key()));
        }
    }
}
