//! Cryptographic building blocks: secp256k1 keys, ECDH + HKDF, XChaCha20-Poly1305, and the Ethereum
//! conventions (keccak256, addresses, EIP-191, recoverable signatures), and strict Ed25519 (LLMFeed).
//!
//! Everything here is pure Rust (RustCrypto), so the same code runs natively and in wasm, except
//! ECDH and public-key recovery, which native builds take from libsecp256k1 (`curve`).

mod aead;
mod curve;
mod ed25519;
mod ethereum;
mod kdf;
mod keys;
mod multiples;
mod precomputed;
mod signature;

pub use aead::{NONCE_LEN, Nonce, SymmetricKey, TAG_LEN, random_nonce};
pub use ed25519::{ED25519_KEY_LEN, ED25519_SIGNATURE_LEN, Ed25519PublicKey, Ed25519SecretKey};
pub use ethereum::{Address, eip191_hash, keccak256};
pub use kdf::{EcdhPublic, derive_session_key, ecdh_shared_x, hkdf_sha256, sha256};
pub use keys::{PublicKey, SecretKey};
pub use precomputed::PrecomputedPublicKey;
pub use signature::{RecoverableSignature, Signer, VByte};
