//! LLMFeed (LLMFEED.md): `verify_feed` evaluates a feed into its trust report (a record),
//! `sign_feed` signs a feed as its author; verification also as `verify_feed_async` (an Ed25519
//! check per signature, on a worker thread). Keys are text in the forms the feed world uses (PEM,
//! hex, base64); time is the caller's `now` (Unix seconds).

use confide_core::feed::{
    self, Canonicalization, CertificationReport, CertifierPolicy, Feed, SignOptions,
    SignatureReport, StaticKeys, TrustReport, VerifyOptions, parse_public_key, parse_secret_key,
};
use zeroize::Zeroizing;

use crate::error::Result;
use crate::offload;

/// Keys and trust settings of `verify_feed`; `None` fields are absent.
#[derive(Clone, Debug, Default, PartialEq, Eq, uniffi::Record)]
pub struct VerifyFeedOptions {
    /// The author's public key (PEM, 64 hex digits or base64).
    #[uniffi(default = None)]
    pub key: Option<String>,
    /// The certifier's public key (PEM, 64 hex digits or base64).
    #[uniffi(default = None)]
    pub certifier_key: Option<String>,
    /// Certifiers (URLs, as in `certification.certifier`) whose certifications count.
    #[uniffi(default = [])]
    pub trusted_certifiers: Vec<String>,
    /// A certifier policy feed (JSON text) to apply.
    #[uniffi(default = None)]
    pub policy: Option<String>,
}

/// How `sign_feed` signs; `None` keeps the default (in brackets).
#[derive(Clone, Debug, Default, PartialEq, Eq, uniffi::Record)]
pub struct SignFeedOptions {
    /// Blocks to sign, in order [every block but `signature` and `certification`; `trust` is
    /// always signed].
    #[uniffi(default = None)]
    pub blocks: Option<Vec<String>>,
    /// Where verifiers find the public key (`trust.public_key_hint`) [the feed's own hint].
    #[uniffi(default = None)]
    pub key_hint: Option<String>,
    /// `https://llmca.org/mcp-canonical-json/v1` [default] or `llmfeed-v1`.
    #[uniffi(default = None)]
    pub canonicalization: Option<String>,
}

/// The verdict on a feed (LLMFEED.md's trust table).
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum TrustLevel {
    /// Valid signature and a valid certification by a trusted certifier.
    Certified,
    /// Valid signature.
    Signed,
    /// No signature.
    Unsigned,
    /// A signature that does not verify (tampered, wrong key, malformed).
    Invalid,
}

/// What became of a feed's certification.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum CertificationStatus {
    /// The feed has none.
    Absent,
    /// Verified, by a trusted certifier, not expired.
    Valid,
    /// Past its `expires_at`.
    Expired,
    /// Does not verify, or is malformed.
    Invalid,
    /// By a certifier that is not trusted.
    UntrustedCertifier,
    /// No key to check it with.
    Unverifiable,
}

/// Why a signature is not valid.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct FeedError {
    /// The core's code (`INVALID_SIGNATURE`, `INVALID_FEED`, `INVALID_BASE64`, …).
    pub code: String,
    /// What failed.
    pub message: String,
}

/// The author's signature in a `FeedReport`.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct FeedSignature {
    /// Whether it verified.
    pub valid: bool,
    /// The declared algorithm as written.
    pub algorithm: Option<String>,
    /// The canonicalization that verified (or the declared one).
    pub canonicalization: Option<String>,
    /// The blocks it covers, in signing order.
    pub signed_blocks: Vec<String>,
    /// `signature.created_at` as written.
    pub created_at: Option<String>,
    /// The key hint the feed gives.
    pub public_key_hint: Option<String>,
    /// Why it is not valid.
    pub error: Option<FeedError>,
}

/// The certification in a `FeedReport`.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct FeedCertification {
    /// What became of it.
    pub status: CertificationStatus,
    /// Who certified.
    pub certifier: Option<String>,
    /// When it ends, as written.
    pub expires_at: Option<String>,
}

/// The trust report of a feed.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct FeedReport {
    /// The verdict.
    pub trust_level: TrustLevel,
    /// The author's signature (absent for an unsigned feed).
    pub signature: Option<FeedSignature>,
    /// The certification.
    pub certification: FeedCertification,
    /// Blocks an agent may trust.
    pub trusted_blocks: Vec<String>,
    /// Every other block.
    pub untrusted_blocks: Vec<String>,
    /// Why trust is lower than it could be.
    pub warnings: Vec<String>,
}

impl From<feed::TrustLevel> for TrustLevel {
    fn from(level: feed::TrustLevel) -> Self {
        match level {
            feed::TrustLevel::Certified => Self::Certified,
            feed::TrustLevel::Signed => Self::Signed,
            feed::TrustLevel::Unsigned => Self::Unsigned,
            feed::TrustLevel::Invalid => Self::Invalid,
        }
    }
}

impl From<feed::CertificationStatus> for CertificationStatus {
    fn from(status: feed::CertificationStatus) -> Self {
        match status {
            feed::CertificationStatus::Absent => Self::Absent,
            feed::CertificationStatus::Valid => Self::Valid,
            feed::CertificationStatus::Expired => Self::Expired,
            feed::CertificationStatus::Invalid => Self::Invalid,
            feed::CertificationStatus::UntrustedCertifier => Self::UntrustedCertifier,
            feed::CertificationStatus::Unverifiable => Self::Unverifiable,
        }
    }
}

impl From<SignatureReport> for FeedSignature {
    fn from(report: SignatureReport) -> Self {
        Self {
            valid: report.valid,
            algorithm: report.algorithm,
            canonicalization: report.canonicalization,
            signed_blocks: report.signed_blocks,
            created_at: report.created_at,
            public_key_hint: report.public_key_hint,
            error: report.error.map(|e| FeedError {
                code: e.code.to_owned(),
                message: e.message,
            }),
        }
    }
}

impl From<CertificationReport> for FeedCertification {
    fn from(report: CertificationReport) -> Self {
        Self {
            status: report.status.into(),
            certifier: report.certifier,
            expires_at: report.expires_at,
        }
    }
}

impl From<TrustReport> for FeedReport {
    fn from(report: TrustReport) -> Self {
        Self {
            trust_level: report.trust_level.into(),
            signature: report.signature.map(FeedSignature::from),
            certification: report.certification.into(),
            trusted_blocks: report.trusted_blocks,
            untrusted_blocks: report.untrusted_blocks,
            warnings: report.warnings,
        }
    }
}

/// Evaluates `feed` (JSON text) at `now` (Unix seconds): its signature, certification and which
/// blocks to trust. A tampered, unsigned or malformed-but-parsable feed is a report, not an error.
/// Errors: `INVALID_JSON`, `INVALID_FEED` (not an object; a malformed policy), `MESSAGE_TOO_LARGE`,
/// `INVALID_KEY`, and `KEY_UNAVAILABLE` for a signed feed without `options.key`.
#[uniffi::export(default(options = None))]
pub fn verify_feed(
    feed: String,
    now: i64,
    options: Option<VerifyFeedOptions>,
) -> Result<FeedReport> {
    verify(&feed, now, options.unwrap_or_default())
}

/// `verify_feed` on a worker thread.
#[uniffi::export(default(options = None))]
pub async fn verify_feed_async(
    feed: String,
    now: i64,
    options: Option<VerifyFeedOptions>,
) -> Result<FeedReport> {
    let options = options.unwrap_or_default();
    offload::run(move || verify(&feed, now, options)).await
}

fn verify(feed: &str, now: i64, options: VerifyFeedOptions) -> Result<FeedReport> {
    let mut keys = StaticKeys::new();
    if let Some(text) = &options.key {
        keys = keys.with_signer(parse_public_key(text)?);
    }
    if let Some(text) = &options.certifier_key {
        keys = keys.with_any_certifier(parse_public_key(text)?);
    }
    let policy = options
        .policy
        .map(|json| CertifierPolicy::from_feed(&Feed::parse(json.as_bytes())?))
        .transpose()?;
    let verify_options = VerifyOptions {
        now,
        trusted_certifiers: &options.trusted_certifiers,
        policy: policy.as_ref(),
    };
    Ok(feed::verify_feed(feed.as_bytes(), &keys, &verify_options)?.into())
}

/// Signs `feed` (JSON text) as its author with `secret_key` (PKCS#8 PEM or 64 hex digits of seed)
/// at `now` (Unix seconds); returns the signed feed as indented JSON. Errors: `INVALID_JSON`,
/// `INVALID_FEED`, `MESSAGE_TOO_LARGE`, `INVALID_KEY`, `UNSUPPORTED_SCHEME` (canonicalization).
#[uniffi::export(default(options = None))]
pub fn sign_feed(
    feed: String,
    secret_key: String,
    now: i64,
    options: Option<SignFeedOptions>,
) -> Result<String> {
    let key = parse_secret_key(&Zeroizing::new(secret_key))?;
    let options = options.unwrap_or_default();
    let mut sign_options = SignOptions::new(now);
    sign_options.blocks = options.blocks;
    sign_options.key_hint = options.key_hint;
    if let Some(name) = options.canonicalization {
        sign_options.canonicalization = Canonicalization::from_name(&name)?;
    }
    let signed = feed::sign_feed(&Feed::parse(feed.as_bytes())?, &key, &sign_options)?;
    Ok(signed.to_pretty_json())
}
