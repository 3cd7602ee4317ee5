//! One client connection of a host (`HostConnection`, wrapping the core's host engine
//! `Connection`): frames in, outputs out (`HostOutput`: a frame to send, a close, a generation to
//! start or cancel); generation events in, sealed chunks, the final, `stream_end` and its signed
//! receipt out. Time is the caller's `nowMs` (Unix milliseconds).

use std::cell::{RefCell, RefMut};

use confide_core::host::{Connection, FinishReason, GenerationEvent, GenerationId, Output};
use confide_core::{Error, ErrorCode};
use napi::Env;
use napi::bindgen_prelude::{
    BigInt, ClassInstance, Either, Either4, JavaScriptClassExt, Uint8Array, Unknown,
};
use napi_derive::napi;
use zeroize::Zeroizing;

use crate::args;
use crate::error::{Result, invalid_argument};
use crate::host::{HostEndpoint, millis, with_call_env};
use crate::json;
use crate::rng::os_rng;

/// How a generation ended, for `generationFinished`.
#[napi(object, object_to_js = false)]
pub struct GenerationFinish {
    /// Why it stopped.
    #[napi(ts_type = "'stop' | 'length' | 'cancelled'")]
    pub finish_reason: String,
    /// Tokens in the prompt.
    pub prompt_tokens: Either<f64, BigInt>,
    /// Tokens generated.
    pub completion_tokens: Either<f64, BigInt>,
}

/// `{type: 'frame', text}`: send `text` to the client as a WebSocket text frame.
#[napi(object, object_from_js = false)]
pub struct HostFrameOutput {
    /// `'frame'`.
    #[napi(js_name = "type", ts_type = "'frame'")]
    pub kind: String,
    /// The frame (JSON text).
    pub text: String,
}

/// `{type: 'close', code, reason}`: send a WebSocket Close frame, then drop the connection (call
/// `close()`).
#[napi(object, object_from_js = false)]
pub struct HostCloseOutput {
    /// `'close'`.
    #[napi(js_name = "type", ts_type = "'close'")]
    pub kind: String,
    /// 1008 (policy violation) or 1009 (message too big).
    pub code: u32,
    /// Short reason.
    pub reason: String,
}

/// `{type: 'start', id, sessionId, requestId, model, request, encrypted}`: start generation `id`
/// for `request`; report what it produces with `generationText`, `generationFinished` or
/// `generationFailed`.
#[napi(object, object_from_js = false)]
pub struct HostStartOutput<'env> {
    /// `'start'`.
    #[napi(js_name = "type", ts_type = "'start'")]
    pub kind: String,
    /// The generation's id, unique within its connection.
    pub id: BigInt,
    /// The session it answers (a numeric session id in decimal).
    pub session_id: String,
    /// The request id it answers.
    pub request_id: Option<String>,
    /// The model to run (asked by the prompt, else named at the session's init); absent for the
    /// host's default.
    pub model: Option<String>,
    /// What to generate: `{prompt}` or `{messages: [{role, content}…]}` plus the optional `model`,
    /// `max_tokens`, `temperature`, `top_p`, `seed`, `stream`, `signed_request`.
    #[napi(ts_type = "Record<string, unknown>")]
    pub request: Unknown<'env>,
    /// Whether the session is encrypted.
    pub encrypted: bool,
}

/// `{type: 'cancel', id}`: stop generation `id` (the connection has already forgotten it:
/// reporting it as finished is allowed but not needed).
#[napi(object, object_from_js = false)]
pub struct HostCancelOutput {
    /// `'cancel'`.
    #[napi(js_name = "type", ts_type = "'cancel'")]
    pub kind: String,
    /// The generation's id.
    pub id: BigInt,
}

/// One thing for the caller to do; a call returns them in the order to carry them out.
#[napi]
pub type HostOutput<'env> =
    Either4<HostFrameOutput, HostCloseOutput, HostStartOutput<'env>, HostCancelOutput>;

/// Converts one engine output. `RunInit` never occurs (inits run inline here) and `Observe`
/// (metrics) is not surfaced.
fn output<'env>(env: &'env Env, output: Output) -> Result<Option<HostOutput<'env>>> {
    Ok(Some(match output {
        Output::Frame(text) => Either4::A(HostFrameOutput {
            kind: "frame".to_owned(),
            text,
        }),
        Output::Close { code, reason } => Either4::B(HostCloseOutput {
            kind: "close".to_owned(),
            code: code.into(),
            reason: reason.to_owned(),
        }),
        Output::Start(start) => Either4::C(HostStartOutput {
            kind: "start".to_owned(),
            id: BigInt::from(start.id.0),
            session_id: start.session_id.to_string(),
            request_id: start.request_id.map(|id| id.to_string()),
            model: start.model,
            request: json::parse(env, &Zeroizing::new(start.request.to_json()))?,
            encrypted: start.encrypted,
        }),
        Output::Cancel(id) => Either4::D(HostCancelOutput {
            kind: "cancel".to_owned(),
            id: BigInt::from(id.0),
        }),
        Output::RunInit(_) | Output::Observe(_) => return Ok(None),
    }))
}

/// One client connection (e.g. one WebSocket) of a `HostEndpoint`: its sessions, running
/// generations and rate limits. Send `greeting()` first; pass every frame the client sends to
/// `handleFrame` and every event of the generations it starts to `generationText`,
/// `generationFinished` or `generationFailed`; carry out the returned outputs in order. Protocol
/// errors are not thrown: they are error frames among the outputs. Session keys are zeroized when
/// sessions expire or are re-keyed, on `close()`, and when the connection is garbage-collected.
#[napi]
pub struct HostConnection {
    connection: RefCell<Connection>,
}

#[napi]
impl HostConnection {
    /// A new connection of `endpoint`, opened at `nowMs` (Unix milliseconds).
    #[napi(constructor)]
    pub fn new(
        env: Env,
        #[napi(ts_arg_type = "HostEndpoint")] endpoint: Unknown<'_>,
        #[napi(ts_arg_type = "number")] now_ms: Unknown<'_>,
    ) -> Result<Self> {
        let now_ms = millis(now_ms)?;
        if !HostEndpoint::instance_of(&env, &endpoint).unwrap_or(false) {
            return Err(invalid_argument("endpoint", "expected a HostEndpoint"));
        }
        let endpoint: ClassInstance<HostEndpoint> = args::convert(endpoint, "endpoint")?;
        Ok(Self {
            connection: RefCell::new(Connection::new(endpoint.endpoint.clone(), now_ms)),
        })
    }

    /// The `connected` greeting frame to send when the connection opens.
    #[napi]
    pub fn greeting(&self) -> Result<String> {
        Ok(self.borrow()?.greeting())
    }

    /// Handles one frame the client sent at `nowMs`: a string, or the bytes of a WebSocket
    /// message (a `Buffer` from `ws`; anything but UTF-8 text is answered with an
    /// `INVALID_MESSAGE` error frame). An encrypted session init is verified during this call
    /// (about 0.2 ms of CPU, plus the `authorize` callback).
    #[napi]
    pub fn handle_frame<'env>(
        &self,
        env: &'env Env,
        #[napi(ts_arg_type = "string | Uint8Array")] frame: Unknown<'_>,
        #[napi(ts_arg_type = "number")] now_ms: Unknown<'_>,
    ) -> Result<Vec<HostOutput<'env>>> {
        let frame: Either<String, Uint8Array> = args::convert(frame, "frame")?;
        let now_ms = millis(now_ms)?;
        let mut connection = self.borrow()?;
        let outputs = with_call_env(env, || match &frame {
            Either::A(text) => connection.handle_frame_inline(text, now_ms),
            Either::B(bytes) => match std::str::from_utf8(bytes) {
                Ok(text) => connection.handle_frame_inline(text, now_ms),
                Err(_) => connection.handle_binary(bytes, now_ms),
            },
        });
        convert(env, outputs)
    }

    /// Generation `id` produced `text` (whole characters) completing `tokens` tokens, at `nowMs`.
    /// The connection holds back the newest chunk so that the last one can be marked final, so
    /// the outputs carry the previous chunk's frame, if any. Events of a generation the connection
    /// no longer runs yield no outputs.
    #[napi]
    pub fn generation_text<'env>(
        &self,
        env: &'env Env,
        #[napi(ts_arg_type = "bigint | number")] id: Unknown<'_>,
        #[napi(ts_arg_type = "string")] text: Unknown<'_>,
        #[napi(ts_arg_type = "number")] tokens: Unknown<'_>,
        #[napi(ts_arg_type = "number")] now_ms: Unknown<'_>,
    ) -> Result<Vec<HostOutput<'env>>> {
        let text = args::string(text, "text")?;
        let tokens = args::uint(args::convert(tokens, "tokens")?, "tokens")?;
        let tokens = u32::try_from(tokens).map_err(|_| invalid_argument("tokens", "too large"))?;
        self.generation(env, id, now_ms, GenerationEvent::Text { text, tokens })
    }

    /// Generation `id` ended at `nowMs`: the outputs carry the last chunk (marked final), the
    /// encrypted finish reason, and `stream_end` with the usage and the receipt signed by the host
    /// key. Token counts may be numbers or BigInts.
    #[napi]
    pub fn generation_finished<'env>(
        &self,
        env: &'env Env,
        #[napi(ts_arg_type = "bigint | number")] id: Unknown<'_>,
        #[napi(ts_arg_type = "GenerationFinish")] finish: Unknown<'_>,
        #[napi(ts_arg_type = "number")] now_ms: Unknown<'_>,
    ) -> Result<Vec<HostOutput<'env>>> {
        let finish: GenerationFinish = args::convert(finish, "finish")?;
        let finish_reason = match finish.finish_reason.as_str() {
            "stop" => FinishReason::Stop,
            "length" => FinishReason::Length,
            "cancelled" => FinishReason::Cancelled,
            _ => {
                return Err(invalid_argument(
                    "finish.finishReason",
                    "expected 'stop', 'length' or 'cancelled'",
                ));
            }
        };
        let event = GenerationEvent::Finished {
            finish_reason,
            prompt_tokens: args::uint_or_bigint(finish.prompt_tokens, "finish.promptTokens")?,
            completion_tokens: args::uint_or_bigint(
                finish.completion_tokens,
                "finish.completionTokens",
            )?,
        };
        self.generation(env, id, now_ms, event)
    }

    /// Generation `id` failed at `nowMs` with the error `code` (a code string such as
    /// `'INFERENCE_FAILED'` or `'TOKEN_LIMIT_EXCEEDED'`) and `message` (sent to the client: no
    /// prompt text, no secrets). The outputs cancel the generation and carry the error frame.
    #[napi]
    pub fn generation_failed<'env>(
        &self,
        env: &'env Env,
        #[napi(ts_arg_type = "bigint | number")] id: Unknown<'_>,
        #[napi(ts_arg_type = "string")] code: Unknown<'_>,
        #[napi(ts_arg_type = "string")] message: Unknown<'_>,
        #[napi(ts_arg_type = "number")] now_ms: Unknown<'_>,
    ) -> Result<Vec<HostOutput<'env>>> {
        let code = args::string(code, "code")?;
        let code = ErrorCode::parse(&code)
            .ok_or_else(|| invalid_argument("code", "not an error code string of this version"))?;
        let message = args::string(message, "message")?;
        self.generation(
            env,
            id,
            now_ms,
            GenerationEvent::Failed(Error::new(code, message)),
        )
    }

    /// Drops the sessions idle past the TTL at `nowMs` (sessions with a running generation are in
    /// use). Call it periodically, e.g. every minute.
    #[napi]
    pub fn expire(&self, #[napi(ts_arg_type = "number")] now_ms: Unknown<'_>) -> Result<()> {
        let now_ms = millis(now_ms)?;
        self.borrow()?.expire(now_ms);
        Ok(())
    }

    /// Ends the connection (the client left, or a `close` output was carried out): every session
    /// is forgotten (keys zeroized) and the outputs cancel every running generation. Later frames
    /// and events yield no outputs.
    #[napi]
    pub fn close<'env>(&self, env: &'env Env) -> Result<Vec<HostOutput<'env>>> {
        let outputs = self.borrow()?.close();
        convert(env, outputs)
    }

    /// The shared body of the generation events.
    fn generation<'env>(
        &self,
        env: &'env Env,
        id: Unknown<'_>,
        now_ms: Unknown<'_>,
        event: GenerationEvent,
    ) -> Result<Vec<HostOutput<'env>>> {
        let id = GenerationId(args::uint_or_bigint(args::convert(id, "id")?, "id")?);
        let now_ms = millis(now_ms)?;
        let outputs = self
            .borrow()?
            .handle_generation(id, event, now_ms, &mut os_rng());
        convert(env, outputs)
    }

    fn borrow(&self) -> Result<RefMut<'_, Connection>> {
        self.connection.try_borrow_mut().map_err(|_| {
            invalid_argument(
                "this",
                "the connection is busy (called from its own authorize callback)",
            )
        })
    }
}

/// The engine's outputs as JS objects.
fn convert<'env>(env: &'env Env, outputs: Vec<Output>) -> Result<Vec<HostOutput<'env>>> {
    outputs
        .into_iter()
        .filter_map(|o| output(env, o).transpose())
        .collect()
}
