//! The host over real WebSockets on 127.0.0.1 with real llama.cpp output from the demo model: both
//! signature schemes, streaming, plaintext mode, cancel, disconnect, concurrency, receipts,
//! `/v1/info`, `/health`, `/metrics`, graceful shutdown.

mod support;

use confide_core::crypto::Address;
use confide_core::e2ee::{ClientEvent, SignatureScheme};
use serde_json::{Value, json};
use support::{Client, EncryptedClient, TestServer, check_response, greedy, host_key, wallet};

/// [`check_response`] for the demo model: greedy output runs to `max_tokens`, and the receipt names
/// the demo model and the chain of the init.
fn check_demo_response(
    events: &[ClientEvent],
    info: &Value,
    client: &Address,
    max_tokens: u64,
) -> String {
    let host = Address::parse(info["address"].as_str().unwrap()).unwrap();
    let checked = check_response(events, &host, client);
    assert_eq!(checked.finish_reason, "length");
    assert_eq!(
        checked.usage.completion_tokens, max_tokens,
        "greedy demo output runs to max_tokens"
    );
    assert_eq!(checked.record.model, "confide-demo");
    assert_eq!(checked.record.chain_id, Some(84532));
    checked.text
}

async fn info(server: &TestServer) -> Value {
    let (status, body) = server.get("/v1/info").await;
    assert_eq!(status, 200);
    serde_json::from_str(&body).unwrap()
}

async fn plaintext_reply(server: &TestServer, prompt: &Value) -> String {
    let (mut client, greeting) = Client::connect(server).await;
    assert_eq!(greeting["encryption"], true);
    client
        .send(
            json!({"type":"session_init","session_id":"p1","job_id":"7","chain_id":1}).to_string(),
        )
        .await;
    let ack = client.recv_json().await;
    assert_eq!(
        (ack["type"].as_str(), ack["encrypted"].as_bool()),
        (Some("session_init_ack"), Some(false))
    );
    client
        .send(json!({"type":"prompt","session_id":"p1","id":"q","request":prompt}).to_string())
        .await;
    let mut text = String::new();
    let mut index = 0;
    loop {
        let frame = client.recv_json().await;
        match frame["type"].as_str() {
            Some("stream_chunk") => {
                assert_eq!(frame["index"], index);
                assert_eq!(frame["id"], "q");
                index += 1;
                text.push_str(frame["content"].as_str().unwrap());
            }
            Some("stream_end") => {
                assert_eq!(frame["finish_reason"], "length");
                assert!(frame["receipt"]["signature"].is_string());
                return text;
            }
            other => panic!("unexpected {other:?}: {frame}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn both_schemes_stream_two_prompts_per_session_with_verified_receipts() {
    let server = TestServer::default().await;
    let info = info(&server).await;
    let plaintext = plaintext_reply(&server, &greedy("Tell me a story", 24)).await;
    for (n, scheme) in [SignatureScheme::Eip191, SignatureScheme::SdkTranscript]
        .into_iter()
        .enumerate()
    {
        let mut client = EncryptedClient::open(&server, scheme, wallet(0x21 + n as u8), "s1").await;
        let address = client.wallet.address();
        client
            .send_prompt("m1", &greedy("Tell me a story", 24))
            .await;
        let first = check_demo_response(&client.read_response().await, &info, &address, 24);
        // Encryption changes nothing about what the model says: same greedy text as plaintext.
        assert_eq!(first, plaintext);
        client.send_prompt("m2", &greedy("Another one", 16)).await;
        let second = check_demo_response(&client.read_response().await, &info, &address, 16);
        assert_ne!(second, first);
    }
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn chat_messages_use_the_template() {
    let server = TestServer::default().await;
    let mut client = EncryptedClient::open(&server, SignatureScheme::Eip191, wallet(3), "c").await;
    let request = json!({"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"}],
                         "max_tokens": 8, "temperature": 0.0});
    client.send_prompt("m", &request).await;
    let events = client.read_response().await;
    let ClientEvent::End { usage, .. } = events.last().unwrap() else {
        panic!()
    };
    // ChatML adds role markers: the prompt is longer than the two contents alone.
    assert!(usage.unwrap().prompt_tokens > "Be brief.Hi".len() as u64);
}

#[tokio::test(flavor = "multi_thread")]
async fn cancel_stops_the_generation_early() {
    let server = TestServer::default().await;
    let mut client = EncryptedClient::open(&server, SignatureScheme::Eip191, wallet(4), "s").await;
    client.send_prompt("long", &greedy("Go on", 250)).await;
    let first = client.client.recv_text().await;
    assert!(matches!(
        client.session.open(&first).unwrap(),
        ClientEvent::Chunk { index: 0, .. }
    ));
    client
        .client
        .send(json!({"type":"stream_cancel","session_id":"s","id":"long"}).to_string())
        .await;
    let events = client.read_response().await;
    let ClientEvent::End {
        finish_reason,
        usage,
        ..
    } = events.last().unwrap()
    else {
        panic!()
    };
    assert_eq!(finish_reason.as_deref(), Some("cancelled"));
    assert!(usage.unwrap().completion_tokens < 250);
    assert!(events.iter().any(
        |e| matches!(e, ClientEvent::Final { finish_reason, .. } if finish_reason == "cancelled")
    ));
}

async fn wait_for_metric(server: &TestServer, name: &str, expected: f64) {
    for _ in 0..200 {
        if server.metric(name).await == expected {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("{name} never reached {expected}");
}

#[tokio::test(flavor = "multi_thread")]
async fn disconnect_clears_the_session_and_stops_generation() {
    let server = TestServer::default().await;
    let encrypted = r#"confide_sessions_active{kind="encrypted"}"#;
    let mut client = EncryptedClient::open(&server, SignatureScheme::Eip191, wallet(5), "s").await;
    assert_eq!(server.metric(encrypted).await, 1.0);
    client.send_prompt("m", &greedy("Keep going", 250)).await;
    let _ = client.client.recv_text().await;
    drop(client);
    wait_for_metric(&server, encrypted, 0.0).await;
    wait_for_metric(&server, "confide_connections_active", 0.0).await;
    // Both slots are free again: two generations at once still complete.
    let mut a = EncryptedClient::open(&server, SignatureScheme::Eip191, wallet(6), "a").await;
    let mut b = EncryptedClient::open(&server, SignatureScheme::Eip191, wallet(7), "b").await;
    a.send_prompt("m", &greedy("x", 4)).await;
    b.send_prompt("m", &greedy("y", 4)).await;
    assert!(matches!(
        a.read_response().await.last(),
        Some(ClientEvent::End { .. })
    ));
    assert!(matches!(
        b.read_response().await.last(),
        Some(ClientEvent::End { .. })
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn thirty_two_concurrent_sessions_never_see_each_others_text() {
    let server = TestServer::default().await;
    let info = info(&server).await;
    let prompts = ["alpha", "bravo", "charlie", "delta"];
    let mut reference = Vec::new();
    for prompt in prompts {
        reference.push(plaintext_reply(&server, &greedy(prompt, 12)).await);
    }
    let tasks: Vec<_> = (0..32u8)
        .map(|n| {
            let url = server.ws_url();
            let which = usize::from(n) % prompts.len();
            let prompt = prompts[which];
            let info = info.clone();
            tokio::spawn(async move {
                // Every connection uses the same session id: sessions are per connection.
                let mut client = EncryptedClient::open_url(
                    &url,
                    SignatureScheme::Eip191,
                    wallet(0x40 + n),
                    "same-id",
                )
                .await;
                client.send_prompt("m", &greedy(prompt, 12)).await;
                let address = client.wallet.address();
                (
                    which,
                    check_demo_response(&client.read_response().await, &info, &address, 12),
                )
            })
        })
        .collect();
    for task in tasks {
        let (which, text) = task.await.unwrap();
        assert_eq!(text, reference[which]);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn info_health_metrics_and_http_errors() {
    let server = TestServer::default().await;
    let info = info(&server).await;
    let key = host_key();
    assert_eq!(
        info["publicKey"],
        format!("0x{}", key.public_key().to_hex())
    );
    assert_eq!(info["address"], key.address().to_checksum());
    assert_eq!(info["encryption"], true);
    assert_eq!(info["models"][0]["id"], "confide-demo");
    assert_eq!(info["models"][0]["context_length"], 512);
    assert_eq!(info["schemes"], json!(["eip191", "sdk-transcript"]));
    let (status, health) = server.get("/health").await;
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_str::<Value>(&health).unwrap(),
        json!({"status": "healthy", "issues": []})
    );
    let (status, metrics) = server.get("/metrics").await;
    assert_eq!(status, 200);
    assert!(metrics.contains("confide_connections_total"), "{metrics}");
    assert_eq!(server.get("/nope").await.0, 404);
    let (status, _) = server.get("/v1/ws").await; // not an upgrade
    assert_eq!(status, 400);
}

#[tokio::test(flavor = "multi_thread")]
async fn shutdown_lets_running_generations_finish_then_closes_with_1001() {
    let server = TestServer::default().await;
    let mut client = EncryptedClient::open(&server, SignatureScheme::Eip191, wallet(8), "s").await;
    client.send_prompt("m", &greedy("Finish me", 40)).await;
    let first = client.client.recv_text().await;
    client.session.open(&first).unwrap();
    let addr = server.addr;
    let shutdown = tokio::spawn(server.shutdown());
    let rest = client.read_response().await;
    assert!(
        matches!(rest.last(), Some(ClientEvent::End { finish_reason: Some(r), .. }) if r == "length")
    );
    assert_eq!(u16::from(client.client.expect_close().await), 1001);
    shutdown.await.unwrap();
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "no longer accepting"
    );
}
