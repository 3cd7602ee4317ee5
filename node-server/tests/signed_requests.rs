//! Signed prompts over the wire: `signed_request` (a SignedMessage<LlmRequest>) is verified,
//! bound to the session's client and to this host, replay-protected across the host, and its
//! content is what runs; `--require-signed-requests` refuses prompts without one.

mod support;

use confide_core::crypto::{Address, SecretKey};
use confide_core::e2ee::{ClientEvent, SignatureScheme};
use confide_core::signed::{LlmRequest, MessageScheme, SignOptions, SignedMessage};
use confide_node_server::clock::unix_now;
use confide_node_server::config::ServerConfig;
use serde_json::json;
use support::{Client, EncryptedClient, TestServer, greedy, host_key, text_of, wallet};

const SIGNED_PROMPT: &str = "signed prompt";

/// A signed request from `signer` to `executor`, as envelope JSON text (kept as text: parsing it
/// into a `Value` would reorder the signed payload's keys).
fn signed_request(
    signer: &SecretKey,
    executor: Address,
    nonce: u64,
    timestamp: u64,
    deadline: u64,
) -> String {
    let request = LlmRequest {
        model: "confide-demo".into(),
        prompt: SIGNED_PROMPT.into(),
        system_prompt: None,
        temperature: Some(0.0),
        max_tokens: Some(6),
        executor_address: executor.to_checksum(),
        inbound_price: "1".into(),
        outbound_price: "2".into(),
        nonce,
        deadline,
    };
    let options = SignOptions {
        timestamp,
        nonce: Some(nonce),
        scheme: MessageScheme::ConfideV1,
    };
    SignedMessage::sign(request, signer, options)
        .unwrap()
        .to_json()
}

fn valid(signer: &SecretKey, nonce: u64) -> String {
    let now = unix_now();
    signed_request(signer, host_key().address(), nonce, now, now + 60)
}

/// A prompt carrying `signed`; its outer, unsigned fields deliberately disagree with it.
fn prompt_with(signed: &str) -> String {
    format!(r#"{{"prompt":"IGNORED","max_tokens":3,"temperature":0.9,"signed_request":{signed}}}"#)
}

async fn expect_error(client: &mut EncryptedClient, id: &str, prompt: &str, code: &str) {
    client.send_prompt_text(id, prompt).await;
    let events = client.read_response().await;
    assert!(
        matches!(events.as_slice(), [ClientEvent::Error { code: c, .. }] if c == code),
        "expected {code}, got {events:?}"
    );
}

/// Text and completion tokens of a finished response.
fn outcome(events: &[ClientEvent]) -> (String, u64) {
    let Some(ClientEvent::End { usage, .. }) = events.last() else {
        panic!("expected End, got {events:?}");
    };
    (text_of(events), usage.unwrap().completion_tokens)
}

#[tokio::test(flavor = "multi_thread")]
async fn required_hosts_refuse_unsigned_prompts_and_run_exactly_the_signed_content() {
    // What the signed request should produce, from a host that runs the same prompt unsigned.
    let reference_host = TestServer::default().await;
    let mut reference =
        EncryptedClient::open(&reference_host, SignatureScheme::Eip191, wallet(0x50), "r").await;
    reference.send_prompt("r", &greedy(SIGNED_PROMPT, 6)).await;
    let expected = outcome(&reference.read_response().await);

    let mut config = ServerConfig::default();
    config.policy.require_signed_requests = true;
    let server = TestServer::start(config, true).await;
    let signer = wallet(0x51);
    let mut client =
        EncryptedClient::open(&server, SignatureScheme::Eip191, signer.clone(), "s").await;
    expect_error(
        &mut client,
        "unsigned",
        &greedy("hi", 4).to_string(),
        "UNSIGNED_MESSAGE",
    )
    .await;
    let signed = valid(&signer, 1);
    client
        .send_prompt_text("signed", &prompt_with(&signed))
        .await;
    assert_eq!(outcome(&client.read_response().await), expected);
    // The same signed request again, even wrapped in a new prompt id, is a replay.
    expect_error(
        &mut client,
        "again",
        &prompt_with(&signed),
        "REPLAY_DETECTED",
    )
    .await;

    // Plaintext sessions have no client address: any valid signature will do.
    let (mut plain, _) = Client::connect(&server).await;
    plain
        .send(json!({"type":"session_init","session_id":"p"}).to_string())
        .await;
    assert_eq!(plain.recv_json().await["type"], "session_init_ack");
    let request = prompt_with(&valid(&wallet(0x52), 2));
    plain
        .send(format!(
            r#"{{"type":"prompt","session_id":"p","id":"q","request":{request}}}"#
        ))
        .await;
    let mut text = String::new();
    loop {
        let frame = plain.recv_json().await;
        match frame["type"].as_str() {
            Some("stream_chunk") => text.push_str(frame["content"].as_str().unwrap()),
            Some("stream_end") => {
                assert_eq!(frame["usage"]["completion_tokens"], 6);
                break;
            }
            _ => panic!("unexpected {frame}"),
        }
    }
    assert_eq!(text, expected.0);
}

#[tokio::test(flavor = "multi_thread")]
async fn signed_requests_must_come_from_the_client_for_this_host_in_time() {
    let server = TestServer::default().await;
    let signer = wallet(0x53);
    let mut client =
        EncryptedClient::open(&server, SignatureScheme::Eip191, signer.clone(), "s").await;
    let now = unix_now();
    let cases = [
        (valid(&wallet(0x54), 10), "INVALID_SIGNER"),
        (
            signed_request(&signer, wallet(0x55).address(), 11, now, now + 60),
            "UNAUTHORIZED",
        ),
        (
            signed_request(&signer, host_key().address(), 12, now - 120, now - 60),
            "MESSAGE_EXPIRED",
        ),
        (
            signed_request(&signer, host_key().address(), 13, now - 1_000, now + 60),
            "MESSAGE_EXPIRED",
        ),
        (
            signed_request(&signer, host_key().address(), 14, now + 1_000, now + 2_000),
            "MESSAGE_FROM_FUTURE",
        ),
    ];
    for (n, (signed, code)) in cases.into_iter().enumerate() {
        expect_error(
            &mut client,
            &format!("bad-{n}"),
            &prompt_with(&signed),
            code,
        )
        .await;
    }
    let tampered = valid(&signer, 15).replace(r#""max_tokens":6"#, r#""max_tokens":200"#);
    assert!(tampered.contains(r#""max_tokens":200"#));
    expect_error(
        &mut client,
        "tampered",
        &prompt_with(&tampered),
        "INVALID_SIGNER",
    )
    .await;
    // Without --require-signed-requests, unsigned prompts still run.
    client.send_prompt("plain", &greedy("hi", 2)).await;
    assert_eq!(outcome(&client.read_response().await).1, 2);
}
