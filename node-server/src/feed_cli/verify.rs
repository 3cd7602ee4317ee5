//! `confide-node feed verify`: the trust report of a feed as JSON; the exit code says the verdict.

use confide_core::feed::{
    CertifierPolicy, Feed, KeyRequest, StaticKeys, TrustLevel, TrustReport, VerifyOptions,
    evaluate, key_hints, parse_public_key,
};

use super::fetch::{KEY_SIZE_CAP, fetch, is_url};
use super::input::{now, parse_feed, public_key, read_feed_bytes};
use super::{FeedVerifyArgs, Outcome};

/// Runs `feed verify`: prints the report; `Ok` carries the exit code (0 signed/certified,
/// 1 invalid, 2 unsigned).
pub async fn run(args: &FeedVerifyArgs) -> Outcome {
    let now = now(args.now.as_deref())?;
    let bytes = read_feed_bytes(&args.feed).await?;
    let feed = parse_feed(&bytes)?;
    let policy = match &args.policy {
        Some(path) => Some(read_policy(path).await?),
        None => None,
    };
    let mut keys = StaticKeys::new();
    if let Some(key) = &args.key {
        keys = keys.with_signer(public_key(key)?);
    }
    if let Some(key) = &args.certifier_key {
        keys = keys.with_any_certifier(public_key(key)?);
    }
    for entry in &args.key_map {
        let (url, file) = entry
            .split_once('=')
            .ok_or_else(|| format!("--key-map {entry:?} is not URL=FILE"))?;
        keys = keys.with_hint(url, public_key(file)?);
    }
    let mut fetch_warnings = Vec::new();
    if args.fetch_keys {
        keys = fetch_hinted_keys(
            &feed,
            keys,
            args.certifier_key.is_some(),
            &mut fetch_warnings,
        )
        .await;
    }
    let options = VerifyOptions {
        now,
        trusted_certifiers: &args.trusted_certifier,
        policy: policy.as_ref(),
    };
    let mut report: TrustReport = match evaluate(&feed, &keys, &options) {
        Ok(report) => report,
        Err(err) => {
            let mut message = err.to_string();
            if let Some(why) = fetch_warnings.first() {
                message.push_str(&format!(" ({why})"));
            } else if !args.fetch_keys {
                message.push_str(": pass --key, --key-map URL=FILE or --fetch-keys");
            }
            return Err(message);
        }
    };
    report.warnings.extend(fetch_warnings);
    println!("{}", report.to_json());
    Ok(match report.trust_level {
        TrustLevel::Certified | TrustLevel::Signed => 0,
        TrustLevel::Invalid => 1,
        TrustLevel::Unsigned => 2,
    })
}

async fn read_policy(source: &str) -> Result<CertifierPolicy, String> {
    let bytes = read_feed_bytes(source).await?;
    let feed = Feed::parse(&bytes).map_err(|err| format!("policy {source}: {err}"))?;
    CertifierPolicy::from_feed(&feed).map_err(|err| format!("policy {source}: {err}"))
}

/// Fetches the keys the feed's hints name that no flag supplied; failures become warnings.
async fn fetch_hinted_keys(
    feed: &Feed<'_>,
    mut keys: StaticKeys,
    certifier_key_given: bool,
    warnings: &mut Vec<String>,
) -> StaticKeys {
    for (request, hint) in key_hints(feed) {
        let supplied = match request {
            KeyRequest::Signer { .. } => keys.has_signer(),
            KeyRequest::Certifier { .. } => certifier_key_given,
        };
        if supplied || keys.has_hint(hint) || !is_url(hint) {
            continue;
        }
        let fetched = fetch(hint, KEY_SIZE_CAP).await.and_then(|bytes| {
            let text = String::from_utf8(bytes).map_err(|_| format!("{hint} is not text"))?;
            parse_public_key(&text).map_err(|err| format!("{hint}: {err}"))
        });
        match fetched {
            Ok(key) => keys = keys.with_hint(hint, key),
            Err(why) => warnings.push(format!("key not fetched: {why}")),
        }
    }
    keys
}
