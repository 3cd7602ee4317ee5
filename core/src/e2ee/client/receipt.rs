//! The host's signed usage receipt at the end of a response (`stream_end.receipt`, a
//! `SignedMessage<UsageRecord>`, SIGNED_MESSAGES.md "Integration"), checked against what this
//! client saw itself (E2EE.md §3).

use std::fmt;

use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use crate::crypto::Address;
use crate::e2ee::wire::{Usage, WireId};
use crate::error::{Error, ErrorCode, ErrorDetail, Result};
use crate::hex;
use crate::signed::{RawSignedMessage, UsageRecord, VerifyPolicy};

/// How receipts are verified: a signature is required and it must be `confide-v1` (signer,
/// timestamp and nonce bound). Receipts are checked against their content, not the clock: see
/// [`verify`].
const RECEIPT_POLICY: VerifyPolicy = VerifyPolicy {
    max_age_secs: 0,
    max_future_skew_secs: 0,
    require_signatures: true,
    require_bound_scheme: true,
};

/// A usage receipt that checked out: signed (`confide-v1`) by the host this session was created
/// with, naming this client and this session, with `response_sha256` equal to the SHA-256 of the
/// decrypted chunk texts of the response and token counts equal to `stream_end.usage`.
///
/// It is evidence a client can show a third party (non-repudiation of the host): keep
/// [`json`](Self::json), which anyone can verify against the host's address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedReceipt {
    /// The envelope exactly as the host sent it (the signed payload bytes untouched).
    pub json: String,
    /// The signed record.
    pub record: UsageRecord,
}

/// What a receipt must say, from the client's own view of the session and the response.
pub(super) struct ExpectedReceipt<'a> {
    /// The address of the host key the session was created with.
    pub host: Address,
    /// This client's address.
    pub client: Address,
    /// This session's id.
    pub session_id: &'a WireId,
    /// SHA-256 of the decrypted chunk texts, in order.
    pub response_sha256: [u8; 32],
    /// `stream_end.usage`.
    pub usage: Option<&'a Usage>,
}

/// Verifies `raw` (`stream_end.receipt`) against `expected`. Errors: `INVALID_MESSAGE` (not an
/// envelope of a usage record, or a field that does not match, named in the message),
/// `UNSIGNED_MESSAGE`, `UNSUPPORTED_SCHEME` (not `confide-v1`), `MALFORMED_SIGNATURE`, and
/// `INVALID_SIGNER` (signed by anyone but the host).
///
/// There is deliberately no time window (the envelope is verified as of its own timestamp): a
/// receipt arrives with the response it describes and is bound to it by the checks here (host,
/// client, session, text hash, token counts), so its age proves nothing, while a window would
/// turn a genuine receipt into an error for a slow client, a long generation or a skewed clock.
/// Its signed `timestamp` says when the host finished. Replays are moot: a receipt only ever
/// vouches for the exact response it names.
pub(super) fn verify(raw: &RawValue, expected: &ExpectedReceipt<'_>) -> Result<VerifiedReceipt> {
    let envelope = RawSignedMessage::parse(raw.get())?;
    let signer = envelope
        .verify(&RECEIPT_POLICY, envelope.timestamp())?
        .signer
        .ok_or_else(|| Error::internal("a policy that requires signatures accepted none"))?;
    if signer != expected.host {
        return Err(wrong_signer(expected.host, signer));
    }
    let record: UsageRecord = envelope.payload()?;
    check_record(&record, expected)?;
    Ok(VerifiedReceipt {
        json: raw.get().to_owned(),
        record,
    })
}

fn wrong_signer(host: Address, recovered: Address) -> Error {
    Error::new(
        ErrorCode::InvalidSigner,
        format!("receipt is signed by {recovered}, not by this session's host {host}"),
    )
    .with_detail(ErrorDetail::InvalidSigner {
        expected: host,
        recovered,
    })
}

/// Compares the record's fields with the client's own view; the first mismatch is an
/// `INVALID_MESSAGE` naming the field.
fn check_record(record: &UsageRecord, expected: &ExpectedReceipt<'_>) -> Result<()> {
    let usage = expected.usage.ok_or_else(|| {
        Error::invalid_message("a receipt needs stream_end `usage` to check its token counts")
    })?;
    if Address::parse(&record.client_address).ok() != Some(expected.client) {
        return Err(Error::invalid_message(format_args!(
            "receipt `client_address` is not this client ({})",
            expected.client
        )));
    }
    if record.session_id != expected.session_id.to_string() {
        return Err(Error::invalid_message(
            "receipt `session_id` is not this session's id",
        ));
    }
    if record.response_sha256 != hex::encode(&expected.response_sha256) {
        return Err(Error::invalid_message(
            "receipt `response_sha256` is not the SHA-256 of the decrypted response",
        ));
    }
    for (field, signed, reported) in [
        ("prompt_tokens", record.prompt_tokens, usage.prompt_tokens),
        (
            "completion_tokens",
            record.completion_tokens,
            usage.completion_tokens,
        ),
    ] {
        if signed != reported {
            return Err(Error::invalid_message(format_args!(
                "receipt `{field}` is {signed}, but stream_end.usage says {reported}"
            )));
        }
    }
    Ok(())
}

/// SHA-256 of a response's decrypted text, fed chunk by chunk. `Debug` shows nothing of it.
#[derive(Clone, Default)]
pub(super) struct ResponseDigest(Sha256);

impl ResponseDigest {
    /// Adds the text of the next chunk.
    pub fn update(&mut self, text: &str) {
        self.0.update(text.as_bytes());
    }

    /// The digest of everything added.
    pub fn finish(self) -> [u8; 32] {
        self.0.finalize().into()
    }
}

impl fmt::Debug for ResponseDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ResponseDigest(<redacted>)")
    }
}
