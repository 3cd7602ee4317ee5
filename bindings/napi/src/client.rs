//! The client side of an E2EE session (`ClientSession`): init frame, sealed prompts, opened host
//! frames, close.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError, TryLockError};
use std::time::{SystemTime, UNIX_EPOCH};

use confide_core::ErrorCode;
use confide_core::crypto::{PublicKey, SecretKey, Signer};
use confide_core::e2ee::{self, InitParams, PromptRequest, SignatureScheme, WireId};
use napi::bindgen_prelude::{AsyncTask, BigInt, Either, FunctionRef, Uint8Array, Unknown};
use napi::{Env, ValueType};
use napi_derive::napi;
use zeroize::Zeroizing;

use crate::args;
use crate::error::{CoreResultExt, Result, from_core, internal, invalid_argument};
use crate::event;
use crate::json;
use crate::keys::parse_secret_key;
use crate::rng::os_rng;
use crate::signer::JsSigner;
use crate::tasks::{self, CoreTask};

/// Options of `new ClientSession(…)`. Give `walletPrivateKey` or `signer`.
#[napi(object, object_to_js = false)]
pub struct ClientSessionOptions {
    /// The host's public key: hex of its SEC1 encoding (33 or 65 bytes), from `/v1/info`.
    pub host_public_key: String,
    /// The wallet key signing the init (64 hex digits, optionally `0x`-prefixed); the session keeps
    /// a copy, zeroized on `close()` and when the session is garbage-collected.
    pub wallet_private_key: Option<String>,
    /// An external signer (wallet, HSM), called synchronously by `initMessage` with the 32-byte
    /// digest; returns the 65-byte signature `r ‖ s ‖ v`. Used when `walletPrivateKey` is absent.
    #[napi(ts_type = "(digest: Uint8Array) => Uint8Array")]
    pub signer: Option<FunctionRef<Uint8Array, Unknown<'static>>>,
    /// How the init is signed: `'eip191'` (default) or `'sdk-transcript'` (the deployed SDK's).
    #[napi(ts_type = "'eip191' | 'sdk-transcript'")]
    pub scheme: Option<String>,
}

/// What `initMessage` tells the host.
#[napi(object, object_to_js = false)]
pub struct InitMessageParams {
    /// Session id (usually a UUID).
    pub session_id: String,
    /// On-chain job id: a number is sent as a JSON number, a string as a JSON string.
    pub job_id: Either<f64, String>,
    /// Chain id (e.g. 84532).
    pub chain_id: f64,
    /// Model to use.
    pub model_name: String,
    /// Agreed price per token.
    pub price_per_token: Either<f64, BigInt>,
    /// Optional request id, echoed in the host's ack.
    pub id: Option<String>,
    /// The current time in Unix seconds, sent inside the encrypted session data so the host can
    /// refuse a stale or replayed init; default: the system clock. Set it when the app keeps its
    /// own clock (a trusted network time, or a fixed time in tests).
    pub timestamp: Option<f64>,
}

/// Who signs the session init.
enum SessionSigner {
    /// A copy of the wallet key (zeroized on drop).
    Key(Box<SecretKey>),
    /// A JS callback.
    Callback(FunctionRef<Uint8Array, Unknown<'static>>),
}

/// The client's end of one encrypted session with a host: `initMessage` → send; `sealPrompt` →
/// send; every frame received → `open`; `close` zeroizes the session key.
#[napi]
pub struct ClientSession {
    session: Arc<Mutex<e2ee::ClientSession>>,
    signer: Option<SessionSigner>,
}

#[napi]
impl ClientSession {
    /// A session with the host whose public key is `opts.hostPublicKey`, signed by
    /// `opts.walletPrivateKey` or `opts.signer` under `opts.scheme`.
    #[napi(constructor)]
    pub fn new(#[napi(ts_arg_type = "ClientSessionOptions")] opts: Unknown<'_>) -> Result<Self> {
        let opts: ClientSessionOptions = args::convert(opts, "opts")?;
        let host_public = PublicKey::from_hex(&opts.host_public_key).into_js()?;
        let scheme = match opts.scheme.as_deref() {
            None => SignatureScheme::Eip191,
            Some(name) => name.parse().map_err(|_| {
                invalid_argument("opts.scheme", "expected 'eip191' or 'sdk-transcript'")
            })?,
        };
        let signer = match (opts.wallet_private_key.map(Zeroizing::new), opts.signer) {
            (Some(key), _) => SessionSigner::Key(Box::new(parse_secret_key(key)?)),
            (None, Some(callback)) => SessionSigner::Callback(callback),
            (None, None) => {
                return Err(invalid_argument(
                    "opts",
                    "give `walletPrivateKey` or a `signer` callback",
                ));
            }
        };
        Ok(Self {
            session: Arc::new(Mutex::new(e2ee::ClientSession::new(host_public, scheme))),
            signer: Some(signer),
        })
    }

    /// The `encrypted_session_init` frame to send (fresh ephemeral key, session key and nonce from
    /// the OS RNG). The encrypted session data carries `params.timestamp` (default: the system
    /// clock's time), so the host can refuse a stale or replayed init. Calling it again re-keys
    /// the session. With a `signer` callback, the callback runs during this call; its failure is
    /// `INVALID_SIGNATURE`.
    #[napi]
    pub fn init_message(
        &self,
        env: &Env,
        #[napi(ts_arg_type = "InitMessageParams")] params: Unknown<'_>,
    ) -> Result<String> {
        let params = init_params(params)?;
        let mut session = self.lock()?;
        let frame = match self.signer()? {
            SessionSigner::Key(key) => session.init_message(&**key, &mut os_rng(), &params),
            SessionSigner::Callback(callback) => {
                let signer = JsSigner::new(callback.borrow_back(env).map_err(internal)?);
                session.init_message(&signer as &dyn Signer, &mut os_rng(), &params)
            }
        };
        frame.into_js()
    }

    /// `initMessage` on the thread pool. Needs `walletPrivateKey` (a `signer` callback can only
    /// run synchronously, so it is `INVALID_ARGUMENT` here). Other calls on this session wait
    /// for it or fail as busy: await it before sealing.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn init_message_async(
        &self,
        #[napi(ts_arg_type = "InitMessageParams")] params: Unknown<'_>,
    ) -> Result<AsyncTask<CoreTask<String>>> {
        let params = init_params(params)?;
        let SessionSigner::Key(key) = self.signer()? else {
            return Err(invalid_argument(
                "this",
                "initMessageAsync needs `walletPrivateKey`; with a `signer` callback use initMessage",
            ));
        };
        let key = key.clone();
        let session = Arc::clone(&self.session);
        Ok(tasks::spawn(move || {
            let mut session = session.lock().unwrap_or_else(PoisonError::into_inner);
            session
                .init_message(&*key, &mut os_rng(), &params)
                .into_js()
        }))
    }

    /// Seals a prompt as an `encrypted_message` frame (AAD `message_N`, N from 0). A string is
    /// sent as `{"prompt": text}`; an object (`{prompt}` or `{messages: […]}` plus options) as its
    /// JSON. `id` is echoed by every reply frame.
    #[napi]
    pub fn seal_prompt(
        &self,
        env: &Env,
        #[napi(ts_arg_type = "string")] id: Unknown<'_>,
        #[napi(ts_arg_type = "string | Record<string, unknown>")] prompt: Unknown<'_>,
    ) -> Result<String> {
        let id = WireId::Text(args::string(id, "id")?);
        let plaintext = Zeroizing::new(match prompt.get_type().map_err(internal)? {
            ValueType::String => {
                PromptRequest::from_text(args::string(prompt, "prompt")?).to_json()
            }
            ValueType::Object => json::stringify(env, prompt, "prompt")?,
            _ => return Err(invalid_argument("prompt", "expected a string or an object")),
        });
        self.lock()?
            .seal_prompt(&mut os_rng(), &id, plaintext.as_bytes())
            .into_js()
    }

    /// Opens a frame the host sent (JSON text), decrypting and checking it, including a
    /// `stream_end` only after the encrypted final and its receipt against the decrypted text
    /// and usage. Protocol violations throw and leave the session as it was (`REPLAY_DETECTED`,
    /// `INVALID_AAD`, `NONCE_REUSE`, `DECRYPTION_FAILED`, `ENCRYPTION_REQUIRED`,
    /// `INVALID_MESSAGE`, and for the receipt `INVALID_SIGNER`, `UNSIGNED_MESSAGE`,
    /// `UNSUPPORTED_SCHEME`, `MALFORMED_SIGNATURE`, …); an `error` frame from the host is returned
    /// as an event of type `'error'`.
    #[napi(ts_return_type = "ClientEvent")]
    pub fn open<'env>(
        &self,
        env: &'env Env,
        #[napi(ts_arg_type = "string")] frame: Unknown<'_>,
    ) -> Result<Unknown<'env>> {
        let frame = args::string(frame, "frame")?;
        let event = self.lock()?.open(&frame).into_js()?;
        event::to_js(env, &event)
    }

    /// Ends the session: zeroizes the session key and the copy of the wallet key. Later calls throw
    /// `SESSION_KEY_NOT_FOUND`.
    #[napi]
    pub fn close(&mut self) -> Result<()> {
        self.lock()?.close();
        self.signer = None;
        Ok(())
    }

    /// Our EIP-55 address, once `initMessage` ran (null before, and after `close`).
    #[napi(getter)]
    pub fn client_address(&self) -> Result<Option<String>> {
        Ok(self.lock()?.client_address().map(|a| a.to_checksum()))
    }

    /// The signature scheme: `'eip191'` or `'sdk-transcript'`.
    #[napi(getter, ts_return_type = "'eip191' | 'sdk-transcript'")]
    pub fn scheme(&self) -> Result<String> {
        Ok(self.lock()?.scheme().as_str().to_owned())
    }

    fn lock(&self) -> Result<MutexGuard<'_, e2ee::ClientSession>> {
        match self.session.try_lock() {
            Ok(guard) => Ok(guard),
            Err(TryLockError::Poisoned(poisoned)) => Ok(poisoned.into_inner()),
            Err(TryLockError::WouldBlock) => Err(invalid_argument(
                "this",
                "the session is busy (await initMessageAsync before using it)",
            )),
        }
    }

    fn signer(&self) -> Result<&SessionSigner> {
        self.signer.as_ref().ok_or_else(|| {
            from_core(confide_core::Error::new(
                ErrorCode::SessionKeyNotFound,
                "the session was closed; create a new ClientSession",
            ))
        })
    }
}

fn init_params(value: Unknown<'_>) -> Result<InitParams> {
    let params: InitMessageParams = args::convert(value, "params")?;
    Ok(InitParams {
        session_id: WireId::Text(params.session_id),
        job_id: args::wire_id(params.job_id, "params.jobId")?,
        chain_id: args::uint(params.chain_id, "params.chainId")?,
        model_name: params.model_name,
        price_per_token: args::uint_or_bigint(params.price_per_token, "params.pricePerToken")?,
        id: params.id.map(WireId::Text),
        timestamp: Some(match params.timestamp {
            Some(seconds) => args::uint(seconds, "params.timestamp")?,
            None => unix_now(),
        }),
    })
}

/// Unix seconds from the system clock (0 if it reads before 1970, which the host then refuses as
/// stale).
fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}
