//! The error object, the panic boundary, and the free functions' NULL handling.

mod common;

use std::ffi::CStr;
use std::ptr;

use common::*;
use confide_core::{Error, ErrorCode};
use confide_ffi::boundary;
use confide_ffi::buffer::{confide_buffer_free, confide_string_free};
use confide_ffi::client::confide_client_session_free;
use confide_ffi::error::*;
use confide_ffi::event::confide_client_event_free;
use confide_ffi::host::confide_host_endpoint_free;
use confide_ffi::host_connection::confide_host_connection_free;
use confide_ffi::host_output::confide_host_outputs_free;
use confide_ffi::keys::*;
use confide_ffi::signed::*;
use confide_ffi::{ConfideBuffer, ConfideErrorCode};

#[test]
fn null_error_reads_as_success() {
    unsafe {
        assert_eq!(confide_error_code(ptr::null()), 0);
        assert_eq!(
            CStr::from_ptr(confide_error_code_name(ptr::null())).to_str(),
            Ok("OK")
        );
        assert_eq!(
            CStr::from_ptr(confide_error_message(ptr::null())).to_str(),
            Ok("")
        );
        confide_error_free(ptr::null_mut());
    }
}

#[test]
fn error_carries_number_string_code_and_message() {
    let error = boundary::call(|| Err(Error::new(ErrorCode::NonceReuse, "nonce seen before")));
    let failure = take_error(error);
    assert_eq!(failure.code, 13);
    assert_eq!(failure.code, ConfideErrorCode::NonceReuse as u32);
    assert_eq!(failure.name, "NONCE_REUSE");
    assert_eq!(failure.message, "nonce seen before");
}

#[test]
fn every_core_code_round_trips_through_the_error_object() {
    for code in ErrorCode::ALL {
        let failure = take_error(boundary::call(|| Err(Error::new(code, "m"))));
        assert_eq!(failure.code, code.number());
        assert_eq!(failure.name, code.as_str());
    }
}

#[test]
fn a_panic_cannot_cross_the_boundary() {
    let error = catch_panic(|| panic!("boom"));
    let failure = fails(error, ConfideErrorCode::Internal);
    assert_eq!(failure.name, "INTERNAL");
    assert!(failure.message.contains("panic"), "{}", failure.message);
    // A literal panic message is quoted: it is fixed at compile time.
    assert!(failure.message.contains("boom"), "{}", failure.message);
}

#[test]
fn a_formatted_panic_message_is_not_quoted() {
    // Formatted panic messages may carry runtime data (in the worst case a secret): never echoed.
    let secret = "deadbeefcafe";
    let failure = fails(
        catch_panic(|| panic!("key was {secret}")),
        ConfideErrorCode::Internal,
    );
    assert!(!failure.message.contains(secret), "{}", failure.message);
}

#[test]
fn infallible_entry_points_return_their_fallback_on_panic() {
    let value = boundary::call_infallible(7u32, || panic!("inside a free function"));
    assert_eq!(value, 7);
    assert_eq!(boundary::call_infallible(7u32, || 3), 3);
}

#[test]
fn a_nul_inside_a_message_does_not_truncate_or_fail() {
    let failure = take_error(boundary::call(|| {
        Err(Error::new(ErrorCode::InvalidMessage, "before\0after"))
    }));
    assert!(failure.message.starts_with("before"));
    assert!(failure.message.ends_with("after"));
}

#[test]
fn error_to_frame_builds_the_wire_error() {
    let error = boundary::call(|| Err(Error::new(ErrorCode::DecryptionFailed, "no")));
    let mut frame = ptr::null_mut();
    ok(unsafe { confide_error_to_frame(error, c("s-1").as_ptr(), ptr::null(), &mut frame) });
    let json: serde_json::Value = serde_json::from_str(&take_string(frame)).unwrap();
    assert_eq!(json["type"], "error");
    assert_eq!(json["code"], "DECRYPTION_FAILED");
    assert_eq!(json["session_id"], "s-1");
    assert!(json.get("id").is_none());
    unsafe { confide_error_free(error) };

    let mut frame = ptr::null_mut();
    fails_on_argument(
        unsafe { confide_error_to_frame(ptr::null(), ptr::null(), ptr::null(), &mut frame) },
        "error",
    );
    assert!(frame.is_null());
}

#[test]
fn every_free_function_accepts_null() {
    unsafe {
        confide_string_free(ptr::null_mut());
        confide_buffer_free(ptr::null_mut());
        confide_secret_key_free(ptr::null_mut());
        confide_client_session_free(ptr::null_mut());
        confide_client_event_free(ptr::null_mut());
        confide_host_endpoint_free(ptr::null_mut());
        confide_host_connection_free(ptr::null_mut());
        confide_host_outputs_free(ptr::null_mut());
        confide_verified_free(ptr::null_mut());
        confide_verifier_free(ptr::null_mut());
        confide_error_free(ptr::null_mut());
    }
    // Freeing an empty buffer twice is harmless too.
    let mut buffer = ConfideBuffer {
        data: ptr::null_mut(),
        len: 0,
    };
    unsafe {
        confide_buffer_free(&mut buffer);
        confide_buffer_free(&mut buffer);
    }
    assert!(buffer.data.is_null());
}

#[test]
fn a_buffer_is_reset_after_free_so_a_second_free_is_harmless() {
    let key = key(HOST_HEX);
    let mut buffer = ConfideBuffer {
        data: ptr::null_mut(),
        len: 0,
    };
    ok(unsafe { confide_secret_key_public_key(key, &mut buffer) });
    assert_eq!(buffer.len, 33);
    unsafe {
        confide_buffer_free(&mut buffer);
        assert!(buffer.data.is_null());
        assert_eq!(buffer.len, 0);
        confide_buffer_free(&mut buffer);
        confide_secret_key_free(key);
    }
}
