//! The one error type of the core. Every variant maps to a stable string code (E2EE.md §6) and a
//! stable number (for the C ABI); messages never carry secret material.

use std::fmt;

use crate::crypto::Address;

/// Stable error codes, shared by every binding. The numeric value is part of the C ABI: never reorder,
/// only append.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
#[non_exhaustive]
pub enum ErrorCode {
    /// The host has no key, so it cannot run encrypted sessions.
    EncryptionNotSupported = 1,
    /// AEAD authentication failed (wrong key, nonce, AAD or tampered ciphertext).
    DecryptionFailed = 2,
    /// A signature could not be parsed, was malleable, or recovered to the wrong key.
    InvalidSignature = 3,
    /// No session key is known for the session id.
    SessionKeyNotFound = 4,
    /// A nonce was not 24 bytes long.
    InvalidNonceSize = 5,
    /// A hex field was not valid hex.
    InvalidHexEncoding = 6,
    /// A frame that needs a `payload` had none.
    MissingPayload = 7,
    /// The payload lacked required fields.
    MissingPayloadFields = 8,
    /// A public or secret key could not be parsed.
    InvalidKey = 9,
    /// The decrypted session data was malformed.
    InvalidSessionData = 10,
    /// The additional authenticated data was not of the expected form.
    InvalidAad = 11,
    /// A message was replayed or arrived out of order.
    ReplayDetected = 12,
    /// A nonce was used twice within a session.
    NonceReuse = 13,
    /// The session id belongs to another client.
    SessionIdInUse = 14,
    /// The client is not allowed to open a session on this host.
    Unauthorized = 15,
    /// A plaintext message arrived where encryption is required.
    EncryptionRequired = 16,
    /// A frame could not be parsed or had an unknown type.
    InvalidMessage = 17,
    /// A frame or field exceeded its size limit.
    MessageTooLarge = 18,
    /// The session store is full.
    TooManySessions = 19,
    /// The peer sent too many messages too quickly.
    RateLimited = 20,
    /// The requested model is not served here.
    ModelNotFound = 21,
    /// The prompt and requested completion exceed the model's context.
    TokenLimitExceeded = 22,
    /// Inference failed on the host.
    InferenceFailed = 23,
    /// An internal invariant failed; never caused by input alone.
    Internal = 24,
    /// A signed message's signature recovers to another address than its `signer`.
    InvalidSigner = 25,
    /// A signed message is older than the policy's maximum age.
    MessageExpired = 26,
    /// A signed message is dated further in the future than the policy allows.
    MessageFromFuture = 27,
    /// A signature is required but the message is unsigned.
    UnsignedMessage = 28,
    /// A signature field is not 65 hex bytes `r ‖ s ‖ v` with valid values.
    MalformedSignature = 29,
    /// A signature scheme is unknown, or not allowed by the verification policy.
    UnsupportedScheme = 30,
    /// A binding's caller passed a malformed argument (NULL pointer, invalid UTF-8, bad length,
    /// out-of-range value); the message names the argument.
    InvalidArgument = 31,
    /// Input is not strict JSON (RFC 8259): a syntax error, a duplicate object key, a lone surrogate, a
    /// number beyond the range of a double, or nesting deeper than the parser's limit.
    InvalidJson = 32,
    /// A JSON document is not a well-formed LLMFeed: not an object, a `trust`/`signature`/`certification`
    /// field of the wrong type, malformed `signed_blocks`, or a listed block that is missing.
    InvalidFeed = 33,
    /// A base64 field is not canonical standard base64 (RFC 4648 §4, padded).
    InvalidBase64 = 34,
    /// No public key is known for a signer or certifier (the key resolver had none).
    KeyUnavailable = 35,
    /// Warp: the signatures of a message, or those an aggregator could collect, carry less weight than
    /// the quorum requires.
    InsufficientWeight = 40,
    /// Warp: a message is for another network id or source chain than the one expected.
    WrongNetwork = 41,
    /// Warp: a validator set is malformed (an invalid key, no weight, weights that overflow).
    InvalidValidatorSet = 42,
    /// Warp: the signer's verifier refused to sign the message (LP-118 `VerifyError`).
    MessageRefused = 43,
    /// Warp: the signer does not know the message it was asked to sign (LP-118 `NotFound`).
    MessageNotFound = 44,
    /// The shared replay store (`--replay-store`) cannot be reached or did not answer in time: new
    /// session inits and signed requests are refused (fail closed) until it is back; established
    /// sessions keep working.
    ReplayStoreUnavailable = 55,
}

impl ErrorCode {
    /// Every code, in numeric order.
    pub const ALL: [ErrorCode; 41] = [
        Self::EncryptionNotSupported,
        Self::DecryptionFailed,
        Self::InvalidSignature,
        Self::SessionKeyNotFound,
        Self::InvalidNonceSize,
        Self::InvalidHexEncoding,
        Self::MissingPayload,
        Self::MissingPayloadFields,
        Self::InvalidKey,
        Self::InvalidSessionData,
        Self::InvalidAad,
        Self::ReplayDetected,
        Self::NonceReuse,
        Self::SessionIdInUse,
        Self::Unauthorized,
        Self::EncryptionRequired,
        Self::InvalidMessage,
        Self::MessageTooLarge,
        Self::TooManySessions,
        Self::RateLimited,
        Self::ModelNotFound,
        Self::TokenLimitExceeded,
        Self::InferenceFailed,
        Self::Internal,
        Self::InvalidSigner,
        Self::MessageExpired,
        Self::MessageFromFuture,
        Self::UnsignedMessage,
        Self::MalformedSignature,
        Self::UnsupportedScheme,
        Self::InvalidArgument,
        Self::InvalidJson,
        Self::InvalidFeed,
        Self::InvalidBase64,
        Self::KeyUnavailable,
        Self::InsufficientWeight,
        Self::WrongNetwork,
        Self::InvalidValidatorSet,
        Self::MessageRefused,
        Self::MessageNotFound,
        Self::ReplayStoreUnavailable,
    ];

    /// The stable string form, e.g. `"DECRYPTION_FAILED"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::EncryptionNotSupported => "ENCRYPTION_NOT_SUPPORTED",
            Self::DecryptionFailed => "DECRYPTION_FAILED",
            Self::InvalidSignature => "INVALID_SIGNATURE",
            Self::SessionKeyNotFound => "SESSION_KEY_NOT_FOUND",
            Self::InvalidNonceSize => "INVALID_NONCE_SIZE",
            Self::InvalidHexEncoding => "INVALID_HEX_ENCODING",
            Self::MissingPayload => "MISSING_PAYLOAD",
            Self::MissingPayloadFields => "MISSING_PAYLOAD_FIELDS",
            Self::InvalidKey => "INVALID_KEY",
            Self::InvalidSessionData => "INVALID_SESSION_DATA",
            Self::InvalidAad => "INVALID_AAD",
            Self::ReplayDetected => "REPLAY_DETECTED",
            Self::NonceReuse => "NONCE_REUSE",
            Self::SessionIdInUse => "SESSION_ID_IN_USE",
            Self::Unauthorized => "UNAUTHORIZED",
            Self::EncryptionRequired => "ENCRYPTION_REQUIRED",
            Self::InvalidMessage => "INVALID_MESSAGE",
            Self::MessageTooLarge => "MESSAGE_TOO_LARGE",
            Self::TooManySessions => "TOO_MANY_SESSIONS",
            Self::RateLimited => "RATE_LIMITED",
            Self::ModelNotFound => "MODEL_NOT_FOUND",
            Self::TokenLimitExceeded => "TOKEN_LIMIT_EXCEEDED",
            Self::InferenceFailed => "INFERENCE_FAILED",
            Self::Internal => "INTERNAL",
            Self::InvalidSigner => "INVALID_SIGNER",
            Self::MessageExpired => "MESSAGE_EXPIRED",
            Self::MessageFromFuture => "MESSAGE_FROM_FUTURE",
            Self::UnsignedMessage => "UNSIGNED_MESSAGE",
            Self::MalformedSignature => "MALFORMED_SIGNATURE",
            Self::UnsupportedScheme => "UNSUPPORTED_SCHEME",
            Self::InvalidArgument => "INVALID_ARGUMENT",
            Self::InvalidJson => "INVALID_JSON",
            Self::InvalidFeed => "INVALID_FEED",
            Self::InvalidBase64 => "INVALID_BASE64",
            Self::KeyUnavailable => "KEY_UNAVAILABLE",
            Self::InsufficientWeight => "INSUFFICIENT_WEIGHT",
            Self::WrongNetwork => "WRONG_NETWORK",
            Self::InvalidValidatorSet => "INVALID_VALIDATOR_SET",
            Self::MessageRefused => "MESSAGE_REFUSED",
            Self::MessageNotFound => "MESSAGE_NOT_FOUND",
            Self::ReplayStoreUnavailable => "REPLAY_STORE_UNAVAILABLE",
        }
    }

    /// The stable number used by the C ABI.
    pub const fn number(self) -> u32 {
        self as u32
    }

    /// Parses the string form; `None` for a code this version does not know.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == code)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Structured facts about an error, for callers that act on them (never secret).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorDetail {
    /// `INVALID_SIGNER`: who the envelope claimed and who actually signed.
    InvalidSigner {
        /// The `signer` field of the envelope.
        expected: Address,
        /// The address the signature recovers to.
        recovered: Address,
    },
    /// `TOKEN_LIMIT_EXCEEDED`: the prompt's size against the model's context (E2EE.md §6 puts
    /// both in the error frame).
    TokenLimit {
        /// Tokens in the prompt (after the chat template).
        prompt_tokens: u64,
        /// The model's context window in tokens.
        context_window_size: u64,
    },
}

/// An error from the core: a stable [`ErrorCode`] plus a human-readable message.
///
/// Messages name fields and limits but never contain keys, plaintexts or other secrets.
#[derive(Clone, PartialEq, Eq)]
pub struct Error {
    code: ErrorCode,
    message: String,
    detail: Option<Box<ErrorDetail>>,
}

impl Error {
    /// An error with the given code and message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            detail: None,
        }
    }

    /// Attaches structured detail.
    pub fn with_detail(mut self, detail: ErrorDetail) -> Self {
        self.detail = Some(Box::new(detail));
        self
    }

    /// Structured detail, when the error carries some.
    pub fn detail(&self) -> Option<&ErrorDetail> {
        self.detail.as_deref()
    }

    /// The stable code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The human-readable message (no secrets).
    pub fn message(&self) -> &str {
        &self.message
    }

    pub(crate) fn decryption_failed() -> Self {
        Self::new(
            ErrorCode::DecryptionFailed,
            "decryption failed: wrong key, nonce or AAD, or the ciphertext was modified",
        )
    }

    pub(crate) fn invalid_signature(reason: impl fmt::Display) -> Self {
        Self::new(
            ErrorCode::InvalidSignature,
            format!("invalid signature: {reason}"),
        )
    }

    pub(crate) fn invalid_key(reason: impl fmt::Display) -> Self {
        Self::new(ErrorCode::InvalidKey, format!("invalid key: {reason}"))
    }

    pub(crate) fn invalid_message(reason: impl fmt::Display) -> Self {
        Self::new(
            ErrorCode::InvalidMessage,
            format!("invalid message: {reason}"),
        )
    }

    pub(crate) fn invalid_session_data(reason: impl fmt::Display) -> Self {
        Self::new(
            ErrorCode::InvalidSessionData,
            format!("invalid session data: {reason}"),
        )
    }

    pub(crate) fn internal(reason: impl fmt::Display) -> Self {
        Self::new(ErrorCode::Internal, format!("internal error: {reason}"))
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Error({}: {})", self.code, self.message)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for Error {}

/// The core's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_round_trip() {
        // 1–31 are contiguous; later codes come in ranges (LLMFeed: 32–39, Warp: 40–49), always
        // ascending.
        for (i, code) in ErrorCode::ALL.into_iter().enumerate().take(31) {
            assert_eq!(code.number() as usize, i + 1);
        }
        for pair in ErrorCode::ALL.windows(2) {
            assert!(
                pair[0].number() < pair[1].number(),
                "{} then {}",
                pair[0],
                pair[1]
            );
        }
        for code in ErrorCode::ALL {
            assert_eq!(ErrorCode::parse(code.as_str()), Some(code));
        }
        assert_eq!(ErrorCode::parse("NOPE"), None);
    }
}
