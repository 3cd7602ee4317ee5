//! The client side of an E2EE session (`ClientSession`): init frame, sealed prompts, opened host
//! frames, close.

use std::ffi::{c_char, c_void};
use std::time::{SystemTime, UNIX_EPOCH};

use confide_core::crypto::{PublicKey, SecretKey, Signer};
use confide_core::e2ee::{ClientSession, InitParams, WireId};

use crate::args;
use crate::boundary;
use crate::buffer;
use crate::codes::session_scheme;
use crate::error::ConfideError;
use crate::event::ConfideClientEvent;
use crate::keys::ConfideSecretKey;
use crate::rng::OsRng;
use crate::signer::{CallbackSigner, ConfideSignCallback};

/// The client's end of one encrypted session with a host.
///
/// Create with `confide_client_session_new` (wallet key) or `confide_client_session_new_with_signer`
/// (sign callback); then `_init_message`, `_seal_prompt`, `_open`; `_close` zeroizes the session
/// key; `_free` releases the handle.
///
/// Not thread-safe: calls on one session must not overlap (use it from one thread, or guard it
/// with a mutex). It may be moved between threads; with a sign callback, the callback runs on
/// whichever thread calls `confide_client_session_init_message`. Different sessions are
/// independent.
pub struct ConfideClientSession {
    session: ClientSession,
    signer: SessionSigner,
}

/// Who signs the session init.
enum SessionSigner {
    /// A copy of the wallet key (zeroized when the session is freed).
    Key(Box<SecretKey>),
    /// A C callback.
    Callback(CallbackSigner),
}

impl SessionSigner {
    fn as_dyn(&self) -> &dyn Signer {
        match self {
            Self::Key(key) => key.as_ref(),
            Self::Callback(callback) => callback,
        }
    }
}

/// What the client tells the host when it opens a session (`encrypted_session_init`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct ConfideInitParams {
    /// Session id, usually a UUID (required, UTF-8).
    pub session_id: *const c_char,
    /// On-chain job id (sent as a JSON number).
    pub job_id: u64,
    /// Chain id (e.g. 84532).
    pub chain_id: u64,
    /// Model to use (required, UTF-8).
    pub model_name: *const c_char,
    /// Agreed price per token.
    pub price_per_token: u64,
    /// Optional request id echoed in the host's ack, or NULL.
    pub request_id: *const c_char,
    /// The current time in Unix seconds, sent inside the encrypted session data so the host can
    /// refuse a stale or replayed init (E2EE.md §1 "Freshness"); 0 (what a zero-initialised struct
    /// holds) reads the system clock. Set it when the app keeps its own clock (a trusted network
    /// time, or a fixed time in tests).
    pub timestamp: u64,
}

/// The shared body of the two constructors.
///
/// # Safety
/// `host_public_key` points to `host_public_key_len` readable bytes (or is NULL with length 0);
/// `out_session` is NULL or valid for writing a pointer.
unsafe fn new_session(
    host_public_key: *const u8,
    host_public_key_len: usize,
    scheme: u32,
    out_session: *mut *mut ConfideClientSession,
    signer: impl FnOnce() -> Result<SessionSigner, confide_core::Error>,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: forwarded to this function's contract.
        let (out_session, host_public_key) = unsafe {
            (
                args::out(out_session, "out_session")?,
                args::bytes(host_public_key, host_public_key_len, "host_public_key")?,
            )
        };
        let host_public = PublicKey::from_sec1_bytes(host_public_key)?;
        let scheme = session_scheme(scheme)?;
        *out_session = args::into_handle(ConfideClientSession {
            session: ClientSession::new(host_public, scheme),
            signer: signer()?,
        });
        Ok(())
    })
}

/// A session with the host whose public key is `host_public_key` (SEC1, 33 or 65 bytes; see
/// `confide_public_key_from_hex`), signing the init with `wallet` under `scheme` (a
/// `ConfideSessionScheme`). The session keeps its own copy of the key: `wallet` may be freed
/// afterwards. Free `*out_session` with `confide_client_session_free`.
///
/// # Safety
/// `host_public_key` points to `host_public_key_len` readable bytes; `wallet` is a live key;
/// `out_session` is valid for writing a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_client_session_new(
    host_public_key: *const u8,
    host_public_key_len: usize,
    wallet: *const ConfideSecretKey,
    scheme: u32,
    out_session: *mut *mut ConfideClientSession,
) -> *mut ConfideError {
    let signer = || {
        // SAFETY: the caller passes NULL or a live key.
        let wallet = unsafe { args::handle(wallet, "wallet")? };
        Ok(SessionSigner::Key(Box::new(wallet.0.clone())))
    };
    // SAFETY: forwarded to the caller's contract.
    unsafe {
        new_session(
            host_public_key,
            host_public_key_len,
            scheme,
            out_session,
            signer,
        )
    }
}

/// Like `confide_client_session_new`, but the init is signed by `sign` (a wallet, HSM or secure
/// enclave; see `ConfideSignCallback`), called with `sign_ctx` during
/// `confide_client_session_init_message`. The client address is recovered from the signature.
/// A NULL `sign` is an error.
///
/// # Safety
/// As for `confide_client_session_new`; `sign_ctx` must stay valid for as long as the session
/// may call `sign` (until it is freed).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_client_session_new_with_signer(
    host_public_key: *const u8,
    host_public_key_len: usize,
    sign: ConfideSignCallback,
    sign_ctx: *mut c_void,
    scheme: u32,
    out_session: *mut *mut ConfideClientSession,
) -> *mut ConfideError {
    let signer = || CallbackSigner::new(sign, sign_ctx, None, "sign").map(SessionSigner::Callback);
    // SAFETY: forwarded to the caller's contract.
    unsafe {
        new_session(
            host_public_key,
            host_public_key_len,
            scheme,
            out_session,
            signer,
        )
    }
}

/// Builds the `encrypted_session_init` frame to send (fresh ephemeral key, session key and nonce
/// from the OS RNG; signed by the wallet key or the sign callback). The encrypted session data
/// carries `params.timestamp` (or the system clock's time when it is 0), so the host can refuse a
/// stale or replayed init. Calling it again re-keys the session. Free `*out_frame` with
/// `confide_string_free`.
///
/// Errors: `INVALID_SIGNATURE` when the sign callback fails or returns an unusable signature;
/// `INVALID_ARGUMENT` for NULL or non-UTF-8 strings in `params`.
///
/// # Safety
/// `session` is a live session not used concurrently; `params` points to a `ConfideInitParams`
/// whose strings are NULL or NUL-terminated; `out_frame` is valid for writing a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_client_session_init_message(
    session: *mut ConfideClientSession,
    params: *const ConfideInitParams,
    out_frame: *mut *mut c_char,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: the caller upholds the documented pointer contracts.
        let (out_frame, session, params) = unsafe {
            (
                args::out(out_frame, "out_frame")?,
                args::handle_mut(session, "session")?,
                args::handle(params, "params")?,
            )
        };
        // SAFETY: the caller guarantees the strings in `params` are NULL or NUL-terminated.
        let (session_id, model_name, request_id) = unsafe {
            (
                args::str(params.session_id, "params.session_id")?,
                args::str(params.model_name, "params.model_name")?,
                args::opt_str(params.request_id, "params.request_id")?,
            )
        };
        let params = InitParams {
            session_id: WireId::from(session_id),
            job_id: WireId::from(params.job_id),
            chain_id: params.chain_id,
            model_name: model_name.to_owned(),
            price_per_token: params.price_per_token,
            id: request_id.map(WireId::from),
            timestamp: Some(match params.timestamp {
                0 => unix_now(),
                timestamp => timestamp,
            }),
        };
        let signer = session.signer.as_dyn();
        let frame = session.session.init_message(signer, &mut OsRng, &params)?;
        *out_frame = buffer::c_string(&frame);
        Ok(())
    })
}

/// Seals a prompt as an `encrypted_message` frame with AAD `message_N` (N counts from 0).
/// `prompt` is the JSON request (`{"prompt":…}` or `{"messages":[…]}`) or plain text, as bytes;
/// `request_id` (required) is echoed by every reply frame. Free `*out_frame` with
/// `confide_string_free`.
///
/// Errors: `SESSION_KEY_NOT_FOUND` before `confide_client_session_init_message` or after
/// `confide_client_session_close`.
///
/// # Safety
/// `session` is a live session not used concurrently; `request_id` is NULL or NUL-terminated;
/// `prompt` points to `prompt_len` readable bytes (or is NULL with `prompt_len` 0); `out_frame` is
/// valid for writing a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_client_session_seal_prompt(
    session: *mut ConfideClientSession,
    request_id: *const c_char,
    prompt: *const u8,
    prompt_len: usize,
    out_frame: *mut *mut c_char,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: the caller upholds the documented pointer contracts.
        let (out_frame, session, request_id, prompt) = unsafe {
            (
                args::out(out_frame, "out_frame")?,
                args::handle_mut(session, "session")?,
                args::str(request_id, "request_id")?,
                args::bytes(prompt, prompt_len, "prompt")?,
            )
        };
        let frame = session
            .session
            .seal_prompt(&mut OsRng, &WireId::from(request_id), prompt)?;
        *out_frame = buffer::c_string(&frame);
        Ok(())
    })
}

/// Opens a frame the host sent (JSON text): decrypts and checks it (chunk order from 0,
/// `chunk_<index>` AAD, nonce freshness, final AAD, our address in the ack, no plaintext in an
/// encrypted session, `stream_end` only after the encrypted final, and the host's receipt against
/// the decrypted text and usage). Violations are errors (`REPLAY_DETECTED`, `INVALID_AAD`,
/// `NONCE_REUSE`, `DECRYPTION_FAILED`, `ENCRYPTION_REQUIRED`, `INVALID_MESSAGE`, and for the
/// receipt `INVALID_SIGNER`, `UNSIGNED_MESSAGE`, `UNSUPPORTED_SCHEME`, `MALFORMED_SIGNATURE`, …)
/// and leave the session as it was; an `error` frame from the host is not an error here but an
/// event of kind `CONFIDE_EVENT_KIND_ERROR`. Free `*out_event` with `confide_client_event_free`.
///
/// # Safety
/// `session` is a live session not used concurrently; `frame` is NULL or NUL-terminated;
/// `out_event` is valid for writing a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_client_session_open(
    session: *mut ConfideClientSession,
    frame: *const c_char,
    out_event: *mut *mut ConfideClientEvent,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: the caller upholds the documented pointer contracts.
        let (out_event, session, frame) = unsafe {
            (
                args::out(out_event, "out_event")?,
                args::handle_mut(session, "session")?,
                args::str(frame, "frame")?,
            )
        };
        let event = session.session.open(frame)?;
        *out_event = args::into_handle(ConfideClientEvent::from_core(event));
        Ok(())
    })
}

/// Unix seconds from the system clock (0 if it reads before 1970, which the host then refuses as
/// stale).
fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

/// Ends the session: forgets and zeroizes the session key. Closing twice is fine; later
/// `_seal_prompt` and `_open` calls fail with `SESSION_KEY_NOT_FOUND` (a new
/// `_init_message` starts a new session). The handle still needs `confide_client_session_free`.
///
/// # Safety
/// `session` is NULL (an error is returned) or a live session not used concurrently.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_client_session_close(
    session: *mut ConfideClientSession,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: the caller passes NULL or a live session.
        let session = unsafe { args::handle_mut(session, "session")? };
        session.session.close();
        Ok(())
    })
}

/// Frees a session (zeroizing its keys, including its copy of the wallet key). NULL is ignored.
///
/// # Safety
/// `session` is NULL or a session from this library that was not freed and that no call is using.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_client_session_free(session: *mut ConfideClientSession) {
    boundary::call_infallible((), || {
        // SAFETY: forwarded to the caller's contract.
        unsafe { args::free_handle(session) }
    });
}
