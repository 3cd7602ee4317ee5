//! `confide-node chat`: a terminal client on the core's `ClientSession`. Fetches `/v1/info`, runs
//! the encrypted handshake (or the deprecated plaintext one), holds a multi-turn conversation,
//! streams each decrypted answer to stdout as it arrives and reports whether the session verified
//! the host's signed receipt (signed by the key in `/v1/info`, over exactly the text it printed).
//! `ws://` or `wss://` (TLS through [`crate::tls`], for a host behind a TLS-terminating proxy).

use std::io::{IsTerminal, Write};

use confide_core::crypto::{PublicKey, SecretKey};
use confide_core::e2ee::{
    ClientEvent, ClientSession, HostFrame, InitParams, PromptRequest, SignatureScheme, WireId,
};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::AsyncBufReadExt;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{WebSocketStream, client_async};

use crate::cli::ChatArgs;
use crate::clock::unix_now;
use crate::http_client::{self, Target, Transport};

/// The WebSocket, over TCP or TLS.
type Socket = WebSocketStream<Box<dyn Transport>>;

/// Environment variable with the client's wallet key; without it an ephemeral key is used.
pub const WALLET_KEY_ENV: &str = "CONFIDE_WALLET_KEY";

/// Where the host is: a `ws://` or `wss://` URL's scheme, host and port.
struct HostUrl(Target);

impl HostUrl {
    fn parse(url: &str) -> Result<Self, String> {
        let uri: hyper::Uri = url
            .parse()
            .map_err(|_| format!("expected a ws:// or wss:// URL, got {url}"))?;
        Target::of(&uri, "ws", "wss").map(Self)
    }

    /// The URL of `path` on the host over HTTP(S).
    fn http(&self, path: &str) -> String {
        let scheme = if self.0.secure { "https" } else { "http" };
        format!("{scheme}://{}:{}{path}", self.0.host, self.0.port)
    }

    /// The URL of `path` on the host over WebSocket.
    fn ws(&self, path: &str) -> String {
        let scheme = if self.0.secure { "wss" } else { "ws" };
        format!("{scheme}://{}:{}{path}", self.0.host, self.0.port)
    }

    /// Opens the WebSocket at `path`, through TLS for `wss://`.
    async fn open(&self, path: &str) -> Result<Socket, String> {
        let url = self.ws(path);
        let transport = self
            .0
            .connect()
            .await
            .map_err(|err| format!("cannot open {url}: {err}"))?;
        let (socket, _) = client_async(url.as_str(), transport)
            .await
            .map_err(|err| format!("cannot open {url}: {err}"))?;
        Ok(socket)
    }
}

/// The largest `/v1/info` answer read.
const INFO_SIZE_CAP: usize = 64 * 1024;

/// `GET /v1/info` of the host.
async fn fetch_info(host: &HostUrl) -> Result<Value, String> {
    let answer = http_client::send(&host.http("/v1/info"), None, INFO_SIZE_CAP).await?;
    if answer.status != hyper::StatusCode::OK {
        return Err(format!("GET /v1/info answered HTTP {}", answer.status));
    }
    serde_json::from_slice(&answer.body).map_err(|_| "/v1/info did not return JSON".to_owned())
}

/// Runs the chat: one turn with `--prompt`, else an interactive conversation, one turn per line
/// of stdin (each sent as it is read). Turns are chat `messages` carrying the conversation so far
/// (the model's chat template applies); `--raw` sends each line as a plain completion prompt.
pub async fn run(args: ChatArgs) -> Result<(), String> {
    let host = HostUrl::parse(&args.url)?;
    let info = fetch_info(&host).await?;
    let mut socket = host.open("/v1/ws").await?;
    let mut session = if args.plaintext {
        open_plaintext(&mut socket).await?
    } else {
        open_encrypted(&mut socket, &info, &args).await?
    };
    let mut conversation = Conversation::new(args.raw);
    let mut lines = match &args.prompt {
        Some(prompt) => Lines::One(Some(prompt.clone())),
        None => Lines::Stdin(tokio::io::BufReader::new(tokio::io::stdin()).lines()),
    };
    let interactive = args.prompt.is_none() && std::io::stdin().is_terminal();
    for n in 0.. {
        if interactive {
            eprint!("> ");
        }
        let Some(line) = lines.next().await? else {
            break;
        };
        if line.trim().is_empty() {
            continue;
        }
        let mut request = conversation.request(&line);
        request["max_tokens"] = json!(args.max_tokens);
        request["temperature"] = json!(args.temperature);
        let id = WireId::Text(format!("prompt-{n}"));
        session.send_prompt(&mut socket, &id, request).await?;
        let answer = session.print_reply(&mut socket).await?;
        conversation.answered(line, answer);
    }
    let _ = socket.close(None).await;
    Ok(())
}

/// Where the turns come from: `--prompt`, or stdin read one line at a time.
enum Lines {
    One(Option<String>),
    Stdin(tokio::io::Lines<tokio::io::BufReader<tokio::io::Stdin>>),
}

impl Lines {
    async fn next(&mut self) -> Result<Option<String>, String> {
        match self {
            Self::One(prompt) => Ok(prompt.take()),
            Self::Stdin(lines) => lines
                .next_line()
                .await
                .map_err(|err| format!("cannot read stdin: {err}")),
        }
    }
}

/// The conversation so far, for chat turns that carry their history.
struct Conversation {
    raw: bool,
    messages: Vec<Value>,
}

impl Conversation {
    fn new(raw: bool) -> Self {
        Self {
            raw,
            messages: Vec::new(),
        }
    }

    /// The request for the user's next `line`.
    fn request(&self, line: &str) -> Value {
        if self.raw {
            return json!({ "prompt": line });
        }
        let mut messages = self.messages.clone();
        messages.push(json!({"role": "user", "content": line}));
        json!({ "messages": messages })
    }

    /// Records a finished turn.
    fn answered(&mut self, line: String, answer: String) {
        if !self.raw {
            self.messages.push(json!({"role": "user", "content": line}));
            self.messages
                .push(json!({"role": "assistant", "content": answer}));
        }
    }
}

/// A chat session in either mode.
enum ChatSession {
    Encrypted(Box<ClientSession>),
    Plaintext,
}

const SESSION_ID: &str = "confide-chat";

async fn open_encrypted(
    socket: &mut Socket,
    info: &Value,
    args: &ChatArgs,
) -> Result<ChatSession, String> {
    let host_key = info["publicKey"]
        .as_str()
        .ok_or("the host has no key (plaintext only): use --plaintext")?;
    let host_key = PublicKey::from_hex(host_key).map_err(|err| err.to_string())?;
    let scheme: SignatureScheme = args
        .scheme
        .parse()
        .map_err(|e: confide_core::Error| e.to_string())?;
    let wallet = match std::env::var(WALLET_KEY_ENV) {
        Ok(text) => SecretKey::from_hex(&text)
            .map_err(|_| format!("{WALLET_KEY_ENV} is not a valid key"))?,
        Err(_) => SecretKey::generate(&mut rand::rng()),
    };
    let model = info["models"][0]["id"]
        .as_str()
        .unwrap_or("default")
        .to_owned();
    let mut client = ClientSession::new(host_key, scheme);
    let params = InitParams {
        session_id: WireId::from(SESSION_ID),
        job_id: WireId::from(0u64),
        chain_id: info["chainIds"][0].as_u64().unwrap_or(0),
        model_name: model,
        price_per_token: 0,
        id: None,
        timestamp: Some(unix_now()),
    };
    let init = client
        .init_message(&wallet, &mut rand::rng(), &params)
        .map_err(|err| err.to_string())?;
    send(socket, init).await?;
    loop {
        match client
            .open(&next_text(socket).await?)
            .map_err(|err| err.to_string())?
        {
            ClientEvent::Ack { client_address } => {
                eprintln!(
                    "[encrypted session open; the host recovered our address {client_address}]"
                );
                return Ok(ChatSession::Encrypted(Box::new(client)));
            }
            ClientEvent::Error { code, message, .. } => return Err(format!("{code}: {message}")),
            _ => {}
        }
    }
}

async fn open_plaintext(socket: &mut Socket) -> Result<ChatSession, String> {
    send(
        socket,
        json!({"type":"session_init","session_id":SESSION_ID}).to_string(),
    )
    .await?;
    loop {
        match HostFrame::parse(&next_text(socket).await?).map_err(|err| err.to_string())? {
            HostFrame::SessionInitAck(_) => {
                eprintln!("[plaintext session open: nothing is encrypted]");
                return Ok(ChatSession::Plaintext);
            }
            HostFrame::Error(error) => return Err(format!("{}: {}", error.code, error.message)),
            _ => {}
        }
    }
}

impl ChatSession {
    async fn send_prompt(
        &mut self,
        socket: &mut Socket,
        id: &WireId,
        request: Value,
    ) -> Result<(), String> {
        let frame = match self {
            Self::Encrypted(client) => {
                let request = PromptRequest::parse(request.to_string().as_bytes())
                    .map_err(|err| err.to_string())?;
                client
                    .seal_prompt(&mut rand::rng(), id, request.to_json().as_bytes())
                    .map_err(|err| err.to_string())?
            }
            Self::Plaintext => {
                let mut frame = json!({"type":"prompt","session_id":SESSION_ID,"id":id});
                frame["request"] = request;
                frame.to_string()
            }
        };
        send(socket, frame).await
    }

    /// Prints the answer as it streams and returns its text.
    async fn print_reply(&mut self, socket: &mut Socket) -> Result<String, String> {
        let mut answer = String::new();
        loop {
            let text = next_text(socket).await?;
            let event = match self {
                Self::Encrypted(client) => client.open(&text).map_err(|err| err.to_string())?,
                Self::Plaintext => plaintext_event(&text)?,
            };
            match event {
                ClientEvent::Chunk { text, .. } => {
                    let mut out = std::io::stdout().lock();
                    let _ = out.write_all(text.as_bytes());
                    let _ = out.flush();
                    answer.push_str(&text);
                }
                ClientEvent::End {
                    finish_reason,
                    usage,
                    receipt,
                    ..
                } => {
                    let _ = writeln!(std::io::stdout());
                    let tokens = usage.map_or(0, |u| u.completion_tokens);
                    eprintln!(
                        "[{}, {tokens} tokens; receipt: {}]",
                        finish_reason.unwrap_or_default(),
                        self.describe_receipt(receipt.is_some())
                    );
                    return Ok(answer);
                }
                ClientEvent::Error { code, message, .. } => {
                    return Err(format!("{code}: {message}"));
                }
                _ => {}
            }
        }
    }

    /// What the session concluded about the receipt of a response.
    fn describe_receipt(&self, verified: bool) -> String {
        match self {
            Self::Encrypted(client) if verified => {
                format!("signed by the host {}", client.host_address())
            }
            _ => "none (the answer is unverified)".into(),
        }
    }
}

/// Plaintext frames as client events (the encrypted session refuses them); nothing is verified in
/// plaintext mode, so receipts are dropped.
fn plaintext_event(text: &str) -> Result<ClientEvent, String> {
    Ok(
        match HostFrame::parse(text).map_err(|err| err.to_string())? {
            HostFrame::StreamChunk(chunk) => ClientEvent::Chunk {
                id: chunk.id,
                index: chunk.index,
                text: chunk.content,
                is_final: false,
            },
            HostFrame::StreamEnd(end) => ClientEvent::End {
                id: end.id,
                finish_reason: end.finish_reason,
                usage: end.usage,
                receipt: None,
                max_tokens_capped: end.max_tokens_capped,
            },
            HostFrame::Error(error) => ClientEvent::from(error),
            _ => ClientEvent::Pong,
        },
    )
}

async fn send(socket: &mut Socket, text: String) -> Result<(), String> {
    socket
        .send(Message::text(text))
        .await
        .map_err(|err| format!("send failed: {err}"))
}

async fn next_text(socket: &mut Socket) -> Result<String, String> {
    loop {
        match socket.next().await {
            Some(Ok(Message::Text(text))) => return Ok(text.as_str().to_owned()),
            Some(Ok(Message::Close(frame))) => {
                return Err(format!("the host closed the connection: {frame:?}"));
            }
            Some(Ok(_)) => {}
            Some(Err(err)) => return Err(format!("connection failed: {err}")),
            None => return Err("the host closed the connection".into()),
        }
    }
}
