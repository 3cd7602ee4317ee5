//! Signed messages (SIGNED_MESSAGES.md): sign a JSON payload into a `SignedMessage` envelope (with
//! a secret key or a JS wallet callback), and verify an envelope against a policy at `now`, either
//! statelessly (`verifyMessage`) or with a replay guard (`Verifier`).

use confide_core::crypto::{Address, SecretKey};
use confide_core::signed::{
    self, MessageScheme, RawSignedMessage, SignOptions, VerifyPolicy, VerifyWarning,
};
use napi::bindgen_prelude::{
    AsyncTask, BigInt, Either, FunctionRef, JsObjectValue, Object, Uint8Array, Unknown,
};
use napi::{Env, ValueType};
use napi_derive::napi;

use crate::args;
use crate::error::{CoreResultExt, Result, internal, invalid_argument};
use crate::json;
use crate::keys::secret_key_arg;
use crate::signer::{JsSigner, SignerFunction};
use crate::tasks::{self, CoreTask};

// Declares the TypeScript interface only: `message_signer_arg` converts the argument by hand, to
// check each field's type and to call `sign` with the object as `this`.
/// A wallet (or HSM, enclave…) that signs for `signMessage` instead of a secret key.
#[napi(object, object_from_js = false, object_to_js = false)]
pub struct MessageSigner {
    /// The signer's address (`0x` + 40 hex digits, EIP-55 or single-case). The signature is
    /// recovered and checked against it: a mismatch is `INVALID_SIGNER`. Required for
    /// `'confide-v1'`, which binds the signer into the digest (`INVALID_KEY` without it); may be
    /// omitted only for `'lloom-v1'`, whose signer is then recovered from the signature.
    pub address: Option<String>,
    /// Called once, synchronously, with `this` = the signer object and the 32-byte digest to sign
    /// as is (already hashed: no EIP-191 prefix, no further hashing); returns the 65-byte
    /// signature `r ‖ s ‖ v` (v = 0, 1, 27 or 28). A throw (e.g. the user declined), a
    /// non-`Uint8Array` result (a Promise included) or a malformed signature is
    /// `INVALID_SIGNATURE`.
    #[napi(ts_type = "(digest: Uint8Array) => Uint8Array")]
    pub sign: FunctionRef<Uint8Array, Unknown<'static>>,
}

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
/// future skew, signatures required, lloom-v1 allowed). A window above 604,800 s (7 days) is
/// `INVALID_ARGUMENT`.
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
/// `JSON.stringify`) at `timestamp` (Unix seconds) with `signer`: a secret key (64 hex digits,
/// optionally `0x`-prefixed) or a `MessageSigner` (a wallet callback; its signature is checked
/// against `signer.address`, `INVALID_SIGNER` on mismatch, and a failing callback is
/// `INVALID_SIGNATURE`). Returns the envelope JSON
/// `{"payload","signer","signature","timestamp","nonce"?,"scheme"?}`.
#[napi]
pub fn sign_message(
    env: &Env,
    #[napi(ts_arg_type = "string | Record<string, unknown>")] payload: Unknown<'_>,
    #[napi(ts_arg_type = "string | MessageSigner")] signer: Unknown<'_>,
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
    let signer = message_signer_arg(signer)?;
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
    let envelope = match signer {
        SignerArg::Key(key) => RawSignedMessage::sign_json(&payload, key.as_ref(), options),
        SignerArg::Wallet {
            sign,
            object,
            address,
        } => {
            // Called as a method, so a wallet object can use `this`.
            let sign = sign.bind(object).map_err(internal)?;
            RawSignedMessage::sign_json(&payload, &JsSigner::with_address(sign, address), options)
        }
    };
    Ok(envelope.into_js()?.to_json())
}

/// The `signer` argument of `signMessage`, converted.
enum SignerArg<'scope> {
    /// A secret key (zeroized on drop).
    Key(Box<SecretKey>),
    /// A `MessageSigner`: its `sign` function, the object itself, and its parsed `address`.
    Wallet {
        sign: SignerFunction<'scope>,
        object: Unknown<'scope>,
        address: Option<Address>,
    },
}

fn message_signer_arg(value: Unknown<'_>) -> Result<SignerArg<'_>> {
    match value.get_type().map_err(internal)? {
        ValueType::String => {
            secret_key_arg(value, "signer").map(|key| SignerArg::Key(Box::new(key)))
        }
        ValueType::Object => {
            let object: Object = args::convert(value, "signer")?;
            let address: Unknown = object
                .get_named_property_unchecked("address")
                .map_err(internal)?;
            let address = args::opt_string(Some(address), "signer.address")?
                .map(|text| Address::parse(&text))
                .transpose()
                .into_js()?;
            let sign: Unknown = object
                .get_named_property_unchecked("sign")
                .map_err(internal)?;
            let sign: SignerFunction = args::convert(sign, "signer.sign")?;
            Ok(SignerArg::Wallet {
                sign,
                object: value,
                address,
            })
        }
        _ => Err(invalid_argument(
            "signer",
            "expected a secret key (hex string) or a signer object { address, sign }",
        )),
    }
}

/// Verifies an envelope (JSON text) at `now` under `policy`: signature → signer
/// (`INVALID_SIGNER`, `MALFORMED_SIGNATURE`) → time window (`MESSAGE_EXPIRED`,
/// `MESSAGE_FROM_FUTURE`) → policy (`UNSIGNED_MESSAGE`, `UNSUPPORTED_SCHEME`; a window above 7 days
/// is `INVALID_ARGUMENT`). No replay guard.
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
    Ok((envelope, now, policy_arg(policy)?))
}

/// A `VerifyMessagePolicy` argument; absent fields (and an absent policy) take the defaults.
fn policy_arg(policy: Option<Unknown<'_>>) -> Result<VerifyPolicy> {
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
    Ok(out)
}

fn verify(envelope: &str, now: u64, policy: &VerifyPolicy) -> Result<Verified> {
    let envelope = RawSignedMessage::parse(envelope).into_js()?;
    let verified = envelope.verify(policy, now).into_js()?;
    Ok(Verified::new(&verified, &envelope))
}

impl Verified {
    fn new(verified: &signed::Verified, envelope: &RawSignedMessage) -> Self {
        Self {
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
        }
    }
}

/// A verification policy plus a bounded replay guard (the core's `Verifier`): verifies envelopes
/// like `verifyMessage` and rejects a repeat inside the time window with `REPLAY_DETECTED`. A
/// repeat is the same signer and nonce for a confide-v1 envelope with a nonce, the same signed
/// digest otherwise. The guard fails closed: when it is full of envelopes still inside their
/// window, a new one is refused with `RATE_LIMITED` until some expire (nothing is forgotten to
/// make room). Keep one per process (or per trust domain); its memory is in this object.
#[napi]
pub struct Verifier {
    inner: signed::Verifier,
}

#[napi]
impl Verifier {
    /// A verifier with `policy` (defaults as for `verifyMessage`) whose replay guard remembers at
    /// most `capacity` envelopes (default 100,000). A window above 7 days or a capacity of 0 is
    /// `INVALID_ARGUMENT`.
    #[napi(constructor)]
    pub fn new(
        #[napi(ts_arg_type = "VerifyMessagePolicy")] policy: Option<Unknown<'_>>,
        #[napi(ts_arg_type = "number")] capacity: Option<Unknown<'_>>,
    ) -> Result<Self> {
        let policy = policy_arg(policy)?;
        let capacity = match capacity {
            Some(capacity) if !args::is_nullish(&capacity)? => {
                let n = args::uint(args::convert::<f64>(capacity, "capacity")?, "capacity")?;
                usize::try_from(n).map_err(|_| invalid_argument("capacity", "too large"))?
            }
            _ => signed::Verifier::DEFAULT_CAPACITY,
        };
        Ok(Self {
            inner: signed::Verifier::with_capacity(policy, capacity).into_js()?,
        })
    }

    /// Verifies an envelope (JSON text) at `now` (Unix seconds) and records it: the same checks
    /// and result as `verifyMessage`, plus `REPLAY_DETECTED` for an envelope already accepted
    /// within the window and `RATE_LIMITED` while the guard is full. Rejected envelopes, and
    /// unsigned ones a lax policy accepts, are not recorded.
    #[napi]
    pub fn verify(
        &mut self,
        #[napi(ts_arg_type = "string")] envelope: Unknown<'_>,
        #[napi(ts_arg_type = "number")] now: Unknown<'_>,
    ) -> Result<Verified> {
        let envelope = args::string(envelope, "envelope")?;
        let now = args::seconds(now, "now")?;
        let envelope = RawSignedMessage::parse(&envelope).into_js()?;
        let verified = self.inner.verify(&envelope, now).into_js()?;
        Ok(Verified::new(&verified, &envelope))
    }

    /// The number of envelopes the replay guard remembers (expired ones are dropped as new ones
    /// arrive).
    #[napi(getter)]
    pub fn remembered(&self) -> u32 {
        u32::try_from(self.inner.remembered()).unwrap_or(u32::MAX)
    }
}
