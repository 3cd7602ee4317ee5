//! `confide-node feed verify|sign|certify` (LLMFEED.md): LLMFeed signatures, certifications and the
//! trust report, on the core's `feed` module. JSON on stdout; exit 0 = signed or certified,
//! 1 = invalid, 2 = unsigned, 64 = usage or input error with a one-line message on stderr.

mod fetch;
mod input;
pub mod keygen;
mod sign;
mod verify;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};

pub use fetch::{FETCH_TIMEOUT, KEY_SIZE_CAP};

/// The exit code for usage and input errors (BSD `EX_USAGE`).
pub const EXIT_USAGE: u8 = 64;

/// A command's exit code, or the message of a usage/input error.
type Outcome = Result<u8, String>;

/// `confide-node feed`.
#[derive(Debug, Args)]
pub struct FeedArgs {
    /// What to do with the feed.
    #[command(subcommand)]
    pub command: FeedCommand,
}

/// The `feed` subcommands.
#[derive(Debug, Subcommand)]
pub enum FeedCommand {
    /// Verify a feed; print the trust report as JSON. Exit 0 signed/certified, 1 invalid,
    /// 2 unsigned, 64 usage or input error.
    Verify(FeedVerifyArgs),
    /// Sign a feed as its author; print the signed feed.
    Sign(FeedSignArgs),
    /// Certify a signed feed as a third party; print the certified feed.
    Certify(FeedCertifyArgs),
}

/// `confide-node feed verify`.
#[derive(Debug, Args)]
pub struct FeedVerifyArgs {
    /// The feed: a file, `-` for stdin, or an http(s):// URL.
    pub feed: String,
    /// The author's public key (file or text: PEM, 64 hex digits, base64).
    #[arg(long)]
    pub key: Option<String>,
    /// The certifier's public key (file or text).
    #[arg(long)]
    pub certifier_key: Option<String>,
    /// A key for a hint URL: `URL=FILE` (repeatable).
    #[arg(long, value_name = "URL=FILE")]
    pub key_map: Vec<String>,
    /// A certifier whose certifications count (repeatable); no other certifier is trusted.
    #[arg(long, value_name = "URL")]
    pub trusted_certifier: Vec<String>,
    /// A certifier policy feed to apply (file, `-` or http(s):// URL).
    #[arg(long)]
    pub policy: Option<String>,
    /// Verify as of this RFC 3339 time (default: now).
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    /// Fetch http(s):// key hints no flag supplied (5 s timeout, 64 KiB cap each).
    #[arg(long)]
    pub fetch_keys: bool,
}

/// `confide-node feed sign`.
#[derive(Debug, Args)]
pub struct FeedSignArgs {
    /// The feed: a file, `-` for stdin, or an http(s):// URL.
    pub feed: String,
    /// The author's secret key (file or text: PKCS#8 PEM or 64 hex digits of seed).
    #[arg(long)]
    pub key: String,
    /// Blocks to sign, comma-separated, in order (default: every block but signature and
    /// certification, in document order; `trust` is always added).
    #[arg(long, value_name = "a,b,…")]
    pub blocks: Option<String>,
    /// Where verifiers find the public key (written as trust.public_key_hint).
    #[arg(long, value_name = "URL")]
    pub key_hint: Option<String>,
    /// `https://llmca.org/mcp-canonical-json/v1` or `llmfeed-v1`.
    #[arg(long, default_value = "https://llmca.org/mcp-canonical-json/v1")]
    pub canonicalization: String,
    /// Sign as of this RFC 3339 time (default: now).
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    /// Write the signed feed here instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "OUT")]
    pub output: Option<PathBuf>,
}

/// `confide-node feed certify`.
#[derive(Debug, Args)]
pub struct FeedCertifyArgs {
    /// The signed feed: a file, `-` for stdin, or an http(s):// URL.
    pub feed: String,
    /// The certifier's secret key (file or text: PKCS#8 PEM or 64 hex digits of seed).
    #[arg(long)]
    pub key: String,
    /// The certifier's identity (a URL), written as certification.certifier.
    #[arg(long, value_name = "URL")]
    pub certifier: String,
    /// Blocks vouched for, comma-separated.
    #[arg(long, default_value = "trust,signature", value_name = "a,b,…")]
    pub targets: String,
    /// Days until the certification expires.
    #[arg(long, default_value_t = 365)]
    pub days: u32,
    /// Where verifiers find the certifier's key.
    #[arg(long, value_name = "URL")]
    pub key_hint: Option<String>,
    /// Certify as of this RFC 3339 time (default: now).
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    /// Write the certified feed here instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "OUT")]
    pub output: Option<PathBuf>,
}

/// Runs a `feed` subcommand on `runtime` and returns its exit code.
pub fn run(args: &FeedArgs, runtime: &tokio::runtime::Runtime) -> ExitCode {
    let outcome = runtime.block_on(async {
        match &args.command {
            FeedCommand::Verify(args) => verify::run(args).await,
            FeedCommand::Sign(args) => sign::sign(args).await,
            FeedCommand::Certify(args) => sign::certify(args).await,
        }
    });
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(message) => {
            eprintln!("error: {}", message.replace('\n', " "));
            ExitCode::from(EXIT_USAGE)
        }
    }
}

/// Exits for a command line clap refused: with [`EXIT_USAGE`] for `feed …` (whose exit 2 means
/// "unsigned"), as clap decides otherwise (help and version print and exit 0).
pub fn exit_on_parse_error(error: clap::Error) -> ! {
    let feed = std::env::args().nth(1).as_deref() == Some("feed");
    if feed && error.use_stderr() {
        // clap's message up to its usage section, on one line.
        let rendered = error.render().to_string();
        let message: Vec<&str> = rendered
            .lines()
            .map(str::trim)
            .take_while(|line| !line.is_empty())
            .collect();
        eprintln!("{} (see confide-node feed --help)", message.join(" "));
        std::process::exit(i32::from(EXIT_USAGE));
    }
    error.exit()
}
