//! Where verification gets public keys from. The core does no I/O: the caller passes a
//! [`KeyResolver`] — [`StaticKeys`] for keys it already holds (files, fetched hints, configuration).

use std::collections::HashMap;

use crate::crypto::Ed25519PublicKey;

/// Whose key verification asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyRequest<'a> {
    /// The feed's author, with the hint the feed gives (`public_key_hint` / `key_hint`), if any.
    Signer {
        /// The URL the feed names for its key.
        hint: Option<&'a str>,
    },
    /// A certifier, with its identity and the certification's key hint.
    Certifier {
        /// The `certifier` of the certification (a URL).
        certifier: &'a str,
        /// The certification's `public_key_hint`, if any.
        hint: Option<&'a str>,
    },
}

impl KeyRequest<'_> {
    /// The key hint of the request, if any.
    pub fn hint(&self) -> Option<&str> {
        match self {
            Self::Signer { hint } | Self::Certifier { hint, .. } => *hint,
        }
    }
}

/// Supplies public keys to verification.
pub trait KeyResolver {
    /// The key for `request`, or `None` when none is known (verification then reports the key as
    /// unavailable; it never guesses).
    fn resolve(&self, request: &KeyRequest<'_>) -> Option<Ed25519PublicKey>;
}

/// Keys known up front: one for the signer, one per certifier (or one for any certifier), and any
/// by hint URL.
///
/// A signer request gets the signer key if set, else the key of its hint; a certifier request gets
/// that certifier's key if set, else the any-certifier key, else the key of its hint.
#[derive(Clone, Debug, Default)]
pub struct StaticKeys {
    signer: Option<Ed25519PublicKey>,
    certifiers: HashMap<String, Ed25519PublicKey>,
    any_certifier: Option<Ed25519PublicKey>,
    by_hint: HashMap<String, Ed25519PublicKey>,
}

impl StaticKeys {
    /// No keys.
    pub fn new() -> Self {
        Self::default()
    }

    /// Uses `key` for the feed's author whatever its hint says.
    pub fn with_signer(mut self, key: Ed25519PublicKey) -> Self {
        self.signer = Some(key);
        self
    }

    /// Uses `key` for certifications by `certifier`.
    pub fn with_certifier(mut self, certifier: impl Into<String>, key: Ed25519PublicKey) -> Self {
        self.certifiers.insert(certifier.into(), key);
        self
    }

    /// Uses `key` for certifications by any certifier without a key of its own (whether the
    /// certifier is trusted is still decided by the verify options).
    pub fn with_any_certifier(mut self, key: Ed25519PublicKey) -> Self {
        self.any_certifier = Some(key);
        self
    }

    /// Whether a signer key is set (hints aside).
    pub fn has_signer(&self) -> bool {
        self.signer.is_some()
    }

    /// Whether a key is known for `hint`.
    pub fn has_hint(&self, hint: &str) -> bool {
        self.by_hint.contains_key(hint)
    }

    /// Uses `key` wherever a feed or certification names `hint`.
    pub fn with_hint(mut self, hint: impl Into<String>, key: Ed25519PublicKey) -> Self {
        self.by_hint.insert(hint.into(), key);
        self
    }
}

impl KeyResolver for StaticKeys {
    fn resolve(&self, request: &KeyRequest<'_>) -> Option<Ed25519PublicKey> {
        let direct = match request {
            KeyRequest::Signer { .. } => self.signer,
            KeyRequest::Certifier { certifier, .. } => self
                .certifiers
                .get(*certifier)
                .copied()
                .or(self.any_certifier),
        };
        direct.or_else(|| {
            request
                .hint()
                .and_then(|hint| self.by_hint.get(hint).copied())
        })
    }
}
