//! XChaCha20-Poly1305 with 32-byte keys and 24-byte nonces; the 16-byte tag is appended.

use std::fmt;

use chacha20poly1305::aead::AeadInOut;
use chacha20poly1305::{KeyInit, XChaCha20Poly1305};
use rand_core::CryptoRng;
use zeroize::{Zeroize, Zeroizing};

use crate::error::{Error, ErrorCode, Result};

/// Nonce length of XChaCha20-Poly1305.
pub const NONCE_LEN: usize = 24;
/// Authentication tag length, appended to every ciphertext.
pub const TAG_LEN: usize = 16;

/// A 24-byte XChaCha20 nonce.
pub type Nonce = [u8; NONCE_LEN];

/// A 32-byte symmetric key (session key or derived key) with its XChaCha20-Poly1305 cipher, built
/// once. Both live in one heap allocation, so moving the key never copies key bytes, and both are
/// zeroized on drop; `Debug` hides them.
#[derive(Clone)]
pub struct SymmetricKey(Box<KeyState>);

#[derive(Clone)]
struct KeyState {
    bytes: Zeroizing<[u8; 32]>,
    /// Holds its own copy of the key and wipes it on drop (`ZeroizeOnDrop`).
    cipher: XChaCha20Poly1305,
}

impl SymmetricKey {
    /// Wraps 32 key bytes (and wipes this function's copy of them).
    pub fn from_bytes(mut bytes: [u8; 32]) -> Self {
        let key = Self::fill_with(|key| *key = bytes);
        bytes.zeroize();
        key
    }

    /// Parses a 32-byte slice; other lengths are `INVALID_KEY`.
    pub fn from_slice(bytes: &[u8]) -> Result<Self> {
        if bytes.len() != 32 {
            return Err(Error::invalid_key(format_args!(
                "symmetric key must be 32 bytes, got {}",
                bytes.len()
            )));
        }
        Ok(Self::fill_with(|key| key.copy_from_slice(bytes)))
    }

    /// A fresh random key.
    pub fn generate(rng: &mut (impl CryptoRng + ?Sized)) -> Self {
        Self::fill_with(|key| rng.fill_bytes(key))
    }

    /// A key whose bytes `fill` writes straight into their final (heap) place instead of a copy
    /// being moved there; the cipher is then built from them.
    pub(crate) fn fill_with(fill: impl FnOnce(&mut [u8; 32])) -> Self {
        let mut state = Box::new(KeyState {
            bytes: Zeroizing::new([0u8; 32]),
            cipher: XChaCha20Poly1305::new(&[0u8; 32].into()),
        });
        fill(&mut state.bytes);
        state.cipher = XChaCha20Poly1305::new((&*state.bytes).into());
        Self(state)
    }

    /// The key bytes (for putting a session key inside the encrypted session data).
    pub fn expose_secret(&self) -> &[u8; 32] {
        &self.0.bytes
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
            .0
            .cipher
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
        self.0
            .cipher
            .decrypt_inout_detached(nonce.into(), aad, body.into(), (&tag).into())
            .map_err(|_| Error::decryption_failed())?;
        buffer.truncate(body_len);
        Ok(())
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
    fn the_kept_cipher_interoperates_with_one_shot_ciphers() {
        use chacha20poly1305::aead::{Aead, Payload};
        let key = SymmetricKey::from_bytes([0x42; 32]);
        let one_shot = || XChaCha20Poly1305::new(key.expose_secret().into());
        for (i, plaintext) in [&b""[..], b"token", &[0xab; 1000]].into_iter().enumerate() {
            let nonce = [i as u8; NONCE_LEN];
            let payload = |msg| Payload { msg, aad: b"aad" };
            let sealed = key.seal(&nonce, b"aad", plaintext).unwrap();
            let expected = one_shot()
                .encrypt(&nonce.into(), payload(plaintext))
                .unwrap();
            assert_eq!(sealed, expected);
            let opened = one_shot().decrypt(&nonce.into(), payload(&sealed)).unwrap();
            assert_eq!(opened, plaintext);
            assert_eq!(
                key.open(&nonce, b"aad", &expected).unwrap().as_slice(),
                plaintext
            );
        }
    }

    #[test]
    fn a_clone_outlives_its_original() {
        let key = SymmetricKey::from_bytes([7u8; 32]);
        let sealed = key.seal(&[1u8; 24], b"", b"hello").unwrap();
        let clone = key.clone();
        drop(key);
        assert_eq!(clone.expose_secret(), &[7u8; 32]);
        assert_eq!(clone.seal(&[1u8; 24], b"", b"hello").unwrap(), sealed);
        assert_eq!(
            clone.open(&[1u8; 24], b"", &sealed).unwrap().as_slice(),
            b"hello"
        );
    }

    #[test]
    fn every_constructor_gives_the_same_key() {
        let bytes = [9u8; 32];
        let from_slice = SymmetricKey::from_slice(&bytes).unwrap();
        let filled = SymmetricKey::fill_with(|key| *key = bytes);
        let sealed = SymmetricKey::from_bytes(bytes)
            .seal(&[0; 24], b"", b"x")
            .unwrap();
        for key in [from_slice, filled] {
            assert_eq!(key.expose_secret(), &bytes);
            assert_eq!(key.seal(&[0; 24], b"", b"x").unwrap(), sealed);
        }
        let err = SymmetricKey::from_slice(&[9u8; 31]).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidKey);
    }

    #[test]
    fn debug_is_redacted() {
        let shown = format!("{:?}", SymmetricKey::from_bytes([0xab; 32]));
        assert_eq!(shown, "SymmetricKey(<redacted>)");
    }

    /// Compiles only while the `zeroize` features this crate turns on are in effect.
    #[test]
    fn cipher_and_hash_states_zeroize_on_drop() {
        use sha2::digest::block_api::CoreProxy;
        use zeroize::ZeroizeOnDrop;
        fn zeroized_on_drop<T: ZeroizeOnDrop>() {}
        zeroized_on_drop::<XChaCha20Poly1305>();
        // HMAC-SHA256 (inside HKDF) keeps two SHA-256 cores keyed with the secret.
        zeroized_on_drop::<sha2::Sha256>();
        zeroized_on_drop::<<sha2::Sha256 as CoreProxy>::Core>();
        // Exported only with `cipher/zeroize`, which wipes the XChaCha20 keystream buffer.
        use cipher::zeroize as _;
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
