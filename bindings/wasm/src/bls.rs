//! BLS12-381 min-pk verification (Warp, WARP.md): one signature, and one message signed by many
//! keys (FastAggregateVerify), and proofs of possession. Keys (48 bytes) and signatures (96 bytes) are hex; keys are
//! validated and signatures subgroup-checked on parse (`INVALID_KEY`, `MALFORMED_SIGNATURE`).

use confide_core::warp::bls::{Ciphersuite, PublicKey, Signature, fast_aggregate_verify};
use wasm_bindgen::prelude::*;

use crate::args;
use crate::error::{CoreResultExt, Result};

/// Whether `signature` (hex) signs `message` (bytes or UTF-8 text) under `publicKey` (hex) with
/// `suite` (`'pop'`, the default, or `'lux-basic'`; another is `UNSUPPORTED_SCHEME`).
#[wasm_bindgen(js_name = blsVerify)]
pub fn bls_verify(
    #[wasm_bindgen(js_name = publicKey, unchecked_param_type = "string")] public_key: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] message: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] signature: JsValue,
    #[wasm_bindgen(unchecked_param_type = "'pop' | 'lux-basic' | undefined")] suite: JsValue,
) -> Result<bool> {
    let key = PublicKey::from_hex(&args::string(&public_key, "publicKey")?).into_js()?;
    let message = args::text_or_bytes(&message, "message")?;
    let signature = signature_arg(&signature)?;
    Ok(signature.verify(&message, &key, suite_arg(&suite)?))
}

/// Whether `signature` (hex) is the aggregate of signatures over the same `message` by every key
/// in `publicKeys` (hex, proofs of possession already checked). False for no key.
#[wasm_bindgen(js_name = blsFastAggregateVerify)]
pub fn bls_fast_aggregate_verify(
    #[wasm_bindgen(js_name = publicKeys, unchecked_param_type = "string[]")] public_keys: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] message: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] signature: JsValue,
    #[wasm_bindgen(unchecked_param_type = "'pop' | 'lux-basic' | undefined")] suite: JsValue,
) -> Result<bool> {
    if !js_sys::Array::is_array(&public_keys) {
        return Err(crate::error::invalid_argument(
            "publicKeys",
            "expected an array of hex strings",
        ));
    }
    let keys = js_sys::Array::from(&public_keys)
        .iter()
        .map(|key| PublicKey::from_hex(&args::string(&key, "publicKeys")?).into_js())
        .collect::<Result<Vec<_>>>()?;
    let message = args::text_or_bytes(&message, "message")?;
    let signature = signature_arg(&signature)?;
    Ok(fast_aggregate_verify(
        &keys,
        &message,
        &signature,
        suite_arg(&suite)?,
    ))
}

/// Whether `proof` (hex) is a valid proof of possession of `publicKey` (hex): the key's signature
/// over its own compressed encoding under the POP proof tag (a host's `/v1/info` publishes one
/// with its `blsPublicKey`).
#[wasm_bindgen(js_name = blsVerifyProofOfPossession)]
pub fn bls_verify_proof_of_possession(
    #[wasm_bindgen(js_name = publicKey, unchecked_param_type = "string")] public_key: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] proof: JsValue,
) -> Result<bool> {
    let key = PublicKey::from_hex(&args::string(&public_key, "publicKey")?).into_js()?;
    Ok(key.verify_proof_of_possession(&signature_arg(&proof)?))
}

fn signature_arg(value: &JsValue) -> Result<Signature> {
    Signature::from_hex(&args::string(value, "signature")?).into_js()
}

fn suite_arg(value: &JsValue) -> Result<Ciphersuite> {
    if value.is_null_or_undefined() {
        return Ok(Ciphersuite::default());
    }
    Ciphersuite::parse(&args::string(value, "suite")?).into_js()
}
