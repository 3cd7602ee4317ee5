//! What `confide_client_session_open` returns: a decrypted, checked host frame, as a C struct and
//! as JSON.

use std::ffi::c_char;
use std::ptr;

use confide_core::e2ee::{ClientEvent, Usage, WireId};
use serde::Serialize;
use serde_json::value::RawValue;
use zeroize::Zeroizing;

use crate::boundary;
use crate::buffer::{self, c_string, opt_c_string};
use crate::codes::ConfideEventKind;

/// Token counts of one response (`stream_end.usage`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConfideUsage {
    /// Tokens in the prompt.
    pub prompt_tokens: u64,
    /// Tokens generated.
    pub completion_tokens: u64,
    /// Sum of both.
    pub total_tokens: u64,
}

/// A host frame, decrypted and checked (E2EE.md §3). Which fields are set depends on `kind`
/// (see `ConfideEventKind`); unset pointers are NULL and unset numbers 0.
///
/// Owned by the caller: free the whole event, including every string in it, with
/// `confide_client_event_free` (never with `confide_string_free`). Do not modify the pointers or
/// `text_len`. Strings holding decrypted text are zeroed when freed.
#[repr(C)]
#[derive(Debug)]
pub struct ConfideClientEvent {
    /// What the host sent.
    pub kind: ConfideEventKind,
    /// The request id the frame answers (`id`), or NULL. A numeric id is given in decimal.
    pub request_id: *mut c_char,
    /// `CHUNK`: the chunk's index within the response, from 0.
    pub index: u64,
    /// `CHUNK`: the host marked this chunk as the last one.
    pub is_final: bool,
    /// `CHUNK`: the decrypted text; `FINAL`: the decrypted finish reason; `END`: the finish reason
    /// the host reported in clear (or NULL); `ERROR`: the host's message; `CONNECTED`: the host's
    /// version. NUL-terminated; `text_len` is its length in bytes (it can contain NUL bytes when
    /// the host sent `\u0000`, so prefer `text_len` over `strlen`).
    pub text: *mut c_char,
    /// Length of `text` in bytes, without the terminating NUL.
    pub text_len: usize,
    /// `ERROR`: the host's error code string (e.g. `"INFERENCE_FAILED"`).
    pub code: *mut c_char,
    /// `ACK`: our address as the host recovered it (EIP-55; already checked equal to ours).
    pub client_address: *mut c_char,
    /// `CONNECTED`: whether the host supports encryption.
    pub encryption: bool,
    /// `END`: whether `usage` was sent.
    pub has_usage: bool,
    /// `END`: token counts (when `has_usage`).
    pub usage: ConfideUsage,
    /// `END`: the host's signed usage receipt (`SignedMessage<UsageRecord>` JSON, verify it with
    /// `confide_signed_message_verify`), or NULL.
    pub receipt_json: *mut c_char,
    /// The whole event as JSON, always set: `{"type":"chunk","id","index","text","final"}`,
    /// `{"type":"final","id","finishReason"}`, `{"type":"end","id","finishReason","usage",
    /// "receipt"}`, `{"type":"ack","clientAddress"}`, `{"type":"error","id","code","message"}`,
    /// `{"type":"connected","version","encryption"}`, `{"type":"pong"}`.
    pub json: *mut c_char,
}

impl ConfideClientEvent {
    fn empty(kind: ConfideEventKind) -> Self {
        Self {
            kind,
            request_id: ptr::null_mut(),
            index: 0,
            is_final: false,
            text: ptr::null_mut(),
            text_len: 0,
            code: ptr::null_mut(),
            client_address: ptr::null_mut(),
            encryption: false,
            has_usage: false,
            usage: ConfideUsage::default(),
            receipt_json: ptr::null_mut(),
            json: ptr::null_mut(),
        }
    }

    fn with_text(mut self, text: &str) -> Self {
        (self.text, self.text_len) = buffer::c_text(text);
        self
    }

    fn with_id(mut self, id: Option<&WireId>) -> Self {
        self.request_id = opt_c_string(id.map(WireId::to_string).as_deref());
        self
    }

    /// Converts a core event. Decrypted text is copied into C memory and the Rust copies are
    /// zeroized.
    pub(crate) fn from_core(event: ClientEvent) -> Self {
        let json = event_json(&event);
        let mut out = match event {
            ClientEvent::Connected {
                version,
                encryption,
            } => {
                let mut out = Self::empty(ConfideEventKind::Connected).with_text(&version);
                out.encryption = encryption;
                out
            }
            ClientEvent::Pong => Self::empty(ConfideEventKind::Pong),
            ClientEvent::Ack { client_address } => {
                let mut out = Self::empty(ConfideEventKind::Ack);
                out.client_address = c_string(&client_address.to_checksum());
                out
            }
            ClientEvent::Chunk {
                id,
                index,
                text,
                is_final,
            } => {
                let text = Zeroizing::new(text);
                let mut out = Self::empty(ConfideEventKind::Chunk)
                    .with_text(&text)
                    .with_id(id.as_ref());
                out.index = index;
                out.is_final = is_final;
                out
            }
            ClientEvent::Final { id, finish_reason } => {
                let finish_reason = Zeroizing::new(finish_reason);
                Self::empty(ConfideEventKind::Final)
                    .with_text(&finish_reason)
                    .with_id(id.as_ref())
            }
            ClientEvent::End {
                id,
                finish_reason,
                usage,
                receipt,
            } => {
                let mut out = Self::empty(ConfideEventKind::End).with_id(id.as_ref());
                if let Some(reason) = finish_reason {
                    out = out.with_text(&reason);
                }
                if let Some(usage) = usage {
                    out.has_usage = true;
                    out.usage = ConfideUsage {
                        prompt_tokens: usage.prompt_tokens,
                        completion_tokens: usage.completion_tokens,
                        total_tokens: usage.total_tokens,
                    };
                }
                out.receipt_json = opt_c_string(receipt.as_deref());
                out
            }
            ClientEvent::Error { code, message, id } => {
                let mut out = Self::empty(ConfideEventKind::Error)
                    .with_text(&message)
                    .with_id(id.as_ref());
                out.code = c_string(&code);
                out
            }
        };
        // serde_json writes valid UTF-8.
        out.json = c_string(std::str::from_utf8(&json).unwrap_or_default());
        out
    }
}

/// The JSON form of an event (BINDINGS.md: `chunk {index,text}`, `final {finishReason}`,
/// `ack {clientAddress}`, `error {code,message}`, `end {usage, receipt}`), borrowing from the event.
#[derive(Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
enum EventJson<'a> {
    Connected {
        version: &'a str,
        encryption: bool,
    },
    Pong,
    Ack {
        #[serde(rename = "clientAddress")]
        client_address: String,
    },
    Chunk {
        id: Option<&'a WireId>,
        index: u64,
        text: &'a str,
        #[serde(rename = "final")]
        is_final: bool,
    },
    Final {
        id: Option<&'a WireId>,
        #[serde(rename = "finishReason")]
        finish_reason: &'a str,
    },
    End {
        id: Option<&'a WireId>,
        #[serde(rename = "finishReason")]
        finish_reason: Option<&'a str>,
        usage: Option<&'a Usage>,
        receipt: Option<&'a RawValue>,
    },
    Error {
        id: Option<&'a WireId>,
        code: &'a str,
        message: &'a str,
    },
}

/// Serializes `event` into memory that is zeroized when dropped. The buffer is sized for the worst
/// case (every byte escaped as `\u00XX`), so it never reallocates and leaves no stray copy of
/// decrypted text behind.
fn event_json(event: &ClientEvent) -> Zeroizing<Vec<u8>> {
    let (text_len, value) = match event {
        ClientEvent::Connected {
            version,
            encryption,
        } => (
            version.len(),
            EventJson::Connected {
                version,
                encryption: *encryption,
            },
        ),
        ClientEvent::Pong => (0, EventJson::Pong),
        ClientEvent::Ack { client_address } => (
            0,
            EventJson::Ack {
                client_address: client_address.to_checksum(),
            },
        ),
        ClientEvent::Chunk {
            id,
            index,
            text,
            is_final,
        } => (
            text.len(),
            EventJson::Chunk {
                id: id.as_ref(),
                index: *index,
                text,
                is_final: *is_final,
            },
        ),
        ClientEvent::Final { id, finish_reason } => (
            finish_reason.len(),
            EventJson::Final {
                id: id.as_ref(),
                finish_reason,
            },
        ),
        ClientEvent::End {
            id,
            finish_reason,
            usage,
            receipt,
        } => (
            finish_reason.as_deref().map_or(0, str::len) + receipt.as_deref().map_or(0, str::len),
            EventJson::End {
                id: id.as_ref(),
                finish_reason: finish_reason.as_deref(),
                usage: usage.as_ref(),
                // The core parsed the receipt as JSON: embed it as is, not as a string.
                receipt: receipt
                    .as_deref()
                    .and_then(|text| serde_json::from_str::<&RawValue>(text).ok()),
            },
        ),
        ClientEvent::Error { code, message, id } => (
            code.len() + message.len(),
            EventJson::Error {
                id: id.as_ref(),
                code,
                message,
            },
        ),
    };
    // Ids are client-chosen and short; 6 bytes per text byte covers `\u00XX` escapes.
    let mut out = Zeroizing::new(Vec::with_capacity(text_len.saturating_mul(6) + 1024));
    serde_json::to_writer(&mut *out, &value).expect("event JSON always serializes");
    out
}

/// Frees an event and every string in it (zeroing them). NULL is ignored.
///
/// # Safety
/// `event` is NULL or an event from `confide_client_session_open`, unmodified and not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn confide_client_event_free(event: *mut ConfideClientEvent) {
    boundary::call_infallible((), || {
        if event.is_null() {
            return;
        }
        // SAFETY: a live event box from `confide_client_session_open` (caller's contract).
        let event = unsafe { Box::from_raw(event) };
        // SAFETY: each string was made by `c_string` / `c_text` (with `text_len`) in `from_core`.
        unsafe {
            buffer::free_c_text(event.text, event.text_len);
            for string in [
                event.request_id,
                event.code,
                event.client_address,
                event.receipt_json,
                event.json,
            ] {
                buffer::free_c_string(string);
            }
        }
    });
}
