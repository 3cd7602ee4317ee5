//! The process-wide part of a host (`ConfideHostEndpoint`, wrapping the core's host engine
//! `Endpoint`): the host key, init replay memory, signed-request guard, session accounting, the
//! init rate limit and the authorize callback. Connections (`host_connection`) are made from it.

use std::ffi::{c_char, c_void};
use std::sync::Arc;

use confide_core::crypto::Address;
use confide_core::host::{
    Authorizer, BoundedReplayMemory, Endpoint, HostConfig, HostLimits, HostPolicy,
};

use crate::args::{self, OutValue};
use crate::boundary;
use crate::error::ConfideError;
use crate::keys::ConfideSecretKey;
use crate::signer::{self, ConfideAuthorizeCallback};

/// One host: its key, the memory of accepted inits (so an init replayed on any connection is
/// `REPLAY_DETECTED`), the signed-request replay guard, session counts and limits. Connections
/// are made from it with `confide_host_connection_new`.
///
/// Thread-safe: one endpoint may be used by connections on several threads at once. Each
/// connection holds a reference to it, so `confide_host_endpoint_free` may come before the
/// connections are freed; the endpoint (and its authorize callback context) lives until the last
/// of them is freed.
pub struct ConfideHostEndpoint {
    pub(crate) endpoint: Arc<Endpoint>,
}

/// Limits and policy of a `ConfideHostEndpoint` (the core's `HostLimits` and `HostPolicy`).
/// `confide_host_config_default` fills in the defaults; change fields from there. Every count,
/// rate and duration must be at least 1 (`INVALID_ARGUMENT` naming the field otherwise); the two
/// durations at most 7 days.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConfideHostConfig {
    /// Sessions (encrypted and plaintext) across every connection (default 10000).
    pub max_sessions: usize,
    /// Sessions on one connection (default 16).
    pub max_sessions_per_connection: usize,
    /// Seconds a session key lives without activity (default 1800); also how long an accepted
    /// init is remembered after its session's last use.
    pub session_ttl_secs: u64,
    /// Generations one connection may have running at once (default 4).
    pub max_generations_per_connection: usize,
    /// Frames per second one connection may send, bursts up to twice that (default 20).
    pub frames_per_second: u32,
    /// Encrypted session inits per second across the whole host (default 20000).
    pub inits_per_second: u32,
    /// Accepted inits the replay memory holds (default 1048576); past it, new inits are refused.
    pub replay_capacity: usize,
    /// Signed requests the replay guard holds (default 100000); past it, new ones are refused.
    pub signed_request_capacity: usize,
    /// Prompts one session key may open before the client must re-key (default 4096).
    pub max_messages_per_session: usize,
    /// Consecutive authentication failures answered with error frames (default 5); the next one
    /// closes the connection (close code 1008).
    pub max_auth_failures: u32,
    /// Seconds an init's `timestamp` may differ from `now` (default 300).
    pub init_freshness_secs: u64,
    /// Refuse plaintext sessions (`ENCRYPTION_REQUIRED`).
    pub require_encryption: bool,
    /// Refuse prompts without a `signed_request` (`UNSIGNED_MESSAGE`).
    pub require_signed_requests: bool,
    /// Refuse inits whose session data carries no `timestamp`.
    pub require_fresh_init: bool,
    /// The software version announced in the `connected` greeting (UTF-8), or NULL for none.
    /// Borrowed during `confide_host_endpoint_new` only (the endpoint keeps a copy).
    pub version: *const c_char,
}

impl OutValue for ConfideHostConfig {
    const EMPTY: Self = Self {
        max_sessions: 0,
        max_sessions_per_connection: 0,
        session_ttl_secs: 0,
        max_generations_per_connection: 0,
        frames_per_second: 0,
        inits_per_second: 0,
        replay_capacity: 0,
        signed_request_capacity: 0,
        max_messages_per_session: 0,
        max_auth_failures: 0,
        init_freshness_secs: 0,
        require_encryption: false,
        require_signed_requests: false,
        require_fresh_init: false,
        version: std::ptr::null(),
    };
}

impl ConfideHostConfig {
    /// The C form of the core's limits and policy (no version).
    fn from_core(limits: &HostLimits, policy: &HostPolicy) -> Self {
        Self {
            max_sessions: limits.max_sessions,
            max_sessions_per_connection: limits.max_sessions_per_connection,
            session_ttl_secs: limits.session_ttl_secs,
            max_generations_per_connection: limits.max_generations_per_connection,
            frames_per_second: limits.frames_per_second,
            inits_per_second: limits.inits_per_second,
            replay_capacity: limits.replay_capacity,
            signed_request_capacity: limits.signed_request_capacity,
            max_messages_per_session: limits.max_messages_per_session,
            max_auth_failures: limits.max_auth_failures,
            init_freshness_secs: limits.init_freshness_secs,
            require_encryption: policy.require_encryption,
            require_signed_requests: policy.require_signed_requests,
            require_fresh_init: policy.require_fresh_init,
            version: std::ptr::null(),
        }
    }

    /// The core configuration (validated later by the endpoint).
    ///
    /// # Safety
    /// `version` is NULL or a NUL-terminated string valid during the call.
    unsafe fn to_core(self) -> Result<HostConfig, confide_core::Error> {
        // SAFETY: forwarded to this function's contract.
        let version = unsafe { args::opt_str(self.version, "config.version")? };
        Ok(HostConfig {
            limits: HostLimits {
                max_sessions: self.max_sessions,
                max_sessions_per_connection: self.max_sessions_per_connection,
                session_ttl_secs: self.session_ttl_secs,
                max_generations_per_connection: self.max_generations_per_connection,
                frames_per_second: self.frames_per_second,
                inits_per_second: self.inits_per_second,
                replay_capacity: self.replay_capacity,
                signed_request_capacity: self.signed_request_capacity,
                max_messages_per_session: self.max_messages_per_session,
                max_auth_failures: self.max_auth_failures,
                init_freshness_secs: self.init_freshness_secs,
            },
            policy: HostPolicy {
                require_encryption: self.require_encryption,
                require_signed_requests: self.require_signed_requests,
                require_fresh_init: self.require_fresh_init,
                allowed_clients: Vec::new(),
            },
            models: Vec::new(),
            version: version.unwrap_or_default().to_owned(),
        })
    }
}

/// The authorize callback as the engine's [`Authorizer`].
struct CallbackAuthorizer {
    callback: ConfideAuthorizeCallback,
    ctx: *mut c_void,
}

// SAFETY: the engine calls the authorizer on whichever thread drives a connection, possibly on
// several threads at once. `confide_host_endpoint_new` states that contract for the callback and
// its context; the pointer itself is never dereferenced here, only passed back to the callback.
unsafe impl Send for CallbackAuthorizer {}
// SAFETY: as above: `allows` takes `&self` and only hands `ctx` to the thread-safe callback.
unsafe impl Sync for CallbackAuthorizer {}

impl Authorizer for CallbackAuthorizer {
    fn allows(&self, client: &Address) -> bool {
        signer::authorize(self.callback, self.ctx, client)
    }
}

/// The default limits and policy (see `ConfideHostConfig`), with `version` NULL.
///
/// # Safety
/// `out_config` is valid for writing a `ConfideHostConfig`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_host_config_default(
    out_config: *mut ConfideHostConfig,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: the caller upholds the documented pointer contract.
        let out_config = unsafe { args::out(out_config, "out_config")? };
        let defaults = HostConfig::default();
        *out_config = ConfideHostConfig::from_core(&defaults.limits, &defaults.policy);
        Ok(())
    })
}

/// A host with the key `host_key` (copied: it may be freed afterwards), the limits and policy
/// `config` (NULL for the defaults), and an optional `authorize` callback (NULL allows every
/// client). `now_ms` (Unix milliseconds) starts the init rate limit's clock. Free
/// `*out_endpoint` with `confide_host_endpoint_free`.
///
/// `authorize` is asked once per encrypted session init whose signature checked out, with the
/// client's EIP-55 address; returning 0 refuses it (the client gets an `UNAUTHORIZED` error
/// frame). It is called synchronously from the thread that called
/// `confide_host_connection_handle_frame`, during that call; when connections of this endpoint
/// are driven on several threads it may run on several of them at once, so it and `authorize_ctx`
/// must then be thread-safe. It must not call into the connection being driven. `authorize_ctx`
/// must stay valid until the endpoint and all its connections are freed.
///
/// Errors: `INVALID_ARGUMENT` naming a NULL argument or the first limit out of range (e.g.
/// `limits.max_sessions must be at least 1`).
///
/// # Safety
/// `host_key` is a live key; `config` is NULL or points to a `ConfideHostConfig` whose `version`
/// is NULL or NUL-terminated; `authorize_ctx` is whatever `authorize` expects; `out_endpoint` is
/// valid for writing a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_host_endpoint_new(
    host_key: *const ConfideSecretKey,
    config: *const ConfideHostConfig,
    authorize: ConfideAuthorizeCallback,
    authorize_ctx: *mut c_void,
    now_ms: u64,
    out_endpoint: *mut *mut ConfideHostEndpoint,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: the caller upholds the documented pointer contracts.
        let (out_endpoint, host_key, config) = unsafe {
            (
                args::out(out_endpoint, "out_endpoint")?,
                args::handle(host_key, "host_key")?,
                args::opt_ref(config),
            )
        };
        let config = match config {
            // SAFETY: `version` is NULL or NUL-terminated by the caller's contract.
            Some(config) => unsafe { config.to_core()? },
            None => HostConfig::default(),
        };
        let host_key = Some(host_key.0.clone());
        let endpoint = match authorize {
            None => Endpoint::new(host_key, config, now_ms)?,
            Some(_) => {
                let replay = Box::new(BoundedReplayMemory::new(config.limits.replay_capacity)?);
                let authorizer = Box::new(CallbackAuthorizer {
                    callback: authorize,
                    ctx: authorize_ctx,
                });
                Endpoint::with_parts(host_key, config, replay, authorizer, now_ms)?
            }
        };
        *out_endpoint = args::into_handle(ConfideHostEndpoint {
            endpoint: Arc::new(endpoint),
        });
        Ok(())
    })
}

/// Releases the caller's reference to an endpoint; its key is zeroized once the last connection
/// made from it is freed too. NULL is ignored.
///
/// # Safety
/// `endpoint` is NULL or an endpoint from this library that was not freed and that no call is
/// using.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_host_endpoint_free(endpoint: *mut ConfideHostEndpoint) {
    boundary::call_infallible((), || {
        // SAFETY: forwarded to the caller's contract.
        unsafe { args::free_handle(endpoint) }
    });
}
