//! The client side of an E2EE session (`ClientSession`): init frame, sealed prompts, opened host
//! frames, close.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError, TryLockError};
use std::time::{SystemTime, UNIX_EPOCH};

use confide_core::ErrorCode;
use confide_core::crypto::{PublicKey, Signer};
use confide_core::e2ee::{self, PromptRequest, WireId};
use zeroize::Zeroizing;

use crate::error::{ConfideError, Result, invalid_argument};
use crate::event::ClientEvent;
use crate::keys::SecretKey;
use crate::offload;
use crate::rng::os_rng;
use crate::signer::{ForeignSigner, WalletSigner};

/// How the client signs the session init.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, uniffi::Enum)]
pub enum SignatureScheme {
    /// `personal_sign(sha256(ciphertext))`, for hosts that predate `alg` (the default).
    #[default]
    Eip191,
    /// The deployed TypeScript SDK's transcript digest (`alg` in the init).
    SdkTranscript,
}

impl From<SignatureScheme> for e2ee::SignatureScheme {
    fn from(scheme: SignatureScheme) -> Self {
        match scheme {
            SignatureScheme::Eip191 => Self::Eip191,
            SignatureScheme::SdkTranscript => Self::SdkTranscript,
        }
    }
}

impl From<e2ee::SignatureScheme> for SignatureScheme {
    fn from(scheme: e2ee::SignatureScheme) -> Self {
        match scheme {
            e2ee::SignatureScheme::Eip191 => Self::Eip191,
            e2ee::SignatureScheme::SdkTranscript => Self::SdkTranscript,
        }
    }
}

/// What `init_message` tells the host.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct InitParams {
    /// Session id (usually a UUID).
    pub session_id: String,
    /// On-chain job id (sent as a JSON number).
    pub job_id: u64,
    /// Chain id (e.g. 84532).
    pub chain_id: u64,
    /// Model to use.
    pub model_name: String,
    /// Agreed price per token.
    pub price_per_token: u64,
    /// Optional request id, echoed in the host's ack.
    #[uniffi(default = None)]
    pub id: Option<String>,
    /// The current time in Unix seconds, sent inside the encrypted session data so the host can
    /// refuse a stale or replayed init; `None`: the system clock. Set it when the app keeps its
    /// own clock (a trusted network time, or a fixed time in tests).
    #[uniffi(default = None)]
    pub timestamp: Option<u64>,
}

impl InitParams {
    fn to_core(&self) -> e2ee::InitParams {
        e2ee::InitParams {
            session_id: WireId::Text(self.session_id.clone()),
            job_id: WireId::Number(self.job_id),
            chain_id: self.chain_id,
            model_name: self.model_name.clone(),
            price_per_token: self.price_per_token,
            id: self.id.clone().map(WireId::Text),
            timestamp: Some(self.timestamp.unwrap_or_else(unix_now)),
        }
    }
}

/// Who signs the session init.
#[derive(Clone)]
enum SessionSigner {
    /// The wallet key (shared with the app's `SecretKey` object).
    Key(Arc<SecretKey>),
    /// A wallet in the app's language.
    Wallet(Arc<dyn WalletSigner>),
}

impl SessionSigner {
    /// Builds the init with this signer.
    fn init_message(
        &self,
        session: &mut e2ee::ClientSession,
        params: &e2ee::InitParams,
    ) -> Result<String> {
        let frame = match self {
            Self::Key(key) => session.init_message(&key.key, &mut os_rng(), params),
            Self::Wallet(wallet) => {
                let signer = ForeignSigner::new(Arc::clone(wallet))?;
                session.init_message(&signer as &dyn Signer, &mut os_rng(), params)
            }
        };
        Ok(frame?)
    }
}

/// The client's end of one encrypted session with a host: `init_message` → send; `seal_prompt`
/// → send; every frame received → `open`; `close` zeroizes the session key. Calls on one session
/// do not overlap: one made while another runs (an `init_message_async` not yet awaited, or a
/// signer calling back into its session) is `INVALID_ARGUMENT` ("busy").
#[derive(uniffi::Object)]
pub struct ClientSession {
    session: Arc<Mutex<e2ee::ClientSession>>,
    signer: Mutex<Option<SessionSigner>>,
}

#[uniffi::export]
impl ClientSession {
    /// A session with the host whose public key is `host_public_key` (hex of its SEC1 encoding,
    /// 33 or 65 bytes, from `/v1/info`), signed by `wallet_key` under `scheme` (default EIP-191).
    #[uniffi::constructor(default(scheme = None))]
    pub fn new(
        host_public_key: String,
        wallet_key: Arc<SecretKey>,
        scheme: Option<SignatureScheme>,
    ) -> Result<Self> {
        Self::create(host_public_key, SessionSigner::Key(wallet_key), scheme)
    }

    /// A session whose init is signed by `signer`, a wallet in the app's language (see
    /// `WalletSigner`).
    #[uniffi::constructor(default(scheme = None))]
    pub fn with_signer(
        host_public_key: String,
        signer: Arc<dyn WalletSigner>,
        scheme: Option<SignatureScheme>,
    ) -> Result<Self> {
        Self::create(host_public_key, SessionSigner::Wallet(signer), scheme)
    }

    /// The `encrypted_session_init` frame to send (fresh ephemeral key, session key and nonce from
    /// the OS RNG). Calling it again re-keys the session. A signer is called during this call;
    /// its failure is `INVALID_SIGNATURE`, a signature by another address than the one it
    /// reports `INVALID_SIGNER`.
    pub fn init_message(&self, params: InitParams) -> Result<String> {
        let signer = self.signer()?;
        signer.init_message(&mut *self.lock()?, &params.to_core())
    }

    /// `init_message` on a worker thread (ECDH and a signature: about 0.2 ms of CPU, plus the
    /// signer's time), for apps that must not block their event loop.
    pub async fn init_message_async(&self, params: InitParams) -> Result<String> {
        let signer = self.signer()?;
        let session = Arc::clone(&self.session);
        let params = params.to_core();
        offload::run(move || {
            let mut session = try_lock(&session)?;
            signer.init_message(&mut session, &params)
        })
        .await
    }

    /// Seals `prompt` (sent as `{"prompt": prompt}`) as an `encrypted_message` frame (AAD
    /// `message_N`, N from 0). `id` is echoed by every reply frame.
    pub fn seal_prompt(&self, id: String, prompt: String) -> Result<String> {
        let plaintext = Zeroizing::new(PromptRequest::from_text(prompt).to_json());
        self.seal(id, &plaintext)
    }

    /// Seals a request given as JSON text (`{"prompt": …}` or `{"messages": [{role, content}…]}`
    /// plus options such as `max_tokens`), sent byte for byte. Not JSON: `INVALID_ARGUMENT`.
    pub fn seal_request(&self, id: String, request_json: String) -> Result<String> {
        let request = Zeroizing::new(request_json);
        if serde_json::from_str::<serde::de::IgnoredAny>(&request).is_err() {
            return Err(invalid_argument("request_json", "not JSON"));
        }
        self.seal(id, &request)
    }

    /// Opens a frame the host sent (JSON text), decrypting and checking it, including a
    /// `stream_end` only after the encrypted final and its receipt against the decrypted text
    /// and usage. Protocol violations raise and leave the session as it was (`REPLAY_DETECTED`,
    /// `INVALID_AAD`, `NONCE_REUSE`, `DECRYPTION_FAILED`, `ENCRYPTION_REQUIRED`,
    /// `INVALID_MESSAGE`, and for the receipt `INVALID_SIGNER`, `UNSIGNED_MESSAGE`,
    /// `UNSUPPORTED_SCHEME`, `MALFORMED_SIGNATURE`, …); an `error` frame from the host is
    /// returned as `ClientEvent.Error`.
    pub fn open(&self, frame: String) -> Result<ClientEvent> {
        let event = self.lock()?.open(&frame)?;
        ClientEvent::from_core(&event)
    }

    /// Ends the session: zeroizes the session key and lets go of the signer. Later calls raise
    /// `SESSION_KEY_NOT_FOUND`.
    pub fn close(&self) -> Result<()> {
        self.lock()?.close();
        *self.signer.lock().unwrap_or_else(PoisonError::into_inner) = None;
        Ok(())
    }

    /// Our EIP-55 address, once `init_message` ran (`None` before, and after `close`).
    pub fn client_address(&self) -> Result<Option<String>> {
        Ok(self.lock()?.client_address().map(|a| a.to_checksum()))
    }

    /// The signature scheme of the init.
    pub fn scheme(&self) -> Result<SignatureScheme> {
        Ok(self.lock()?.scheme().into())
    }
}

impl ClientSession {
    fn create(
        host_public_key: String,
        signer: SessionSigner,
        scheme: Option<SignatureScheme>,
    ) -> Result<Self> {
        let host_public = PublicKey::from_hex(&host_public_key)?;
        let scheme = scheme.unwrap_or_default().into();
        Ok(Self {
            session: Arc::new(Mutex::new(e2ee::ClientSession::new(host_public, scheme))),
            signer: Mutex::new(Some(signer)),
        })
    }

    fn seal(&self, id: String, plaintext: &str) -> Result<String> {
        let frame =
            self.lock()?
                .seal_prompt(&mut os_rng(), &WireId::Text(id), plaintext.as_bytes())?;
        Ok(frame)
    }

    fn lock(&self) -> Result<MutexGuard<'_, e2ee::ClientSession>> {
        try_lock(&self.session)
    }

    fn signer(&self) -> Result<SessionSigner> {
        self.signer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .ok_or_else(|| {
                ConfideError::new(
                    ErrorCode::SessionKeyNotFound,
                    "the session was closed; create a new ClientSession",
                )
            })
    }
}

/// The session, unless another call holds it.
fn try_lock(session: &Mutex<e2ee::ClientSession>) -> Result<MutexGuard<'_, e2ee::ClientSession>> {
    match session.try_lock() {
        Ok(guard) => Ok(guard),
        Err(TryLockError::Poisoned(poisoned)) => Ok(poisoned.into_inner()),
        Err(TryLockError::WouldBlock) => Err(invalid_argument(
            "self",
            "the session is busy (await init_message_async before using it)",
        )),
    }
}

/// Unix seconds from the system clock (0 if it reads before 1970, which the host then refuses as
/// stale).
fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}
