//! Replay and reordering rules: the `message_N` counter and per-session nonce memory.

use std::collections::HashSet;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher, RandomState};

use crate::crypto::Nonce;
use crate::error::{Error, ErrorCode, Result};

/// AAD prefix of client → host messages.
pub(crate) const MESSAGE_AAD_PREFIX: &str = "message_";
/// AAD prefix of host → client chunks.
pub(crate) const CHUNK_AAD_PREFIX: &str = "chunk_";
/// AAD of the encrypted finish reason.
pub(crate) const FINAL_AAD: &[u8] = b"encrypted_response_final";

/// Parses AAD of the form `<prefix><N>` with N canonical decimal (no sign, no leading zeros).
/// Anything else is `INVALID_AAD`.
pub(crate) fn parse_indexed_aad(prefix: &str, aad: &[u8]) -> Result<u64> {
    let digits = aad
        .strip_prefix(prefix.as_bytes())
        .filter(|d| !d.is_empty() && d.iter().all(u8::is_ascii_digit))
        .filter(|d| d.len() == 1 || d[0] != b'0')
        .ok_or_else(|| {
            Error::new(
                ErrorCode::InvalidAad,
                format!("AAD must be `{prefix}<N>` with N a decimal integer"),
            )
        })?;
    std::str::from_utf8(digits)
        .ok()
        .and_then(|d| d.parse().ok())
        .ok_or_else(|| Error::new(ErrorCode::InvalidAad, "AAD index does not fit in 64 bits"))
}

/// The strictly increasing `message_N` counter of one session on the host.
#[derive(Clone, Debug, Default)]
pub(crate) struct MessageCounter {
    last_accepted: Option<u64>,
}

impl MessageCounter {
    /// Checks that `n` is greater than the last accepted index (`REPLAY_DETECTED` otherwise).
    pub fn check(&self, n: u64) -> Result<()> {
        match self.last_accepted {
            Some(last) if n <= last => Err(Error::new(
                ErrorCode::ReplayDetected,
                format!("message index {n} is not greater than the last accepted index {last}"),
            )),
            _ => Ok(()),
        }
    }

    /// Records `n` as accepted (call only after the message authenticated).
    pub fn accept(&mut self, n: u64) {
        self.last_accepted = Some(n);
    }
}

/// Nonces seen in one session, as a keyed 64-bit hash of all 24 bytes (SipHash with a random key
/// per registry, so a peer cannot aim for collisions): a peer that repeats a nonce (replay or a
/// broken RNG) repeats the hash, and honest random nonces collide with probability 2⁻⁶⁴ per pair.
/// Bounded: past `capacity` recorded nonces, `check` refuses (the host asks the client to re-key).
#[derive(Clone, Debug)]
pub(crate) struct NonceRegistry {
    /// The keyed hashes, already uniform: the set uses them as they are instead of hashing again.
    seen: HashSet<u64, BuildHasherDefault<KeyedHash>>,
    hasher: RandomState,
    capacity: usize,
}

impl Default for NonceRegistry {
    /// An unbounded registry (a client's: the host it talks to bounds the messages).
    fn default() -> Self {
        Self::bounded(usize::MAX)
    }
}

impl NonceRegistry {
    /// A registry that records at most `capacity` nonces.
    pub fn bounded(capacity: usize) -> Self {
        Self {
            seen: HashSet::default(),
            hasher: RandomState::new(),
            capacity,
        }
    }

    /// `NONCE_REUSE` when `nonce` was already recorded; `RATE_LIMITED` when the registry is full.
    pub fn check(&self, nonce: &Nonce) -> Result<()> {
        if self.seen.contains(&self.hasher.hash_one(nonce)) {
            return Err(Error::new(
                ErrorCode::NonceReuse,
                "nonce was already used in this session",
            ));
        }
        if self.seen.len() >= self.capacity {
            return Err(Error::new(
                ErrorCode::RateLimited,
                format!(
                    "this session key has carried its maximum of {} messages; re-key with a new \
                     encrypted_session_init",
                    self.capacity
                ),
            ));
        }
        Ok(())
    }

    /// Records `nonce` (call only after the frame authenticated and was admitted).
    pub fn record(&mut self, nonce: &Nonce) {
        self.seen.insert(self.hasher.hash_one(nonce));
    }
}

/// The set hasher of [`NonceRegistry`]: its values are SipHash outputs under the registry's secret
/// key, which a peer cannot steer, so they serve as their own hash.
#[derive(Default)]
struct KeyedHash(u64);

impl Hasher for KeyedHash {
    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is used (the set holds u64s); fold anything else in, in case.
        for &byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(byte);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexed_aad_is_canonical_decimal() {
        assert_eq!(parse_indexed_aad("message_", b"message_0").unwrap(), 0);
        assert_eq!(parse_indexed_aad("message_", b"message_42").unwrap(), 42);
        for bad in [
            &b"message_"[..],
            b"message_-1",
            b"message_01",
            b"message_+1",
            b"message_1a",
            b"message",
            b"chunk_1",
            b"message_99999999999999999999999",
        ] {
            let err = parse_indexed_aad("message_", bad).unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidAad, "{bad:?}");
        }
    }

    #[test]
    fn counter_requires_strict_increase_and_allows_gaps() {
        let mut counter = MessageCounter::default();
        counter.check(5).unwrap();
        counter.accept(5);
        assert_eq!(
            counter.check(5).unwrap_err().code(),
            ErrorCode::ReplayDetected
        );
        assert_eq!(
            counter.check(4).unwrap_err().code(),
            ErrorCode::ReplayDetected
        );
        counter.check(9).unwrap();
    }

    #[test]
    fn nonce_registry_detects_repeats() {
        let mut registry = NonceRegistry::default();
        registry.check(&[1; 24]).unwrap();
        registry.record(&[1; 24]);
        assert_eq!(
            registry.check(&[1; 24]).unwrap_err().code(),
            ErrorCode::NonceReuse
        );
        registry.check(&[2; 24]).unwrap();
        // Nonces equal in their first 8 bytes are different nonces.
        let mut first_eight = [1; 24];
        first_eight[23] = 2;
        registry.check(&first_eight).unwrap();
    }

    #[test]
    fn a_bounded_registry_refuses_when_full() {
        let mut registry = NonceRegistry::bounded(2);
        registry.record(&[1; 24]);
        registry.record(&[2; 24]);
        assert_eq!(
            registry.check(&[3; 24]).unwrap_err().code(),
            ErrorCode::RateLimited
        );
        assert_eq!(
            registry.check(&[1; 24]).unwrap_err().code(),
            ErrorCode::NonceReuse
        );
    }
}
