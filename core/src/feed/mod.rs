//! LLMFeed (LLMFEED.md): byte-exact canonicalization, Ed25519 signatures, third-party certification
//! and the trust evaluation an agent acts on. No I/O: keys come from a [`KeyResolver`], time is a
//! parameter.
//!
//! ```
//! use confide_core::crypto::Ed25519SecretKey;
//! use confide_core::feed::{
//!     CertifyOptions, Feed, SignOptions, StaticKeys, TrustLevel, VerifyOptions, certify_feed,
//!     evaluate, sign_feed,
//! };
//!
//! let now = 1_750_000_000;
//! let author = Ed25519SecretKey::from_seed(&[1; 32])?;
//! let certifier = Ed25519SecretKey::from_seed(&[2; 32])?;
//! let feed = Feed::parse(r#"{"feed_type":"mcp","metadata":{"title":"Café"},"trust":{}}"#.as_bytes())?;
//! let signed = sign_feed(&feed, &author, &SignOptions::new(now))?;
//! let certified = certify_feed(&signed, &certifier, &CertifyOptions::new("https://llmca.org", now))?;
//!
//! let keys = StaticKeys::new()
//!     .with_signer(author.public_key())
//!     .with_certifier("https://llmca.org", certifier.public_key());
//! let trusted = ["https://llmca.org".to_owned()];
//! let options = VerifyOptions { now: now + 60, trusted_certifiers: &trusted, policy: None };
//! let report = evaluate(&certified, &keys, &options)?;
//! assert_eq!(report.trust_level, TrustLevel::Certified);
//! assert_eq!(report.trusted_blocks, ["feed_type", "metadata", "trust"]);
//! # Ok::<(), confide_core::Error>(())
//! ```

pub mod base64;
mod canonicalization;
mod certification;
mod certify;
mod document;
mod evaluate;
pub mod json;
mod keys;
mod policy;
mod report;
mod resolver;
mod sign;
mod signed_object;
mod time;
mod verify;

pub use canonicalization::Canonicalization;
pub use certification::{VerifyOptions, check_certification};
pub use certify::{CertifyOptions, certify_feed};
pub use document::{CERTIFICATION, Feed, MAX_FEED_LEN, SIGNATURE, TRUST};
pub use evaluate::{evaluate, verify_feed};
pub use keys::{parse_public_key, parse_secret_key, public_key_pem, secret_key_pem};
pub use policy::{CertifierPolicy, FEED_OWNER};
pub use report::{
    CertificationReport, CertificationStatus, ReportError, SignatureReport, TrustLevel, TrustReport,
};
pub use resolver::{KeyRequest, KeyResolver, StaticKeys};
pub use sign::{SignOptions, sign_feed};
pub use signed_object::{ALL, Declaration, ED25519, SignedBlocks, key_hints};
pub use time::{format_rfc3339, parse_rfc3339};
pub use verify::verify_signature;
