//! The payloads inside frames: the session init's and the AEAD one, with their field checks.

use serde::{Deserialize, Serialize};

use crate::crypto::{NONCE_LEN, Nonce};
use crate::error::{Error, ErrorCode, Result};
use crate::hex;

/// The payload of `encrypted_session_init` (E2EE.md §1).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionInitPayload {
    /// Client's ephemeral public key, SEC1 compressed (33 B) or uncompressed (65 B).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eph_pub_hex: Option<String>,
    /// Encrypted session data (ciphertext ‖ tag).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ciphertext_hex: Option<String>,
    /// Client signature `r ‖ s ‖ v` (65 B).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature_hex: Option<String>,
    /// 24-byte XChaCha20 nonce.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce_hex: Option<String>,
    /// Additional authenticated data (may be empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aad_hex: Option<String>,
    /// HKDF salt; absent means none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub salt_hex: Option<String>,
    /// HKDF info as hex; absent means empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<String>,
    /// Algorithm label; its presence selects the `sdk-transcript` signature scheme.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    /// Recovery id (0/1) as sent by the deployed SDK; must agree with the signature's `v`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recid: Option<u8>,
}

/// An AEAD payload: `encrypted_message`, `encrypted_chunk` (with `index`) and `encrypted_response`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EncryptedPayload {
    /// Ciphertext ‖ tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ciphertext_hex: Option<String>,
    /// 24-byte nonce.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce_hex: Option<String>,
    /// AAD: `message_N`, `chunk_I` or `encrypted_response_final`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aad_hex: Option<String>,
    /// Chunk index (chunks only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<u64>,
}

/// The decoded parts of an [`EncryptedPayload`].
pub(crate) struct PayloadParts {
    pub ciphertext: Vec<u8>,
    pub nonce: Nonce,
    pub aad: Vec<u8>,
}

impl EncryptedPayload {
    /// Builds a payload from raw parts (hex-encodes them).
    pub fn new(ciphertext: &[u8], nonce: &Nonce, aad: &[u8], index: Option<u64>) -> Self {
        Self {
            ciphertext_hex: Some(hex::encode(ciphertext)),
            nonce_hex: Some(hex::encode(nonce)),
            aad_hex: Some(hex::encode(aad)),
            index,
        }
    }

    /// Checks presence (`MISSING_PAYLOAD_FIELDS`), hex (`INVALID_HEX_ENCODING`) and nonce size
    /// (`INVALID_NONCE_SIZE`), in that order.
    pub(crate) fn decode(&self) -> Result<PayloadParts> {
        let [ciphertext, nonce, aad] = require_fields([
            ("ciphertextHex", &self.ciphertext_hex),
            ("nonceHex", &self.nonce_hex),
            ("aadHex", &self.aad_hex),
        ])?;
        Ok(PayloadParts {
            ciphertext: hex::decode("ciphertextHex", ciphertext)?,
            nonce: decode_nonce(nonce)?,
            aad: hex::decode("aadHex", aad)?,
        })
    }
}

/// Returns the named fields or `MISSING_PAYLOAD_FIELDS` listing every absent one.
pub(crate) fn require_fields<'a, const N: usize>(
    fields: [(&str, &'a Option<String>); N],
) -> Result<[&'a str; N]> {
    let missing: Vec<&str> = fields
        .iter()
        .filter(|(_, value)| value.is_none())
        .map(|(name, _)| *name)
        .collect();
    if !missing.is_empty() {
        return Err(missing_fields(&missing));
    }
    Ok(fields.map(|(_, value)| value.as_deref().unwrap_or_default()))
}

pub(crate) fn missing_fields(missing: &[&str]) -> Error {
    Error::new(
        ErrorCode::MissingPayloadFields,
        format!("payload is missing required fields: {}", missing.join(", ")),
    )
}

pub(crate) fn decode_nonce(text: &str) -> Result<Nonce> {
    hex::decode_array::<NONCE_LEN>("nonceHex", text, ErrorCode::InvalidNonceSize)
}
