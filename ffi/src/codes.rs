//! The numeric constants of the C API: error codes, signature schemes and event kinds.
//!
//! Functions take schemes as `uint32_t` (an out-of-range value is an error, not undefined
//! behaviour) and return codes as `uint32_t`; these enums give the values their names in the
//! header.

use confide_core::e2ee::SignatureScheme;
use confide_core::signed::MessageScheme;
use confide_core::warp::Codec;
use confide_core::warp::bls::Ciphersuite;

use crate::error::invalid_argument;

/// Stable numeric error codes, as returned by `confide_error_code`. They are the core's codes
/// (E2EE.md §6, SIGNED_MESSAGES.md) and never change; new codes are only appended. The string
/// form (`confide_error_code_name`) is the variant name, e.g. `DECRYPTION_FAILED`.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfideErrorCode {
    /// No error (what `confide_error_code(NULL)` returns); string form `OK`.
    Ok = 0,
    /// The host has no key, so it cannot run encrypted sessions.
    EncryptionNotSupported = 1,
    /// AEAD authentication failed (wrong key, nonce, AAD or tampered ciphertext).
    DecryptionFailed = 2,
    /// A signature could not be parsed, was malleable, recovered to the wrong key, or the sign
    /// callback failed.
    InvalidSignature = 3,
    /// No session key is known for the session id (never initialised, expired or closed).
    SessionKeyNotFound = 4,
    /// A nonce was not 24 bytes long.
    InvalidNonceSize = 5,
    /// A hex field or argument was not valid hex.
    InvalidHexEncoding = 6,
    /// A frame that needs a `payload` had none.
    MissingPayload = 7,
    /// The payload lacked required fields.
    MissingPayloadFields = 8,
    /// A public or secret key (or an address) could not be parsed.
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
    /// An internal invariant failed, or a panic was caught at the C boundary.
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
    /// An argument passed to this library was malformed: a NULL pointer, invalid UTF-8, a bad
    /// length or an out-of-range value (the message names the argument).
    InvalidArgument = 31,
    /// Input is not strict JSON: a syntax error, a duplicate object key, a lone surrogate, a number
    /// beyond the range of a double, or nesting deeper than the parser's limit.
    InvalidJson = 32,
    /// A JSON document is not a well-formed LLMFeed (wrong field types, malformed `signed_blocks`,
    /// a listed block missing).
    InvalidFeed = 33,
    /// A base64 field is not canonical standard base64 (padded).
    InvalidBase64 = 34,
    /// No public key is known for a signer or certifier.
    KeyUnavailable = 35,
    /// Warp: the signatures carry less weight than the quorum requires.
    InsufficientWeight = 40,
    /// Warp: a message is for another network id or source chain than the one expected.
    WrongNetwork = 41,
    /// Warp: a validator set is malformed (an invalid key, no weight, weights that overflow).
    InvalidValidatorSet = 42,
    /// Warp: the signer's verifier refused to sign the message (LP-118 `VerifyError`).
    MessageRefused = 43,
    /// Warp: the signer does not know the message it was asked to sign (LP-118 `NotFound`).
    MessageNotFound = 44,
    /// The shared replay store cannot be reached: new session inits and signed requests are refused.
    ReplayStoreUnavailable = 55,
}

/// How a client authenticates `encrypted_session_init` (E2EE.md §1). Pass as `uint32_t`.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfideSessionScheme {
    /// `personal_sign(sha256(ciphertext))` (EIP-191), the default.
    Eip191 = 0,
    /// The deployed TypeScript SDK's transcript signature (`alg` present in the payload).
    SdkTranscript = 1,
}

/// How a signed message is signed (SIGNED_MESSAGES.md). Pass as `uint32_t`.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfideMessageScheme {
    /// `confide-v1`: timestamp, nonce and signer are bound by the signature (the default).
    ConfideV1 = 0,
    /// `lloom-v1`: the deployed Lloom network's scheme; timestamp and nonce are not bound.
    LloomV1 = 1,
}

/// How a Warp message is encoded (WARP.md). Pass as `uint32_t`.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfideWarpCodec {
    /// avalanchego's linear codec (big-endian, codec version 0): the default.
    Avalanche = 0,
    /// The RLP encoding of luxfi/warp v1.18.
    LuxRlp = 1,
}

/// Which domain separation tag BLS message signatures use (WARP.md). Pass as `uint32_t`.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfideBlsCiphersuite {
    /// `BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_` (Avalanche, Ethereum): the default.
    Pop = 0,
    /// `BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_` (the Lux build).
    LuxBasic = 1,
}

/// What a frame opened by `confide_client_session_open` turned out to be.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfideEventKind {
    /// The host's greeting: `text` is its version, `encryption` whether it supports encryption.
    Connected = 1,
    /// Reply to a ping.
    Pong = 2,
    /// The host accepted the session: `client_address` is our address as the host recovered it.
    Ack = 3,
    /// A decrypted piece of the answer: `text`, `index`, `is_final`, `request_id`.
    Chunk = 4,
    /// The decrypted finish reason (`stop`, `length`, `cancelled`) in `text`.
    Final = 5,
    /// The end of a response: `usage` (when `has_usage`), `receipt_json`, finish reason in `text`.
    End = 6,
    /// An error the host reported: `code` and the message in `text`.
    Error = 7,
}

/// `ConfideVerified.warnings` bit: the envelope is unsigned (accepted because the policy allows it).
pub const CONFIDE_VERIFY_WARNING_UNSIGNED: u32 = 1;
/// `ConfideVerified.warnings` bit: `lloom-v1` does not bind timestamp and nonce, so they prove nothing.
pub const CONFIDE_VERIFY_WARNING_UNBOUND_METADATA: u32 = 2;
/// `ConfideVerified.warnings` bit: `lloom-v1` with a timestamp outside the policy's window.
pub const CONFIDE_VERIFY_WARNING_TIMESTAMP_OUTSIDE_WINDOW: u32 = 4;

/// The session scheme for a `uint32_t` argument; anything but the enum's values is an error.
pub(crate) fn session_scheme(value: u32) -> Result<SignatureScheme, confide_core::Error> {
    match value {
        v if v == ConfideSessionScheme::Eip191 as u32 => Ok(SignatureScheme::Eip191),
        v if v == ConfideSessionScheme::SdkTranscript as u32 => Ok(SignatureScheme::SdkTranscript),
        other => Err(invalid_argument(
            "scheme",
            &format!("{other} is not a ConfideSessionScheme (0 = EIP191, 1 = SDK_TRANSCRIPT)"),
        )),
    }
}

/// The message scheme for a `uint32_t` argument; anything but the enum's values is an error.
pub(crate) fn message_scheme(value: u32) -> Result<MessageScheme, confide_core::Error> {
    match value {
        v if v == ConfideMessageScheme::ConfideV1 as u32 => Ok(MessageScheme::ConfideV1),
        v if v == ConfideMessageScheme::LloomV1 as u32 => Ok(MessageScheme::LloomV1),
        other => Err(invalid_argument(
            "scheme",
            &format!("{other} is not a ConfideMessageScheme (0 = CONFIDE_V1, 1 = LLOOM_V1)"),
        )),
    }
}

/// The Warp codec for a `uint32_t` argument; anything but the enum's values is an error.
pub(crate) fn warp_codec(value: u32) -> Result<Codec, confide_core::Error> {
    match value {
        v if v == ConfideWarpCodec::Avalanche as u32 => Ok(Codec::Avalanche),
        v if v == ConfideWarpCodec::LuxRlp as u32 => Ok(Codec::LuxRlp),
        other => Err(invalid_argument(
            "codec",
            &format!("{other} is not a ConfideWarpCodec (0 = AVALANCHE, 1 = LUX_RLP)"),
        )),
    }
}

/// The BLS ciphersuite for a `uint32_t` argument; anything but the enum's values is an error.
pub(crate) fn bls_ciphersuite(value: u32) -> Result<Ciphersuite, confide_core::Error> {
    match value {
        v if v == ConfideBlsCiphersuite::Pop as u32 => Ok(Ciphersuite::Pop),
        v if v == ConfideBlsCiphersuite::LuxBasic as u32 => Ok(Ciphersuite::LuxBasic),
        other => Err(invalid_argument(
            "suite",
            &format!("{other} is not a ConfideBlsCiphersuite (0 = POP, 1 = LUX_BASIC)"),
        )),
    }
}

/// The C value of a message scheme.
pub(crate) fn message_scheme_value(scheme: MessageScheme) -> ConfideMessageScheme {
    match scheme {
        MessageScheme::ConfideV1 => ConfideMessageScheme::ConfideV1,
        MessageScheme::LloomV1 => ConfideMessageScheme::LloomV1,
    }
}

#[cfg(test)]
mod tests {
    use confide_core::ErrorCode;

    use super::ConfideErrorCode as C;

    /// `DecryptionFailed` → `DECRYPTION_FAILED`: the header constant's suffix.
    fn screaming(name: &str) -> String {
        let mut out = String::new();
        for (i, c) in name.chars().enumerate() {
            if c.is_ascii_uppercase() && i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_uppercase());
        }
        out
    }

    #[test]
    fn header_codes_mirror_the_core_codes() {
        let pairs = [
            (C::EncryptionNotSupported, ErrorCode::EncryptionNotSupported),
            (C::DecryptionFailed, ErrorCode::DecryptionFailed),
            (C::InvalidSignature, ErrorCode::InvalidSignature),
            (C::SessionKeyNotFound, ErrorCode::SessionKeyNotFound),
            (C::InvalidNonceSize, ErrorCode::InvalidNonceSize),
            (C::InvalidHexEncoding, ErrorCode::InvalidHexEncoding),
            (C::MissingPayload, ErrorCode::MissingPayload),
            (C::MissingPayloadFields, ErrorCode::MissingPayloadFields),
            (C::InvalidKey, ErrorCode::InvalidKey),
            (C::InvalidSessionData, ErrorCode::InvalidSessionData),
            (C::InvalidAad, ErrorCode::InvalidAad),
            (C::ReplayDetected, ErrorCode::ReplayDetected),
            (C::NonceReuse, ErrorCode::NonceReuse),
            (C::SessionIdInUse, ErrorCode::SessionIdInUse),
            (C::Unauthorized, ErrorCode::Unauthorized),
            (C::EncryptionRequired, ErrorCode::EncryptionRequired),
            (C::InvalidMessage, ErrorCode::InvalidMessage),
            (C::MessageTooLarge, ErrorCode::MessageTooLarge),
            (C::TooManySessions, ErrorCode::TooManySessions),
            (C::RateLimited, ErrorCode::RateLimited),
            (C::ModelNotFound, ErrorCode::ModelNotFound),
            (C::TokenLimitExceeded, ErrorCode::TokenLimitExceeded),
            (C::InferenceFailed, ErrorCode::InferenceFailed),
            (C::Internal, ErrorCode::Internal),
            (C::InvalidSigner, ErrorCode::InvalidSigner),
            (C::MessageExpired, ErrorCode::MessageExpired),
            (C::MessageFromFuture, ErrorCode::MessageFromFuture),
            (C::UnsignedMessage, ErrorCode::UnsignedMessage),
            (C::MalformedSignature, ErrorCode::MalformedSignature),
            (C::UnsupportedScheme, ErrorCode::UnsupportedScheme),
            (C::InvalidArgument, ErrorCode::InvalidArgument),
            (C::InvalidJson, ErrorCode::InvalidJson),
            (C::InvalidFeed, ErrorCode::InvalidFeed),
            (C::InvalidBase64, ErrorCode::InvalidBase64),
            (C::KeyUnavailable, ErrorCode::KeyUnavailable),
            (C::InsufficientWeight, ErrorCode::InsufficientWeight),
            (C::WrongNetwork, ErrorCode::WrongNetwork),
            (C::InvalidValidatorSet, ErrorCode::InvalidValidatorSet),
            (C::MessageRefused, ErrorCode::MessageRefused),
            (C::MessageNotFound, ErrorCode::MessageNotFound),
            (C::ReplayStoreUnavailable, ErrorCode::ReplayStoreUnavailable),
        ];
        // A code added to the core must be added to the header enum too.
        assert_eq!(pairs.len(), ErrorCode::ALL.len());
        for (ffi, core) in pairs {
            assert_eq!(ffi as u32, core.number(), "{core}");
            assert_eq!(screaming(&format!("{ffi:?}")), core.as_str());
        }
        assert_eq!(C::Ok as u32, 0);
    }
}
