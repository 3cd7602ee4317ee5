//! ECDH and recovery in k256 (pure Rust: wasm, and builds without a C compiler).

use k256::ecdsa::Signature;
use k256::elliptic_curve::ops::{Invert, LinearCombination};
use k256::elliptic_curve::point::DecompressPoint;
use k256::elliptic_curve::subtle::Choice;
use k256::{AffinePoint, FieldBytes, NonZeroScalar, ProjectivePoint};
use zeroize::Zeroizing;

use super::super::signature::reduce_mod_n;

/// The x-coordinate of `secret · public` (constant time).
pub(crate) fn ecdh_x(secret: &NonZeroScalar, public: &k256::PublicKey) -> Zeroizing<[u8; 32]> {
    let shared = k256::ecdh::diffie_hellman(secret, public.as_affine());
    let mut x = Zeroizing::new([0u8; 32]);
    x.copy_from_slice(shared.raw_secret_bytes());
    x
}

/// The key whose signature over `digest` is `signature` with R's y of parity `y_is_odd`; `None`
/// when R is no curve point or the key would be the point at infinity.
///
/// One double-scalar multiplication, as libsecp256k1 does: `Q = (−z·r⁻¹)·G + (s·r⁻¹)·R`, where R
/// is the curve point with x = r, and z is `digest` reduced mod n (exactly k256's ECDSA
/// `bits2field`). Every input is public, so the arithmetic runs in variable time.
pub(crate) fn recover(
    signature: &Signature,
    y_is_odd: bool,
    digest: &[u8; 32],
) -> Option<k256::PublicKey> {
    let signing_point =
        AffinePoint::decompress(&signature.r().to_bytes(), Choice::from(u8::from(y_is_odd)))
            .into_option()?;
    let (r, s) = signature.split_scalars();
    let r_inv = r.invert_vartime();
    let z = reduce_mod_n(&FieldBytes::from(*digest));
    let key = ProjectivePoint::lincomb_vartime(&[
        (ProjectivePoint::GENERATOR, -(*r_inv * z)),
        (ProjectivePoint::from(signing_point), *r_inv * *s),
    ]);
    k256::PublicKey::from_affine(key.to_affine()).ok()
}
