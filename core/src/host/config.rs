//! The host engine's limits and policy, validated once when the [`Endpoint`](super::Endpoint) is
//! built so no later arithmetic can overflow or panic.

use crate::crypto::Address;
use crate::error::{Error, ErrorCode, Result};

/// Limits that protect the host and its other clients from any one client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostLimits {
    /// Sessions (encrypted and plaintext) across every connection.
    pub max_sessions: usize,
    /// Sessions on one connection.
    pub max_sessions_per_connection: usize,
    /// Seconds a session key lives without activity (E2EE.md §5); also how long an accepted init
    /// is remembered after its session's last use.
    pub session_ttl_secs: u64,
    /// Generations one connection may have running at once.
    pub max_generations_per_connection: usize,
    /// Frames per second one connection may send (bursts up to twice that).
    pub frames_per_second: u32,
    /// Encrypted session inits per second across the whole host (bursts up to one second's worth):
    /// the bound on handshake cryptography a flood can cause.
    pub inits_per_second: u32,
    /// Accepted inits the in-process replay memory holds (each costs
    /// [`REPLAY_ENTRY_BYTES`](super::REPLAY_ENTRY_BYTES)); past it, new inits are refused.
    pub replay_capacity: usize,
    /// Signed requests the host-wide replay guard holds; past it, new ones are refused.
    pub signed_request_capacity: usize,
    /// Prompts one session key may open before the client must re-key (bounds the per-session nonce
    /// memory).
    pub max_messages_per_session: usize,
    /// Consecutive authentication/decryption failures answered with error frames; the next one
    /// closes the connection (1008).
    pub max_auth_failures: u32,
    /// Seconds an init's `timestamp` may differ from the host's clock (E2EE.md §1 "Freshness").
    pub init_freshness_secs: u64,
}

impl Default for HostLimits {
    fn default() -> Self {
        Self {
            max_sessions: 10_000,
            max_sessions_per_connection: 16,
            session_ttl_secs: 30 * 60,
            max_generations_per_connection: 4,
            frames_per_second: 20,
            inits_per_second: 20_000,
            replay_capacity: 1 << 20,
            signed_request_capacity: 100_000,
            max_messages_per_session: 4_096,
            max_auth_failures: 5,
            init_freshness_secs: 300,
        }
    }
}

/// Who may do what on this host.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HostPolicy {
    /// Refuse plaintext sessions (`ENCRYPTION_REQUIRED`).
    pub require_encryption: bool,
    /// Refuse prompts without a `signed_request` (`UNSIGNED_MESSAGE`).
    pub require_signed_requests: bool,
    /// Refuse inits whose session data carries no `timestamp`.
    pub require_fresh_init: bool,
    /// Client addresses allowed to open encrypted sessions; empty means anyone (an
    /// [`Authorizer`](super::Authorizer) can decide instead).
    pub allowed_clients: Vec<Address>,
}

/// A model the host serves: what a prompt's `model` may name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServedModel {
    /// The model id reported in `/v1/info` and receipts.
    pub id: String,
    /// Other names a client may use for it (e.g. its on-chain name).
    pub aliases: Vec<String>,
    /// Its context window in tokens, reported in `stream_end.usage.context_window_size`.
    pub context_window: Option<u64>,
    /// The most tokens one request may generate; a larger `max_tokens` is lowered to it and the
    /// `stream_end` says `max_tokens_capped`.
    pub max_tokens: Option<u32>,
}

impl ServedModel {
    /// A model known only by `id`: no aliases, no context window or token cap to report.
    pub fn named(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            aliases: Vec::new(),
            context_window: None,
            max_tokens: None,
        }
    }

    /// Whether a prompt's `model` field names this model (its id or an alias).
    pub fn is_named(&self, name: &str) -> bool {
        self.id == name || self.aliases.iter().any(|alias| alias == name)
    }
}

/// Everything the engine needs to know about the host besides its key.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HostConfig {
    /// Limits.
    pub limits: HostLimits,
    /// Policy.
    pub policy: HostPolicy,
    /// Served models, the default first. Empty: the engine does not check model names and passes
    /// the requested one (or the session's) through.
    pub models: Vec<ServedModel>,
    /// Software version announced in the `connected` greeting.
    pub version: String,
}

/// Longest session TTL accepted (one week): longer windows only grow the replay memory.
const MAX_TTL_SECS: u64 = 7 * 24 * 3600;

impl HostConfig {
    /// `INVALID_ARGUMENT` naming the first limit that is zero or out of range.
    pub fn validate(&self) -> Result<()> {
        let limits = &self.limits;
        let positive = [
            ("max_sessions", limits.max_sessions),
            (
                "max_sessions_per_connection",
                limits.max_sessions_per_connection,
            ),
            (
                "max_generations_per_connection",
                limits.max_generations_per_connection,
            ),
            ("replay_capacity", limits.replay_capacity),
            ("signed_request_capacity", limits.signed_request_capacity),
            ("max_messages_per_session", limits.max_messages_per_session),
        ];
        for (name, value) in positive {
            if value == 0 {
                return Err(invalid(name, "must be at least 1"));
            }
        }
        if limits.frames_per_second == 0 {
            return Err(invalid("frames_per_second", "must be at least 1"));
        }
        if limits.inits_per_second == 0 {
            return Err(invalid("inits_per_second", "must be at least 1"));
        }
        if !(1..=MAX_TTL_SECS).contains(&limits.session_ttl_secs) {
            return Err(invalid(
                "session_ttl_secs",
                "must be between 1 second and 7 days",
            ));
        }
        if !(1..=MAX_TTL_SECS).contains(&limits.init_freshness_secs) {
            return Err(invalid(
                "init_freshness_secs",
                "must be between 1 second and 7 days",
            ));
        }
        self.validate_model_names()
    }

    /// Every model id and alias names exactly one model, and no cap is zero.
    fn validate_model_names(&self) -> Result<()> {
        let mut names = std::collections::HashSet::new();
        for model in &self.models {
            if model.max_tokens == Some(0) {
                return Err(Error::new(
                    ErrorCode::InvalidArgument,
                    format!("models: {} has max_tokens 0", model.id),
                ));
            }
            for name in std::iter::once(&model.id).chain(&model.aliases) {
                if name.is_empty() || !names.insert(name.as_str()) {
                    return Err(Error::new(
                        ErrorCode::InvalidArgument,
                        format!("models: the name \"{name}\" is empty or names two models"),
                    ));
                }
            }
        }
        Ok(())
    }
}

fn invalid(field: &str, rule: &str) -> Error {
    Error::new(ErrorCode::InvalidArgument, format!("limits.{field} {rule}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A limit's name and a change that makes it invalid.
    type BrokenLimit = (&'static str, fn(&mut HostLimits));

    #[test]
    fn defaults_are_valid_and_each_bad_limit_is_named() {
        HostConfig::default().validate().unwrap();
        let cases: [BrokenLimit; 5] = [
            ("max_sessions", |l| l.max_sessions = 0),
            ("replay_capacity", |l| l.replay_capacity = 0),
            ("frames_per_second", |l| l.frames_per_second = 0),
            ("session_ttl_secs", |l| l.session_ttl_secs = u64::MAX),
            ("init_freshness_secs", |l| l.init_freshness_secs = 0),
        ];
        for (field, break_it) in cases {
            let mut config = HostConfig::default();
            break_it(&mut config.limits);
            let error = config.validate().unwrap_err();
            assert_eq!(error.code(), ErrorCode::InvalidArgument);
            assert!(error.message().contains(field), "{error}");
        }
    }

    #[test]
    fn a_model_name_may_name_one_model_only() {
        let mut model = ServedModel::named("tiny");
        model.aliases.push("org/tiny:q4.gguf".to_owned());
        let mut config = HostConfig {
            models: vec![model, ServedModel::named("other")],
            ..HostConfig::default()
        };
        config.validate().unwrap();
        config.models[1].aliases.push("tiny".to_owned());
        let error = config.validate().unwrap_err();
        assert_eq!(error.code(), ErrorCode::InvalidArgument);
        assert!(error.message().contains("\"tiny\""), "{error}");
        config.models[1].aliases.clear();
        config.models[1].max_tokens = Some(0);
        assert!(
            config
                .validate()
                .unwrap_err()
                .message()
                .contains("max_tokens 0")
        );
    }
}
