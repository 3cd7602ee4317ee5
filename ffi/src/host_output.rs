//! What a host connection asks its caller to do (`ConfideHostOutputs`): frames to send, a close,
//! generations to start or cancel — the core's host engine `Output`s as a C array.

use std::ffi::c_char;
use std::ptr;

use confide_core::e2ee::WireId;
use confide_core::host::{GenerationStart, Output};
use zeroize::Zeroizing;

use crate::args::OutValue;
use crate::boundary;
use crate::buffer::{self, c_string, opt_c_string};

/// What one `ConfideHostOutput` asks for.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfideHostOutputKind {
    /// Send `text` to the client as a WebSocket text frame.
    Frame = 0,
    /// Send a WebSocket Close frame with `close_code` and the reason `text`, then stop reading and
    /// drop the connection (free it after `confide_host_connection_close`).
    Close = 1,
    /// Start generation `generation_id` for `request_json`; report what it produces with
    /// `confide_host_connection_generation_text` / `_finished` / `_failed`.
    Start = 2,
    /// Stop generation `generation_id`. Reporting it as finished with
    /// `CONFIDE_FINISH_REASON_CANCELLED` is allowed but not needed: the connection has already
    /// forgotten it, so later events for it are ignored.
    Cancel = 3,
}

/// One thing for the caller to do. Which fields are set depends on `kind`; unset pointers are
/// NULL and unset numbers 0. Strings are NUL-terminated UTF-8 (frames are JSON text, which never
/// contains a NUL byte). Owned by the `ConfideHostOutputs` it is in.
#[repr(C)]
#[derive(Debug)]
pub struct ConfideHostOutput {
    /// What to do.
    pub kind: ConfideHostOutputKind,
    /// `FRAME`: the frame (JSON text) to send. `CLOSE`: the close reason.
    pub text: *mut c_char,
    /// `CLOSE`: the WebSocket close code (1008 policy violation, 1009 message too big).
    pub close_code: u16,
    /// `START`, `CANCEL`: the generation's id, unique within its connection.
    pub generation_id: u64,
    /// `START`: the session the generation answers (a numeric session id in decimal).
    pub session_id: *mut c_char,
    /// `START`: the request id it answers, or NULL.
    pub request_id: *mut c_char,
    /// `START`: the model to run (asked by the prompt, else named at the session's init), or NULL
    /// for the host's default.
    pub model: *mut c_char,
    /// `START`: what to generate, as JSON: `{"prompt":…}` or `{"messages":[{"role","content"}…]}`
    /// plus the optional `model`, `max_tokens`, `temperature`, `top_p`, `seed`, `stream`,
    /// `signed_request`. Plaintext of the client's prompt: zeroed when freed.
    pub request_json: *mut c_char,
    /// `START`: whether the session is encrypted.
    pub encrypted: bool,
}

/// The outputs of one call, in the order to carry them out: `len` items at `items` (`items` is
/// NULL when `len` is 0). Free with `confide_host_outputs_free` (not item by item).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct ConfideHostOutputs {
    /// The outputs, or NULL when empty.
    pub items: *mut ConfideHostOutput,
    /// Number of outputs.
    pub len: usize,
}

impl OutValue for ConfideHostOutputs {
    const EMPTY: Self = Self {
        items: ptr::null_mut(),
        len: 0,
    };
}

impl ConfideHostOutputs {
    /// Converts the engine's outputs. `RunInit` never occurs (the bindings run inits inline) and
    /// `Observe` (metrics) is not surfaced.
    pub(crate) fn from_core(outputs: Vec<Output>) -> Self {
        let items: Box<[ConfideHostOutput]> = outputs
            .into_iter()
            .filter_map(ConfideHostOutput::from_core)
            .collect();
        if items.is_empty() {
            return Self::EMPTY;
        }
        let len = items.len();
        Self {
            items: Box::into_raw(items).cast::<ConfideHostOutput>(),
            len,
        }
    }

    /// The outputs (for tests and for Rust callers of the rlib).
    ///
    /// # Safety
    /// The outputs came from this library and were not freed.
    pub unsafe fn as_slice(&self) -> &[ConfideHostOutput] {
        if self.items.is_null() {
            return &[];
        }
        // SAFETY: `items`/`len` describe a live allocation made by `from_core`.
        unsafe { std::slice::from_raw_parts(self.items, self.len) }
    }
}

impl ConfideHostOutput {
    fn empty(kind: ConfideHostOutputKind) -> Self {
        Self {
            kind,
            text: ptr::null_mut(),
            close_code: 0,
            generation_id: 0,
            session_id: ptr::null_mut(),
            request_id: ptr::null_mut(),
            model: ptr::null_mut(),
            request_json: ptr::null_mut(),
            encrypted: false,
        }
    }

    fn from_core(output: Output) -> Option<Self> {
        Some(match output {
            Output::Frame(frame) => Self {
                text: c_string(&frame),
                ..Self::empty(ConfideHostOutputKind::Frame)
            },
            Output::Close { code, reason } => Self {
                text: c_string(reason),
                close_code: code,
                ..Self::empty(ConfideHostOutputKind::Close)
            },
            Output::Start(start) => Self::start(start),
            Output::Cancel(id) => Self {
                generation_id: id.0,
                ..Self::empty(ConfideHostOutputKind::Cancel)
            },
            Output::RunInit(_) | Output::Observe(_) => return None,
        })
    }

    fn start(start: GenerationStart) -> Self {
        let request_json = Zeroizing::new(start.request.to_json());
        Self {
            generation_id: start.id.0,
            session_id: c_string(&start.session_id.to_string()),
            request_id: opt_c_string(start.request_id.as_ref().map(WireId::to_string).as_deref()),
            model: opt_c_string(start.model.as_deref()),
            request_json: c_string(&request_json),
            encrypted: start.encrypted,
            ..Self::empty(ConfideHostOutputKind::Start)
        }
    }
}

/// Frees every output and its strings (zeroing them) and resets `outputs` to `{NULL, 0}`, so a
/// second call does nothing. NULL is ignored.
///
/// # Safety
/// `outputs` is NULL or points to a `ConfideHostOutputs` this library filled, unmodified.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_host_outputs_free(outputs: *mut ConfideHostOutputs) {
    boundary::call_infallible((), || {
        // SAFETY: the caller passes NULL or outputs this library filled.
        let Some(outputs) = (unsafe { outputs.as_mut() }) else {
            return;
        };
        if !outputs.items.is_null() {
            // SAFETY: `items`/`len` describe a `Box<[ConfideHostOutput]>` made by `from_core`.
            let items =
                unsafe { Box::from_raw(ptr::slice_from_raw_parts_mut(outputs.items, outputs.len)) };
            for item in &items {
                for string in [
                    item.text,
                    item.session_id,
                    item.request_id,
                    item.model,
                    item.request_json,
                ] {
                    // SAFETY: each was made by `c_string` (or is NULL) in `from_core`.
                    unsafe { buffer::free_c_string(string) };
                }
            }
        }
        *outputs = ConfideHostOutputs::EMPTY;
    });
}
