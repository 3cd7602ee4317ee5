//! [`OpenAiUpstream`]: generations streamed from an OpenAI-compatible server over plain HTTP/1.1,
//! one connection per generation.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{ACCEPT, CONTENT_TYPE, HOST};
use hyper::{Request, Uri};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::AbortOnDropHandle;

use super::chunks::{Endpoint, StreamTally, upstream_error};
use super::sse::{SseEvent, SseParser};
use crate::inference::{
    EVENT_BUFFER, EngineError, FinishReason, GenerationEvent, GenerationRequest, ModelInfo,
    PromptInput,
};

/// The task that drives the upstream HTTP connection; dropping it closes the connection.
type ConnectionDriver = AbortOnDropHandle<hyper::Result<()>>;

/// Where the upstream is and what to ask it for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamConfig {
    /// The API base, `http://HOST[:PORT]/PATH` (such as `http://127.0.0.1:8000/v1`); requests go to
    /// `PATH/chat/completions` and `PATH/completions`.
    pub base_url: String,
    /// The model name sent in every request and listed in `/v1/info`.
    pub model: String,
    /// How long the upstream may take to accept the request and answer with its status line; past
    /// it the generation fails with `INFERENCE_FAILED` (a hung upstream never holds a request
    /// forever). Streaming after that is bounded by the client, which can cancel.
    pub response_timeout: Duration,
    /// The context length listed in `/v1/info` (the upstream enforces its own).
    pub context_length: u32,
    /// Upper bound on every request's `max_tokens`.
    pub max_tokens: u32,
}

/// An OpenAI-compatible server (vLLM, llama.cpp's llama-server, TGI, Ollama) that generates in place
/// of the embedded engine. `Send + Sync`; share it through an `Arc`.
#[derive(Debug)]
pub struct OpenAiUpstream {
    /// `host:port`, for connecting and for the `Host` header.
    address: String,
    /// The base URL's path without a trailing `/` (such as `/v1`).
    base_path: String,
    info: ModelInfo,
    max_tokens: u32,
    response_timeout: Duration,
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
                id: config.model,
                context_length: config.context_length,
            },
            max_tokens: config.max_tokens,
            response_timeout: config.response_timeout,
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
        self.max_tokens
    }

    /// The model's name and context length, as configured.
    #[must_use]
    pub fn model_info(&self) -> ModelInfo {
        self.info.clone()
    }

    /// Sends the request to the upstream and streams its answer. Chat prompts go to
    /// `/chat/completions`, text prompts to `/completions`, always with `"stream": true` and
    /// `max_tokens` capped at the configured limit. Events arrive through a bounded channel
    /// ([`EVENT_BUFFER`]), like the engine's; token counts are explained in the
    /// [module docs](super). Cancelling `cancel` or dropping the receiver closes the upstream
    /// connection (the upstream sees the disconnect and stops); after a cancel the stream still
    /// ends with `Done { finish_reason: Cancelled, .. }`.
    ///
    /// # Errors
    /// [`EngineError::Inference`] when the upstream cannot be reached or answers with a non-2xx
    /// status. Failures later in the stream (a malformed chunk, an error chunk, a connection
    /// closed before the end) arrive as [`GenerationEvent::Failed`]. No message contains prompt or
    /// response text.
    pub async fn generate(
        &self,
        request: GenerationRequest,
        cancel: CancellationToken,
    ) -> Result<mpsc::Receiver<GenerationEvent>, EngineError> {
        let (endpoint, body) = self.request_body(&request);
        let tally = StreamTally::new(endpoint);
        let (events, receiver) = mpsc::channel(EVENT_BUFFER);
        let timeout = self.response_timeout;
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
        tokio::spawn(relay(response, connection, tally, cancel, events));
        Ok(receiver)
    }

    /// The endpoint and JSON body for `request`.
    fn request_body(&self, request: &GenerationRequest) -> (Endpoint, Value) {
        let mut body = json!({
            "model": self.info.id,
            "stream": true,
            "stream_options": {"include_usage": true},
            "max_tokens": request.capped_max_tokens(self.max_tokens),
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

    /// Connects, sends the request and checks the status; returns the streaming body and the
    /// connection's driver.
    async fn open(
        &self,
        endpoint: Endpoint,
        body: &Value,
    ) -> Result<(Incoming, ConnectionDriver), EngineError> {
        let address = &self.address;
        let stream = TcpStream::connect(address).await.map_err(|err| {
            upstream_error(format!("cannot reach the upstream at {address}: {err}"))
        })?;
        let _ = stream.set_nodelay(true);
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|err| {
                upstream_error(format!("HTTP handshake with the upstream failed: {err}"))
            })?;
        let connection = AbortOnDropHandle::new(tokio::spawn(connection));
        let path = format!("{}{}", self.base_path, endpoint.path());
        let request = Request::post(&path)
            .header(HOST, address)
            .header(CONTENT_TYPE, "application/json")
            .header(ACCEPT, "text/event-stream")
            .body(Full::new(Bytes::from(body.to_string())))
            .map_err(|err| upstream_error(format!("cannot build the upstream request: {err}")))?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|err| upstream_error(format!("POST {path} to the upstream failed: {err}")))?;
        let status = response.status();
        if !status.is_success() {
            return Err(upstream_error(format!(
                "the upstream answered POST {path} with HTTP {status}"
            )));
        }
        Ok((response.into_body(), connection))
    }
}

/// `x` as the decimal it was written as (`0.7`, not `0.699999988…`) for the JSON body.
fn decimal(x: f32) -> f64 {
    x.to_string().parse().unwrap_or_else(|_| f64::from(x))
}

/// Forwards the upstream's stream to `events`, ending it with exactly one `Done` or `Failed` while
/// the receiver is there. The upstream connection is closed before that last event is sent.
async fn relay(
    mut body: Incoming,
    connection: ConnectionDriver,
    mut tally: StreamTally,
    cancel: CancellationToken,
    events: mpsc::Sender<GenerationEvent>,
) {
    let last = read_stream(&mut body, &mut tally, &cancel, &events).await;
    drop(body);
    drop(connection);
    if let Some(last) = last {
        let _ = events.send(last).await;
    }
}

/// Reads the body's events and sends their text; returns the stream's last event, or `None` when
/// the receiver is gone.
async fn read_stream(
    body: &mut Incoming,
    tally: &mut StreamTally,
    cancel: &CancellationToken,
    events: &mpsc::Sender<GenerationEvent>,
) -> Option<GenerationEvent> {
    let mut parser = SseParser::default();
    loop {
        let frame = tokio::select! {
            biased;
            () = cancel.cancelled() => return Some(tally.done(FinishReason::Cancelled)),
            () = events.closed() => return None,
            frame = body.frame() => frame,
        };
        let bytes = match frame {
            None => {
                return Some(tally.finish_reason().map_or_else(
                    || failed("the upstream closed the stream before it finished"),
                    |reason| tally.done(reason),
                ));
            }
            Some(Err(err)) => {
                return Some(failed(format!(
                    "reading the upstream's stream failed: {err}"
                )));
            }
            Some(Ok(frame)) => match frame.into_data() {
                Ok(bytes) => bytes,
                Err(_trailers) => continue,
            },
        };
        let parsed = match parser.feed(&bytes) {
            Ok(parsed) => parsed,
            Err(err) => return Some(failed(err.to_string())),
        };
        for event in parsed {
            let data = match event {
                SseEvent::Done => {
                    return Some(tally.done(tally.finish_reason().unwrap_or(FinishReason::Stop)));
                }
                SseEvent::Data(data) => data,
            };
            match tally.take(&data) {
                Err(error) => return Some(GenerationEvent::Failed(error)),
                Ok(Some(text)) => {
                    if events
                        .send(GenerationEvent::Text { text, tokens: 1 })
                        .await
                        .is_err()
                    {
                        return None;
                    }
                }
                Ok(None) => {}
            }
        }
    }
}

fn failed(message: impl Into<String>) -> GenerationEvent {
    GenerationEvent::Failed(upstream_error(message))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inference::ChatTurn;

    fn upstream(base_url: &str) -> Result<OpenAiUpstream, EngineError> {
        OpenAiUpstream::new(UpstreamConfig {
            base_url: base_url.into(),
            model: "m".into(),
            context_length: 4096,
            max_tokens: 100,
            response_timeout: Duration::from_secs(60),
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
