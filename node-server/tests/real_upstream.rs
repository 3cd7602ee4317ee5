//! The OpenAI-compatible backend against a real server: llama-cpp-python's (its `llama_cpp.server`,
//! built from PyPI) serving SmolLM2-135M-Instruct, with confide-node in front
//! (`Backend::OpenAi`) and an encrypted WebSocket client. Chat and completion prompts with
//! receipts over one kept-alive upstream connection; a cancel closes the upstream request (seen as
//! the server's established connections in `/proc/net/tcp`); the server killed mid-stream is
//! `INFERENCE_FAILED` while the connection and the other sessions carry on.
//!
//! Needs `CONFIDE_LLAMA_CPP_PYTHON` (a Python with `llama-cpp-python[server]`) and
//! `CONFIDE_SMOLLM2_GGUF`; skipped without them (`scripts/scale-out-test.sh` sets both).

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use confide_core::e2ee::{ClientEvent, SignatureScheme};
use confide_node_server::backend::Backend;
use confide_node_server::config::ServerConfig;
use confide_node_server::server::ServedModel;
use confide_node_server::upstream::{OpenAiUpstream, UpstreamConfig};
use serde_json::{Value, json};
use support::external::{LlamaCppServer, required};
use support::{CheckedResponse, EncryptedClient, TestServer, check_response, host_key, wallet};

/// The name the upstream serves the model under.
const MODEL: &str = "smollm2";

/// The upstream and a host in front of it, or `None` (skipped) without the environment.
async fn setup(test: &str) -> Option<(LlamaCppServer, TestServer, Arc<OpenAiUpstream>)> {
    let python = required("CONFIDE_LLAMA_CPP_PYTHON", test)?;
    let gguf = required("CONFIDE_SMOLLM2_GGUF", test)?;
    let server = LlamaCppServer::start(&python, &gguf, MODEL);
    let upstream = Arc::new(
        OpenAiUpstream::new(UpstreamConfig {
            max_tokens: 400,
            context_length: 2048,
            ..UpstreamConfig::new(server.url(), MODEL)
        })
        .unwrap(),
    );
    let model = ServedModel::new(Backend::OpenAi(Arc::clone(&upstream)));
    let host = TestServer::serving(ServerConfig::default(), true, model).await;
    Some((server, host, upstream))
}

/// A greedy chat turn. With a system message: without one, the GGUF's template (which
/// llama-cpp-python renders as it is) adds its own, and SmolLM2 then lists Paris' landmarks.
fn chat(question: &str, max_tokens: u32) -> Value {
    json!({
        "model": MODEL,
        "messages": [
            {"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": question},
        ],
        "max_tokens": max_tokens,
        "temperature": 0.0,
    })
}

/// A prompt that keeps the model talking.
fn long_story() -> Value {
    json!({
        "model": MODEL,
        "messages": [{"role": "user", "content": "Write a very long story about a dragon."}],
        "max_tokens": 400,
        "temperature": 0.9,
        "seed": 3,
    })
}

async fn ask(client: &mut EncryptedClient, id: &str, request: &Value) -> CheckedResponse {
    client.send_prompt(id, request).await;
    let events = client.read_response().await;
    assert!(events.len() > 2, "{events:?}");
    check_response(&events, &host_key().address(), &client.wallet.address())
}

/// Waits until `done` holds (a hang, not a speed check: 20 s).
async fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < Duration::from_secs(20), "{what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn chat_and_completion_through_llama_cpp_python_with_receipts() {
    let Some((server, host, upstream)) = setup("scale-out upstream-chat-completion").await else {
        return;
    };
    let mut client = EncryptedClient::open(&host, SignatureScheme::Eip191, wallet(0x61), "s").await;
    let answer = ask(
        &mut client,
        "chat",
        &chat("What is the capital of France?", 32),
    )
    .await;
    println!("through llama-cpp-python: {:?}", answer.text);
    assert!(answer.text.contains("Paris"), "{:?}", answer.text);
    assert_eq!(answer.record.model, MODEL);
    assert!(answer.usage.completion_tokens > 0);

    let completion = json!({
        "model": MODEL, "prompt": "The capital of France is", "max_tokens": 8, "temperature": 0.0,
    });
    let answer = ask(&mut client, "text", &completion).await;
    assert!(
        ["stop", "length"].contains(&answer.finish_reason.as_str()),
        "{}",
        answer.finish_reason
    );
    assert!(
        answer.usage.completion_tokens <= 8 + 2,
        "{:?}",
        answer.usage
    );
    // Both requests went over one connection, kept open for the next.
    assert_eq!(upstream.idle_connections(), 1);
    assert_eq!(server.connections(), 1);
    host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancel_closes_the_request_at_the_upstream() {
    let Some((server, host, upstream)) = setup("scale-out upstream-cancel").await else {
        return;
    };
    let mut client =
        EncryptedClient::open(&host, SignatureScheme::SdkTranscript, wallet(0x62), "s").await;
    client.send_prompt("story", &long_story()).await;
    let first = client
        .session
        .open(&client.client.recv_text().await)
        .unwrap();
    assert!(
        matches!(first, ClientEvent::Chunk { index: 0, .. }),
        "{first:?}"
    );
    assert_eq!(server.connections(), 1, "one request streaming");
    client
        .client
        .send(json!({"type": "stream_cancel", "session_id": "s", "id": "story"}).to_string())
        .await;
    let mut events = vec![first];
    events.extend(client.read_response().await);
    let checked = check_response(&events, &host_key().address(), &client.wallet.address());
    assert_eq!(checked.finish_reason, "cancelled");
    assert!(checked.usage.completion_tokens < 400);
    eventually("the upstream connection closes", || {
        server.connections() == 0
    })
    .await;
    assert_eq!(
        upstream.idle_connections(),
        0,
        "a cancelled stream is not reused"
    );
    // The upstream serves the next request.
    let answer = ask(
        &mut client,
        "next",
        &chat("What is the capital of France?", 32),
    )
    .await;
    assert!(answer.text.contains("Paris"), "{:?}", answer.text);
    host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_upstream_killed_mid_stream_fails_that_prompt_and_nothing_else() {
    let Some((mut server, host, _)) = setup("scale-out upstream-killed").await else {
        return;
    };
    let mut streaming =
        EncryptedClient::open(&host, SignatureScheme::Eip191, wallet(0x63), "a").await;
    let mut other = EncryptedClient::open(&host, SignatureScheme::Eip191, wallet(0x64), "b").await;
    streaming.send_prompt("story", &long_story()).await;
    let first = streaming
        .session
        .open(&streaming.client.recv_text().await)
        .unwrap();
    assert!(matches!(first, ClientEvent::Chunk { .. }), "{first:?}");
    server.kill();
    let events = streaming.read_response().await;
    let Some(ClientEvent::Error { code, message, .. }) = events.last() else {
        panic!("expected an error, got {events:?}");
    };
    assert_eq!(code, "INFERENCE_FAILED");
    assert!(!message.contains("127.0.0.1"), "{message}");
    assert!(!events.iter().any(|e| matches!(e, ClientEvent::End { .. })));

    // While it is down, prompts fail cleanly on the same connection and on others.
    for (client, id) in [(&mut streaming, "down-a"), (&mut other, "down-b")] {
        client.send_prompt(id, &chat("Hi", 4)).await;
        let events = client.read_response().await;
        assert!(
            matches!(events.as_slice(), [ClientEvent::Error { code, .. }] if code == "INFERENCE_FAILED"),
            "{events:?}"
        );
    }
    // Back up on the same port: both sessions, on their original connections, are answered.
    server.restart();
    for (client, id) in [(&mut streaming, "up-a"), (&mut other, "up-b")] {
        let answer = ask(client, id, &chat("What is the capital of France?", 32)).await;
        assert!(answer.text.contains("Paris"), "{:?}", answer.text);
    }
    host.shutdown().await;
}
