//! XChaCha20-Poly1305 with 32-byte keys and 24-byte nonces; the 16-byte tag is appended.

use std::fmt;

use chacha20poly1305::aead::AeadInOut;
use chacha20poly1305::{KeyInit, XChaCha20Poly1305};
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::error::{Error, ErrorCode, Result};

/// Nonce length of XChaCha20-Poly1305.
pub const NONCE_LEN: usize = 24;
/// Authentication tag length, appended to every ciphertext.
pub const TAG_LEN: usize = 16;

/// A 24-byte XChaCha20 nonce.
pub type Nonce = [u8; NONCE_LEN];

/// A 32-byte symmetric key (session key or derived key). Zeroized on drop; `Debug` hides it.
#[derive(Clone)]
pub struct SymmetricKey(Zeroizing<[u8; 32]>);

impl SymmetricKey {
    /// Wraps 32 key bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// Parses a 32-byte slice; other lengths are `INVALID_KEY`.
    pub fn from_slice(bytes: &[u8]) -> Result<Self> {
        let array: [u8; 32] = bytes.try_into().map_err(|_| {
            Error::invalid_key(format_args!(
                "symmetric key must be 32 bytes, got {}",
                bytes.len()
            ))
        })?;
        Ok(Self::from_bytes(array))
    }

    /// A fresh random key.
    pub fn generate(rng: &mut (impl CryptoRng + ?Sized)) -> Self {
        let mut key = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(key.as_mut_slice());
        Self(key)
    }

    /// The key bytes (for putting a session key inside the encrypted session data).
    pub fn expose_secret(&self) -> &[u8; 32] {
        &self.0
    }

    /// Encrypts `plaintext`, returning `ciphertext ‖ tag`. A nonce that is not 24 bytes is
    /// `INVALID_NONCE_SIZE`.
    pub fn seal(&self, nonce: &[u8], aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
        let nonce = check_nonce(nonce)?;
        let mut buffer = Vec::with_capacity(plaintext.len() + TAG_LEN);
        buffer.extend_from_slice(plaintext);
        self.seal_in_place(nonce, aad, &mut buffer);
        Ok(buffer)
    }

    /// Encrypts `buffer` in place and appends the tag (no allocation when `buffer` has 16 bytes spare).
    pub fn seal_in_place(&self, nonce: &Nonce, aad: &[u8], buffer: &mut Vec<u8>) {
        let tag = self
            .cipher()
            .encrypt_inout_detached(nonce.into(), aad, buffer.as_mut_slice().into())
            .expect("XChaCha20-Poly1305 accepts messages up to 256 GiB");
        buffer.extend_from_slice(&tag);
    }

    /// Decrypts and authenticates `ciphertext ‖ tag`. A wrong nonce size is `INVALID_NONCE_SIZE`;
    /// anything else that fails is `DECRYPTION_FAILED`.
    pub fn open(&self, nonce: &[u8], aad: &[u8], ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        let nonce = check_nonce(nonce)?;
        let mut buffer = Zeroizing::new(ciphertext.to_vec());
        self.open_in_place(nonce, aad, &mut buffer)?;
        Ok(buffer)
    }

    /// Decrypts `buffer` (`ciphertext ‖ tag`) in place and removes the tag. On failure the buffer
    /// is left as it was.
    pub fn open_in_place(&self, nonce: &Nonce, aad: &[u8], buffer: &mut Vec<u8>) -> Result<()> {
        let body_len = buffer
            .len()
            .checked_sub(TAG_LEN)
            .ok_or_else(Error::decryption_failed)?;
        let (body, tag) = buffer.split_at_mut(body_len);
        let tag: [u8; TAG_LEN] = (&*tag).try_into().expect("split at TAG_LEN");
        self.cipher()
            .decrypt_inout_detached(nonce.into(), aad, body.into(), (&tag).into())
            .map_err(|_| Error::decryption_failed())?;
        buffer.truncate(body_len);
        Ok(())
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        let key: &[u8; 32] = &self.0;
        XChaCha20Poly1305::new(key.into())
    }
}

impl fmt::Debug for SymmetricKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SymmetricKey(<redacted>)")
    }
}

/// Checks that `nonce` is exactly 24 bytes.
pub(crate) fn check_nonce(nonce: &[u8]) -> Result<&Nonce> {
    nonce.try_into().map_err(|_| {
        Error::new(
            ErrorCode::InvalidNonceSize,
            format!("nonce must be {NONCE_LEN} bytes, got {}", nonce.len()),
        )
    })
}

/// A fresh random nonce.
pub fn random_nonce(rng: &mut (impl CryptoRng + ?Sized)) -> Nonce {
    let mut nonce = [0u8; NONCE_LEN];
    rng.fill_bytes(&mut nonce);
    nonce
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_round_trip_and_tamper_detection() {
        let key = SymmetricKey::from_bytes([7u8; 32]);
        let nonce = [1u8; 24];
        let sealed = key.seal(&nonce, b"aad", b"hello").unwrap();
        assert_eq!(sealed.len(), 5 + TAG_LEN);
        assert_eq!(
            key.open(&nonce, b"aad", &sealed).unwrap().as_slice(),
            b"hello"
        );
        let mut tampered = sealed.clone();
        tampered[0] ^= 1;
        for (n, aad, ct) in [
            (&nonce[..], &b"aad"[..], &tampered[..]),
            (&nonce[..], &b"AAD"[..], &sealed[..]),
            (&[2u8; 24][..], &b"aad"[..], &sealed[..]),
            (&nonce[..], &b"aad"[..], &sealed[..15]),
        ] {
            assert_eq!(
                key.open(n, aad, ct).unwrap_err().code(),
                ErrorCode::DecryptionFailed
            );
        }
    }

    #[test]
    fn wrong_nonce_sizes_are_rejected() {
        let key = SymmetricKey::from_bytes([7u8; 32]);
        for len in [0, 12, 23, 25, 32] {
            let nonce = vec![0u8; len];
            assert_eq!(
                key.seal(&nonce, b"", b"x").unwrap_err().code(),
                ErrorCode::InvalidNonceSize
            );
            assert_eq!(
                key.open(&nonce, b"", &[0; 17]).unwrap_err().code(),
                ErrorCode::InvalidNonceSize
            );
        }
    }
}
