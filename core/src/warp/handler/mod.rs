//! The LP-118 signature handler, transport-agnostic: request bytes in, response bytes or an
//! LP-118 error out. parse → rate limit → cache (a hit skips verification) → [`Verifier`] →
//! [`Signer`] → cache → response.

mod cache;
mod rate;
mod signer;

use std::fmt;
use std::sync::{Mutex, MutexGuard};

pub use signer::{LocalSigner, OwnChainVerifier};

use self::cache::SignatureCache;
use self::rate::PeerRateLimiter;
use super::bls::{SIGNATURE_LEN, Signature};
use super::codec::Codec;
use super::message::UnsignedMessage;
use super::wire::{Lp118ErrorCode, SignatureRequest, encode_signature_response};
use crate::error::{Error, ErrorCode, Result};

/// Decides whether a message may be signed. Return `MESSAGE_NOT_FOUND` for a message the node does
/// not know (LP-118 `NotFound`); any other error is a `VerifyError`.
pub trait Verifier {
    /// Checks `message` and its `justification`.
    fn verify(&self, message: &UnsignedMessage, justification: &[u8]) -> Result<()>;
}

/// Signs verified messages. An error is an LP-118 `SignError`.
pub trait Signer {
    /// Signs the message's encoding.
    fn sign(&self, message: &UnsignedMessage) -> Result<Signature>;
}

/// A refused request: the LP-118 code (none for a rate-limited request, which the transport
/// answers its own way, e.g. HTTP 429) and the error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HandlerError {
    code: Option<Lp118ErrorCode>,
    error: Error,
}

impl HandlerError {
    fn new(code: Lp118ErrorCode, error: Error) -> Self {
        Self {
            code: Some(code),
            error,
        }
    }

    /// The LP-118 code; `None` when the peer was rate limited.
    pub fn lp118_code(&self) -> Option<Lp118ErrorCode> {
        self.code
    }

    /// The error (its code is `RATE_LIMITED` when the peer was rate limited).
    pub fn error(&self) -> &Error {
        &self.error
    }
}

impl fmt::Display for HandlerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.code {
            Some(code) => write!(f, "{code} ({}): {}", code.number(), self.error),
            None => write!(f, "{}", self.error),
        }
    }
}

impl std::error::Error for HandlerError {}

/// Handler settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HandlerConfig {
    /// The codec requests' messages are parsed with.
    pub codec: Codec,
    /// How many signatures the LRU cache keeps.
    pub cache_size: usize,
    /// Requests per second each peer may make on average.
    pub rate_per_second: u32,
    /// Requests a peer may make at once.
    pub rate_burst: u32,
    /// How many peers the rate limiter tracks at most.
    pub max_tracked_peers: usize,
}

impl Default for HandlerConfig {
    fn default() -> Self {
        Self {
            codec: Codec::Avalanche,
            cache_size: 1024,
            rate_per_second: 100,
            rate_burst: 200,
            max_tracked_peers: 10_000,
        }
    }
}

#[derive(Debug)]
struct State {
    cache: SignatureCache,
    limiter: PeerRateLimiter,
}

/// The signature handler. `handle` takes `&self`: the cache and rate limiter sit behind a lock held
/// only for their own bookkeeping, never while verifying or signing.
#[derive(Debug)]
pub struct Handler<V, S> {
    verifier: V,
    signer: S,
    codec: Codec,
    state: Mutex<State>,
}

impl<V: Verifier, S: Signer> Handler<V, S> {
    /// A handler with empty cache and rate limiter.
    pub fn new(verifier: V, signer: S, config: HandlerConfig) -> Self {
        Self {
            verifier,
            signer,
            codec: config.codec,
            state: Mutex::new(State {
                cache: SignatureCache::new(config.cache_size),
                limiter: PeerRateLimiter::new(
                    config.rate_per_second,
                    config.rate_burst,
                    config.max_tracked_peers,
                ),
            }),
        }
    }

    /// The verifier.
    pub fn verifier(&self) -> &V {
        &self.verifier
    }

    /// The signer.
    pub fn signer(&self) -> &S {
        &self.signer
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // The state stays consistent across a panic elsewhere: keep using it.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Answers one request from `peer` at `now_ms` (milliseconds on any clock): the 96-byte
    /// signature, or why not.
    pub fn handle(
        &self,
        peer: &str,
        now_ms: u64,
        request: &[u8],
    ) -> Result<[u8; SIGNATURE_LEN], HandlerError> {
        if !self.state().limiter.allow(peer, now_ms) {
            return Err(HandlerError {
                code: None,
                error: Error::new(
                    ErrorCode::RateLimited,
                    "too many signature requests from this peer",
                ),
            });
        }
        let request = SignatureRequest::parse(request)
            .map_err(|e| HandlerError::new(Lp118ErrorCode::ParseError, e))?;
        let message = UnsignedMessage::parse(self.codec, &request.message)
            .map_err(|e| HandlerError::new(Lp118ErrorCode::ParseError, e))?;
        let id = message.id();
        if let Some(signature) = self.state().cache.get(&id) {
            return Ok(encode_signature_response(&signature));
        }
        self.verifier
            .verify(&message, &request.justification)
            .map_err(|e| {
                let code = if e.code() == ErrorCode::MessageNotFound {
                    Lp118ErrorCode::NotFound
                } else {
                    Lp118ErrorCode::VerifyError
                };
                HandlerError::new(code, e)
            })?;
        let signature = self
            .signer
            .sign(&message)
            .map_err(|e| HandlerError::new(Lp118ErrorCode::SignError, e))?;
        self.state().cache.insert(id, signature);
        Ok(encode_signature_response(&signature))
    }

    /// How many signatures are cached.
    pub fn cached(&self) -> usize {
        self.state().cache.len()
    }
}
