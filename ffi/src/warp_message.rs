//! Warp messages (WARP.md): parse, build and re-serialise unsigned and signed messages. Parsing is
//! strict (no trailing bytes, no truncated field, no length over 256 KiB, a canonical signer
//! bitset), so `_to_bytes` of a parsed message gives the input back byte for byte.

use confide_core::warp::bls::Signature;
use confide_core::warp::{SignedMessage, SignerBitset, UnsignedMessage};

use crate::args;
use crate::boundary;
use crate::buffer::ConfideBuffer;
use crate::codes::warp_codec;
use crate::error::{ConfideError, invalid_argument};

/// An unsigned Warp message: network id, source chain id and payload, with its encoding (what
/// validators sign). Free with `confide_warp_unsigned_message_free`. Immutable: may be shared
/// across threads.
pub struct ConfideWarpUnsignedMessage(UnsignedMessage);

/// A signed Warp message: the unsigned message, the signer bitset and the 96-byte aggregate
/// signature. Free with `confide_warp_signed_message_free`. Immutable: may be shared across
/// threads.
pub struct ConfideWarpSignedMessage(pub(crate) SignedMessage);

/// Parses an encoded unsigned message in `codec` (a `ConfideWarpCodec`). Errors:
/// `INVALID_MESSAGE` (truncated, trailing bytes, wrong codec version, non-canonical RLP),
/// `MESSAGE_TOO_LARGE` (over 256 KiB).
///
/// # Safety
/// `bytes` points to `len` readable bytes (or is NULL with 0); `out_message` is valid for writing
/// a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_warp_unsigned_message_parse(
    codec: u32,
    bytes: *const u8,
    len: usize,
    out_message: *mut *mut ConfideWarpUnsignedMessage,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: the caller upholds the documented pointer contracts.
        let (out, bytes) = unsafe {
            (
                args::out(out_message, "out_message")?,
                args::bytes(bytes, len, "bytes")?,
            )
        };
        let message = UnsignedMessage::parse(warp_codec(codec)?, bytes)?;
        *out = args::into_handle(ConfideWarpUnsignedMessage(message));
        Ok(())
    })
}

/// Builds the message for `network_id`, the 32-byte `source_chain_id` and `payload`, encoded in
/// `codec`. `INVALID_ARGUMENT` for a chain id of another length, `MESSAGE_TOO_LARGE` over 256 KiB.
///
/// # Safety
/// `source_chain_id` points to 32 readable bytes (`source_chain_id_len` says how many);
/// `payload` to `payload_len` (or is NULL with 0); `out_message` is valid for writing a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_warp_unsigned_message_new(
    codec: u32,
    network_id: u32,
    source_chain_id: *const u8,
    source_chain_id_len: usize,
    payload: *const u8,
    payload_len: usize,
    out_message: *mut *mut ConfideWarpUnsignedMessage,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: the caller upholds the documented pointer contracts.
        let (out, chain, payload) = unsafe {
            (
                args::out(out_message, "out_message")?,
                args::bytes(source_chain_id, source_chain_id_len, "source_chain_id")?,
                args::bytes(payload, payload_len, "payload")?,
            )
        };
        let chain: [u8; 32] = chain
            .try_into()
            .map_err(|_| invalid_argument("source_chain_id", "must be 32 bytes"))?;
        let message =
            UnsignedMessage::new(warp_codec(codec)?, network_id, chain, payload.to_vec())?;
        *out = args::into_handle(ConfideWarpUnsignedMessage(message));
        Ok(())
    })
}

/// The network id, in `*out_network_id`.
///
/// # Safety
/// `message` is a live message; `out_network_id` is valid for writing a `uint32_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_warp_unsigned_message_network_id(
    message: *const ConfideWarpUnsignedMessage,
    out_network_id: *mut u32,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: the caller upholds the documented pointer contracts.
        let (out, message) = unsafe {
            (
                args::out(out_network_id, "out_network_id")?,
                args::handle(message, "message")?,
            )
        };
        *out = message.0.network_id();
        Ok(())
    })
}

/// Which part of an unsigned message `confide_warp_unsigned_message_field` copies out.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfideWarpField {
    /// The 32-byte source chain id.
    SourceChainId = 0,
    /// The application payload.
    Payload = 1,
    /// The encoding: what validators sign (and what `_parse` was given).
    Bytes = 2,
    /// The 32-byte message ID: SHA-256 of the encoding.
    Id = 3,
}

/// Copies `field` (a `ConfideWarpField`) of the message into `*out_bytes` (free with
/// `confide_buffer_free`). An unknown field is `INVALID_ARGUMENT`.
///
/// # Safety
/// `message` is a live message; `out_bytes` is valid for writing a `ConfideBuffer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_warp_unsigned_message_field(
    message: *const ConfideWarpUnsignedMessage,
    field: u32,
    out_bytes: *mut ConfideBuffer,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: the caller upholds the documented pointer contracts.
        let (out, message) = unsafe {
            (
                args::out(out_bytes, "out_bytes")?,
                args::handle(message, "message")?,
            )
        };
        let message = &message.0;
        *out = match field {
            f if f == ConfideWarpField::SourceChainId as u32 => {
                ConfideBuffer::copy_of(message.source_chain_id())
            }
            f if f == ConfideWarpField::Payload as u32 => ConfideBuffer::copy_of(message.payload()),
            f if f == ConfideWarpField::Bytes as u32 => ConfideBuffer::copy_of(message.bytes()),
            f if f == ConfideWarpField::Id as u32 => ConfideBuffer::copy_of(&message.id()),
            other => {
                return Err(invalid_argument(
                    "field",
                    &format!("{other} is not a ConfideWarpField (0..=3)"),
                ));
            }
        };
        Ok(())
    })
}

/// Frees an unsigned message. NULL is ignored.
///
/// # Safety
/// `message` is NULL or a message from this library that was not freed and that no call is using.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_warp_unsigned_message_free(
    message: *mut ConfideWarpUnsignedMessage,
) {
    boundary::call_infallible((), || {
        // SAFETY: forwarded to the caller's contract.
        unsafe { args::free_handle(message) }
    });
}

/// Parses an encoded signed message in `codec` (a `ConfideWarpCodec`). Errors: `INVALID_MESSAGE`
/// (truncated, trailing bytes, an unknown signature type, a signer bitset with a leading zero
/// byte), `MESSAGE_TOO_LARGE`, `INVALID_SIGNATURE` (the signature is not a point of the subgroup).
///
/// # Safety
/// `bytes` points to `len` readable bytes (or is NULL with 0); `out_message` is valid for writing
/// a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_warp_signed_message_parse(
    codec: u32,
    bytes: *const u8,
    len: usize,
    out_message: *mut *mut ConfideWarpSignedMessage,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: the caller upholds the documented pointer contracts.
        let (out, bytes) = unsafe {
            (
                args::out(out_message, "out_message")?,
                args::bytes(bytes, len, "bytes")?,
            )
        };
        let message = SignedMessage::parse(warp_codec(codec)?, bytes)?;
        *out = args::into_handle(ConfideWarpSignedMessage(message));
        Ok(())
    })
}

/// Puts `unsigned`, a signer bitset (the canonical big-endian bytes: bit i = canonical validator
/// i, no leading zero byte) and a 96-byte aggregate signature together. Errors:
/// `INVALID_MESSAGE` (padded bitset), `INVALID_SIGNATURE`, `MESSAGE_TOO_LARGE`.
///
/// # Safety
/// `unsigned` is a live message; the byte pointers point to their lengths (or are NULL with 0);
/// `out_message` is valid for writing a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_warp_signed_message_new(
    unsigned: *const ConfideWarpUnsignedMessage,
    signers: *const u8,
    signers_len: usize,
    signature: *const u8,
    signature_len: usize,
    out_message: *mut *mut ConfideWarpSignedMessage,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: the caller upholds the documented pointer contracts.
        let (out, unsigned, signers, signature) = unsafe {
            (
                args::out(out_message, "out_message")?,
                args::handle(unsigned, "unsigned")?,
                args::bytes(signers, signers_len, "signers")?,
                args::bytes(signature, signature_len, "signature")?,
            )
        };
        let message = SignedMessage::new(
            unsigned.0.clone(),
            SignerBitset::from_bytes(signers)?,
            Signature::from_bytes(signature)?,
        )?;
        *out = args::into_handle(ConfideWarpSignedMessage(message));
        Ok(())
    })
}

/// A copy of the unsigned message inside (free with `confide_warp_unsigned_message_free`).
///
/// # Safety
/// `message` is a live message; `out_unsigned` is valid for writing a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_warp_signed_message_unsigned(
    message: *const ConfideWarpSignedMessage,
    out_unsigned: *mut *mut ConfideWarpUnsignedMessage,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: the caller upholds the documented pointer contracts.
        let (out, message) = unsafe {
            (
                args::out(out_unsigned, "out_unsigned")?,
                args::handle(message, "message")?,
            )
        };
        *out = args::into_handle(ConfideWarpUnsignedMessage(message.0.unsigned().clone()));
        Ok(())
    })
}

/// The signer bitset's canonical bytes (`*out_signers`), the 96-byte aggregate signature
/// (`*out_signature`) and the whole encoding (`*out_bytes`: a parsed message's input, byte for
/// byte). Each out-pointer may be NULL when not wanted; free the buffers with
/// `confide_buffer_free`.
///
/// # Safety
/// `message` is a live message; each out-pointer is NULL or valid for writing a `ConfideBuffer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_warp_signed_message_parts(
    message: *const ConfideWarpSignedMessage,
    out_signers: *mut ConfideBuffer,
    out_signature: *mut ConfideBuffer,
    out_bytes: *mut ConfideBuffer,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: each is NULL or writable by the caller's contract; reset before anything else.
        let [signers, signature, bytes] =
            [out_signers, out_signature, out_bytes].map(|out| unsafe { args::opt_out(out) });
        // SAFETY: the caller upholds the documented pointer contract.
        let message = unsafe { args::handle(message, "message")? }.0.clone();
        if let Some(out) = signers {
            *out = ConfideBuffer::copy_of(message.signers().as_bytes());
        }
        if let Some(out) = signature {
            *out = ConfideBuffer::copy_of(&message.signature().to_bytes());
        }
        if let Some(out) = bytes {
            *out = ConfideBuffer::copy_of(&message.to_bytes());
        }
        Ok(())
    })
}

/// Frees a signed message. NULL is ignored.
///
/// # Safety
/// `message` is NULL or a message from this library that was not freed and that no call is using.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_warp_signed_message_free(message: *mut ConfideWarpSignedMessage) {
    boundary::call_infallible((), || {
        // SAFETY: forwarded to the caller's contract.
        unsafe { args::free_handle(message) }
    });
}
