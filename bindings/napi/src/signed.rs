//! Signed messages (SIGNED_MESSAGES.md): sign a JSON payload into a `SignedMessage` envelope, and
//! verify an envelope against a policy at `now` (stateless: no replay guard).

use confide_core::signed::{
    MessageScheme, RawSignedMessage, SignOptions, VerifyPolicy, VerifyWarning,
};
use napi::bindgen_prelude::{AsyncTask, BigInt, Either, Unknown};
use napi::{Env, ValueType};
use napi_derive::napi;

use crate::args;
use crate::error::{CoreResultExt, Result, internal, invalid_argument};
use crate::json;
use crate::keys::secret_key_arg;
use crate::tasks::{self, CoreTask};

/// Options of `signMessage`.
#[napi(object, object_to_js = false)]
pub struct SignMessageOptions {
    /// A nonce bound into the signature (confide-v1) and used for replay protection.
    pub nonce: Option<Either<f64, BigInt>>,
    /// `'confide-v1'` (default: binds timestamp, nonce and signer) or `'lloom-v1'`.
    #[napi(ts_type = "'confide-v1' | 'lloom-v1'")]
    pub scheme: Option<String>,
}

/// What `verifyMessage` accepts; every field is optional (defaults: 300 s maximum age, 300 s
/// future skew, signatures required, lloom-v1 allowed).
#[napi(object, object_to_js = false)]
pub struct VerifyMessagePolicy {
    /// Reject (confide-v1) or warn (lloom-v1) when older than this many seconds.
    pub max_age_secs: Option<f64>,
    /// Reject (confide-v1) or warn (lloom-v1) when dated more than this many seconds ahead.
    pub max_future_skew_secs: Option<f64>,
    /// Reject unsigned envelopes (`UNSIGNED_MESSAGE`); false accepts them with a warning.
    pub require_signatures: Option<bool>,
    /// Reject lloom-v1 envelopes (`UNSUPPORTED_SCHEME`).
    pub require_bound_scheme: Option<bool>,
}

/// A verified envelope.
#[napi(object, object_from_js = false)]
pub struct Verified {
    /// The signer's EIP-55 address (absent for an unsigned envelope the policy accepted).
    pub signer: Option<String>,
    /// Whether timestamp, nonce and signer are bound by the signature (confide-v1).
    pub bound: bool,
    /// The scheme used.
    #[napi(ts_type = "'confide-v1' | 'lloom-v1'")]
    pub scheme: String,
    /// Acceptable but worth logging: `'unsigned'`, `'unbound-metadata'`,
    /// `'timestamp-outside-window'`.
    pub warnings: Vec<String>,
    /// The payload JSON exactly as it appears in the envelope.
    pub payload: String,
}

/// Signs `payload` (JSON text, signed byte for byte, or an object serialised with
/// `JSON.stringify`) with `secretKey` at `timestamp` (Unix seconds). Returns the envelope JSON
/// `{"payload","signer","signature","timestamp","nonce"?,"scheme"?}`.
#[napi]
pub fn sign_message(
    env: &Env,
    #[napi(ts_arg_type = "string | Record<string, unknown>")] payload: Unknown<'_>,
    #[napi(ts_arg_type = "string")] secret_key: Unknown<'_>,
    #[napi(ts_arg_type = "number")] timestamp: Unknown<'_>,
    #[napi(ts_arg_type = "SignMessageOptions")] opts: Option<Unknown<'_>>,
) -> Result<String> {
    let payload = match payload.get_type().map_err(internal)? {
        ValueType::String => args::string(payload, "payload")?,
        ValueType::Object => json::stringify(env, payload, "payload")?,
        _ => {
            return Err(invalid_argument(
                "payload",
                "expected JSON text or an object",
            ));
        }
    };
    let key = secret_key_arg(secret_key, "secretKey")?;
    let timestamp = args::seconds(timestamp, "timestamp")?;
    let opts = match opts {
        Some(opts) if !args::is_nullish(&opts)? => {
            Some(args::convert::<SignMessageOptions>(opts, "opts")?)
        }
        _ => None,
    };
    let (nonce, scheme) = match opts {
        None => (None, None),
        Some(opts) => (opts.nonce, opts.scheme),
    };
    let options = SignOptions {
        timestamp,
        nonce: nonce
            .map(|n| args::uint_or_bigint(n, "opts.nonce"))
            .transpose()?,
        scheme: match scheme.as_deref() {
            None => MessageScheme::ConfideV1,
            Some(name) => name.parse().map_err(|_| {
                invalid_argument("opts.scheme", "expected 'confide-v1' or 'lloom-v1'")
            })?,
        },
    };
    Ok(RawSignedMessage::sign_json(&payload, &key, options)
        .into_js()?
        .to_json())
}

/// Verifies an envelope (JSON text) at `now` under `policy`: signature → signer
/// (`INVALID_SIGNER`, `MALFORMED_SIGNATURE`) → time window (`MESSAGE_EXPIRED`,
/// `MESSAGE_FROM_FUTURE`) → policy (`UNSIGNED_MESSAGE`, `UNSUPPORTED_SCHEME`). No replay guard.
#[napi]
pub fn verify_message(
    #[napi(ts_arg_type = "string")] envelope: Unknown<'_>,
    #[napi(ts_arg_type = "number")] now: Unknown<'_>,
    #[napi(ts_arg_type = "VerifyMessagePolicy")] policy: Option<Unknown<'_>>,
) -> Result<Verified> {
    let (envelope, now, policy) = verify_args(envelope, now, policy)?;
    verify(&envelope, now, &policy)
}

/// `verifyMessage` on the thread pool.
#[napi(ts_return_type = "Promise<Verified>")]
pub fn verify_message_async(
    #[napi(ts_arg_type = "string")] envelope: Unknown<'_>,
    #[napi(ts_arg_type = "number")] now: Unknown<'_>,
    #[napi(ts_arg_type = "VerifyMessagePolicy")] policy: Option<Unknown<'_>>,
) -> Result<AsyncTask<CoreTask<Verified>>> {
    let (envelope, now, policy) = verify_args(envelope, now, policy)?;
    Ok(tasks::spawn(move || verify(&envelope, now, &policy)))
}

fn verify_args(
    envelope: Unknown<'_>,
    now: Unknown<'_>,
    policy: Option<Unknown<'_>>,
) -> Result<(String, u64, VerifyPolicy)> {
    let envelope = args::string(envelope, "envelope")?;
    let now = args::seconds(now, "now")?;
    let mut out = VerifyPolicy::default();
    if let Some(policy) = policy
        && !args::is_nullish(&policy)?
    {
        let policy: VerifyMessagePolicy = args::convert(policy, "policy")?;
        if let Some(secs) = policy.max_age_secs {
            out.max_age_secs = args::uint(secs, "policy.maxAgeSecs")?;
        }
        if let Some(secs) = policy.max_future_skew_secs {
            out.max_future_skew_secs = args::uint(secs, "policy.maxFutureSkewSecs")?;
        }
        out.require_signatures = policy.require_signatures.unwrap_or(out.require_signatures);
        out.require_bound_scheme = policy
            .require_bound_scheme
            .unwrap_or(out.require_bound_scheme);
    }
    Ok((envelope, now, out))
}

fn verify(envelope: &str, now: u64, policy: &VerifyPolicy) -> Result<Verified> {
    let envelope = RawSignedMessage::parse(envelope).into_js()?;
    let verified = envelope.verify(policy, now).into_js()?;
    Ok(Verified {
        signer: verified.signer.map(|a| a.to_checksum()),
        bound: verified.bound,
        scheme: verified.scheme.as_str().to_owned(),
        warnings: verified
            .warnings
            .iter()
            .map(|warning| {
                match warning {
                    VerifyWarning::Unsigned => "unsigned",
                    VerifyWarning::UnboundMetadata => "unbound-metadata",
                    VerifyWarning::TimestampOutsideWindow => "timestamp-outside-window",
                }
                .to_owned()
            })
            .collect(),
        payload: envelope.payload_json().to_owned(),
    })
}
