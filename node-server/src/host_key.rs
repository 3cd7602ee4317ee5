//! Where the host's secp256k1 identity comes from: `HOST_PRIVATE_KEY`, an ephemeral `--dev` key, or
//! none (plaintext-only). A bad value is a startup error that says what is wrong, never the value.

use confide_core::crypto::SecretKey;
use rand_core::CryptoRng;

/// The environment variable holding the host key (`0x` + 64 hex digits).
pub const HOST_KEY_ENV: &str = "HOST_PRIVATE_KEY";

/// How the host key was obtained.
#[derive(Debug)]
pub enum HostKey {
    /// From `HOST_PRIVATE_KEY`.
    Configured(SecretKey),
    /// Generated at startup for `--dev`; gone when the process exits.
    Ephemeral(SecretKey),
    /// No key: the host serves plaintext sessions only.
    None,
}

impl HostKey {
    /// Resolves the key from the environment value (if any) and the `--dev` flag. A configured key
    /// wins over `--dev`.
    pub fn resolve(
        env_value: Option<&str>,
        dev: bool,
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Result<Self, HostKeyError> {
        match env_value {
            Some(text) => parse_host_key(text).map(Self::Configured),
            None if dev => Ok(Self::Ephemeral(SecretKey::generate(rng))),
            None => Ok(Self::None),
        }
    }

    /// The key, when there is one.
    pub fn secret(&self) -> Option<&SecretKey> {
        match self {
            Self::Configured(key) | Self::Ephemeral(key) => Some(key),
            Self::None => None,
        }
    }
}

/// Why `HOST_PRIVATE_KEY` was refused. The message describes the shape, never the content.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum HostKeyError {
    /// The variable is set but empty.
    #[error("{HOST_KEY_ENV} is set but empty")]
    Empty,
    /// Missing `0x` prefix.
    #[error("{HOST_KEY_ENV} must start with 0x")]
    MissingPrefix,
    /// Wrong number of hex digits.
    #[error("{HOST_KEY_ENV} must have 64 hex digits after 0x, found {0}")]
    WrongLength(usize),
    /// Characters outside `[0-9a-fA-F]`.
    #[error("{HOST_KEY_ENV} contains characters that are not hex digits")]
    NotHex,
    /// Zero or not below the secp256k1 group order.
    #[error(
        "{HOST_KEY_ENV} is not a valid secp256k1 secret key (zero or not below the curve order)"
    )]
    OutOfRange,
}

/// Parses `0x` + 64 hex digits (surrounding whitespace, e.g. a trailing newline from a file, is
/// ignored).
pub fn parse_host_key(text: &str) -> Result<SecretKey, HostKeyError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(HostKeyError::Empty);
    }
    let digits = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .ok_or(HostKeyError::MissingPrefix)?;
    if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(HostKeyError::NotHex);
    }
    if digits.len() != 64 {
        return Err(HostKeyError::WrongLength(digits.len()));
    }
    SecretKey::from_hex(digits).map_err(|_| HostKeyError::OutOfRange)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_well_formed_keys_and_names_each_problem() {
        let good = format!("0x{}\n", "11".repeat(32));
        assert!(parse_host_key(&good).is_ok());
        let no_prefix = "11".repeat(32);
        let cases = [
            ("", HostKeyError::Empty),
            (no_prefix.as_str(), HostKeyError::MissingPrefix),
            ("0x1234", HostKeyError::WrongLength(4)),
            ("0xzz", HostKeyError::NotHex),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_host_key(text).unwrap_err(), expected);
        }
        let zero = format!("0x{}", "00".repeat(32));
        assert_eq!(parse_host_key(&zero).unwrap_err(), HostKeyError::OutOfRange);
    }

    #[test]
    fn errors_never_echo_the_value() {
        let secret = format!("0x{}zz", "ab".repeat(31));
        let message = parse_host_key(&secret).unwrap_err().to_string();
        assert!(!message.contains("abab"), "{message}");
    }
}
