//! One client connection of a host (`ConfideHostConnection`, wrapping the core's host engine
//! `Connection`): frames in, `ConfideHostOutputs` out; generation events in, sealed chunks, the
//! final, `stream_end` and its signed receipt out. Time is the caller's `now_ms` (Unix
//! milliseconds).

use std::ffi::c_char;

use confide_core::host::{Connection, FinishReason, GenerationEvent, GenerationId};
use confide_core::{Error, ErrorCode};

use crate::args;
use crate::boundary;
use crate::buffer::c_string;
use crate::error::{ConfideError, invalid_argument};
use crate::host::ConfideHostEndpoint;
use crate::host_output::ConfideHostOutputs;
use crate::rng::OsRng;

/// One client connection (e.g. one WebSocket) of a `ConfideHostEndpoint`: its sessions, running
/// generations and rate limits. Feed it every frame the client sends
/// (`confide_host_connection_handle_frame`) and every event of the generations it starts
/// (`_generation_text`, `_finished`, `_failed`), and carry out the returned outputs in order.
/// Send `confide_host_connection_greeting` first. Session keys are zeroized when sessions expire
/// or are re-keyed, and when the connection is closed or freed.
///
/// Not thread-safe: calls on one connection must not overlap (one thread, or a mutex around it).
/// It may be moved between threads. Different connections may be used on different threads.
pub struct ConfideHostConnection {
    connection: Connection,
}

/// Why a generation stopped, for `confide_host_connection_generation_finished`. Pass as
/// `uint32_t`.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfideFinishReason {
    /// The model ended its answer (`stop`).
    Stop = 0,
    /// The request's `max_tokens` was reached (`length`).
    Length = 1,
    /// A cancel, disconnect or shutdown stopped it (`cancelled`).
    Cancelled = 2,
}

/// The finish reason for a `uint32_t` argument; anything but the enum's values is an error.
fn core_finish_reason(value: u32) -> Result<FinishReason, Error> {
    match value {
        v if v == ConfideFinishReason::Stop as u32 => Ok(FinishReason::Stop),
        v if v == ConfideFinishReason::Length as u32 => Ok(FinishReason::Length),
        v if v == ConfideFinishReason::Cancelled as u32 => Ok(FinishReason::Cancelled),
        other => Err(invalid_argument(
            "finish_reason",
            &format!("{other} is not a ConfideFinishReason (0 = STOP, 1 = LENGTH, 2 = CANCELLED)"),
        )),
    }
}

/// The core error code for a `uint32_t` argument (a `CONFIDE_ERROR_CODE_*` value other than OK).
fn core_error_code(value: u32) -> Result<ErrorCode, Error> {
    ErrorCode::ALL
        .into_iter()
        .find(|code| code.number() == value)
        .ok_or_else(|| {
            invalid_argument(
                "error_code",
                &format!("{value} is not a CONFIDE_ERROR_CODE_* value other than OK"),
            )
        })
}

/// A new connection of `endpoint`, opened at `now_ms` (Unix milliseconds). The connection holds
/// a reference to the endpoint. Free `*out_connection` with `confide_host_connection_free`.
///
/// # Safety
/// `endpoint` is a live endpoint; `out_connection` is valid for writing a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_host_connection_new(
    endpoint: *const ConfideHostEndpoint,
    now_ms: u64,
    out_connection: *mut *mut ConfideHostConnection,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: the caller upholds the documented pointer contracts.
        let (out_connection, endpoint) = unsafe {
            (
                args::out(out_connection, "out_connection")?,
                args::handle(endpoint, "endpoint")?,
            )
        };
        let connection = Connection::new(endpoint.endpoint.clone(), now_ms);
        *out_connection = args::into_handle(ConfideHostConnection { connection });
        Ok(())
    })
}

/// The `connected` greeting frame to send when the connection opens. Free `*out_frame` with
/// `confide_string_free`.
///
/// # Safety
/// `connection` is a live connection not used concurrently; `out_frame` is valid for writing a
/// pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_host_connection_greeting(
    connection: *const ConfideHostConnection,
    out_frame: *mut *mut c_char,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: the caller upholds the documented pointer contracts.
        let (out_frame, connection) = unsafe {
            (
                args::out(out_frame, "out_frame")?,
                args::handle(connection, "connection")?,
            )
        };
        *out_frame = c_string(&connection.connection.greeting());
        Ok(())
    })
}

/// Handles one frame the client sent at `now_ms`: `frame_len` bytes, the text of a WebSocket
/// text frame (or the bytes of a binary one: anything but UTF-8 text is answered with an
/// `INVALID_MESSAGE` error frame). An encrypted session init is verified during this call (about
/// 0.2 ms of CPU, plus the authorize callback). `*out_outputs` lists what to do; free it with
/// `confide_host_outputs_free`.
///
/// Protocol errors are not returned: the client is told with an error frame among the outputs
/// (`{"type":"error","code":"REPLAY_DETECTED",…}`), and the connection goes on unless a `CLOSE`
/// output says otherwise. The returned error is only for bad arguments (`INVALID_ARGUMENT`).
///
/// # Safety
/// `connection` is a live connection not used concurrently; `frame` points to `frame_len`
/// readable bytes (or is NULL with length 0); `out_outputs` is valid for writing a
/// `ConfideHostOutputs`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_host_connection_handle_frame(
    connection: *mut ConfideHostConnection,
    frame: *const u8,
    frame_len: usize,
    now_ms: u64,
    out_outputs: *mut ConfideHostOutputs,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: the caller upholds the documented pointer contracts.
        let (out_outputs, connection, frame) = unsafe {
            (
                args::out(out_outputs, "out_outputs")?,
                args::handle_mut(connection, "connection")?,
                args::bytes(frame, frame_len, "frame")?,
            )
        };
        let connection = &mut connection.connection;
        let outputs = match std::str::from_utf8(frame) {
            Ok(text) => connection.handle_frame_inline(text, now_ms),
            Err(_) => connection.handle_binary(frame, now_ms),
        };
        *out_outputs = ConfideHostOutputs::from_core(outputs);
        Ok(())
    })
}

/// The shared body of the generation entry points: `event` builds the event from the caller's
/// arguments.
///
/// # Safety
/// `connection` is NULL or a live connection not used concurrently; `out_outputs` is NULL or
/// valid for writing a `ConfideHostOutputs`.
unsafe fn generation_event(
    connection: *mut ConfideHostConnection,
    generation_id: u64,
    now_ms: u64,
    out_outputs: *mut ConfideHostOutputs,
    event: impl FnOnce() -> Result<GenerationEvent, Error>,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: forwarded to this function's contract.
        let (out_outputs, connection) = unsafe {
            (
                args::out(out_outputs, "out_outputs")?,
                args::handle_mut(connection, "connection")?,
            )
        };
        let outputs = connection.connection.handle_generation(
            GenerationId(generation_id),
            event()?,
            now_ms,
            &mut OsRng,
        );
        *out_outputs = ConfideHostOutputs::from_core(outputs);
        Ok(())
    })
}

/// Generation `generation_id` produced `text_len` bytes of UTF-8 `text` (a whole character
/// sequence: buffer a token that ends inside a character) completing `tokens` tokens, at
/// `now_ms`. The connection holds back the newest chunk so that the last one can be marked final,
/// so the outputs carry the previous chunk's frame, if any. Events of a generation the connection
/// no longer runs (unknown, finished or cancelled) yield no outputs. Free `*out_outputs` with
/// `confide_host_outputs_free`.
///
/// # Safety
/// `connection` is a live connection not used concurrently; `text` points to `text_len` readable
/// bytes; `out_outputs` is valid for writing a `ConfideHostOutputs`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_host_connection_generation_text(
    connection: *mut ConfideHostConnection,
    generation_id: u64,
    text: *const u8,
    text_len: usize,
    tokens: u32,
    now_ms: u64,
    out_outputs: *mut ConfideHostOutputs,
) -> *mut ConfideError {
    let event = || {
        // SAFETY: the caller upholds the documented pointer contract.
        let text = unsafe { args::bytes(text, text_len, "text")? };
        let text = std::str::from_utf8(text)
            .map_err(|_| invalid_argument("text", "is not valid UTF-8"))?;
        Ok(GenerationEvent::Text {
            text: text.to_owned(),
            tokens,
        })
    };
    // SAFETY: forwarded to the caller's contract.
    unsafe { generation_event(connection, generation_id, now_ms, out_outputs, event) }
}

/// Generation `generation_id` ended at `now_ms` for `finish_reason` (a `ConfideFinishReason`),
/// after `prompt_tokens` prompt tokens and `completion_tokens` generated ones. The outputs carry
/// the last chunk (marked final), the encrypted finish reason, and `stream_end` with the usage
/// and the receipt signed by the host key. Free `*out_outputs` with `confide_host_outputs_free`.
///
/// # Safety
/// `connection` is a live connection not used concurrently; `out_outputs` is valid for writing a
/// `ConfideHostOutputs`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_host_connection_generation_finished(
    connection: *mut ConfideHostConnection,
    generation_id: u64,
    finish_reason: u32,
    prompt_tokens: u64,
    completion_tokens: u64,
    now_ms: u64,
    out_outputs: *mut ConfideHostOutputs,
) -> *mut ConfideError {
    let event = || {
        Ok(GenerationEvent::Finished {
            finish_reason: core_finish_reason(finish_reason)?,
            prompt_tokens,
            completion_tokens,
        })
    };
    // SAFETY: forwarded to the caller's contract.
    unsafe { generation_event(connection, generation_id, now_ms, out_outputs, event) }
}

/// Generation `generation_id` failed at `now_ms` with `error_code` (a `CONFIDE_ERROR_CODE_*`,
/// e.g. `INFERENCE_FAILED` or `TOKEN_LIMIT_EXCEEDED`) and `message` (UTF-8, sent to the client:
/// it must not contain prompt text or secrets). The outputs cancel the generation and carry the
/// error frame. Free `*out_outputs` with `confide_host_outputs_free`.
///
/// # Safety
/// `connection` is a live connection not used concurrently; `message` is NULL or NUL-terminated;
/// `out_outputs` is valid for writing a `ConfideHostOutputs`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_host_connection_generation_failed(
    connection: *mut ConfideHostConnection,
    generation_id: u64,
    error_code: u32,
    message: *const c_char,
    now_ms: u64,
    out_outputs: *mut ConfideHostOutputs,
) -> *mut ConfideError {
    let event = || {
        // SAFETY: the caller upholds the documented pointer contract.
        let message = unsafe { args::str(message, "message")? };
        let code = core_error_code(error_code)?;
        Ok(GenerationEvent::Failed(Error::new(code, message)))
    };
    // SAFETY: forwarded to the caller's contract.
    unsafe { generation_event(connection, generation_id, now_ms, out_outputs, event) }
}

/// Drops the sessions idle past the TTL at `now_ms` (keys zeroized; sessions with a running
/// generation are in use). Call it periodically, e.g. every minute.
///
/// # Safety
/// `connection` is a live connection not used concurrently.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_host_connection_expire(
    connection: *mut ConfideHostConnection,
    now_ms: u64,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: the caller upholds the documented pointer contract.
        let connection = unsafe { args::handle_mut(connection, "connection")? };
        connection.connection.expire(now_ms);
        Ok(())
    })
}

/// Ends the connection (the client left, or a `CLOSE` output was carried out): every session is
/// forgotten (keys zeroized) and the outputs cancel every running generation. Later frames and
/// events yield no outputs. Free `*out_outputs` with `confide_host_outputs_free`.
///
/// # Safety
/// `connection` is a live connection not used concurrently; `out_outputs` is valid for writing a
/// `ConfideHostOutputs`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_host_connection_close(
    connection: *mut ConfideHostConnection,
    out_outputs: *mut ConfideHostOutputs,
) -> *mut ConfideError {
    boundary::call(|| {
        // SAFETY: the caller upholds the documented pointer contracts.
        let (out_outputs, connection) = unsafe {
            (
                args::out(out_outputs, "out_outputs")?,
                args::handle_mut(connection, "connection")?,
            )
        };
        *out_outputs = ConfideHostOutputs::from_core(connection.connection.close());
        Ok(())
    })
}

/// Frees a connection: its sessions are forgotten and their keys zeroized (call
/// `confide_host_connection_close` first to learn which generations to stop). NULL is ignored.
///
/// # Safety
/// `connection` is NULL or a connection from this library that was not freed and that no call is
/// using.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_host_connection_free(connection: *mut ConfideHostConnection) {
    boundary::call_infallible((), || {
        // SAFETY: forwarded to the caller's contract.
        unsafe { args::free_handle(connection) }
    });
}
