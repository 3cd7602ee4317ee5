//! The client side of an E2EE session (`ClientSession`): init frame, sealed prompts, opened host
//! frames, close.

use std::cell::RefCell;

use confide_core::crypto::{SecretKey, Signer};
use confide_core::e2ee::{self, HostKeys, InitParams, PromptRequest, SignatureScheme, WireId};
use confide_core::{ErrorCode, hex};
use js_sys::{Function, Object};
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use crate::args;
use crate::error::{CoreResultExt, Result, coded, invalid_argument};
use crate::keys::secret_key_arg;
use crate::rng::os_rng;
use crate::signer::JsSigner;
use crate::{event, json};

/// Hosts remembered across sessions: each key is parsed once and, from the second session with a
/// host on, the init's ECDH uses the key's table of multiples (~70 KB each; docs/WASM.md).
const REMEMBERED_HOSTS: usize = 4;

thread_local! {
    /// The host keys of this module's sessions (a wasm module has one thread).
    static HOST_KEYS: RefCell<HostKeys> = RefCell::new(HostKeys::new(REMEMBERED_HOSTS));
}

/// Who signs the session init.
enum SessionSigner {
    /// A copy of the wallet key (zeroized on drop).
    Key(Box<SecretKey>),
    /// A JS callback `(digest) => signature`.
    Callback(Function),
}

/// The client's end of one encrypted session with a host: `initMessage` → send; `sealPrompt` →
/// send; every frame received → `open`; `close` zeroizes the session key.
#[wasm_bindgen]
pub struct ClientSession {
    session: e2ee::ClientSession,
    signer: Option<SessionSigner>,
}

#[wasm_bindgen]
impl ClientSession {
    /// A session with the host whose public key is `opts.hostPublicKey` (hex, from `/v1/info`),
    /// signed by `opts.walletPrivateKey` (64 hex digits; the session keeps a copy, zeroized on
    /// `close()`/`free()`) or by `opts.signer` (`(digest: Uint8Array) => Uint8Array`, 65 bytes
    /// `r ‖ s ‖ v`, called synchronously by `initMessage`), under `opts.scheme` (`'eip191'`,
    /// the default, or `'sdk-transcript'`, the deployed SDK's).
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "ClientSessionOptions")] opts: JsValue,
    ) -> Result<ClientSession> {
        let opts = args::object(&opts, "opts", false)?.unwrap_or_default();
        let host_public = hex::decode(
            "public key",
            &args::required_string(&opts, "hostPublicKey", "opts.hostPublicKey")?,
        )
        .into_js()?;
        let scheme = match args::opt_string(&opts, "scheme", "opts.scheme")?.as_deref() {
            None => SignatureScheme::Eip191,
            Some(name) => name.parse().map_err(|_| {
                invalid_argument("opts.scheme", "expected 'eip191' or 'sdk-transcript'")
            })?,
        };
        let signer = match (
            args::field(&opts, "walletPrivateKey"),
            args::field(&opts, "signer"),
        ) {
            (Some(key), _) => {
                SessionSigner::Key(Box::new(secret_key_arg(&key, "opts.walletPrivateKey")?))
            }
            (None, Some(callback)) => SessionSigner::Callback(
                callback
                    .dyn_into()
                    .map_err(|_| invalid_argument("opts.signer", "expected a function"))?,
            ),
            (None, None) => {
                return Err(invalid_argument(
                    "opts",
                    "give `walletPrivateKey` or a `signer` callback",
                ));
            }
        };
        let session = HOST_KEYS
            .with_borrow_mut(|keys| keys.session(&host_public, scheme))
            .into_js()?;
        Ok(Self {
            session,
            signer: Some(signer),
        })
    }

    /// The `encrypted_session_init` frame to send (fresh ephemeral key, session key and nonce from
    /// `crypto.getRandomValues`). `params`: `{ sessionId, jobId, chainId, modelName,
    /// pricePerToken, id?, timestamp? }`; `timestamp` (Unix seconds, default: `Date.now()`) lets
    /// the host refuse a stale or replayed init. Calling it again re-keys the session. A failing
    /// `signer` callback is `INVALID_SIGNATURE`.
    #[wasm_bindgen(js_name = initMessage)]
    pub fn init_message(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "InitMessageParams")] params: JsValue,
    ) -> Result<String> {
        let params = init_params(&params)?;
        let signer = self.signer.as_ref().ok_or_else(closed)?;
        match signer {
            SessionSigner::Key(key) => self.session.init_message(&**key, &mut os_rng(), &params),
            SessionSigner::Callback(callback) => {
                let signer = JsSigner::new(callback, JsValue::UNDEFINED, None);
                self.session
                    .init_message(&signer as &dyn Signer, &mut os_rng(), &params)
            }
        }
        .into_js()
    }

    /// Seals a prompt as an `encrypted_message` frame (AAD `message_N`, N from 0). A string is
    /// sent as `{"prompt": text}`; an object (`{prompt}` or `{messages: […]}` plus options) as its
    /// JSON. `id` is echoed by every reply frame.
    #[wasm_bindgen(js_name = sealPrompt)]
    pub fn seal_prompt(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string | Record<string, unknown>")] prompt: JsValue,
    ) -> Result<String> {
        let id = WireId::Text(args::string(&id, "id")?);
        let plaintext = Zeroizing::new(match prompt.as_string() {
            Some(text) => PromptRequest::from_text(text).to_json(),
            None if prompt.is_object() => json::stringify(&prompt, "prompt")?,
            None => return Err(invalid_argument("prompt", "expected a string or an object")),
        });
        self.session
            .seal_prompt(&mut os_rng(), &id, plaintext.as_bytes())
            .into_js()
    }

    /// Opens a frame the host sent (JSON text, exactly as received), decrypting and checking it,
    /// and returns its event (`connected`, `pong`, `ack`, `chunk`, `final`, `end`, `error`). A
    /// `stream_end` is accepted only after the encrypted final, with its receipt checked against
    /// the decrypted text and usage. Protocol violations throw and leave the session as it was
    /// (`REPLAY_DETECTED`, `INVALID_AAD`, `NONCE_REUSE`, `DECRYPTION_FAILED`,
    /// `ENCRYPTION_REQUIRED`, `INVALID_MESSAGE`, and for the receipt `INVALID_SIGNER`, …); an
    /// `error` frame from the host is returned as an event of type `'error'`.
    #[wasm_bindgen(unchecked_return_type = "ClientEvent")]
    pub fn open(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string")] frame: JsValue,
    ) -> Result<JsValue> {
        let frame = args::string(&frame, "frame")?;
        let event = self.session.open(&frame).into_js()?;
        event::to_js(&event)
    }

    /// Ends the session: zeroizes the session key and the copy of the wallet key. Later calls throw
    /// `SESSION_KEY_NOT_FOUND`. (`free()` also zeroizes, and releases the wasm memory.)
    pub fn close(&mut self) {
        self.session.close();
        self.signer = None;
    }

    /// Our EIP-55 address, once `initMessage` ran (`undefined` before, and after `close`).
    #[wasm_bindgen(getter, js_name = clientAddress)]
    pub fn client_address(&self) -> Option<String> {
        self.session.client_address().map(|a| a.to_checksum())
    }

    /// The signature scheme: `'eip191'` or `'sdk-transcript'`.
    #[wasm_bindgen(getter, unchecked_return_type = "'eip191' | 'sdk-transcript'")]
    pub fn scheme(&self) -> String {
        self.session.scheme().as_str().to_owned()
    }
}

fn closed() -> JsValue {
    coded(
        ErrorCode::SessionKeyNotFound,
        "the session was closed; create a new ClientSession",
    )
}

fn init_params(value: &JsValue) -> Result<InitParams> {
    let params: Object = args::object(value, "params", false)?.unwrap_or_default();
    Ok(InitParams {
        session_id: WireId::Text(args::required_string(
            &params,
            "sessionId",
            "params.sessionId",
        )?),
        job_id: args::wire_id(&params, "jobId", "params.jobId")?,
        chain_id: args::required_uint(&params, "chainId", "params.chainId")?,
        model_name: args::required_string(&params, "modelName", "params.modelName")?,
        price_per_token: args::required_uint(&params, "pricePerToken", "params.pricePerToken")?,
        id: args::opt_string(&params, "id", "params.id")?.map(WireId::Text),
        timestamp: Some(match args::field(&params, "timestamp") {
            Some(seconds) => args::seconds(&seconds, "params.timestamp")?,
            None => unix_now(),
        }),
    })
}

/// Unix seconds from the runtime's clock (`Date.now()`).
fn unix_now() -> u64 {
    // Date.now() is a non-negative integer of milliseconds well inside f64's exact range.
    (js_sys::Date::now() / 1000.0) as u64
}
