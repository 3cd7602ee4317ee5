//! A public key with its multiples precomputed, for repeated ECDH with the same peer.
//!
//! A client opens every session to a host with an ECDH against the host's key, which does not
//! change; only the client's ephemeral secret does. A variable-base multiplication (k256's, ~128
//! doublings and ~64 additions, plus building its window table each time) is then mostly work that
//! could be done once. The table here holds `j · 32^i · P` for every 5-bit window `i` (52 rows) and
//! `j` = 1..=16, in affine form. The secret scalar is recoded into 52 signed digits in −16..=15, so
//! `k · P` is the sum of one entry (or its negation) per window: 52 mixed additions and no
//! doublings. Recoding is branch-free, each entry is picked by a constant-time scan of its whole
//! row, the negation is a constant-time select, and the additions are complete formulas, so the
//! time does not depend on `k`.
//!
//! It pays where curve arithmetic is slowest: in wasm it makes the client's ECDH ~2× faster than
//! k256's variable-base multiplication (see docs/WASM.md); building the table costs about as much
//! as 10–20 ECDHs, and it takes ~70 KB.

use std::fmt;
use std::sync::Arc;

use k256::elliptic_curve::BatchNormalize;
use k256::elliptic_curve::point::AffineCoordinates;
use k256::elliptic_curve::subtle::{Choice, ConditionallySelectable, ConstantTimeEq};
use k256::{AffinePoint, ProjectivePoint};
use zeroize::Zeroizing;

use super::keys::{PublicKey, SecretKey};

/// Bits per window.
const WINDOW: usize = 5;
/// Signed 5-bit digits of a scalar below 2^256 (the last one is 0, 1 or 2): the table's rows.
const ROWS: usize = 52;
/// Digit magnitudes 1..=16: the entries of a row (digit 0 adds the identity).
const ENTRIES: usize = 16;

/// A peer's [`PublicKey`] together with a table of its multiples, for constant-time ECDH with that
/// peer ~3× faster in wasm (where the client session runs k256). Cheap to clone (the table is
/// shared); build it once per peer and reuse it for every session with that peer.
#[derive(Clone)]
pub struct PrecomputedPublicKey {
    key: PublicKey,
    /// `rows[i][j - 1] = j · 32^i · key`.
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
            base = multiple.double(); // 32 · base: the next window
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
        let scalar = Zeroizing::new(secret.signing_key().as_nonzero_scalar().to_bytes().into());
        let digits = Zeroizing::new(signed_digits(&scalar));
        let mut product = ProjectivePoint::IDENTITY;
        for (row, &digit) in self.rows.iter().zip(digits.iter()) {
            let negative = (digit as u8) >> 7; // the sign bit
            let magnitude = digit.unsigned_abs(); // −16..=15 → 0..=16
            let mut entry = AffinePoint::IDENTITY;
            for (candidate, value) in row.iter().zip(1u8..) {
                entry.conditional_assign(candidate, value.ct_eq(&magnitude));
            }
            entry.conditional_assign(&-entry, Choice::from(negative));
            product += entry;
        }
        // The secret is non-zero and below the group order, and the key is not the identity, so
        // the product is not the identity either.
        Zeroizing::new(product.to_affine().x().into())
    }
}

/// The scalar (big-endian) as 52 digits `d_i` in −16..=15, least significant first, with
/// `scalar = Σ d_i · 32^i`: each 5-bit window plus the carry from below, minus 32 (carrying one
/// up) when that is 16 or more. Arithmetic only: no branch depends on the scalar's bits.
fn signed_digits(scalar: &[u8; 32]) -> [i8; ROWS] {
    // Bit `position` of the scalar; the top window reads bits past 255, which are zero.
    let bit = |position: usize| -> u8 {
        if position < 256 {
            (scalar[31 - position / 8] >> (position % 8)) & 1
        } else {
            0
        }
    };
    let mut digits = [0i8; ROWS];
    let mut carry = 0u8;
    for (i, digit) in digits.iter_mut().enumerate() {
        let window = (0..WINDOW).fold(0u8, |acc, b| acc | (bit(WINDOW * i + b) << b)) + carry;
        // window is 0..=32; it carries exactly when it is 16 or more.
        carry = (window + 16) >> 5;
        *digit = (window as i8) - ((carry as i8) << 5);
    }
    digits
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
    use crate::hex;

    fn key(bytes: [u8; 32]) -> Option<SecretKey> {
        SecretKey::from_bytes(&bytes).ok()
    }

    /// Σ d_i · 32^i as 32 big-endian bytes (panics if it is negative or 2^256 or more).
    fn recompose(digits: &[i8; ROWS]) -> [u8; 32] {
        let mut bytes = [0i64; 34]; // little-endian, with room for the top window
        for (i, &d) in digits.iter().enumerate() {
            let shift = WINDOW * i;
            bytes[shift / 8] += i64::from(d) << (shift % 8);
        }
        let mut out = [0u8; 32];
        let mut carry = 0i64;
        for (i, byte) in bytes.iter().enumerate() {
            let v = byte + carry;
            let low = v.rem_euclid(256);
            carry = (v - low) / 256;
            match out.len().checked_sub(i + 1) {
                Some(at) => out[at] = low as u8,
                None => assert_eq!(low, 0, "nothing at or above 2^256"),
            }
        }
        assert_eq!(carry, 0);
        out
    }

    #[test]
    fn signed_digits_are_in_range_and_recompose_the_scalar() {
        let n_minus_1: [u8; 32] = hex::decode_array::<32>(
            "scalar",
            "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140",
            crate::error::ErrorCode::InvalidKey,
        )
        .unwrap();
        let mut scalars = vec![[0u8; 32], [0xff; 32], n_minus_1, [0x10; 32], [0x0f; 32]];
        scalars.extend(
            (0u8..64).map(|seed| std::array::from_fn(|i| seed ^ (i as u8).wrapping_mul(29))),
        );
        for scalar in scalars {
            let digits = signed_digits(&scalar);
            assert!(digits.iter().all(|d| (-16..=15).contains(d)), "{digits:?}");
            assert!((0..=2).contains(&digits[ROWS - 1]));
            assert_eq!(recompose(&digits), scalar);
        }
    }

    #[test]
    fn extreme_scalars_agree_with_the_variable_base_product() {
        let peer = key([7; 32]).unwrap();
        let table = PrecomputedPublicKey::new(*peer.public_key());
        // 1; n − 1 (negative digits, carries all the way up); a single bit near the top, bit 252.
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
