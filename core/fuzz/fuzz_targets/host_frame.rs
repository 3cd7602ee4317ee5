//! Raw text frames to the host engine: a connection of a fresh endpoint that has accepted a real
//! init (so encrypted messages reach decryption and prompt parsing), then one frame per input
//! line (binary when the line is not UTF-8). `host_engine` drives structured sequences; this
//! target throws unstructured text at the frame parser and dispatcher.
//!
//! Invariants (each an assertion that fails when broken): nothing panics; every frame the host
//! sends parses, and every error frame carries a stable code; nothing is sent after a close.

#![no_main]

use std::sync::OnceLock;

use confide_core::e2ee::{ClientSession, SignatureScheme};
use confide_core::host::{Connection, Output};
use confide_core_fuzz::{
    HOST_KEY, NOW_MS, check_host_frame, endpoint, frames, init_params, init_secrets, key,
};
use libfuzzer_sys::fuzz_target;

/// A real init for session `s` (the same every run).
fn init_frame() -> &'static str {
    static INIT: OnceLock<String> = OnceLock::new();
    INIT.get_or_init(|| {
        let mut client = ClientSession::new(*key(HOST_KEY).public_key(), SignatureScheme::Eip191);
        client
            .init_message_with(
                &key(0x22),
                &init_params("s", true, NOW_MS),
                init_secrets(1, [0x55; 32]),
            )
            .expect("init")
    })
}

fuzz_target!(|data: &[u8]| {
    let mut connection = Connection::new(endpoint(), NOW_MS);
    let accepted = connection.handle_frame_inline(init_frame(), NOW_MS);
    assert!(matches!(&accepted[..], [.., Output::Frame(ack)] if ack.contains("session_init_ack")));
    for line in data.split(|&b| b == b'\n') {
        let was_closed = connection.is_closed();
        let outputs = match std::str::from_utf8(line) {
            Ok(text) => connection.handle_frame_inline(text, NOW_MS),
            Err(_) => connection.handle_binary(line, NOW_MS),
        };
        if was_closed {
            assert!(outputs.is_empty(), "output after close");
        }
        for frame in frames(&outputs) {
            check_host_frame(frame);
        }
    }
});
