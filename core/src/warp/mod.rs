//! Warp signature aggregation (LP-118, WARP.md), sans-IO.
//!
//! - [`bls`]: BLS12-381 min-pk through blst: validated keys, subgroup-checked signatures, proofs of
//!   possession, aggregation, batch verification with random linear combinations.
//! - [`Codec`]: the `avalanche` and `lux-rlp` encodings of [`UnsignedMessage`] and
//!   [`SignedMessage`], parsed strictly.
//! - [`ValidatorSet`]: the canonical set (shared keys merged, sorted, checked weights, keys
//!   validated once); [`verify_signed_message`] checks a message against it and a [`Quorum`].
//! - [`SignatureRequest`] and the response / error-code wire of LP-118; [`Handler`] answers
//!   requests through a [`Verifier`] and a [`Signer`] with an LRU cache and per-peer rate limit.
//! - [`Aggregator`]: collects signatures until the quorum, as a state machine a driver feeds.
//!
//! ```
//! use std::sync::Arc;
//! use confide_core::warp::*;
//! use confide_core::warp::bls::BlsSecretKey;
//!
//! let mut rng = rand::rng();
//! let keys: Vec<BlsSecretKey> = (0..4).map(|_| BlsSecretKey::generate(&mut rng)).collect();
//! let set = Arc::new(ValidatorSet::new(keys.iter().enumerate().map(|(i, key)| ValidatorEntry {
//!     node_id: format!("node-{i}"),
//!     endpoint: None,
//!     public_key: Some(*key.public_key()),
//!     weight: 10,
//! })).unwrap());
//! let message = UnsignedMessage::new(Codec::Avalanche, 1, [7; 32], b"hello".to_vec()).unwrap();
//!
//! let mut aggregator = Aggregator::new(message.clone(), vec![], set.clone(), AggregatorConfig::default()).unwrap();
//! while let Some(query) = aggregator.poll_query(0) {
//!     // A real driver sends aggregator.request_bytes() to query.endpoint.
//!     let key = keys.iter().find(|k| set.index_of(k.public_key()) == Some(query.validator)).unwrap();
//!     let signature = key.sign(message.bytes(), bls::Ciphersuite::Pop);
//!     aggregator.on_response(query.id, &signature.to_bytes(), &mut rng);
//! }
//! let Some(Outcome::Signed(aggregate)) = aggregator.into_outcome() else { panic!() };
//! let verified = verify_signed_message(&aggregate.message, 1, &set, Quorum::DEFAULT, bls::Ciphersuite::Pop).unwrap();
//! assert_eq!(verified.signed_weight, 30); // ⌈40·67/100⌉ = 27: three of four
//! ```

mod aggregator;
pub mod bls;
mod codec;
mod handler;
mod message;
mod quorum;
mod validators;
mod verify;
mod wire;

pub use aggregator::{
    Aggregate, Aggregator, AggregatorConfig, Excluded, Outcome, Query, ResponseEffect,
};
pub use codec::{Codec, MAX_MESSAGE_SIZE, SignerBitset};
pub use handler::{
    Handler, HandlerConfig, HandlerError, LocalSigner, OwnChainVerifier, Signer, Verifier,
};
pub use message::{SignedMessage, UnsignedMessage};
pub use quorum::Quorum;
pub use validators::{CanonicalValidator, Member, ValidatorEntry, ValidatorSet};
pub use verify::{VerifiedMessage, signed_weight, signer_indices, verify_signed_message};
pub use wire::{
    Lp118ErrorCode, MAX_JUSTIFICATION_SIZE, MAX_REQUEST_SIZE, SIGNATURE_HANDLER_ID,
    SignatureRequest, encode_signature_response, parse_signature_response,
};
