//! secp256k1 key helpers: generate a secret key, its public key, and Ethereum addresses. Keys
//! travel as hex strings (secret keys `0x`-prefixed, 64 digits).

use confide_core::crypto::{PublicKey, SecretKey};
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use crate::args;
use crate::error::{CoreResultExt, Result};
use crate::rng::os_rng;

/// A fresh random secret key from `crypto.getRandomValues`, as `0x`-prefixed hex.
#[wasm_bindgen(js_name = generateSecretKey)]
pub fn generate_secret_key() -> String {
    SecretKey::generate(&mut os_rng()).to_hex().to_string()
}

/// The compressed public key (33 bytes, lowercase hex without prefix) of a secret key given as
/// 64 hex digits (optionally `0x`-prefixed). `INVALID_KEY` / `INVALID_HEX_ENCODING` for a bad key.
#[wasm_bindgen(js_name = publicKeyFromSecret)]
pub fn public_key_from_secret(
    #[wasm_bindgen(js_name = secretKey, unchecked_param_type = "string")] secret_key: JsValue,
) -> Result<String> {
    Ok(secret_key_arg(&secret_key, "secretKey")?
        .public_key()
        .to_hex())
}

/// The EIP-55 address of a public key given as hex of its SEC1 encoding (33 or 65 bytes).
#[wasm_bindgen(js_name = addressFromPublicKey)]
pub fn address_from_public_key(
    #[wasm_bindgen(js_name = publicKey, unchecked_param_type = "string")] public_key: JsValue,
) -> Result<String> {
    let public = PublicKey::from_hex(&args::string(&public_key, "publicKey")?).into_js()?;
    Ok(public.address().to_checksum())
}

/// Parses a secret-key argument; the hex text is zeroized once parsed.
pub(crate) fn secret_key_arg(value: &JsValue, name: &str) -> Result<SecretKey> {
    let hex = Zeroizing::new(args::string(value, name)?);
    SecretKey::from_hex(&hex).into_js()
}
