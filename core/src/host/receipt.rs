//! The usage receipt a host signs at the end of every response (SIGNED_MESSAGES.md
//! "Integration"): `SignedMessage<UsageRecord>` over the SHA-256 of the streamed text.

use rand_core::CryptoRng;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use crate::crypto::SecretKey;
use crate::signed::{MessageScheme, SignOptions, SignedMessage, UsageRecord};

/// Incremental SHA-256 of a response as it streams.
#[derive(Clone, Debug, Default)]
pub(crate) struct ResponseHasher(Sha256);

impl ResponseHasher {
    /// Adds streamed text.
    pub fn update(&mut self, text: &str) {
        self.0.update(text.as_bytes());
    }

    /// Lowercase hex of the digest of everything added.
    pub fn finish_hex(&self) -> String {
        crate::hex::encode(&self.0.clone().finalize())
    }
}

/// Signs `record` with the host key (confide-v1, timestamped with the record's `timestamp`, a
/// random nonce) and returns the envelope as raw JSON for `stream_end.receipt`.
pub(crate) fn sign_receipt(
    record: UsageRecord,
    host_key: &SecretKey,
    rng: &mut (impl CryptoRng + ?Sized),
) -> Box<RawValue> {
    let options = SignOptions {
        timestamp: record.timestamp,
        nonce: Some(rng.next_u64()),
        scheme: MessageScheme::ConfideV1,
    };
    let envelope = SignedMessage::sign(record, host_key, options)
        .expect("a local key signs any serializable record");
    RawValue::from_string(envelope.to_json()).expect("envelopes are JSON")
}
