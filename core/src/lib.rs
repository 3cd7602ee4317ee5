//! # confide-core
//!
//! The Confide protocol core: end-to-end encrypted inference sessions between clients and hosts
//! (secp256k1 ECDH + HKDF-SHA256 + XChaCha20-Poly1305, client authentication by ECDSA address
//! recovery), written sans-IO: it never reads a clock, a socket or the system RNG. Time (`now`, Unix
//! seconds) and randomness (`&mut impl CryptoRng`) are parameters, results are values.
//!
//! - [`crypto`]: keys, ECDH/HKDF, AEAD, Ethereum addresses and signatures.
//! - [`e2ee`]: the wire protocol, [`e2ee::ClientSession`] and [`e2ee::HostSession`].
//! - [`signed`]: `SignedMessage<T>` envelopes, verification policy and replay guard.
//! - [`host`]: the sans-IO host engine every host drives (its example runs a whole exchange).
//! - [`feed`]: LLMFeed canonical JSON, Ed25519 signatures, certification and trust evaluation.
//! - `warp` (feature `warp`, on by default): Warp signature aggregation (LP-118): BLS, codecs,
//!   validator sets, the signature handler and the aggregator state machine.
//! - [`Error`] / [`ErrorCode`]: one error type with stable codes shared by every binding.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod crypto;
pub mod e2ee;
mod error;
pub mod feed;
pub mod hex;
pub mod host;
pub mod signed;
#[cfg(feature = "warp")]
pub mod warp;

pub use error::{Error, ErrorCode, ErrorDetail, Result};
