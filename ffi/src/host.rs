//! The host side of E2EE sessions (a wrapper of the core's `SessionStore`), for hosts written in
//! other languages and for tests: accept inits, open prompts, seal chunks and finish reasons. Time
//! is always the caller's `now` (Unix seconds).

use std::ffi::{c_char, c_void};

use confide_core::crypto::SecretKey;
use confide_core::e2ee::wire::SessionInitAckFrame;
use confide_core::e2ee::{ClientFrame, HostFrame, SessionStore, StoreConfig, WireId};
use confide_core::{Error, ErrorCode};
use zeroize::Zeroizing;

use crate::args::{self, OutValue};
use crate::boundary;
use crate::buffer::{self, c_string, opt_c_string};
use crate::codes::{ConfideSessionScheme, session_scheme_value};
use crate::error::{ConfideError, invalid_argument};
use crate::keys::ConfideSecretKey;
use crate::rng::OsRng;
use crate::signer::{self, ConfideAuthorizeCallback};

/// The encrypted sessions of one host connection (or process), keyed by session id, with the host
/// key that opens them. Session keys are zeroized when a session is removed, expires, is re-keyed,
/// or when the handle is freed.
///
/// Not thread-safe: calls on one handle must not overlap (guard it with a mutex, or keep one
/// handle per connection on its own thread). It may be moved between threads.
///
/// Ids: session and request ids are strings in this API. A session whose client sent a numeric
/// `session_id` is found by its decimal form; request ids are echoed as strings.
pub struct ConfideHostSession {
    key: SecretKey,
    store: SessionStore,
}

/// Limits of a `ConfideHostSession`. `confide_host_config_default` gives 1024 sessions and 1800
/// seconds (30 minutes) of idle timeout.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConfideHostConfig {
    /// Maximum number of live sessions (> 0); a new one past it is `TOO_MANY_SESSIONS`.
    pub capacity: usize,
    /// Seconds without activity after which a session is dropped (> 0).
    pub idle_timeout_secs: u64,
}

impl OutValue for ConfideHostConfig {
    const EMPTY: Self = Self {
        capacity: 0,
        idle_timeout_secs: 0,
    };
}

/// An accepted `encrypted_session_init`. Free with `confide_init_accepted_free` (not its strings
/// one by one).
#[repr(C)]
#[derive(Debug)]
pub struct ConfideInitAccepted {
    /// The `session_init_ack` frame to send back to the client.
    pub ack_json: *mut c_char,
    /// The session id (pass it to `_open_message`, `_seal_chunk`, …).
    pub session_id: *mut c_char,
    /// The init's request id, or NULL.
    pub request_id: *mut c_char,
    /// The client's EIP-55 address, recovered from its signature.
    pub client_address: *mut c_char,
    /// The signature scheme the client used.
    pub scheme: ConfideSessionScheme,
    /// True when the init re-keyed an existing session of the same client.
    pub rekeyed: bool,
    /// The job id from the encrypted session data, or NULL.
    pub job_id: *mut c_char,
    /// The model name from the encrypted session data, or NULL.
    pub model_name: *mut c_char,
    /// Whether the session data carried `pricePerToken`.
    pub has_price_per_token: bool,
    /// The agreed price per token (when `has_price_per_token`).
    pub price_per_token: u64,
}

/// A decrypted prompt. Free with `confide_host_message_free` (which zeroes the prompt).
#[repr(C)]
#[derive(Debug)]
pub struct ConfideHostMessage {
    /// The session the prompt belongs to.
    pub session_id: *mut c_char,
    /// The request id to echo in the reply frames, or NULL.
    pub request_id: *mut c_char,
    /// The prompt request as JSON: `{"prompt":…}` or `{"messages":[{"role","content"}…]}` plus
    /// the optional `model`, `max_tokens`, `temperature`, `top_p`, `seed`, `stream`.
    pub prompt_json: *mut c_char,
}

/// The default limits (1024 sessions, 1800 s idle timeout).
///
/// # Safety
/// `out_config` is valid for writing a `ConfideHostConfig`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_host_config_default(
    out_config: *mut ConfideHostConfig,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: the caller upholds the documented pointer contract.
        let out_config = unsafe { args::out(out_config, "out_config")? };
        let defaults = StoreConfig::default();
        *out_config = ConfideHostConfig {
            capacity: defaults.capacity,
            idle_timeout_secs: defaults.idle_timeout_secs,
        };
        Ok(())
    })
}

/// A host with the key `host_key` (copied: it may be freed afterwards) and the limits `config`
/// (NULL for the defaults). Free `*out_host` with `confide_host_session_free`.
///
/// # Safety
/// `host_key` is a live key; `config` is NULL or points to a `ConfideHostConfig`; `out_host` is
/// valid for writing a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_host_session_new(
    host_key: *const ConfideSecretKey,
    config: *const ConfideHostConfig,
    out_host: *mut *mut ConfideHostSession,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: the caller upholds the documented pointer contracts.
        let (out_host, host_key, config) = unsafe {
            (
                args::out(out_host, "out_host")?,
                args::handle(host_key, "host_key")?,
                args::opt_ref(config),
            )
        };
        let config = match config {
            None => StoreConfig::default(),
            Some(c) if c.capacity == 0 => {
                return Err(invalid_argument("config.capacity", "must be at least 1"));
            }
            Some(c) if c.idle_timeout_secs == 0 => {
                return Err(invalid_argument(
                    "config.idle_timeout_secs",
                    "must be at least 1",
                ));
            }
            Some(c) => StoreConfig {
                capacity: c.capacity,
                idle_timeout_secs: c.idle_timeout_secs,
            },
        };
        *out_host = args::into_handle(ConfideHostSession {
            key: host_key.0.clone(),
            store: SessionStore::new(config),
        });
        Ok(())
    })
}

/// Verifies and stores an `encrypted_session_init` frame (JSON text) received at `now` (E2EE.md
/// §1): fields → replay → ECDH → decrypt → session data → signature → `authorize` → id ownership →
/// capacity. `authorize` may be NULL (every client allowed). On success `*out_accepted` holds the
/// ack frame to send, the ids and the client's address; free it with `confide_init_accepted_free`.
///
/// Errors include `MISSING_PAYLOAD`, `MISSING_PAYLOAD_FIELDS`, `INVALID_HEX_ENCODING`,
/// `INVALID_NONCE_SIZE`, `INVALID_KEY`, `DECRYPTION_FAILED`, `INVALID_SESSION_DATA`,
/// `INVALID_SIGNATURE`, `UNAUTHORIZED`, `REPLAY_DETECTED`, `SESSION_ID_IN_USE`,
/// `TOO_MANY_SESSIONS`, and `INVALID_MESSAGE` for anything that is not such a frame; turn one
/// into a wire frame with `confide_error_to_frame`.
///
/// # Safety
/// `host` is a live host not used concurrently; `frame` is NULL or NUL-terminated;
/// `authorize_ctx` is whatever `authorize` expects; `out_accepted` is valid for writing a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_host_session_accept_init(
    host: *mut ConfideHostSession,
    frame: *const c_char,
    now: u64,
    authorize: ConfideAuthorizeCallback,
    authorize_ctx: *mut c_void,
    out_accepted: *mut *mut ConfideInitAccepted,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: the caller upholds the documented pointer contracts.
        let (out_accepted, host, frame) = unsafe {
            (
                args::out(out_accepted, "out_accepted")?,
                args::handle_mut(host, "host")?,
                args::str(frame, "frame")?,
            )
        };
        let ClientFrame::EncryptedSessionInit(init) = ClientFrame::parse(frame)? else {
            return Err(wrong_frame("encrypted_session_init"));
        };
        let accepted = host.store.accept_init(&host.key, &init, now, |address| {
            signer::authorize(authorize, authorize_ctx, address)
        })?;
        let ack = HostFrame::SessionInitAck(SessionInitAckFrame::new(
            init.session_id.clone(),
            init.job_id.clone(),
            init.chain_id,
            init.id.clone(),
            Some(&accepted.client_address),
        ));
        let session = host.store.session_mut(&init.session_id, now)?;
        *out_accepted = args::into_handle(ConfideInitAccepted {
            ack_json: c_string(&ack.to_json()),
            session_id: c_string(&init.session_id.to_string()),
            request_id: opt_c_string(init.id.as_ref().map(WireId::to_string).as_deref()),
            client_address: c_string(&accepted.client_address.to_checksum()),
            scheme: session_scheme_value(accepted.scheme),
            rekeyed: accepted.rekeyed,
            job_id: opt_c_string(session.job_id()),
            model_name: opt_c_string(session.model_name()),
            has_price_per_token: session.price_per_token().is_some(),
            price_per_token: session.price_per_token().unwrap_or(0),
        });
        Ok(())
    })
}

/// Frees an accepted-init result and its strings. NULL is ignored.
///
/// # Safety
/// `accepted` is NULL or came from `confide_host_session_accept_init`, unmodified, not freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_init_accepted_free(accepted: *mut ConfideInitAccepted) {
    boundary::call_infallible((), || {
        if accepted.is_null() {
            return;
        }
        // SAFETY: a live box from `confide_host_session_accept_init` (caller's contract).
        let accepted = unsafe { Box::from_raw(accepted) };
        for string in [
            accepted.ack_json,
            accepted.session_id,
            accepted.request_id,
            accepted.client_address,
            accepted.job_id,
            accepted.model_name,
        ] {
            // SAFETY: each was made by `c_string` (or is NULL).
            unsafe { buffer::free_c_string(string) };
        }
    });
}

/// Opens an `encrypted_message` frame (JSON text) received at `now`: fields → AAD `message_N` →
/// counter (`REPLAY_DETECTED`) → nonce (`NONCE_REUSE`) → decrypt (`DECRYPTION_FAILED`) → prompt.
/// `SESSION_KEY_NOT_FOUND` for an unknown, closed or idle-expired session. Free `*out_message`
/// with `confide_host_message_free`.
///
/// # Safety
/// `host` is a live host not used concurrently; `frame` is NULL or NUL-terminated; `out_message`
/// is valid for writing a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_host_session_open_message(
    host: *mut ConfideHostSession,
    frame: *const c_char,
    now: u64,
    out_message: *mut *mut ConfideHostMessage,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: the caller upholds the documented pointer contracts.
        let (out_message, host, frame) = unsafe {
            (
                args::out(out_message, "out_message")?,
                args::handle_mut(host, "host")?,
                args::str(frame, "frame")?,
            )
        };
        let ClientFrame::EncryptedMessage(message) = ClientFrame::parse(frame)? else {
            return Err(wrong_frame("encrypted_message"));
        };
        let request = host
            .store
            .session_mut(&message.session_id, now)?
            .open_message(message.payload.as_ref())?;
        let prompt_json = Zeroizing::new(request.to_json());
        *out_message = args::into_handle(ConfideHostMessage {
            session_id: c_string(&message.session_id.to_string()),
            request_id: opt_c_string(message.id.as_ref().map(WireId::to_string).as_deref()),
            prompt_json: c_string(&prompt_json),
        });
        Ok(())
    })
}

/// Frees a decrypted prompt, zeroing it. NULL is ignored.
///
/// # Safety
/// `message` is NULL or came from `confide_host_session_open_message`, unmodified, not freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_host_message_free(message: *mut ConfideHostMessage) {
    boundary::call_infallible((), || {
        if message.is_null() {
            return;
        }
        // SAFETY: a live box from `confide_host_session_open_message` (caller's contract).
        let message = unsafe { Box::from_raw(message) };
        for string in [message.session_id, message.request_id, message.prompt_json] {
            // SAFETY: each was made by `c_string` (or is NULL).
            unsafe { buffer::free_c_string(string) };
        }
    });
}

/// Seals one piece of generated text (`text_len` bytes of UTF-8) as an `encrypted_chunk` frame
/// with AAD `chunk_<index>` (index from 0 within each response); `is_final` marks the last chunk.
/// `request_id` (may be NULL) is the id of the prompt being answered. Free `*out_frame` with
/// `confide_string_free`.
///
/// # Safety
/// `host` is a live host not used concurrently; `session_id` / `request_id` are NULL or
/// NUL-terminated; `text` points to `text_len` readable bytes; `out_frame` is valid for writing a
/// pointer.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)] // a flat C signature; a params struct would add a type to free
pub unsafe extern "C" fn confide_host_session_seal_chunk(
    host: *mut ConfideHostSession,
    session_id: *const c_char,
    request_id: *const c_char,
    index: u64,
    text: *const u8,
    text_len: usize,
    tokens: u64,
    is_final: bool,
    now: u64,
    out_frame: *mut *mut c_char,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: the caller upholds the documented pointer contracts.
        let (out_frame, host, session_id, request_id, text) = unsafe {
            (
                args::out(out_frame, "out_frame")?,
                args::handle_mut(host, "host")?,
                args::str(session_id, "session_id")?,
                args::opt_str(request_id, "request_id")?,
                args::bytes(text, text_len, "text")?,
            )
        };
        let text = std::str::from_utf8(text)
            .map_err(|_| invalid_argument("text", "is not valid UTF-8"))?;
        let session_id = resolve_session_id(&host.store, session_id);
        let request_id = request_id.map(WireId::from);
        let frame = host.store.session_mut(&session_id, now)?.seal_chunk(
            &mut OsRng,
            request_id.as_ref(),
            index,
            text,
            tokens,
            is_final,
        );
        *out_frame = c_string(&frame);
        Ok(())
    })
}

/// Seals the finish reason (`stop`, `length`, `cancelled`) as an `encrypted_response` frame (AAD
/// `encrypted_response_final`), sent after the last chunk. Free `*out_frame` with
/// `confide_string_free`.
///
/// # Safety
/// `host` is a live host not used concurrently; the strings are NULL or NUL-terminated;
/// `out_frame` is valid for writing a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_host_session_seal_final(
    host: *mut ConfideHostSession,
    session_id: *const c_char,
    request_id: *const c_char,
    finish_reason: *const c_char,
    now: u64,
    out_frame: *mut *mut c_char,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: the caller upholds the documented pointer contracts.
        let (out_frame, host, session_id, request_id, finish_reason) = unsafe {
            (
                args::out(out_frame, "out_frame")?,
                args::handle_mut(host, "host")?,
                args::str(session_id, "session_id")?,
                args::opt_str(request_id, "request_id")?,
                args::str(finish_reason, "finish_reason")?,
            )
        };
        let session_id = resolve_session_id(&host.store, session_id);
        let request_id = request_id.map(WireId::from);
        let frame = host.store.session_mut(&session_id, now)?.seal_final(
            &mut OsRng,
            request_id.as_ref(),
            finish_reason,
        );
        *out_frame = c_string(&frame);
        Ok(())
    })
}

/// Drops a session and zeroizes its key (e.g. when the client disconnects); `*out_removed` tells
/// whether it existed.
///
/// # Safety
/// `host` is a live host not used concurrently; `session_id` is NULL or NUL-terminated;
/// `out_removed` is valid for writing a `bool`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_host_session_remove(
    host: *mut ConfideHostSession,
    session_id: *const c_char,
    out_removed: *mut bool,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: the caller upholds the documented pointer contracts.
        let (out_removed, host, session_id) = unsafe {
            (
                args::out(out_removed, "out_removed")?,
                args::handle_mut(host, "host")?,
                args::str(session_id, "session_id")?,
            )
        };
        let session_id = resolve_session_id(&host.store, session_id);
        *out_removed = host.store.remove(&session_id);
        Ok(())
    })
}

/// Drops every session idle for the configured timeout at `now`; `*out_expired` is how many.
///
/// # Safety
/// `host` is a live host not used concurrently; `out_expired` is valid for writing a `size_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_host_session_expire(
    host: *mut ConfideHostSession,
    now: u64,
    out_expired: *mut usize,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: the caller upholds the documented pointer contracts.
        let (out_expired, host) = unsafe {
            (
                args::out(out_expired, "out_expired")?,
                args::handle_mut(host, "host")?,
            )
        };
        *out_expired = host.store.expire(now);
        Ok(())
    })
}

/// The number of live sessions.
///
/// # Safety
/// `host` is a live host not being mutated concurrently; `out_count` is valid for writing a
/// `size_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_host_session_count(
    host: *const ConfideHostSession,
    out_count: *mut usize,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: the caller upholds the documented pointer contracts.
        let (out_count, host) = unsafe {
            (
                args::out(out_count, "out_count")?,
                args::handle(host, "host")?,
            )
        };
        *out_count = host.store.len();
        Ok(())
    })
}

/// Frees a host: every session key and the host key copy are zeroized. NULL is ignored.
///
/// # Safety
/// `host` is NULL or a host from this library that was not freed and that no call is using.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_host_session_free(host: *mut ConfideHostSession) {
    boundary::call_infallible((), || {
        // SAFETY: forwarded to the caller's contract.
        unsafe { args::free_handle(host) }
    });
}

/// The stored id a caller's string names: the text id, or else the numeric id with that decimal
/// form (a client may send `session_id` as a JSON number).
fn resolve_session_id(store: &SessionStore, text: &str) -> WireId {
    let as_text = WireId::from(text);
    if store.contains(&as_text) {
        return as_text;
    }
    match text.parse::<u64>() {
        Ok(number) if number.to_string() == text && store.contains(&WireId::Number(number)) => {
            WireId::Number(number)
        }
        _ => as_text,
    }
}

fn wrong_frame(expected: &str) -> Error {
    Error::new(
        ErrorCode::InvalidMessage,
        format!("expected an `{expected}` frame"),
    )
}
