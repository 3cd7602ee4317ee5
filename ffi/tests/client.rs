//! The client session's entry points: constructors, init, seal, open, close — and their errors.

mod common;

use std::ffi::{c_int, c_void};
use std::ptr;

use common::*;
use confide_ffi::client::*;
use confide_ffi::host::*;
use confide_ffi::keys::*;
use confide_ffi::{ConfideErrorCode, ConfideEventKind, ConfideSessionScheme};

struct Fixture {
    host_key: *mut ConfideSecretKey,
    wallet: *mut ConfideSecretKey,
    client: *mut ConfideClientSession,
    host: *mut ConfideHostSession,
}

impl Fixture {
    fn new() -> Self {
        let (host_key, wallet) = (key(HOST_HEX), key(WALLET_HEX));
        Self {
            host_key,
            wallet,
            client: client(host_key, wallet, ConfideSessionScheme::Eip191),
            host: host(host_key),
        }
    }

    /// Runs init + ack and seals prompt "m1", opened by the host.
    fn established(self) -> Self {
        let (_, _, ack) = accept(self.host, &init_frame(self.client, "s-1"), NOW);
        assert_eq!(open(self.client, &ack).unwrap().kind, ConfideEventKind::Ack);
        let prompt = seal_frame(self.client, "m1", "plain text prompt");
        let (_, _, prompt_json) = open_message(self.host, &prompt, NOW).unwrap();
        assert!(prompt_json.contains("plain text prompt"));
        self
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        unsafe {
            confide_client_session_free(self.client);
            confide_host_session_free(self.host);
            confide_secret_key_free(self.host_key);
            confide_secret_key_free(self.wallet);
        }
    }
}

#[test]
fn new_checks_every_argument() {
    let f = Fixture::new();
    let public = public_key(f.host_key);
    let mut session = ptr::null_mut();
    let new = |public: *const u8,
               len: usize,
               wallet: *const ConfideSecretKey,
               scheme: u32,
               out: *mut *mut ConfideClientSession| unsafe {
        confide_client_session_new(public, len, wallet, scheme, out)
    };
    fails_on_argument(
        new(ptr::null(), 33, f.wallet, 0, &mut session),
        "host_public_key",
    );
    fails(
        new(public.as_ptr(), 32, f.wallet, 0, &mut session),
        ConfideErrorCode::InvalidKey,
    );
    fails(
        new(ptr::null(), 0, f.wallet, 0, &mut session),
        ConfideErrorCode::InvalidKey,
    );
    fails_on_argument(
        new(public.as_ptr(), 33, ptr::null(), 0, &mut session),
        "wallet",
    );
    let failure = fails_on_argument(
        new(public.as_ptr(), 33, f.wallet, 2, &mut session),
        "scheme",
    );
    assert!(failure.message.contains('2'));
    assert!(session.is_null());
    fails_on_argument(
        new(public.as_ptr(), 33, f.wallet, 0, ptr::null_mut()),
        "out_session",
    );

    fails_on_argument(
        unsafe {
            confide_client_session_new_with_signer(
                public.as_ptr(),
                33,
                None,
                ptr::null_mut(),
                0,
                &mut session,
            )
        },
        "sign",
    );
    assert!(session.is_null());
}

fn callback_client(
    f: &Fixture,
    sign: unsafe extern "C" fn(*mut c_void, *const u8, *mut u8) -> c_int,
) -> *mut ConfideClientSession {
    let public = public_key(f.host_key);
    let mut session = ptr::null_mut();
    ok(unsafe {
        confide_client_session_new_with_signer(
            public.as_ptr(),
            public.len(),
            Some(sign),
            ptr::null_mut(),
            ConfideSessionScheme::SdkTranscript as u32,
            &mut session,
        )
    });
    session
}

#[test]
fn a_sign_callback_that_fails_is_an_invalid_signature_error() {
    let f = Fixture::new();
    let session = callback_client(&f, sign_declines);
    let (id, model) = (c("s"), c("m"));
    let mut frame = ptr::null_mut();
    let failure = fails(
        unsafe {
            confide_client_session_init_message(session, &init_params(&id, &model), &mut frame)
        },
        ConfideErrorCode::InvalidSignature,
    );
    assert_eq!(failure.name, "INVALID_SIGNATURE");
    assert!(
        failure.message.contains("sign callback"),
        "{}",
        failure.message
    );
    assert!(failure.message.contains('7'), "{}", failure.message);
    assert!(frame.is_null());
    // No session was established.
    fails(
        seal(session, "m1", "x"),
        ConfideErrorCode::SessionKeyNotFound,
    );
    unsafe { confide_client_session_free(session) };
}

unsafe extern "C" fn sign_garbage(_: *mut c_void, _: *const u8, out: *mut u8) -> c_int {
    // Reports success but writes r = s = 0: not a signature.
    unsafe { ptr::write_bytes(out, 0, 65) };
    0
}

#[test]
fn a_sign_callback_that_returns_garbage_is_rejected() {
    let f = Fixture::new();
    let session = callback_client(&f, sign_garbage);
    let (id, model) = (c("s"), c("m"));
    let mut frame = ptr::null_mut();
    fails(
        unsafe {
            confide_client_session_init_message(session, &init_params(&id, &model), &mut frame)
        },
        ConfideErrorCode::InvalidSignature,
    );
    assert!(frame.is_null());
    unsafe { confide_client_session_free(session) };
}

#[test]
fn init_message_checks_params() {
    let f = Fixture::new();
    let mut frame = ptr::null_mut();
    fails_on_argument(
        unsafe { confide_client_session_init_message(f.client, ptr::null(), &mut frame) },
        "params",
    );
    let (id, model) = (c("s"), c("m"));
    let mut params = init_params(&id, &model);
    params.session_id = ptr::null();
    fails_on_argument(
        unsafe { confide_client_session_init_message(f.client, &params, &mut frame) },
        "params.session_id",
    );
    let bad_utf8 = b"caf\xe9\0";
    let mut params = init_params(&id, &model);
    params.model_name = bad_utf8.as_ptr().cast();
    fails_on_argument(
        unsafe { confide_client_session_init_message(f.client, &params, &mut frame) },
        "params.model_name",
    );
    let params = init_params(&id, &model);
    fails_on_argument(
        unsafe { confide_client_session_init_message(ptr::null_mut(), &params, &mut frame) },
        "session",
    );
    fails_on_argument(
        unsafe { confide_client_session_init_message(f.client, &params, ptr::null_mut()) },
        "out_frame",
    );
    assert!(frame.is_null());
    // A request id is echoed into the frame.
    let request = c("req-9");
    let mut params = init_params(&id, &model);
    params.request_id = request.as_ptr();
    ok(unsafe { confide_client_session_init_message(f.client, &params, &mut frame) });
    let json: serde_json::Value = serde_json::from_str(&take_string(frame)).unwrap();
    assert_eq!(json["type"], "encrypted_session_init");
    assert_eq!(json["id"], "req-9");
    assert_eq!(json["job_id"], 42);
    assert_eq!(json["chain_id"], 84532);
}

#[test]
fn seal_before_init_is_session_key_not_found() {
    let f = Fixture::new();
    let failure = fails(
        seal(f.client, "m1", "hello"),
        ConfideErrorCode::SessionKeyNotFound,
    );
    assert_eq!(failure.name, "SESSION_KEY_NOT_FOUND");
}

#[test]
fn seal_prompt_checks_arguments() {
    let f = Fixture::new().established();
    let mut frame = ptr::null_mut();
    fails_on_argument(
        unsafe {
            confide_client_session_seal_prompt(f.client, ptr::null(), b"x".as_ptr(), 1, &mut frame)
        },
        "request_id",
    );
    fails_on_argument(
        unsafe {
            confide_client_session_seal_prompt(
                f.client,
                c("m").as_ptr(),
                ptr::null(),
                5,
                &mut frame,
            )
        },
        "prompt",
    );
    fails_on_argument(
        unsafe {
            confide_client_session_seal_prompt(
                ptr::null_mut(),
                c("m").as_ptr(),
                b"x".as_ptr(),
                1,
                &mut frame,
            )
        },
        "session",
    );
    assert!(frame.is_null());
    // (NULL, 0) is an empty prompt, which seals fine.
    ok(unsafe {
        confide_client_session_seal_prompt(f.client, c("m2").as_ptr(), ptr::null(), 0, &mut frame)
    });
    let json: serde_json::Value = serde_json::from_str(&take_string(frame)).unwrap();
    assert_eq!(json["type"], "encrypted_message");
    // The second prompt of the session carries AAD message_1.
    assert_eq!(
        json["payload"]["aadHex"],
        confide_core::hex::encode(b"message_1")
    );
}

#[test]
fn close_twice_is_fine_and_later_calls_fail_with_session_key_not_found() {
    let f = Fixture::new().established();
    let chunk = seal_chunk(f.host, "s-1", "m1", 0, "late", false);
    ok(unsafe { confide_client_session_close(f.client) });
    ok(unsafe { confide_client_session_close(f.client) });
    fails(
        seal(f.client, "m2", "again"),
        ConfideErrorCode::SessionKeyNotFound,
    );
    let failure = open(f.client, &chunk).unwrap_err();
    assert_eq!(failure.code, ConfideErrorCode::SessionKeyNotFound as u32);
    fails_on_argument(
        unsafe { confide_client_session_close(ptr::null_mut()) },
        "session",
    );
}

#[test]
fn open_rejects_null_non_utf8_and_malformed_frames() {
    let f = Fixture::new().established();
    let mut event = ptr::null_mut();
    fails_on_argument(
        unsafe { confide_client_session_open(f.client, ptr::null(), &mut event) },
        "frame",
    );
    let bad = b"{\"type\":\"pong\xff\"}\0";
    fails_on_argument(
        unsafe { confide_client_session_open(f.client, bad.as_ptr().cast(), &mut event) },
        "frame",
    );
    fails_on_argument(
        unsafe { confide_client_session_open(f.client, c("{}").as_ptr(), ptr::null_mut()) },
        "out_event",
    );
    assert!(event.is_null());
    for garbage in ["not json", "{}", r#"{"type":"nope"}"#] {
        let failure = open(f.client, garbage).unwrap_err();
        assert_eq!(
            failure.code,
            ConfideErrorCode::InvalidMessage as u32,
            "{garbage}"
        );
    }
}

#[test]
fn open_enforces_order_freshness_and_integrity() {
    let f = Fixture::new().established();
    let first = seal_chunk(f.host, "s-1", "m1", 0, "one", false);
    assert_eq!(
        open(f.client, &first).unwrap().kind,
        ConfideEventKind::Chunk
    );
    // The same chunk again: out of order.
    let failure = open(f.client, &first).unwrap_err();
    assert_eq!(failure.name, "REPLAY_DETECTED");
    // A chunk that skips index 1.
    let skipped = seal_chunk(f.host, "s-1", "m1", 2, "three", false);
    assert_eq!(
        open(f.client, &skipped).unwrap_err().name,
        "REPLAY_DETECTED"
    );
    // A tampered ciphertext.
    let second = seal_chunk(f.host, "s-1", "m1", 1, "two", false);
    let mut frame: serde_json::Value = serde_json::from_str(&second).unwrap();
    let ciphertext = frame["payload"]["ciphertextHex"]
        .as_str()
        .unwrap()
        .to_owned();
    let flipped = if ciphertext.starts_with('0') {
        "1"
    } else {
        "0"
    };
    frame["payload"]["ciphertextHex"] = format!("{flipped}{}", &ciphertext[1..]).into();
    assert_eq!(
        open(f.client, &frame.to_string()).unwrap_err().name,
        "DECRYPTION_FAILED"
    );
    // The genuine chunk still opens: failures do not advance the state.
    assert_eq!(
        open(f.client, &second).unwrap().text.as_deref(),
        Some(&b"two"[..])
    );
}

#[test]
fn chunk_text_keeps_interior_nul_bytes() {
    let f = Fixture::new().established();
    let frame = seal_chunk(f.host, "s-1", "m1", 0, "a\0b", true);
    let event = open(f.client, &frame).unwrap();
    assert_eq!(event.text.as_deref(), Some(&b"a\0b"[..]));
    assert_eq!(event.json["text"], "a\u{0}b");
}

#[test]
fn host_error_connected_pong_and_end_frames_become_events() {
    let f = Fixture::new().established();
    let error = open(
        f.client,
        r#"{"type":"error","code":"INFERENCE_FAILED","message":"out of memory","id":"m1"}"#,
    )
    .unwrap();
    assert_eq!(error.kind, ConfideEventKind::Error);
    assert_eq!(error.code.as_deref(), Some("INFERENCE_FAILED"));
    assert_eq!(error.text.as_deref(), Some(&b"out of memory"[..]));
    assert_eq!(error.request_id.as_deref(), Some("m1"));
    assert_eq!(error.json["code"], "INFERENCE_FAILED");
    assert_eq!(error.json["message"], "out of memory");

    let connected = open(
        f.client,
        r#"{"type":"connected","version":"0.1.0","encryption":true}"#,
    )
    .unwrap();
    assert_eq!(connected.kind, ConfideEventKind::Connected);
    assert_eq!(connected.text.as_deref(), Some(&b"0.1.0"[..]));
    assert_eq!(connected.json["encryption"], true);

    let pong = open(f.client, r#"{"type":"pong"}"#).unwrap();
    assert_eq!(pong.kind, ConfideEventKind::Pong);
    assert_eq!(pong.json, serde_json::json!({"type": "pong"}));

    // A second request, answered to the end.
    let prompt = seal_frame(f.client, "m2", "more");
    open_message(f.host, &prompt, NOW).unwrap();
    let receipt = r#"{"payload":{"a":1},"signer":"0x1563915e194D8CfBA1943570603F7606A3115508","signature":"0x00","timestamp":1}"#;
    let end = format!(
        r#"{{"type":"stream_end","session_id":"s-1","id":"m2","reason":"complete","finish_reason":"stop","tokens_used":3,"usage":{{"prompt_tokens":2,"completion_tokens":3,"total_tokens":5}},"receipt":{receipt}}}"#
    );
    let event = open(f.client, &end).unwrap();
    assert_eq!(event.kind, ConfideEventKind::End);
    assert_eq!(event.request_id.as_deref(), Some("m2"));
    assert_eq!(event.text.as_deref(), Some(&b"stop"[..]));
    let usage = event.usage.expect("usage");
    assert_eq!(
        (
            usage.prompt_tokens,
            usage.completion_tokens,
            usage.total_tokens
        ),
        (2, 3, 5)
    );
    let receipt_json: serde_json::Value =
        serde_json::from_str(event.receipt_json.as_deref().unwrap()).unwrap();
    assert_eq!(receipt_json["payload"]["a"], 1);
    assert_eq!(event.json["receipt"]["payload"]["a"], 1);
    assert_eq!(event.json["usage"]["total_tokens"], 5);
    // A second end for the same request is not accepted.
    assert_eq!(open(f.client, &end).unwrap_err().name, "INVALID_MESSAGE");
}
