//! Cryptographic building blocks: secp256k1 keys, ECDH + HKDF, XChaCha20-Poly1305, and the Ethereum
//! conventions (keccak256, addresses, EIP-191, recoverable signatures).
//!
//! Everything here is pure Rust (RustCrypto), so the same code runs natively and in wasm.

mod aead;
mod ethereum;
mod kdf;
mod keys;
mod signature;

pub use aead::{NONCE_LEN, Nonce, SymmetricKey, TAG_LEN, random_nonce};
pub use ethereum::{Address, eip191_hash, keccak256};
pub use kdf::{derive_session_key, ecdh_shared_x, hkdf_sha256, sha256};
pub use keys::{PublicKey, SecretKey};
pub use signature::{RecoverableSignature, Signer, VByte};
