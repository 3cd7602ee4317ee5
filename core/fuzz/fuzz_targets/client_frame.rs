//! Feeds arbitrary host frames to a client session that has sent an init and a prompt. Nothing may
//! panic; violations must be errors.

#![no_main]

use confide_core::crypto::SecretKey;
use confide_core::e2ee::{ClientSession, InitParams, InitSecrets, SignatureScheme, WireId};
use confide_core::crypto::SymmetricKey;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let host = SecretKey::from_bytes(&[0x11; 32]).expect("valid key");
    let wallet = SecretKey::from_bytes(&[0x22; 32]).expect("valid key");
    let mut client = ClientSession::new(*host.public_key(), SignatureScheme::Eip191);
    let params = InitParams {
        session_id: WireId::from("s"),
        job_id: WireId::from(1u64),
        chain_id: 1,
        model_name: "m".into(),
        price_per_token: 1,
        id: None,
        timestamp: None,
    };
    let secrets = InitSecrets {
        ephemeral: SecretKey::from_bytes(&[0x33; 32]).expect("valid key"),
        session_key: SymmetricKey::from_bytes([0x55; 32]),
        nonce: [0x44; 24],
        salt: None,
    };
    client.init_message_with(&wallet, &params, secrets).expect("init");
    client
        .seal_prompt_with_nonce(&WireId::from("m"), b"hi", [0x66; 24])
        .expect("seal");
    for line in text.lines() {
        let _ = client.open(line);
    }
});
