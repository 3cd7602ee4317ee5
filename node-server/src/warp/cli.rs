//! `confide-node warp aggregate|verify` and `keygen --bls`.
//!
//! Every HEX argument also takes `@FILE` (hex in a file) or `-` (stdin): a 256 KiB message does not
//! fit on a command line. Exit codes: 0 success / valid, 1 not enough signatures / invalid, 64 usage
//! or I/O error.

use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Subcommand};
use confide_core::warp::bls::{BlsSecretKey, Ciphersuite};
use confide_core::warp::{
    AggregatorConfig, Codec, Outcome, Quorum, SignedMessage, UnsignedMessage, ValidatorSet,
    verify_signed_message,
};
use serde_json::json;

use super::args::{parse_ciphersuite, parse_codec};

/// Exit code of a usage or I/O error.
pub const EXIT_USAGE: u8 = 64;

/// `confide-node warp …`.
#[derive(Debug, Subcommand)]
pub enum WarpCommand {
    /// Collect signatures over a message from the validators until the quorum; prints the signed
    /// message as JSON (exit 1 when the quorum is not reached).
    Aggregate(AggregateArgs),
    /// Verify a signed message against a validator set; prints the result as JSON (exit 1 when
    /// invalid).
    Verify(WarpVerifyArgs),
}

/// `confide-node warp aggregate`.
#[derive(Debug, Args)]
pub struct AggregateArgs {
    /// The unsigned message: HEX, @FILE or - (stdin).
    #[arg(long, value_name = "HEX")]
    pub message: String,
    /// Validators file: [{"node_id","url","bls_public_key","weight"}].
    #[arg(long, value_name = "FILE.json")]
    pub validators: PathBuf,
    /// Quorum NUM/DEN (0 < NUM ≤ DEN).
    #[arg(long, value_name = "NUM/DEN", default_value = "67/100")]
    pub quorum: String,
    /// Justification for the validators' verifiers: HEX, @FILE or -.
    #[arg(long, value_name = "HEX")]
    pub justification: Option<String>,
    /// Time each validator has to answer (a timed-out one is asked once more).
    #[arg(long, default_value = "5s", value_parser = parse_timeout)]
    pub timeout: Duration,
    /// Validators asked at once.
    #[arg(long, default_value_t = 64)]
    pub parallel: usize,
    /// Keep only the heaviest signatures that reach the quorum.
    #[arg(long)]
    pub minimal: bool,
    /// Message codec: `avalanche` or `lux-rlp`.
    #[arg(long, default_value = "avalanche", value_parser = parse_codec)]
    pub codec: Codec,
    /// BLS ciphersuite: `pop` or `lux-basic`.
    #[arg(long, default_value = "pop", value_parser = parse_ciphersuite)]
    pub ciphersuite: Ciphersuite,
}

/// `confide-node warp verify`.
#[derive(Debug, Args)]
pub struct WarpVerifyArgs {
    /// The signed message: HEX, @FILE or - (stdin).
    #[arg(long, value_name = "HEX")]
    pub signed_message: String,
    /// Validators file: [{"node_id","url","bls_public_key","weight"}].
    #[arg(long, value_name = "FILE.json")]
    pub validators: PathBuf,
    /// Quorum NUM/DEN (0 < NUM ≤ DEN).
    #[arg(long, value_name = "NUM/DEN", default_value = "67/100")]
    pub quorum: String,
    /// The network id the message must be for.
    #[arg(long, value_name = "N")]
    pub network_id: u32,
    /// Message codec: `avalanche` or `lux-rlp`.
    #[arg(long, default_value = "avalanche", value_parser = parse_codec)]
    pub codec: Codec,
    /// BLS ciphersuite: `pop` or `lux-basic`.
    #[arg(long, default_value = "pop", value_parser = parse_ciphersuite)]
    pub ciphersuite: Ciphersuite,
}

fn parse_timeout(text: &str) -> Result<Duration, String> {
    let duration = humantime::parse_duration(text).map_err(|err| err.to_string())?;
    if duration.is_zero() || duration > Duration::from_secs(3600) {
        return Err("must be more than zero and at most one hour".to_owned());
    }
    Ok(duration)
}

/// Runs a `warp` subcommand; returns the process exit code.
pub async fn run(command: WarpCommand) -> u8 {
    let result = match command {
        WarpCommand::Aggregate(args) => aggregate(args).await,
        WarpCommand::Verify(args) => verify(&args),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            EXIT_USAGE
        }
    }
}

async fn aggregate(args: AggregateArgs) -> Result<u8, String> {
    let quorum = Quorum::parse(&args.quorum).map_err(|err| err.message().to_owned())?;
    let validators = Arc::new(load_validators(&args.validators)?);
    let bytes = read_hex("--message", &args.message)?;
    let message = UnsignedMessage::parse(args.codec, &bytes)
        .map_err(|err| format!("--message: {}", err.message()))?;
    let justification = match &args.justification {
        Some(text) => read_hex("--justification", text)?,
        None => Vec::new(),
    };
    let config = AggregatorConfig {
        quorum,
        suite: args.ciphersuite,
        max_in_flight: args.parallel.max(1),
        minimal_signers: args.minimal,
        ..AggregatorConfig::default()
    };
    let outcome = super::driver::aggregate(
        message,
        justification,
        Arc::clone(&validators),
        config,
        args.timeout,
    )
    .await?;
    let excluded_json = |excluded: &[confide_core::warp::Excluded]| -> Vec<serde_json::Value> {
        excluded
            .iter()
            .flat_map(|e| {
                e.node_ids
                    .iter()
                    .map(|id| json!({"node_id": id, "reason": e.reason}))
            })
            .collect()
    };
    match &outcome {
        Outcome::Signed(aggregate) => {
            println!(
                "{}",
                json!({
                    "signed_message": confide_core::hex::encode(&aggregate.message.to_bytes()),
                    "signed_weight": aggregate.signed_weight,
                    "total_weight": aggregate.total_weight,
                    "signers": validators.node_ids_of(&aggregate.signers),
                    "excluded": excluded_json(&aggregate.excluded),
                })
            );
            Ok(0)
        }
        Outcome::NotEnoughSignatures {
            reached,
            required,
            total,
            excluded,
        } => {
            for e in excluded_json(excluded) {
                eprintln!("excluded: {e}");
            }
            eprintln!(
                "not enough signatures: reached {reached} of the {required} required (total {total})"
            );
            Ok(1)
        }
    }
}

fn verify(args: &WarpVerifyArgs) -> Result<u8, String> {
    let quorum = Quorum::parse(&args.quorum).map_err(|err| err.message().to_owned())?;
    let validators = load_validators(&args.validators)?;
    let bytes = read_hex("--signed-message", &args.signed_message)?;
    let message = match SignedMessage::parse(args.codec, &bytes) {
        Ok(message) => message,
        Err(err) => {
            println!(
                "{}",
                json!({"valid": false, "signed_weight": 0, "total_weight": validators.total_weight(),
                       "signers": [], "reason": err.to_string()})
            );
            return Ok(1);
        }
    };
    let result = verify_signed_message(
        &message,
        args.network_id,
        &validators,
        quorum,
        args.ciphersuite,
    );
    // The weights and signers as the bitset claims them (when its bits are in range).
    let claimed = confide_core::warp::signer_indices(message.signers(), &validators).ok();
    let signers = validators.node_ids_of(claimed.as_deref().unwrap_or_default());
    let signed_weight = claimed
        .as_deref()
        .and_then(|c| confide_core::warp::signed_weight(c, &validators).ok())
        .unwrap_or(0);
    let mut out = json!({
        "valid": result.is_ok(),
        "signed_weight": signed_weight,
        "total_weight": validators.total_weight(),
        "signers": signers,
    });
    if let Err(err) = &result {
        out["reason"] = json!(err.to_string());
    }
    println!("{out}");
    Ok(u8::from(result.is_err()))
}

fn load_validators(path: &PathBuf) -> Result<ValidatorSet, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|err| format!("cannot read {}: {err}", path.display()))?;
    ValidatorSet::from_json(&text).map_err(|err| format!("{}: {}", path.display(), err.message()))
}

/// HEX, `@FILE` (hex in a file) or `-` (hex on stdin); whitespace around the hex is ignored.
pub fn read_hex(what: &str, argument: &str) -> Result<Vec<u8>, String> {
    let text = if argument == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|err| format!("{what}: cannot read stdin: {err}"))?;
        text
    } else if let Some(path) = argument.strip_prefix('@') {
        std::fs::read_to_string(path).map_err(|err| format!("{what}: cannot read {path}: {err}"))?
    } else {
        argument.to_owned()
    };
    confide_core::hex::decode(what, text.trim()).map_err(|err| err.message().to_owned())
}

/// `confide-node keygen --bls`: a new BLS key, its public key and proof of possession.
pub fn keygen_bls() -> String {
    let key = BlsSecretKey::generate(&mut rand::rng());
    format!(
        "bls_private_key={}\nbls_public_key={}\nbls_proof_of_possession={}\n",
        key.to_hex().as_str(),
        key.public_key().to_hex(),
        key.proof_of_possession().to_hex()
    )
}
