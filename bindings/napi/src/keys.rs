//! secp256k1 key helpers: generate a secret key, its public key, and Ethereum addresses.
//! Keys travel as hex strings (secret keys `0x`-prefixed, 64 digits).

use confide_core::crypto::{PublicKey, SecretKey};
use napi::bindgen_prelude::Unknown;
use napi_derive::napi;
use zeroize::Zeroizing;

use crate::args;
use crate::error::{CoreResultExt, Result};
use crate::rng::os_rng;

/// A fresh random secret key from the operating system's RNG, as `0x`-prefixed hex.
#[napi]
pub fn generate_secret_key() -> String {
    SecretKey::generate(&mut os_rng()).to_hex().to_string()
}

/// The compressed public key (33 bytes, lowercase hex without prefix) of a secret key given as
/// 64 hex digits (optionally `0x`-prefixed). `INVALID_KEY` / `INVALID_HEX_ENCODING` for a bad key.
#[napi]
pub fn public_key_from_secret(
    #[napi(ts_arg_type = "string")] secret_key: Unknown<'_>,
) -> Result<String> {
    Ok(secret_key_arg(secret_key, "secretKey")?
        .public_key()
        .to_hex())
}

/// The EIP-55 address of a public key given as hex of its SEC1 encoding (33 or 65 bytes).
#[napi]
pub fn address_from_public_key(
    #[napi(ts_arg_type = "string")] public_key: Unknown<'_>,
) -> Result<String> {
    let public = PublicKey::from_hex(&args::string(public_key, "publicKey")?).into_js()?;
    Ok(public.address().to_checksum())
}

/// Parses a secret-key argument; the hex text is zeroized once parsed.
pub(crate) fn secret_key_arg(value: Unknown<'_>, name: &str) -> Result<SecretKey> {
    parse_secret_key(Zeroizing::new(args::string(value, name)?))
}

/// Parses secret-key hex held in zeroizing memory.
pub(crate) fn parse_secret_key(hex: Zeroizing<String>) -> Result<SecretKey> {
    SecretKey::from_hex(&hex).into_js()
}
