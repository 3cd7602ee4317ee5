//! The host session's entry points and their errors.

mod common;

use std::ffi::{CStr, c_char, c_int, c_void};
use std::ptr;

use common::*;
use confide_ffi::client::*;
use confide_ffi::host::*;
use confide_ffi::keys::*;
use confide_ffi::{ConfideErrorCode, ConfideHostConfig, ConfideSessionScheme};

struct Keys {
    host_key: *mut ConfideSecretKey,
    wallet: *mut ConfideSecretKey,
}

impl Keys {
    fn new() -> Self {
        Self {
            host_key: key(HOST_HEX),
            wallet: key(WALLET_HEX),
        }
    }

    fn client(&self) -> *mut ConfideClientSession {
        client(self.host_key, self.wallet, ConfideSessionScheme::Eip191)
    }
}

impl Drop for Keys {
    fn drop(&mut self) {
        unsafe {
            confide_secret_key_free(self.host_key);
            confide_secret_key_free(self.wallet);
        }
    }
}

fn accept_result(
    host: *mut ConfideHostSession,
    frame: &str,
    now: u64,
    authorize: confide_ffi::ConfideAuthorizeCallback,
    ctx: *mut c_void,
) -> Result<(), Failure> {
    let mut accepted = ptr::null_mut();
    let error = unsafe {
        confide_host_session_accept_init(
            host,
            c(frame).as_ptr(),
            now,
            authorize,
            ctx,
            &mut accepted,
        )
    };
    if error.is_null() {
        unsafe { confide_init_accepted_free(accepted) };
        Ok(())
    } else {
        assert!(accepted.is_null());
        Err(take_error(error))
    }
}

#[test]
fn config_defaults_and_validation() {
    let keys = Keys::new();
    let mut config = ConfideHostConfig {
        capacity: 0,
        idle_timeout_secs: 0,
    };
    ok(unsafe { confide_host_config_default(&mut config) });
    assert_eq!(config.capacity, 1024);
    assert_eq!(config.idle_timeout_secs, 1800);
    fails_on_argument(
        unsafe { confide_host_config_default(ptr::null_mut()) },
        "out_config",
    );

    let mut host = ptr::null_mut();
    for (bad, name) in [
        (
            ConfideHostConfig {
                capacity: 0,
                idle_timeout_secs: 10,
            },
            "config.capacity",
        ),
        (
            ConfideHostConfig {
                capacity: 1,
                idle_timeout_secs: 0,
            },
            "config.idle_timeout_secs",
        ),
    ] {
        fails_on_argument(
            unsafe { confide_host_session_new(keys.host_key, &bad, &mut host) },
            name,
        );
        assert!(host.is_null());
    }
    fails_on_argument(
        unsafe { confide_host_session_new(ptr::null(), ptr::null(), &mut host) },
        "host_key",
    );
    fails_on_argument(
        unsafe { confide_host_session_new(keys.host_key, ptr::null(), ptr::null_mut()) },
        "out_host",
    );
}

#[test]
fn accept_init_errors() {
    let keys = Keys::new();
    let host = host(keys.host_key);
    let client = keys.client();
    let init = init_frame(client, "s-1");
    fails_on_argument(
        unsafe {
            confide_host_session_accept_init(
                host,
                ptr::null(),
                NOW,
                None,
                ptr::null_mut(),
                &mut ptr::null_mut(),
            )
        },
        "frame",
    );
    fails_on_argument(
        unsafe {
            confide_host_session_accept_init(
                ptr::null_mut(),
                c(&init).as_ptr(),
                NOW,
                None,
                ptr::null_mut(),
                &mut ptr::null_mut(),
            )
        },
        "host",
    );
    fails_on_argument(
        unsafe {
            confide_host_session_accept_init(
                host,
                c(&init).as_ptr(),
                NOW,
                None,
                ptr::null_mut(),
                ptr::null_mut(),
            )
        },
        "out_accepted",
    );
    // Not an init frame.
    let wrong = accept_result(host, r#"{"type":"ping"}"#, NOW, None, ptr::null_mut()).unwrap_err();
    assert_eq!(wrong.name, "INVALID_MESSAGE");
    assert!(wrong.message.contains("encrypted_session_init"));
    // No payload.
    let bare = r#"{"type":"encrypted_session_init","session_id":"x"}"#;
    assert_eq!(
        accept_result(host, bare, NOW, None, ptr::null_mut())
            .unwrap_err()
            .name,
        "MISSING_PAYLOAD"
    );
    // A tampered ciphertext.
    let mut tampered: serde_json::Value = serde_json::from_str(&init).unwrap();
    let ciphertext = tampered["payload"]["ciphertextHex"]
        .as_str()
        .unwrap()
        .to_owned();
    let flipped = if ciphertext.starts_with('0') {
        "1"
    } else {
        "0"
    };
    tampered["payload"]["ciphertextHex"] = format!("{flipped}{}", &ciphertext[1..]).into();
    assert_eq!(
        accept_result(host, &tampered.to_string(), NOW, None, ptr::null_mut())
            .unwrap_err()
            .name,
        "DECRYPTION_FAILED"
    );
    // Accepted once, then replayed.
    accept_result(host, &init, NOW, None, ptr::null_mut()).unwrap();
    assert_eq!(
        accept_result(host, &init, NOW + 1, None, ptr::null_mut())
            .unwrap_err()
            .name,
        "REPLAY_DETECTED"
    );
    unsafe {
        confide_client_session_free(client);
        confide_host_session_free(host);
    }
}

/// Allows only the address stored in `ctx` (a NUL-terminated string) and counts calls.
unsafe extern "C" fn allow_only(ctx: *mut c_void, address: *const c_char) -> c_int {
    let (allowed, calls) = unsafe { &mut *(ctx as *mut (String, u32)) };
    *calls += 1;
    let address = unsafe { CStr::from_ptr(address) }.to_str().unwrap();
    c_int::from(address == allowed)
}

#[test]
fn authorize_callback_decides_and_sees_the_client_address() {
    let keys = Keys::new();
    let host = host(keys.host_key);
    let client = keys.client();
    let mut refuse = (
        String::from("0x0000000000000000000000000000000000000000"),
        0u32,
    );
    let failure = accept_result(
        host,
        &init_frame(client, "s-1"),
        NOW,
        Some(allow_only),
        (&mut refuse as *mut (String, u32)).cast(),
    )
    .unwrap_err();
    assert_eq!(failure.name, "UNAUTHORIZED");
    assert_eq!(failure.code, ConfideErrorCode::Unauthorized as u32);
    assert_eq!(refuse.1, 1);
    let mut allow = (String::from(WALLET_ADDRESS), 0u32);
    accept_result(
        host,
        &init_frame(client, "s-1"),
        NOW,
        Some(allow_only),
        (&mut allow as *mut (String, u32)).cast(),
    )
    .unwrap();
    assert_eq!(allow.1, 1);
    unsafe {
        confide_client_session_free(client);
        confide_host_session_free(host);
    }
}

#[test]
fn open_message_errors() {
    let keys = Keys::new();
    let host = host(keys.host_key);
    let client = keys.client();
    let init = init_frame(client, "s-1");
    let prompt = seal_frame(client, "m1", "hello");
    // Before the host accepted the init.
    assert_eq!(
        open_message(host, &prompt, NOW).unwrap_err().name,
        "SESSION_KEY_NOT_FOUND"
    );
    accept(host, &init, NOW);
    // Wrong frame type.
    let wrong = open_message(host, &init, NOW).unwrap_err();
    assert_eq!(wrong.name, "INVALID_MESSAGE");
    assert!(wrong.message.contains("encrypted_message"));
    // The real one, then its replay.
    assert!(open_message(host, &prompt, NOW).is_ok());
    assert_eq!(
        open_message(host, &prompt, NOW).unwrap_err().name,
        "REPLAY_DETECTED"
    );
    let mut message = ptr::null_mut();
    fails_on_argument(
        unsafe { confide_host_session_open_message(host, ptr::null(), NOW, &mut message) },
        "frame",
    );
    fails_on_argument(
        unsafe {
            confide_host_session_open_message(host, c(&prompt).as_ptr(), NOW, ptr::null_mut())
        },
        "out_message",
    );
    assert!(message.is_null());
    unsafe {
        confide_client_session_free(client);
        confide_host_session_free(host);
    }
}

#[test]
fn seal_checks_arguments_and_the_session() {
    let keys = Keys::new();
    let host = host(keys.host_key);
    let client = keys.client();
    accept(host, &init_frame(client, "s-1"), NOW);
    let mut frame = ptr::null_mut();
    let bad_utf8 = b"\xc3\x28";
    fails_on_argument(
        unsafe {
            confide_host_session_seal_chunk(
                host,
                c("s-1").as_ptr(),
                ptr::null(),
                0,
                bad_utf8.as_ptr(),
                2,
                1,
                false,
                NOW,
                &mut frame,
            )
        },
        "text",
    );
    fails_on_argument(
        unsafe {
            confide_host_session_seal_chunk(
                host,
                ptr::null(),
                ptr::null(),
                0,
                b"x".as_ptr(),
                1,
                1,
                false,
                NOW,
                &mut frame,
            )
        },
        "session_id",
    );
    fails_on_argument(
        unsafe {
            confide_host_session_seal_chunk(
                host,
                c("s-1").as_ptr(),
                ptr::null(),
                0,
                ptr::null(),
                4,
                1,
                false,
                NOW,
                &mut frame,
            )
        },
        "text",
    );
    fails(
        unsafe {
            confide_host_session_seal_chunk(
                host,
                c("nope").as_ptr(),
                ptr::null(),
                0,
                b"x".as_ptr(),
                1,
                1,
                false,
                NOW,
                &mut frame,
            )
        },
        ConfideErrorCode::SessionKeyNotFound,
    );
    fails_on_argument(
        unsafe {
            confide_host_session_seal_final(
                host,
                c("s-1").as_ptr(),
                ptr::null(),
                ptr::null(),
                NOW,
                &mut frame,
            )
        },
        "finish_reason",
    );
    fails(
        unsafe {
            confide_host_session_seal_final(
                host,
                c("nope").as_ptr(),
                ptr::null(),
                c("stop").as_ptr(),
                NOW,
                &mut frame,
            )
        },
        ConfideErrorCode::SessionKeyNotFound,
    );
    assert!(frame.is_null());
    // A NULL request id is allowed: the frame has no `id`.
    ok(unsafe {
        confide_host_session_seal_final(
            host,
            c("s-1").as_ptr(),
            ptr::null(),
            c("stop").as_ptr(),
            NOW,
            &mut frame,
        )
    });
    let json: serde_json::Value = serde_json::from_str(&take_string(frame)).unwrap();
    assert_eq!(json["type"], "encrypted_response");
    assert!(json.get("id").is_none());
    unsafe {
        confide_client_session_free(client);
        confide_host_session_free(host);
    }
}

#[test]
fn count_remove_and_idle_expiry() {
    let keys = Keys::new();
    let config = ConfideHostConfig {
        capacity: 2,
        idle_timeout_secs: 60,
    };
    let mut host = ptr::null_mut();
    ok(unsafe { confide_host_session_new(keys.host_key, &config, &mut host) });
    let count = |host| {
        let mut n = usize::MAX;
        ok(unsafe { confide_host_session_count(host, &mut n) });
        n
    };
    let clients: Vec<_> = (0..3).map(|_| keys.client()).collect();
    accept(host, &init_frame(clients[0], "a"), NOW);
    accept(host, &init_frame(clients[1], "b"), NOW + 30);
    assert_eq!(count(host), 2);
    // Full: a third session is refused.
    let third = init_frame(clients[2], "c");
    assert_eq!(
        accept_result(host, &third, NOW + 30, None, ptr::null_mut())
            .unwrap_err()
            .name,
        "TOO_MANY_SESSIONS"
    );
    // At NOW + 61 only "a" is idle past 60 s.
    let mut expired = usize::MAX;
    ok(unsafe { confide_host_session_expire(host, NOW + 61, &mut expired) });
    assert_eq!(expired, 1);
    assert_eq!(count(host), 1);
    let mut removed = false;
    ok(unsafe { confide_host_session_remove(host, c("b").as_ptr(), &mut removed) });
    assert!(removed);
    ok(unsafe { confide_host_session_remove(host, c("b").as_ptr(), &mut removed) });
    assert!(!removed);
    assert_eq!(count(host), 0);
    // A removed session is gone for good.
    let prompt = seal_frame(clients[1], "m1", "hi");
    assert_eq!(
        open_message(host, &prompt, NOW + 62).unwrap_err().name,
        "SESSION_KEY_NOT_FOUND"
    );

    let mut n = 0usize;
    fails_on_argument(
        unsafe { confide_host_session_count(ptr::null(), &mut n) },
        "host",
    );
    fails_on_argument(
        unsafe { confide_host_session_expire(host, NOW, ptr::null_mut()) },
        "out_expired",
    );
    fails_on_argument(
        unsafe { confide_host_session_remove(host, ptr::null(), &mut removed) },
        "session_id",
    );
    unsafe {
        for client in clients {
            confide_client_session_free(client);
        }
        confide_host_session_free(host);
    }
}
