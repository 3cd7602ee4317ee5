//! Where the node's BLS key comes from: `BLS_PRIVATE_KEY` (`0x` + 64 hex, the big-endian secret
//! scalar), an ephemeral `--dev` key, or none (the node does not sign). Errors describe the shape of
//! a bad value, never the value.

use confide_core::warp::bls::BlsSecretKey;
use rand_core::CryptoRng;
use zeroize::Zeroizing;

/// The environment variable holding the BLS key.
pub const BLS_KEY_ENV: &str = "BLS_PRIVATE_KEY";

/// Resolves the key from the environment value and `--dev`; a configured key wins over `--dev`.
pub fn resolve(
    env_value: Option<&str>,
    dev: bool,
    rng: &mut (impl CryptoRng + ?Sized),
) -> Result<Option<BlsSecretKey>, String> {
    match env_value {
        Some(text) => parse(text).map(Some),
        None if dev => Ok(Some(BlsSecretKey::generate(rng))),
        None => Ok(None),
    }
}

/// Parses `0x` + 64 hex digits.
pub fn parse(text: &str) -> Result<BlsSecretKey, String> {
    let text = Zeroizing::new(text.trim().to_owned());
    let Some(digits) = text.strip_prefix("0x") else {
        return Err(format!("{BLS_KEY_ENV} must start with 0x"));
    };
    if digits.len() != 64 {
        return Err(format!(
            "{BLS_KEY_ENV} must have 64 hex digits after 0x, found {}",
            digits.len()
        ));
    }
    BlsSecretKey::from_hex(digits).map_err(|err| match err.code() {
        confide_core::ErrorCode::InvalidHexEncoding => {
            format!("{BLS_KEY_ENV} contains characters that are not hex digits")
        }
        _ => format!("{BLS_KEY_ENV} is zero or not below the BLS12-381 group order"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_values_are_described_not_echoed() {
        let secret = "ab".repeat(32);
        for (value, expected) in [
            (secret.clone(), "must start with 0x"),
            (format!("0x{}", &secret[..62]), "found 62"),
            (format!("0x{}zz", &secret[..62]), "not hex digits"),
            (format!("0x{}", "0".repeat(64)), "zero or not below"),
            (format!("0x{}", "f".repeat(64)), "zero or not below"),
        ] {
            let err = parse(&value).unwrap_err();
            assert!(err.contains(expected), "{err}");
            assert!(!err.contains(&secret[..16]), "{err}");
        }
        let key = parse(&format!("0x{}", "11".repeat(32))).unwrap();
        assert_eq!(key.to_hex().as_str(), format!("0x{}", "11".repeat(32)));
        assert!(resolve(None, false, &mut rand::rng()).unwrap().is_none());
        assert!(resolve(None, true, &mut rand::rng()).unwrap().is_some());
    }
}
