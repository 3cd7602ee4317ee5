//! ECDH and recovery through libsecp256k1 (constant-time ECDH; variable-time recovery, whose inputs
//! are all public).

use k256::NonZeroScalar;
use k256::ecdsa::Signature;
use k256::elliptic_curve::sec1::ToSec1Point;
use secp256k1::ecdsa::{RecoverableSignature, RecoveryId};
use zeroize::Zeroizing;

/// The x-coordinate of `secret · public`.
pub(crate) fn ecdh_x(secret: &NonZeroScalar, public: &k256::PublicKey) -> Zeroizing<[u8; 32]> {
    let scalar = Zeroizing::new(<[u8; 32]>::from(secret.to_bytes()));
    // A non-zero scalar is in [1, n) and a k256 public key a point on the curve, which are exactly
    // what libsecp256k1 accepts.
    let mut c_secret = secp256k1::SecretKey::from_secret_bytes(*scalar)
        .expect("a non-zero scalar is a valid libsecp256k1 secret key");
    let c_public =
        secp256k1::PublicKey::from_slice(public.as_affine().to_sec1_point(false).as_bytes())
            .expect("a k256 public key is a valid libsecp256k1 public key");
    let point = Zeroizing::new(secp256k1::ecdh::shared_secret_point(&c_public, &c_secret));
    c_secret.non_secure_erase();
    let mut x = Zeroizing::new([0u8; 32]);
    x.copy_from_slice(&point[..32]);
    x
}

/// The key whose signature over `digest` is `signature` with R's y of parity `y_is_odd`; `None`
/// when R is no curve point or the key would be the point at infinity.
pub(crate) fn recover(
    signature: &Signature,
    y_is_odd: bool,
    digest: &[u8; 32],
) -> Option<k256::PublicKey> {
    let recovery_id = if y_is_odd {
        RecoveryId::One
    } else {
        RecoveryId::Zero
    };
    let key = RecoverableSignature::from_compact(&signature.to_bytes(), recovery_id)
        .and_then(|signature| signature.recover(secp256k1::Message::from_digest(*digest)))
        .ok()?;
    k256::PublicKey::from_sec1_bytes(&key.serialize_uncompressed()).ok()
}
