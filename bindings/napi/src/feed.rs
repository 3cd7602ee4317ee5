//! LLMFeed (LLMFEED.md): `verifyFeed` evaluates a feed into its trust report, `signFeed` signs a
//! feed as its author; both also as Promises (`…Async`, on the thread pool). Keys are text (PEM,
//! hex, base64), time is the caller's `now` (Unix seconds); errors carry the core's codes.

use confide_core::feed::{
    self, Canonicalization, CertificationReport, CertifierPolicy, Feed, SignOptions,
    SignatureReport, StaticKeys, TrustReport, VerifyOptions, parse_public_key, parse_secret_key,
};
use napi::bindgen_prelude::{AsyncTask, Either, Uint8Array, Unknown};
use napi_derive::napi;
use zeroize::Zeroizing;

use crate::args;
use crate::error::{CoreResultExt, Result};
use crate::tasks::{self, CoreTask};

/// Options of `verifyFeed`.
#[napi(object, object_to_js = false)]
pub struct VerifyFeedOptions {
    /// The author's public key (PEM, 64 hex digits or base64).
    pub key: Option<String>,
    /// The certifier's public key (PEM, 64 hex digits or base64).
    pub certifier_key: Option<String>,
    /// Certifiers (URLs, as in `certification.certifier`) whose certifications count.
    pub trusted_certifiers: Option<Vec<String>>,
    /// A certifier policy feed (JSON text) to apply.
    pub policy: Option<String>,
}

/// Options of `signFeed`.
#[napi(object, object_to_js = false)]
pub struct SignFeedOptions {
    /// Blocks to sign, in order (default: every block but `signature` and `certification`;
    /// `trust` is always signed).
    pub blocks: Option<Vec<String>>,
    /// Where verifiers find the public key (`trust.public_key_hint`).
    pub key_hint: Option<String>,
    /// `'https://llmca.org/mcp-canonical-json/v1'` (default) or `'llmfeed-v1'`.
    pub canonicalization: Option<String>,
}

/// Why a signature is not valid.
#[napi(object, object_from_js = false)]
pub struct FeedError {
    /// The core's code (`INVALID_SIGNATURE`, `INVALID_FEED`, `INVALID_BASE64`, …).
    pub code: String,
    /// What failed.
    pub message: String,
}

/// The author's signature in a `FeedReport`.
#[napi(object, object_from_js = false)]
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
#[napi(object, object_from_js = false)]
pub struct FeedCertification {
    /// What became of it.
    #[napi(
        ts_type = "'absent' | 'valid' | 'expired' | 'invalid' | 'untrusted_certifier' | 'unverifiable'"
    )]
    pub status: String,
    /// Who certified.
    pub certifier: Option<String>,
    /// When it ends, as written.
    pub expires_at: Option<String>,
}

/// The trust report of a feed (LLMFEED.md's trust table).
#[napi(object, object_from_js = false)]
pub struct FeedReport {
    /// The verdict.
    #[napi(ts_type = "'certified' | 'signed' | 'unsigned' | 'invalid'")]
    pub trust_level: String,
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
            status: report.status.as_str().to_owned(),
            certifier: report.certifier,
            expires_at: report.expires_at,
        }
    }
}

impl From<TrustReport> for FeedReport {
    fn from(report: TrustReport) -> Self {
        Self {
            trust_level: report.trust_level.as_str().to_owned(),
            signature: report.signature.map(FeedSignature::from),
            certification: report.certification.into(),
            trusted_blocks: report.trusted_blocks,
            untrusted_blocks: report.untrusted_blocks,
            warnings: report.warnings,
        }
    }
}

/// The feed argument: JSON text or its UTF-8 bytes.
fn feed_bytes(value: Unknown<'_>) -> Result<Vec<u8>> {
    Ok(
        match args::convert::<Either<String, Uint8Array>>(value, "feed")? {
            Either::A(text) => text.into_bytes(),
            Either::B(bytes) => bytes.to_vec(),
        },
    )
}

/// Parsed `verifyFeed` arguments, ready for the thread pool.
struct VerifyJob {
    feed: Vec<u8>,
    now: i64,
    options: Option<VerifyFeedOptions>,
}

fn verify_job(feed: Unknown<'_>, now: Unknown<'_>, opts: Option<Unknown<'_>>) -> Result<VerifyJob> {
    let options = match opts {
        Some(opts) if !args::is_nullish(&opts)? => Some(args::convert(opts, "opts")?),
        _ => None,
    };
    Ok(VerifyJob {
        feed: feed_bytes(feed)?,
        now: args::seconds(now, "now")? as i64,
        options,
    })
}

fn verify(job: VerifyJob) -> Result<FeedReport> {
    let options = job.options.unwrap_or(VerifyFeedOptions {
        key: None,
        certifier_key: None,
        trusted_certifiers: None,
        policy: None,
    });
    let mut keys = StaticKeys::new();
    if let Some(text) = &options.key {
        keys = keys.with_signer(parse_public_key(text).into_js()?);
    }
    if let Some(text) = &options.certifier_key {
        keys = keys.with_any_certifier(parse_public_key(text).into_js()?);
    }
    let policy = options
        .policy
        .map(|json| CertifierPolicy::from_feed(&Feed::parse(json.as_bytes())?))
        .transpose()
        .into_js()?;
    let trusted = options.trusted_certifiers.unwrap_or_default();
    let verify_options = VerifyOptions {
        now: job.now,
        trusted_certifiers: &trusted,
        policy: policy.as_ref(),
    };
    let report = feed::verify_feed(&job.feed, &keys, &verify_options).into_js()?;
    Ok(report.into())
}

/// Evaluates `feed` (JSON text or bytes) at `now` (Unix seconds): its signature, certification and
/// which blocks to trust. A tampered, unsigned or malformed-but-parsable feed is a report, not a
/// throw. Throws `INVALID_JSON`, `INVALID_FEED`, `MESSAGE_TOO_LARGE`, `INVALID_KEY`, and
/// `KEY_UNAVAILABLE` for a signed feed without `opts.key`.
#[napi]
pub fn verify_feed(
    #[napi(ts_arg_type = "string | Uint8Array")] feed: Unknown<'_>,
    #[napi(ts_arg_type = "number")] now: Unknown<'_>,
    #[napi(ts_arg_type = "VerifyFeedOptions")] opts: Option<Unknown<'_>>,
) -> Result<FeedReport> {
    verify(verify_job(feed, now, opts)?)
}

/// `verifyFeed` on the thread pool.
#[napi(ts_return_type = "Promise<FeedReport>")]
pub fn verify_feed_async(
    #[napi(ts_arg_type = "string | Uint8Array")] feed: Unknown<'_>,
    #[napi(ts_arg_type = "number")] now: Unknown<'_>,
    #[napi(ts_arg_type = "VerifyFeedOptions")] opts: Option<Unknown<'_>>,
) -> Result<AsyncTask<CoreTask<FeedReport>>> {
    let job = verify_job(feed, now, opts)?;
    Ok(tasks::spawn(move || verify(job)))
}

/// Parsed `signFeed` arguments.
struct SignJob {
    feed: Vec<u8>,
    secret_key: Zeroizing<String>,
    now: i64,
    options: Option<SignFeedOptions>,
}

fn sign_job(
    feed: Unknown<'_>,
    secret_key: Unknown<'_>,
    now: Unknown<'_>,
    opts: Option<Unknown<'_>>,
) -> Result<SignJob> {
    let options = match opts {
        Some(opts) if !args::is_nullish(&opts)? => Some(args::convert(opts, "opts")?),
        _ => None,
    };
    Ok(SignJob {
        feed: feed_bytes(feed)?,
        secret_key: Zeroizing::new(args::string(secret_key, "secretKey")?),
        now: args::seconds(now, "now")? as i64,
        options,
    })
}

fn sign(job: SignJob) -> Result<String> {
    let key = parse_secret_key(&job.secret_key).into_js()?;
    let mut options = SignOptions::new(job.now);
    if let Some(opts) = job.options {
        options.blocks = opts.blocks;
        options.key_hint = opts.key_hint;
        if let Some(name) = opts.canonicalization {
            options.canonicalization = Canonicalization::from_name(&name).into_js()?;
        }
    }
    let feed = Feed::parse(&job.feed).into_js()?;
    let signed = feed::sign_feed(&feed, &key, &options).into_js()?;
    Ok(signed.to_pretty_json())
}

/// Signs `feed` (JSON text or bytes) as its author with `secretKey` (PKCS#8 PEM or 64 hex digits
/// of seed) at `now` (Unix seconds); returns the signed feed as indented JSON. Throws
/// `INVALID_JSON`, `INVALID_FEED`, `MESSAGE_TOO_LARGE`, `INVALID_KEY`, `UNSUPPORTED_SCHEME`.
#[napi]
pub fn sign_feed(
    #[napi(ts_arg_type = "string | Uint8Array")] feed: Unknown<'_>,
    #[napi(ts_arg_type = "string")] secret_key: Unknown<'_>,
    #[napi(ts_arg_type = "number")] now: Unknown<'_>,
    #[napi(ts_arg_type = "SignFeedOptions")] opts: Option<Unknown<'_>>,
) -> Result<String> {
    sign(sign_job(feed, secret_key, now, opts)?)
}

/// `signFeed` on the thread pool.
#[napi(ts_return_type = "Promise<string>")]
pub fn sign_feed_async(
    #[napi(ts_arg_type = "string | Uint8Array")] feed: Unknown<'_>,
    #[napi(ts_arg_type = "string")] secret_key: Unknown<'_>,
    #[napi(ts_arg_type = "number")] now: Unknown<'_>,
    #[napi(ts_arg_type = "SignFeedOptions")] opts: Option<Unknown<'_>>,
) -> Result<AsyncTask<CoreTask<String>>> {
    let job = sign_job(feed, secret_key, now, opts)?;
    Ok(tasks::spawn(move || sign(job)))
}
