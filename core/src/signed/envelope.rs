//! The envelope: `{"payload","signer","signature","timestamp","nonce","scheme"}`. Received envelopes
//! keep the payload bytes exactly as they arrived ([`RawSignedMessage`]) so verification never depends
//! on re-serialising someone else's JSON.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use subtle::ConstantTimeEq;

use super::scheme::MessageScheme;
use crate::crypto::{Address, RecoverableSignature, Signer};
use crate::error::{Error, ErrorCode, ErrorDetail, Result};
use crate::hex;

/// How to sign: when, with which nonce, under which scheme.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignOptions {
    /// Unix seconds.
    pub timestamp: u64,
    /// Optional replay nonce.
    pub nonce: Option<u64>,
    /// Signature scheme ([`MessageScheme::ConfideV1`] unless talking to Lloom).
    pub scheme: MessageScheme,
}

/// An envelope as it travels, with the payload kept as raw JSON bytes.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RawSignedMessage {
    payload: Box<RawValue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    signer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    signature: Option<String>,
    #[serde(default)]
    timestamp: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nonce: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    scheme: Option<String>,
}

/// A signature that checked out: who signed, over which digest.
pub(crate) struct Recovered {
    pub signer: Address,
    pub digest: [u8; 32],
}

impl RawSignedMessage {
    /// Parses an envelope; malformed JSON or a missing `payload` is `INVALID_MESSAGE`.
    pub fn parse(json: &str) -> Result<Self> {
        serde_json::from_str(json)
            .map_err(|err| Error::invalid_message(crate::e2ee::wire::describe(&err)))
    }

    /// Signs `payload_json` (must be valid JSON; its bytes are signed exactly as given, so pass
    /// compact JSON for verifiers that re-serialise, such as Lloom's).
    pub fn sign_json(
        payload_json: &str,
        signer: &dyn Signer,
        options: SignOptions,
    ) -> Result<Self> {
        let payload = RawValue::from_string(payload_json.trim().to_owned())
            .map_err(|_| Error::invalid_message("payload is not valid JSON"))?;
        let known = signer.address();
        let mut address = match (known, options.scheme) {
            (Some(address), _) => address,
            (None, MessageScheme::ConfideV1) => {
                return Err(Error::invalid_key(
                    "confide-v1 binds the signer: the signer must provide its address",
                ));
            }
            // lloom-v1 does not bind the signer: learn the address from the signature below.
            (None, MessageScheme::LloomV1) => Address::from_bytes([0; 20]),
        };
        let digest = options.scheme.digest(
            payload.get().as_bytes(),
            options.timestamp,
            options.nonce,
            &address,
        );
        let signature = signer.sign_prehash(&digest)?;
        // A signer that reports its public key (a local key) is trusted to sign with it; any other
        // signer (a wallet callback) is checked, since its signature must match the address we bind.
        if signer.public_key().is_none() {
            let recovered = signature.recover(&digest)?.address();
            if known.is_some_and(|address| address != recovered) {
                return Err(invalid_signer(address, recovered));
            }
            address = recovered;
        }
        Ok(Self {
            payload,
            signer: Some(address.to_checksum()),
            signature: Some(hex::encode_prefixed(
                &signature.to_bytes(options.scheme.v_byte()),
            )),
            timestamp: options.timestamp,
            nonce: options.nonce,
            scheme: (options.scheme != MessageScheme::LloomV1)
                .then(|| options.scheme.as_str().to_owned()),
        })
    }

    /// The payload's JSON text exactly as received.
    pub fn payload_json(&self) -> &str {
        self.payload.get()
    }

    /// The payload parsed as `T` (`INVALID_MESSAGE` when it does not fit).
    pub fn payload<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_str(self.payload.get())
            .map_err(|err| Error::invalid_message(crate::e2ee::wire::describe(&err)))
    }

    /// Unix seconds claimed by the sender.
    pub fn timestamp(&self) -> u64 {
        self.timestamp
    }

    /// The nonce, if any.
    pub fn nonce(&self) -> Option<u64> {
        self.nonce
    }

    /// The scheme (`lloom-v1` when the field is absent); unknown names are `UNSUPPORTED_SCHEME`.
    pub fn scheme(&self) -> Result<MessageScheme> {
        self.scheme
            .as_deref()
            .map_or(Ok(MessageScheme::LloomV1), str::parse)
    }

    /// Whether the envelope carries a signature at all.
    pub fn is_signed(&self) -> bool {
        self.signature
            .as_deref()
            .is_some_and(|s| !s.is_empty() && s != "0x")
    }

    /// The envelope's JSON text.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("envelopes always serialize")
    }

    /// Parses signer and signature, recovers, and compares in constant time
    /// (`MALFORMED_SIGNATURE`, `INVALID_SIGNER`, `UNSUPPORTED_SCHEME`, `INVALID_MESSAGE`).
    pub(crate) fn recover_signer(&self) -> Result<Recovered> {
        let scheme = self.scheme()?;
        let claimed = self
            .signer
            .as_deref()
            .ok_or_else(|| Error::invalid_message("signed envelope has no `signer`"))
            .and_then(|text| {
                Address::parse(text).map_err(|_| {
                    Error::invalid_message("`signer` is not a 0x-prefixed 20-byte address")
                })
            })?;
        let signature = self
            .signature
            .as_deref()
            .and_then(|text| hex::decode("signature", text).ok())
            .ok_or_else(|| malformed("`signature` is not hex"))
            .and_then(|bytes| {
                RecoverableSignature::from_bytes(&bytes).map_err(|err| malformed(err.message()))
            })?;
        let digest = scheme.digest(
            self.payload.get().as_bytes(),
            self.timestamp,
            self.nonce,
            &claimed,
        );
        let recovered = signature
            .recover(&digest)
            .map_err(|_| malformed("no public key recovers from the signature"))?
            .address();
        if !bool::from(claimed.as_bytes().ct_eq(recovered.as_bytes())) {
            return Err(invalid_signer(claimed, recovered));
        }
        Ok(Recovered {
            signer: claimed,
            digest,
        })
    }
}

/// A typed envelope: the payload value plus the envelope exactly as it is sent.
#[derive(Clone, Debug)]
pub struct SignedMessage<T> {
    payload: T,
    envelope: RawSignedMessage,
}

impl<T: Serialize> SignedMessage<T> {
    /// Signs `payload` (its compact serde_json serialization, in struct field order).
    pub fn sign(payload: T, signer: &dyn Signer, options: SignOptions) -> Result<Self> {
        let json = serde_json::to_string(&payload)
            .map_err(|_| Error::internal("payload does not serialize to JSON"))?;
        let envelope = RawSignedMessage::sign_json(&json, signer, options)?;
        Ok(Self { payload, envelope })
    }
}

impl<T> SignedMessage<T> {
    /// The payload.
    pub fn payload(&self) -> &T {
        &self.payload
    }

    /// The envelope as sent.
    pub fn envelope(&self) -> &RawSignedMessage {
        &self.envelope
    }

    /// The envelope's JSON text.
    pub fn to_json(&self) -> String {
        self.envelope.to_json()
    }
}

fn malformed(reason: &str) -> Error {
    Error::new(
        ErrorCode::MalformedSignature,
        format!("malformed signature: {reason}"),
    )
}

fn invalid_signer(expected: Address, recovered: Address) -> Error {
    Error::new(
        ErrorCode::InvalidSigner,
        format!("signature is by {recovered}, but the envelope names {expected}"),
    )
    .with_detail(ErrorDetail::InvalidSigner {
        expected,
        recovered,
    })
}
