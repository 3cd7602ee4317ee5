//! A wallet, HSM or secure enclave that signs in the app's language: the foreign trait
//! `WalletSigner`, and its adapter to the core's [`Signer`].

use std::sync::Arc;

use confide_core::crypto::{Address, RecoverableSignature, Signer};
use zeroize::Zeroize;

use crate::error::{ConfideError, Result};

/// Signs 32-byte digests on behalf of a wallet that does not hand out its key. Implement it in
/// Swift, Kotlin or Python; the library calls it synchronously, at most once per signature, on
/// the thread of the call that needs the signature (a worker thread for the `…_async` calls).
#[uniffi::export(foreign)]
pub trait WalletSigner: Send + Sync {
    /// The wallet's address (`0x` + 40 hex digits, EIP-55 or single-case), or `None` to learn
    /// it from the first signature. When given, every signature is checked against it: one by
    /// another key is refused with `INVALID_SIGNER`.
    fn address(&self) -> Option<String>;

    /// Signs `digest` (32 bytes, already hashed: no EIP-191 prefix, no further hashing) and
    /// returns the 65-byte signature `r ‖ s ‖ v` (v = 0, 1, 27 or 28; low-S). Raise a
    /// `ConfideError` (or any error, e.g. when the user declines) to refuse:
    /// `INVALID_SIGNATURE`.
    fn sign_digest(&self, digest: Vec<u8>) -> Result<Vec<u8>>;
}

/// A [`WalletSigner`] as the core's [`Signer`], with its address parsed once.
pub struct ForeignSigner {
    wallet: Arc<dyn WalletSigner>,
    address: Option<Address>,
}

impl ForeignSigner {
    /// Asks `wallet` for its address (a malformed one is `INVALID_ARGUMENT`).
    pub fn new(wallet: Arc<dyn WalletSigner>) -> Result<Self> {
        let address = wallet
            .address()
            .map(|text| {
                Address::parse(&text)
                    .map_err(|_| crate::error::invalid_argument("signer.address", "not an address"))
            })
            .transpose()?;
        Ok(Self { wallet, address })
    }
}

impl Signer for ForeignSigner {
    fn sign_prehash(&self, digest: &[u8; 32]) -> confide_core::Result<RecoverableSignature> {
        let mut bytes = self
            .wallet
            .sign_digest(digest.to_vec())
            .map_err(|error| match error {
                ConfideError::Failure { reason, .. } => confide_core::Error::new(
                    confide_core::ErrorCode::InvalidSignature,
                    format!("the signer refused: {reason}"),
                ),
            })?;
        let signature = RecoverableSignature::from_bytes(&bytes);
        bytes.zeroize();
        signature
    }

    fn address(&self) -> Option<Address> {
        self.address
    }
}
