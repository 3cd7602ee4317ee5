//! Every row of LLMFEED.md's trust table, the certification outcomes (valid, expired, edited field,
//! wrong target, untrusted certifier, unverifiable, certifier mismatch), certifier policy rules,
//! signing options and the older field placements.

mod feed_common;

use confide_core::crypto::Ed25519SecretKey;
use confide_core::feed::json::{Escaping, KeyOrder, Object, Style, Value};
use confide_core::feed::{
    Canonicalization, CertificationStatus, CertifierPolicy, CertifyOptions, Feed, SignOptions,
    StaticKeys, TrustLevel, TrustReport, base64, certify_feed, evaluate, sign_feed,
};
use feed_common::{CERTIFIER, SAMPLE, author, certifier, feed, keys, options};

const T0: i64 = 1_750_000_000;
const DAY: i64 = 86_400;

fn trusted() -> Vec<String> {
    vec![CERTIFIER.to_owned()]
}

fn signed() -> Feed<'static> {
    sign_feed(&feed(SAMPLE), &author(), &SignOptions::new(T0)).unwrap()
}

fn certified_with(options: CertifyOptions) -> Feed<'static> {
    certify_feed(&signed(), &certifier(), &options).unwrap()
}

fn certified() -> Feed<'static> {
    certified_with(CertifyOptions::new(CERTIFIER, T0 + 10))
}

fn judge(feed: &Feed, now: i64) -> TrustReport {
    evaluate(feed, &keys(), &options(now, &trusted())).unwrap()
}

fn edit<'a>(feed: &Feed<'a>, block: &str, key: &str, value: Value<'a>) -> Feed<'a> {
    let mut edited = feed.clone();
    let mut object = edited.get(block).unwrap().as_object().unwrap().clone();
    object.insert(key, value);
    edited.blocks_mut().insert(block, Value::Object(object));
    edited
}

fn warned(report: &TrustReport, needle: &str) -> bool {
    report.warnings.iter().any(|w| w.contains(needle))
}

const ALL_CONTENT: [&str; 5] = ["feed_type", "metadata", "prompts", "trust", "_meta"];

// ---------------------------------------------------------------------------------------------
// The trust table.
// ---------------------------------------------------------------------------------------------

#[test]
fn row_valid_signature_valid_certification_is_certified() {
    let report = judge(&certified(), T0 + DAY);
    assert_eq!(report.trust_level, TrustLevel::Certified);
    assert_eq!(report.certification.status, CertificationStatus::Valid);
    assert_eq!(report.certification.certifier.as_deref(), Some(CERTIFIER));
    assert_eq!(
        report.certification.expires_at.as_deref(),
        Some("2026-06-15T15:06:50Z")
    );
    assert_eq!(report.trusted_blocks, ALL_CONTENT);
    assert!(report.untrusted_blocks.is_empty());
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
}

#[test]
fn row_valid_signature_no_certification_is_signed() {
    let report = judge(&signed(), T0 + DAY);
    assert_eq!(report.trust_level, TrustLevel::Signed);
    assert_eq!(report.certification.status, CertificationStatus::Absent);
    assert_eq!(report.trusted_blocks, ALL_CONTENT);
    let signature = report.signature.as_ref().unwrap();
    assert_eq!(signature.algorithm.as_deref(), Some("ed25519"));
    assert_eq!(
        signature.canonicalization.as_deref(),
        Some(Canonicalization::McpCanonicalJsonV1.name())
    );
    assert_eq!(
        signature.created_at.as_deref(),
        Some("2025-06-15T15:06:40Z")
    );
    assert!(report.warnings.is_empty());
}

#[test]
fn row_valid_signature_certification_not_valid_is_signed_with_a_warning() {
    let expired = judge(&certified(), T0 + 400 * DAY);
    assert_eq!(expired.trust_level, TrustLevel::Signed);
    assert_eq!(expired.certification.status, CertificationStatus::Expired);
    assert!(warned(&expired, "expired at 2026-06-15T15:06:50Z"));

    let edited = edit(
        &certified(),
        "certification",
        "expires_at",
        Value::string("2099-01-01T00:00:00Z"),
    );
    let report = judge(&edited, T0 + 400 * DAY);
    assert_eq!(report.trust_level, TrustLevel::Signed);
    assert_eq!(report.certification.status, CertificationStatus::Invalid);
    assert!(warned(&report, "does not verify"));

    let report = evaluate(&certified(), &keys(), &options(T0 + DAY, &[])).unwrap();
    assert_eq!(report.trust_level, TrustLevel::Signed);
    assert_eq!(
        report.certification.status,
        CertificationStatus::UntrustedCertifier
    );
    assert!(warned(
        &report,
        "https://certifier.example is not a trusted certifier"
    ));

    let no_certifier_key = StaticKeys::new().with_signer(author().public_key());
    let report = evaluate(
        &certified(),
        &no_certifier_key,
        &options(T0 + DAY, &trusted()),
    )
    .unwrap();
    assert_eq!(report.trust_level, TrustLevel::Signed);
    assert_eq!(
        report.certification.status,
        CertificationStatus::Unverifiable
    );
    assert!(warned(
        &report,
        "no public key for https://certifier.example"
    ));
    assert_eq!(report.trusted_blocks, ALL_CONTENT);
}

#[test]
fn row_no_signature_is_unsigned_whatever_the_certification() {
    for feed in [feed(SAMPLE), {
        let mut f = certified();
        f.blocks_mut().remove("signature");
        f
    }] {
        let report = judge(&feed, T0 + DAY);
        assert_eq!(report.trust_level, TrustLevel::Unsigned);
        assert!(report.signature.is_none());
        assert!(report.trusted_blocks.is_empty());
        assert_eq!(report.untrusted_blocks, ALL_CONTENT);
        assert!(warned(&report, "unsigned"));
        assert!(report.to_json().contains("\"signature\":null"));
    }
}

#[test]
fn row_invalid_signature_is_invalid_whatever_the_certification() {
    let tampered = edit(&certified(), "metadata", "title", Value::string("Cafe"));
    let report = judge(&tampered, T0 + DAY);
    assert_eq!(report.trust_level, TrustLevel::Invalid);
    assert!(report.trusted_blocks.is_empty());
    assert_eq!(report.untrusted_blocks, ALL_CONTENT);
    let signature = report.signature.as_ref().unwrap();
    assert!(!signature.valid);
    assert_eq!(signature.error.as_ref().unwrap().code, "INVALID_SIGNATURE");
    // The certification covered trust and signature, which are untouched: it still verifies.
    assert_eq!(report.certification.status, CertificationStatus::Valid);
    assert!(warned(&report, "reject the signed blocks"));
}

#[test]
fn unsigned_blocks_of_a_signed_feed_are_listed_as_untrusted() {
    let mut options = SignOptions::new(T0);
    options.blocks = Some(vec!["feed_type".into(), "metadata".into()]);
    let partial = sign_feed(&feed(SAMPLE), &author(), &options).unwrap();
    let report = judge(&partial, T0);
    assert_eq!(report.trust_level, TrustLevel::Signed);
    assert_eq!(report.trusted_blocks, ["feed_type", "metadata", "trust"]);
    assert_eq!(report.untrusted_blocks, ["prompts", "_meta"]);
    assert!(warned(&report, "prompts, _meta"));
    // Editing an unsigned block changes nothing but that block's content.
    let edited = edit(&partial, "_meta", "generated", Value::string("evil"));
    assert_eq!(judge(&edited, T0).trust_level, TrustLevel::Signed);
}

// ---------------------------------------------------------------------------------------------
// Certification.
// ---------------------------------------------------------------------------------------------

#[test]
fn every_bound_certification_field_is_protected() {
    let feed = certified();
    for (key, value) in [
        ("certifier", Value::string("https://certifier.example/")),
        ("issued_at", Value::string("2025-06-15T15:06:51Z")),
        ("targets", Value::strings(&["trust"])),
        ("algorithm", Value::string("Ed25519")),
        ("extra", Value::Bool(true)),
    ] {
        let edited = edit(&feed, "certification", key, value);
        let report = evaluate(
            &edited,
            &keys().with_certifier("https://certifier.example/", certifier().public_key()),
            &options(
                T0 + DAY,
                &[
                    CERTIFIER.to_owned(),
                    "https://certifier.example/".to_owned(),
                ],
            ),
        )
        .unwrap();
        assert_eq!(
            report.certification.status,
            CertificationStatus::Invalid,
            "{key}"
        );
    }
    // The author re-signing (a new signature) voids the certification of the old one.
    let mut resigned = sign_feed(&feed, &author(), &SignOptions::new(T0 + 5)).unwrap();
    assert!(resigned.get("certification").is_none());
    let old = feed.get("certification").unwrap().clone();
    resigned.blocks_mut().insert("certification", old);
    assert_eq!(
        judge(&resigned, T0 + DAY).certification.status,
        CertificationStatus::Invalid
    );
}

#[test]
fn wrong_or_missing_targets_are_invalid_and_other_schemes_unverifiable() {
    // Certified over other content than this feed's.
    let other = sign_feed(
        &feed(r#"{"feed_type":"other"}"#),
        &author(),
        &SignOptions::new(T0),
    )
    .unwrap();
    let other = certify_feed(&other, &certifier(), &CertifyOptions::new(CERTIFIER, T0)).unwrap();
    let mut transplanted = signed();
    transplanted
        .blocks_mut()
        .insert("certification", other.get("certification").unwrap().clone());
    assert_eq!(
        judge(&transplanted, T0 + DAY).certification.status,
        CertificationStatus::Invalid
    );

    // A target the feed lacks.
    let mut options = CertifyOptions::new(CERTIFIER, T0);
    options.targets = vec!["trust".into(), "_meta".into()];
    let mut missing = certified_with(options);
    missing.blocks_mut().remove("_meta");
    let report = judge(&missing, T0 + DAY);
    assert_eq!(report.certification.status, CertificationStatus::Invalid);
    assert!(warned(&report, "target \"_meta\" is not in the feed"));

    // The real feeds' scheme: targets ["all"], empty expires_at.
    for (key, value) in [
        ("targets", Value::strings(&["all"])),
        ("targets", Value::string("trust")),
        ("algorithm", Value::string("rsa")),
        ("canonicalization", Value::string("jcs")),
        ("value", Value::Null),
    ] {
        let report = judge(&edit(&certified(), "certification", key, value), T0 + DAY);
        assert_eq!(
            report.certification.status,
            CertificationStatus::Unverifiable,
            "{key}"
        );
        assert_eq!(report.trust_level, TrustLevel::Signed);
    }
    let mut not_object = certified();
    not_object
        .blocks_mut()
        .insert("certification", Value::string("gold"));
    assert_eq!(
        judge(&not_object, T0 + DAY).certification.status,
        CertificationStatus::Unverifiable
    );
}

#[test]
fn certifier_must_match_the_one_trust_names_and_dates_must_make_sense() {
    let named = edit(
        &feed(SAMPLE),
        "trust",
        "certifier",
        Value::string("https://llmca.org"),
    );
    let signed = sign_feed(&named, &author(), &SignOptions::new(T0)).unwrap();
    let certified =
        certify_feed(&signed, &certifier(), &CertifyOptions::new(CERTIFIER, T0)).unwrap();
    let report = judge(&certified, T0 + DAY);
    assert_eq!(report.certification.status, CertificationStatus::Invalid);
    assert!(warned(&report, "names another certifier"));

    // Issued after `now`.
    let report = judge(&self::certified(), T0);
    assert_eq!(report.certification.status, CertificationStatus::Invalid);
    assert!(warned(&report, "issued in the future"));
}

#[test]
fn sorted_canonicalization_certifications_verify_in_both_escapings() {
    // A certifier that signed the bound object with llmfeed-v1 and Python's ASCII escaping.
    let feed = signed();
    let mut block = Object::new();
    for (key, value) in [
        ("certifier", Value::string(CERTIFIER)),
        ("targets", Value::strings(&["metadata", "signature"])),
        ("algorithm", Value::string("Ed25519")),
        ("canonicalization", Value::string("llmfeed-v1")),
        ("issued_at", Value::string("2025-06-15T00:00:00+02:00")),
        ("expires_at", Value::string("2025-07-15T00:00:00Z")),
    ] {
        block.insert(key, value);
    }
    let mut entries = vec![
        ("metadata", feed.get("metadata").unwrap()),
        ("signature", feed.get("signature").unwrap()),
    ];
    let unsigned = Value::Object(block.clone());
    entries.push(("certification", &unsigned));
    let mut message = Vec::new();
    Style {
        order: KeyOrder::Sorted,
        escaping: Escaping::Ascii,
    }
    .write_entries(&mut entries, &mut message);
    assert!(message.is_ascii());
    block.insert(
        "value",
        Value::string(base64::encode(&certifier().sign(&message))),
    );
    let mut with_cert = feed.clone();
    with_cert
        .blocks_mut()
        .insert("certification", Value::Object(block));
    let report = judge(&with_cert, T0 + DAY);
    assert_eq!(
        report.certification.status,
        CertificationStatus::Valid,
        "{:?}",
        report.warnings
    );
    assert_eq!(report.trust_level, TrustLevel::Certified);
}

// ---------------------------------------------------------------------------------------------
// Certifier policy.
// ---------------------------------------------------------------------------------------------

fn policy(text: &str) -> CertifierPolicy {
    CertifierPolicy::from_feed(&feed(text)).unwrap()
}

fn judge_with(feed: &Feed, policy: &CertifierPolicy, now: i64) -> TrustReport {
    let trusted = trusted();
    let options = confide_core::feed::VerifyOptions {
        now,
        trusted_certifiers: &trusted,
        policy: Some(policy),
    };
    evaluate(feed, &keys(), &options).unwrap()
}

#[test]
fn policy_rules_apply() {
    let base = r#"{"feed_type":"certifier-policy","certifier":"https://certifier.example","validity_days":30,
        "accepted_algorithms":["ed25519"],"requirements":{"must_include":["metadata","trust"],"must_be_signed_by":"feed_owner"}}"#;
    let p = policy(base);
    assert_eq!(p.validity_days, Some(30));
    assert_eq!(p.must_include, ["metadata", "trust"]);
    assert_eq!(
        judge_with(&certified(), &p, T0 + DAY).trust_level,
        TrustLevel::Certified
    );

    // Older than validity_days, though before expires_at.
    let report = judge_with(&certified(), &p, T0 + 31 * DAY);
    assert_eq!(report.certification.status, CertificationStatus::Expired);
    assert!(warned(&report, "policy: older than validity_days (30)"));

    // An algorithm the policy does not accept.
    let report = judge_with(
        &certified(),
        &policy(&base.replace("[\"ed25519\"]", "[\"ecdsa\"]")),
        T0 + DAY,
    );
    assert_eq!(report.certification.status, CertificationStatus::Invalid);
    assert!(warned(&report, "accepted_algorithms"));

    // A must_include block the author did not sign.
    let mut partial_options = SignOptions::new(T0);
    partial_options.blocks = Some(vec!["feed_type".into()]);
    let partial = sign_feed(&feed(SAMPLE), &author(), &partial_options).unwrap();
    let partial = certify_feed(
        &partial,
        &certifier(),
        &CertifyOptions::new(CERTIFIER, T0 + 10),
    )
    .unwrap();
    let report = judge_with(&partial, &p, T0 + DAY);
    assert_eq!(report.certification.status, CertificationStatus::Invalid);
    assert!(warned(
        &report,
        "must_include block \"metadata\" is not signed"
    ));
    assert_eq!(report.trust_level, TrustLevel::Signed);

    // must_be_signed_by: an unknown signer kind is refused; a policy for another certifier is not applied.
    let report = judge_with(
        &certified(),
        &policy(&base.replace("feed_owner", "certifier")),
        T0 + DAY,
    );
    assert_eq!(report.certification.status, CertificationStatus::Invalid);
    let elsewhere = policy(&base.replace("https://certifier.example", "https://other.example"));
    assert_eq!(
        judge_with(&certified(), &elsewhere, T0 + 31 * DAY).trust_level,
        TrustLevel::Certified
    );

    // Malformed policies are INVALID_FEED.
    for bad in [
        r#"{"validity_days":"30"}"#,
        r#"{"validity_days":-1}"#,
        r#"{"accepted_algorithms":"ed25519"}"#,
        r#"{"requirements":[]}"#,
        r#"{"requirements":{"must_include":[1]}}"#,
    ] {
        let err = CertifierPolicy::from_feed(&feed(bad)).unwrap_err();
        assert_eq!(err.code(), confide_core::ErrorCode::InvalidFeed, "{bad}");
    }
}

// ---------------------------------------------------------------------------------------------
// Signing and the older placements.
// ---------------------------------------------------------------------------------------------

#[test]
fn signing_writes_the_current_form() {
    let old = feed(
        r#"{"feed_type":"x","trust":{"key_hint":"https://a.example/k.pem","algorithm":"Ed25519"},
        "signature":{"algorithm":"Ed25519","value":"AAAA"},"certification":{"certifier":"x"},"metadata":{}}"#,
    );
    let mut options = SignOptions::new(T0);
    options.canonicalization = Canonicalization::LlmfeedV1;
    let signed = sign_feed(&old, &author(), &options).unwrap();
    assert_eq!(
        signed.blocks().keys().collect::<Vec<_>>(),
        ["feed_type", "trust", "metadata", "signature"]
    );
    let trust = signed.get("trust").unwrap().as_object().unwrap();
    assert_eq!(
        trust.keys().collect::<Vec<_>>(),
        [
            "algorithm",
            "signed_blocks",
            "canonicalization",
            "public_key_hint"
        ]
    );
    assert_eq!(trust.get("algorithm"), Some(&Value::string("ed25519")));
    assert_eq!(
        trust.get("public_key_hint"),
        Some(&Value::string("https://a.example/k.pem"))
    );
    assert_eq!(
        trust.get("signed_blocks"),
        Some(&Value::strings(&["feed_type", "trust", "metadata"]))
    );
    let signature = signed.get("signature").unwrap().as_object().unwrap();
    assert_eq!(
        signature.keys().collect::<Vec<_>>(),
        ["value", "created_at"]
    );
    let report = judge(&signed, T0);
    assert_eq!(report.trust_level, TrustLevel::Signed);
    assert_eq!(
        report.signature.unwrap().canonicalization.as_deref(),
        Some("llmfeed-v1")
    );

    // A feed without trust gets one, after its blocks; the hint option wins.
    let mut options = SignOptions::new(T0);
    options.key_hint = Some("https://b.example/k.pem".into());
    let signed = sign_feed(&feed(r#"{"feed_type":"x"}"#), &author(), &options).unwrap();
    assert_eq!(
        signed.blocks().keys().collect::<Vec<_>>(),
        ["feed_type", "trust", "signature"]
    );
    let hint_keys = StaticKeys::new().with_hint("https://b.example/k.pem", author().public_key());
    let report = evaluate(&signed, &hint_keys, &options_at(T0)).unwrap();
    assert_eq!(report.trust_level, TrustLevel::Signed);
}

fn options_at(now: i64) -> confide_core::feed::VerifyOptions<'static> {
    confide_core::feed::VerifyOptions {
        now,
        trusted_certifiers: &[],
        policy: None,
    }
}

#[test]
fn signing_refuses_bad_block_lists() {
    for blocks in [
        vec!["signature"],
        vec!["certification"],
        vec!["all"],
        vec!["nope"],
        vec!["metadata", "metadata"],
    ] {
        let mut options = SignOptions::new(T0);
        options.blocks = Some(blocks.iter().map(|b| (*b).to_owned()).collect());
        let err = sign_feed(&feed(SAMPLE), &author(), &options).unwrap_err();
        assert_eq!(
            err.code(),
            confide_core::ErrorCode::InvalidFeed,
            "{blocks:?}"
        );
    }
    let err = sign_feed(&feed(r#"{"trust":[]}"#), &author(), &SignOptions::new(T0)).unwrap_err();
    assert_eq!(err.code(), confide_core::ErrorCode::InvalidFeed);
    for targets in [
        vec![],
        vec!["all"],
        vec!["certification"],
        vec!["nope"],
        vec!["trust", "trust"],
    ] {
        let mut options = CertifyOptions::new(CERTIFIER, T0);
        options.targets = targets.iter().map(|t| (*t).to_owned()).collect();
        let err = certify_feed(&signed(), &certifier(), &options).unwrap_err();
        assert_eq!(
            err.code(),
            confide_core::ErrorCode::InvalidFeed,
            "{targets:?}"
        );
    }
}

/// Signs `blocks` of `feed` the way an older tool did: the fields placed by `place`, the bytes in
/// `style`.
fn sign_old(feed: &Feed, key: &Ed25519SecretKey, names: &[&str], style: Style) -> String {
    let mut entries: Vec<(&str, &Value)> =
        names.iter().map(|n| (*n, feed.get(n).unwrap())).collect();
    let mut message = Vec::new();
    style.write_entries(&mut entries, &mut message);
    base64::encode(&key.sign(&message))
}

#[test]
fn older_placements_and_all_feeds_verify() {
    // algorithm and public_key_hint inside `signature`, `Ed25519` spelling, no canonicalization
    // (llmfeed-v1 by default), explicit blocks.
    let mut old = feed(
        r#"{"feed_type":"x","metadata":{"b":"é","a":1},"trust":{"signed_blocks":["metadata","trust","feed_type"]}}"#,
    );
    let value = sign_old(
        &old,
        &author(),
        &["metadata", "trust", "feed_type"],
        Style {
            order: KeyOrder::Sorted,
            escaping: Escaping::Ascii,
        },
    );
    let signature_json = format!(
        r#"{{"algorithm":"Ed25519","public_key_hint":"https://old.example/k.pem","value":"{value}"}}"#
    );
    let signature = feed(&signature_json);
    old.blocks_mut()
        .insert("signature", Value::Object(signature.blocks().clone()));
    let hint_keys = StaticKeys::new().with_hint("https://old.example/k.pem", author().public_key());
    let report = evaluate(&old, &hint_keys, &options_at(T0)).unwrap();
    assert_eq!(report.trust_level, TrustLevel::Signed, "{report:?}");
    let signature = report.signature.unwrap();
    assert_eq!(signature.algorithm.as_deref(), Some("Ed25519"));
    assert_eq!(signature.signed_blocks, ["metadata", "trust", "feed_type"]);

    // key_hint in trust.
    let mut keyed = feed(
        r#"{"feed_type":"x","trust":{"signed_blocks":["feed_type","trust"],"key_hint":"https://k.example/","canonicalization":"https://llmca.org/mcp-canonical-json/v1"}}"#,
    );
    let value = sign_old(
        &keyed,
        &author(),
        &["feed_type", "trust"],
        Canonicalization::McpCanonicalJsonV1.signing_style(),
    );
    keyed
        .blocks_mut()
        .insert("signature", Value::Object(one("value", &value)));
    let hint_keys = StaticKeys::new().with_hint("https://k.example/", author().public_key());
    assert_eq!(
        evaluate(&keyed, &hint_keys, &options_at(T0))
            .unwrap()
            .trust_level,
        TrustLevel::Signed
    );

    // ["all"] declaring mcp-canonical-json but signed unsorted: the declared form is tried last.
    let mut all = feed(
        r#"{"z":"é","feed_type":"x","trust":{"signed_blocks":["all"],"canonicalization":"https://llmca.org/mcp-canonical-json/v1"}}"#,
    );
    let value = sign_old(
        &all,
        &author(),
        &["z", "feed_type", "trust"],
        Canonicalization::McpCanonicalJsonV1.signing_style(),
    );
    all.blocks_mut()
        .insert("signature", Value::Object(one("value", &value)));
    let report = judge(&all, T0);
    assert_eq!(report.trust_level, TrustLevel::Signed);
    assert_eq!(
        report.signature.unwrap().signed_blocks,
        ["z", "feed_type", "trust"]
    );
    assert!(report.warnings.is_empty());
    // … and signed sorted with raw UTF-8: accepted with a warning naming the form.
    let value = sign_old(
        &all,
        &author(),
        &["z", "feed_type", "trust"],
        Style {
            order: KeyOrder::Sorted,
            escaping: Escaping::Utf8,
        },
    );
    all.blocks_mut()
        .insert("signature", Value::Object(one("value", &value)));
    let report = judge(&all, T0);
    assert_eq!(report.trust_level, TrustLevel::Signed);
    assert!(warned(&report, "signed with sorted keys (llmfeed-v1)"));
    // In an ["all"] feed every block is signed: one more block breaks it.
    all.blocks_mut().insert("extra", Value::Null);
    assert_eq!(judge(&all, T0).trust_level, TrustLevel::Invalid);
}

fn one(key: &str, value: &str) -> Object<'static> {
    let mut object = Object::new();
    object.insert(key, Value::string(value.to_owned()));
    object
}

#[test]
fn key_hints_name_the_author_and_certifier_keys_to_fetch() {
    use confide_core::feed::{KeyRequest, key_hints};
    let mut options = SignOptions::new(T0);
    options.key_hint = Some("https://author.example/k.pem".into());
    let signed = sign_feed(&feed(SAMPLE), &author(), &options).unwrap();
    let mut certify = CertifyOptions::new(CERTIFIER, T0);
    certify.key_hint = Some("https://certifier.example/k.pem".into());
    let certified = certify_feed(&signed, &certifier(), &certify).unwrap();
    let hints = key_hints(&certified);
    assert_eq!(hints.len(), 2);
    assert_eq!(
        hints[0],
        (
            KeyRequest::Signer {
                hint: Some("https://author.example/k.pem")
            },
            "https://author.example/k.pem"
        )
    );
    assert_eq!(
        hints[1],
        (
            KeyRequest::Certifier {
                certifier: CERTIFIER,
                hint: Some("https://certifier.example/k.pem")
            },
            "https://certifier.example/k.pem"
        )
    );
    // An older feed's key_hint inside `signature`, and an unsigned feed that names none.
    let old = feed(r#"{"trust":{},"signature":{"key_hint":"https://old.example/"}}"#);
    assert_eq!(key_hints(&old)[0].1, "https://old.example/");
    assert!(key_hints(&feed(SAMPLE)).is_empty());
}
