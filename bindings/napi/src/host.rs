//! The process-wide part of a host (`HostEndpoint`, wrapping the core's host engine `Endpoint`):
//! the host key, init replay memory, signed-request guard, session accounting, the init rate limit
//! and the optional `authorize` callback. Connections (`host_connection`) are made from it.

use std::cell::Cell;
use std::sync::Arc;

use confide_core::crypto::Address;
use confide_core::host::{self as engine, Authorizer, BoundedReplayMemory, Endpoint};
use napi::Env;
use napi::bindgen_prelude::{FunctionRef, Unknown};
use napi_derive::napi;
use zeroize::Zeroizing;

use crate::args;
use crate::error::{CoreResultExt, Result, invalid_argument};
use crate::keys::parse_secret_key;

/// Limits of a host (every field optional; the defaults are the engine's). Counts, rates and
/// durations must be at least 1 (`INVALID_ARGUMENT` naming the field otherwise); the two durations
/// at most 7 days.
#[napi(object, object_to_js = false)]
pub struct HostLimits {
    /// Sessions (encrypted and plaintext) across every connection (default 10000).
    pub max_sessions: Option<f64>,
    /// Sessions on one connection (default 16).
    pub max_sessions_per_connection: Option<f64>,
    /// Seconds a session key lives without activity (default 1800).
    pub session_ttl_secs: Option<f64>,
    /// Generations one connection may have running at once (default 4).
    pub max_generations_per_connection: Option<f64>,
    /// Frames per second one connection may send, bursts up to twice that (default 20).
    pub frames_per_second: Option<f64>,
    /// Encrypted session inits per second across the whole host (default 20000).
    pub inits_per_second: Option<f64>,
    /// Accepted inits the replay memory holds (default 1048576).
    pub replay_capacity: Option<f64>,
    /// Signed requests the replay guard holds (default 100000).
    pub signed_request_capacity: Option<f64>,
    /// Prompts one session key may open before the client must re-key (default 4096).
    pub max_messages_per_session: Option<f64>,
    /// Consecutive authentication failures answered with error frames (default 5); the next one
    /// closes the connection (close code 1008).
    pub max_auth_failures: Option<f64>,
    /// Seconds an init's `timestamp` may differ from `now` (default 300).
    pub init_freshness_secs: Option<f64>,
}

/// Who may do what on a host (every flag defaults to `false`).
#[napi(object, object_to_js = false)]
pub struct HostPolicy {
    /// Refuse plaintext sessions (`ENCRYPTION_REQUIRED`).
    pub require_encryption: Option<bool>,
    /// Refuse prompts without a `signed_request` (`UNSIGNED_MESSAGE`).
    pub require_signed_requests: Option<bool>,
    /// Refuse inits whose session data carries no `timestamp`.
    pub require_fresh_init: Option<bool>,
}

/// Options of `new HostEndpoint(…)`.
#[napi(object, object_to_js = false)]
pub struct HostEndpointOptions {
    /// The host's secret key (64 hex digits, optionally `0x`-prefixed); the endpoint keeps a copy,
    /// zeroized when it and its connections are garbage-collected.
    pub host_private_key: String,
    /// Limits (defaults for those left out).
    pub limits: Option<HostLimits>,
    /// Policy (defaults for those left out).
    pub policy: Option<HostPolicy>,
    /// The software version announced in the `connected` greeting.
    pub version: Option<String>,
    /// Decides whether a client may open an encrypted session: called synchronously, during the
    /// `handleFrame` call that carries the init (after its signature checked out), with the
    /// client's EIP-55 address. Only `true` allows; `false`, any other value, or a throw refuses
    /// (the client gets an `UNAUTHORIZED` error frame). Without it, every client is allowed.
    #[napi(ts_type = "(clientAddress: string) => boolean")]
    pub authorize: Option<FunctionRef<String, bool>>,
}

thread_local! {
    /// The JS environment of the `handleFrame` call running on this thread, for the authorize
    /// callback (the engine calls it without one).
    static CALL_ENV: Cell<Option<Env>> = const { Cell::new(None) };
}

/// Runs `body` with `env` available to authorize callbacks on this thread (restoring the previous
/// value afterwards, so a nested call from inside a callback is fine).
pub(crate) fn with_call_env<T>(env: &Env, body: impl FnOnce() -> T) -> T {
    struct Restore(Option<Env>);
    impl Drop for Restore {
        fn drop(&mut self) {
            CALL_ENV.set(self.0);
        }
    }
    let _restore = Restore(CALL_ENV.replace(Some(*env)));
    body()
}

/// The `authorize` callback as the engine's [`Authorizer`].
struct JsAuthorizer(FunctionRef<String, bool>);

impl Authorizer for JsAuthorizer {
    fn allows(&self, client: &Address) -> bool {
        // Outside a `handleFrame` call on the JS thread there is no JS to ask: refuse.
        let Some(env) = CALL_ENV.get() else {
            return false;
        };
        self.0
            .borrow_back(&env)
            .and_then(|authorize| authorize.call(client.to_checksum()))
            .unwrap_or(false)
    }
}

/// One host: its key, the memory of accepted inits (an init replayed on any of its connections is
/// `REPLAY_DETECTED`), the signed-request replay guard, session counts and limits. Make one per
/// process and a `HostConnection` per client connection.
#[napi]
pub struct HostEndpoint {
    pub(crate) endpoint: Arc<Endpoint>,
    public_key: String,
    address: String,
}

#[napi]
impl HostEndpoint {
    /// A host with `opts.hostPrivateKey`, optional limits, policy, version and `authorize`
    /// callback; `nowMs` (Unix milliseconds) starts the init rate limit's clock.
    #[napi(constructor)]
    pub fn new(
        #[napi(ts_arg_type = "HostEndpointOptions")] opts: Unknown<'_>,
        #[napi(ts_arg_type = "number")] now_ms: Unknown<'_>,
    ) -> Result<Self> {
        let opts: HostEndpointOptions = args::convert(opts, "opts")?;
        let now_ms = millis(now_ms)?;
        let key = parse_secret_key(Zeroizing::new(opts.host_private_key))?;
        let (public_key, address) = (key.public_key().to_hex(), key.address().to_checksum());
        let config = engine::HostConfig {
            limits: limits(opts.limits)?,
            policy: policy(opts.policy),
            models: Vec::new(),
            version: opts.version.unwrap_or_default(),
        };
        let endpoint = match opts.authorize {
            None => Endpoint::new(Some(key), config, now_ms),
            Some(authorize) => {
                BoundedReplayMemory::new(config.limits.replay_capacity).and_then(|replay| {
                    let authorizer = Box::new(JsAuthorizer(authorize));
                    Endpoint::with_parts(Some(key), config, Box::new(replay), authorizer, now_ms)
                })
            }
        }
        .into_js()?;
        Ok(Self {
            endpoint: Arc::new(endpoint),
            public_key,
            address,
        })
    }

    /// The host's compressed public key (hex), as clients need it.
    #[napi(getter)]
    pub fn public_key(&self) -> String {
        self.public_key.clone()
    }

    /// The host's EIP-55 address (the signer of its receipts).
    #[napi(getter)]
    pub fn address(&self) -> String {
        self.address.clone()
    }
}

/// Unix milliseconds given as a JS number.
pub(crate) fn millis(value: Unknown<'_>) -> Result<u64> {
    args::uint(args::convert(value, "nowMs")?, "nowMs")
}

/// The engine's limits: the defaults, overridden by the caller's.
fn limits(given: Option<HostLimits>) -> Result<engine::HostLimits> {
    let d = engine::HostLimits::default();
    let Some(given) = given else {
        return Ok(d);
    };
    Ok(engine::HostLimits {
        max_sessions: limit(given.max_sessions, d.max_sessions, "maxSessions")?,
        max_sessions_per_connection: limit(
            given.max_sessions_per_connection,
            d.max_sessions_per_connection,
            "maxSessionsPerConnection",
        )?,
        session_ttl_secs: limit(given.session_ttl_secs, d.session_ttl_secs, "sessionTtlSecs")?,
        max_generations_per_connection: limit(
            given.max_generations_per_connection,
            d.max_generations_per_connection,
            "maxGenerationsPerConnection",
        )?,
        frames_per_second: limit(
            given.frames_per_second,
            d.frames_per_second,
            "framesPerSecond",
        )?,
        inits_per_second: limit(given.inits_per_second, d.inits_per_second, "initsPerSecond")?,
        replay_capacity: limit(given.replay_capacity, d.replay_capacity, "replayCapacity")?,
        signed_request_capacity: limit(
            given.signed_request_capacity,
            d.signed_request_capacity,
            "signedRequestCapacity",
        )?,
        max_messages_per_session: limit(
            given.max_messages_per_session,
            d.max_messages_per_session,
            "maxMessagesPerSession",
        )?,
        max_auth_failures: limit(
            given.max_auth_failures,
            d.max_auth_failures,
            "maxAuthFailures",
        )?,
        init_freshness_secs: limit(
            given.init_freshness_secs,
            d.init_freshness_secs,
            "initFreshnessSecs",
        )?,
    })
}

/// One limit: `default` when not given, else a non-negative integer that fits `T` (the engine
/// checks the ranges).
fn limit<T: TryFrom<u64>>(value: Option<f64>, default: T, field: &str) -> Result<T> {
    let Some(value) = value else {
        return Ok(default);
    };
    let name = format!("opts.limits.{field}");
    T::try_from(args::uint(value, &name)?).map_err(|_| invalid_argument(&name, "too large"))
}

/// The engine's policy: the caller's flags, `false` for those left out.
fn policy(given: Option<HostPolicy>) -> engine::HostPolicy {
    let Some(given) = given else {
        return engine::HostPolicy::default();
    };
    engine::HostPolicy {
        require_encryption: given.require_encryption.unwrap_or_default(),
        require_signed_requests: given.require_signed_requests.unwrap_or_default(),
        require_fresh_init: given.require_fresh_init.unwrap_or_default(),
        ..engine::HostPolicy::default()
    }
}
