//! The command line of `confide-node` (clap). Every subcommand has `--help`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use confide_core::crypto::Address;

/// Confide host: end-to-end encrypted LLM inference over WebSocket.
#[derive(Debug, Parser)]
#[command(name = "confide-node", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the host: WebSocket protocol, inference, /v1/info, /health, /metrics on one port.
    Serve(Box<ServeArgs>),
    /// Print a new host key: private key, public key and address (`--ed25519`: a feed signing
    /// key; `--bls`: a Warp BLS key).
    Keygen(KeygenArgs),
    /// Talk to a host from the terminal through an encrypted session.
    Chat(ChatArgs),
    /// Sign a JSON payload from stdin as a SignedMessage envelope (printed to stdout).
    Sign(SignArgs),
    /// Verify a SignedMessage envelope from stdin; prints the result as JSON; exit 1 when invalid.
    Verify(VerifyArgs),
    /// LLMFeed: verify, sign or certify `.llmfeed.json` files.
    Feed(crate::feed_cli::FeedArgs),
    /// Warp signature aggregation (LP-118): aggregate or verify signed messages.
    #[command(subcommand)]
    Warp(crate::warp::cli::WarpCommand),
}

/// `confide-node keygen`.
#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// An Ed25519 key pair for signing LLMFeeds instead: PKCS#8 PEM private key on stdout, SPKI PEM
    /// public key on stderr.
    #[arg(long, conflicts_with = "bls")]
    pub ed25519: bool,
    /// With --ed25519: write ed25519-private.pem (mode 600) and public.pem into this directory.
    #[arg(long, requires = "ed25519", value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// Print a BLS key (for Warp) with its public key and proof of possession instead.
    #[arg(long)]
    pub bls: bool,
}

/// Log output format.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// What generates the text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum BackendKind {
    /// llama.cpp in this process, with the `--model` files (or the demo model).
    #[default]
    Llama,
    /// An OpenAI-compatible server at `--upstream` (vLLM, llama-server, TGI, Ollama).
    #[value(name = "openai")]
    OpenAi,
}

/// `confide-node serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "CONFIDE_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// GGUF model file(s), each optionally with the id clients use for it (split at the first
    /// `=`; default: the file name without `.gguf`); without one the built-in demo model (random
    /// weights) is served.
    #[arg(long = "model", value_name = "PATH.gguf[=ID]", value_parser = parse_model)]
    pub models: Vec<ModelArg>,
    /// Another name clients may use for a served model, e.g. its on-chain name (repeatable; split
    /// at the last `=`).
    #[arg(long = "model-alias", value_name = "ALIAS=ID", value_parser = parse_alias)]
    pub model_aliases: Vec<ModelAlias>,
    /// What generates the text: `llama` (embedded llama.cpp) or `openai` (the `--upstream` server).
    #[arg(long, value_enum, default_value_t)]
    pub backend: BackendKind,
    /// Base URL of the OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1 (plain http:// only;
    /// required with `--backend openai`).
    #[arg(
        long,
        value_name = "URL",
        required_if_eq("backend", "openai"),
        conflicts_with = "models"
    )]
    pub upstream: Option<String>,
    /// Model name sent to the upstream and listed in /v1/info (with `--backend openai`).
    #[arg(long, value_name = "NAME", default_value = "default")]
    pub upstream_model: String,
    /// How long the upstream may take to answer a request (status line) before the request fails.
    #[arg(long, default_value = "60s", value_parser = parse_duration)]
    pub upstream_timeout: Duration,
    /// How long one upstream stream may take in all; past it the generation fails.
    #[arg(long, default_value = "10m", value_parser = parse_duration)]
    pub upstream_stream_timeout: Duration,
    /// Longest silence between two pieces of an upstream stream; past it the generation fails.
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    pub upstream_idle_timeout: Duration,
    /// Most bytes one upstream stream may carry; past it the generation fails.
    #[arg(long, default_value_t = 16 << 20)]
    pub upstream_max_stream_bytes: usize,
    /// Keep the replay memory (accepted session inits and signed requests) in a Redis-protocol
    /// server shared by every replica behind a load balancer, e.g. redis://127.0.0.1:6379. While it
    /// is unreachable new sessions are refused (REPLAY_STORE_UNAVAILABLE). Default: in-process.
    #[arg(long, value_name = "redis://HOST:PORT", env = "CONFIDE_REPLAY_STORE")]
    pub replay_store: Option<String>,
    /// How long the replay store may take to answer one command.
    #[arg(long, default_value = "1s", value_parser = parse_duration)]
    pub replay_store_timeout: Duration,
    /// Generations that run at the same time (llama.cpp contexts).
    #[arg(long, default_value_t = 2)]
    pub parallel: usize,
    /// Context size in tokens of each slot (with `--backend openai`: the context length listed in
    /// /v1/info).
    #[arg(long, default_value_t = 2048)]
    pub ctx_size: u32,
    /// Upper bound on generated tokens per request.
    #[arg(long, default_value_t = 512)]
    pub max_tokens: u32,
    /// Refuse plaintext sessions.
    #[arg(long)]
    pub require_encryption: bool,
    /// Refuse prompts that do not carry a `signed_request` (SignedMessage<LlmRequest>).
    #[arg(long)]
    pub require_signed_requests: bool,
    /// Refuse session inits whose encrypted data carries no `timestamp` (the deployed SDK sends
    /// none; Confide's clients always do).
    #[arg(long)]
    pub require_fresh_init: bool,
    /// Encrypted session inits per second across the host (bursts up to one second's worth).
    #[arg(long, default_value_t = 20_000)]
    pub max_inits_per_second: u32,
    /// `POST` requests per second across the host: `/v1/auth/challenge` and `/v1/inference`
    /// (bursts up to two seconds' worth; more get HTTP 429).
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..))]
    pub http_rate_limit: u32,
    /// Threads running session-init cryptography while a generation streams (default: half the
    /// cores, at least one; while nothing streams, inits use every core at full priority).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub init_workers: Option<u16>,
    /// Nice value of those threads, 0–19: under CPU contention, streaming to open sessions comes
    /// before new handshakes (0 = same priority; Linux only).
    #[arg(long, default_value_t = crate::config::DEFAULT_INIT_NICE, value_parser = clap::value_parser!(i32).range(0..=19))]
    pub init_nice: i32,
    /// How long a socket write may wait for a client that does not read; past it the connection
    /// is closed (1008) and its generations stop.
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    pub write_timeout: Duration,
    /// Only these client addresses may open encrypted sessions (repeatable; default: anyone).
    #[arg(long = "allow-client", value_name = "0xADDR", value_parser = parse_address)]
    pub allow_clients: Vec<Address>,
    /// Idle time after which a session key is dropped.
    #[arg(long, default_value = "30m", value_parser = parse_duration)]
    pub session_ttl: Duration,
    /// WebSocket connections at once; further upgrades get HTTP 503.
    #[arg(long, default_value_t = 10_000)]
    pub max_connections: usize,
    /// Sessions across all connections.
    #[arg(long, default_value_t = 10_000)]
    pub max_sessions: usize,
    /// Sessions on one connection.
    #[arg(long, default_value_t = 16)]
    pub max_sessions_per_connection: usize,
    /// Largest WebSocket frame/message accepted; larger ones close the connection with 1009.
    #[arg(long, default_value_t = 1 << 20)]
    pub max_frame_bytes: usize,
    /// Frames per second a connection may send (bursts up to twice that).
    #[arg(long, default_value_t = 20)]
    pub rate_limit: u32,
    /// A connection that sends no frame for this long after connecting is closed.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub handshake_timeout: Duration,
    /// A connection that sends nothing for this long is closed (clients ping every 30 s).
    #[arg(long, default_value = "2m", value_parser = parse_duration)]
    pub idle_timeout: Duration,
    /// On SIGINT/SIGTERM, how long running generations may take to finish.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub shutdown_grace: Duration,
    /// Generate an ephemeral host key when HOST_PRIVATE_KEY is not set (development only).
    #[arg(long)]
    pub dev: bool,
    /// Chain ids advertised in /v1/info (repeatable).
    #[arg(long = "chain-id")]
    pub chain_ids: Vec<u64>,
    /// Directory for the generated demo model (default: $XDG_CACHE_HOME/confide or ~/.cache/confide).
    #[arg(long)]
    pub cache_dir: Option<PathBuf>,
    /// Log format.
    #[arg(long, value_enum, default_value_t)]
    pub log_format: LogFormat,
    /// TOML file with any of these options (flags given on the command line win).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Warp signing (with BLS_PRIVATE_KEY or --dev).
    #[command(flatten)]
    pub warp: crate::warp::args::WarpServeArgs,
}

/// `confide-node chat`.
#[derive(Debug, Args)]
pub struct ChatArgs {
    /// The host, e.g. ws://127.0.0.1:8080, or wss://HOST behind a TLS-terminating proxy (certificates
    /// checked against the compiled-in roots and SSL_CERT_FILE). The session runs at /v1/ws.
    pub url: String,
    /// Send this prompt and exit after the answer (otherwise a conversation: one turn per line of
    /// stdin, each answered before the next line is read).
    #[arg(long)]
    pub prompt: Option<String>,
    /// Send plain completion prompts instead of chat `messages` with the conversation so far.
    #[arg(long)]
    pub raw: bool,
    /// Use the deprecated plaintext protocol.
    #[arg(long)]
    pub plaintext: bool,
    /// Client signature scheme.
    #[arg(long, default_value = "eip191")]
    pub scheme: String,
    /// Maximum tokens to generate.
    #[arg(long, default_value_t = 64)]
    pub max_tokens: u32,
    /// Sampling temperature (0 = greedy).
    #[arg(long, default_value_t = 0.0)]
    pub temperature: f32,
}

/// `confide-node sign`.
#[derive(Debug, Args)]
pub struct SignArgs {
    /// Signing key (`0x` + 64 hex); defaults to HOST_PRIVATE_KEY.
    #[arg(long, env = "HOST_PRIVATE_KEY", hide_env_values = true)]
    pub key: String,
    /// Unix seconds (default: now).
    #[arg(long)]
    pub timestamp: Option<u64>,
    /// Replay nonce.
    #[arg(long)]
    pub nonce: Option<u64>,
    /// `confide-v1` or `lloom-v1`.
    #[arg(long, default_value = "confide-v1")]
    pub scheme: String,
}

/// `confide-node verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Maximum age in seconds.
    #[arg(long, default_value_t = 300)]
    pub max_age: u64,
    /// Allowed clock skew into the future, in seconds.
    #[arg(long, default_value_t = 300)]
    pub max_future_skew: u64,
    /// Accept unsigned envelopes (with a warning).
    #[arg(long)]
    pub allow_unsigned: bool,
    /// Reject schemes that do not bind timestamp and nonce (lloom-v1).
    #[arg(long)]
    pub require_bound_scheme: bool,
    /// The expected signer; verification fails for anyone else.
    #[arg(long, value_parser = parse_address)]
    pub signer: Option<Address>,
    /// Unix seconds to verify at (default: now).
    #[arg(long)]
    pub now: Option<u64>,
}

/// Longest duration a flag accepts: longer ones overflow clocks and help nobody.
const MAX_DURATION: Duration = Duration::from_secs(365 * 24 * 3600);

/// A humantime duration (`30s`, `2m`, `1h`) between 1 ms and one year.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let duration = humantime::parse_duration(text).map_err(|err| err.to_string())?;
    if duration.is_zero() || duration > MAX_DURATION {
        return Err("must be more than zero and at most 365 days".to_owned());
    }
    Ok(duration)
}

/// A `--model` value: a GGUF file and the id to serve it under.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelArg {
    /// The GGUF file.
    pub path: PathBuf,
    /// The id clients name it by (`None`: the file name without its extension).
    pub id: Option<String>,
}

/// A `--model-alias` value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelAlias {
    /// The other name.
    pub alias: String,
    /// The served model's id.
    pub id: String,
}

fn parse_model(text: &str) -> Result<ModelArg, String> {
    let (path, id) = match text.split_once('=') {
        Some((path, id)) => (path, Some(id)),
        None => (text, None),
    };
    if path.is_empty() || id.is_some_and(str::is_empty) {
        return Err("expected PATH.gguf or PATH.gguf=ID with neither part empty".to_owned());
    }
    Ok(ModelArg {
        path: PathBuf::from(path),
        id: id.map(str::to_owned),
    })
}

fn parse_alias(text: &str) -> Result<ModelAlias, String> {
    match text.rsplit_once('=') {
        Some((alias, id)) if !alias.is_empty() && !id.is_empty() => Ok(ModelAlias {
            alias: alias.to_owned(),
            id: id.to_owned(),
        }),
        _ => Err("expected ALIAS=ID with neither part empty".to_owned()),
    }
}

fn parse_address(text: &str) -> Result<Address, String> {
    Address::parse(text).map_err(|err| err.message().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_flags_split_path_id_and_alias() {
        assert_eq!(
            parse_model("/m/tiny.gguf=org/tiny:q4").unwrap(),
            ModelArg {
                path: PathBuf::from("/m/tiny.gguf"),
                id: Some("org/tiny:q4".into())
            }
        );
        assert_eq!(parse_model("/m/tiny.gguf").unwrap().id, None);
        assert!(parse_model("=id").is_err() && parse_model("/m/x.gguf=").is_err());
        let alias = parse_alias("CohereForAI/TinyVicuna-1B-32k-GGUF:tiny.gguf=tiny").unwrap();
        assert_eq!(
            (alias.alias.as_str(), alias.id.as_str()),
            ("CohereForAI/TinyVicuna-1B-32k-GGUF:tiny.gguf", "tiny")
        );
        assert!(parse_alias("no-equals").is_err() && parse_alias("a=").is_err());
    }
}
