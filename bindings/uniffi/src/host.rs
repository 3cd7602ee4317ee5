//! The process-wide part of a host (`HostEndpoint`, wrapping the core's host engine `Endpoint`):
//! the host key, init replay memory, signed-request guard, session accounting, the init rate limit
//! and the optional authorizer. Connections (`host_connection`) are made from it.

use std::sync::Arc;

use confide_core::crypto::Address;
use confide_core::host::{self as engine, Authorizer, BoundedReplayMemory, Endpoint};

use crate::error::{Result, invalid_argument};
use crate::keys::SecretKey;

/// Limits of a host; `None` keeps the engine's default (shown in brackets). Counts, rates and
/// durations must be at least 1 (`INVALID_ARGUMENT` naming the field otherwise); the two
/// durations at most 7 days.
#[derive(Clone, Debug, Default, PartialEq, Eq, uniffi::Record)]
pub struct HostLimits {
    /// Sessions (encrypted and plaintext) across every connection [10000].
    #[uniffi(default = None)]
    pub max_sessions: Option<u64>,
    /// Sessions on one connection [16].
    #[uniffi(default = None)]
    pub max_sessions_per_connection: Option<u64>,
    /// Seconds a session key lives without activity [1800].
    #[uniffi(default = None)]
    pub session_ttl_secs: Option<u64>,
    /// Generations one connection may have running at once [4].
    #[uniffi(default = None)]
    pub max_generations_per_connection: Option<u64>,
    /// Frames per second one connection may send, bursts up to twice that [20].
    #[uniffi(default = None)]
    pub frames_per_second: Option<u32>,
    /// Encrypted session inits per second across the whole host [20000].
    #[uniffi(default = None)]
    pub inits_per_second: Option<u32>,
    /// Accepted inits the replay memory holds [1048576].
    #[uniffi(default = None)]
    pub replay_capacity: Option<u64>,
    /// Signed requests the replay guard holds [100000].
    #[uniffi(default = None)]
    pub signed_request_capacity: Option<u64>,
    /// Prompts one session key may open before the client must re-key [4096].
    #[uniffi(default = None)]
    pub max_messages_per_session: Option<u64>,
    /// Consecutive authentication failures answered with error frames [5]; the next one closes
    /// the connection (close code 1008).
    #[uniffi(default = None)]
    pub max_auth_failures: Option<u32>,
    /// Seconds an init's `timestamp` may differ from `now` [300].
    #[uniffi(default = None)]
    pub init_freshness_secs: Option<u64>,
}

/// Who may do what on a host (every flag defaults to `false`).
#[derive(Clone, Debug, Default, PartialEq, Eq, uniffi::Record)]
pub struct HostPolicy {
    /// Refuse plaintext sessions (`ENCRYPTION_REQUIRED`).
    #[uniffi(default = false)]
    pub require_encryption: bool,
    /// Refuse prompts without a `signed_request` (`UNSIGNED_MESSAGE`).
    #[uniffi(default = false)]
    pub require_signed_requests: bool,
    /// Refuse inits whose session data carries no `timestamp`.
    #[uniffi(default = false)]
    pub require_fresh_init: bool,
}

/// Decides whether a client may open an encrypted session, in the app's language (a wallet
/// registry, an allow-list, a payment check).
#[uniffi::export(foreign)]
pub trait HostAuthorizer: Send + Sync {
    /// Whether the client with this EIP-55 address may open a session. Called once per init,
    /// after its signature checked out, on the thread running the init (the caller's, or a worker
    /// thread for `handle_frame_async`); it may call into the same connection. `false` or a
    /// raised error refuses: the client gets an `UNAUTHORIZED` error frame.
    fn allows(&self, client_address: String) -> Result<bool>;
}

/// A [`HostAuthorizer`] as the engine's [`Authorizer`].
struct ForeignAuthorizer(Arc<dyn HostAuthorizer>);

impl Authorizer for ForeignAuthorizer {
    fn allows(&self, client: &Address) -> bool {
        self.0.allows(client.to_checksum()).unwrap_or(false)
    }
}

/// One host: its key, the memory of accepted inits (an init replayed on any of its connections is
/// `REPLAY_DETECTED`), the signed-request replay guard, session counts and limits. Make one per
/// process and a `HostConnection` per client connection.
#[derive(uniffi::Object)]
pub struct HostEndpoint {
    pub(crate) endpoint: Arc<Endpoint>,
    public_key: String,
    address: String,
}

#[uniffi::export]
impl HostEndpoint {
    /// A host with `host_key`; `now_ms` (Unix milliseconds) starts the init rate limit's clock.
    /// `version` is announced in the `connected` greeting. Without an `authorizer`, every client
    /// is allowed.
    #[uniffi::constructor(default(limits = None, policy = None, version = None, authorizer = None))]
    pub fn new(
        host_key: Arc<SecretKey>,
        now_ms: u64,
        limits: Option<HostLimits>,
        policy: Option<HostPolicy>,
        version: Option<String>,
        authorizer: Option<Arc<dyn HostAuthorizer>>,
    ) -> Result<Self> {
        let config = engine::HostConfig {
            limits: engine_limits(limits.unwrap_or_default())?,
            policy: engine_policy(policy.unwrap_or_default()),
            models: Vec::new(),
            version: version.unwrap_or_default(),
        };
        let (public_key, address) = (host_key.public_key(), host_key.address());
        let key = Some(host_key.key.clone());
        let endpoint = match authorizer {
            None => Endpoint::new(key, config, now_ms)?,
            Some(authorizer) => {
                let replay = BoundedReplayMemory::new(config.limits.replay_capacity)?;
                let authorizer = Box::new(ForeignAuthorizer(authorizer));
                Endpoint::with_parts(key, config, Box::new(replay), authorizer, now_ms)?
            }
        };
        Ok(Self {
            endpoint: Arc::new(endpoint),
            public_key,
            address,
        })
    }

    /// The host's compressed public key (hex), as clients need it.
    pub fn public_key(&self) -> String {
        self.public_key.clone()
    }

    /// The host's EIP-55 address (the signer of its receipts).
    pub fn address(&self) -> String {
        self.address.clone()
    }

    /// Encrypted sessions open across every connection.
    pub fn encrypted_sessions(&self) -> u64 {
        self.endpoint.encrypted_sessions() as u64
    }
}

/// The engine's limits: the defaults, overridden by the caller's.
fn engine_limits(given: HostLimits) -> Result<engine::HostLimits> {
    let d = engine::HostLimits::default();
    Ok(engine::HostLimits {
        max_sessions: size(given.max_sessions, d.max_sessions, "max_sessions")?,
        max_sessions_per_connection: size(
            given.max_sessions_per_connection,
            d.max_sessions_per_connection,
            "max_sessions_per_connection",
        )?,
        session_ttl_secs: given.session_ttl_secs.unwrap_or(d.session_ttl_secs),
        max_generations_per_connection: size(
            given.max_generations_per_connection,
            d.max_generations_per_connection,
            "max_generations_per_connection",
        )?,
        frames_per_second: given.frames_per_second.unwrap_or(d.frames_per_second),
        inits_per_second: given.inits_per_second.unwrap_or(d.inits_per_second),
        replay_capacity: size(given.replay_capacity, d.replay_capacity, "replay_capacity")?,
        signed_request_capacity: size(
            given.signed_request_capacity,
            d.signed_request_capacity,
            "signed_request_capacity",
        )?,
        max_messages_per_session: size(
            given.max_messages_per_session,
            d.max_messages_per_session,
            "max_messages_per_session",
        )?,
        max_auth_failures: given.max_auth_failures.unwrap_or(d.max_auth_failures),
        init_freshness_secs: given.init_freshness_secs.unwrap_or(d.init_freshness_secs),
    })
}

/// A count limit: `default` when not given, else the value if it fits `usize` (the engine checks
/// the ranges).
fn size(value: Option<u64>, default: usize, field: &str) -> Result<usize> {
    value.map_or(Ok(default), |n| {
        usize::try_from(n).map_err(|_| invalid_argument(&format!("limits.{field}"), "too large"))
    })
}

/// The engine's policy from the caller's flags.
fn engine_policy(given: HostPolicy) -> engine::HostPolicy {
    engine::HostPolicy {
        require_encryption: given.require_encryption,
        require_signed_requests: given.require_signed_requests,
        require_fresh_init: given.require_fresh_init,
        ..engine::HostPolicy::default()
    }
}
