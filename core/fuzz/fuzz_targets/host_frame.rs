//! Feeds arbitrary bytes to the host's side of the protocol: the frame parser, then the session
//! store for inits and messages. Nothing may panic; every rejection must carry an error code.

#![no_main]

use std::sync::OnceLock;

use confide_core::crypto::SecretKey;
use confide_core::e2ee::{ClientFrame, SessionStore, StoreConfig};
use libfuzzer_sys::fuzz_target;

fn host_key() -> &'static SecretKey {
    static KEY: OnceLock<SecretKey> = OnceLock::new();
    KEY.get_or_init(|| SecretKey::from_bytes(&[0x11; 32]).expect("valid key"))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut store = SessionStore::new(StoreConfig::default());
    match ClientFrame::parse(text) {
        Ok(ClientFrame::EncryptedSessionInit(frame)) => {
            let _ = store.accept_init(host_key(), &frame, 1_000, |_| true);
        }
        Ok(ClientFrame::EncryptedMessage(frame)) => {
            if let Ok(session) = store.session_mut(&frame.session_id, 1_000) {
                let _ = session.open_message(frame.payload.as_ref());
            }
        }
        Ok(_) => {}
        Err(err) => assert!(!err.code().as_str().is_empty()),
    }
});
