//! What the load benchmarks share: a host on loopback, encrypted sessions over real WebSockets,
//! handshake and generation timings.

#![allow(dead_code)] // each benchmark uses a different subset

use std::sync::Arc;
use std::time::Instant;

use confide_core::crypto::SecretKey;
use confide_core::e2ee::{ClientEvent, ClientSession, InitParams, SignatureScheme, WireId};
use confide_node_server::server::{AppState, Server};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

pub const HANDSHAKES: usize = 2_000;
pub const HANDSHAKE_CONCURRENCY: usize = 8;

pub fn host_key() -> SecretKey {
    SecretKey::from_bytes(&[0x11; 32]).unwrap()
}

/// Serves `state` on a free loopback port until the process ends; returns the WebSocket URL.
pub async fn serve(state: AppState) -> String {
    let server = Server::bind("127.0.0.1:0".parse().unwrap(), Arc::new(state))
        .await
        .unwrap();
    let url = format!("ws://{}/v1/ws", server.local_addr().unwrap());
    tokio::spawn(server.run(std::future::pending()));
    url
}

pub async fn next_text(socket: &mut Socket) -> String {
    loop {
        match socket.next().await.expect("open").expect("no error") {
            Message::Text(text) => return text.as_str().to_owned(),
            Message::Close(frame) => panic!("closed: {frame:?}"),
            _ => {}
        }
    }
}

pub fn params(session_id: String) -> InitParams {
    InitParams {
        session_id: WireId::Text(session_id),
        job_id: WireId::from(1u64),
        chain_id: 84532,
        model_name: "confide-demo".into(),
        price_per_token: 1,
        id: None,
        timestamp: Some(confide_node_server::clock::unix_now()),
    }
}

/// Opens `count` encrypted sessions on one new connection; returns the socket and the sessions.
pub async fn open_sessions(
    url: &str,
    count: usize,
    wallet: &SecretKey,
) -> (Socket, Vec<ClientSession>) {
    let (mut socket, _) = connect_async(url).await.unwrap();
    next_text(&mut socket).await; // connected
    let mut sessions = Vec::with_capacity(count);
    for n in 0..count {
        let mut session = ClientSession::new(*host_key().public_key(), SignatureScheme::Eip191);
        let init = session
            .init_message(wallet, &mut rand::rng(), &params(format!("s{n}")))
            .unwrap();
        socket.send(Message::text(init)).await.unwrap();
        match session.open(&next_text(&mut socket).await).unwrap() {
            ClientEvent::Ack { .. } => sessions.push(session),
            other => panic!("expected an ack, got {other:?}"),
        }
    }
    (socket, sessions)
}

/// Session handshakes per second end to end (TCP + WebSocket upgrade + encrypted init + ack),
/// [`HANDSHAKE_CONCURRENCY`] clients at once.
pub async fn handshakes_per_second(url: &str) -> f64 {
    let wallet = Arc::new(SecretKey::from_bytes(&[0x22; 32]).unwrap());
    let start = Instant::now();
    let workers: Vec<_> = (0..HANDSHAKE_CONCURRENCY)
        .map(|_| {
            let (url, wallet) = (url.to_owned(), Arc::clone(&wallet));
            tokio::spawn(async move {
                for _ in 0..HANDSHAKES / HANDSHAKE_CONCURRENCY {
                    let (mut socket, _) = open_sessions(&url, 1, &wallet).await;
                    let _ = socket.close(None).await;
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.unwrap();
    }
    HANDSHAKES as f64 / start.elapsed().as_secs_f64()
}

/// A connection with its session open: encrypted (a [`ClientSession`]) or plaintext.
pub struct OpenSession {
    socket: Socket,
    session: Option<ClientSession>,
}

/// Connects and opens one session, encrypted or plaintext.
pub async fn open_session(url: &str, encrypted: bool) -> OpenSession {
    if encrypted {
        let wallet = SecretKey::from_bytes(&[0x33; 32]).unwrap();
        let (socket, mut sessions) = open_sessions(url, 1, &wallet).await;
        return OpenSession {
            socket,
            session: sessions.pop(),
        };
    }
    let (mut socket, _) = connect_async(url).await.unwrap();
    next_text(&mut socket).await;
    socket
        .send(Message::text(
            json!({"type":"session_init","session_id":"p"}).to_string(),
        ))
        .await
        .unwrap();
    next_text(&mut socket).await;
    OpenSession {
        socket,
        session: None,
    }
}

impl OpenSession {
    /// Generates `request` on this session: its completion tokens and tokens per second (from
    /// sending the prompt to `stream_end`).
    pub async fn generate(&mut self, id: &str, request: &Value) -> (u64, f64) {
        let frame = match self.session.as_mut() {
            Some(session) => session
                .seal_prompt(
                    &mut rand::rng(),
                    &WireId::from(id),
                    request.to_string().as_bytes(),
                )
                .unwrap(),
            None => json!({"type":"prompt","session_id":"p","id":id,"request":request}).to_string(),
        };
        let start = Instant::now();
        self.socket.send(Message::text(frame)).await.unwrap();
        let tokens = loop {
            let text = next_text(&mut self.socket).await;
            match self.session.as_mut() {
                Some(session) => match session.open(&text).unwrap() {
                    ClientEvent::End { usage, .. } => break usage.unwrap().completion_tokens,
                    ClientEvent::Error { code, message, .. } => panic!("{code}: {message}"),
                    _ => {}
                },
                None => {
                    let frame: Value = serde_json::from_str(&text).unwrap();
                    assert_ne!(frame["type"], "error", "{frame}");
                    if frame["type"] == "stream_end" {
                        break frame["tokens_used"].as_u64().unwrap_or(0);
                    }
                }
            }
        };
        (tokens, tokens as f64 / start.elapsed().as_secs_f64())
    }

    /// Closes the connection.
    pub async fn close(mut self) {
        let _ = self.socket.close(None).await;
    }
}

/// One generation of `request`, encrypted or plaintext, on a fresh connection: its completion
/// tokens and tokens per second (from sending the prompt to `stream_end`).
pub async fn one_generation(url: &str, encrypted: bool, request: &Value) -> (u64, f64) {
    let mut open = open_session(url, encrypted).await;
    let generated = open.generate("m", request).await;
    open.close().await;
    generated
}

/// Median encrypted and plaintext tokens/s of `request`, measured alternately `runs` times each
/// (which of the two goes first alternates too) after one warm-up; panics unless every run
/// generated the same number of tokens (greedy).
pub async fn encrypted_vs_plaintext(url: &str, request: &Value, runs: usize) -> (f64, f64, u64) {
    let (expected, _) = one_generation(url, false, request).await;
    let (mut encrypted, mut plaintext) = (Vec::new(), Vec::new());
    for run in 0..runs {
        let encrypted_first = run % 2 == 0;
        for secret in [encrypted_first, !encrypted_first] {
            let (tokens, rate) = one_generation(url, secret, request).await;
            assert_eq!(tokens, expected, "the same generation every run");
            if secret {
                encrypted.push(rate);
            } else {
                plaintext.push(rate);
            }
        }
    }
    (median(encrypted), median(plaintext), expected)
}

pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Whether the measurement `name` was asked for (no names after `--`: all of them).
pub fn selected(name: &str) -> bool {
    let names: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with('-'))
        .collect();
    names.is_empty() || names.iter().any(|n| n == name)
}
