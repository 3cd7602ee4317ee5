//! LLMFeed (LLMFEED.md): `verifyFeed` evaluates a feed into its trust report. Keys are text (PEM,
//! hex, base64), time is the caller's `now` (Unix seconds); errors carry the core's codes.

use confide_core::feed::{
    self, CertifierPolicy, Feed, StaticKeys, VerifyOptions, parse_public_key,
};
use wasm_bindgen::prelude::*;

use crate::args;
use crate::error::{CoreResultExt, Result};
use crate::json;

/// Evaluates `feed` (JSON text or UTF-8 bytes) at `now` (Unix seconds) with `opts` (`{ key?,
/// certifierKey?, trustedCertifiers?, policy? }`: public keys as PEM/hex/base64, a certifier
/// policy feed as JSON text) into `{ trustLevel, signature, certification, trustedBlocks,
/// untrustedBlocks, warnings }`. A tampered or unsigned feed is a report, not a throw. Throws
/// `INVALID_JSON`, `INVALID_FEED`, `MESSAGE_TOO_LARGE`, `INVALID_KEY`, and `KEY_UNAVAILABLE` for a
/// signed feed without `opts.key`.
#[wasm_bindgen(js_name = verifyFeed, unchecked_return_type = "FeedReport")]
pub fn verify_feed(
    #[wasm_bindgen(unchecked_param_type = "string | Uint8Array")] feed: JsValue,
    #[wasm_bindgen(unchecked_param_type = "number")] now: JsValue,
    #[wasm_bindgen(unchecked_param_type = "VerifyFeedOptions | undefined")] opts: JsValue,
) -> Result<JsValue> {
    let bytes = args::text_or_bytes(&feed, "feed")?;
    let now = args::seconds(&now, "now")?;
    let opts = args::object(&opts, "opts", true)?.unwrap_or_default();
    let mut keys = StaticKeys::new();
    if let Some(text) = args::opt_string(&opts, "key", "opts.key")? {
        keys = keys.with_signer(parse_public_key(&text).into_js()?);
    }
    if let Some(text) = args::opt_string(&opts, "certifierKey", "opts.certifierKey")? {
        keys = keys.with_any_certifier(parse_public_key(&text).into_js()?);
    }
    let policy = args::opt_string(&opts, "policy", "opts.policy")?
        .map(|text| CertifierPolicy::from_feed(&Feed::parse(text.as_bytes())?))
        .transpose()
        .into_js()?;
    let trusted = args::opt_strings(&opts, "trustedCertifiers", "opts.trustedCertifiers")?
        .unwrap_or_default();
    let options = VerifyOptions {
        // At most 2^53 - 1, so it fits.
        now: now as i64,
        trusted_certifiers: &trusted,
        policy: policy.as_ref(),
    };
    let report = feed::verify_feed(&bytes, &keys, &options).into_js()?;
    let value = serde_json::to_value(&report)
        .map_err(|e| crate::error::coded(confide_core::ErrorCode::Internal, &e.to_string()))?;
    json::parse(&json::camel_case_keys(value).to_string())
}
