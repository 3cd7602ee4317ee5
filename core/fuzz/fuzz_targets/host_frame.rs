//! Feeds arbitrary frames to the host engine: a connection of a fresh endpoint that has accepted a
//! real init (so encrypted messages reach decryption and prompt parsing), then one frame per input
//! line. Nothing may panic, every error frame carries a code, and nothing is sent after a close.

#![no_main]

use std::sync::{Arc, OnceLock};

use confide_core::crypto::{SecretKey, SymmetricKey};
use confide_core::e2ee::{ClientSession, InitParams, InitSecrets, SignatureScheme, WireId};
use confide_core::host::{Connection, Endpoint, HostConfig, Output};
use libfuzzer_sys::fuzz_target;

const NOW_MS: u64 = 1_732_200_000_000;

fn key(byte: u8) -> SecretKey {
    SecretKey::from_bytes(&[byte; 32]).expect("valid key")
}

/// A real init for session `s` (the same every run).
fn init_frame() -> &'static str {
    static INIT: OnceLock<String> = OnceLock::new();
    INIT.get_or_init(|| {
        let mut client = ClientSession::new(*key(0x11).public_key(), SignatureScheme::Eip191);
        let params = InitParams {
            session_id: WireId::from("s"),
            job_id: WireId::from(1u64),
            chain_id: 1,
            model_name: "m".into(),
            price_per_token: 1,
            id: None,
            timestamp: Some(NOW_MS / 1000),
        };
        let secrets = InitSecrets {
            ephemeral: key(0x33),
            session_key: SymmetricKey::from_bytes([0x55; 32]),
            nonce: [0x44; 24],
            salt: None,
        };
        client
            .init_message_with(&key(0x22), &params, secrets)
            .expect("init")
    })
}

fuzz_target!(|data: &[u8]| {
    let endpoint = Endpoint::new(Some(key(0x11)), HostConfig::default(), NOW_MS).expect("config");
    let mut connection = Connection::new(Arc::new(endpoint), NOW_MS);
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
        for output in outputs {
            if let Output::Frame(frame) = output
                && frame.starts_with(r#"{"type":"error""#)
            {
                assert!(frame.contains(r#""code":""#), "error frame without a code");
            }
        }
    }
});
