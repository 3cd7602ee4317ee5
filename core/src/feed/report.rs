//! The result of evaluating a feed (LLMFEED.md's trust table), serializable to the JSON the CLI
//! prints.

use serde::Serialize;

use crate::error::Error;

/// How far an agent may trust the feed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TrustLevel {
    /// Valid signature and a valid certification by a trusted certifier.
    Certified,
    /// Valid signature (no certification, or one that is not valid — see the warnings).
    Signed,
    /// No signature.
    Unsigned,
    /// A signature that does not verify, or a malformed signed feed: reject the signed blocks.
    Invalid,
}

impl TrustLevel {
    /// The JSON name (`"certified"`, …).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Certified => "certified",
            Self::Signed => "signed",
            Self::Unsigned => "unsigned",
            Self::Invalid => "invalid",
        }
    }
}

/// What became of a certification.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CertificationStatus {
    /// The feed has no certification.
    Absent,
    /// Verified, in force, by a trusted certifier, within the policy.
    Valid,
    /// Past `expires_at`, or older than the policy's `validity_days`.
    Expired,
    /// The certifier's signature does not verify, a target is missing, the certifier is not the one
    /// `trust` names, it is not yet in force, or the policy refuses it.
    Invalid,
    /// The certifier is not among the trusted ones.
    UntrustedCertifier,
    /// Made by a scheme this verifier cannot check (e.g. `targets: ["all"]`), or no key is known.
    Unverifiable,
}

impl CertificationStatus {
    /// The JSON name (`"untrusted_certifier"`, …).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Absent => "absent",
            Self::Valid => "valid",
            Self::Expired => "expired",
            Self::Invalid => "invalid",
            Self::UntrustedCertifier => "untrusted_certifier",
            Self::Unverifiable => "unverifiable",
        }
    }
}

/// A code and message for why something failed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReportError {
    /// The stable error code (`INVALID_SIGNATURE`, `INVALID_FEED`, …).
    pub code: &'static str,
    /// What failed (no content of the feed beyond block names).
    pub message: String,
}

impl From<&Error> for ReportError {
    fn from(error: &Error) -> Self {
        Self {
            code: error.code().as_str(),
            message: error.message().to_owned(),
        }
    }
}

/// The author's signature.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SignatureReport {
    /// Whether it verified.
    pub valid: bool,
    /// The declared algorithm, as written.
    pub algorithm: Option<String>,
    /// The canonicalization that verified (or, when none did, the declared one).
    pub canonicalization: Option<String>,
    /// The blocks it covers, in signing order (`["all"]` expanded).
    pub signed_blocks: Vec<String>,
    /// `signature.created_at`, as written.
    pub created_at: Option<String>,
    /// The key hint the feed gives.
    pub public_key_hint: Option<String>,
    /// Why it is not valid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ReportError>,
}

/// The third-party certification.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CertificationReport {
    /// What became of it.
    pub status: CertificationStatus,
    /// Who certified, as written.
    pub certifier: Option<String>,
    /// When it ends, as written.
    pub expires_at: Option<String>,
}

/// The evaluation of a feed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TrustReport {
    /// The overall verdict.
    pub trust_level: TrustLevel,
    /// The author's signature; `None` (JSON `null`) for an unsigned feed.
    pub signature: Option<SignatureReport>,
    /// The certification.
    pub certification: CertificationReport,
    /// Blocks an agent may trust (the signed ones, when the signature is valid).
    pub trusted_blocks: Vec<String>,
    /// Every other block (but `signature` and `certification`).
    pub untrusted_blocks: Vec<String>,
    /// Why trust is lower than it could be, one sentence each.
    pub warnings: Vec<String>,
}

impl TrustReport {
    /// The report as compact JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a report always serializes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_the_json() {
        for level in [
            TrustLevel::Certified,
            TrustLevel::Signed,
            TrustLevel::Unsigned,
            TrustLevel::Invalid,
        ] {
            assert_eq!(
                serde_json::to_value(level).unwrap(),
                serde_json::json!(level.as_str())
            );
        }
        for status in [
            CertificationStatus::Absent,
            CertificationStatus::Valid,
            CertificationStatus::Expired,
            CertificationStatus::Invalid,
            CertificationStatus::UntrustedCertifier,
            CertificationStatus::Unverifiable,
        ] {
            assert_eq!(
                serde_json::to_value(status).unwrap(),
                serde_json::json!(status.as_str())
            );
        }
    }
}
