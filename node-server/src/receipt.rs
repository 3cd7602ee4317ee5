//! The usage receipt a host signs at the end of every response: `SignedMessage<UsageRecord>`.

use confide_core::crypto::SecretKey;
use confide_core::hex;
use confide_core::signed::{MessageScheme, SignOptions, SignedMessage, UsageRecord};
use rand_core::CryptoRng;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

/// What the host knows about a finished response.
#[derive(Debug)]
pub struct ReceiptFacts {
    /// Session id as the client sent it.
    pub session_id: String,
    /// Job id (from the encrypted session data, or the plaintext init).
    pub job_id: Option<String>,
    /// Chain id from the init frame.
    pub chain_id: Option<u64>,
    /// Model that served.
    pub model: String,
    /// Prompt tokens.
    pub prompt_tokens: u64,
    /// Generated tokens.
    pub completion_tokens: u64,
    /// SHA-256 over the full response text.
    pub response_sha256: [u8; 32],
    /// The client's recovered address (empty for plaintext sessions).
    pub client_address: String,
}

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

/// Signs the receipt with the host key (confide-v1, random nonce) and returns the envelope as raw
/// JSON for `stream_end.receipt`.
pub fn sign_receipt(
    facts: ReceiptFacts,
    host_key: &SecretKey,
    now: u64,
    rng: &mut (impl CryptoRng + ?Sized),
) -> Box<RawValue> {
    let record = UsageRecord {
        session_id: facts.session_id,
        job_id: facts.job_id,
        chain_id: facts.chain_id,
        model: facts.model,
        prompt_tokens: facts.prompt_tokens,
        completion_tokens: facts.completion_tokens,
        response_sha256: hex::encode(&facts.response_sha256),
        client_address: facts.client_address,
        timestamp: now,
    };
    let options = SignOptions {
        timestamp: now,
        nonce: Some(rng.next_u64()),
        scheme: MessageScheme::ConfideV1,
    };
    let envelope = SignedMessage::sign(record, host_key, options)
        .expect("a local key signs any serializable record");
    RawValue::from_string(envelope.to_json()).expect("envelopes are JSON")
}
