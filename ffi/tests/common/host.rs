//! The host engine's C entry points driven as C would, with every result copied and freed:
//! an endpoint and its connections (freed on drop), and their outputs as Rust values.

use std::ffi::{CStr, c_char, c_void};
use std::ptr;

use confide_ffi::host::*;
use confide_ffi::host_connection::*;
use confide_ffi::host_output::*;
use confide_ffi::keys::ConfideSecretKey;
use confide_ffi::{ConfideAuthorizeCallback, ConfideFinishReason};

use super::{NOW, c, ok, take_string};

/// `NOW` in Unix milliseconds.
pub const NOW_MS: u64 = NOW * 1000;

/// One output, copied.
#[derive(Clone, Debug, PartialEq)]
pub enum Out {
    Frame(String),
    Close {
        code: u16,
        reason: String,
    },
    Start {
        id: u64,
        session_id: String,
        request_id: Option<String>,
        model: Option<String>,
        request: serde_json::Value,
        encrypted: bool,
    },
    Cancel(u64),
}

impl Out {
    /// The frame as JSON (panics for other outputs).
    pub fn json(&self) -> serde_json::Value {
        match self {
            Self::Frame(text) => serde_json::from_str(text).unwrap(),
            other => panic!("expected a frame, got {other:?}"),
        }
    }
}

fn string(ptr: *const c_char) -> String {
    assert!(!ptr.is_null(), "expected a string, got NULL");
    unsafe { CStr::from_ptr(ptr) }.to_str().unwrap().to_owned()
}

fn opt_string(ptr: *const c_char) -> Option<String> {
    (!ptr.is_null()).then(|| string(ptr))
}

/// Copies and frees outputs; checks that the free resets them and that unset fields are empty.
pub fn take_outputs(mut outputs: ConfideHostOutputs) -> Vec<Out> {
    let copied = unsafe { outputs.as_slice() }
        .iter()
        .map(|o| match o.kind {
            ConfideHostOutputKind::Frame => {
                assert!(o.session_id.is_null() && o.request_json.is_null());
                Out::Frame(string(o.text))
            }
            ConfideHostOutputKind::Close => Out::Close {
                code: o.close_code,
                reason: string(o.text),
            },
            ConfideHostOutputKind::Start => {
                assert!(o.text.is_null());
                Out::Start {
                    id: o.generation_id,
                    session_id: string(o.session_id),
                    request_id: opt_string(o.request_id),
                    model: opt_string(o.model),
                    request: serde_json::from_str(&string(o.request_json)).unwrap(),
                    encrypted: o.encrypted,
                }
            }
            ConfideHostOutputKind::Cancel => {
                assert!(o.text.is_null() && o.request_json.is_null());
                Out::Cancel(o.generation_id)
            }
        })
        .collect();
    unsafe { confide_host_outputs_free(&mut outputs) };
    assert!(outputs.items.is_null() && outputs.len == 0);
    copied
}

/// Empty outputs for an out-pointer.
pub fn no_outputs() -> ConfideHostOutputs {
    ConfideHostOutputs {
        items: ptr::null_mut(),
        len: 0,
    }
}

/// The frames among `outputs`, in order.
pub fn frames(outputs: &[Out]) -> Vec<String> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Out::Frame(text) => Some(text.clone()),
            _ => None,
        })
        .collect()
}

/// An endpoint handle, freed on drop.
pub struct Endpoint(pub *mut ConfideHostEndpoint);

impl Endpoint {
    /// An endpoint for `host_key` with default limits and no authorize callback.
    pub fn new(host_key: *const ConfideSecretKey) -> Self {
        Self::with(host_key, ptr::null(), None, ptr::null_mut())
    }

    /// An endpoint with `config` (may be NULL) and `authorize` / `ctx`.
    pub fn with(
        host_key: *const ConfideSecretKey,
        config: *const ConfideHostConfig,
        authorize: ConfideAuthorizeCallback,
        ctx: *mut c_void,
    ) -> Self {
        let mut endpoint = ptr::null_mut();
        ok(unsafe {
            confide_host_endpoint_new(host_key, config, authorize, ctx, NOW_MS, &mut endpoint)
        });
        assert!(!endpoint.is_null());
        Self(endpoint)
    }

    /// A new connection of this endpoint.
    pub fn connect(&self) -> Connection {
        let mut connection = ptr::null_mut();
        ok(unsafe { confide_host_connection_new(self.0, NOW_MS, &mut connection) });
        assert!(!connection.is_null());
        Connection(connection)
    }
}

impl Drop for Endpoint {
    fn drop(&mut self) {
        unsafe { confide_host_endpoint_free(self.0) };
    }
}

/// A connection handle, freed on drop.
pub struct Connection(pub *mut ConfideHostConnection);

impl Connection {
    /// Handles `frame` at `now_ms`.
    pub fn handle_at(&self, frame: &str, now_ms: u64) -> Vec<Out> {
        let mut outputs = no_outputs();
        ok(unsafe {
            confide_host_connection_handle_frame(
                self.0,
                frame.as_ptr(),
                frame.len(),
                now_ms,
                &mut outputs,
            )
        });
        take_outputs(outputs)
    }

    /// Handles `frame` at `NOW_MS`.
    pub fn handle(&self, frame: &str) -> Vec<Out> {
        self.handle_at(frame, NOW_MS)
    }

    /// Handles an init and returns the ack frame (the only output).
    pub fn accept(&self, init: &str) -> String {
        let outputs = self.handle(init);
        let [Out::Frame(ack)] = outputs.as_slice() else {
            panic!("expected the ack alone, got {outputs:?}");
        };
        assert_eq!(Out::Frame(ack.clone()).json()["type"], "session_init_ack");
        ack.clone()
    }

    /// Handles a prompt and returns the generation it starts (the only output).
    pub fn start(&self, prompt: &str) -> Out {
        let outputs = self.handle(prompt);
        let [start @ Out::Start { .. }] = outputs.as_slice() else {
            panic!("expected a start alone, got {outputs:?}");
        };
        start.clone()
    }

    /// Generation `id` produced `text` (one token).
    pub fn text(&self, id: u64, text: &str) -> Vec<Out> {
        let mut outputs = no_outputs();
        ok(unsafe {
            confide_host_connection_generation_text(
                self.0,
                id,
                text.as_ptr(),
                text.len(),
                1,
                NOW_MS,
                &mut outputs,
            )
        });
        take_outputs(outputs)
    }

    /// Generation `id` finished for `reason` after 3 prompt and `completion` generated tokens.
    pub fn finish(&self, id: u64, reason: ConfideFinishReason, completion: u64) -> Vec<Out> {
        let mut outputs = no_outputs();
        ok(unsafe {
            confide_host_connection_generation_finished(
                self.0,
                id,
                reason as u32,
                3,
                completion,
                NOW_MS,
                &mut outputs,
            )
        });
        take_outputs(outputs)
    }

    /// Generation `id` failed with `code` and `message`.
    pub fn fail(&self, id: u64, code: u32, message: &str) -> Vec<Out> {
        let mut outputs = no_outputs();
        ok(unsafe {
            confide_host_connection_generation_failed(
                self.0,
                id,
                code,
                c(message).as_ptr(),
                NOW_MS,
                &mut outputs,
            )
        });
        take_outputs(outputs)
    }

    /// The frames of generation `id` producing `texts` and then finishing (`stop`).
    pub fn answer(&self, id: u64, texts: &[&str]) -> Vec<String> {
        let mut out: Vec<String> = texts
            .iter()
            .flat_map(|t| frames(&self.text(id, t)))
            .collect();
        let completion = texts.len() as u64;
        out.extend(frames(&self.finish(
            id,
            ConfideFinishReason::Stop,
            completion,
        )));
        out
    }

    /// The greeting frame.
    pub fn greeting(&self) -> String {
        let mut frame = ptr::null_mut();
        ok(unsafe { confide_host_connection_greeting(self.0, &mut frame) });
        take_string(frame)
    }

    /// Closes the connection.
    pub fn close(&self) -> Vec<Out> {
        let mut outputs = no_outputs();
        ok(unsafe { confide_host_connection_close(self.0, &mut outputs) });
        take_outputs(outputs)
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        unsafe { confide_host_connection_free(self.0) };
    }
}

/// The generation id of a start output.
pub fn generation_id(start: &Out) -> u64 {
    match start {
        Out::Start { id, .. } => *id,
        other => panic!("expected a start, got {other:?}"),
    }
}
