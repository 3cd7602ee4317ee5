//! Verification of the author's signature.

use crate::crypto::ED25519_SIGNATURE_LEN;
use crate::error::{Error, ErrorCode, Result};

use super::base64;
use super::document::{Feed, SIGNATURE, invalid_feed};
use super::report::SignatureReport;
use super::resolver::{KeyRequest, KeyResolver};
use super::signed_object::{Declaration, SignedBlocks, blocks_message};

/// Verifies the author's signature: `Ok(None)` when the feed has no `signature` block, otherwise a
/// report that is valid or says why not (`INVALID_FEED`, `UNSUPPORTED_SCHEME`, `INVALID_BASE64`,
/// `INVALID_SIGNATURE`). Notes go to `warnings`. The only error is `KEY_UNAVAILABLE`: the resolver
/// has no key for the author, so the signature can be neither accepted nor refused.
pub fn verify_signature(
    feed: &Feed,
    keys: &dyn KeyResolver,
    warnings: &mut Vec<String>,
) -> Result<Option<SignatureReport>> {
    if feed.get(SIGNATURE).is_none() {
        return Ok(None);
    }
    let mut report = SignatureReport {
        valid: false,
        algorithm: None,
        canonicalization: None,
        signed_blocks: Vec::new(),
        created_at: None,
        public_key_hint: None,
        error: None,
    };
    match check(feed, keys, &mut report, warnings) {
        Ok(()) => report.valid = true,
        Err(error) if error.code() == ErrorCode::KeyUnavailable => return Err(error),
        Err(error) => report.error = Some((&error).into()),
    }
    Ok(Some(report))
}

fn check(
    feed: &Feed,
    keys: &dyn KeyResolver,
    report: &mut SignatureReport,
    warnings: &mut Vec<String>,
) -> Result<()> {
    let signature = feed
        .object_block(SIGNATURE)?
        .expect("the caller saw the block");
    let declaration = Declaration::read(feed, signature)?;
    report.algorithm = declaration.algorithm.map(str::to_owned);
    report.canonicalization = declaration.canonicalization.map(str::to_owned);
    report.created_at = declaration.created_at.map(str::to_owned);
    report.public_key_hint = declaration.key_hint.map(str::to_owned);
    report.signed_blocks = match &declaration.signed_blocks {
        SignedBlocks::All => feed.content_block_names().map(str::to_owned).collect(),
        SignedBlocks::Listed(names) => names.iter().map(|n| (*n).to_owned()).collect(),
    };
    declaration.check_algorithm()?;
    let forms = declaration.forms()?;
    let covered = declaration.covered(feed)?;
    let value = declaration
        .value
        .ok_or_else(|| invalid_feed("signature.value is missing"))?;
    let signature = base64::decode("signature.value", value)?;
    if signature.len() != ED25519_SIGNATURE_LEN {
        return Err(Error::new(
            ErrorCode::InvalidSignature,
            format!(
                "invalid signature: signature.value holds {} bytes, an Ed25519 signature {ED25519_SIGNATURE_LEN}",
                signature.len()
            ),
        ));
    }
    let key = keys
        .resolve(&KeyRequest::Signer {
            hint: declaration.key_hint,
        })
        .ok_or_else(|| {
            Error::new(
                ErrorCode::KeyUnavailable,
                match declaration.key_hint {
                    Some(hint) => format!("no public key for the feed's author (hint {hint})"),
                    None => "no public key for the feed's author (the feed gives no hint)".into(),
                },
            )
        })?;
    let declared = declaration.canonicalization()?;
    // Each form is written only when the ones before it failed; a form giving the same bytes as
    // one already tried (an all-ASCII feed in both escapings) is not verified twice.
    let mut tried: Vec<Vec<u8>> = Vec::new();
    for (canonicalization, style) in forms {
        let message = blocks_message(feed, &covered, style);
        if tried.contains(&message) {
            continue;
        }
        if key.verify(&message, &signature).is_ok() {
            report.canonicalization = Some(canonicalization.name().to_owned());
            if canonicalization != declared {
                warnings.push(format!(
                    "signed with sorted keys ({}) although the feed declares {}",
                    canonicalization.name(),
                    declared.name()
                ));
            }
            return Ok(());
        }
        tried.push(message);
    }
    Err(Error::new(
        ErrorCode::InvalidSignature,
        "invalid signature: it does not match the signed blocks under the author's key",
    ))
}
