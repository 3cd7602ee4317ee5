//! Verification of a third-party certification. The certifier signs the canonical JSON of
//! `{t: feed[t] for t in targets}` followed by one more key, `certification`, holding the
//! certification block without `value` — so certifier, dates and targets are bound too.

use crate::crypto::Ed25519PublicKey;

use super::base64;
use super::canonicalization::Canonicalization;
use super::document::{CERTIFICATION, Feed, TRUST};
use super::json::{Object, Style, Value};
use super::policy::{CertifierPolicy, FEED_OWNER};
use super::report::{CertificationReport, CertificationStatus, SignatureReport};
use super::resolver::{KeyRequest, KeyResolver};
use super::signed_object::{ALL, ED25519};
use super::time::parse_rfc3339;

/// What a certification is checked against besides keys.
#[derive(Clone, Copy, Debug)]
pub struct VerifyOptions<'a> {
    /// Unix seconds.
    pub now: i64,
    /// The certifiers (URLs, as in `certifier`) whose certifications count.
    pub trusted_certifiers: &'a [String],
    /// A certifier policy to apply, if any.
    pub policy: Option<&'a CertifierPolicy>,
}

/// The bytes a certifier signs: `{targets…, "certification": block without value}` in `style`.
pub(crate) fn certification_message(
    feed: &Feed,
    targets: &[&str],
    unsigned_block: &Value,
    style: Style,
) -> Vec<u8> {
    let mut entries: Vec<(&str, &Value)> = targets
        .iter()
        .filter_map(|t| feed.get(t).map(|block| (*t, block)))
        .collect();
    entries.push((CERTIFICATION, unsigned_block));
    let mut out = Vec::new();
    style.write_entries(&mut entries, &mut out);
    out
}

type Verdict = Result<(), (CertificationStatus, String)>;

fn fail(status: CertificationStatus, why: impl Into<String>) -> Verdict {
    Err((status, why.into()))
}

/// Checks the certification; the reason for any status but `valid` and `absent` goes to
/// `warnings`. `signature` is the author's signature report (policies and `must_include` need it).
pub fn check_certification(
    feed: &Feed,
    signature: Option<&SignatureReport>,
    keys: &dyn KeyResolver,
    options: &VerifyOptions<'_>,
    warnings: &mut Vec<String>,
) -> CertificationReport {
    let Some(block) = feed.get(CERTIFICATION) else {
        return CertificationReport {
            status: CertificationStatus::Absent,
            certifier: None,
            expires_at: None,
        };
    };
    let object = block.as_object();
    let field = |key: &str| object.and_then(|o| o.get(key)).and_then(Value::as_str);
    let mut report = CertificationReport {
        status: CertificationStatus::Valid,
        certifier: field("certifier").map(str::to_owned),
        expires_at: field("expires_at").map(str::to_owned),
    };
    let verdict = match object {
        Some(object) => check(feed, object, signature, keys, options),
        None => fail(
            CertificationStatus::Unverifiable,
            "the certification block is not an object",
        ),
    };
    if let Err((status, why)) = verdict {
        report.status = status;
        warnings.push(format!("certification not valid: {why}"));
    }
    report
}

fn check(
    feed: &Feed,
    cert: &Object,
    signature: Option<&SignatureReport>,
    keys: &dyn KeyResolver,
    options: &VerifyOptions<'_>,
) -> Verdict {
    use CertificationStatus::{Expired, Invalid, UntrustedCertifier, Unverifiable};
    let text = |key: &str| cert.get(key).and_then(Value::as_str);
    let Some(certifier) = text("certifier") else {
        return fail(Unverifiable, "it names no certifier");
    };
    let targets: Option<Vec<&str>> = cert
        .get("targets")
        .and_then(Value::as_array)
        .and_then(|items| items.iter().map(Value::as_str).collect());
    let targets = match targets {
        Some(t) if !t.is_empty() && !t.contains(&ALL) && !t.contains(&CERTIFICATION) => t,
        _ => {
            return fail(
                Unverifiable,
                "its targets are not a list of blocks (a scheme other tools use, which cannot be verified)",
            );
        }
    };
    let (Some(value), Some(issued_at), Some(expires_at)) =
        (text("value"), text("issued_at"), text("expires_at"))
    else {
        return fail(Unverifiable, "value, issued_at or expires_at is missing");
    };
    if !text("algorithm").is_none_or(|a| a.eq_ignore_ascii_case(ED25519)) {
        return fail(Unverifiable, "its algorithm is not ed25519");
    }
    let Ok(canonicalization) = text("canonicalization").map_or(
        Ok(Canonicalization::McpCanonicalJsonV1),
        Canonicalization::from_name,
    ) else {
        return fail(Unverifiable, "its canonicalization is unknown");
    };
    if !options.trusted_certifiers.iter().any(|c| c == certifier) {
        return fail(
            UntrustedCertifier,
            format!("{certifier} is not a trusted certifier"),
        );
    }
    let named = feed
        .get(TRUST)
        .and_then(Value::as_object)
        .and_then(|t| t.get("certifier"))
        .and_then(Value::as_str);
    if named.is_some_and(|n| n != certifier) {
        return fail(
            Invalid,
            format!("the trust block names another certifier than {certifier}"),
        );
    }
    let request = KeyRequest::Certifier {
        certifier,
        hint: text("public_key_hint"),
    };
    let Some(key) = keys.resolve(&request) else {
        return fail(Unverifiable, format!("no public key for {certifier}"));
    };
    if let Some(missing) = targets.iter().find(|t| feed.get(t).is_none()) {
        return fail(
            Invalid,
            format!("its target {missing:?} is not in the feed"),
        );
    }
    if !signature_matches(feed, cert, &targets, value, canonicalization, &key) {
        return fail(Invalid, "the certifier's signature does not verify");
    }
    let (Ok(issued), Ok(expires)) = (
        parse_rfc3339("issued_at", issued_at),
        parse_rfc3339("expires_at", expires_at),
    ) else {
        return fail(
            Invalid,
            "issued_at or expires_at is not an RFC 3339 date-time",
        );
    };
    if issued > options.now {
        return fail(Invalid, "it is issued in the future");
    }
    if options.now >= expires {
        return fail(Expired, format!("it expired at {expires_at}"));
    }
    match options.policy {
        Some(policy) if policy.applies_to(certifier) => {
            apply_policy(policy, cert, signature, issued, options.now)
        }
        _ => Ok(()),
    }
    .map_err(|(status, why)| (status, format!("policy: {why}")))
}

fn signature_matches(
    feed: &Feed,
    cert: &Object,
    targets: &[&str],
    value: &str,
    canonicalization: Canonicalization,
    key: &Ed25519PublicKey,
) -> bool {
    let Ok(signature) = base64::decode("certification.value", value) else {
        return false;
    };
    let mut unsigned = cert.clone();
    unsigned.remove("value");
    let unsigned = Value::Object(unsigned);
    canonicalization.accepted_styles().iter().any(|style| {
        let message = certification_message(feed, targets, &unsigned, *style);
        key.verify(&message, &signature).is_ok()
    })
}

fn apply_policy(
    policy: &CertifierPolicy,
    cert: &Object,
    signature: Option<&SignatureReport>,
    issued: i64,
    now: i64,
) -> Verdict {
    use CertificationStatus::{Expired, Invalid};
    if let Some(days) = policy.validity_days {
        let limit = i64::try_from(days.saturating_mul(86_400)).unwrap_or(i64::MAX);
        if now.saturating_sub(issued) > limit {
            return fail(Expired, format!("older than validity_days ({days})"));
        }
    }
    let algorithm = cert
        .get("algorithm")
        .and_then(Value::as_str)
        .unwrap_or(ED25519);
    if let Some(accepted) = &policy.accepted_algorithms
        && !accepted.iter().any(|a| a.eq_ignore_ascii_case(algorithm))
    {
        return fail(Invalid, "its algorithm is not in accepted_algorithms");
    }
    let signed = signature.filter(|s| s.valid);
    for block in &policy.must_include {
        if !signed.is_some_and(|s| s.signed_blocks.contains(block)) {
            return fail(
                Invalid,
                format!("must_include block {block:?} is not signed"),
            );
        }
    }
    match policy.must_be_signed_by.as_deref() {
        None => Ok(()),
        Some(FEED_OWNER) if signed.is_some() => Ok(()),
        Some(FEED_OWNER) => fail(
            Invalid,
            "must_be_signed_by feed_owner: no valid author signature",
        ),
        Some(_) => fail(
            Invalid,
            "must_be_signed_by names a signer this verifier does not know",
        ),
    }
}
