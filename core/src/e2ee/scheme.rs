//! The two ways a client signs `encrypted_session_init` (E2EE.md §1), chosen explicitly.

use std::fmt;
use std::str::FromStr;

use sha2::{Digest, Sha256};

use crate::crypto::{PublicKey, VByte, eip191_hash, sha256};
use crate::error::{Error, ErrorCode, Result};

/// The `alg` label the deployed TypeScript SDK sends; its presence selects [`SignatureScheme::SdkTranscript`].
pub const SDK_ALG: &str = "secp256k1-ecdh(ephemeral→static)+hkdf(sha256)+xchacha20-poly1305";

/// How the client authenticates the session init.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SignatureScheme {
    /// `personal_sign(sha256(ciphertext))`: EIP-191 over the SHA-256 of the ciphertext (the seed's scheme;
    /// what `ethers.Wallet.signMessage(sha256(ciphertext))` produces). Used when `alg` is absent.
    #[default]
    Eip191,
    /// The deployed SDK's transcript: a raw prehash of SHA-256 over the handshake parameters.
    /// Used when `alg` is present.
    SdkTranscript,
}

impl SignatureScheme {
    /// The scheme's name: `"eip191"` or `"sdk-transcript"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Eip191 => "eip191",
            Self::SdkTranscript => "sdk-transcript",
        }
    }

    /// The scheme a host applies to a received payload: `alg` present ⇒ transcript.
    pub fn for_payload(alg: Option<&str>) -> Self {
        if alg.is_some() {
            Self::SdkTranscript
        } else {
            Self::Eip191
        }
    }

    /// How `v` is written by clients of this scheme (ethers: 27/28; the SDK: 0/1).
    pub(crate) fn v_byte(self) -> VByte {
        match self {
            Self::Eip191 => VByte::Ethereum,
            Self::SdkTranscript => VByte::Raw,
        }
    }

    /// The 32-byte digest the client signs for this handshake.
    pub(crate) fn digest(self, handshake: &Handshake<'_>) -> [u8; 32] {
        match self {
            Self::Eip191 => eip191_hash(&sha256(handshake.ciphertext)),
            Self::SdkTranscript => transcript_digest(handshake),
        }
    }
}

impl fmt::Display for SignatureScheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SignatureScheme {
    type Err = Error;
    fn from_str(text: &str) -> Result<Self> {
        match text {
            "eip191" => Ok(Self::Eip191),
            "sdk-transcript" => Ok(Self::SdkTranscript),
            other => Err(Error::new(
                ErrorCode::InvalidMessage,
                format!(
                    "unknown signature scheme `{}`; expected `eip191` or `sdk-transcript`",
                    other.escape_debug()
                ),
            )),
        }
    }
}

/// The public parameters of one session init, as both sides see them.
#[derive(Clone, Copy)]
pub(crate) struct Handshake<'a> {
    pub eph_public: &'a PublicKey,
    pub host_public: &'a PublicKey,
    pub salt: &'a [u8],
    pub nonce: &'a [u8],
    pub info: &'a [u8],
    pub aad: &'a [u8],
    pub ciphertext: &'a [u8],
}

/// SHA256("E2EEv1|" ‖ ephPub33 ‖ "|" ‖ hostPub33 ‖ "|" ‖ salt ‖ "|" ‖ nonce ‖ "|" ‖ info
/// [‖ "|" ‖ aad when aad is non-empty]).
fn transcript_digest(h: &Handshake<'_>) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(b"E2EEv1|");
    hasher.update(h.eph_public.to_compressed());
    hasher.update(b"|");
    hasher.update(h.host_public.to_compressed());
    hasher.update(b"|");
    hasher.update(h.salt);
    hasher.update(b"|");
    hasher.update(h.nonce);
    hasher.update(b"|");
    hasher.update(h.info);
    if !h.aad.is_empty() {
        hasher.update(b"|");
        hasher.update(h.aad);
    }
    hasher.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_is_rejected() {
        for scheme in [SignatureScheme::Eip191, SignatureScheme::SdkTranscript] {
            assert_eq!(scheme.as_str().parse::<SignatureScheme>().unwrap(), scheme);
        }
        assert!("EIP191".parse::<SignatureScheme>().is_err());
        assert_eq!(
            SignatureScheme::for_payload(Some("x")),
            SignatureScheme::SdkTranscript
        );
        assert_eq!(SignatureScheme::for_payload(None), SignatureScheme::Eip191);
    }
}
