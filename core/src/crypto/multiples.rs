//! Constant-time multiplication of a fixed point by secret scalars, from a table of the point's
//! multiples: the generator's (key generation and ECDSA signing) and a host key's (a client's ECDH,
//! [`super::PrecomputedPublicKey`]).
//!
//! A variable-base multiplication (k256's, ~128 doublings and ~64 additions, plus building its
//! window table each time) is mostly work that can be done once when the point does not change.
//! The table holds `j · 32^i · P` for every 5-bit window `i` (52 rows) and `j` = 1..=16, in affine
//! form. The scalar is recoded into 52 signed digits in −16..=15, so `k · P` is the sum of one
//! entry (or its negation) per window: 52 mixed additions and no doublings. Recoding is
//! branch-free, each entry is picked by a constant-time scan of its whole row, the negation is a
//! constant-time select, and the additions are complete formulas, so the time does not depend on
//! `k`. A table is 832 points (~70 KB); building one costs about as much as 10–20
//! multiplications.
//!
//! For the generator this is faster than k256's own table (65 projective additions over 8-entry
//! rows of projective points) in wasm (docs/WASM.md); natively the two are about equal.

use std::sync::OnceLock;

use k256::elliptic_curve::BatchNormalize;
use k256::elliptic_curve::subtle::{Choice, ConditionallySelectable, ConstantTimeEq};
use k256::{AffinePoint, NonZeroScalar, ProjectivePoint};
use zeroize::Zeroizing;

/// Bits per window.
const WINDOW: usize = 5;
/// Signed 5-bit digits of a scalar below 2^256 (the last one is 0, 1 or 2): the table's rows.
const ROWS: usize = 52;
/// Digit magnitudes 1..=16: the entries of a row (digit 0 adds the identity).
const ENTRIES: usize = 16;

/// The multiples of one point (see the module). A plain array, so the generator's table lives in
/// static memory, not on the heap.
pub(crate) struct MultiplesTable {
    /// `rows[i][j - 1] = j · 32^i · P`.
    rows: [[AffinePoint; ENTRIES]; ROWS],
}

impl MultiplesTable {
    /// The table of `point`'s multiples. The point is public, so this runs in variable time.
    pub(crate) fn new(point: &AffinePoint) -> Self {
        let mut base = ProjectivePoint::from(*point);
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
        let mut rows = [[AffinePoint::IDENTITY; ENTRIES]; ROWS];
        for (row, points) in rows.iter_mut().zip(affine.chunks_exact(ENTRIES)) {
            row.copy_from_slice(points);
        }
        Self { rows }
    }

    /// The generator's table, built on first use.
    pub(crate) fn generator() -> &'static Self {
        static GENERATOR: OnceLock<MultiplesTable> = OnceLock::new();
        GENERATOR.get_or_init(|| Self::new(&AffinePoint::GENERATOR))
    }

    /// `scalar · P`, in constant time.
    pub(crate) fn mul(&self, scalar: &NonZeroScalar) -> ProjectivePoint {
        let bytes = Zeroizing::new(scalar.to_bytes().into());
        let digits = Zeroizing::new(signed_digits(&bytes));
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
        product
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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::error::ErrorCode;
    use crate::hex;

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
            ErrorCode::InvalidKey,
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

    fn scalar(bytes: [u8; 32]) -> Option<NonZeroScalar> {
        NonZeroScalar::from_repr(bytes.into()).into_option()
    }

    #[test]
    fn products_of_extreme_scalars_are_the_variable_base_products() {
        let point = (ProjectivePoint::GENERATOR * *scalar([7; 32]).unwrap()).to_affine();
        let table = MultiplesTable::new(&point);
        // 1; n − 1 (negative digits, carries all the way up); a single bit near the top, bit 252.
        let mut one = [0u8; 32];
        one[31] = 1;
        let n_minus_1 = hex::decode_array::<32>(
            "scalar",
            "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140",
            ErrorCode::InvalidKey,
        )
        .unwrap();
        let mut top = [0u8; 32];
        top[0] = 0x10;
        for bytes in [one, n_minus_1, top] {
            let k = scalar(bytes).unwrap();
            assert_eq!(
                table.mul(&k).to_affine(),
                (ProjectivePoint::from(point) * *k).to_affine()
            );
        }
    }

    proptest! {
        #[test]
        fn products_are_the_variable_base_products(k in any::<[u8; 32]>(), p in any::<[u8; 32]>()) {
            let (Some(k), Some(p)) = (scalar(k), scalar(p)) else {
                return Ok(());
            };
            let point = (ProjectivePoint::GENERATOR * *p).to_affine();
            let product = MultiplesTable::new(&point).mul(&k);
            prop_assert_eq!(product.to_affine(), (ProjectivePoint::from(point) * *k).to_affine());
        }

        #[test]
        fn generator_products_are_k256s(k in any::<[u8; 32]>()) {
            let Some(k) = scalar(k) else {
                return Ok(());
            };
            prop_assert_eq!(
                MultiplesTable::generator().mul(&k).to_affine(),
                ProjectivePoint::mul_by_generator(&k).to_affine()
            );
        }
    }
}
