//! The two envelope signature schemes and their digests.

use std::fmt;
use std::str::FromStr;

use sha3::{Digest, Keccak256};

use crate::crypto::{Address, VByte};
use crate::error::{Error, ErrorCode, Result};

/// Domain separator of `confide-v1` digests.
const CONFIDE_V1_DOMAIN: &[u8] = b"confide-signed-message-v1";

/// How an envelope's signature is computed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum MessageScheme {
    /// The deployed Lloom network's scheme: keccak256 of the payload bytes, raw prehash. Timestamp,
    /// nonce and signer are not covered, so the time window and nonce are advisory only. The envelope
    /// default when `scheme` is absent.
    LloomV1,
    /// Confide's scheme: timestamp, nonce and signer are bound into the digest. The default for
    /// everything we sign.
    #[default]
    ConfideV1,
}

impl MessageScheme {
    /// The wire name: `"lloom-v1"` or `"confide-v1"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::LloomV1 => "lloom-v1",
            Self::ConfideV1 => "confide-v1",
        }
    }

    /// Whether timestamp, nonce and signer are covered by the signature.
    pub const fn is_bound(self) -> bool {
        matches!(self, Self::ConfideV1)
    }

    /// How `v` is written (both schemes use the raw recovery id 0/1; 27/28 is accepted on input).
    pub(crate) const fn v_byte(self) -> VByte {
        VByte::Raw
    }

    /// The 32-byte prehash that is signed.
    ///
    /// `confide-v1`: keccak256("confide-signed-message-v1" ‖ u64 BE timestamp ‖ u8 has_nonce ‖
    /// u64 BE nonce (0 when absent) ‖ 20-byte signer ‖ payload bytes).
    pub fn digest(
        self,
        payload: &[u8],
        timestamp: u64,
        nonce: Option<u64>,
        signer: &Address,
    ) -> [u8; 32] {
        let mut hasher = Keccak256::new();
        if self == Self::ConfideV1 {
            hasher.update(CONFIDE_V1_DOMAIN);
            hasher.update(timestamp.to_be_bytes());
            hasher.update([u8::from(nonce.is_some())]);
            hasher.update(nonce.unwrap_or(0).to_be_bytes());
            hasher.update(signer.as_bytes());
        }
        hasher.update(payload);
        hasher.finalize().into()
    }
}

impl fmt::Display for MessageScheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for MessageScheme {
    type Err = Error;
    fn from_str(text: &str) -> Result<Self> {
        match text {
            "lloom-v1" => Ok(Self::LloomV1),
            "confide-v1" => Ok(Self::ConfideV1),
            other => Err(Error::new(
                ErrorCode::UnsupportedScheme,
                format!(
                    "unknown signature scheme `{}`; expected `confide-v1` or `lloom-v1`",
                    other.escape_debug()
                ),
            )),
        }
    }
}
