//! Which hash-to-curve domain separation tags signatures and proofs of possession use.

use std::fmt;

use crate::error::{Error, ErrorCode, Result};

/// The domain separation tag of message signatures under the POP ciphersuite (Avalanche, Ethereum).
pub const POP_SIGNATURE_DST: &[u8] = b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";
/// The domain separation tag of proofs of possession (a signature over the compressed public key).
pub const POP_PROOF_DST: &[u8] = b"BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";
/// The domain separation tag of message signatures in the Lux build (`lux-basic`).
pub const LUX_BASIC_SIGNATURE_DST: &[u8] = b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_";

/// A BLS12-381 min-pk ciphersuite: public keys in G1 (48 bytes), signatures in G2 (96 bytes).
///
/// Both suites aggregate signatures over one message, which is safe only with keys whose proof of
/// possession was checked (or that come from a trusted validator registry): proofs of possession
/// always use [`POP_PROOF_DST`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Ciphersuite {
    /// `BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_` (Avalanche, Ethereum): the default.
    #[default]
    Pop,
    /// `BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_`, the tag the Lux build signs with.
    LuxBasic,
}

impl Ciphersuite {
    /// The tag message signatures are hashed with.
    pub const fn signature_dst(self) -> &'static [u8] {
        match self {
            Self::Pop => POP_SIGNATURE_DST,
            Self::LuxBasic => LUX_BASIC_SIGNATURE_DST,
        }
    }

    /// The command-line and configuration name: `pop` or `lux-basic`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pop => "pop",
            Self::LuxBasic => "lux-basic",
        }
    }

    /// Parses `pop` or `lux-basic`.
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "pop" => Ok(Self::Pop),
            "lux-basic" => Ok(Self::LuxBasic),
            other => Err(Error::new(
                ErrorCode::UnsupportedScheme,
                format!("unknown BLS ciphersuite {other:?} (expected pop or lux-basic)"),
            )),
        }
    }
}

impl fmt::Display for Ciphersuite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
