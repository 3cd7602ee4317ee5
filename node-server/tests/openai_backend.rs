//! The OpenAI-compatible upstream backend end to end: a real host serving `Backend::OpenAi` on
//! 127.0.0.1, a real WebSocket client with an encrypted session (the core's `ClientSession`), and
//! in front of them an OpenAI-compatible server.
//!
//! That server is a stand-in built with hyper in this file, for the exact wire format and the faults
//! a real server does not produce on demand (error statuses, hangs, silence, endless or oversized
//! streams); `real_upstream.rs` runs the same path against llama-cpp-python's server. It speaks OpenAI's
//! exact streaming wire format (`chat.completion.chunk` / `text_completion` chunks as `data:`
//! events, a chunk with `finish_reason`, a usage chunk with `"choices":[]`, `data: [DONE]`), writes
//! its stream in pieces cut inside UTF-8 characters and between the two newlines that end an event,
//! and records every request it gets.

mod support;

use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use clap::Parser;
use confide_core::crypto::Address;
use confide_core::e2ee::{ClientEvent, SignatureScheme, Usage};
use confide_node_server::backend::Backend;
use confide_node_server::cli::{BackendKind, Cli, Command};
use confide_node_server::config::ServerConfig;
use confide_node_server::server::ServedModel;
use confide_node_server::upstream::{OpenAiUpstream, UpstreamConfig};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use support::{EncryptedClient, FRAME_WAIT, TestServer, wallet};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// The model name the host is configured with.
const MODEL: &str = "stand-in-model";
/// The host's `--max-tokens`.
const MAX_TOKENS: u32 = 50;
/// The deltas of a scripted reply: multi-byte characters, so the cuts fall inside them.
const DELTAS: [&str; 4] = ["Hé", "llo, ", "世界", " 🦀"];
/// What the scripted reply's usage chunk says (deliberately not the number of deltas).
const USAGE: (u64, u64) = (11, 7);

/// What the stand-in does with a request.
#[derive(Clone, Copy, Debug)]
enum Behaviour {
    /// Streams [`DELTAS`], a chunk with `finish_reason` `length`, a [`USAGE`] chunk and `[DONE]`.
    Reply,
    /// Streams deltas until the client goes away, then reports it on `closed`.
    Endless,
    /// Answers HTTP 500.
    Fail,
    /// Never answers.
    Hang,
    /// Sends one delta, then nothing more (keeping the connection open).
    Stall,
}

/// A request as the stand-in received it.
#[derive(Clone, Debug)]
struct Recorded {
    path: String,
    body: Value,
}

/// A running stand-in OpenAI-compatible server.
struct StandIn {
    /// Its API base URL (`http://127.0.0.1:PORT/v1`).
    url: String,
    requests: Arc<Mutex<Vec<Recorded>>>,
    /// One message each time an endless stream finds its client gone.
    closed: mpsc::UnboundedReceiver<()>,
    /// TCP connections accepted.
    connections: Arc<AtomicUsize>,
}

type Body = UnsyncBoxBody<Bytes, Infallible>;

impl StandIn {
    /// Serves request `n` with `script[n]` (the last entry for all later ones).
    async fn start(script: Vec<Behaviour>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/v1", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (closed_tx, closed) = mpsc::unbounded_channel();
        let recorded = Arc::clone(&requests);
        let connections = Arc::new(AtomicUsize::new(0));
        let accepted = Arc::clone(&connections);
        tokio::spawn(async move {
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                accepted.fetch_add(1, Ordering::SeqCst);
                let (recorded, closed_tx, script) =
                    (Arc::clone(&recorded), closed_tx.clone(), script.clone());
                let service = service_fn(move |request| {
                    respond(
                        request,
                        Arc::clone(&recorded),
                        closed_tx.clone(),
                        script.clone(),
                    )
                });
                tokio::spawn(http1::Builder::new().serve_connection(TokioIo::new(stream), service));
            }
        });
        Self {
            url,
            requests,
            closed,
            connections,
        }
    }

    /// The requests received so far.
    fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }
}

/// Records the request and answers it as the script says.
async fn respond(
    request: Request<Incoming>,
    recorded: Arc<Mutex<Vec<Recorded>>>,
    closed: mpsc::UnboundedSender<()>,
    script: Vec<Behaviour>,
) -> Result<Response<Body>, Infallible> {
    let path = request.uri().path().to_owned();
    let chat = path.ends_with("/chat/completions");
    let bytes = request.into_body().collect().await.unwrap().to_bytes();
    let body: Value = serde_json::from_slice(&bytes).unwrap();
    let behaviour = {
        let mut recorded = recorded.lock().unwrap();
        recorded.push(Recorded { path, body });
        script[(recorded.len() - 1).min(script.len() - 1)]
    };
    let (status, body) = match behaviour {
        Behaviour::Fail => (
            StatusCode::INTERNAL_SERVER_ERROR,
            Full::new(Bytes::from(r#"{"error":{"message":"boom"}}"#)).boxed_unsync(),
        ),
        Behaviour::Reply => (StatusCode::OK, stream_body(pieces(&reply(chat)), None)),
        Behaviour::Hang => std::future::pending().await,
        Behaviour::Stall => {
            let (tx, rx) = mpsc::channel(1);
            tokio::spawn(async move {
                let _ = tx.send(Bytes::from(delta(chat, "only "))).await;
                tx.closed().await;
                let _ = closed.send(());
            });
            (StatusCode::OK, stream_body(Vec::new(), Some(rx)))
        }
        Behaviour::Endless => {
            let (tx, rx) = mpsc::channel(1);
            tokio::spawn(async move {
                while tx.send(Bytes::from(delta(chat, "tick "))).await.is_ok() {
                    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                }
                let _ = closed.send(());
            });
            (StatusCode::OK, stream_body(Vec::new(), Some(rx)))
        }
    };
    let response = Response::builder()
        .status(status)
        .header("content-type", "text/event-stream")
        .body(body)
        .unwrap();
    Ok(response)
}

/// A body of `pieces` (one frame each), then whatever `more` delivers.
fn stream_body(pieces: Vec<Bytes>, more: Option<mpsc::Receiver<Bytes>>) -> Body {
    let stream = futures_util::stream::unfold(
        (pieces.into_iter(), more),
        |(mut pieces, mut more)| async move {
            let next = match pieces.next() {
                Some(piece) => Some(piece),
                None => match &mut more {
                    Some(rx) => rx.recv().await,
                    None => None,
                },
            };
            next.map(|bytes| (Ok(Frame::data(bytes)), (pieces, more)))
        },
    );
    StreamBody::new(stream).boxed_unsync()
}

/// One SSE event with a chunk of OpenAI's format.
fn event(chat: bool, choices: Value, usage: Option<Value>) -> String {
    let object = if chat {
        "chat.completion.chunk"
    } else {
        "text_completion"
    };
    let mut chunk = json!({
        "id": "cmpl-stand-in", "object": object, "created": 1_700_000_000, "model": MODEL,
        "choices": choices,
    });
    if let Some(usage) = usage {
        chunk["usage"] = usage;
    }
    format!("data: {chunk}\n\n")
}

fn delta(chat: bool, text: &str) -> String {
    let choice = if chat {
        json!({"index": 0, "delta": {"content": text}, "finish_reason": null})
    } else {
        json!({"index": 0, "text": text, "finish_reason": null})
    };
    event(chat, json!([choice]), None)
}

/// The whole scripted reply.
fn reply(chat: bool) -> String {
    let mut stream = String::new();
    if chat {
        let role = json!({
            "index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": null,
        });
        stream.push_str(&event(chat, json!([role]), None));
    }
    stream.push_str(": keep-alive comment\n\n");
    for text in DELTAS {
        stream.push_str(&delta(chat, text));
    }
    let last = if chat {
        json!({"index": 0, "delta": {}, "finish_reason": "length"})
    } else {
        json!({"index": 0, "text": "", "finish_reason": "length"})
    };
    stream.push_str(&event(chat, json!([last]), None));
    let (prompt_tokens, completion_tokens) = USAGE;
    let usage = json!({"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens});
    stream.push_str(&event(chat, json!([]), Some(usage)));
    stream.push_str("data: [DONE]\n\n");
    stream
}

/// `stream` cut inside every multi-byte character and between the two newlines ending each event.
fn pieces(stream: &str) -> Vec<Bytes> {
    let bytes = stream.as_bytes();
    let mut cuts: Vec<usize> = (1..bytes.len())
        .filter(|&i| !stream.is_char_boundary(i) || (bytes[i - 1] == b'\n' && bytes[i] == b'\n'))
        .collect();
    cuts.insert(0, 0);
    cuts.push(bytes.len());
    cuts.windows(2)
        .map(|w| Bytes::copy_from_slice(&bytes[w[0]..w[1]]))
        .collect()
}

/// A host whose only model is served by the upstream at `base_url`.
async fn host(base_url: &str) -> TestServer {
    host_with(base_url, |_| {}).await
}

/// [`host`] with the upstream's configuration changed by `adjust`.
async fn host_with(base_url: &str, adjust: impl FnOnce(&mut UpstreamConfig)) -> TestServer {
    let mut config = UpstreamConfig {
        max_tokens: MAX_TOKENS,
        ..UpstreamConfig::new(base_url, MODEL)
    };
    adjust(&mut config);
    let upstream = OpenAiUpstream::new(config).unwrap();
    let model = ServedModel::new(Backend::OpenAi(Arc::new(upstream)));
    TestServer::serving(ServerConfig::default(), true, model).await
}

/// [`support::check_response`] for the upstream model; returns text, finish reason and usage.
fn check_upstream_response(events: &[ClientEvent], client: &Address) -> (String, String, Usage) {
    let checked = support::check_response(events, &support::host_key().address(), client);
    assert_eq!(checked.record.model, MODEL);
    (checked.text, checked.finish_reason, checked.usage)
}

#[tokio::test(flavor = "multi_thread")]
async fn chat_and_text_prompts_stream_from_the_upstream_with_receipts() {
    let stand_in = StandIn::start(vec![Behaviour::Reply]).await;
    let server = host(&stand_in.url).await;
    let (status, info) = server.get("/v1/info").await;
    assert_eq!(status, 200);
    let info: Value = serde_json::from_str(&info).unwrap();
    assert_eq!(
        info["models"],
        json!([{"id": MODEL, "aliases": [], "context_length": 4096}])
    );

    let mut client =
        EncryptedClient::open(&server, SignatureScheme::Eip191, wallet(0x31), "s").await;
    let address = client.wallet.address();
    let messages = json!([
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi"},
    ]);
    let chat = json!({"model": MODEL, "messages": messages, "max_tokens": 500, "temperature": 0.5});
    client.send_prompt("c1", &chat).await;
    let (text, finish_reason, usage) =
        check_upstream_response(&client.read_response().await, &address);
    assert_eq!(text, DELTAS.concat());
    assert_eq!(finish_reason, "length");
    assert_eq!((usage.prompt_tokens, usage.completion_tokens), USAGE);

    let prompt = json!({
        "model": MODEL, "prompt": "Once upon", "max_tokens": 5, "temperature": 0.0, "seed": 7,
    });
    client.send_prompt("t1", &prompt).await;
    let (text, finish_reason, usage) =
        check_upstream_response(&client.read_response().await, &address);
    assert_eq!(text, DELTAS.concat());
    assert_eq!(finish_reason, "length");
    assert_eq!((usage.prompt_tokens, usage.completion_tokens), USAGE);

    let requests = stand_in.requests();
    assert_eq!(requests.len(), 2);
    let (chat, text) = (&requests[0], &requests[1]);
    assert_eq!(chat.path, "/v1/chat/completions");
    assert_eq!(text.path, "/v1/completions");
    for request in [chat, text] {
        assert_eq!(request.body["stream"], true);
        assert_eq!(
            request.body["stream_options"],
            json!({"include_usage": true})
        );
        assert_eq!(request.body["model"], MODEL);
    }
    assert_eq!(chat.body["messages"], messages);
    assert_eq!(
        chat.body["max_tokens"], MAX_TOKENS,
        "capped at the host's --max-tokens"
    );
    assert_eq!(chat.body["temperature"], 0.5);
    assert!(chat.body.get("prompt").is_none());
    assert_eq!(text.body["prompt"], "Once upon");
    assert_eq!(text.body["max_tokens"], 5);
    assert_eq!(text.body["temperature"], 0.0);
    assert_eq!(text.body["seed"], 7);
    assert!(text.body.get("messages").is_none());
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn cancel_closes_the_upstream_connection() {
    let mut stand_in = StandIn::start(vec![Behaviour::Endless]).await;
    let server = host(&stand_in.url).await;
    let mut client =
        EncryptedClient::open(&server, SignatureScheme::SdkTranscript, wallet(0x32), "s").await;
    let address = client.wallet.address();
    client
        .send_prompt("long", &json!({"model": MODEL, "prompt": "Go on"}))
        .await;
    let first = client
        .session
        .open(&client.client.recv_text().await)
        .unwrap();
    assert!(matches!(first, ClientEvent::Chunk { index: 0, .. }));
    client
        .client
        .send(json!({"type": "stream_cancel", "session_id": "s", "id": "long"}).to_string())
        .await;
    let mut events = vec![first];
    events.extend(client.read_response().await);
    let (text, finish_reason, usage) = check_upstream_response(&events, &address);
    assert_eq!(finish_reason, "cancelled");
    assert_eq!(
        usage.prompt_tokens, 0,
        "no usage chunk: the prompt is not counted"
    );
    assert!(
        usage.completion_tokens >= 2,
        "the first chunk went out after two deltas"
    );
    assert_eq!(
        text,
        "tick ".repeat(usage.completion_tokens as usize),
        "one token per delta"
    );
    let closed = tokio::time::timeout(FRAME_WAIT, stand_in.closed.recv()).await;
    assert_eq!(closed.expect("the upstream sees the disconnect"), Some(()));
    server.shutdown().await;
}

/// Sends `prompt` as request `id` and expects `INFERENCE_FAILED` for it, without the prompt text,
/// the upstream's address or what it answered.
async fn expect_inference_failed(client: &mut EncryptedClient, id: &str, upstream: &str) {
    let prompt = json!({"model": MODEL, "prompt": "secret words", "max_tokens": 4});
    client.send_prompt(id, &prompt).await;
    let events = client.read_response().await;
    let [
        ClientEvent::Error {
            code,
            message,
            id: error_id,
            ..
        },
    ] = events.as_slice()
    else {
        panic!("expected one error, got {events:?}");
    };
    assert_eq!(code, "INFERENCE_FAILED");
    assert_eq!(
        error_id.as_ref().map(ToString::to_string).as_deref(),
        Some(id)
    );
    assert!(!message.contains("secret"), "{message}");
    assert_secret_free(message, upstream);
}

/// An error message clients see names neither the upstream's address nor repeats its answer.
fn assert_secret_free(message: &str, upstream: &str) {
    let port = upstream.rsplit(':').next().unwrap().trim_end_matches("/v1");
    for leak in ["127.0.0.1", port, "boom", "/v1/"] {
        assert!(!message.contains(leak), "{leak:?} in {message:?}");
    }
}

/// Sends a long prompt as request `id`; expects the stream to end in `INFERENCE_FAILED` (no
/// receipt).
async fn expect_failure_mid_stream(client: &mut EncryptedClient, id: &str, upstream: &str) {
    let prompt = json!({"model": MODEL, "prompt": "Go on", "max_tokens": 4});
    client.send_prompt(id, &prompt).await;
    let events = client.read_response().await;
    let last = events.last().unwrap();
    assert!(
        !events.iter().any(|e| matches!(e, ClientEvent::End { .. })),
        "{events:?}"
    );
    let ClientEvent::Error { code, message, .. } = last else {
        panic!("expected an error last, got {events:?}");
    };
    assert_eq!(code, "INFERENCE_FAILED");
    assert_secret_free(message, upstream);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_upstream_error_is_inference_failed_and_the_next_prompt_works() {
    let stand_in = StandIn::start(vec![Behaviour::Fail, Behaviour::Reply]).await;
    let server = host(&stand_in.url).await;
    let mut client =
        EncryptedClient::open(&server, SignatureScheme::Eip191, wallet(0x33), "s").await;
    let address = client.wallet.address();
    expect_inference_failed(&mut client, "broken", &stand_in.url).await;
    client
        .send_prompt("fine", &json!({"model": MODEL, "prompt": "again"}))
        .await;
    let (text, _, _) = check_upstream_response(&client.read_response().await, &address);
    assert_eq!(text, DELTAS.concat());
    assert_eq!(stand_in.requests().len(), 2);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_upstream_is_inference_failed_and_the_connection_stays() {
    // A port that was just free: nothing listens there.
    let vacant = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/v1", vacant.local_addr().unwrap());
    drop(vacant);
    let server = host(&url).await;
    let mut client =
        EncryptedClient::open(&server, SignatureScheme::Eip191, wallet(0x34), "s").await;
    expect_inference_failed(&mut client, "first", &url).await;
    expect_inference_failed(&mut client, "second", &url).await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_upstream_that_never_answers_times_out_as_inference_failed() {
    let stand_in = StandIn::start(vec![Behaviour::Hang, Behaviour::Reply]).await;
    let server = host_with(&stand_in.url, |config| {
        config.response_timeout = std::time::Duration::from_millis(300);
    })
    .await;
    let mut client =
        EncryptedClient::open(&server, SignatureScheme::Eip191, wallet(0x35), "s").await;
    expect_inference_failed(&mut client, "stuck", &stand_in.url).await;
    let address = client.wallet.address();
    client
        .send_prompt("fine", &json!({"model": MODEL, "prompt": "again"}))
        .await;
    let (text, _, _) = check_upstream_response(&client.read_response().await, &address);
    assert_eq!(text, DELTAS.concat());
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn finished_streams_reuse_their_connection() {
    let stand_in = StandIn::start(vec![Behaviour::Reply]).await;
    let server = host(&stand_in.url).await;
    let mut client =
        EncryptedClient::open(&server, SignatureScheme::Eip191, wallet(0x36), "s").await;
    let address = client.wallet.address();
    for id in ["a", "b", "c"] {
        client
            .send_prompt(id, &json!({"model": MODEL, "prompt": "again"}))
            .await;
        let (text, _, _) = check_upstream_response(&client.read_response().await, &address);
        assert_eq!(text, DELTAS.concat());
    }
    assert_eq!(stand_in.requests().len(), 3);
    assert_eq!(
        stand_in.connections.load(Ordering::SeqCst),
        1,
        "one keep-alive connection"
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_silent_stream_fails_and_closes_the_upstream_request() {
    let mut stand_in = StandIn::start(vec![Behaviour::Stall, Behaviour::Reply]).await;
    let server = host_with(&stand_in.url, |config| {
        config.idle_timeout = std::time::Duration::from_millis(300);
    })
    .await;
    let mut client =
        EncryptedClient::open(&server, SignatureScheme::Eip191, wallet(0x37), "s").await;
    expect_failure_mid_stream(&mut client, "stalled", &stand_in.url).await;
    let closed = tokio::time::timeout(FRAME_WAIT, stand_in.closed.recv()).await;
    assert_eq!(closed.expect("the upstream sees the disconnect"), Some(()));
    let address = client.wallet.address();
    client
        .send_prompt("fine", &json!({"model": MODEL, "prompt": "again"}))
        .await;
    let (text, _, _) = check_upstream_response(&client.read_response().await, &address);
    assert_eq!(text, DELTAS.concat());
    assert_eq!(
        stand_in.connections.load(Ordering::SeqCst),
        2,
        "the failed stream's connection is not reused"
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stream_past_its_deadline_fails() {
    let mut stand_in = StandIn::start(vec![Behaviour::Endless]).await;
    let server = host_with(&stand_in.url, |config| {
        config.stream_timeout = std::time::Duration::from_millis(100);
    })
    .await;
    let mut client =
        EncryptedClient::open(&server, SignatureScheme::Eip191, wallet(0x38), "s").await;
    expect_failure_mid_stream(&mut client, "long", &stand_in.url).await;
    let closed = tokio::time::timeout(FRAME_WAIT, stand_in.closed.recv()).await;
    assert_eq!(closed.expect("the upstream sees the disconnect"), Some(()));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stream_past_its_delta_or_byte_cap_fails() {
    // `max_tokens` 4 allows 2 × 4 + 16 deltas; the endless stream sends more.
    let mut stand_in = StandIn::start(vec![Behaviour::Endless]).await;
    let server = host(&stand_in.url).await;
    let mut client =
        EncryptedClient::open(&server, SignatureScheme::Eip191, wallet(0x39), "s").await;
    expect_failure_mid_stream(&mut client, "many", &stand_in.url).await;
    let closed = tokio::time::timeout(FRAME_WAIT, stand_in.closed.recv()).await;
    assert_eq!(closed.expect("the upstream sees the disconnect"), Some(()));
    server.shutdown().await;

    let mut stand_in = StandIn::start(vec![Behaviour::Endless]).await;
    let server = host_with(&stand_in.url, |config| config.max_stream_bytes = 1_000).await;
    let mut client =
        EncryptedClient::open(&server, SignatureScheme::Eip191, wallet(0x3a), "s").await;
    let prompt = json!({"model": MODEL, "prompt": "Go on"});
    client.send_prompt("big", &prompt).await;
    let events = client.read_response().await;
    let chunks = events
        .iter()
        .filter(|e| matches!(e, ClientEvent::Chunk { .. }))
        .count();
    assert!(
        chunks < 10,
        "about 1,000 bytes of ~200-byte events: {chunks}"
    );
    assert!(
        matches!(events.last(), Some(ClientEvent::Error { code, .. }) if code == "INFERENCE_FAILED"),
        "{events:?}"
    );
    let closed = tokio::time::timeout(FRAME_WAIT, stand_in.closed.recv()).await;
    assert_eq!(closed.expect("the upstream sees the disconnect"), Some(()));
    server.shutdown().await;
}

#[test]
fn the_openai_backend_needs_an_upstream() {
    let parse =
        |args: &[&str]| Cli::try_parse_from([&["confide-node", "serve"][..], args].concat());
    let missing = parse(&["--backend", "openai"]).unwrap_err();
    assert_eq!(
        missing.kind(),
        clap::error::ErrorKind::MissingRequiredArgument
    );
    assert!(missing.to_string().contains("--upstream"), "{missing}");
    let Command::Serve(args) = parse(&[
        "--backend",
        "openai",
        "--upstream",
        "http://127.0.0.1:8000/v1",
    ])
    .unwrap()
    .command
    else {
        panic!("expected serve");
    };
    assert_eq!(args.backend, BackendKind::OpenAi);
    assert_eq!(args.upstream.as_deref(), Some("http://127.0.0.1:8000/v1"));
    assert_eq!(args.upstream_model, "default");
    let Command::Serve(args) = parse(&[]).unwrap().command else {
        panic!("expected serve");
    };
    assert_eq!(args.backend, BackendKind::Llama);
    assert!(parse(&["--upstream", "http://h/v1", "--model", "x.gguf"]).is_err());
}
