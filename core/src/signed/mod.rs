//! Signed messages (SIGNED_MESSAGES.md): the `SignedMessage<T>` envelope, its two signature schemes,
//! verification against a time window, and a bounded replay guard that fails closed.
//!
//! ```
//! use confide_core::crypto::SecretKey;
//! use confide_core::signed::{
//!     MessageScheme, RawSignedMessage, ReplayGuard, SignOptions, SignedMessage, Verifier,
//!     VerifyPolicy,
//! };
//! use serde::Serialize;
//!
//! #[derive(Serialize)]
//! struct Greeting {
//!     text: String,
//! }
//!
//! let key = SecretKey::from_hex(&"42".repeat(32))?;
//! let now = 1_732_200_000;
//! let signed = SignedMessage::sign(
//!     Greeting { text: "hello".into() },
//!     &key,
//!     SignOptions { timestamp: now, nonce: Some(7), scheme: MessageScheme::ConfideV1 },
//! )?;
//! let json = signed.to_json();
//!
//! // The receiver keeps the payload bytes exactly as received.
//! let received = RawSignedMessage::parse(&json)?;
//! let mut verifier = Verifier::new(VerifyPolicy::default())?;
//! let verified = verifier.verify(&received, now + 2)?;
//! assert_eq!(verified.signer, Some(key.address()));
//! assert!(verified.bound);
//! // The same envelope again is a replay.
//! assert!(verifier.verify(&received, now + 3).is_err());
//!
//! // Verifying and recording can be split, so that an envelope the caller's own checks refuse
//! // is not remembered: verify without a lock, record (cheap, no cryptography) under one.
//! let mut guard = ReplayGuard::new(ReplayGuard::DEFAULT_CAPACITY)?;
//! let (verified, ticket) = received.verify_unrecorded(&VerifyPolicy::default(), now + 2)?;
//! assert_eq!(verified.signer, Some(key.address())); // … the caller's checks go here
//! let ticket = ticket.expect("signed envelopes have a replay ticket");
//! guard.record(&ticket, now + 2)?;
//! assert!(guard.record(&ticket, now + 3).is_err());
//! # Ok::<(), confide_core::Error>(())
//! ```

mod envelope;
mod policy;
mod replay_guard;
mod scheme;
mod types;
mod verifier;
mod verify;

pub use envelope::{RawSignedMessage, SignOptions, SignedMessage};
pub use policy::{Verified, VerifyPolicy, VerifyWarning};
pub use replay_guard::{ReplayGuard, ReplayTicket};
pub use scheme::MessageScheme;
pub use types::{LlmRequest, LlmResponse, UsageRecord};
pub use verifier::Verifier;
