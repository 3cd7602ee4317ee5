//! What `confide_client_session_open` returns: a decrypted, checked host frame, as a C struct and
//! as JSON.

use std::ffi::c_char;
use std::ptr;

use confide_core::e2ee::{ClientEvent, WireId};
use zeroize::Zeroizing;

use crate::boundary;
use crate::buffer::{self, c_string, opt_c_string};
use crate::codes::ConfideEventKind;

/// Token counts of one response (`stream_end.usage`), or of a prompt too long for the model
/// (`TOKEN_LIMIT_EXCEEDED`: `prompt_tokens` and `context_window_size` only).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConfideUsage {
    /// Tokens in the prompt.
    pub prompt_tokens: u64,
    /// Tokens generated.
    pub completion_tokens: u64,
    /// Sum of both.
    pub total_tokens: u64,
    /// The model's context window in tokens; 0 when the host did not say.
    pub context_window_size: u64,
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
    /// `END`: whether `usage` was sent; `ERROR`: whether the error reports token counts
    /// (`TOKEN_LIMIT_EXCEEDED`).
    pub has_usage: bool,
    /// `END`: token counts (when `has_usage`); `ERROR` (when `has_usage`): the prompt's tokens
    /// and the model's context window.
    pub usage: ConfideUsage,
    /// `END`: the host's signed usage receipt (`SignedMessage<UsageRecord>` JSON, byte-exact as
    /// the host sent it), already verified (see `verified`); keep it as evidence. NULL when the
    /// host sent none.
    pub receipt_json: *mut c_char,
    /// The whole event as the core's canonical JSON, always set (absent values are left out;
    /// request ids are strings): `{"type":"chunk","id","index","text","final"}`,
    /// `{"type":"final","id","finishReason"}`, `{"type":"end","id","finishReason","usage":
    /// {"promptTokens","completionTokens","totalTokens","contextWindowSize"},"receipt" (the
    /// envelope as a JSON string),"verified","maxTokensCapped"}`, `{"type":"ack","clientAddress"}`,
    /// `{"type":"error","id","code","message","tokenLimit":{"promptTokens","contextWindowSize"}}`,
    /// `{"type":"connected","version","encryption"}`, `{"type":"pong"}`.
    pub json: *mut c_char,
    /// `END`: true when the host's receipt was verified against this response: signed
    /// (confide-v1) by the host key the session was created with, for this client and session,
    /// over exactly the decrypted text and the token counts in `usage` (a receipt that does not
    /// match is an error of `confide_client_session_open`). False when the host sent no receipt
    /// (the deployed Fabstir host sends none): the answer is unverified.
    pub verified: bool,
    /// `END`: the host lowered the request's `max_tokens` to its cap.
    pub max_tokens_capped: bool,
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
            verified: false,
            max_tokens_capped: false,
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
        let json = event.to_json();
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
                max_tokens_capped,
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
                        context_window_size: usage.context_window_size.unwrap_or(0),
                    };
                }
                out.verified = receipt.is_some();
                out.max_tokens_capped = max_tokens_capped;
                out.receipt_json = opt_c_string(receipt.as_ref().map(|r| r.json.as_str()));
                out
            }
            ClientEvent::Error {
                code,
                message,
                id,
                token_limit,
            } => {
                let mut out = Self::empty(ConfideEventKind::Error)
                    .with_text(&message)
                    .with_id(id.as_ref());
                out.code = c_string(&code);
                if let Some(limit) = token_limit {
                    out.has_usage = true;
                    out.usage = ConfideUsage {
                        prompt_tokens: limit.prompt_tokens,
                        context_window_size: limit.context_window_size,
                        ..ConfideUsage::default()
                    };
                }
                out
            }
        };
        out.json = c_string(&json);
        out
    }
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
