//! A real host on 127.0.0.1 (demo model, real llama.cpp) and a real WebSocket client for the
//! integration tests.

#![allow(dead_code)] // each test binary uses a different subset

pub mod process;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use confide_core::crypto::{Address, SecretKey, sha256};
use confide_core::e2ee::Usage;
use confide_core::e2ee::{ClientEvent, ClientSession, InitParams, SignatureScheme, WireId};
use confide_core::hex;
use confide_core::signed::{RawSignedMessage, UsageRecord, VerifyPolicy};
use confide_node_server::backend::Backend;
use confide_node_server::clock::unix_now;
use confide_node_server::config::ServerConfig;
use confide_node_server::inference::{EngineConfig, LlamaEngine, demo_model};
use confide_node_server::server::{AppState, ServedModel, Server};
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, client_async, connect_async};

/// How long a test waits for any single frame before failing (a hang, not a speed check).
pub const FRAME_WAIT: Duration = Duration::from_secs(30);

pub fn host_key() -> SecretKey {
    SecretKey::from_hex(&"11".repeat(32)).unwrap()
}

pub fn wallet(n: u8) -> SecretKey {
    SecretKey::from_bytes(&[n; 32]).unwrap()
}

/// The demo model loaded once per test binary (two slots).
pub fn demo_engine() -> Arc<LlamaEngine> {
    static ENGINE: OnceLock<Arc<LlamaEngine>> = OnceLock::new();
    ENGINE
        .get_or_init(|| {
            let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("demo-model");
            let model_path = demo_model::ensure_demo_model(&dir).unwrap();
            let config = EngineConfig {
                model_path,
                ctx_size: 512,
                parallel: 2,
                max_tokens: 256,
            };
            Arc::new(LlamaEngine::load(config).unwrap())
        })
        .clone()
}

/// A host running in this process until dropped or shut down.
pub struct TestServer {
    pub addr: SocketAddr,
    pub state: Arc<AppState>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl TestServer {
    /// Starts a host with the demo model, the host key 0x11…11 unless `with_key` is false, and
    /// `config`.
    pub async fn start(config: ServerConfig, with_key: bool) -> Self {
        let model = ServedModel::new(Backend::Llama(demo_engine()));
        Self::serving(config, with_key, model).await
    }

    /// [`start`](Self::start) with `model` instead of the demo model.
    pub async fn serving(config: ServerConfig, with_key: bool, model: ServedModel) -> Self {
        let key = with_key.then(host_key);
        let state = Arc::new(AppState::new(config, key, vec![model]).unwrap());
        let server = Server::bind("127.0.0.1:0".parse().unwrap(), Arc::clone(&state))
            .await
            .unwrap();
        let addr = server.local_addr().unwrap();
        let (tx, rx) = oneshot::channel();
        let task = tokio::spawn(server.run(async {
            let _ = rx.await;
        }));
        Self {
            addr,
            state,
            shutdown: Some(tx),
            task: Some(task),
        }
    }

    pub async fn default() -> Self {
        Self::start(ServerConfig::default(), true).await
    }

    pub fn ws_url(&self) -> String {
        format!("ws://{}/v1/ws", self.addr)
    }

    /// Starts the graceful shutdown and waits for it to complete.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.take().unwrap().send(());
        self.task.take().unwrap().await.unwrap().unwrap();
    }

    /// `GET path` → (status, body).
    pub async fn get(&self, path: &str) -> (u16, String) {
        self.http("GET", path, "").await
    }

    /// `POST path` with a JSON `body` → (status, body).
    pub async fn post(&self, path: &str, body: &str) -> (u16, String) {
        self.http("POST", path, body).await
    }

    async fn http(&self, method: &str, path: &str, body: &str) -> (u16, String) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut stream = TcpStream::connect(self.addr).await.unwrap();
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            self.addr,
            body.len()
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).await.unwrap();
        let status = response[9..12].parse().unwrap();
        let body = response
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_owned())
            .unwrap_or_default();
        (status, body)
    }

    /// A metric's value from `/metrics` (the line `name value`).
    pub async fn metric(&self, name: &str) -> f64 {
        let (_, body) = self.get("/metrics").await;
        body.lines()
            .find_map(|line| {
                line.strip_prefix(name)
                    .and_then(|rest| rest.trim().parse().ok())
            })
            .unwrap_or(0.0)
    }
}

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A raw WebSocket client.
pub struct Client {
    pub socket: Socket,
}

impl Client {
    /// Connects and consumes the `connected` greeting (returned).
    pub async fn connect(server: &TestServer) -> (Self, Value) {
        Self::connect_url(&server.ws_url()).await
    }

    /// [`connect`](Self::connect) by URL (for tasks that do not borrow the server).
    pub async fn connect_url(url: &str) -> (Self, Value) {
        let (socket, _) = connect_async(url).await.unwrap();
        let mut client = Self { socket };
        let greeting = client.recv_json().await;
        assert_eq!(greeting["type"], "connected");
        (client, greeting)
    }

    /// Connects with a receive buffer of about `bytes` (so the host's writes block as soon as this
    /// client stops reading) and consumes the greeting.
    pub async fn connect_with_receive_buffer(server: &TestServer, bytes: u32) -> Self {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(bytes).unwrap();
        let stream = socket.connect(server.addr).await.unwrap();
        let (socket, _) = client_async(server.ws_url(), MaybeTlsStream::Plain(stream))
            .await
            .unwrap();
        let mut client = Self { socket };
        assert_eq!(client.recv_json().await["type"], "connected");
        client
    }

    pub async fn send(&mut self, text: impl Into<String>) {
        self.socket.send(Message::text(text.into())).await.unwrap();
    }

    /// The next text frame (panics on close or after FRAME_WAIT).
    pub async fn recv_text(&mut self) -> String {
        match self.recv_message().await {
            Message::Text(text) => text.as_str().to_owned(),
            other => panic!("expected a text frame, got {other:?}"),
        }
    }

    pub async fn recv_json(&mut self) -> Value {
        serde_json::from_str(&self.recv_text().await).unwrap()
    }

    /// The next message that is not a ping/pong.
    pub async fn recv_message(&mut self) -> Message {
        loop {
            let next = tokio::time::timeout(FRAME_WAIT, self.socket.next())
                .await
                .expect("a frame within FRAME_WAIT");
            match next {
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                Some(Ok(message)) => return message,
                other => panic!("connection ended: {other:?}"),
            }
        }
    }

    /// Waits for the server's close frame and returns its code.
    pub async fn expect_close(&mut self) -> CloseCode {
        loop {
            let next = tokio::time::timeout(FRAME_WAIT, self.socket.next())
                .await
                .expect("a close within FRAME_WAIT");
            match next {
                Some(Ok(Message::Close(Some(frame)))) => return frame.code,
                Some(Ok(Message::Close(None))) | None => panic!("closed without a code"),
                Some(Ok(_)) => {}
                Some(Err(err)) => panic!("connection failed before a close frame: {err}"),
            }
        }
    }

    /// An error frame: asserts its code and returns the frame.
    pub async fn expect_error(&mut self, code: &str) -> Value {
        let frame = self.recv_json().await;
        assert_eq!(frame["type"], "error", "{frame}");
        assert_eq!(frame["code"], code, "{frame}");
        frame
    }
}

/// A client with an accepted encrypted session.
pub struct EncryptedClient {
    pub client: Client,
    pub session: ClientSession,
    pub wallet: SecretKey,
}

pub fn init_params(session_id: &str) -> InitParams {
    InitParams {
        session_id: WireId::from(session_id),
        job_id: WireId::from(42u64),
        chain_id: 84532,
        model_name: "confide-demo".into(),
        price_per_token: 1000,
        id: Some(WireId::from("init")),
        timestamp: Some(confide_node_server::clock::unix_now()),
    }
}

impl EncryptedClient {
    pub async fn open(
        server: &TestServer,
        scheme: SignatureScheme,
        wallet: SecretKey,
        session_id: &str,
    ) -> Self {
        Self::open_url(&server.ws_url(), scheme, wallet, session_id).await
    }

    /// [`open`](Self::open) by URL.
    pub async fn open_url(
        url: &str,
        scheme: SignatureScheme,
        wallet: SecretKey,
        session_id: &str,
    ) -> Self {
        let (client, _) = Client::connect_url(url).await;
        Self::open_on(client, scheme, wallet, session_id).await
    }

    /// Opens an encrypted session on an already connected `client`.
    pub async fn open_on(
        mut client: Client,
        scheme: SignatureScheme,
        wallet: SecretKey,
        session_id: &str,
    ) -> Self {
        let mut session = ClientSession::new(*host_key().public_key(), scheme);
        let init = session
            .init_message(&wallet, &mut rand::rng(), &init_params(session_id))
            .unwrap();
        client.send(init).await;
        let ack = client.recv_text().await;
        match session.open(&ack).unwrap() {
            ClientEvent::Ack { client_address } => assert_eq!(client_address, wallet.address()),
            other => panic!("expected an ack, got {other:?}"),
        }
        Self {
            client,
            session,
            wallet,
        }
    }

    /// Sends `request` (JSON) as prompt `id`.
    pub async fn send_prompt(&mut self, id: &str, request: &Value) {
        self.send_prompt_text(id, &request.to_string()).await;
    }

    /// Sends `text` exactly as given (e.g. JSON whose embedded signed bytes must not be
    /// re-serialised) as prompt `id`.
    pub async fn send_prompt_text(&mut self, id: &str, text: &str) {
        let frame = self
            .session
            .seal_prompt(&mut rand::rng(), &WireId::from(id), text.as_bytes())
            .unwrap();
        self.client.send(frame).await;
    }

    /// Reads events until `End` (or an error event); returns all of them.
    pub async fn read_response(&mut self) -> Vec<ClientEvent> {
        let mut events = Vec::new();
        loop {
            let frame = self.client.recv_text().await;
            let event = self.session.open(&frame).unwrap();
            let done = matches!(event, ClientEvent::End { .. } | ClientEvent::Error { .. });
            events.push(event);
            if done {
                return events;
            }
        }
    }
}

/// The concatenated chunk texts of a response.
pub fn text_of(events: &[ClientEvent]) -> String {
    events
        .iter()
        .filter_map(|e| match e {
            ClientEvent::Chunk { text, .. } => Some(text.as_str()),
            _ => None,
        })
        .collect()
}

/// What a complete, checked encrypted response contained.
pub struct CheckedResponse {
    /// The concatenated chunk texts.
    pub text: String,
    /// The decrypted finish reason.
    pub finish_reason: String,
    /// Token counts from `stream_end`.
    pub usage: Usage,
    /// The signed receipt's payload.
    pub record: UsageRecord,
}

/// Checks a complete encrypted response: chunks in order from 0 with only the last one final, the
/// decrypted finish reason equal to the clear one in `stream_end`, and a receipt signed by `host`
/// that commits to exactly this text, this client and these token counts.
pub fn check_response(events: &[ClientEvent], host: &Address, client: &Address) -> CheckedResponse {
    let chunks: Vec<(u64, bool)> = events
        .iter()
        .filter_map(|e| match e {
            ClientEvent::Chunk {
                index, is_final, ..
            } => Some((*index, *is_final)),
            _ => None,
        })
        .collect();
    for (position, (index, is_final)) in chunks.iter().enumerate() {
        assert_eq!(
            (*index, *is_final),
            (position as u64, position + 1 == chunks.len())
        );
    }
    let n = events.len();
    let ClientEvent::Final { finish_reason, .. } = &events[n - 2] else {
        panic!("expected Final, got {:?}", events[n - 2]);
    };
    let ClientEvent::End {
        usage,
        receipt,
        finish_reason: clear_reason,
        ..
    } = &events[n - 1]
    else {
        panic!("expected End, got {:?}", events[n - 1]);
    };
    assert_eq!(clear_reason.as_deref(), Some(finish_reason.as_str()));
    let usage = usage.expect("stream_end carries usage");
    let text = text_of(events);
    let receipt = RawSignedMessage::parse(&receipt.as_ref().expect("a receipt").json).unwrap();
    let verified = receipt
        .verify(&VerifyPolicy::default(), unix_now())
        .unwrap();
    assert_eq!(verified.signer, Some(*host));
    let record: UsageRecord = receipt.payload().unwrap();
    assert_eq!(
        record.response_sha256,
        hex::encode(&sha256(text.as_bytes()))
    );
    assert_eq!(record.client_address, client.to_checksum());
    assert_eq!(
        (record.prompt_tokens, record.completion_tokens),
        (usage.prompt_tokens, usage.completion_tokens)
    );
    CheckedResponse {
        text,
        finish_reason: finish_reason.clone(),
        usage,
        record,
    }
}

/// A greedy request for `max_tokens` tokens.
pub fn greedy(prompt: &str, max_tokens: u32) -> Value {
    serde_json::json!({"prompt": prompt, "max_tokens": max_tokens, "temperature": 0.0})
}

pub mod external;
