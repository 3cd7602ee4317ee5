//! The client session's entry points: constructors, init, seal, open, close — and their errors.

mod common;

use std::ffi::{c_int, c_void};
use std::ptr;

use common::host::{Connection, Endpoint, generation_id};
use common::*;
use confide_core::e2ee::Usage;
use confide_ffi::client::*;
use confide_ffi::keys::*;
use confide_ffi::{ConfideErrorCode, ConfideEventKind, ConfideSessionScheme};

/// A client and the host engine (one connection), all freed on drop.
struct Fixture {
    host_key: *mut ConfideSecretKey,
    wallet: *mut ConfideSecretKey,
    client: *mut ConfideClientSession,
    // Dropped before the endpoint it belongs to.
    connection: Connection,
    _endpoint: Endpoint,
}

impl Fixture {
    fn new() -> Self {
        let (host_key, wallet) = (key(HOST_HEX), key(WALLET_HEX));
        let endpoint = Endpoint::new(host_key);
        Self {
            host_key,
            wallet,
            client: client(host_key, wallet, ConfideSessionScheme::Eip191),
            connection: endpoint.connect(),
            _endpoint: endpoint,
        }
    }

    /// Runs init + ack; the host opens prompt "m1".
    fn established(self) -> Self {
        let ack = self.connection.accept(&init_frame(self.client, "s-1"));
        assert_eq!(open(self.client, &ack).unwrap().kind, ConfideEventKind::Ack);
        self
    }

    /// The host's whole answer to a new prompt `request_id`: a chunk per text (the last one
    /// final), the encrypted finish reason `stop` and `stream_end` with its signed receipt.
    fn answer(&self, request_id: &str, texts: &[&str]) -> Vec<String> {
        let prompt = seal_frame(self.client, request_id, "plain text prompt");
        let start = self.connection.start(&prompt);
        self.connection.answer(generation_id(&start), texts)
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        unsafe {
            confide_client_session_free(self.client);
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
    seal_frame(f.client, "m1", "first");
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
    let chunk = f.answer("m1", &["late"]).remove(0);
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
    let frames = f.answer("m1", &["one", "two", "three"]);
    let (first, second, third) = (&frames[0], &frames[1], &frames[2]);
    assert_eq!(open(f.client, first).unwrap().kind, ConfideEventKind::Chunk);
    // The same chunk again: out of order.
    let failure = open(f.client, first).unwrap_err();
    assert_eq!(failure.name, "REPLAY_DETECTED");
    // A chunk that skips index 1.
    assert_eq!(open(f.client, third).unwrap_err().name, "REPLAY_DETECTED");
    // A tampered ciphertext.
    let mut frame: serde_json::Value = serde_json::from_str(second).unwrap();
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
        open(f.client, second).unwrap().text.as_deref(),
        Some(&b"two"[..])
    );
}

#[test]
fn chunk_text_keeps_interior_nul_bytes() {
    let f = Fixture::new().established();
    let frame = f.answer("m1", &["a\0b"]).remove(0);
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

    let connected = open(f.client, &f.connection.greeting()).unwrap();
    assert_eq!(connected.kind, ConfideEventKind::Connected);
    assert_eq!(connected.json["encryption"], true);
    assert_eq!(
        connected.text.as_deref(),
        connected.json["version"].as_str().map(str::as_bytes)
    );

    let pong = open(f.client, r#"{"type":"pong"}"#).unwrap();
    assert_eq!(pong.kind, ConfideEventKind::Pong);
    assert_eq!(pong.json, serde_json::json!({"type": "pong"}));

    // A request answered to the end: the engine's receipt is verified.
    let frames = f.answer("m2", &["Hi"]);
    let [chunk, final_frame, end] = frames.as_slice() else {
        panic!("expected a chunk, the final and the end: {frames:?}");
    };
    open(f.client, chunk).unwrap();
    open(f.client, final_frame).unwrap();
    let event = open(f.client, end).unwrap();
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
        (3, 1, 4)
    );
    assert!(event.verified);
    let receipt = event.receipt_json.expect("a receipt");
    assert!(
        end.contains(&format!(r#""receipt":{receipt}"#)),
        "byte-exact"
    );
    assert_eq!(
        event.json,
        serde_json::json!({"type": "end", "id": "m2", "finishReason": "stop",
            "usage": {"promptTokens": 3, "completionTokens": 1, "totalTokens": 4},
            "receipt": receipt, "verified": true, "maxTokensCapped": false})
    );
    // A second end for the same request is not accepted.
    assert_eq!(open(f.client, end).unwrap_err().name, "INVALID_MESSAGE");
}

#[test]
fn stream_end_before_the_encrypted_final_is_refused() {
    let f = Fixture::new().established();
    let frames = f.answer("m1", &["Hi"]);
    let [chunk, final_frame, end] = frames.as_slice() else {
        panic!("expected a chunk, the final and the end: {frames:?}");
    };
    open(f.client, chunk).unwrap();
    let failure = open(f.client, end).unwrap_err();
    assert_eq!(failure.name, "INVALID_MESSAGE");
    assert!(
        failure.message.contains("encrypted_response"),
        "{}",
        failure.message
    );
    // Once the final arrived, the same end completes the response.
    open(f.client, final_frame).unwrap();
    assert!(open(f.client, end).unwrap().verified);
}

#[test]
fn receipts_that_do_not_match_are_errors_and_none_is_unverified() {
    let f = Fixture::new().established();
    let frames = f.answer("m1", &["Hi"]);
    open(f.client, &frames[0]).unwrap();
    open(f.client, &frames[1]).unwrap();
    let usage = Usage::new(3, 1);
    let by_wallet = receipt(WALLET_HEX, "s-1", "Hi", usage);
    let failure = open(f.client, &stream_end("s-1", "m1", usage, Some(by_wallet))).unwrap_err();
    assert_eq!(failure.name, "INVALID_SIGNER");
    let other_text = receipt(HOST_HEX, "s-1", "Hello", usage);
    let failure = open(f.client, &stream_end("s-1", "m1", usage, Some(other_text))).unwrap_err();
    assert_eq!(failure.name, "INVALID_MESSAGE");
    assert!(
        failure.message.contains("response_sha256"),
        "{}",
        failure.message
    );
    // Without a receipt the end is accepted, flagged unverified.
    let event = open(f.client, &stream_end("s-1", "m1", usage, None)).unwrap();
    assert!(!event.verified);
    assert!(event.receipt_json.is_none());
    assert_eq!(event.json["verified"], false);
}

#[test]
fn init_message_sends_the_given_time_or_the_system_clock() {
    let f = Fixture::new();
    let (id, model) = (c("s-1"), c("demo"));
    let init = |timestamp| {
        let mut params = init_params(&id, &model);
        params.timestamp = timestamp;
        let mut frame = ptr::null_mut();
        ok(unsafe { confide_client_session_init_message(f.client, &params, &mut frame) });
        init_timestamp(&take_string(frame))
    };
    assert_eq!(init(NOW), Some(NOW));
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let timestamp = init(0).expect("a timestamp");
    assert!(
        (before..before + 60).contains(&timestamp),
        "{timestamp} vs {before}"
    );
}
