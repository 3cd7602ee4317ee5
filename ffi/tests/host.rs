//! The host engine's entry points (`ConfideHostEndpoint`, `ConfideHostConnection`,
//! `ConfideHostOutputs`): configuration, replay protection across connections, the authorize
//! callback, generation events, policy, closing, and argument errors.

mod common;

use std::ffi::{CStr, c_char, c_int, c_void};
use std::ptr;

use common::host::*;
use common::*;
use confide_core::host::HostConfig;
use confide_ffi::client::*;
use confide_ffi::host::*;
use confide_ffi::host_connection::*;
use confide_ffi::host_output::*;
use confide_ffi::keys::*;
use confide_ffi::{ConfideErrorCode, ConfideEventKind, ConfideFinishReason, ConfideSessionScheme};

/// A host key, a wallet and a client session, freed on drop.
struct Keys {
    host_key: *mut ConfideSecretKey,
    wallet: *mut ConfideSecretKey,
    client: *mut ConfideClientSession,
}

impl Keys {
    fn new() -> Self {
        let (host_key, wallet) = (key(HOST_HEX), key(WALLET_HEX));
        Self {
            host_key,
            wallet,
            client: client(host_key, wallet, ConfideSessionScheme::Eip191),
        }
    }

    /// Another client of the same host with a fresh wallet.
    fn stranger(&self) -> (*mut ConfideSecretKey, *mut ConfideClientSession) {
        let mut wallet = ptr::null_mut();
        ok(unsafe { confide_secret_key_generate(&mut wallet) });
        (
            wallet,
            client(self.host_key, wallet, ConfideSessionScheme::Eip191),
        )
    }
}

impl Drop for Keys {
    fn drop(&mut self) {
        unsafe {
            confide_client_session_free(self.client);
            confide_secret_key_free(self.host_key);
            confide_secret_key_free(self.wallet);
        }
    }
}

fn default_config() -> ConfideHostConfig {
    let mut config = unsafe { std::mem::zeroed::<ConfideHostConfig>() };
    ok(unsafe { confide_host_config_default(&mut config) });
    config
}

/// The error frame among `outputs` (the only frame): its `code`.
fn error_code(outputs: &[Out]) -> String {
    let frames = frames(outputs);
    assert_eq!(frames.len(), 1, "{outputs:?}");
    let json: serde_json::Value = serde_json::from_str(&frames[0]).unwrap();
    assert_eq!(json["type"], "error", "{json}");
    json["code"].as_str().unwrap().to_owned()
}

#[test]
fn config_default_is_the_engines_and_bad_limits_are_named() {
    let config = default_config();
    let core = HostConfig::default();
    assert_eq!(config.max_sessions, core.limits.max_sessions);
    assert_eq!(config.session_ttl_secs, core.limits.session_ttl_secs);
    assert_eq!(config.frames_per_second, core.limits.frames_per_second);
    assert_eq!(config.replay_capacity, core.limits.replay_capacity);
    assert_eq!(config.max_auth_failures, core.limits.max_auth_failures);
    assert_eq!(config.init_freshness_secs, core.limits.init_freshness_secs);
    assert!(!config.require_encryption && !config.require_fresh_init);
    assert!(config.version.is_null());
    fails_on_argument(
        unsafe { confide_host_config_default(ptr::null_mut()) },
        "out_config",
    );

    let keys = Keys::new();
    let mut endpoint = ptr::null_mut();
    let new = |config: &ConfideHostConfig, endpoint: &mut *mut ConfideHostEndpoint| unsafe {
        confide_host_endpoint_new(
            keys.host_key,
            config,
            None,
            ptr::null_mut(),
            NOW_MS,
            endpoint,
        )
    };
    let zero_sessions = ConfideHostConfig {
        max_sessions: 0,
        ..config
    };
    let failure = fails(
        new(&zero_sessions, &mut endpoint),
        ConfideErrorCode::InvalidArgument,
    );
    assert!(
        failure.message.contains("max_sessions"),
        "{}",
        failure.message
    );
    let long_ttl = ConfideHostConfig {
        session_ttl_secs: 8 * 24 * 3600,
        ..config
    };
    let failure = fails(
        new(&long_ttl, &mut endpoint),
        ConfideErrorCode::InvalidArgument,
    );
    assert!(
        failure.message.contains("session_ttl_secs"),
        "{}",
        failure.message
    );
    let bad_version = ConfideHostConfig {
        version: c"\xff".as_ptr(),
        ..config
    };
    fails_on_argument(new(&bad_version, &mut endpoint), "config.version");
    assert!(endpoint.is_null());
    fails_on_argument(
        unsafe {
            confide_host_endpoint_new(
                ptr::null(),
                ptr::null(),
                None,
                ptr::null_mut(),
                NOW_MS,
                &mut endpoint,
            )
        },
        "host_key",
    );
    fails_on_argument(
        unsafe {
            confide_host_endpoint_new(
                keys.host_key,
                ptr::null(),
                None,
                ptr::null_mut(),
                NOW_MS,
                ptr::null_mut(),
            )
        },
        "out_endpoint",
    );
}

#[test]
fn the_greeting_announces_encryption_and_the_configured_version() {
    let keys = Keys::new();
    let version = c("c-host 1.2");
    let config = ConfideHostConfig {
        version: version.as_ptr(),
        ..default_config()
    };
    let endpoint = Endpoint::with(keys.host_key, &config, None, ptr::null_mut());
    drop(version); // the endpoint keeps its own copy
    let greeting: serde_json::Value = serde_json::from_str(&endpoint.connect().greeting()).unwrap();
    assert_eq!(
        greeting,
        serde_json::json!({"type": "connected", "version": "c-host 1.2", "encryption": true})
    );
}

#[test]
fn an_init_replayed_on_another_connection_of_the_endpoint_is_replay_detected() {
    let keys = Keys::new();
    let endpoint = Endpoint::new(keys.host_key);
    let init = init_frame(keys.client, "s-1");
    endpoint.connect().accept(&init);
    let second = endpoint.connect();
    assert_eq!(error_code(&second.handle(&init)), "REPLAY_DETECTED");
    // Another endpoint has its own memory: the same init is accepted there.
    Endpoint::new(keys.host_key).connect().accept(&init);
}

/// Allows only the address in `ctx` (a `(String, Vec<String>)`: allowed, addresses seen).
unsafe extern "C" fn allow_only(ctx: *mut c_void, address: *const c_char) -> c_int {
    let (allowed, seen) = unsafe { &mut *(ctx as *mut (String, Vec<String>)) };
    let address = unsafe { CStr::from_ptr(address) }.to_str().unwrap();
    seen.push(address.to_owned());
    c_int::from(address == allowed)
}

#[test]
fn the_authorize_callback_decides_and_sees_the_client_address() {
    let keys = Keys::new();
    let mut refuse = (
        String::from("0x0000000000000000000000000000000000000000"),
        Vec::new(),
    );
    let refusing = Endpoint::with(
        keys.host_key,
        ptr::null(),
        Some(allow_only),
        (&mut refuse as *mut (String, Vec<String>)).cast(),
    );
    let outputs = refusing.connect().handle(&init_frame(keys.client, "s-1"));
    assert_eq!(error_code(&outputs), "UNAUTHORIZED");
    assert_eq!(refuse.1, [WALLET_ADDRESS]);

    let mut allow = (String::from(WALLET_ADDRESS), Vec::new());
    let allowing = Endpoint::with(
        keys.host_key,
        ptr::null(),
        Some(allow_only),
        (&mut allow as *mut (String, Vec<String>)).cast(),
    );
    let ack = allowing.connect().accept(&init_frame(keys.client, "s-1"));
    assert_eq!(open(keys.client, &ack).unwrap().kind, ConfideEventKind::Ack);
    assert_eq!(allow.1, [WALLET_ADDRESS]);
}

#[test]
fn generation_events_for_unknown_or_ended_generations_yield_nothing() {
    let keys = Keys::new();
    let endpoint = Endpoint::new(keys.host_key);
    let connection = endpoint.connect();
    assert_eq!(connection.text(7, "x"), vec![]);
    assert_eq!(connection.finish(7, ConfideFinishReason::Stop, 1), vec![]);
    let code = ConfideErrorCode::InferenceFailed as u32;
    assert_eq!(connection.fail(7, code, "oops"), vec![]);

    connection.accept(&init_frame(keys.client, "s-1"));
    let id = generation_id(&connection.start(&seal_frame(keys.client, "m1", "hi")));
    assert_eq!(connection.answer(id, &["a"]).len(), 3);
    // Finished: further events of it are ignored.
    assert_eq!(connection.text(id, "late"), vec![]);
    assert_eq!(connection.finish(id, ConfideFinishReason::Stop, 1), vec![]);
}

#[test]
fn a_failed_generation_is_cancelled_and_reported_with_its_code() {
    let keys = Keys::new();
    let endpoint = Endpoint::new(keys.host_key);
    let connection = endpoint.connect();
    connection.accept(&init_frame(keys.client, "s-1"));
    let id = generation_id(&connection.start(&seal_frame(keys.client, "m1", "hi")));
    let outputs = connection.fail(id, ConfideErrorCode::TokenLimitExceeded as u32, "too long");
    assert_eq!(outputs[0], Out::Cancel(id));
    assert_eq!(error_code(&outputs), "TOKEN_LIMIT_EXCEEDED");
    let event = open(keys.client, &frames(&outputs)[0]).unwrap();
    assert_eq!(event.kind, ConfideEventKind::Error);
    assert_eq!(event.code.as_deref(), Some("TOKEN_LIMIT_EXCEEDED"));
    assert_eq!(event.text.as_deref(), Some(&b"too long"[..]));
    assert_eq!(event.request_id.as_deref(), Some("m1"));

    let mut outputs = no_outputs();
    for bad in [0, 999] {
        fails_on_argument(
            unsafe {
                confide_host_connection_generation_failed(
                    connection.0,
                    id,
                    bad,
                    c("x").as_ptr(),
                    NOW_MS,
                    &mut outputs,
                )
            },
            "error_code",
        );
    }
    fails_on_argument(
        unsafe {
            confide_host_connection_generation_failed(
                connection.0,
                id,
                ConfideErrorCode::InferenceFailed as u32,
                ptr::null(),
                NOW_MS,
                &mut outputs,
            )
        },
        "message",
    );
}

#[test]
fn the_finish_reason_reaches_the_client_and_bad_values_are_refused() {
    let keys = Keys::new();
    let endpoint = Endpoint::new(keys.host_key);
    let connection = endpoint.connect();
    connection.accept(&init_frame(keys.client, "s-1"));
    let id = generation_id(&connection.start(&seal_frame(keys.client, "m1", "hi")));
    let mut outputs = no_outputs();
    fails_on_argument(
        unsafe {
            confide_host_connection_generation_finished(
                connection.0,
                id,
                3,
                1,
                1,
                NOW_MS,
                &mut outputs,
            )
        },
        "finish_reason",
    );
    let frames = frames(&connection.finish(id, ConfideFinishReason::Length, 0));
    // No text: the encrypted final and stream_end only.
    assert_eq!(frames.len(), 2);
    let last = open(keys.client, &frames[0]).unwrap();
    assert_eq!(last.text.as_deref(), Some(&b"length"[..]));
    let end = open(keys.client, &frames[1]).unwrap();
    assert_eq!(end.json["finishReason"], "length");
}

#[test]
fn stream_cancel_and_close_cancel_running_generations() {
    let keys = Keys::new();
    let endpoint = Endpoint::new(keys.host_key);
    let connection = endpoint.connect();
    connection.accept(&init_frame(keys.client, "s-1"));
    let first = generation_id(&connection.start(&seal_frame(keys.client, "m1", "one")));
    let second = generation_id(&connection.start(&seal_frame(keys.client, "m2", "two")));
    assert_ne!(first, second);
    let cancel = r#"{"type":"stream_cancel","session_id":"s-1","id":"m1"}"#;
    assert_eq!(connection.handle(cancel), vec![Out::Cancel(first)]);
    // The backend reports the cancelled generation as such.
    let frames = frames(&connection.finish(first, ConfideFinishReason::Cancelled, 0));
    // The encrypted final comes first: a stream_end without it is a truncated answer.
    open(keys.client, &frames[0]).unwrap();
    let end = open(keys.client, frames.last().unwrap()).unwrap();
    assert_eq!(end.json["finishReason"], "cancelled");
    assert_eq!(connection.close(), vec![Out::Cancel(second)]);
    // Closed: frames are ignored.
    assert_eq!(connection.handle(r#"{"type":"ping"}"#), vec![]);
}

#[test]
fn authentication_failures_past_the_limit_close_the_connection() {
    let keys = Keys::new();
    let config = ConfideHostConfig {
        max_auth_failures: 0,
        ..default_config()
    };
    let endpoint = Endpoint::with(keys.host_key, &config, None, ptr::null_mut());
    let connection = endpoint.connect();
    let mut init: serde_json::Value =
        serde_json::from_str(&init_frame(keys.client, "s-1")).unwrap();
    let ciphertext = init["payload"]["ciphertextHex"]
        .as_str()
        .unwrap()
        .to_owned();
    let flipped = if ciphertext.starts_with('0') {
        "1"
    } else {
        "0"
    };
    init["payload"]["ciphertextHex"] = format!("{flipped}{}", &ciphertext[1..]).into();
    let outputs = connection.handle(&init.to_string());
    assert_eq!(error_code(&outputs), "DECRYPTION_FAILED");
    assert_eq!(
        outputs.last(),
        Some(&Out::Close {
            code: 1008,
            reason: "too many authentication failures".into()
        })
    );
}

#[test]
fn the_policy_reaches_the_engine() {
    let keys = Keys::new();
    let plaintext_init = r#"{"type":"session_init","session_id":"p-1","job_id":1}"#;
    let plaintext_prompt = r#"{"type":"prompt","session_id":"p-1","id":"q1","prompt":"hi"}"#;
    // Default policy: plaintext sessions are allowed and answered in clear.
    let endpoint = Endpoint::new(keys.host_key);
    let connection = endpoint.connect();
    assert_eq!(
        connection.handle(plaintext_init)[0].json()["encrypted"],
        false
    );
    let start = connection.start(plaintext_prompt);
    let Out::Start { encrypted, .. } = start else {
        unreachable!()
    };
    assert!(!encrypted);
    let frames = connection.answer(generation_id(&start), &["clear"]);
    assert_eq!(Out::Frame(frames[0].clone()).json()["content"], "clear");

    let strict = ConfideHostConfig {
        require_encryption: true,
        require_signed_requests: true,
        ..default_config()
    };
    let endpoint = Endpoint::with(keys.host_key, &strict, None, ptr::null_mut());
    let connection = endpoint.connect();
    assert_eq!(
        error_code(&connection.handle(plaintext_init)),
        "ENCRYPTION_REQUIRED"
    );
    connection.accept(&init_frame(keys.client, "s-1"));
    let unsigned = seal_frame(keys.client, "m1", "hi");
    assert_eq!(
        error_code(&connection.handle(&unsigned)),
        "UNSIGNED_MESSAGE"
    );
}

#[test]
fn expire_forgets_idle_sessions() {
    let keys = Keys::new();
    let config = ConfideHostConfig {
        session_ttl_secs: 60,
        ..default_config()
    };
    let endpoint = Endpoint::with(keys.host_key, &config, None, ptr::null_mut());
    let connection = endpoint.connect();
    connection.accept(&init_frame(keys.client, "s-1"));
    let (wallet, stranger) = keys.stranger();
    let later = NOW_MS + 61_000;
    // The idle session still holds its id until it is expired…
    let outputs = connection.handle_at(&init_frame(stranger, "s-1"), later);
    assert_eq!(error_code(&outputs), "SESSION_ID_IN_USE");
    ok(unsafe { confide_host_connection_expire(connection.0, later) });
    // …and then the id is free for another client.
    let outputs = connection.handle_at(&init_frame(stranger, "s-1"), later);
    assert_eq!(
        Out::Frame(frames(&outputs)[0].clone()).json()["type"],
        "session_init_ack"
    );
    unsafe {
        confide_client_session_free(stranger);
        confide_secret_key_free(wallet);
    }
}

#[test]
fn a_frame_that_is_not_utf8_is_an_invalid_message_frame() {
    let keys = Keys::new();
    let endpoint = Endpoint::new(keys.host_key);
    let connection = endpoint.connect();
    let mut outputs = no_outputs();
    let bytes = b"{\"type\":\"ping\xff\"}";
    ok(unsafe {
        confide_host_connection_handle_frame(
            connection.0,
            bytes.as_ptr(),
            bytes.len(),
            NOW_MS,
            &mut outputs,
        )
    });
    assert_eq!(error_code(&take_outputs(outputs)), "INVALID_MESSAGE");
}

#[test]
fn the_endpoint_lives_while_a_connection_uses_it() {
    let keys = Keys::new();
    let endpoint = Endpoint::new(keys.host_key);
    let connection = endpoint.connect();
    drop(endpoint);
    let ack = connection.accept(&init_frame(keys.client, "s-1"));
    assert_eq!(open(keys.client, &ack).unwrap().kind, ConfideEventKind::Ack);
}

#[test]
fn null_and_malformed_arguments_are_invalid_argument() {
    let keys = Keys::new();
    let endpoint = Endpoint::new(keys.host_key);
    let connection = endpoint.connect();
    let null = ptr::null_mut::<ConfideHostConnection>();
    // A stale value in the out-pointer is reset to empty before any check.
    let mut outputs = ConfideHostOutputs {
        items: ptr::NonNull::dangling().as_ptr(),
        len: 1,
    };
    let mut new_connection = ptr::null_mut();
    fails_on_argument(
        unsafe { confide_host_connection_new(ptr::null(), NOW_MS, &mut new_connection) },
        "endpoint",
    );
    fails_on_argument(
        unsafe { confide_host_connection_new(endpoint.0, NOW_MS, ptr::null_mut()) },
        "out_connection",
    );
    let mut frame = ptr::null_mut();
    fails_on_argument(
        unsafe { confide_host_connection_greeting(null, &mut frame) },
        "connection",
    );
    fails_on_argument(
        unsafe { confide_host_connection_greeting(connection.0, ptr::null_mut()) },
        "out_frame",
    );
    fails_on_argument(
        unsafe {
            confide_host_connection_handle_frame(null, b"{}".as_ptr(), 2, NOW_MS, &mut outputs)
        },
        "connection",
    );
    assert!(outputs.items.is_null() && outputs.len == 0);
    fails_on_argument(
        unsafe {
            confide_host_connection_handle_frame(connection.0, ptr::null(), 3, NOW_MS, &mut outputs)
        },
        "frame",
    );
    fails_on_argument(
        unsafe {
            confide_host_connection_handle_frame(
                connection.0,
                b"{}".as_ptr(),
                2,
                NOW_MS,
                ptr::null_mut(),
            )
        },
        "out_outputs",
    );
    fails_on_argument(
        unsafe {
            confide_host_connection_generation_text(
                connection.0,
                0,
                b"\xc3\x28".as_ptr(),
                2,
                1,
                NOW_MS,
                &mut outputs,
            )
        },
        "text",
    );
    fails_on_argument(
        unsafe {
            confide_host_connection_generation_text(
                null,
                0,
                b"x".as_ptr(),
                1,
                1,
                NOW_MS,
                &mut outputs,
            )
        },
        "connection",
    );
    fails_on_argument(
        unsafe {
            confide_host_connection_generation_finished(
                null,
                0,
                ConfideFinishReason::Stop as u32,
                1,
                1,
                NOW_MS,
                &mut outputs,
            )
        },
        "connection",
    );
    fails_on_argument(
        unsafe {
            confide_host_connection_generation_failed(
                connection.0,
                0,
                ConfideErrorCode::InferenceFailed as u32,
                c("x").as_ptr(),
                NOW_MS,
                ptr::null_mut(),
            )
        },
        "out_outputs",
    );
    fails_on_argument(
        unsafe { confide_host_connection_expire(null, NOW_MS) },
        "connection",
    );
    fails_on_argument(
        unsafe { confide_host_connection_close(null, &mut outputs) },
        "connection",
    );
    fails_on_argument(
        unsafe { confide_host_connection_close(connection.0, ptr::null_mut()) },
        "out_outputs",
    );
    assert!(new_connection.is_null() && frame.is_null());
    assert!(outputs.items.is_null() && outputs.len == 0);
    // A free resets the outputs, so a second one is harmless.
    let mut outputs = no_outputs();
    ok(unsafe {
        confide_host_connection_handle_frame(connection.0, b"{}".as_ptr(), 2, NOW_MS, &mut outputs)
    });
    assert_eq!(outputs.len, 1);
    unsafe {
        confide_host_outputs_free(&mut outputs);
        confide_host_outputs_free(&mut outputs);
    }
    assert!(outputs.items.is_null());
}
