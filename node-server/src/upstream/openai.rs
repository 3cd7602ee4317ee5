//! [`OpenAiUpstream`]: generations streamed from an OpenAI-compatible server over plain HTTP/1.1,
//! reusing keep-alive connections (`pool`); each stream is relayed (`relay`) within its bounds.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{ACCEPT, CONTENT_TYPE, HOST};
use hyper::{Request, Uri};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::AbortOnDropHandle;
use tracing::warn;

use super::chunks::{Endpoint, StreamTally, upstream_error};
use super::pool::{Connection, Pool};
use super::relay::{Stream, StreamBounds, relay};
use crate::inference::{
    EVENT_BUFFER, EngineError, FinishReason, GenerationEvent, GenerationRequest, ModelInfo,
    PromptInput,
};

/// Text deltas a stream may carry beyond its `max_tokens` (servers that split a token's bytes
/// over two deltas); past `2 × max_tokens + DELTA_SLACK` the stream fails.
const DELTA_SLACK: u64 = 16;

/// Where the upstream is, what to ask it for, and the bounds of every stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamConfig {
    /// The API base, `http://HOST[:PORT]/PATH` (such as `http://127.0.0.1:8000/v1`); requests go to
    /// `PATH/chat/completions` and `PATH/completions`.
    pub base_url: String,
    /// The model name sent in every request and listed in `/v1/info`.
    pub model: String,
    /// How long the upstream may take to accept the request and answer with its status line; past
    /// it the generation fails with `INFERENCE_FAILED` (a hung upstream never holds a request
    /// forever).
    pub response_timeout: Duration,
    /// How long a whole stream may take, from the request to its last event.
    pub stream_timeout: Duration,
    /// Longest silence between two pieces of a stream.
    pub idle_timeout: Duration,
    /// Most bytes one stream may carry.
    pub max_stream_bytes: usize,
    /// The context length listed in `/v1/info` (the upstream enforces its own).
    pub context_length: u32,
    /// Upper bound on every request's `max_tokens`.
    pub max_tokens: u32,
}

impl UpstreamConfig {
    /// The upstream at `base_url` serving `model`, with the default bounds: 60 s to answer,
    /// 10 min per stream, 30 s of silence, 16 MiB per stream, a 4096-token context and 512 tokens.
    #[must_use]
    pub fn new(base_url: impl Into<String>, model: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            model: model.into(),
            response_timeout: Duration::from_secs(60),
            stream_timeout: Duration::from_secs(600),
            idle_timeout: Duration::from_secs(30),
            max_stream_bytes: 16 << 20,
            context_length: 4096,
            max_tokens: 512,
        }
    }
}

/// An OpenAI-compatible server (vLLM, llama.cpp's llama-server, TGI, Ollama) that generates in place
/// of the embedded engine. `Send + Sync`; share it through an `Arc`.
///
/// Errors clients see never name the upstream's address nor repeat what it answered; the host's
/// log has the details.
#[derive(Debug)]
pub struct OpenAiUpstream {
    /// `host:port`, for connecting and for the `Host` header.
    address: String,
    /// The base URL's path without a trailing `/` (such as `/v1`).
    base_path: String,
    info: ModelInfo,
    config: UpstreamConfig,
    pool: Arc<Pool>,
}

impl OpenAiUpstream {
    /// Checks the base URL. Only `http://` is supported: run the upstream on the same machine or a
    /// private network, or put a local TLS-terminating proxy in front of a remote one.
    ///
    /// # Errors
    /// [`EngineError::Config`] when the base URL is not an `http://` URL with a host.
    pub fn new(config: UpstreamConfig) -> Result<Self, EngineError> {
        let url = &config.base_url;
        let uri: Uri = url
            .parse()
            .map_err(|_| EngineError::Config(format!("upstream URL {url} is not a URL")))?;
        match uri.scheme_str() {
            Some("http") => {}
            Some("https") => {
                return Err(EngineError::Config(format!(
                    "upstream URL {url}: https:// is not supported; confide-node speaks plain HTTP to \
                     its upstream, so run the upstream locally or on a private network, or terminate \
                     TLS in a local proxy and point --upstream at it"
                )));
            }
            _ => {
                return Err(EngineError::Config(format!(
                    "upstream URL {url} must start with http://"
                )));
            }
        }
        let authority = uri
            .authority()
            .ok_or_else(|| EngineError::Config(format!("upstream URL {url} has no host")))?;
        Ok(Self {
            address: format!(
                "{}:{}",
                authority.host(),
                authority.port_u16().unwrap_or(80)
            ),
            base_path: uri.path().trim_end_matches('/').to_owned(),
            info: ModelInfo {
                id: config.model.clone(),
                context_length: config.context_length,
            },
            config,
            pool: Arc::default(),
        })
    }

    /// Whether a TCP connection to the upstream opens within `timeout` (the health check).
    pub async fn is_reachable(&self, timeout: Duration) -> bool {
        let connect = tokio::net::TcpStream::connect(&self.address);
        matches!(tokio::time::timeout(timeout, connect).await, Ok(Ok(_)))
    }

    /// The most tokens one request may generate.
    #[must_use]
    pub fn max_tokens(&self) -> u32 {
        self.config.max_tokens
    }

    /// The model's name and context length, as configured.
    #[must_use]
    pub fn model_info(&self) -> ModelInfo {
        self.info.clone()
    }

    /// Keep-alive connections to the upstream waiting for the next request.
    #[must_use]
    pub fn idle_connections(&self) -> usize {
        self.pool.idle()
    }

    /// Sends the request to the upstream and streams its answer. Chat prompts go to
    /// `/chat/completions`, text prompts to `/completions`, always with `"stream": true` and
    /// `max_tokens` capped at the configured limit. Events arrive through a bounded channel
    /// ([`EVENT_BUFFER`]), like the engine's; token counts are explained in the
    /// [module docs](super). Cancelling `cancel` or dropping the receiver closes the upstream
    /// connection (the upstream sees the disconnect and stops); after a cancel the stream still
    /// ends with `Done { finish_reason: Cancelled, .. }`. A stream past its deadline, silent for
    /// longer than the idle timeout, or larger than its byte or delta cap fails and its connection
    /// is closed.
    ///
    /// # Errors
    /// [`EngineError::Inference`] when the upstream cannot be reached or answers with a non-2xx
    /// status. Failures later in the stream arrive as [`GenerationEvent::Failed`]. No message
    /// contains prompt or response text, the upstream's address or its answer.
    pub async fn generate(
        &self,
        request: GenerationRequest,
        cancel: CancellationToken,
    ) -> Result<mpsc::Receiver<GenerationEvent>, EngineError> {
        let (endpoint, body) = self.request_body(&request);
        let max_tokens = request.capped_max_tokens(self.config.max_tokens);
        let bounds = StreamBounds {
            deadline: Instant::now() + self.config.stream_timeout,
            idle: self.config.idle_timeout,
            max_bytes: self.config.max_stream_bytes,
            max_deltas: 2 * u64::from(max_tokens) + DELTA_SLACK,
        };
        let tally = StreamTally::new(endpoint);
        let (events, receiver) = mpsc::channel(EVENT_BUFFER);
        let timeout = self.config.response_timeout;
        let bounded = async {
            tokio::time::timeout(timeout, self.open(endpoint, &body))
                .await
                .unwrap_or_else(|_| {
                    Err(upstream_error(format!(
                        "the upstream did not answer within {} ms",
                        timeout.as_millis()
                    )))
                })
        };
        let Some(opened) = cancel.run_until_cancelled(bounded).await else {
            events
                .try_send(tally.done(FinishReason::Cancelled))
                .expect("a new channel has room for one event");
            return Ok(receiver);
        };
        let (response, connection) = opened?;
        let stream = Stream {
            tally,
            bounds,
            cancel,
            events,
        };
        tokio::spawn(relay(response, connection, Arc::clone(&self.pool), stream));
        Ok(receiver)
    }

    /// The endpoint and JSON body for `request`.
    fn request_body(&self, request: &GenerationRequest) -> (Endpoint, Value) {
        let mut body = json!({
            "model": self.info.id,
            "stream": true,
            "stream_options": {"include_usage": true},
            "max_tokens": request.capped_max_tokens(self.config.max_tokens),
            "temperature": decimal(request.temperature),
            "top_p": decimal(request.top_p),
        });
        if let Some(seed) = request.seed {
            body["seed"] = seed.into();
        }
        let endpoint = match &request.prompt {
            PromptInput::Chat(turns) => {
                body["messages"] = turns
                    .iter()
                    .map(|turn| json!({"role": turn.role, "content": turn.content}))
                    .collect();
                Endpoint::Chat
            }
            PromptInput::Text(text) => {
                body["prompt"] = text.as_str().into();
                Endpoint::Completions
            }
        };
        (endpoint, body)
    }

    /// Sends the request on a kept connection (or a new one when none is left, or when the kept
    /// one turns out closed) and checks the status; returns the streaming body and the connection.
    async fn open(
        &self,
        endpoint: Endpoint,
        body: &Value,
    ) -> Result<(Incoming, Connection), EngineError> {
        let path = format!("{}{}", self.base_path, endpoint.path());
        let body = Bytes::from(body.to_string());
        if let Some(kept) = self.pool.take()
            && let Ok(opened) = self.send(kept, &path, body.clone()).await
        {
            return Ok(opened);
        }
        let connection = self.connect().await?;
        self.send(connection, &path, body).await
    }

    async fn connect(&self) -> Result<Connection, EngineError> {
        let address = &self.address;
        let stream = TcpStream::connect(address).await.map_err(|err| {
            warn!(upstream = %address, error = %err, "cannot reach the upstream");
            upstream_error("the upstream cannot be reached")
        })?;
        let _ = stream.set_nodelay(true);
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|err| {
                warn!(upstream = %address, error = %err, "HTTP handshake with the upstream failed");
                upstream_error("the connection to the upstream failed")
            })?;
        let driver = AbortOnDropHandle::new(tokio::spawn(connection));
        Ok(Connection::new(sender, driver))
    }

    async fn send(
        &self,
        mut connection: Connection,
        path: &str,
        body: Bytes,
    ) -> Result<(Incoming, Connection), EngineError> {
        let address = &self.address;
        let request = Request::post(path)
            .header(HOST, address)
            .header(CONTENT_TYPE, "application/json")
            .header(ACCEPT, "text/event-stream")
            .body(Full::new(body))
            .map_err(|_| upstream_error("cannot build the upstream request"))?;
        let response = connection
            .sender
            .send_request(request)
            .await
            .map_err(|err| {
                warn!(upstream = %address, %path, error = %err, "the upstream request failed");
                upstream_error("the request to the upstream failed")
            })?;
        let status = response.status();
        if !status.is_success() {
            // The body is never read: whatever the upstream says stays out of clients' errors.
            warn!(upstream = %address, %path, %status, "the upstream refused the request");
            return Err(upstream_error(format!(
                "the upstream refused the request (HTTP {})",
                status.as_u16()
            )));
        }
        Ok((response.into_body(), connection))
    }
}

/// `x` as the decimal it was written as (`0.7`, not `0.699999988…`) for the JSON body.
fn decimal(x: f32) -> f64 {
    x.to_string().parse().unwrap_or_else(|_| f64::from(x))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inference::ChatTurn;

    fn upstream(base_url: &str) -> Result<OpenAiUpstream, EngineError> {
        OpenAiUpstream::new(UpstreamConfig {
            max_tokens: 100,
            ..UpstreamConfig::new(base_url, "m")
        })
    }

    #[test]
    fn base_urls() {
        let plain = upstream("http://127.0.0.1:8000/v1/").unwrap();
        assert_eq!(
            (plain.address.as_str(), plain.base_path.as_str()),
            ("127.0.0.1:8000", "/v1")
        );
        let default_port = upstream("http://[::1]/api/v1").unwrap();
        assert_eq!(default_port.address, "[::1]:80");
        let tls = upstream("https://example.com/v1").unwrap_err().to_string();
        assert!(tls.contains("https:// is not supported"), "{tls}");
        assert!(upstream("ws://example.com").is_err());
        assert!(upstream("not a url").is_err());
    }

    #[test]
    fn request_bodies() {
        let upstream = upstream("http://h:1/v1").unwrap();
        let mut request = GenerationRequest {
            prompt: PromptInput::Chat(vec![ChatTurn {
                role: "user".into(),
                content: "Hi".into(),
            }]),
            max_tokens: Some(500),
            temperature: 0.7,
            top_p: 0.95,
            seed: Some(9),
        };
        let (endpoint, body) = upstream.request_body(&request);
        assert_eq!(endpoint, Endpoint::Chat);
        assert_eq!(
            body,
            json!({
                "model": "m", "stream": true, "stream_options": {"include_usage": true},
                "max_tokens": 100, "temperature": 0.7, "top_p": 0.95, "seed": 9,
                "messages": [{"role": "user", "content": "Hi"}],
            })
        );
        request.prompt = PromptInput::Text("Once".into());
        request.max_tokens = Some(5);
        request.seed = None;
        let (endpoint, body) = upstream.request_body(&request);
        assert_eq!(endpoint, Endpoint::Completions);
        assert_eq!(
            (body["prompt"].as_str(), body["max_tokens"].as_u64()),
            (Some("Once"), Some(5))
        );
        assert!(body.get("seed").is_none() && body.get("messages").is_none());
    }
}
