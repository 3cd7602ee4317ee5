//! The host side of E2EE sessions (`HostSession`, wrapping the core's `SessionStore`), for hosts
//! written in JavaScript and for tests: accept inits, open prompts, seal chunks and finish reasons.
//! Time is always the caller's `now` (Unix seconds).

use std::sync::{Arc, Mutex, MutexGuard, PoisonError, TryLockError};

use confide_core::crypto::SecretKey;
use confide_core::e2ee::wire::SessionInitAckFrame;
use confide_core::e2ee::{ClientFrame, HostFrame, SessionStore, StoreConfig, WireId};
use confide_core::{Error, ErrorCode};
use napi::Env;
use napi::bindgen_prelude::{AsyncTask, Unknown};
use napi_derive::napi;
use zeroize::Zeroizing;

use crate::args;
use crate::error::{CoreResultExt, JsErr, Result, invalid_argument};
use crate::json;
use crate::keys::parse_secret_key;
use crate::rng::os_rng;
use crate::tasks::{self, CoreTask};

/// Options of `new HostSession(…)`.
#[napi(object, object_to_js = false)]
pub struct HostSessionOptions {
    /// The host's secret key (64 hex digits, optionally `0x`-prefixed); the host keeps a copy,
    /// zeroized when it is garbage-collected.
    pub host_private_key: String,
    /// Maximum number of live sessions (default 1024); past it, `TOO_MANY_SESSIONS`.
    pub capacity: Option<f64>,
    /// Seconds without activity after which a session is dropped (default 1800).
    pub idle_timeout_secs: Option<f64>,
}

/// An accepted `encrypted_session_init`.
#[napi(object, object_from_js = false)]
pub struct InitAccepted {
    /// The `session_init_ack` frame to send back.
    pub ack_frame: String,
    /// The session id (a numeric one in decimal).
    pub session_id: String,
    /// The init's request id, if any.
    pub id: Option<String>,
    /// The client's EIP-55 address, recovered from its signature.
    pub client_address: String,
    /// The scheme the client signed with.
    #[napi(ts_type = "'eip191' | 'sdk-transcript'")]
    pub scheme: String,
    /// True when the init re-keyed an existing session of the same client.
    pub rekeyed: bool,
    /// The job id from the encrypted session data.
    pub job_id: Option<String>,
    /// The model name from the encrypted session data.
    pub model_name: Option<String>,
    /// The agreed price per token from the encrypted session data.
    pub price_per_token: Option<i64>,
}

/// A decrypted prompt.
#[napi(object, object_from_js = false)]
pub struct OpenedMessage<'env> {
    /// The session the prompt belongs to.
    pub session_id: String,
    /// The request id to echo in the replies.
    pub id: Option<String>,
    /// The request: `{prompt}` or `{messages: [{role, content}…]}` plus the optional `model`,
    /// `max_tokens`, `temperature`, `top_p`, `seed`, `stream`.
    #[napi(ts_type = "Record<string, unknown>")]
    pub prompt: Unknown<'env>,
}

/// One chunk for `sealChunk`.
#[napi(object, object_to_js = false)]
pub struct ChunkParams {
    /// The session.
    pub session_id: String,
    /// The request id being answered.
    pub id: Option<String>,
    /// Index within the response, from 0.
    pub index: f64,
    /// The text.
    pub text: String,
    /// Tokens in this chunk (default 1).
    pub tokens: Option<f64>,
    /// Marks the last chunk of the response.
    #[napi(js_name = "final")]
    pub is_final: Option<bool>,
}

/// The host key and the sessions it opened.
struct HostState {
    key: SecretKey,
    store: SessionStore,
}

/// The encrypted sessions of one host connection (or process), keyed by session id, with the
/// host key that opens them. Session keys are zeroized when a session is removed, expires or is
/// re-keyed, and when the host is garbage-collected.
#[napi]
pub struct HostSession {
    state: Arc<Mutex<HostState>>,
}

#[napi]
impl HostSession {
    /// A host with `opts.hostPrivateKey` and optional limits.
    #[napi(constructor)]
    pub fn new(#[napi(ts_arg_type = "HostSessionOptions")] opts: Unknown<'_>) -> Result<Self> {
        let opts: HostSessionOptions = args::convert(opts, "opts")?;
        let key = parse_secret_key(Zeroizing::new(opts.host_private_key))?;
        let defaults = StoreConfig::default();
        let capacity = match opts.capacity {
            Some(n) => positive(n, "opts.capacity")?,
            None => defaults.capacity as u64,
        };
        let config = StoreConfig {
            capacity: usize::try_from(capacity)
                .map_err(|_| invalid_argument("opts.capacity", "too large"))?,
            idle_timeout_secs: match opts.idle_timeout_secs {
                Some(n) => positive(n, "opts.idleTimeoutSecs")?,
                None => defaults.idle_timeout_secs,
            },
        };
        Ok(Self {
            state: Arc::new(Mutex::new(HostState {
                key,
                store: SessionStore::new(config),
            })),
        })
    }

    /// The host's compressed public key (hex), as clients need it.
    #[napi(getter)]
    pub fn public_key(&self) -> Result<String> {
        Ok(self.lock()?.key.public_key().to_hex())
    }

    /// The host's EIP-55 address (the signer of its receipts).
    #[napi(getter)]
    pub fn address(&self) -> Result<String> {
        Ok(self.lock()?.key.address().to_checksum())
    }

    /// The number of live sessions.
    #[napi(getter)]
    pub fn size(&self) -> Result<u32> {
        Ok(u32::try_from(self.lock()?.store.len()).unwrap_or(u32::MAX))
    }

    /// Verifies and stores an `encrypted_session_init` frame (JSON text) received at `now`.
    /// Throws `MISSING_PAYLOAD(_FIELDS)`, `INVALID_HEX_ENCODING`, `INVALID_NONCE_SIZE`,
    /// `INVALID_KEY`, `DECRYPTION_FAILED`, `INVALID_SESSION_DATA`, `INVALID_SIGNATURE`,
    /// `REPLAY_DETECTED`, `SESSION_ID_IN_USE`, `TOO_MANY_SESSIONS`, `INVALID_MESSAGE`.
    #[napi]
    pub fn accept_init(
        &self,
        #[napi(ts_arg_type = "string")] frame: Unknown<'_>,
        #[napi(ts_arg_type = "number")] now: Unknown<'_>,
    ) -> Result<InitAccepted> {
        let frame = args::string(frame, "frame")?;
        let now = args::seconds(now, "now")?;
        accept_init(&mut *self.lock()?, &frame, now)
    }

    /// `acceptInit` on the thread pool (ECDH, decryption and signature recovery off the event
    /// loop). Other calls on this host wait for it or fail as busy.
    #[napi(ts_return_type = "Promise<InitAccepted>")]
    pub fn accept_init_async(
        &self,
        #[napi(ts_arg_type = "string")] frame: Unknown<'_>,
        #[napi(ts_arg_type = "number")] now: Unknown<'_>,
    ) -> Result<AsyncTask<CoreTask<InitAccepted>>> {
        let frame = args::string(frame, "frame")?;
        let now = args::seconds(now, "now")?;
        let state = Arc::clone(&self.state);
        Ok(tasks::spawn(move || {
            let mut state = state.lock().unwrap_or_else(PoisonError::into_inner);
            accept_init(&mut state, &frame, now)
        }))
    }

    /// Opens an `encrypted_message` frame (JSON text) received at `now`. Throws
    /// `SESSION_KEY_NOT_FOUND`, `INVALID_AAD`, `REPLAY_DETECTED`, `NONCE_REUSE`,
    /// `DECRYPTION_FAILED`, `INVALID_MESSAGE`, ….
    #[napi]
    pub fn open_message<'env>(
        &self,
        env: &'env Env,
        #[napi(ts_arg_type = "string")] frame: Unknown<'_>,
        #[napi(ts_arg_type = "number")] now: Unknown<'_>,
    ) -> Result<OpenedMessage<'env>> {
        let frame = args::string(frame, "frame")?;
        let now = args::seconds(now, "now")?;
        let ClientFrame::EncryptedMessage(message) = ClientFrame::parse(&frame).into_js()? else {
            return Err(wrong_frame("encrypted_message"));
        };
        let request = self
            .lock()?
            .store
            .session_mut(&message.session_id, now)
            .and_then(|session| session.open_message(message.payload.as_ref()))
            .into_js()?;
        let prompt = Zeroizing::new(request.to_json());
        Ok(OpenedMessage {
            session_id: message.session_id.to_string(),
            id: message.id.as_ref().map(WireId::to_string),
            prompt: json::parse(env, &prompt)?,
        })
    }

    /// Seals one piece of generated text as an `encrypted_chunk` frame (AAD `chunk_<index>`).
    #[napi]
    pub fn seal_chunk(
        &self,
        #[napi(ts_arg_type = "ChunkParams")] chunk: Unknown<'_>,
        #[napi(ts_arg_type = "number")] now: Unknown<'_>,
    ) -> Result<String> {
        let chunk: ChunkParams = args::convert(chunk, "chunk")?;
        let now = args::seconds(now, "now")?;
        let index = args::uint(chunk.index, "chunk.index")?;
        let tokens = chunk
            .tokens
            .map_or(Ok(1), |n| args::uint(n, "chunk.tokens"))?;
        let request_id = chunk.id.map(WireId::Text);
        let mut state = self.lock()?;
        let session_id = resolve_session_id(&state.store, &chunk.session_id);
        let session = state.store.session_mut(&session_id, now).into_js()?;
        Ok(session.seal_chunk(
            &mut os_rng(),
            request_id.as_ref(),
            index,
            &chunk.text,
            tokens,
            chunk.is_final.unwrap_or(false),
        ))
    }

    /// Seals the finish reason (`stop`, `length`, `cancelled`) as an `encrypted_response` frame,
    /// sent after the last chunk.
    #[napi]
    pub fn seal_final(
        &self,
        #[napi(ts_arg_type = "string")] session_id: Unknown<'_>,
        #[napi(ts_arg_type = "string | null | undefined")] id: Unknown<'_>,
        #[napi(ts_arg_type = "string")] finish_reason: Unknown<'_>,
        #[napi(ts_arg_type = "number")] now: Unknown<'_>,
    ) -> Result<String> {
        let session_id = args::string(session_id, "sessionId")?;
        let request_id = args::opt_string(Some(id), "id")?.map(WireId::Text);
        let finish_reason = args::string(finish_reason, "finishReason")?;
        let now = args::seconds(now, "now")?;
        let mut state = self.lock()?;
        let session_id = resolve_session_id(&state.store, &session_id);
        let session = state.store.session_mut(&session_id, now).into_js()?;
        Ok(session.seal_final(&mut os_rng(), request_id.as_ref(), &finish_reason))
    }

    /// Drops a session and zeroizes its key; whether it existed.
    #[napi]
    pub fn remove(&self, #[napi(ts_arg_type = "string")] session_id: Unknown<'_>) -> Result<bool> {
        let session_id = args::string(session_id, "sessionId")?;
        let mut state = self.lock()?;
        let session_id = resolve_session_id(&state.store, &session_id);
        Ok(state.store.remove(&session_id))
    }

    /// Drops every session idle for the configured timeout at `now`; how many.
    #[napi]
    pub fn expire(&self, #[napi(ts_arg_type = "number")] now: Unknown<'_>) -> Result<u32> {
        let now = args::seconds(now, "now")?;
        let expired = self.lock()?.store.expire(now);
        Ok(u32::try_from(expired).unwrap_or(u32::MAX))
    }

    fn lock(&self) -> Result<MutexGuard<'_, HostState>> {
        match self.state.try_lock() {
            Ok(guard) => Ok(guard),
            Err(TryLockError::Poisoned(poisoned)) => Ok(poisoned.into_inner()),
            Err(TryLockError::WouldBlock) => Err(invalid_argument(
                "this",
                "the host is busy (await acceptInitAsync before using it)",
            )),
        }
    }
}

/// `acceptInit`, shared by the synchronous and the Promise variant.
fn accept_init(state: &mut HostState, frame: &str, now: u64) -> Result<InitAccepted> {
    let ClientFrame::EncryptedSessionInit(init) = ClientFrame::parse(frame).into_js()? else {
        return Err(wrong_frame("encrypted_session_init"));
    };
    let HostState { key, store } = state;
    let accepted = store.accept_init(key, &init, now, |_| true).into_js()?;
    let ack = HostFrame::SessionInitAck(SessionInitAckFrame::new(
        init.session_id.clone(),
        init.job_id.clone(),
        init.chain_id,
        init.id.clone(),
        Some(&accepted.client_address),
    ));
    let session = store.session_mut(&init.session_id, now).into_js()?;
    Ok(InitAccepted {
        ack_frame: ack.to_json(),
        session_id: init.session_id.to_string(),
        id: init.id.as_ref().map(WireId::to_string),
        client_address: accepted.client_address.to_checksum(),
        scheme: accepted.scheme.as_str().to_owned(),
        rekeyed: accepted.rekeyed,
        job_id: session.job_id().map(str::to_owned),
        model_name: session.model_name().map(str::to_owned),
        price_per_token: session
            .price_per_token()
            .map(|p| i64::try_from(p).unwrap_or(i64::MAX)),
    })
}

/// The stored id a caller's string names: the text id, or else the numeric id with that decimal
/// form (a client may send `session_id` as a JSON number).
fn resolve_session_id(store: &SessionStore, text: &str) -> WireId {
    let as_text = WireId::from(text);
    match text.parse::<u64>() {
        Ok(number)
            if !store.contains(&as_text)
                && number.to_string() == text
                && store.contains(&WireId::Number(number)) =>
        {
            WireId::Number(number)
        }
        _ => as_text,
    }
}

/// A limit that must be at least 1.
fn positive(value: f64, name: &str) -> Result<u64> {
    match args::uint(value, name)? {
        0 => Err(invalid_argument(name, "must be at least 1")),
        n => Ok(n),
    }
}

fn wrong_frame(expected: &str) -> JsErr {
    crate::error::from_core(Error::new(
        ErrorCode::InvalidMessage,
        format!("expected an `{expected}` frame"),
    ))
}
