//! The server's runtime limits and policy, built from `serve`'s flags (and an optional TOML file).

use std::path::Path;
use std::time::Duration;

use confide_core::crypto::Address;
use confide_core::host::{HostConfig, HostLimits, HostPolicy, ServedModel};

use crate::cli::ServeArgs;

/// Limits that protect the host and its other clients from any one client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// WebSocket connections at once; more are refused with HTTP 503.
    pub max_connections: usize,
    /// Sessions across all connections.
    pub max_sessions: usize,
    /// Sessions on one connection.
    pub max_sessions_per_connection: usize,
    /// Largest WebSocket message (close 1009 past it).
    pub max_frame_bytes: usize,
    /// Frames per second per connection (bursts up to twice that).
    pub rate_limit: u32,
    /// Generations one connection may have running at once.
    pub max_generations_per_connection: usize,
    /// Close a connection that sends no frame this long after connecting.
    pub handshake_timeout: Duration,
    /// Close a connection that sends nothing for this long.
    pub idle_timeout: Duration,
    /// Drop a session key idle this long.
    pub session_ttl: Duration,
    /// How long running generations may take to finish at shutdown.
    pub shutdown_grace: Duration,
    /// How long one socket write may wait for a client that does not read; past it the connection
    /// closes (1008) and its generations stop.
    pub write_timeout: Duration,
    /// Encrypted session inits per second across the host.
    pub inits_per_second: u32,
    /// `POST` requests per second across the host (auth challenges, one-shot inference).
    pub http_requests_per_second: u32,
    /// Threads running session-init cryptography while a generation streams.
    pub init_workers: usize,
    /// Nice value of those threads (0–19): how far new handshakes yield to streaming under load.
    pub init_nice: i32,
    /// How long the shared replay store may take to answer one command (past it: unavailable).
    pub replay_store_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_connections: 10_000,
            max_sessions: 10_000,
            max_sessions_per_connection: 16,
            max_frame_bytes: 1 << 20,
            rate_limit: 20,
            max_generations_per_connection: 4,
            handshake_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(120),
            session_ttl: Duration::from_secs(30 * 60),
            shutdown_grace: Duration::from_secs(10),
            write_timeout: Duration::from_secs(30),
            inits_per_second: HostLimits::default().inits_per_second,
            http_requests_per_second: 50,
            init_workers: default_init_workers(),
            init_nice: DEFAULT_INIT_NICE,
            replay_store_timeout: Duration::from_secs(1),
        }
    }
}

/// Who may do what.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Policy {
    /// Refuse plaintext sessions.
    pub require_encryption: bool,
    /// Client addresses allowed to open encrypted sessions; empty = anyone.
    pub allow_clients: Vec<Address>,
    /// Chain ids advertised in `/v1/info`.
    pub chain_ids: Vec<u64>,
    /// Refuse prompts without a `signed_request`.
    pub require_signed_requests: bool,
    /// Refuse inits whose session data carries no `timestamp`.
    pub require_fresh_init: bool,
}

/// Init threads' nice value by default, for the lane that runs while generations stream: under CPU
/// contention they get the leftovers (Linux's weight for nice 19 is 15 against 1024), so a flood of
/// session inits costs the streams as little as the host can make it. While nothing streams, inits
/// run at full priority regardless (server/init_pool.rs).
pub const DEFAULT_INIT_NICE: i32 = 19;

/// Init workers by default: half the cores (at least one), so a flood of session inits can never
/// take the cores that stream tokens to everyone else.
fn default_init_workers() -> usize {
    std::thread::available_parallelism().map_or(1, |cores| (usize::from(cores) / 2).max(1))
}

/// Everything the WebSocket/HTTP server needs besides the key and the engine.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServerConfig {
    /// Limits.
    pub limits: Limits,
    /// Policy.
    pub policy: Policy,
    /// The replay memory shared with other replicas (`redis://HOST:PORT`); `None`: in-process.
    pub replay_store: Option<String>,
}

impl From<&ServeArgs> for ServerConfig {
    fn from(args: &ServeArgs) -> Self {
        Self {
            limits: Limits {
                max_connections: args.max_connections,
                max_sessions: args.max_sessions,
                max_sessions_per_connection: args.max_sessions_per_connection,
                max_frame_bytes: args.max_frame_bytes,
                rate_limit: args.rate_limit,
                max_generations_per_connection: Limits::default().max_generations_per_connection,
                handshake_timeout: args.handshake_timeout,
                idle_timeout: args.idle_timeout,
                session_ttl: args.session_ttl,
                shutdown_grace: args.shutdown_grace,
                write_timeout: args.write_timeout,
                inits_per_second: args.max_inits_per_second,
                http_requests_per_second: args.http_rate_limit,
                init_workers: args
                    .init_workers
                    .map_or_else(default_init_workers, usize::from),
                init_nice: args.init_nice,
                replay_store_timeout: args.replay_store_timeout,
            },
            policy: Policy {
                require_encryption: args.require_encryption,
                allow_clients: args.allow_clients.clone(),
                chain_ids: args.chain_ids.clone(),
                require_signed_requests: args.require_signed_requests,
                require_fresh_init: args.require_fresh_init,
            },
            replay_store: args.replay_store.clone(),
        }
    }
}

impl ServerConfig {
    /// The host engine's configuration for these limits and policy, serving `models`.
    pub fn host_config(&self, models: Vec<ServedModel>) -> HostConfig {
        let limits = &self.limits;
        HostConfig {
            limits: HostLimits {
                max_sessions: limits.max_sessions,
                max_sessions_per_connection: limits.max_sessions_per_connection,
                session_ttl_secs: limits.session_ttl.as_secs().max(1),
                max_generations_per_connection: limits.max_generations_per_connection,
                frames_per_second: limits.rate_limit,
                inits_per_second: limits.inits_per_second,
                ..HostLimits::default()
            },
            policy: HostPolicy {
                require_encryption: self.policy.require_encryption,
                require_signed_requests: self.policy.require_signed_requests,
                require_fresh_init: self.policy.require_fresh_init,
                allowed_clients: self.policy.allow_clients.clone(),
            },
            models,
            version: env!("CARGO_PKG_VERSION").to_owned(),
        }
    }
}

/// Turns a TOML config file into `serve` flags: `key = value` becomes `--key value` (snake_case keys
/// are accepted too), `true` becomes `--key`, arrays repeat the flag. Flags given on the command line
/// come after these, so they win.
pub fn config_file_args(path: &Path) -> Result<Vec<String>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|err| format!("cannot read config file {}: {err}", path.display()))?;
    let table: toml::Table = text
        .parse()
        .map_err(|err| format!("config file {} is not valid TOML: {err}", path.display()))?;
    let mut args = Vec::new();
    for (key, value) in flatten_tables(table) {
        let flag = format!("--{}", key.replace('_', "-"));
        let values = match value {
            toml::Value::Array(items) => items,
            other => vec![other],
        };
        for value in values {
            match value {
                toml::Value::Boolean(true) => args.push(flag.clone()),
                toml::Value::Boolean(false) => {}
                toml::Value::String(text) => args.extend([flag.clone(), text]),
                toml::Value::Integer(n) => args.extend([flag.clone(), n.to_string()]),
                toml::Value::Float(x) => args.extend([flag.clone(), x.to_string()]),
                _ => return Err(format!("config key `{key}`: unsupported value type")),
            }
        }
    }
    Ok(args)
}

/// `[warp] network_id = 1` (or `warp.network_id = 1`) is the key `warp-network_id` → `--warp-network-id`.
fn flatten_tables(table: toml::Table) -> Vec<(String, toml::Value)> {
    let mut out = Vec::new();
    for (key, value) in table {
        match value {
            toml::Value::Table(inner) => out.extend(
                flatten_tables(inner)
                    .into_iter()
                    .map(|(inner_key, value)| (format!("{key}-{inner_key}"), value)),
            ),
            other => out.push((key, other)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_becomes_flags() {
        let dir = std::env::temp_dir().join(format!("confide-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("confide.toml");
        std::fs::write(
            &path,
            "listen = \"127.0.0.1:9\"\nrequire_encryption = true\nchain-id = [1, 2]\ndev = false\n",
        )
        .unwrap();
        let args = config_file_args(&path).unwrap();
        assert_eq!(
            args,
            [
                "--chain-id",
                "1",
                "--chain-id",
                "2",
                "--listen",
                "127.0.0.1:9",
                "--require-encryption"
            ]
        );
        std::fs::write(&path, "[warp]\nnetwork_id = 5\n").unwrap();
        assert_eq!(config_file_args(&path).unwrap(), ["--warp-network-id", "5"]);
        std::fs::write(&path, "listen = [").unwrap();
        assert!(
            config_file_args(&path)
                .unwrap_err()
                .contains("not valid TOML")
        );
    }
}
