//! Every error code and limit reachable over the wire, each from a realistic bad input, while a
//! well-behaved client on another connection keeps being served.
//!
//! Codes reached here: ENCRYPTION_NOT_SUPPORTED, DECRYPTION_FAILED, INVALID_SIGNATURE,
//! SESSION_KEY_NOT_FOUND, INVALID_NONCE_SIZE, INVALID_HEX_ENCODING, MISSING_PAYLOAD,
//! MISSING_PAYLOAD_FIELDS, INVALID_KEY, INVALID_SESSION_DATA, INVALID_AAD, REPLAY_DETECTED,
//! NONCE_REUSE, SESSION_ID_IN_USE, UNAUTHORIZED, ENCRYPTION_REQUIRED, INVALID_MESSAGE,
//! MESSAGE_TOO_LARGE, TOO_MANY_SESSIONS, RATE_LIMITED, MODEL_NOT_FOUND, TOKEN_LIMIT_EXCEEDED.
//! HTTP 503 past `max_connections`. Close codes: 1009 (oversized), 1008 (five authentication
//! failures; silent socket), 1007 (text frame that is not UTF-8), 1000 (idle).
//! INFERENCE_FAILED is reached over the wire when an upstream fails (`openai_backend.rs`); llama.cpp
//! failing mid-decode cannot be provoked by input (its mapping is unit-tested in
//! `server/generation.rs`). INTERNAL is never caused by input, by definition.

mod support;

use std::time::Duration;

use confide_core::crypto::{
    RecoverableSignature, SecretKey, SymmetricKey, VByte, derive_session_key, eip191_hash, sha256,
};
use confide_core::e2ee::wire::EncryptedPayload;
use confide_core::e2ee::{ClientEvent, ClientSession, InitSecrets, SignatureScheme};
use confide_core::hex;
use confide_node_server::config::ServerConfig;
use serde_json::{Value, json};
use support::{Client, EncryptedClient, TestServer, greedy, host_key, init_params, wallet};
use tokio_tungstenite::tungstenite::Message;

/// A well-behaved client that must still be served after a bad one misbehaves.
async fn bystander_still_served(server: &TestServer) {
    let mut client =
        EncryptedClient::open(server, SignatureScheme::Eip191, wallet(0x77), "ok").await;
    client.send_prompt("m", &greedy("still here?", 3)).await;
    let events = client.read_response().await;
    assert!(
        matches!(events.last(), Some(ClientEvent::End { .. })),
        "{events:?}"
    );
}

/// An encrypted_session_init whose payload was edited by `edit`.
fn init_frame(edit: impl FnOnce(&mut Value)) -> String {
    let mut session = ClientSession::new(*host_key().public_key(), SignatureScheme::Eip191);
    let init = session
        .init_message(&wallet(2), &mut rand::rng(), &init_params("e"))
        .unwrap();
    let mut frame: Value = serde_json::from_str(&init).unwrap();
    edit(&mut frame["payload"]);
    frame.to_string()
}

/// An EIP-191 init built by hand from the primitives, with arbitrary (encrypted) session data.
fn crafted_init(session_data: &str) -> String {
    let eph = SecretKey::generate(&mut rand::rng());
    let key = derive_session_key(&eph, host_key().public_key(), None, b"");
    let nonce = [7u8; 24];
    let ciphertext = key
        .seal(&nonce, b"session_init", session_data.as_bytes())
        .unwrap();
    let signature =
        RecoverableSignature::sign_prehash(&wallet(2), &eip191_hash(&sha256(&ciphertext)));
    json!({"type":"encrypted_session_init","session_id":"crafted","payload":{
        "ephPubHex": eph.public_key().to_hex(), "ciphertextHex": hex::encode(&ciphertext),
        "signatureHex": hex::encode(&signature.to_bytes(VByte::Ethereum)),
        "nonceHex": hex::encode(&nonce), "aadHex": hex::encode(b"session_init")}})
    .to_string()
}

/// A session whose key the test knows, so it can craft prompts by hand.
async fn known_key_session(server: &TestServer) -> (Client, SymmetricKey) {
    let (mut client, _) = Client::connect(server).await;
    let key = SymmetricKey::from_bytes([0x5a; 32]);
    let secrets = InitSecrets {
        ephemeral: SecretKey::generate(&mut rand::rng()),
        session_key: key.clone(),
        nonce: [1; 24],
        salt: None,
    };
    let mut session = ClientSession::new(*host_key().public_key(), SignatureScheme::Eip191);
    client
        .send(
            session
                .init_message_with(&wallet(9), &init_params("k"), secrets)
                .unwrap(),
        )
        .await;
    assert_eq!(client.recv_json().await["type"], "session_init_ack");
    (client, key)
}

fn message(key: &SymmetricKey, aad: &str, nonce: [u8; 24], request: &Value) -> String {
    let ciphertext = key
        .seal(&nonce, aad.as_bytes(), request.to_string().as_bytes())
        .unwrap();
    json!({"type":"encrypted_message","session_id":"k","id":"m",
        "payload": EncryptedPayload::new(&ciphertext, &nonce, aad.as_bytes(), None)})
    .to_string()
}

/// Reads frames up to the `stream_end` of a valid crafted prompt (so the next prompt with the same
/// id is not refused as "already running").
async fn drain_reply(client: &mut Client) {
    loop {
        let frame = client.recv_json().await;
        if frame["type"] == "stream_end" {
            return;
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn init_errors() {
    let server = TestServer::default().await;
    let (mut client, _) = Client::connect(&server).await;
    let cases: Vec<(String, &str)> = vec![
        (
            init_frame(|p| p["signatureHex"] = json!("00".repeat(64))),
            "INVALID_SIGNATURE",
        ),
        (
            init_frame(|p| p["ciphertextHex"] = json!("zz")),
            "INVALID_HEX_ENCODING",
        ),
        (
            init_frame(|p| p["nonceHex"] = json!("00".repeat(12))),
            "INVALID_NONCE_SIZE",
        ),
        (
            init_frame(|p| p["ephPubHex"] = json!(format!("02{}05", "00".repeat(31)))),
            "INVALID_KEY",
        ),
        (
            init_frame(|p| {
                p.as_object_mut().unwrap().remove("nonceHex");
            }),
            "MISSING_PAYLOAD_FIELDS",
        ),
        (init_frame(|p| *p = Value::Null), "MISSING_PAYLOAD"),
        (
            crafted_init(&format!(
                r#"{{"sessionKey":"{}","pricePerToken":"2000"}}"#,
                "55".repeat(32)
            )),
            "INVALID_SESSION_DATA",
        ),
    ];
    for (frame, code) in cases {
        client.send(frame).await;
        let error = client.expect_error(code).await;
        assert!(!error["message"].as_str().unwrap().contains("5555"));
    }
    // A replayed init.
    let init = init_frame(|_| {});
    client.send(init.clone()).await;
    assert_eq!(client.recv_json().await["type"], "session_init_ack");
    client.send(init).await;
    client.expect_error("REPLAY_DETECTED").await;
    bystander_still_served(&server).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn message_errors() {
    let server = TestServer::default().await;
    let (mut client, key) = known_key_session(&server).await;
    let ok = greedy("hi", 2);
    let first = message(&key, "message_0", [2; 24], &ok);
    client.send(first.clone()).await;
    drain_reply(&mut client).await;
    let cases: Vec<(String, &str)> = vec![
        (first, "REPLAY_DETECTED"),
        (message(&key, "message_1", [2; 24], &ok), "NONCE_REUSE"),
        (message(&key, "msg_1", [3; 24], &ok), "INVALID_AAD"),
        (
            message(
                &SymmetricKey::from_bytes([1; 32]),
                "message_2",
                [4; 24],
                &ok,
            ),
            "DECRYPTION_FAILED",
        ),
        (
            message(
                &key,
                "message_3",
                [5; 24],
                &json!({"prompt":"x","model":"nope"}),
            ),
            "MODEL_NOT_FOUND",
        ),
        (
            message(
                &key,
                "message_4",
                [6; 24],
                &greedy(&"long prompt ".repeat(60), 4),
            ),
            "TOKEN_LIMIT_EXCEEDED",
        ),
        (
            message(&key, "message_5", [7; 24], &json!({"model":"confide-demo"})),
            "INVALID_MESSAGE",
        ),
        (
            json!({"type":"encrypted_message","session_id":"nope","payload":{}}).to_string(),
            "SESSION_KEY_NOT_FOUND",
        ),
        (
            json!({"type":"encrypted_message","session_id":"k"}).to_string(),
            "MISSING_PAYLOAD",
        ),
        (
            json!({"type":"encrypted_message","session_id":"k","payload":{"ciphertextHex":"00"}})
                .to_string(),
            "MISSING_PAYLOAD_FIELDS",
        ),
    ];
    for (frame, code) in cases {
        client.send(frame).await;
        let error = client.expect_error(code).await;
        assert!(
            error["session_id"].is_string(),
            "errors echo the session id: {error}"
        );
    }
    // The session still works after all that.
    client.send(message(&key, "message_9", [9; 24], &ok)).await;
    drain_reply(&mut client).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn session_and_mode_errors() {
    let mut config = ServerConfig::default();
    config.limits.max_sessions_per_connection = 1;
    config.policy.allow_clients = vec![wallet(0x77).address(), wallet(2).address()];
    let server = TestServer::start(config, true).await;
    let (mut client, _) = Client::connect(&server).await;
    // Not on the allow-list.
    let mut stranger = ClientSession::new(*host_key().public_key(), SignatureScheme::Eip191);
    client
        .send(
            stranger
                .init_message(&wallet(3), &mut rand::rng(), &init_params("u"))
                .unwrap(),
        )
        .await;
    let error = client.expect_error("UNAUTHORIZED").await;
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains(&wallet(3).address().to_checksum())
    );
    // One session allowed per connection.
    client.send(init_frame(|_| {})).await;
    assert_eq!(client.recv_json().await["type"], "session_init_ack");
    client
        .send(json!({"type":"session_init","session_id":"second"}).to_string())
        .await;
    client.expect_error("TOO_MANY_SESSIONS").await;
    // Plaintext on an encrypted session id.
    client
        .send(json!({"type":"session_init","session_id":"e"}).to_string())
        .await;
    client.expect_error("SESSION_ID_IN_USE").await;
    client
        .send(json!({"type":"prompt","session_id":"e","prompt":"hi"}).to_string())
        .await;
    client.expect_error("ENCRYPTION_REQUIRED").await;
    client
        .send(json!({"type":"prompt","session_id":"never","prompt":"hi"}).to_string())
        .await;
    client.expect_error("SESSION_KEY_NOT_FOUND").await;
    bystander_still_served(&server).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn hosts_without_a_key_or_requiring_encryption() {
    let keyless = TestServer::start(ServerConfig::default(), false).await;
    let (mut client, greeting) = Client::connect(&keyless).await;
    assert_eq!(greeting["encryption"], false);
    client.send(init_frame(|_| {})).await;
    client.expect_error("ENCRYPTION_NOT_SUPPORTED").await;
    let (status, info) = keyless.get("/v1/info").await;
    assert_eq!(status, 200);
    assert!(
        info.contains(r#""encryption":false"#) && info.contains(r#""publicKey":null"#),
        "{info}"
    );

    let mut config = ServerConfig::default();
    config.policy.require_encryption = true;
    let strict = TestServer::start(config, true).await;
    let (mut client, _) = Client::connect(&strict).await;
    client
        .send(json!({"type":"session_init","session_id":"p"}).to_string())
        .await;
    client.expect_error("ENCRYPTION_REQUIRED").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn garbage_frames_get_errors_and_the_connection_stays() {
    let server = TestServer::default().await;
    let (mut client, _) = Client::connect(&server).await;
    for garbage in [
        "not json",
        r#"{"type":"warp_drive","id":"g1","session_id":"s"}"#,
        r#"{"type":"encrypted_message","session_id":{"nested":true}}"#,
        r#"{"type":"encrypted_message","session_id":"s","payload":{"nonceHex":123456789012345678901234567890}}"#,
        "[]",
    ] {
        client.send(garbage).await;
        let error = client.expect_error("INVALID_MESSAGE").await;
        assert!(!error["message"].as_str().unwrap().contains("nested"));
    }
    // Unknown types echo the ids they carried.
    client
        .send(r#"{"type":"warp_drive","id":"g1","session_id":"s"}"#)
        .await;
    let error = client.expect_error("INVALID_MESSAGE").await;
    assert_eq!(
        (error["id"].as_str(), error["session_id"].as_str()),
        (Some("g1"), Some("s"))
    );
    // A binary frame that is not UTF-8 is an error frame, not a disconnect.
    client.socket.send_binary(vec![0xff, 0xfe, 0x00]).await;
    client.expect_error("INVALID_MESSAGE").await;
    client.send(r#"{"type":"ping"}"#).await;
    assert_eq!(client.recv_json().await["type"], "pong");
}

#[tokio::test(flavor = "multi_thread")]
async fn oversized_frames_close_with_1009_after_message_too_large() {
    let mut config = ServerConfig::default();
    config.limits.max_frame_bytes = 4096;
    let server = TestServer::start(config, true).await;
    let (mut client, _) = Client::connect(&server).await;
    client.send("x".repeat(5000)).await;
    client.expect_error("MESSAGE_TOO_LARGE").await;
    assert_eq!(u16::from(client.expect_close().await), 1009);
    bystander_still_served(&server).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_utf8_text_frames_close_with_1007() {
    let server = TestServer::default().await;
    let (mut client, _) = Client::connect(&server).await;
    client.socket.send_raw_invalid_text().await;
    assert_eq!(u16::from(client.expect_close().await), 1007);
    bystander_still_served(&server).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn five_authentication_failures_are_answered_and_the_sixth_closes_with_1008() {
    let server = TestServer::default().await;
    let (mut client, _key) = known_key_session(&server).await;
    let wrong = SymmetricKey::from_bytes([1; 32]);
    // E2EE.md §5: five failures are answered with error frames, the sixth closes.
    for n in 0..6u8 {
        client
            .send(message(
                &wrong,
                &format!("message_{n}"),
                [n + 10; 24],
                &greedy("x", 1),
            ))
            .await;
        client.expect_error("DECRYPTION_FAILED").await;
    }
    assert_eq!(u16::from(client.expect_close().await), 1008);
    bystander_still_served(&server).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn rate_limit_answers_rate_limited() {
    let mut config = ServerConfig::default();
    config.limits.rate_limit = 2; // bursts of 4
    let server = TestServer::start(config, true).await;
    let (mut client, _) = Client::connect(&server).await;
    for _ in 0..10 {
        client.send(r#"{"type":"ping"}"#).await;
    }
    let mut kinds = Vec::new();
    for _ in 0..10 {
        let frame = client.recv_json().await;
        kinds.push(
            frame["code"]
                .as_str()
                .unwrap_or(frame["type"].as_str().unwrap())
                .to_owned(),
        );
    }
    assert!(
        kinds.iter().filter(|k| *k == "pong").count() >= 4,
        "{kinds:?}"
    );
    assert!(kinds.contains(&"RATE_LIMITED".to_owned()), "{kinds:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn silent_and_idle_sockets_are_closed() {
    let mut config = ServerConfig::default();
    // Generous enough that a loaded CI machine still delivers the ping in time.
    config.limits.handshake_timeout = Duration::from_secs(1);
    config.limits.idle_timeout = Duration::from_secs(3);
    let server = TestServer::start(config, true).await;
    let (mut silent, _) = Client::connect(&server).await;
    assert_eq!(u16::from(silent.expect_close().await), 1008);
    let (mut idle, _) = Client::connect(&server).await;
    idle.send(r#"{"type":"ping"}"#).await;
    assert_eq!(idle.recv_json().await["type"], "pong");
    assert_eq!(u16::from(idle.expect_close().await), 1000);
}

#[tokio::test(flavor = "multi_thread")]
async fn connections_past_the_limit_get_503_until_one_closes() {
    let mut config = ServerConfig::default();
    config.limits.max_connections = 1;
    let server = TestServer::start(config, true).await;
    let (first, _) = Client::connect(&server).await;
    let refused = tokio_tungstenite::connect_async(server.ws_url())
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("503"), "{refused}");
    drop(first);
    // The slot is released when the first connection's task ends.
    for attempt in 0.. {
        match tokio_tungstenite::connect_async(server.ws_url()).await {
            Ok(_) => break,
            Err(_) if attempt < 200 => tokio::time::sleep(Duration::from_millis(25)).await,
            Err(error) => panic!("the slot was never released: {error}"),
        }
    }
}

/// Sending a text frame with invalid UTF-8 needs the raw frame API.
trait RawInvalidText {
    async fn send_raw_invalid_text(&mut self);
    async fn send_binary(&mut self, bytes: Vec<u8>);
}

impl<S> RawInvalidText for tokio_tungstenite::WebSocketStream<S>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    async fn send_raw_invalid_text(&mut self) {
        use futures_util::SinkExt;
        use tokio_tungstenite::tungstenite::protocol::frame::{
            Frame,
            coding::{Data, OpCode},
        };
        let frame = Frame::message(vec![0xff, 0xfe, 0xfd], OpCode::Data(Data::Text), true);
        self.send(Message::Frame(frame)).await.unwrap();
    }

    async fn send_binary(&mut self, bytes: Vec<u8>) {
        use futures_util::SinkExt;
        self.send(Message::binary(bytes)).await.unwrap();
    }
}
