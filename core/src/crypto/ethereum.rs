//! Ethereum conventions: keccak256, addresses with EIP-55 checksums, and the EIP-191 message hash.

use std::fmt;
use std::str::FromStr;

use sha3::{Digest, Keccak256};
use subtle::ConstantTimeEq;

use crate::error::{Error, ErrorCode, Result};
use crate::hex;

/// keccak256 of `data`.
pub fn keccak256(data: &[u8]) -> [u8; 32] {
    Keccak256::digest(data).into()
}

/// The EIP-191 "personal message" hash: keccak256("\x19Ethereum Signed Message:\n" ‖ len ‖ message),
/// with the length in decimal — what `personal_sign` and ethers' `signMessage` sign.
pub fn eip191_hash(message: &[u8]) -> [u8; 32] {
    let mut hasher = Keccak256::new();
    hasher.update(b"\x19Ethereum Signed Message:\n");
    hasher.update(message.len().to_string().as_bytes());
    hasher.update(message);
    hasher.finalize().into()
}

/// A 20-byte Ethereum address. Displays EIP-55 checksummed; equality is constant time.
#[derive(Clone, Copy, Eq)]
pub struct Address([u8; 20]);

impl Address {
    /// Wraps 20 raw bytes.
    pub const fn from_bytes(bytes: [u8; 20]) -> Self {
        Self(bytes)
    }

    /// The raw bytes.
    pub const fn as_bytes(&self) -> &[u8; 20] {
        &self.0
    }

    /// The address of a 65-byte uncompressed SEC1 public key.
    pub(crate) fn from_uncompressed_public_key(uncompressed: &[u8; 65]) -> Self {
        let hash = keccak256(&uncompressed[1..]);
        let mut bytes = [0u8; 20];
        bytes.copy_from_slice(&hash[12..]);
        Self(bytes)
    }

    /// The EIP-55 checksummed form, `0x`-prefixed.
    pub fn to_checksum(&self) -> String {
        let lower = hex::encode(&self.0);
        let hash = keccak256(lower.as_bytes());
        let mut out = String::with_capacity(42);
        out.push_str("0x");
        for (i, c) in lower.chars().enumerate() {
            let nibble = (hash[i / 2] >> if i % 2 == 0 { 4 } else { 0 }) & 0x0f;
            out.push(if nibble >= 8 {
                c.to_ascii_uppercase()
            } else {
                c
            });
        }
        out
    }

    /// Parses `0x` + 40 hex digits. All-lowercase or all-uppercase input is accepted as is; mixed
    /// case must carry a correct EIP-55 checksum.
    pub fn parse(text: &str) -> Result<Self> {
        let digits = text
            .strip_prefix("0x")
            .ok_or_else(|| invalid_address("missing 0x prefix"))?;
        let bytes: [u8; 20] = hex::decode("address", digits)?
            .try_into()
            .map_err(|_| invalid_address("expected 20 bytes"))?;
        let address = Self(bytes);
        let has_lower = digits.bytes().any(|c| c.is_ascii_lowercase());
        let has_upper = digits.bytes().any(|c| c.is_ascii_uppercase());
        if has_lower && has_upper && address.to_checksum()[2..] != *digits {
            return Err(invalid_address("EIP-55 checksum mismatch"));
        }
        Ok(address)
    }
}

impl PartialEq for Address {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl std::hash::Hash for Address {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl FromStr for Address {
    type Err = Error;
    fn from_str(text: &str) -> Result<Self> {
        Self::parse(text)
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_checksum())
    }
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Address({})", self.to_checksum())
    }
}

fn invalid_address(reason: &str) -> Error {
    Error::new(ErrorCode::InvalidKey, format!("invalid address: {reason}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eip55_examples_from_the_eip() {
        for text in [
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
            "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
            "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
        ] {
            let address = Address::parse(text).unwrap();
            assert_eq!(address.to_checksum(), text);
            assert_eq!(Address::parse(&text.to_lowercase()).unwrap(), address);
        }
    }

    #[test]
    fn rejects_bad_checksum_and_shapes() {
        let wrong = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD";
        for bad in [
            wrong,
            "5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
            "0x1234",
            "0xzz",
        ] {
            assert!(Address::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn eip191_prefixes_the_decimal_length() {
        let expected = keccak256(b"\x19Ethereum Signed Message:\n5hello");
        assert_eq!(eip191_hash(b"hello"), expected);
    }
}
