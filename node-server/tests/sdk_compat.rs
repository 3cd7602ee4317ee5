//! The deployed Fabstir SDK's wire, exactly as its `SessionManager` and `WebSocketClient` use it,
//! against a real host over real sockets (E2EE.md §3–§6, NODE_SERVER.md "HTTP"): the id-less
//! cancel, plaintext prompts without `session_id`, the closing handshake both ways, `error_code`,
//! the token-limit counts, the context window, `max_tokens_capped`, model aliases, and the
//! `/v1/health`, `/v1/auth/challenge` and `/v1/inference` endpoints.

mod support;

use std::time::Duration;

use confide_core::crypto::{Address, RecoverableSignature, sha256};
use confide_core::e2ee::{ClientEvent, SignatureScheme};
use confide_core::hex;
use confide_core::signed::{RawSignedMessage, UsageRecord, VerifyPolicy};
use confide_node_server::backend::Backend;
use confide_node_server::clock::unix_now;
use confide_node_server::config::ServerConfig;
use confide_node_server::server::ServedModel;
use confide_node_server::upstream::{OpenAiUpstream, UpstreamConfig};
use futures_util::SinkExt;
use serde_json::{Value, json};
use support::{
    Client, EncryptedClient, TestServer, check_response, demo_engine, greedy, host_key, wallet,
};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

/// The on-chain model string the SDK sends.
const ON_CHAIN_NAME: &str = "CohereForAI/TinyVicuna-1B-32k-GGUF:tiny-vicuna-1b.q4_k_m.gguf";

/// The demo model, also named by its on-chain string.
async fn aliased_server(config: ServerConfig) -> TestServer {
    let mut model = ServedModel::new(Backend::Llama(demo_engine()));
    model.aliases.push(ON_CHAIN_NAME.to_owned());
    TestServer::serving(config, true, model).await
}

/// The SDK's plaintext prompt: no `session_id`, the job id as a string, the request nested.
fn sdk_prompt(job_id: &str, prompt: &str, max_tokens: u32) -> String {
    json!({"type": "prompt", "chain_id": 84532, "jobId": job_id, "prompt": prompt,
        "request": {"model": ON_CHAIN_NAME, "prompt": prompt, "max_tokens": max_tokens,
            "temperature": 0.0, "stream": true},
        "id": format!("req-{job_id}")})
    .to_string()
}

/// Reads a plaintext answer up to its `stream_end`; returns the text and the `stream_end`.
async fn plaintext_answer(client: &mut Client) -> (String, Value) {
    let mut text = String::new();
    loop {
        let frame = client.recv_json().await;
        match frame["type"].as_str() {
            Some("stream_chunk") => text.push_str(frame["content"].as_str().unwrap()),
            Some("stream_end") => return (text, frame),
            _ => panic!("unexpected frame {frame}"),
        }
    }
}

#[tokio::test]
async fn a_cancel_without_id_stops_the_answer_and_the_receipt_bills_what_was_generated() {
    let server = TestServer::default().await;
    let mut client =
        EncryptedClient::open(&server, SignatureScheme::SdkTranscript, wallet(3), "1917").await;
    client.send_prompt("m1", &greedy("Count slowly", 250)).await;
    let first = client.client.recv_text().await;
    assert!(matches!(
        client.session.open(&first).unwrap(),
        ClientEvent::Chunk { index: 0, .. }
    ));
    client
        .client
        .send(r#"{"type":"stream_cancel","session_id":"1917","reason":"user_cancelled"}"#)
        .await;
    let rest = client.read_response().await;
    let Some(ClientEvent::End {
        finish_reason,
        usage,
        receipt,
        ..
    }) = rest.last()
    else {
        panic!("expected the end, got {rest:?}");
    };
    assert_eq!(finish_reason.as_deref(), Some("cancelled"));
    let usage = usage.unwrap();
    assert!(usage.completion_tokens < 250, "{usage:?}");
    assert_eq!(usage.context_window_size, Some(512));
    // The client verified the receipt against the text it decrypted and these counts.
    let receipt = receipt.as_ref().expect("a verified receipt");
    assert_eq!(receipt.record.completion_tokens, usage.completion_tokens);
}

#[tokio::test]
async fn a_plaintext_prompt_without_session_id_is_answered_in_the_connections_session() {
    let server = aliased_server(ServerConfig::default()).await;
    let (mut client, _) = Client::connect(&server).await;
    client
        .send(r#"{"type":"session_init","session_id":"1917","jobId":"1919","chain_id":84532}"#)
        .await;
    assert_eq!(client.recv_json().await["type"], "session_init_ack");
    client.send(sdk_prompt("1919", "Hello", 8)).await;
    let (text, end) = plaintext_answer(&mut client).await;
    assert!(!text.is_empty());
    assert_eq!(end["session_id"], "1917");
    assert_eq!(end["id"], "req-1919");
    assert_eq!(end["usage"]["completion_tokens"], 8);
    assert_eq!(end["usage"]["context_window_size"], 512);
    assert!(end.get("max_tokens_capped").is_none(), "{end}");

    // Above the host's --max-tokens (256 here): lowered, and stream_end says so.
    client.send(sdk_prompt("1919", "Hello", 100_000)).await;
    let (_, end) = plaintext_answer(&mut client).await;
    assert_eq!(end["max_tokens_capped"], true, "{end}");
    assert_eq!(end["usage"]["completion_tokens"], 256);

    let (_, info) = server.get("/v1/info").await;
    let info: Value = serde_json::from_str(&info).unwrap();
    assert_eq!(info["models"][0]["aliases"], json!([ON_CHAIN_NAME]));
}

#[tokio::test]
async fn errors_carry_error_code_and_a_token_limit_carries_its_counts() {
    let server = aliased_server(ServerConfig::default()).await;
    let (mut client, _) = Client::connect(&server).await;
    client
        .send(r#"{"type":"session_init","session_id":"s","jobId":1}"#)
        .await;
    client.recv_json().await;
    client.send(sdk_prompt("1", &"word ".repeat(600), 8)).await;
    let error = client.expect_error("TOKEN_LIMIT_EXCEEDED").await;
    assert_eq!(error["error_code"], "TOKEN_LIMIT_EXCEEDED");
    assert_eq!(error["context_window_size"], 512);
    assert!(error["prompt_tokens"].as_u64().unwrap() > 512, "{error}");

    client
        .send(
            json!({"type": "prompt", "session_id": "s", "model": "gpt-4", "prompt": "x"})
                .to_string(),
        )
        .await;
    let error = client.expect_error("MODEL_NOT_FOUND").await;
    assert_eq!(error["error_code"], "MODEL_NOT_FOUND");
}

#[tokio::test]
async fn a_clients_close_is_answered_with_the_same_code() {
    let server = TestServer::default().await;
    let (mut client, _) = Client::connect(&server).await;
    client
        .socket
        .send(Message::Close(Some(CloseFrame {
            code: CloseCode::Normal,
            reason: "bye".into(),
        })))
        .await
        .unwrap();
    assert_eq!(client.expect_close().await, CloseCode::Normal);
}

#[tokio::test]
async fn a_client_still_sending_reads_the_hosts_close_code() {
    let mut config = ServerConfig::default();
    config.limits.max_frame_bytes = 64 * 1024;
    config.limits.rate_limit = 1000;
    let server = TestServer::start(config, true).await;
    let (mut client, _) = Client::connect(&server).await;
    client.send("x".repeat(2 << 20)).await;
    // Keep sending while the host closes: the host reads on until our Close, so no reset
    // destroys its close frame.
    for _ in 0..20 {
        if client
            .socket
            .send(Message::text(r#"{"type":"ping"}"#))
            .await
            .is_err()
        {
            break;
        }
    }
    assert_eq!(u16::from(client.expect_close().await), 1009);
}

async fn json_of(reply: (u16, String)) -> (u16, Value) {
    (reply.0, serde_json::from_str(&reply.1).unwrap())
}

#[tokio::test]
async fn health_reports_a_real_check() {
    let server = TestServer::default().await;
    for path in ["/health", "/v1/health"] {
        let (status, body) = json_of(server.get(path).await).await;
        assert_eq!(
            (status, &body),
            (200, &json!({"status": "healthy", "issues": []}))
        );
    }
    let keyless = TestServer::start(ServerConfig::default(), false).await;
    let (status, body) = json_of(keyless.get("/v1/health").await).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("degraded")));
    assert!(body["issues"][0].as_str().unwrap().contains("encryption"));

    // An upstream whose port nobody listens on: the host cannot generate.
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let upstream = OpenAiUpstream::new(UpstreamConfig {
        context_length: 2048,
        max_tokens: 64,
        response_timeout: Duration::from_secs(5),
        ..UpstreamConfig::new(format!("http://127.0.0.1:{closed_port}/v1"), "remote")
    })
    .unwrap();
    let unreachable = TestServer::serving(
        ServerConfig::default(),
        true,
        ServedModel::new(Backend::OpenAi(std::sync::Arc::new(upstream))),
    )
    .await;
    let (status, body) = json_of(unreachable.get("/v1/health").await).await;
    assert_eq!((status, body["status"].as_str()), (503, Some("unhealthy")));
    assert!(body["issues"][0].as_str().unwrap().contains("unreachable"));
    assert!(
        !body.to_string().contains(&closed_port.to_string()),
        "no upstream address"
    );
}

#[tokio::test]
async fn the_auth_challenge_answer_recovers_the_host_key() {
    let server = TestServer::default().await;
    let challenge = [0x5au8; 32];
    let (status, body) = json_of(
        server
            .post(
                "/v1/auth/challenge",
                &json!({"challenge": hex::encode(&challenge)}).to_string(),
            )
            .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let mut signature = hex::decode("signature", body["signature"].as_str().unwrap()).unwrap();
    assert_eq!(signature.len(), 64);
    signature.push(u8::try_from(body["recid"].as_u64().unwrap()).unwrap());
    let recovered = RecoverableSignature::from_bytes(&signature)
        .unwrap()
        .recover(&sha256(&challenge))
        .unwrap();
    assert_eq!(recovered, *host_key().public_key());

    for (bad, code) in [
        (json!({"challenge": "ab".repeat(31)}), "INVALID_ARGUMENT"),
        (
            json!({"challenge": "zz".repeat(32)}),
            "INVALID_HEX_ENCODING",
        ),
        (json!({"nonce": 1}), "INVALID_MESSAGE"),
    ] {
        let (status, body) =
            json_of(server.post("/v1/auth/challenge", &bad.to_string()).await).await;
        assert_eq!((status, body["code"].as_str()), (400, Some(code)), "{bad}");
    }
    assert_eq!(server.get("/v1/auth/challenge").await.0, 405);
    let keyless = TestServer::start(ServerConfig::default(), false).await;
    let body = json!({"challenge": hex::encode(&challenge)}).to_string();
    assert_eq!(keyless.post("/v1/auth/challenge", &body).await.0, 501);
}

#[tokio::test]
async fn one_shot_inference_answers_with_usage_and_a_receipt() {
    let server = aliased_server(ServerConfig::default()).await;
    let request = json!({"model": ON_CHAIN_NAME, "prompt": "Hello", "max_tokens": 6,
        "temperature": 0.0, "sessionId": "1917", "jobId": "1919"});
    let (status, text) = server.post("/v1/inference", &request.to_string()).await;
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["model"], "confide-demo");
    assert_eq!(body["finish_reason"], "length");
    assert_eq!(body["usage"]["completion_tokens"], 6);
    assert_eq!(body["usage"]["context_window_size"], 512);
    let response = body["response"].as_str().unwrap();
    // The receipt's bytes as sent (re-serialising a parsed copy would reorder its keys).
    let fields: std::collections::HashMap<String, Box<serde_json::value::RawValue>> =
        serde_json::from_str(&text).unwrap();
    let receipt = RawSignedMessage::parse(fields["receipt"].get()).unwrap();
    let verified = receipt
        .verify(&VerifyPolicy::default(), unix_now())
        .unwrap();
    assert_eq!(verified.signer, Some(host_key().address()));
    let record: UsageRecord = receipt.payload().unwrap();
    assert_eq!(
        record.response_sha256,
        hex::encode(&sha256(response.as_bytes()))
    );
    assert_eq!(
        (record.session_id.as_str(), record.job_id.as_deref()),
        ("1917", Some("1919"))
    );
    assert_eq!(record.completion_tokens, 6);

    let unknown = json!({"model": "gpt-4", "prompt": "Hello"}).to_string();
    let (status, body) = json_of(server.post("/v1/inference", &unknown).await).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("MODEL_NOT_FOUND"))
    );
    let (status, body) = json_of(server.post("/v1/inference", "[1,2]").await).await;
    assert_eq!(
        (status, body["error_code"].as_str()),
        (400, Some("INVALID_MESSAGE"))
    );

    let mut strict = ServerConfig::default();
    strict.policy.require_encryption = true;
    let strict = TestServer::start(strict, true).await;
    let (status, body) = json_of(strict.post("/v1/inference", &request.to_string()).await).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("ENCRYPTION_REQUIRED"))
    );
}

#[tokio::test]
async fn an_encrypted_session_reports_the_cap_and_the_context_window() {
    let server = TestServer::default().await;
    let mut client =
        EncryptedClient::open(&server, SignatureScheme::Eip191, wallet(4), "cap").await;
    client.send_prompt("m", &greedy("Hi", 1_000)).await;
    let events = client.read_response().await;
    let host = Address::parse(&host_key().address().to_checksum()).unwrap();
    let checked = check_response(&events, &host, &wallet(4).address());
    assert_eq!(checked.usage.completion_tokens, 256);
    assert_eq!(checked.usage.context_window_size, Some(512));
    assert!(matches!(
        events.last(),
        Some(ClientEvent::End {
            max_tokens_capped: true,
            ..
        })
    ));
}
