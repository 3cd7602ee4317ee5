//! `POST /v1/auth/challenge` (NODE_SERVER.md): the host proves it holds its key by signing a
//! client's random challenge. The deployed SDK recovers the host's public key from the answer when
//! the on-chain registry has none.

use serde::Deserialize;

use crate::crypto::{RecoverableSignature, SecretKey, VByte, sha256};
use crate::error::{Error, ErrorCode, Result};

/// Bytes a challenge must have.
pub const CHALLENGE_LEN: usize = 32;

#[derive(Deserialize)]
struct ChallengeBody {
    challenge: String,
}

/// Answers a challenge request body `{"challenge":"<32 bytes hex>"}` with
/// `{"signature":"<r‖s: 64 bytes hex>","recid":0|1}`: a low-S ECDSA signature by `host_key` over
/// SHA-256 of the challenge bytes. A body that is not that JSON is `INVALID_MESSAGE`; a challenge
/// that is not hex is `INVALID_HEX_ENCODING`; one of another length is `INVALID_ARGUMENT`.
pub fn answer_auth_challenge(host_key: &SecretKey, body: &[u8]) -> Result<String> {
    let body: ChallengeBody = serde_json::from_slice(body).map_err(|_| {
        Error::new(
            ErrorCode::InvalidMessage,
            "expected a JSON body {\"challenge\":\"<32 bytes hex>\"}",
        )
    })?;
    let challenge = crate::hex::decode_array::<CHALLENGE_LEN>(
        "challenge",
        &body.challenge,
        ErrorCode::InvalidArgument,
    )?;
    let signature = RecoverableSignature::sign_prehash(host_key, &sha256(&challenge));
    let bytes = signature.to_bytes(VByte::Raw);
    Ok(serde_json::json!({
        "signature": crate::hex::encode(&bytes[..64]),
        "recid": signature.recovery_id(),
    })
    .to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::PublicKey;

    fn key() -> SecretKey {
        SecretKey::from_bytes(&[0x42; 32]).unwrap()
    }

    #[test]
    fn the_answer_recovers_to_the_host_key() {
        let challenge = [7u8; 32];
        let body = format!(r#"{{"challenge":"{}"}}"#, crate::hex::encode(&challenge));
        let answer: serde_json::Value =
            serde_json::from_str(&answer_auth_challenge(&key(), body.as_bytes()).unwrap()).unwrap();
        let mut signature =
            crate::hex::decode("signature", answer["signature"].as_str().unwrap()).unwrap();
        assert_eq!(signature.len(), 64);
        signature.push(u8::try_from(answer["recid"].as_u64().unwrap()).unwrap());
        let recovered: PublicKey = RecoverableSignature::from_bytes(&signature)
            .unwrap()
            .recover(&sha256(&challenge))
            .unwrap();
        assert_eq!(recovered, *key().public_key());
    }

    #[test]
    fn a_short_non_hex_or_missing_challenge_is_refused() {
        let cases: [(&[u8], ErrorCode); 4] = [
            (br#"{"challenge":"00"}"#, ErrorCode::InvalidArgument),
            (
                br#"{"challenge":"zz00000000000000000000000000000000000000000000000000000000000000"}"#,
                ErrorCode::InvalidHexEncoding,
            ),
            (br#"{"nonce":"00"}"#, ErrorCode::InvalidMessage),
            (b"not json", ErrorCode::InvalidMessage),
        ];
        for (body, code) in cases {
            assert_eq!(
                answer_auth_challenge(&key(), body).unwrap_err().code(),
                code
            );
        }
        let short = format!(r#"{{"challenge":"{}"}}"#, "ab".repeat(31));
        let error = answer_auth_challenge(&key(), short.as_bytes()).unwrap_err();
        assert!(
            error.message().contains("expected 32 bytes, got 31"),
            "{error}"
        );
    }
}
