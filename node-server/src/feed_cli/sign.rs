//! `confide-node feed sign` and `feed certify`: the signed or certified feed as indented JSON.

use confide_core::feed::{Canonicalization, CertifyOptions, SignOptions, certify_feed, sign_feed};

use super::input::{now, parse_feed, read_feed_bytes, secret_key, write_output};
use super::{FeedCertifyArgs, FeedSignArgs, Outcome};

/// A comma-separated list flag (`a,b,c`), empty items dropped.
fn list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Runs `feed sign`.
pub async fn sign(args: &FeedSignArgs) -> Outcome {
    let key = secret_key(&args.key)?;
    let bytes = read_feed_bytes(&args.feed).await?;
    let feed = parse_feed(&bytes)?;
    let options = SignOptions {
        blocks: args.blocks.as_deref().map(list),
        key_hint: args.key_hint.clone(),
        canonicalization: Canonicalization::from_name(&args.canonicalization)
            .map_err(|err| format!("--canonicalization: {}", err.message()))?,
        now: now(args.now.as_deref())?,
    };
    let signed = sign_feed(&feed, &key, &options).map_err(|err| err.to_string())?;
    write_output(args.output.as_deref(), &signed.to_pretty_json())?;
    Ok(0)
}

/// Runs `feed certify`.
pub async fn certify(args: &FeedCertifyArgs) -> Outcome {
    let key = secret_key(&args.key)?;
    let bytes = read_feed_bytes(&args.feed).await?;
    let feed = parse_feed(&bytes)?;
    let mut options = CertifyOptions::new(&args.certifier, now(args.now.as_deref())?);
    options.targets = list(&args.targets);
    options.days = args.days;
    options.key_hint = args.key_hint.clone();
    let certified = certify_feed(&feed, &key, &options).map_err(|err| err.to_string())?;
    write_output(args.output.as_deref(), &certified.to_pretty_json())?;
    Ok(0)
}
