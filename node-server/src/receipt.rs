//! The usage receipt a host signs at the end of every response: `SignedMessage<UsageRecord>`.

use confide_core::crypto::SecretKey;
use confide_core::signed::{MessageScheme, SignOptions, SignedMessage, UsageRecord};
use rand_core::CryptoRng;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

/// Incremental SHA-256 of a response as it streams.
#[derive(Clone, Debug, Default)]
pub struct ResponseHasher(Sha256);

impl ResponseHasher {
    /// Adds streamed text.
    pub fn update(&mut self, text: &str) {
        self.0.update(text.as_bytes());
    }

    /// The digest of everything added.
    pub fn finish(self) -> [u8; 32] {
        self.0.finalize().into()
    }
}

/// Signs `record` with the host key (confide-v1, timestamped with the record's `timestamp`, random
/// nonce) and returns the envelope as raw JSON for `stream_end.receipt`.
pub fn sign_receipt(
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
