//! Every E2EE error code the core can produce, each from a realistic bad input.
//!
//! Codes that only a server can produce (ENCRYPTION_NOT_SUPPORTED, MESSAGE_TOO_LARGE, RATE_LIMITED,
//! MODEL_NOT_FOUND, TOKEN_LIMIT_EXCEEDED, INFERENCE_FAILED, INTERNAL) are exercised over the wire by
//! the node-server's tests; the core only defines them (see `error.rs`).

mod support;

use confide_core::crypto::{
    SecretKey, SymmetricKey, VByte, derive_session_key, eip191_hash, sha256,
};
use confide_core::e2ee::wire::{EncryptedPayload, SessionInitFrame, SessionInitPayload};
use confide_core::e2ee::{
    ClientFrame, ClientSession, HostFrame, InitSecrets, PromptRequest, SessionStore,
    SignatureScheme, StoreConfig, WireId,
};
use confide_core::{ErrorCode, Result, hex};
use serde_json::json;
use support::{NOW, Pair, ack_json, host_key, init_frame, params, rng, signed_init, wallet_key};

#[track_caller]
fn assert_code<T: std::fmt::Debug>(result: Result<T>, code: ErrorCode) -> String {
    let err = result.expect_err("expected an error");
    assert_eq!(err.code(), code, "{err}");
    err.message().to_owned()
}

/// An EIP-191 init built by hand from the primitives, so tests can put anything inside.
fn crafted_init(session_data: &str, signer: &SecretKey) -> SessionInitFrame {
    let eph = SecretKey::from_hex(&"33".repeat(32)).unwrap();
    let key = derive_session_key(&eph, host_key().public_key(), None, b"");
    let nonce = [0x44u8; 24];
    let ciphertext = key
        .seal(&nonce, b"session_init", session_data.as_bytes())
        .unwrap();
    let digest = eip191_hash(&sha256(&ciphertext));
    let signature = signer.sign_prehash_raw(&digest);
    SessionInitFrame {
        session_id: WireId::from("crafted"),
        job_id: None,
        chain_id: None,
        id: None,
        payload: Some(SessionInitPayload {
            eph_pub_hex: Some(eph.public_key().to_hex()),
            ciphertext_hex: Some(hex::encode(&ciphertext)),
            signature_hex: Some(hex::encode(&signature.to_bytes(VByte::Ethereum))),
            nonce_hex: Some(hex::encode(&nonce)),
            aad_hex: Some(hex::encode(b"session_init")),
            ..SessionInitPayload::default()
        }),
    }
}

trait SignRaw {
    fn sign_prehash_raw(&self, digest: &[u8; 32]) -> confide_core::crypto::RecoverableSignature;
}

impl SignRaw for SecretKey {
    fn sign_prehash_raw(&self, digest: &[u8; 32]) -> confide_core::crypto::RecoverableSignature {
        confide_core::crypto::RecoverableSignature::sign_prehash(self, digest)
    }
}

fn good_init() -> SessionInitFrame {
    signed_init(SignatureScheme::Eip191, &wallet_key(), 7, "s1")
}

fn accept(frame: &SessionInitFrame) -> Result<confide_core::e2ee::InitAccepted> {
    SessionStore::default().accept_init(&host_key(), frame, NOW, |_| true)
}

fn with_payload(edit: impl FnOnce(&mut SessionInitPayload)) -> SessionInitFrame {
    let mut frame = good_init();
    edit(frame.payload.as_mut().unwrap());
    frame
}

#[test]
fn missing_payload_and_fields() {
    let mut frame = good_init();
    frame.payload = None;
    assert_code(accept(&frame), ErrorCode::MissingPayload);
    let message = assert_code(
        accept(&with_payload(|p| {
            p.signature_hex = None;
            p.nonce_hex = None;
        })),
        ErrorCode::MissingPayloadFields,
    );
    assert!(
        message.contains("signatureHex") && message.contains("nonceHex"),
        "{message}"
    );

    let mut pair = Pair::new(SignatureScheme::Eip191);
    let frame = json!({"type":"encrypted_message","session_id":"s1","id":"m"}).to_string();
    assert_code(pair.host_receive(&frame), ErrorCode::MissingPayload);
    let frame = json!({"type":"encrypted_message","session_id":"s1","id":"m",
        "payload":{"ciphertextHex":"00","nonceHex":"00"}})
    .to_string();
    assert!(
        assert_code(pair.host_receive(&frame), ErrorCode::MissingPayloadFields).contains("aadHex")
    );
}

#[test]
fn hex_nonce_key_and_signature_shapes() {
    let message = assert_code(
        accept(&with_payload(|p| p.ciphertext_hex = Some("zz".into()))),
        ErrorCode::InvalidHexEncoding,
    );
    assert!(message.contains("ciphertextHex"));
    assert_code(
        accept(&with_payload(|p| p.nonce_hex = Some("00".repeat(12)))),
        ErrorCode::InvalidNonceSize,
    );
    let mut off_curve = "02".to_owned();
    off_curve.push_str(&"00".repeat(31));
    off_curve.push_str("05");
    assert_code(
        accept(&with_payload(|p| p.eph_pub_hex = Some(off_curve))),
        ErrorCode::InvalidKey,
    );
    assert_code(
        accept(&with_payload(|p| p.signature_hex = Some("00".repeat(64)))),
        ErrorCode::InvalidSignature,
    );
    assert_code(
        accept(&with_payload(|p| {
            let sig = p.signature_hex.as_mut().unwrap();
            sig.replace_range(128..130, "05");
        })),
        ErrorCode::InvalidSignature,
    );
}

#[test]
fn high_s_init_signature_is_rejected() {
    let frame = with_payload(|p| {
        let mut sig = hex::decode("s", p.signature_hex.as_deref().unwrap()).unwrap();
        negate_s(&mut sig);
        sig[64] = if sig[64] == 27 { 28 } else { 27 }; // the twin has the other parity
        p.signature_hex = Some(hex::encode(&sig));
    });
    let message = assert_code(accept(&frame), ErrorCode::InvalidSignature);
    assert!(message.contains("high-S"), "{message}");
}

/// s := n - s (big-endian), turning a low-S signature into its malleable high-S twin.
fn negate_s(sig: &mut [u8]) {
    let order = hex::decode(
        "n",
        "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141",
    )
    .unwrap();
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let d = i16::from(order[i]) - i16::from(sig[32 + i]) - borrow;
        sig[32 + i] = d.rem_euclid(256) as u8;
        borrow = i16::from(d < 0);
    }
}

#[test]
fn tampered_init_fails_decryption() {
    let frame = with_payload(|p| {
        let ct = p.ciphertext_hex.as_mut().unwrap();
        let flipped = if ct.starts_with('0') { "1" } else { "0" };
        ct.replace_range(0..1, flipped);
    });
    assert_code(accept(&frame), ErrorCode::DecryptionFailed);
    // A wrong AAD also fails authentication.
    let frame = with_payload(|p| p.aad_hex = Some(hex::encode(b"other")));
    assert_code(accept(&frame), ErrorCode::DecryptionFailed);
}

#[test]
fn malformed_session_data_names_the_field() {
    let key = "55".repeat(32);
    for (data, expected) in [
        (
            format!(r#"{{"sessionKey":"{key}","pricePerToken":"2000"}}"#),
            "pricePerToken",
        ),
        (format!(r#"{{"session_key":"{key}"}}"#), "sessionKey"),
        ("{}".to_owned(), "sessionKey"),
    ] {
        let message = assert_code(
            accept(&crafted_init(&data, &wallet_key())),
            ErrorCode::InvalidSessionData,
        );
        assert!(message.contains(expected), "{message}");
        assert!(!message.contains(&key));
    }
    // The crafted path itself is sound: a well-formed one is accepted.
    let ok = crafted_init(
        &format!(r#"{{"sessionKey":"{key}","pricePerToken":7}}"#),
        &wallet_key(),
    );
    assert_eq!(accept(&ok).unwrap().client_address, wallet_key().address());
}

#[test]
fn sdk_scheme_recid_and_recovery_key_must_match_the_signer() {
    let mut frame = signed_init(SignatureScheme::SdkTranscript, &wallet_key(), 7, "t");
    let payload = frame.payload.as_mut().unwrap();
    payload.recid = Some(1 - payload.recid.unwrap());
    assert_code(accept(&frame), ErrorCode::InvalidSignature);

    // A transcript signed by another key than the recoveryPublicKey inside the data.
    let mut frame = signed_init(SignatureScheme::SdkTranscript, &wallet_key(), 7, "t");
    let payload = frame.payload.as_mut().unwrap();
    let other_signer = SecretKey::from_hex(&"77".repeat(32)).unwrap();
    let other = signed_init(SignatureScheme::SdkTranscript, &other_signer, 7, "t");
    // Same RNG seed ⇒ same ephemeral key, nonce and salt ⇒ same transcript; only the signer differs.
    let other_payload = other.payload.unwrap();
    assert_eq!(other_payload.eph_pub_hex, payload.eph_pub_hex);
    payload.signature_hex = other_payload.signature_hex;
    payload.recid = other_payload.recid;
    assert!(assert_code(accept(&frame), ErrorCode::InvalidSignature).contains("recoveryPublicKey"));
}

#[test]
fn init_replay_id_theft_authorization_and_capacity() {
    let frame = good_init();
    let mut store = SessionStore::new(StoreConfig {
        capacity: 1,
        idle_timeout_secs: 60,
    });
    store
        .accept_init(&host_key(), &frame, NOW, |_| true)
        .unwrap();
    assert_code(
        store.accept_init(&host_key(), &frame, NOW + 1, |_| true),
        ErrorCode::ReplayDetected,
    );

    let thief = SecretKey::from_hex(&"99".repeat(32)).unwrap();
    let stolen = signed_init(SignatureScheme::Eip191, &thief, 99, "s1");
    assert_code(
        store.accept_init(&host_key(), &stolen, NOW, |_| true),
        ErrorCode::SessionIdInUse,
    );

    let second = signed_init(SignatureScheme::Eip191, &thief, 100, "s2");
    assert_code(
        store.accept_init(&host_key(), &second, NOW, |_| true),
        ErrorCode::TooManySessions,
    );
    let message = assert_code(
        store.accept_init(&host_key(), &second, NOW, |address| {
            *address != thief.address()
        }),
        ErrorCode::Unauthorized,
    );
    assert!(message.contains(&thief.address().to_checksum()));
    // Once the first session idles out, the slot frees up.
    store
        .accept_init(&host_key(), &second, NOW + 61, |_| true)
        .unwrap();
    assert_code(
        store.session_mut(&WireId::from("s1"), NOW + 61),
        ErrorCode::SessionKeyNotFound,
    );
}

/// A session whose key the test knows, to craft host-bound messages by hand.
fn known_key_pair() -> (Pair, SymmetricKey) {
    let mut pair = Pair::new(SignatureScheme::Eip191);
    let key = SymmetricKey::from_bytes([0x5a; 32]);
    let secrets = InitSecrets {
        ephemeral: SecretKey::from_hex(&"44".repeat(32)).unwrap(),
        session_key: key.clone(),
        nonce: [9; 24],
        salt: None,
    };
    let init = pair
        .client
        .init_message_with(&wallet_key(), &support::params("s1"), secrets)
        .unwrap();
    let frame = init_frame(&init);
    let accepted = pair
        .store
        .accept_init(&pair.host, &frame, NOW, |_| true)
        .unwrap();
    pair.client.open(&ack_json(&frame, &accepted)).unwrap();
    (pair, key)
}

fn message(key: &SymmetricKey, aad: &str, nonce: [u8; 24], text: &str) -> String {
    let ciphertext = key.seal(&nonce, aad.as_bytes(), text.as_bytes()).unwrap();
    json!({"type":"encrypted_message","session_id":"s1","id":"m",
        "payload": EncryptedPayload::new(&ciphertext, &nonce, aad.as_bytes(), None)})
    .to_string()
}

#[test]
fn message_counter_aad_and_nonce_rules() {
    let (mut pair, key) = known_key_pair();
    assert_eq!(
        pair.host_receive(&message(&key, "message_3", [1; 24], "a"))
            .unwrap()
            .as_deref(),
        Some("a")
    );
    // Replayed frame, and an older index.
    assert_code(
        pair.host_receive(&message(&key, "message_3", [1; 24], "a")),
        ErrorCode::ReplayDetected,
    );
    assert_code(
        pair.host_receive(&message(&key, "message_2", [2; 24], "b")),
        ErrorCode::ReplayDetected,
    );
    // A gap is fine; a reused nonce with a new index is not.
    assert_code(
        pair.host_receive(&message(&key, "message_4", [1; 24], "c")),
        ErrorCode::NonceReuse,
    );
    assert_eq!(
        pair.host_receive(&message(&key, "message_9", [3; 24], "d"))
            .unwrap()
            .as_deref(),
        Some("d")
    );
    for bad in ["msg_10", "message_", "message_010", "message_-1"] {
        assert_code(
            pair.host_receive(&message(&key, bad, [4; 24], "e")),
            ErrorCode::InvalidAad,
        );
    }
    // Wrong key ⇒ decryption fails, and the counter did not move: message_10 still works.
    let wrong = SymmetricKey::from_bytes([1; 32]);
    assert_code(
        pair.host_receive(&message(&wrong, "message_10", [5; 24], "f")),
        ErrorCode::DecryptionFailed,
    );
    assert!(
        pair.host_receive(&message(&key, "message_10", [5; 24], "g"))
            .is_ok()
    );
    let short_nonce = json!({"type":"encrypted_message","session_id":"s1",
        "payload":{"ciphertextHex":"00","nonceHex":"00","aadHex":""}})
    .to_string();
    assert_code(pair.host_receive(&short_nonce), ErrorCode::InvalidNonceSize);
    let unknown = message(&key, "message_11", [6; 24], "h").replace("\"s1\"", "\"nope\"");
    assert_code(pair.host_receive(&unknown), ErrorCode::SessionKeyNotFound);
    // Authenticated but not a usable request.
    assert_code(
        pair.host_receive(&message(&key, "message_12", [7; 24], r#"{"model":"m"}"#)),
        ErrorCode::InvalidMessage,
    );
}

#[test]
fn frame_parser_rejects_garbage_without_echoing_it() {
    for bad in [
        "not json",
        "{}",
        r#"{"type":"warp_drive"}"#,
        r#"{"type":"encrypted_message"}"#,
        r#"{"type":"encrypted_message","session_id":"s","payload":{"nonceHex":5}}"#,
        r#"{"type":"encrypted_session_init","session_id":{"secret":"hunter2"}}"#,
        r#"[1,2,3]"#,
    ] {
        let message = assert_code(ClientFrame::parse(bad), ErrorCode::InvalidMessage);
        assert!(!message.contains("hunter2"), "{message}");
    }
    assert!(matches!(
        ClientFrame::parse(r#"{"type":"ping"}"#),
        Ok(ClientFrame::Ping)
    ));
    let spelled =
        ClientFrame::parse(r#"{"type":"session_init","sessionId":"a","jobId":"7","chainId":1}"#)
            .unwrap();
    assert_eq!(spelled.session_id(), Some(&WireId::from("a")));
    let (session_id, id) =
        confide_core::e2ee::wire::echo_ids(r#"{"type":"bogus","session_id":"x","id":9}"#);
    assert_eq!(
        (session_id, id),
        (Some(WireId::from("x")), Some(WireId::from(9u64)))
    );
}

#[test]
fn client_rejects_out_of_order_replayed_tampered_and_downgraded_frames() {
    let mut pair = Pair::new(SignatureScheme::Eip191);
    let id = WireId::from("m1");
    pair.client.seal_prompt(&mut pair.rng, &id, b"hi").unwrap();
    let session = pair.store.session_mut(&Pair::session_id(), NOW).unwrap();
    let chunk0 = session.seal_chunk(&mut pair.rng, Some(&id), 0, "a", 1, false);
    let chunk1 = session.seal_chunk(&mut pair.rng, Some(&id), 1, "b", 1, false);
    let chunk2 = session.seal_chunk(&mut pair.rng, Some(&id), 2, "c", 1, true);
    assert_code(pair.client.open(&chunk1), ErrorCode::ReplayDetected);
    pair.client.open(&chunk0).unwrap();
    assert_code(pair.client.open(&chunk0), ErrorCode::ReplayDetected);
    let tampered = chunk1.replacen("\"ciphertextHex\":\"", "\"ciphertextHex\":\"00", 1);
    assert_code(pair.client.open(&tampered), ErrorCode::DecryptionFailed);
    let relabelled = chunk1.replace("\"index\":1", "\"index\":2");
    assert_code(pair.client.open(&relabelled), ErrorCode::InvalidAad);
    let no_index = chunk1.replace(",\"index\":1", "");
    assert_code(pair.client.open(&no_index), ErrorCode::MissingPayloadFields);
    pair.client.open(&chunk1).unwrap();
    pair.client.open(&chunk2).unwrap();
    let late = session_chunk(&mut pair, &id, 3);
    assert_code(pair.client.open(&late), ErrorCode::ReplayDetected);

    // A second prompt: replaying chunk_0 of the first response is caught by the nonce memory.
    let id2 = WireId::from("m2");
    pair.client
        .seal_prompt(&mut pair.rng, &id2, b"again")
        .unwrap();
    assert_code(
        pair.client.open(&chunk0.replace("\"m1\"", "\"m2\"")),
        ErrorCode::NonceReuse,
    );

    let plaintext = HostFrame::parse(r#"{"type":"stream_chunk","id":"m2","content":"x"}"#)
        .unwrap()
        .to_json();
    assert_code(pair.client.open(&plaintext), ErrorCode::EncryptionRequired);
    let bad_final = chunk0
        .replace("encrypted_chunk", "encrypted_response")
        .replace("\"m1\"", "\"m2\"");
    assert_code(pair.client.open(&bad_final), ErrorCode::InvalidAad);
    let stranger = session_chunk(&mut pair, &WireId::from("never-sent"), 0);
    assert_code(pair.client.open(&stranger), ErrorCode::InvalidMessage);
    assert_code(
        pair.client
            .open("{\"type\":\"stream_end\",\"id\":\"zzz\",\"reason\":\"complete\"}"),
        ErrorCode::InvalidMessage,
    );
    assert_code(pair.client.open("garbage"), ErrorCode::InvalidMessage);
}

fn session_chunk(pair: &mut Pair, id: &WireId, index: u64) -> String {
    let session = pair.store.session_mut(&Pair::session_id(), NOW).unwrap();
    session.seal_chunk(&mut pair.rng, Some(id), index, "x", 1, false)
}

#[test]
fn client_checks_the_ack() {
    let host = host_key();
    let mut client = ClientSession::new(*host.public_key(), SignatureScheme::SdkTranscript);
    assert_code(
        client.seal_prompt(&mut rng(), &WireId::from("m"), b"x"),
        ErrorCode::SessionKeyNotFound,
    );
    let frame = init_frame(
        &client
            .init_message(&wallet_key(), &mut rng(), &params("s1"))
            .unwrap(),
    );
    let mut store = SessionStore::default();
    let mut accepted = store.accept_init(&host, &frame, NOW, |_| true).unwrap();
    let plain_ack =
        ack_json(&frame, &accepted).replace("\"encrypted\":true", "\"encrypted\":false");
    assert_code(client.open(&plain_ack), ErrorCode::EncryptionRequired);
    // The deployed node's bug: it reports a wrong address. We refuse it.
    accepted.client_address = SecretKey::from_hex(&"99".repeat(32)).unwrap().address();
    assert_code(
        client.open(&ack_json(&frame, &accepted)),
        ErrorCode::InvalidSignature,
    );
    let error = HostFrame::parse(r#"{"type":"error","code":"RATE_LIMITED","message":"slow down"}"#)
        .unwrap()
        .to_json();
    assert!(
        matches!(client.open(&error).unwrap(), confide_core::e2ee::ClientEvent::Error { code, .. } if code == "RATE_LIMITED")
    );
    client.close();
    assert_code(
        client.seal_prompt(&mut rng(), &WireId::from("m"), b"x"),
        ErrorCode::SessionKeyNotFound,
    );
    let _ = PromptRequest::from_text("unused");
}
