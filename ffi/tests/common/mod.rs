//! Helpers shared by the C ABI tests: they call the exported functions exactly as C would (raw
//! pointers, out-pointers, error objects) and convert results back, freeing everything (the host
//! engine's entry points: `host`). Receipts a host would never send (signed by the wrong key, for
//! the wrong text) and a look inside an init come from the core.

#![allow(dead_code)] // each test binary uses a different subset

pub mod host;

use std::ffi::{CStr, CString, c_char, c_int, c_void};
use std::ptr;

use confide_ffi::boundary;
use confide_ffi::buffer::{confide_buffer_free, confide_string_free};
use confide_ffi::client::*;
use confide_ffi::error::*;
use confide_ffi::event::confide_client_event_free;
use confide_ffi::keys::*;
use confide_ffi::*;

use confide_core::crypto::{PublicKey, SecretKey, derive_session_key, sha256};
use confide_core::e2ee::wire::StreamEndFrame;
use confide_core::e2ee::{ClientFrame, HostFrame, SessionData, Usage, WireId};
use confide_core::hex;
use confide_core::signed::{MessageScheme, SignOptions, SignedMessage, UsageRecord};
use serde_json::value::RawValue;

pub const NOW: u64 = 1_732_200_000;
pub const HOST_HEX: &str = "0x1111111111111111111111111111111111111111111111111111111111111111";
pub const WALLET_HEX: &str = "0x2222222222222222222222222222222222222222222222222222222222222222";
/// The address of `WALLET_HEX` (the SDK vector's client).
pub const WALLET_ADDRESS: &str = "0x1563915e194D8CfBA1943570603F7606A3115508";

/// An error as C sees it, read and freed.
#[derive(Debug)]
pub struct Failure {
    pub code: u32,
    pub name: String,
    pub message: String,
}

/// Reads and frees a non-NULL error.
pub fn take_error(error: *mut ConfideError) -> Failure {
    assert!(!error.is_null(), "expected an error, got success");
    unsafe {
        let failure = Failure {
            code: confide_error_code(error),
            name: CStr::from_ptr(confide_error_code_name(error))
                .to_str()
                .unwrap()
                .to_owned(),
            message: CStr::from_ptr(confide_error_message(error))
                .to_str()
                .unwrap()
                .to_owned(),
        };
        confide_error_free(error);
        failure
    }
}

/// Asserts success.
#[track_caller]
pub fn ok(error: *mut ConfideError) {
    if !error.is_null() {
        let failure = take_error(error);
        panic!("unexpected error {}: {}", failure.name, failure.message);
    }
}

/// Asserts an error with `code` and returns it.
#[track_caller]
pub fn fails(error: *mut ConfideError, code: ConfideErrorCode) -> Failure {
    let failure = take_error(error);
    assert_eq!(
        failure.code, code as u32,
        "expected {code:?}, got {} ({})",
        failure.name, failure.message
    );
    failure
}

/// Asserts the error a NULL / bad argument named `argument` produces.
#[track_caller]
pub fn fails_on_argument(error: *mut ConfideError, argument: &str) -> Failure {
    let failure = fails(error, ConfideErrorCode::InvalidArgument);
    assert_eq!(failure.name, "INVALID_ARGUMENT");
    assert!(
        failure.message.contains(&format!("`{argument}`")),
        "message should name `{argument}`: {}",
        failure.message
    );
    failure
}

/// Copies and frees a library string.
pub fn take_string(string: *mut c_char) -> String {
    assert!(!string.is_null(), "expected a string, got NULL");
    let text = unsafe { CStr::from_ptr(string) }
        .to_str()
        .unwrap()
        .to_owned();
    unsafe { confide_string_free(string) };
    text
}

/// Copies and frees a library buffer.
pub fn take_buffer(mut buffer: ConfideBuffer) -> Vec<u8> {
    let bytes = unsafe { buffer.as_slice() }.to_vec();
    unsafe { confide_buffer_free(&mut buffer) };
    assert!(buffer.data.is_null() && buffer.len == 0);
    bytes
}

pub fn c(text: &str) -> CString {
    CString::new(text).unwrap()
}

/// A key handle from hex.
pub fn key(hex: &str) -> *mut ConfideSecretKey {
    let mut key = ptr::null_mut();
    ok(unsafe { confide_secret_key_from_hex(c(hex).as_ptr(), &mut key) });
    assert!(!key.is_null());
    key
}

/// A key's compressed public key.
pub fn public_key(key: *const ConfideSecretKey) -> Vec<u8> {
    let mut buffer = ConfideBuffer {
        data: ptr::null_mut(),
        len: 0,
    };
    ok(unsafe { confide_secret_key_public_key(key, &mut buffer) });
    take_buffer(buffer)
}

/// A sign callback whose `ctx` is a `*const ConfideSecretKey`: a wallet backed by a library key.
pub unsafe extern "C" fn sign_with_key(
    ctx: *mut c_void,
    digest: *const u8,
    out_signature: *mut u8,
) -> c_int {
    let mut signature = ConfideBuffer {
        data: ptr::null_mut(),
        len: 0,
    };
    let error = unsafe {
        confide_secret_key_sign_prehash(ctx as *const ConfideSecretKey, digest, 32, &mut signature)
    };
    if !error.is_null() {
        unsafe { confide_error_free(error) };
        return -1;
    }
    let bytes = take_buffer(signature);
    unsafe { ptr::copy_nonoverlapping(bytes.as_ptr(), out_signature, 65) };
    0
}

/// A sign callback that always declines (returns 7).
pub unsafe extern "C" fn sign_declines(_: *mut c_void, _: *const u8, _: *mut u8) -> c_int {
    7
}

/// Init parameters with the given C strings (kept alive by the caller).
pub fn init_params(session_id: &CString, model: &CString) -> ConfideInitParams {
    ConfideInitParams {
        session_id: session_id.as_ptr(),
        job_id: 42,
        chain_id: 84532,
        model_name: model.as_ptr(),
        price_per_token: 2000,
        request_id: ptr::null(),
        timestamp: NOW,
    }
}

/// A client session for `host_key` signed by `wallet`.
pub fn client(
    host_key: *const ConfideSecretKey,
    wallet: *const ConfideSecretKey,
    scheme: ConfideSessionScheme,
) -> *mut ConfideClientSession {
    let host_public = public_key(host_key);
    let mut session = ptr::null_mut();
    ok(unsafe {
        confide_client_session_new(
            host_public.as_ptr(),
            host_public.len(),
            wallet,
            scheme as u32,
            &mut session,
        )
    });
    session
}

/// The client's init frame for `session_id`.
pub fn init_frame(client: *mut ConfideClientSession, session_id: &str) -> String {
    let (session_id, model) = (c(session_id), c("demo"));
    let params = init_params(&session_id, &model);
    let mut frame = ptr::null_mut();
    ok(unsafe { confide_client_session_init_message(client, &params, &mut frame) });
    take_string(frame)
}

/// Seals a prompt on the client.
pub fn seal(
    client: *mut ConfideClientSession,
    request_id: &str,
    prompt: &str,
) -> *mut ConfideError {
    let mut frame = ptr::null_mut();
    let error = unsafe {
        confide_client_session_seal_prompt(
            client,
            c(request_id).as_ptr(),
            prompt.as_ptr(),
            prompt.len(),
            &mut frame,
        )
    };
    if error.is_null() {
        take_string(frame);
    } else {
        assert!(frame.is_null(), "out_frame must stay NULL on error");
    }
    error
}

/// Seals a prompt and returns the frame.
pub fn seal_frame(client: *mut ConfideClientSession, request_id: &str, prompt: &str) -> String {
    let mut frame = ptr::null_mut();
    ok(unsafe {
        confide_client_session_seal_prompt(
            client,
            c(request_id).as_ptr(),
            prompt.as_ptr(),
            prompt.len(),
            &mut frame,
        )
    });
    take_string(frame)
}

/// The usage receipt a host with key `signer_hex` signs (confide-v1) for `text` answered to the
/// `WALLET_HEX` client in session `session_id`.
pub fn receipt(signer_hex: &str, session_id: &str, text: &str, usage: Usage) -> String {
    let record = UsageRecord {
        session_id: session_id.into(),
        job_id: Some("42".into()),
        chain_id: Some(84532),
        model: "demo".into(),
        prompt_tokens: usage.prompt_tokens,
        completion_tokens: usage.completion_tokens,
        response_sha256: hex::encode(&sha256(text.as_bytes())),
        client_address: WALLET_ADDRESS.into(),
        timestamp: NOW,
    };
    let options = SignOptions {
        timestamp: NOW,
        nonce: Some(7),
        scheme: MessageScheme::ConfideV1,
    };
    SignedMessage::sign(record, &SecretKey::from_hex(signer_hex).unwrap(), options)
        .unwrap()
        .to_json()
}

/// A `stream_end` for `request_id` with `usage` and, when given, the receipt JSON (kept as raw
/// JSON: the signed payload bytes must reach the client untouched).
pub fn stream_end(
    session_id: &str,
    request_id: &str,
    usage: Usage,
    receipt: Option<String>,
) -> String {
    HostFrame::StreamEnd(StreamEndFrame {
        session_id: Some(WireId::from(session_id)),
        id: Some(WireId::from(request_id)),
        reason: "complete".into(),
        finish_reason: Some("stop".into()),
        tokens_used: usage.completion_tokens,
        usage: Some(usage),
        max_tokens_capped: false,
        receipt: receipt.map(|json| RawValue::from_string(json).unwrap()),
    })
    .to_json()
}

/// The `timestamp` inside an init's encrypted session data, decrypted with `HOST_HEX` the way a
/// host does.
pub fn init_timestamp(init_json: &str) -> Option<u64> {
    let ClientFrame::EncryptedSessionInit(frame) = ClientFrame::parse(init_json).unwrap() else {
        panic!("expected an encrypted_session_init");
    };
    let payload = frame.payload.unwrap();
    let decode = |text: &Option<String>| hex::decode("field", text.as_deref().unwrap_or_default());
    let eph = PublicKey::from_hex(payload.eph_pub_hex.as_deref().unwrap()).unwrap();
    let salt = payload
        .salt_hex
        .is_some()
        .then(|| decode(&payload.salt_hex).unwrap());
    let host = SecretKey::from_hex(HOST_HEX).unwrap();
    let key = derive_session_key(
        &host,
        &eph,
        salt.as_deref(),
        &decode(&payload.info).unwrap(),
    );
    let [nonce, aad, ciphertext] = [
        &payload.nonce_hex,
        &payload.aad_hex,
        &payload.ciphertext_hex,
    ]
    .map(|f| decode(f).unwrap());
    let plaintext = key.open(&nonce, &aad, &ciphertext).unwrap();
    SessionData::parse(&plaintext).unwrap().timestamp
}

/// A copied event.
#[derive(Debug)]
pub struct Event {
    pub kind: ConfideEventKind,
    pub request_id: Option<String>,
    pub index: u64,
    pub is_final: bool,
    pub text: Option<Vec<u8>>,
    pub code: Option<String>,
    pub client_address: Option<String>,
    pub usage: Option<ConfideUsage>,
    pub receipt_json: Option<String>,
    pub json: serde_json::Value,
    pub verified: bool,
}

fn opt(ptr: *const c_char) -> Option<String> {
    (!ptr.is_null()).then(|| unsafe { CStr::from_ptr(ptr) }.to_str().unwrap().to_owned())
}

/// Opens a host frame on the client; the event is copied and freed.
pub fn open(client: *mut ConfideClientSession, frame: &str) -> Result<Event, Failure> {
    let mut event = ptr::null_mut();
    let error = unsafe { confide_client_session_open(client, c(frame).as_ptr(), &mut event) };
    if !error.is_null() {
        assert!(event.is_null(), "out_event must stay NULL on error");
        return Err(take_error(error));
    }
    let copy = unsafe {
        let e = &*event;
        Event {
            kind: e.kind,
            request_id: opt(e.request_id),
            index: e.index,
            is_final: e.is_final,
            text: (!e.text.is_null()).then(|| {
                assert_eq!(*e.text.add(e.text_len), 0, "text is NUL-terminated");
                std::slice::from_raw_parts(e.text.cast::<u8>(), e.text_len).to_vec()
            }),
            code: opt(e.code),
            client_address: opt(e.client_address),
            usage: e.has_usage.then_some(e.usage),
            receipt_json: opt(e.receipt_json),
            json: serde_json::from_str(&opt(e.json).expect("json is always set")).unwrap(),
            verified: e.verified,
        }
    };
    unsafe { confide_client_event_free(event) };
    Ok(copy)
}

/// Runs the boundary's panic catcher (re-exported for the panic test).
pub fn catch_panic<F: FnOnce() -> Result<(), confide_core::Error>>(body: F) -> *mut ConfideError {
    boundary::call(body)
}
