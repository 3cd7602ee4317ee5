//! One client connection of a host (`HostConnection`, wrapping the core's host engine
//! `Connection`): frames in, outputs out (`HostOutput`: a frame to send, a close, a generation to
//! start or cancel); generation events in, sealed chunks, the final, `stream_end` and its signed
//! receipt out. Time is the caller's `now_ms` (Unix milliseconds).

use std::future::{Future, ready};
use std::pin::pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

use confide_core::host::{
    Connection, FinishReason as CoreFinishReason, GenerationEvent, GenerationId, InitJob,
    InitOutcome, Output,
};
use confide_core::{Error, ErrorCode};
use zeroize::Zeroizing;

use crate::error::{Result, internal, invalid_argument};
use crate::host::HostEndpoint;
use crate::offload;
use crate::rng::os_rng;

/// Why a generation stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum FinishReason {
    /// The model ended its answer.
    Stop,
    /// `max_tokens` was reached.
    Length,
    /// A cancel, disconnect or shutdown stopped it.
    Cancelled,
}

impl From<FinishReason> for CoreFinishReason {
    fn from(reason: FinishReason) -> Self {
        match reason {
            FinishReason::Stop => Self::Stop,
            FinishReason::Length => Self::Length,
            FinishReason::Cancelled => Self::Cancelled,
        }
    }
}

/// One thing for the caller to do; a call returns them in the order to carry them out.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum HostOutput {
    /// Send `text` to the client as a WebSocket text frame.
    Frame {
        /// The frame (JSON text).
        text: String,
    },
    /// Send a WebSocket Close frame, then drop the connection (call `close()`).
    Close {
        /// 1008 (policy violation) or 1009 (message too big).
        code: u16,
        /// Short reason.
        reason: String,
    },
    /// Start generation `id` for `request_json`; report what it produces with
    /// `generation_text`, `generation_finished` or `generation_failed`.
    Start {
        /// The generation's id, unique within its connection.
        id: u64,
        /// The session it answers (a numeric session id in decimal).
        session_id: String,
        /// The request id it answers.
        request_id: Option<String>,
        /// The model to run (asked by the prompt, else named at the session's init); `None` for
        /// the host's default.
        model: Option<String>,
        /// What to generate, as JSON: `{"prompt"}` or `{"messages": [{role, content}…]}` plus
        /// the optional `model`, `max_tokens`, `temperature`, `top_p`, `seed`, `stream`,
        /// `signed_request`.
        request_json: String,
        /// Whether the session is encrypted.
        encrypted: bool,
    },
    /// Stop generation `id` (the connection has already forgotten it: reporting it as finished
    /// is allowed but not needed).
    Cancel {
        /// The generation's id.
        id: u64,
    },
}

impl HostOutput {
    /// The output for the caller; `None` for metrics (`Observe`) and for `RunInit`, which the
    /// connection runs itself.
    fn from_engine(output: Output) -> Option<Self> {
        Some(match output {
            Output::Frame(text) => Self::Frame { text },
            Output::Close { code, reason } => Self::Close {
                code,
                reason: reason.to_owned(),
            },
            Output::Start(start) => Self::Start {
                id: start.id.0,
                session_id: start.session_id.to_string(),
                request_id: start.request_id.map(|id| id.to_string()),
                model: start.model,
                request_json: Zeroizing::new(start.request.to_json()).to_string(),
                encrypted: start.encrypted,
            },
            Output::Cancel(id) => Self::Cancel { id: id.0 },
            Output::RunInit(_) | Output::Observe(_) => return None,
        })
    }
}

/// One client connection (e.g. one WebSocket) of a `HostEndpoint`: its sessions, running
/// generations and rate limits. Send `greeting()` first; pass every frame the client sends to
/// `handle_frame` and every event of the generations it starts to `generation_text`,
/// `generation_finished` or `generation_failed`; carry out the returned outputs in order. Protocol
/// errors are not raised: they are error frames among the outputs. Session keys are zeroized when
/// sessions expire or are re-keyed, on `close()`, and when the connection is freed. Safe to use
/// from several threads; an init's cryptography and the authorizer run without holding the
/// connection, so other calls (and the authorizer itself) may use it meanwhile.
#[derive(uniffi::Object)]
pub struct HostConnection {
    connection: Mutex<Connection>,
}

#[uniffi::export]
impl HostConnection {
    /// A new connection of `endpoint`, opened at `now_ms`.
    #[uniffi::constructor]
    pub fn new(endpoint: Arc<HostEndpoint>, now_ms: u64) -> Self {
        Self {
            connection: Mutex::new(Connection::new(Arc::clone(&endpoint.endpoint), now_ms)),
        }
    }

    /// The `connected` greeting frame to send when the connection opens.
    pub fn greeting(&self) -> String {
        self.lock().greeting()
    }

    /// Handles one text frame the client sent at `now_ms`. An encrypted session init is verified
    /// during this call (about 0.2 ms of CPU, plus the authorizer).
    pub fn handle_frame(&self, frame: String, now_ms: u64) -> Result<Vec<HostOutput>> {
        let first = self.lock().handle_frame(&frame, now_ms);
        complete_now(self.settle(first, now_ms, |job| ready(Ok(job.run()))))
    }

    /// `handle_frame` with an init's cryptography (and the authorizer) on a worker thread, for
    /// hosts that must not block their event loop.
    pub async fn handle_frame_async(&self, frame: String, now_ms: u64) -> Result<Vec<HostOutput>> {
        let first = self.lock().handle_frame(&frame, now_ms);
        self.settle(first, now_ms, |job| offload::run(move || Ok(job.run())))
            .await
    }

    /// Handles one binary WebSocket message: UTF-8 text is handled as a text frame, anything else
    /// is answered with an `INVALID_MESSAGE` error frame.
    pub fn handle_binary(&self, frame: Vec<u8>, now_ms: u64) -> Result<Vec<HostOutput>> {
        let first = self.lock().handle_binary(&frame, now_ms);
        complete_now(self.settle(first, now_ms, |job| ready(Ok(job.run()))))
    }

    /// Generation `id` produced `text` (whole characters) completing `tokens` tokens, at
    /// `now_ms`. The connection holds back the newest chunk so that the last one can be marked
    /// final, so the outputs carry the previous chunk's frame, if any. Events of a generation the
    /// connection no longer runs yield no outputs.
    pub fn generation_text(
        &self,
        id: u64,
        text: String,
        tokens: u32,
        now_ms: u64,
    ) -> Vec<HostOutput> {
        self.generation(id, GenerationEvent::Text { text, tokens }, now_ms)
    }

    /// Generation `id` ended at `now_ms`: the outputs carry the last chunk (marked final), the
    /// encrypted finish reason, and `stream_end` with the usage and the receipt signed by the host
    /// key.
    pub fn generation_finished(
        &self,
        id: u64,
        finish_reason: FinishReason,
        prompt_tokens: u64,
        completion_tokens: u64,
        now_ms: u64,
    ) -> Vec<HostOutput> {
        let event = GenerationEvent::Finished {
            finish_reason: finish_reason.into(),
            prompt_tokens,
            completion_tokens,
        };
        self.generation(id, event, now_ms)
    }

    /// Generation `id` failed at `now_ms` with the error `code` (a code string such as
    /// `INFERENCE_FAILED` or `TOKEN_LIMIT_EXCEEDED`; an unknown one is `INVALID_ARGUMENT`) and
    /// `message` (sent to the client: no prompt text, no secrets). The outputs carry the error
    /// frame.
    pub fn generation_failed(
        &self,
        id: u64,
        code: String,
        message: String,
        now_ms: u64,
    ) -> Result<Vec<HostOutput>> {
        let code = ErrorCode::parse(&code)
            .ok_or_else(|| invalid_argument("code", "not an error code string of this version"))?;
        let event = GenerationEvent::Failed(Error::new(code, message));
        Ok(self.generation(id, event, now_ms))
    }

    /// Drops the sessions idle past the TTL at `now_ms` (sessions with a running generation are in
    /// use). Call it periodically, e.g. every minute.
    pub fn expire(&self, now_ms: u64) {
        self.lock().expire(now_ms);
    }

    /// Sessions open on this connection.
    pub fn session_count(&self) -> u64 {
        self.lock().session_count() as u64
    }

    /// Ends the connection (the client left, or a `Close` output was carried out): every session
    /// is forgotten (keys zeroized) and the outputs cancel every running generation. Later frames
    /// and events yield no outputs.
    pub fn close(&self) -> Vec<HostOutput> {
        convert(self.lock().close())
    }
}

impl HostConnection {
    fn lock(&self) -> MutexGuard<'_, Connection> {
        self.connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn generation(&self, id: u64, event: GenerationEvent, now_ms: u64) -> Vec<HostOutput> {
        let outputs = self
            .lock()
            .handle_generation(GenerationId(id), event, now_ms, &mut os_rng());
        convert(outputs)
    }

    /// The engine's driver contract for a frame: the outputs in order, where each `RunInit` is run
    /// by `run` without holding the connection and its outcome handed back with `complete_init`
    /// (which may yield more work from frames queued meanwhile).
    async fn settle<F>(
        &self,
        mut pending: Vec<Output>,
        now_ms: u64,
        run: impl Fn(InitJob) -> F,
    ) -> Result<Vec<HostOutput>>
    where
        F: Future<Output = Result<InitOutcome>>,
    {
        let mut done = Vec::new();
        while !pending.is_empty() {
            let mut next = Vec::new();
            for output in pending {
                match output {
                    Output::RunInit(job) => {
                        let outcome = run(job).await?;
                        next.extend(self.lock().complete_init(outcome, now_ms));
                    }
                    other => done.extend(HostOutput::from_engine(other)),
                }
            }
            pending = next;
        }
        Ok(done)
    }
}

fn convert(outputs: Vec<Output>) -> Vec<HostOutput> {
    outputs
        .into_iter()
        .filter_map(HostOutput::from_engine)
        .collect()
}

/// The value of a future that never waits (one whose work all runs inline).
fn complete_now<T>(future: impl Future<Output = Result<T>>) -> Result<T> {
    match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(value) => value,
        Poll::Pending => Err(internal("an inline call waited")),
    }
}
