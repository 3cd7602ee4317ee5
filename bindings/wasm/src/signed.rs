//! Signed messages (SIGNED_MESSAGES.md): sign a JSON payload into a `SignedMessage` envelope (with
//! a secret key or a JS wallet callback), and verify an envelope against a policy at `now`, either
//! statelessly (`verifyMessage`) or with a replay guard (`Verifier`).

use confide_core::crypto::Address;
use confide_core::signed::{
    self, MessageScheme, RawSignedMessage, SignOptions, VerifyPolicy, VerifyWarning,
};
use js_sys::Function;
use wasm_bindgen::prelude::*;

use crate::args;
use crate::error::{CoreResultExt, Result, invalid_argument};
use crate::json;
use crate::keys::secret_key_arg;
use crate::signer::JsSigner;

/// Signs `payload` (JSON text, signed byte for byte, or an object serialised with
/// `JSON.stringify`) at `timestamp` (Unix seconds) with `signer`: a secret key (64 hex digits) or
/// a `MessageSigner` `{ address, sign(digest) }` (its signature is checked against `address`,
/// `INVALID_SIGNER` on mismatch; a failing `sign` is `INVALID_SIGNATURE`). `opts`: `{ nonce?,
/// scheme?: 'confide-v1' | 'lloom-v1' }`. Returns the envelope JSON.
#[wasm_bindgen(js_name = signMessage)]
pub fn sign_message(
    #[wasm_bindgen(unchecked_param_type = "string | Record<string, unknown>")] payload: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string | MessageSigner")] signer: JsValue,
    #[wasm_bindgen(unchecked_param_type = "number")] timestamp: JsValue,
    #[wasm_bindgen(unchecked_param_type = "SignMessageOptions | undefined")] opts: JsValue,
) -> Result<String> {
    let payload = match payload.as_string() {
        Some(text) => text,
        None if payload.is_object() => json::stringify(&payload, "payload")?,
        None => {
            return Err(invalid_argument(
                "payload",
                "expected JSON text or an object",
            ));
        }
    };
    let timestamp = args::seconds(&timestamp, "timestamp")?;
    let opts = args::object(&opts, "opts", true)?.unwrap_or_default();
    let options = SignOptions {
        timestamp,
        nonce: args::opt_uint(&opts, "nonce", "opts.nonce")?,
        scheme: match args::opt_string(&opts, "scheme", "opts.scheme")?.as_deref() {
            None => MessageScheme::ConfideV1,
            Some(name) => name.parse().map_err(|_| {
                invalid_argument("opts.scheme", "expected 'confide-v1' or 'lloom-v1'")
            })?,
        },
    };
    let envelope = if signer.as_string().is_some() {
        let key = secret_key_arg(&signer, "signer")?;
        RawSignedMessage::sign_json(&payload, &key, options)
    } else {
        let wallet = args::object(&signer, "signer", false)?.unwrap_or_default();
        let address = args::opt_string(&wallet, "address", "signer.address")?
            .map(|text| Address::parse(&text))
            .transpose()
            .into_js()?;
        let sign: Function = args::field(&wallet, "sign")
            .and_then(|f| f.dyn_into().ok())
            .ok_or_else(|| invalid_argument("signer.sign", "expected a function"))?;
        // Called as a method, so a wallet object can use `this`.
        let js_signer = JsSigner::new(&sign, wallet.into(), address);
        RawSignedMessage::sign_json(&payload, &js_signer, options)
    };
    Ok(envelope.into_js()?.to_json())
}

/// Verifies an envelope (JSON text) at `now` (Unix seconds) under `policy` (`{ maxAgeSecs?,
/// maxFutureSkewSecs?, requireSignatures?, requireBoundScheme? }`): signature → signer
/// (`INVALID_SIGNER`, `MALFORMED_SIGNATURE`) → time window (`MESSAGE_EXPIRED`,
/// `MESSAGE_FROM_FUTURE`) → policy (`UNSIGNED_MESSAGE`, `UNSUPPORTED_SCHEME`). No replay guard.
/// Returns `{ signer, bound, scheme, warnings, payload }`.
#[wasm_bindgen(js_name = verifyMessage, unchecked_return_type = "Verified")]
pub fn verify_message(
    #[wasm_bindgen(unchecked_param_type = "string")] envelope: JsValue,
    #[wasm_bindgen(unchecked_param_type = "number")] now: JsValue,
    #[wasm_bindgen(unchecked_param_type = "VerifyMessagePolicy | undefined")] policy: JsValue,
) -> Result<JsValue> {
    let envelope = RawSignedMessage::parse(&args::string(&envelope, "envelope")?).into_js()?;
    let now = args::seconds(&now, "now")?;
    let verified = envelope.verify(&policy_arg(&policy)?, now).into_js()?;
    verified_js(&verified, &envelope)
}

/// A verification policy plus the core's bounded replay guard: verifies envelopes like
/// `verifyMessage` and rejects a repeat inside the time window with `REPLAY_DETECTED`; when full
/// of live entries it refuses new ones with `RATE_LIMITED` (nothing is forgotten to make room).
#[wasm_bindgen]
pub struct Verifier {
    inner: signed::Verifier,
}

#[wasm_bindgen]
impl Verifier {
    /// A verifier with `policy` (defaults as for `verifyMessage`) remembering at most `capacity`
    /// envelopes (default 100,000). A window above 7 days or a capacity of 0 is
    /// `INVALID_ARGUMENT`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "VerifyMessagePolicy | undefined")] policy: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number | undefined")] capacity: JsValue,
    ) -> Result<Verifier> {
        let capacity = if capacity.is_null_or_undefined() {
            signed::Verifier::DEFAULT_CAPACITY
        } else {
            let n = args::seconds(&capacity, "capacity")?;
            usize::try_from(n).map_err(|_| invalid_argument("capacity", "too large"))?
        };
        Ok(Self {
            inner: signed::Verifier::with_capacity(policy_arg(&policy)?, capacity).into_js()?,
        })
    }

    /// Verifies an envelope at `now` and records it: `verifyMessage`'s checks and result, plus
    /// `REPLAY_DETECTED` for an envelope already accepted within the window.
    #[wasm_bindgen(unchecked_return_type = "Verified")]
    pub fn verify(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string")] envelope: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] now: JsValue,
    ) -> Result<JsValue> {
        let envelope = RawSignedMessage::parse(&args::string(&envelope, "envelope")?).into_js()?;
        let now = args::seconds(&now, "now")?;
        let verified = self.inner.verify(&envelope, now).into_js()?;
        verified_js(&verified, &envelope)
    }

    /// The number of envelopes the replay guard remembers.
    #[wasm_bindgen(getter)]
    pub fn remembered(&self) -> u32 {
        u32::try_from(self.inner.remembered()).unwrap_or(u32::MAX)
    }
}

/// A `VerifyMessagePolicy` argument; absent fields (and an absent policy) take the defaults.
fn policy_arg(policy: &JsValue) -> Result<VerifyPolicy> {
    let mut out = VerifyPolicy::default();
    if let Some(policy) = args::object(policy, "policy", true)? {
        let get = |key: &str| args::opt_uint(&policy, key, &format!("policy.{key}"));
        out.max_age_secs = get("maxAgeSecs")?.unwrap_or(out.max_age_secs);
        out.max_future_skew_secs = get("maxFutureSkewSecs")?.unwrap_or(out.max_future_skew_secs);
        out.require_signatures =
            args::opt_bool(&policy, "requireSignatures", "policy.requireSignatures")?
                .unwrap_or(out.require_signatures);
        out.require_bound_scheme =
            args::opt_bool(&policy, "requireBoundScheme", "policy.requireBoundScheme")?
                .unwrap_or(out.require_bound_scheme);
    }
    Ok(out)
}

fn verified_js(verified: &signed::Verified, envelope: &RawSignedMessage) -> Result<JsValue> {
    let warnings: Vec<&str> = verified
        .warnings
        .iter()
        .map(|warning| match warning {
            VerifyWarning::Unsigned => "unsigned",
            VerifyWarning::UnboundMetadata => "unbound-metadata",
            VerifyWarning::TimestampOutsideWindow => "timestamp-outside-window",
        })
        .collect();
    let value = serde_json::json!({
        "signer": verified.signer.map(|a| a.to_checksum()),
        "bound": verified.bound,
        "scheme": verified.scheme.as_str(),
        "warnings": warnings,
        "payload": envelope.payload_json(),
    });
    json::parse(&value.to_string())
}
