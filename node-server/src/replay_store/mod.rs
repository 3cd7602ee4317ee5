//! `--replay-store redis://HOST:PORT`: the host's replay memory (accepted session inits, accepted
//! signed requests) in a Redis-protocol server shared by every replica behind a load balancer, so an
//! init or signed request accepted at one replica is `REPLAY_DETECTED` at all of them.
//!
//! Each record is one key set atomically if absent with an absolute expiry (`SET key 1 NX EXAT t`):
//! of two replicas racing on one init, exactly one gets `OK`. The store fails closed: when it cannot
//! be reached or does not answer in time, new inits and signed requests are refused with
//! `REPLAY_STORE_UNAVAILABLE`; established sessions keep working. The host engine stays sans-IO:
//! it calls the core's [`ReplayMemory`] and [`SignedRequestMemory`] traits, implemented here.
//!
//! - `resp`: the protocol's encoding, bounded;
//! - `client`: pooled blocking connections, timeouts, back-off and metrics.

mod client;
mod resp;

use std::sync::Arc;
use std::time::Duration;

use confide_core::host::{InitFingerprint, ReplayMemory, SignedRequestMemory};
use confide_core::signed::ReplayTicket;
use confide_core::{Error, ErrorCode, Result};

pub use client::StoreMetrics;
use client::{StoreClient, Unavailable};
use resp::Reply;

/// Key prefix of remembered inits (followed by the fingerprint in hex).
const INIT_PREFIX: &str = "confide:init:";
/// Key prefix of remembered signed requests (followed by the replay key in hex).
const REQUEST_PREFIX: &str = "confide:sreq:";

/// A shared replay store. Clone the memories out of it with [`Self::init_memory`] and
/// [`Self::request_memory`]; both use the same connections.
#[derive(Clone)]
pub struct ReplayStore {
    client: Arc<StoreClient>,
}

impl ReplayStore {
    /// A store at `url` (`redis://HOST:PORT`, no password or database: bind the store to a
    /// private network) answering each command within `timeout`. Connects lazily.
    ///
    /// # Errors
    /// A message when `url` is not of that form.
    pub fn new(
        url: &str,
        timeout: Duration,
        metrics: StoreMetrics,
    ) -> std::result::Result<Self, String> {
        let address = parse_url(url)?;
        Ok(Self {
            client: Arc::new(StoreClient::new(address, timeout, metrics)),
        })
    }

    /// Whether the store answers `PING` (the health check).
    pub fn is_reachable(&self) -> bool {
        matches!(self.client.command("ping", &[b"PING"]), Ok(Reply::Status(s)) if s == "PONG")
    }

    /// The init replay memory, for `Endpoint::with_replay_memory`.
    pub fn init_memory(&self) -> Box<dyn ReplayMemory> {
        Box::new(InitMemory(self.clone()))
    }

    /// The signed-request memory, for `Endpoint::with_signed_request_memory`.
    pub fn request_memory(&self) -> Box<dyn SignedRequestMemory> {
        Box::new(RequestMemory(self.clone()))
    }

    /// `SET key 1 NX EXAT expires_at`: whether the key was newly set. An expiry not after `now`
    /// is kept for a second (the store refuses expiries in the past).
    fn set_if_absent(
        &self,
        op: &'static str,
        key: &str,
        expires_at: u64,
        now: u64,
    ) -> Result<bool> {
        let at = expires_at.max(now + 1).to_string();
        let args: [&[u8]; 6] = [b"SET", key.as_bytes(), b"1", b"NX", b"EXAT", at.as_bytes()];
        match self.client.command(op, &args).map_err(unavailable)? {
            Reply::Status(status) if status == "OK" => Ok(true),
            Reply::Bulk(None) => Ok(false),
            other => Err(unexpected(&other)),
        }
    }
}

/// `redis://HOST:PORT` → `HOST:PORT`.
fn parse_url(url: &str) -> std::result::Result<String, String> {
    let rest = url
        .strip_prefix("redis://")
        .ok_or_else(|| format!("replay store URL {url} must start with redis://"))?;
    let address = rest.strip_suffix('/').unwrap_or(rest);
    let valid = address
        .rsplit_once(':')
        .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok_and(|p| p != 0));
    if !valid || address.contains(['@', '/', '?']) {
        return Err(format!(
            "replay store URL {url} must be redis://HOST:PORT (no user, password or database)"
        ));
    }
    Ok(address.to_owned())
}

/// The error clients see when the store cannot answer (never its address or reply).
fn unavailable(_: Unavailable) -> Error {
    Error::new(
        ErrorCode::ReplayStoreUnavailable,
        "the host's replay store is unavailable; new sessions are refused until it is back",
    )
}

fn unexpected(reply: &Reply) -> Error {
    tracing::warn!(?reply, "replay store: unexpected reply");
    unavailable(Unavailable)
}

fn key(prefix: &str, bytes: &[u8; 32]) -> String {
    format!("{prefix}{}", confide_core::hex::encode(bytes))
}

/// [`ReplayMemory`] in the store.
struct InitMemory(ReplayStore);

impl ReplayMemory for InitMemory {
    fn contains(&self, fingerprint: &InitFingerprint, _now: u64) -> Result<bool> {
        let key = key(INIT_PREFIX, fingerprint.as_bytes());
        match self
            .0
            .client
            .command("init_contains", &[b"EXISTS", key.as_bytes()])
            .map_err(unavailable)?
        {
            Reply::Integer(n) => Ok(n > 0),
            other => Err(unexpected(&other)),
        }
    }

    fn insert_if_absent(
        &self,
        fingerprint: InitFingerprint,
        expires_at: u64,
        now: u64,
    ) -> Result<bool> {
        let key = key(INIT_PREFIX, fingerprint.as_bytes());
        self.0.set_if_absent("init_insert", &key, expires_at, now)
    }

    fn extend(&self, fingerprint: InitFingerprint, expires_at: u64, now: u64) -> Result<()> {
        let key = key(INIT_PREFIX, fingerprint.as_bytes());
        if self.0.set_if_absent("init_extend", &key, expires_at, now)? {
            return Ok(());
        }
        // Only ever later: `GT` leaves a later expiry another replica set in place.
        let at = expires_at.max(now + 1).to_string();
        let args: [&[u8]; 4] = [b"EXPIREAT", key.as_bytes(), at.as_bytes(), b"GT"];
        match self
            .0
            .client
            .command("init_extend", &args)
            .map_err(unavailable)?
        {
            Reply::Integer(_) => Ok(()),
            other => Err(unexpected(&other)),
        }
    }
}

/// [`SignedRequestMemory`] in the store.
struct RequestMemory(ReplayStore);

impl SignedRequestMemory for RequestMemory {
    fn record(&self, ticket: &ReplayTicket, now: u64) -> Result<()> {
        let key = key(REQUEST_PREFIX, ticket.key());
        if self
            .0
            .set_if_absent("request_record", &key, ticket.expires_at(), now)?
        {
            return Ok(());
        }
        Err(Error::new(
            ErrorCode::ReplayDetected,
            "this signed message was already accepted",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::parse_url;

    #[test]
    fn store_urls() {
        assert_eq!(
            parse_url("redis://127.0.0.1:6379").unwrap(),
            "127.0.0.1:6379"
        );
        assert_eq!(
            parse_url("redis://cache.internal:6380/").unwrap(),
            "cache.internal:6380"
        );
        for bad in [
            "127.0.0.1:6379",
            "redis://",
            "redis://host",
            "redis://host:0",
            "redis://:6379",
            "redis://user:pw@host:6379",
            "redis://host:6379/2",
            "rediss://host:6379",
        ] {
            assert!(parse_url(bad).is_err(), "{bad}");
        }
    }
}
