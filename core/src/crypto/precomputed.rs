//! A public key with its multiples precomputed ([`MultiplesTable`]), for repeated ECDH with the
//! same peer: a client's sessions with one host, whose key does not change while the client's
//! ephemeral secret does. In wasm it makes the client's ECDH about twice as fast as k256's
//! variable-base multiplication (docs/WASM.md).

use std::fmt;
use std::sync::Arc;

use k256::elliptic_curve::point::AffineCoordinates;
use zeroize::Zeroizing;

use super::kdf::EcdhPublic;
use super::keys::{PublicKey, SecretKey};
use super::multiples::MultiplesTable;

/// A peer's [`PublicKey`] together with a table of its multiples (~70 KB), for constant-time ECDH
/// with that peer, faster where curve arithmetic is slow (wasm). Cheap to clone (the table is
/// shared); build it once per peer and reuse it for every session with that peer.
#[derive(Clone)]
pub struct PrecomputedPublicKey {
    key: PublicKey,
    table: Arc<MultiplesTable>,
}

impl PrecomputedPublicKey {
    /// Builds the table of `key`'s multiples (variable time: the key is public).
    pub fn new(key: PublicKey) -> Self {
        Self {
            key,
            table: Arc::new(MultiplesTable::new(key.as_inner().as_affine())),
        }
    }

    /// The public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.key
    }
}

impl EcdhPublic for PrecomputedPublicKey {
    fn shared_x(&self, secret: &SecretKey) -> Zeroizing<[u8; 32]> {
        let product = self.table.mul(&secret.scalar()).to_affine();
        // The secret is non-zero and below the group order, and the key is not the identity, so
        // the product is not the identity either.
        Zeroizing::new(product.x().into())
    }
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

    proptest! {
        #[test]
        fn agrees_with_the_variable_base_product(secret in any::<[u8; 32]>(), peer in any::<[u8; 32]>()) {
            let (Some(secret), Some(peer)) = (key(secret), key(peer)) else {
                return Ok(());
            };
            let table = PrecomputedPublicKey::new(*peer.public_key());
            prop_assert_eq!(*table.shared_x(&secret), *ecdh_shared_x(&secret, peer.public_key()));
        }
    }
}
