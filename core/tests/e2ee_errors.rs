//! Every E2EE error code the core can produce, each from a realistic bad input: the host side
//! through the host engine, the client side through `ClientSession` (with host frames forged under
//! a known session key where a real host would never send them).
//!
//! Codes that only a server can produce (ENCRYPTION_NOT_SUPPORTED, MESSAGE_TOO_LARGE, RATE_LIMITED,
//! MODEL_NOT_FOUND, TOKEN_LIMIT_EXCEEDED, INFERENCE_FAILED, INTERNAL) are exercised by the host
//! engine's and the node-server's tests; the core only defines them (see `error.rs`).

mod support;

use confide_core::crypto::{
    SecretKey, SymmetricKey, VByte, derive_session_key, eip191_hash, sha256,
};
use confide_core::e2ee::wire::{EncryptedPayload, SessionInitFrame, SessionInitPayload};
use confide_core::e2ee::{
    ClientEvent, ClientFrame, ClientSession, HostFrame, SignatureScheme, Usage, WireId,
};
use confide_core::signed::{MessageScheme, SignOptions, SignedMessage, UsageRecord};
use confide_core::{ErrorCode, ErrorDetail, Result, hex};
use serde_json::json;
use support::{
    Host, KeyedClient, NOW, Pair, ack_json, host_key, init_frame, params, rng, sign_receipt,
    signed_init, stream_end, usage_record, wallet_key,
};

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

/// A fresh host's answer to `frame`: its ack, or its error.
fn accept(frame: &SessionInitFrame) -> Result<String> {
    Host::new().accept(frame)
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
    assert_code(pair.host_receive("m", &frame), ErrorCode::MissingPayload);
    let frame = json!({"type":"encrypted_message","session_id":"s1","id":"m",
        "payload":{"ciphertextHex":"00","nonceHex":"00"}})
    .to_string();
    assert!(
        assert_code(
            pair.host_receive("m", &frame),
            ErrorCode::MissingPayloadFields
        )
        .contains("aadHex")
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
    assert!(
        accept(&ok)
            .unwrap()
            .contains(&wallet_key().address().to_checksum())
    );
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
    let thief = SecretKey::from_hex(&"99".repeat(32)).unwrap();
    let mut host = Host::with_config(|config| {
        config.limits.max_sessions_per_connection = 1;
        config.limits.session_ttl_secs = 60;
        config.policy.allowed_clients = vec![wallet_key().address()];
    });
    host.accept(&frame).unwrap();
    assert_code(host.accept(&frame), ErrorCode::ReplayDetected);

    // Another address claiming the session id (the allow-list aside: it is checked later).
    let stolen = signed_init(SignatureScheme::Eip191, &thief, 99, "s1");
    let message = assert_code(host.accept(&stolen), ErrorCode::Unauthorized);
    assert!(
        message.contains(&thief.address().to_checksum()),
        "{message}"
    );

    let second = signed_init(SignatureScheme::Eip191, &wallet_key(), 100, "s2");
    assert_code(host.accept(&second), ErrorCode::TooManySessions);
    // Once the first session idles out (the driver's timer expires it), the slot frees up.
    host.connection.expire((NOW + 61) * 1000);
    let json = ClientFrame::EncryptedSessionInit(second).to_json();
    host.send_at(&json, NOW + 61).ok().unwrap();
    let prompt = json!({"type":"encrypted_message","session_id":"s1","id":"m",
        "payload":{"ciphertextHex":"00","nonceHex":"00".repeat(24),"aadHex":""}})
    .to_string();
    assert_code(
        host.send_at(&prompt, NOW + 61).ok(),
        ErrorCode::SessionKeyNotFound,
    );
}

#[test]
fn a_session_id_belongs_to_the_client_that_opened_it() {
    let thief = SecretKey::from_hex(&"99".repeat(32)).unwrap();
    let mut host = Host::new();
    host.accept(&good_init()).unwrap();
    let stolen = signed_init(SignatureScheme::Eip191, &thief, 99, "s1");
    assert_code(host.accept(&stolen), ErrorCode::SessionIdInUse);
}

/// An `encrypted_message` for request `id` sealed by hand under `key`.
fn message(key: &SymmetricKey, id: &str, aad: &str, nonce: [u8; 24], text: &str) -> String {
    let ciphertext = key.seal(&nonce, aad.as_bytes(), text.as_bytes()).unwrap();
    json!({"type":"encrypted_message","session_id":"s1","id":id,
        "payload": EncryptedPayload::new(&ciphertext, &nonce, aad.as_bytes(), None)})
    .to_string()
}

#[test]
fn message_counter_aad_and_nonce_rules() {
    let keyed = KeyedClient::new();
    let key = &keyed.key;
    let mut host = Host::new();
    host.accept(&init_frame(&keyed.init)).unwrap();
    let mut receive = |id: &str, aad: &str, nonce: [u8; 24], text: &str| {
        let reply = host.send(&message(key, id, aad, nonce, text)).ok()?;
        Ok(reply
            .starts
            .into_iter()
            .next()
            .and_then(|(_, prompt)| prompt))
    };
    assert_eq!(
        receive("a", "message_3", [1; 24], "a").unwrap().as_deref(),
        Some("a")
    );
    // Replayed frame, and an older index.
    assert_code(
        receive("a2", "message_3", [1; 24], "a"),
        ErrorCode::ReplayDetected,
    );
    assert_code(
        receive("b", "message_2", [2; 24], "b"),
        ErrorCode::ReplayDetected,
    );
    // A gap is fine; a reused nonce with a new index is not.
    assert_code(
        receive("c", "message_4", [1; 24], "c"),
        ErrorCode::NonceReuse,
    );
    assert_eq!(
        receive("d", "message_9", [3; 24], "d").unwrap().as_deref(),
        Some("d")
    );
    for bad in ["msg_10", "message_", "message_010", "message_-1"] {
        assert_code(receive("e", bad, [4; 24], "e"), ErrorCode::InvalidAad);
    }
    // Wrong key ⇒ decryption fails, and the counter did not move: message_10 still works.
    let wrong = SymmetricKey::from_bytes([1; 32]);
    assert_code(
        host.send(&message(&wrong, "f", "message_10", [5; 24], "f"))
            .ok(),
        ErrorCode::DecryptionFailed,
    );
    let mut receive = |id: &str, aad: &str, nonce: [u8; 24], text: &str| {
        host.send(&message(key, id, aad, nonce, text)).ok()
    };
    assert!(receive("g", "message_10", [5; 24], "g").is_ok());
    let short_nonce = json!({"type":"encrypted_message","session_id":"s1",
        "payload":{"ciphertextHex":"00","nonceHex":"00","aadHex":""}})
    .to_string();
    assert_code(host.send(&short_nonce).ok(), ErrorCode::InvalidNonceSize);
    let unknown = message(key, "h", "message_11", [6; 24], "h").replace("\"s1\"", "\"nope\"");
    assert_code(host.send(&unknown).ok(), ErrorCode::SessionKeyNotFound);
    // Authenticated but not a usable request.
    let mut receive = |id: &str, aad: &str, nonce: [u8; 24], text: &str| {
        host.send(&message(key, id, aad, nonce, text)).ok()
    };
    assert_code(
        receive("i", "message_12", [7; 24], r#"{"model":"m"}"#),
        ErrorCode::InvalidMessage,
    );
}

#[test]
fn frames_read_the_same_whatever_their_key_order() {
    // `type` as the first key is read in one pass, anywhere else in two: same frame, same error.
    let host_frames = [
        (r#"{"type":"pong","id":"p"}"#, r#"{"id":"p","type":"pong"}"#),
        (
            r#"{"type":"error","code":"RATE_LIMITED","message":"slow down","id":7}"#,
            r#"{"code":"RATE_LIMITED","id":7,"type":"error","message":"slow down"}"#,
        ),
        (
            r#"{"type":"encrypted_chunk","session_id":"s","id":"m","payload":{"ciphertextHex":"00","nonceHex":"11","aadHex":"22","index":3},"final":true}"#,
            r#"{"session_id":"s","payload":{"ciphertextHex":"00","nonceHex":"11","aadHex":"22","index":3},"type":"encrypted_chunk","id":"m","final":true}"#,
        ),
        (r#"{"\u0074ype":"pong"}"#, r#"{"type":"pong"}"#),
    ];
    for (first, later) in host_frames {
        assert_eq!(
            HostFrame::parse(first).unwrap().to_json(),
            HostFrame::parse(later).unwrap().to_json(),
            "{first}"
        );
    }
    let request_of = |text: &str| match ClientFrame::parse(text).unwrap() {
        ClientFrame::Prompt(prompt) => prompt.request,
        other => panic!("not a prompt: {other:?}"),
    };
    let request = request_of(r#"{"type":"prompt","prompt":"hi"}"#);
    assert_eq!(request, request_of(r#"{"prompt":"hi","type":"prompt"}"#));
    assert!(!request.contains_key("type"), "{request:?}");

    let invalid = [
        (
            r#"{"type":"encrypted_chunk","id":"m"}"#,
            r#"{"id":"m","type":"encrypted_chunk"}"#,
        ),
        (
            r#"{"type":"warp_drive","x":1}"#,
            r#"{"x":1,"type":"warp_drive"}"#,
        ),
        (
            r#"{"type":"pong","id":"p"} x"#,
            r#"{"id":"p","type":"pong"} x"#,
        ),
        (
            r#"{"type":"pong","type":"pong"}"#,
            r#"{"id":"p","type":"pong","type":"pong"}"#,
        ),
        (
            r#"{"type":"pong","\u0074ype":"pong"}"#,
            r#"{"type":"pong","type":"pong"}"#,
        ),
        (
            r#"{"type":"pong","id":{"secret":"hunter2"}}"#,
            r#"{"id":{"secret":"hunter2"},"type":"pong"}"#,
        ),
    ];
    for (first, later) in invalid {
        let message = assert_code(HostFrame::parse(first), ErrorCode::InvalidMessage);
        assert_eq!(
            message,
            assert_code(HostFrame::parse(later), ErrorCode::InvalidMessage),
            "{first}"
        );
        assert!(!message.contains("hunter2"), "{message}");
    }
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
        Ok(ClientFrame::Ping(_))
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
    let mut keyed = KeyedClient::new();
    let mut rng = rng();
    keyed
        .client
        .seal_prompt(&mut rng, &WireId::from("m1"), b"hi")
        .unwrap();
    let chunk0 = keyed.chunk("m1", 0, "a", false);
    let chunk1 = keyed.chunk("m1", 1, "b", false);
    let chunk2 = keyed.chunk("m1", 2, "c", true);
    let client = &mut keyed.client;
    assert_code(client.open(&chunk1), ErrorCode::ReplayDetected);
    client.open(&chunk0).unwrap();
    assert_code(client.open(&chunk0), ErrorCode::ReplayDetected);
    let tampered = chunk1.replacen("\"ciphertextHex\":\"", "\"ciphertextHex\":\"00", 1);
    assert_code(client.open(&tampered), ErrorCode::DecryptionFailed);
    let relabelled = chunk1.replace("\"index\":1", "\"index\":2");
    assert_code(client.open(&relabelled), ErrorCode::InvalidAad);
    let no_index = chunk1.replace(",\"index\":1", "");
    assert_code(client.open(&no_index), ErrorCode::MissingPayloadFields);
    client.open(&chunk1).unwrap();
    client.open(&chunk2).unwrap();
    let late = keyed.chunk("m1", 3, "x", false);
    assert_code(keyed.client.open(&late), ErrorCode::ReplayDetected);

    // A second prompt: replaying chunk_0 of the first response is caught by the nonce memory.
    keyed
        .client
        .seal_prompt(&mut rng, &WireId::from("m2"), b"again")
        .unwrap();
    assert_code(
        keyed.client.open(&chunk0.replace("\"m1\"", "\"m2\"")),
        ErrorCode::NonceReuse,
    );

    let plaintext = HostFrame::parse(r#"{"type":"stream_chunk","id":"m2","content":"x"}"#)
        .unwrap()
        .to_json();
    assert_code(keyed.client.open(&plaintext), ErrorCode::EncryptionRequired);
    let bad_final = keyed
        .chunk("m2", 0, "stop", false)
        .replace("encrypted_chunk", "encrypted_response");
    assert_code(keyed.client.open(&bad_final), ErrorCode::InvalidAad);
    let stranger = keyed.chunk("never-sent", 0, "x", false);
    assert_code(keyed.client.open(&stranger), ErrorCode::InvalidMessage);
    assert_code(
        keyed
            .client
            .open("{\"type\":\"stream_end\",\"id\":\"zzz\",\"reason\":\"complete\"}"),
        ErrorCode::InvalidMessage,
    );
    assert_code(keyed.client.open("garbage"), ErrorCode::InvalidMessage);
}

#[test]
fn client_checks_the_ack() {
    let mut client = ClientSession::new(*host_key().public_key(), SignatureScheme::SdkTranscript);
    assert_code(
        client.seal_prompt(&mut rng(), &WireId::from("m"), b"x"),
        ErrorCode::SessionKeyNotFound,
    );
    let frame = init_frame(
        &client
            .init_message(&wallet_key(), &mut rng(), &params("s1"))
            .unwrap(),
    );
    let ack = ack_json(&frame, &wallet_key().address());
    let plain_ack = ack.replace("\"encrypted\":true", "\"encrypted\":false");
    assert_code(client.open(&plain_ack), ErrorCode::EncryptionRequired);
    // The deployed node's bug: it reports a wrong address. We refuse it.
    let other = SecretKey::from_hex(&"99".repeat(32)).unwrap().address();
    assert_code(
        client.open(&ack_json(&frame, &other)),
        ErrorCode::InvalidSignature,
    );
    let error = HostFrame::parse(r#"{"type":"error","code":"RATE_LIMITED","message":"slow down"}"#)
        .unwrap()
        .to_json();
    assert!(
        matches!(client.open(&error).unwrap(), ClientEvent::Error { code, .. } if code == "RATE_LIMITED")
    );
    client.close();
    assert_code(
        client.seal_prompt(&mut rng(), &WireId::from("m"), b"x"),
        ErrorCode::SessionKeyNotFound,
    );
}

/// A session that sent prompt `m1` and opened the engine's whole reply ("Hello", " world", the
/// encrypted final) except its `stream_end`, which is returned.
fn answered_pair() -> (Pair, String) {
    let mut pair = Pair::new(SignatureScheme::Eip191);
    pair.send_prompt("m1", "hi").unwrap();
    let mut frames = pair.reply_frames("m1", &["Hello", " world"]);
    let end = frames.pop().unwrap();
    for frame in &frames {
        pair.client.open(frame).unwrap();
    }
    (pair, end)
}

/// What `answered_pair`'s host reports in `stream_end.usage`.
const USAGE: Usage = Usage {
    prompt_tokens: 3,
    completion_tokens: 2,
    total_tokens: 5,
    context_window_size: None,
};

#[test]
fn stream_end_before_the_encrypted_final_is_a_truncated_answer() {
    let mut pair = Pair::new(SignatureScheme::Eip191);
    pair.send_prompt("m1", "hi").unwrap();
    let frames = pair.reply_frames("m1", &["Hello", " world"]);
    let [chunk0, chunk1, final_frame, end] = frames.as_slice() else {
        panic!("expected two chunks, the final and the end: {frames:?}");
    };
    // Before any chunk, and after the chunks but before the final: both refused.
    let early = assert_code(pair.client.open(end), ErrorCode::InvalidMessage);
    assert!(early.contains("before encrypted_response"), "{early}");
    pair.client.open(chunk0).unwrap();
    pair.client.open(chunk1).unwrap();
    assert_code(pair.client.open(end), ErrorCode::InvalidMessage);
    // A rejected frame changes nothing: the genuine final and end still complete the answer.
    pair.client.open(final_frame).unwrap();
    let event = pair.client.open(end).unwrap();
    assert!(matches!(
        event,
        ClientEvent::End {
            receipt: Some(_),
            ..
        }
    ));
}

#[test]
fn receipt_mismatches_are_errors_that_name_the_field() {
    let good = || usage_record("Hello world", USAGE);
    let host_signed =
        |record: UsageRecord| sign_receipt(record, &host_key(), MessageScheme::ConfideV1);
    let cases: Vec<(String, Option<Usage>, ErrorCode, &str)> = vec![
        (
            host_signed(UsageRecord {
                client_address: SecretKey::from_hex(&"99".repeat(32))
                    .unwrap()
                    .address()
                    .to_checksum(),
                ..good()
            }),
            Some(USAGE),
            ErrorCode::InvalidMessage,
            "`client_address`",
        ),
        (
            host_signed(UsageRecord {
                session_id: "s2".into(),
                ..good()
            }),
            Some(USAGE),
            ErrorCode::InvalidMessage,
            "`session_id`",
        ),
        (
            host_signed(usage_record("Hello world!", USAGE)),
            Some(USAGE),
            ErrorCode::InvalidMessage,
            "`response_sha256`",
        ),
        (
            host_signed(UsageRecord {
                prompt_tokens: 4,
                ..good()
            }),
            Some(USAGE),
            ErrorCode::InvalidMessage,
            "`prompt_tokens` is 4, but stream_end.usage says 3",
        ),
        (
            host_signed(UsageRecord {
                completion_tokens: 9,
                ..good()
            }),
            Some(USAGE),
            ErrorCode::InvalidMessage,
            "`completion_tokens`",
        ),
        (
            host_signed(good()),
            None,
            ErrorCode::InvalidMessage,
            "`usage`",
        ),
        (
            sign_receipt(good(), &host_key(), MessageScheme::LloomV1),
            Some(USAGE),
            ErrorCode::UnsupportedScheme,
            "lloom-v1",
        ),
        (
            json!({"payload": good(), "timestamp": NOW, "scheme": "confide-v1"}).to_string(),
            Some(USAGE),
            ErrorCode::UnsignedMessage,
            "unsigned",
        ),
        (
            json!({"payload": {"a": 1}, "signature": "0x00"}).to_string(),
            Some(USAGE),
            ErrorCode::UnsupportedScheme,
            "",
        ),
        (
            r#""not an envelope""#.to_owned(),
            Some(USAGE),
            ErrorCode::InvalidMessage,
            "",
        ),
    ];
    let (mut pair, genuine_end) = answered_pair();
    for (receipt, usage, code, field) in cases {
        let message = assert_code(
            pair.client.open(&stream_end("m1", usage, Some(receipt))),
            code,
        );
        assert!(message.contains(field), "{message} should name {field}");
        assert!(!message.contains("Hello"), "{message}");
    }
    // None of the rejected ends consumed the response: the genuine one is accepted.
    let event = pair.client.open(&genuine_end);
    assert!(matches!(
        event,
        Ok(ClientEvent::End {
            receipt: Some(_),
            ..
        })
    ));
}

#[test]
fn a_receipt_must_be_signed_by_the_sessions_host() {
    let (mut pair, _) = answered_pair();
    let other = SecretKey::from_hex(&"99".repeat(32)).unwrap();
    let by_other = sign_receipt(
        usage_record("Hello world", USAGE),
        &other,
        MessageScheme::ConfideV1,
    );
    let err = pair
        .client
        .open(&stream_end("m1", Some(USAGE), Some(by_other.clone())))
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidSigner);
    assert_eq!(
        err.detail(),
        Some(&ErrorDetail::InvalidSigner {
            expected: host_key().address(),
            recovered: other.address(),
        })
    );
    // The other key's signature relabelled as the host's: the envelope itself does not verify.
    let relabelled = by_other.replace(
        &other.address().to_checksum(),
        &host_key().address().to_checksum(),
    );
    assert_code(
        pair.client
            .open(&stream_end("m1", Some(USAGE), Some(relabelled))),
        ErrorCode::InvalidSigner,
    );
}

#[test]
fn a_receipt_is_checked_against_its_content_not_the_clock() {
    // Signed a long time ago (or far in the future): no time window applies.
    for timestamp in [1, NOW + 86_400 * 365] {
        let (mut pair, _) = answered_pair();
        let record = UsageRecord {
            timestamp,
            ..usage_record("Hello world", USAGE)
        };
        let options = SignOptions {
            timestamp,
            nonce: None,
            scheme: MessageScheme::ConfideV1,
        };
        let receipt = SignedMessage::sign(record, &host_key(), options)
            .unwrap()
            .to_json();
        let event = pair
            .client
            .open(&stream_end("m1", Some(USAGE), Some(receipt)))
            .unwrap();
        let ClientEvent::End {
            receipt: Some(receipt),
            ..
        } = event
        else {
            panic!("expected a verified End, got {event:?}");
        };
        assert_eq!(receipt.record.timestamp, timestamp);
    }
}

#[test]
fn a_stream_end_without_receipt_is_accepted_as_unverified() {
    let (mut pair, _) = answered_pair();
    let event = pair
        .client
        .open(&stream_end("m1", Some(USAGE), None))
        .unwrap();
    assert!(matches!(event, ClientEvent::End { receipt: None, .. }));
    let json: serde_json::Value = serde_json::from_str(&event.to_json()).unwrap();
    assert_eq!(json["verified"], false);
    assert!(json.get("receipt").is_none());
}
