//! Signed messages (SIGNED_MESSAGES.md): the `SignedMessage<T>` envelope, its two signature schemes,
//! verification against a time window, and a bounded replay guard.
//!
//! ```
//! use confide_core::crypto::SecretKey;
//! use confide_core::signed::{
//!     MessageScheme, RawSignedMessage, SignOptions, SignedMessage, Verifier, VerifyPolicy,
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
//! let mut verifier = Verifier::new(VerifyPolicy::default());
//! let verified = verifier.verify(&received, now + 2)?;
//! assert_eq!(verified.signer, Some(key.address()));
//! assert!(verified.bound);
//! // The same envelope again is a replay.
//! assert!(verifier.verify(&received, now + 3).is_err());
//! # Ok::<(), confide_core::Error>(())
//! ```

mod envelope;
mod policy;
mod replay_guard;
mod scheme;
mod types;

pub use envelope::{RawSignedMessage, SignOptions, SignedMessage};
pub use policy::{Verified, Verifier, VerifyPolicy, VerifyWarning};
pub use replay_guard::ReplayGuard;
pub use scheme::MessageScheme;
pub use types::{LlmRequest, LlmResponse, UsageRecord};
