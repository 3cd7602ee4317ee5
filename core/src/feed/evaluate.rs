//! The trust evaluation of LLMFEED.md's table: signature × certification → trust level, trusted and
//! untrusted blocks, warnings.

use crate::error::Result;

use super::certification::{VerifyOptions, check_certification};
use super::document::Feed;
use super::report::{CertificationStatus, TrustLevel, TrustReport};
use super::resolver::KeyResolver;
use super::verify::verify_signature;

/// Parses and evaluates a feed (see [`evaluate`]).
pub fn verify_feed(
    bytes: &[u8],
    keys: &dyn KeyResolver,
    options: &VerifyOptions<'_>,
) -> Result<TrustReport> {
    evaluate(&Feed::parse(bytes)?, keys, options)
}

/// Evaluates a parsed feed:
///
/// | signature | certification | trust level | trusted blocks |
/// |---|---|---|---|
/// | valid | valid, trusted certifier | `certified` | signed blocks |
/// | valid | absent | `signed` | signed blocks |
/// | valid | expired, invalid, untrusted, unverifiable | `signed` + warning | signed blocks |
/// | absent | any | `unsigned` + warning | none |
/// | invalid | any | `invalid` | none |
///
/// Blocks the signature does not cover are always untrusted. The only error is `KEY_UNAVAILABLE`
/// (the resolver has no key for the author of a signed feed).
pub fn evaluate(
    feed: &Feed,
    keys: &dyn KeyResolver,
    options: &VerifyOptions<'_>,
) -> Result<TrustReport> {
    let mut warnings = Vec::new();
    let signature = verify_signature(feed, keys, &mut warnings)?;
    let certification = check_certification(feed, signature.as_ref(), keys, options, &mut warnings);
    let (trust_level, trusted_blocks) = match &signature {
        None => {
            warnings.push("the feed is unsigned: none of its blocks can be trusted".into());
            (TrustLevel::Unsigned, Vec::new())
        }
        Some(report) if !report.valid => {
            let code = report
                .error
                .as_ref()
                .map_or("INVALID_SIGNATURE", |e| e.code);
            warnings.push(format!(
                "the signature is not valid ({code}): reject the signed blocks"
            ));
            (TrustLevel::Invalid, Vec::new())
        }
        Some(report) => {
            let level = if certification.status == CertificationStatus::Valid {
                TrustLevel::Certified
            } else {
                TrustLevel::Signed
            };
            (level, report.signed_blocks.clone())
        }
    };
    let untrusted_blocks: Vec<String> = feed
        .content_block_names()
        .filter(|name| !trusted_blocks.iter().any(|t| t == name))
        .map(str::to_owned)
        .collect();
    if !trusted_blocks.is_empty() && !untrusted_blocks.is_empty() {
        warnings.push(format!(
            "not covered by the signature, so untrusted: {}",
            untrusted_blocks.join(", ")
        ));
    }
    Ok(TrustReport {
        trust_level,
        signature,
        certification,
        trusted_blocks,
        untrusted_blocks,
        warnings,
    })
}
