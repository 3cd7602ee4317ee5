//! The two secp256k1 operations every session init costs the host — ECDH and public-key recovery —
//! from one of two implementations that give the same answers:
//!
//! - libsecp256k1, the C library behind Bitcoin Core, through the `secp256k1` crate (the
//!   `libsecp256k1` feature, on by default): about twice as fast as k256 at both, which is what
//!   keeps a host's session init within 1.2× of libsecp256k1's own composite (PERFORMANCE.md);
//! - k256, pure Rust, for wasm and for builds without a C compiler.
//!
//! Keys, signing, hashing and everything else are k256 and RustCrypto either way; the equivalence
//! of the two backends is tested on Wycheproof and random inputs (`tests/recovery_equivalence.rs`).

#[cfg(feature = "libsecp256k1")]
mod libsecp;
// Also built for native tests, which hold it to libsecp256k1's answers.
#[cfg(any(test, not(feature = "libsecp256k1")))]
mod rustcrypto;

#[cfg(feature = "libsecp256k1")]
pub(super) use libsecp::{ecdh_x, recover};
#[cfg(not(feature = "libsecp256k1"))]
pub(super) use rustcrypto::{ecdh_x, recover};

#[cfg(all(test, feature = "libsecp256k1"))]
mod tests {
    //! The two backends side by side on the same inputs (the integration test
    //! `recovery_equivalence` holds the default backend to k256's own ECDSA recovery).

    use k256::ecdsa::{Signature, SigningKey};
    use proptest::prelude::*;

    use super::{libsecp, rustcrypto};

    fn signing_key(bytes: [u8; 32]) -> Option<SigningKey> {
        SigningKey::from_slice(&bytes).ok()
    }

    proptest! {
        #[test]
        fn ecdh_agrees(secret in any::<[u8; 32]>(), peer in any::<[u8; 32]>()) {
            let (Some(secret), Some(peer)) = (signing_key(secret), signing_key(peer)) else {
                return Ok(());
            };
            let public = k256::PublicKey::from(peer.verifying_key());
            prop_assert_eq!(
                *libsecp::ecdh_x(secret.as_nonzero_scalar(), &public),
                *rustcrypto::ecdh_x(secret.as_nonzero_scalar(), &public)
            );
        }

        #[test]
        fn recovery_agrees(
            r_s in any::<[u8; 64]>(),
            y_is_odd in any::<bool>(),
            digest in any::<[u8; 32]>(),
        ) {
            // Mostly valid (r, s) pairs; a pair that does not parse says nothing about recovery.
            let Ok(signature) = Signature::from_slice(&r_s) else {
                return Ok(());
            };
            prop_assert_eq!(
                libsecp::recover(&signature, y_is_odd, &digest),
                rustcrypto::recover(&signature, y_is_odd, &digest)
            );
        }

        #[test]
        fn recovery_of_real_signatures_agrees(secret in any::<[u8; 32]>(), digest in any::<[u8; 32]>()) {
            let Some(key) = signing_key(secret) else {
                return Ok(());
            };
            let (signature, id) = key.sign_prehash_recoverable(&digest);
            let expected = Some(k256::PublicKey::from(key.verifying_key()));
            prop_assert_eq!(&libsecp::recover(&signature, id.is_y_odd(), &digest), &expected);
            prop_assert_eq!(&rustcrypto::recover(&signature, id.is_y_odd(), &digest), &expected);
        }
    }
}
