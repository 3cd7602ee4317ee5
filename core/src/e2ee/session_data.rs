//! The encrypted session data inside `encrypted_session_init`:
//! `{"sessionKey":"hex 32 B","jobId":"15","modelName":"…","pricePerToken":2272727273,
//! "timestamp":1732200000}`.

use std::fmt;

use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use zeroize::{Zeroize, Zeroizing};

use crate::crypto::{PublicKey, SymmetricKey};
use crate::error::{Error, Result};
use crate::hex;

/// What the client tells the host inside the encrypted init. `Debug` hides the session key.
#[derive(Clone)]
pub struct SessionData {
    /// The symmetric key for every later message of the session.
    pub session_key: SymmetricKey,
    /// Job id (a decimal string on the wire; a JSON number is accepted).
    pub job_id: Option<String>,
    /// Model the client wants.
    pub model_name: Option<String>,
    /// Agreed price per token (a JSON integer).
    pub price_per_token: Option<u64>,
    /// The client's public key as the deployed SDK sends it; must match the recovered signer.
    pub recovery_public_key: Option<PublicKey>,
    /// When the client built the init, in Unix seconds (a JSON integer). Confide's clients always
    /// send it so the host can refuse a stale init (E2EE.md §1 "Freshness"); the deployed SDK
    /// does not. Parsed here; the host compares it with its own clock.
    pub timestamp: Option<u64>,
    /// The chain the session is for (`chainId`, a JSON integer); bound by the client's signature,
    /// unlike the frame's `chain_id`, so receipts prefer it. Sent along with `timestamp`.
    pub chain_id: Option<u64>,
}

/// The wire shape, read leniently so that each problem gets its own message.
#[derive(Deserialize)]
struct Wire {
    #[serde(rename = "sessionKey")]
    session_key: Option<String>,
    #[serde(rename = "jobId")]
    job_id: Option<Value>,
    #[serde(rename = "modelName")]
    model_name: Option<Value>,
    #[serde(rename = "pricePerToken")]
    price_per_token: Option<Value>,
    #[serde(rename = "recoveryPublicKey")]
    recovery_public_key: Option<Value>,
    timestamp: Option<Value>,
    #[serde(rename = "chainId")]
    chain_id: Option<Value>,
    #[serde(rename = "session_key")]
    session_key_snake: Option<IgnoredAny>,
    #[serde(rename = "job_id")]
    job_id_snake: Option<IgnoredAny>,
    #[serde(rename = "model_name")]
    model_name_snake: Option<IgnoredAny>,
    #[serde(rename = "price_per_token")]
    price_per_token_snake: Option<IgnoredAny>,
}

impl SessionData {
    /// Parses decrypted session data. Every problem is `INVALID_SESSION_DATA` with a message naming
    /// the field (and, for snake_case keys, the expected camelCase key); no value is ever echoed.
    pub fn parse(plaintext: &[u8]) -> Result<Self> {
        let mut wire: Wire = serde_json::from_slice(plaintext)
            .map_err(|_| Error::invalid_session_data("not a JSON object of the expected shape"))?;
        let result = Self::from_wire(&wire);
        if let Some(key) = wire.session_key.as_mut() {
            key.zeroize();
        }
        result
    }

    fn from_wire(wire: &Wire) -> Result<Self> {
        for (present, snake, camel) in [
            (
                wire.session_key_snake.is_some(),
                "session_key",
                "sessionKey",
            ),
            (wire.job_id_snake.is_some(), "job_id", "jobId"),
            (wire.model_name_snake.is_some(), "model_name", "modelName"),
            (
                wire.price_per_token_snake.is_some(),
                "price_per_token",
                "pricePerToken",
            ),
        ] {
            if present {
                return Err(Error::invalid_session_data(format_args!(
                    "key `{snake}` is not accepted; use camelCase `{camel}`"
                )));
            }
        }
        let key_hex = wire
            .session_key
            .as_deref()
            .ok_or_else(|| Error::invalid_session_data("missing `sessionKey`"))?;
        let key_bytes = Zeroizing::new(
            hex::decode("sessionKey", key_hex)
                .map_err(|_| Error::invalid_session_data("`sessionKey` is not hex"))?,
        );
        let session_key = SymmetricKey::from_slice(&key_bytes)
            .map_err(|_| Error::invalid_session_data("`sessionKey` must be 32 bytes"))?;
        Ok(Self {
            session_key,
            job_id: wire.job_id.as_ref().map(job_id_text).transpose()?,
            model_name: wire
                .model_name
                .as_ref()
                .map(|v| expect_string("modelName", v))
                .transpose()?,
            price_per_token: wire
                .price_per_token
                .as_ref()
                .map(|v| expect_u64("pricePerToken", v))
                .transpose()?,
            recovery_public_key: wire
                .recovery_public_key
                .as_ref()
                .map(recovery_public_key)
                .transpose()?,
            timestamp: wire
                .timestamp
                .as_ref()
                .map(|v| expect_u64("timestamp", v))
                .transpose()?,
            chain_id: wire
                .chain_id
                .as_ref()
                .map(|v| expect_u64("chainId", v))
                .transpose()?,
        })
    }

    /// The JSON the client encrypts, fields in the deployed SDK's order (camelCase,
    /// `pricePerToken` as an integer), then `timestamp` and `chainId` when set (absent, the bytes
    /// are exactly the SDK's). It holds the session key: zeroized on drop, never logged.
    /// [`parse`](Self::parse) reads it back to the same value.
    pub fn to_json(&self) -> Zeroizing<String> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Out<'a> {
            session_key: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            job_id: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            model_name: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            price_per_token: Option<u64>,
            #[serde(skip_serializing_if = "Option::is_none")]
            recovery_public_key: Option<String>,
            #[serde(skip_serializing_if = "Option::is_none")]
            timestamp: Option<u64>,
            #[serde(skip_serializing_if = "Option::is_none")]
            chain_id: Option<u64>,
        }
        let key_hex = Zeroizing::new(hex::encode(self.session_key.expose_secret()));
        let out = Out {
            session_key: &key_hex,
            job_id: self.job_id.as_deref(),
            model_name: self.model_name.as_deref(),
            price_per_token: self.price_per_token,
            recovery_public_key: self
                .recovery_public_key
                .map(|key| hex::encode_prefixed(&key.to_compressed())),
            timestamp: self.timestamp,
            chain_id: self.chain_id,
        };
        // Reserve up front so the buffer never reallocates and leaves a copy of the key behind.
        let mut buffer = Vec::with_capacity(512);
        serde_json::to_writer(&mut buffer, &out).expect("session data always serializes");
        Zeroizing::new(String::from_utf8(buffer).expect("serde_json writes UTF-8"))
    }
}

fn expect_string(field: &str, value: &Value) -> Result<String> {
    value
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| Error::invalid_session_data(format_args!("`{field}` must be a string")))
}

fn job_id_text(value: &Value) -> Result<String> {
    match value {
        Value::String(text) => Ok(text.clone()),
        Value::Number(n) if n.is_u64() => Ok(n.to_string()),
        _ => Err(Error::invalid_session_data(
            "`jobId` must be a decimal string or a non-negative integer",
        )),
    }
}

/// A JSON integer in `u64` range; a decimal string, a float or a negative number is refused (never
/// read as 0), with a message naming `field`.
fn expect_u64(field: &str, value: &Value) -> Result<u64> {
    match value {
        Value::Number(n) => n.as_u64().ok_or_else(|| {
            Error::invalid_session_data(format_args!(
                "`{field}` must be a non-negative integer (u64)"
            ))
        }),
        Value::String(_) => Err(Error::invalid_session_data(format_args!(
            "`{field}` must be a JSON integer, not a string"
        ))),
        _ => Err(Error::invalid_session_data(format_args!(
            "`{field}` must be a JSON integer"
        ))),
    }
}

fn recovery_public_key(value: &Value) -> Result<PublicKey> {
    value
        .as_str()
        .and_then(|text| PublicKey::from_hex(text).ok())
        .ok_or_else(|| {
            Error::invalid_session_data("`recoveryPublicKey` is not a secp256k1 public key in hex")
        })
}

impl fmt::Debug for SessionData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionData")
            .field("session_key", &"<redacted>")
            .field("job_id", &self.job_id)
            .field("model_name", &self.model_name)
            .field("price_per_token", &self.price_per_token)
            .field("recovery_public_key", &self.recovery_public_key)
            .field("timestamp", &self.timestamp)
            .field("chain_id", &self.chain_id)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    const KEY: &str = "5555555555555555555555555555555555555555555555555555555555555555";

    fn parse(json: &str) -> Result<SessionData> {
        SessionData::parse(json.as_bytes())
    }

    #[test]
    fn parses_the_sdk_shape_and_ignores_unknown_fields() {
        let data = parse(&format!(
            r#"{{"sessionKey":"{KEY}","jobId":"42","modelName":"m","pricePerToken":2272727273,"vectorDatabase":{{}}}}"#
        ))
        .unwrap();
        assert_eq!(data.job_id.as_deref(), Some("42"));
        assert_eq!(data.price_per_token, Some(2_272_727_273));
        assert_eq!(data.session_key.expose_secret(), &[0x55; 32]);
        let numeric = parse(&format!(r#"{{"sessionKey":"0x{KEY}","jobId":15}}"#)).unwrap();
        assert_eq!(numeric.job_id.as_deref(), Some("15"));
    }

    #[test]
    fn rejections_name_the_field_and_never_the_value() {
        let cases = [
            (format!(r#"{{"session_key":"{KEY}"}}"#), "sessionKey"),
            (
                format!(r#"{{"sessionKey":"{KEY}","price_per_token":1}}"#),
                "pricePerToken",
            ),
            (
                format!(r#"{{"sessionKey":"{KEY}","pricePerToken":"2000"}}"#),
                "not a string",
            ),
            (
                format!(r#"{{"sessionKey":"{KEY}","pricePerToken":-1}}"#),
                "u64",
            ),
            (
                format!(r#"{{"sessionKey":"{KEY}","pricePerToken":1.5}}"#),
                "u64",
            ),
            (format!(r#"{{"sessionKey":"{KEY}","jobId":true}}"#), "jobId"),
            (
                format!(r#"{{"sessionKey":"{KEY}","recoveryPublicKey":"0x02"}}"#),
                "recoveryPublicKey",
            ),
            (
                format!(r#"{{"sessionKey":"{KEY}","timestamp":"1732200000"}}"#),
                "`timestamp` must be a JSON integer, not a string",
            ),
            (
                format!(r#"{{"sessionKey":"{KEY}","timestamp":1732200000.5}}"#),
                "`timestamp` must be a non-negative integer",
            ),
            (
                format!(r#"{{"sessionKey":"{KEY}","timestamp":-1}}"#),
                "`timestamp` must be a non-negative integer",
            ),
            (
                format!(r#"{{"sessionKey":"{KEY}","timestamp":[1]}}"#),
                "`timestamp` must be a JSON integer",
            ),
            (
                format!(r#"{{"sessionKey":"{KEY}","chainId":"84532"}}"#),
                "`chainId` must be a JSON integer, not a string",
            ),
            (r#"{"sessionKey":"abcd"}"#.to_owned(), "32 bytes"),
            (r#"{"sessionKey":"zz"}"#.to_owned(), "not hex"),
            (r#"{"jobId":"1"}"#.to_owned(), "missing `sessionKey`"),
            ("not json".to_owned(), "JSON"),
            ("[1,2]".to_owned(), "JSON"),
        ];
        for (json, expected) in cases {
            let err = parse(&json).unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidSessionData, "{json}");
            assert!(err.message().contains(expected), "{json}: {err}");
            assert!(!err.message().contains("5555"), "{err}");
        }
    }

    #[test]
    fn to_json_round_trips() {
        let data = parse(&format!(
            r#"{{"sessionKey":"{KEY}","jobId":"7","pricePerToken":3,"timestamp":1732200000}}"#
        ))
        .unwrap();
        assert_eq!(data.timestamp, Some(1_732_200_000));
        let again = parse(&data.to_json()).unwrap();
        assert_eq!(again.job_id.as_deref(), Some("7"));
        assert_eq!(again.price_per_token, Some(3));
        assert_eq!(again.timestamp, Some(1_732_200_000));
        assert!(!format!("{again:?}").contains("5555"));
    }

    #[test]
    fn timestamp_is_optional_and_written_last() {
        let without = parse(&format!(r#"{{"sessionKey":"{KEY}","jobId":"7"}}"#)).unwrap();
        assert_eq!(without.timestamp, None);
        assert!(!without.to_json().contains("timestamp"));
        let mut with = without.clone();
        with.timestamp = Some(u64::MAX);
        let expected_tail = format!(r#","jobId":"7","timestamp":{}}}"#, u64::MAX);
        assert!(with.to_json().ends_with(&expected_tail));
    }
}
