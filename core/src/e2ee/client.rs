//! The client side of an encrypted session (E2EE.md "Library shape"): builds the init, seals
//! prompts with the `message_N` counter, and opens the host's frames with every check of §3,
//! including the host's signed usage receipt.
//!
//! Files: `event` (what `open` returns, and its canonical JSON for the bindings), `host_keys` (host
//! keys remembered across sessions, with their tables), `receipt` (the receipt check).

mod event;
mod host_keys;
mod receipt;

use std::collections::HashMap;

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use super::replay::{
    CHUNK_AAD_PREFIX, FINAL_AAD, MESSAGE_AAD_PREFIX, NonceRegistry, parse_indexed_aad,
};
use super::scheme::{Handshake, SDK_ALG, SignatureScheme};
use super::session_data::SessionData;
use super::wire::{
    ClientFrame, EncryptedChunkFrame, EncryptedMessageFrame, EncryptedPayload,
    EncryptedResponseFrame, HostFrame, SessionInitAckFrame, SessionInitFrame, SessionInitPayload,
    StreamEndFrame, WireId,
};
use crate::crypto::{
    Address, EcdhPublic, Nonce, PrecomputedPublicKey, PublicKey, SecretKey, Signer, SymmetricKey,
    derive_session_key, random_nonce,
};
use crate::error::{Error, ErrorCode, ErrorDetail, Result};
use crate::hex;

pub use event::{ClientEvent, TokenLimit};
pub use host_keys::HostKeys;
pub use receipt::VerifiedReceipt;
use receipt::{ExpectedReceipt, ResponseDigest};

/// What the client tells the host when it opens a session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InitParams {
    /// Session id (usually a UUID).
    pub session_id: WireId,
    /// On-chain job id.
    pub job_id: WireId,
    /// Chain id.
    pub chain_id: u64,
    /// Model to use.
    pub model_name: String,
    /// Agreed price per token.
    pub price_per_token: u64,
    /// Optional request id, echoed in the ack.
    pub id: Option<WireId>,
    /// The current time in Unix seconds, sent inside the encrypted session data so the host can
    /// refuse a stale or replayed init (E2EE.md §1 "Freshness"); with it, the data also carries
    /// `chainId`. The core reads no clock: pass the system time. `None` leaves both out, which
    /// only serves to reproduce the deployed SDK's published bytes; a host started with
    /// `--require-fresh-init` refuses such an init.
    pub timestamp: Option<u64>,
}

/// The secret inputs of one init, drawn from an RNG by [`ClientSession::init_message`]; fixed
/// values reproduce published vectors through [`ClientSession::init_message_with`].
#[derive(Debug)]
pub struct InitSecrets {
    /// Ephemeral ECDH key (discarded after the init).
    pub ephemeral: SecretKey,
    /// The session key the host will use.
    pub session_key: SymmetricKey,
    /// Nonce of the init encryption.
    pub nonce: Nonce,
    /// HKDF salt, sent as `saltHex` (the SDK scheme sends one; EIP-191 clients send none).
    pub salt: Option<[u8; 32]>,
}

impl InitSecrets {
    /// Fresh secrets for `scheme`.
    pub fn generate(rng: &mut (impl CryptoRng + ?Sized), scheme: SignatureScheme) -> Self {
        let salt = (scheme == SignatureScheme::SdkTranscript).then(|| {
            let mut salt = [0u8; 32];
            rng.fill_bytes(&mut salt);
            salt
        });
        Self {
            ephemeral: SecretKey::generate(rng),
            session_key: SymmetricKey::generate(rng),
            nonce: random_nonce(rng),
            salt,
        }
    }
}

/// The host's public key, with or without its table of multiples.
#[derive(Debug)]
enum HostKey {
    Plain(PublicKey),
    Precomputed(PrecomputedPublicKey),
}

impl HostKey {
    fn public_key(&self) -> &PublicKey {
        match self {
            Self::Plain(key) => key,
            Self::Precomputed(table) => table.public_key(),
        }
    }
}

impl EcdhPublic for HostKey {
    fn shared_x(&self, secret: &SecretKey) -> Zeroizing<[u8; 32]> {
        match self {
            Self::Plain(key) => key.shared_x(secret),
            Self::Precomputed(table) => table.shared_x(secret),
        }
    }
}

/// Progress of one response.
#[derive(Clone, Debug, Default)]
struct ResponseState {
    next_index: u64,
    chunks_closed: bool,
    finished: bool,
    /// Of the decrypted text so far, for the receipt's `response_sha256`.
    digest: ResponseDigest,
}

/// An established session: everything after a successful `init_message`.
#[derive(Debug)]
struct Established {
    session_id: WireId,
    key: SymmetricKey,
    client_address: Address,
    next_message_index: u64,
    responses: HashMap<Option<WireId>, ResponseState>,
    nonces: NonceRegistry,
}

/// The client's end of one encrypted session. Sans-IO: feed it the host's frames, send what it
/// returns. The session key is zeroized on [`close`](Self::close) and on drop.
#[derive(Debug)]
pub struct ClientSession {
    host: HostKey,
    /// The address of the host key: the only signer whose receipts this session accepts.
    host_address: Address,
    scheme: SignatureScheme,
    state: Option<Established>,
}

impl ClientSession {
    /// A session with the host whose public key is `host_public`, signing the init with `scheme`.
    pub fn new(host_public: PublicKey, scheme: SignatureScheme) -> Self {
        Self::with_host(HostKey::Plain(host_public), scheme)
    }

    /// [`new`](Self::new) with the host key's table of multiples, which makes the init's ECDH
    /// faster where curve arithmetic is slow (wasm): for clients that open many sessions to one
    /// host, built once and shared by them.
    pub fn with_precomputed_host(host: PrecomputedPublicKey, scheme: SignatureScheme) -> Self {
        Self::with_host(HostKey::Precomputed(host), scheme)
    }

    fn with_host(host: HostKey, scheme: SignatureScheme) -> Self {
        Self {
            host_address: host.public_key().address(),
            host,
            scheme,
            state: None,
        }
    }

    /// The signature scheme in use.
    pub fn scheme(&self) -> SignatureScheme {
        self.scheme
    }

    /// The address of the host key this session was created with: the only signer whose usage
    /// receipts it accepts.
    pub fn host_address(&self) -> Address {
        self.host_address
    }

    /// Our address, once the init was built.
    pub fn client_address(&self) -> Option<Address> {
        self.state.as_ref().map(|s| s.client_address)
    }

    /// The `encrypted_session_init` frame to send. Calling it again re-keys the session.
    pub fn init_message(
        &mut self,
        signer: &dyn Signer,
        rng: &mut (impl CryptoRng + ?Sized),
        params: &InitParams,
    ) -> Result<String> {
        let secrets = InitSecrets::generate(rng, self.scheme);
        self.init_message_with(signer, params, secrets)
    }

    /// [`init_message`](Self::init_message) with explicit secrets (deterministic, for vectors).
    pub fn init_message_with(
        &mut self,
        signer: &dyn Signer,
        params: &InitParams,
        secrets: InitSecrets,
    ) -> Result<String> {
        let (payload, client_address) = self.build_init_payload(signer, params, &secrets)?;
        let frame = ClientFrame::EncryptedSessionInit(SessionInitFrame {
            session_id: params.session_id.clone(),
            job_id: Some(params.job_id.clone()),
            chain_id: Some(params.chain_id),
            id: params.id.clone(),
            payload: Some(payload),
        });
        self.state = Some(Established {
            session_id: params.session_id.clone(),
            key: secrets.session_key,
            client_address,
            next_message_index: 0,
            responses: HashMap::new(),
            nonces: NonceRegistry::default(),
        });
        Ok(frame.to_json())
    }

    fn build_init_payload(
        &self,
        signer: &dyn Signer,
        params: &InitParams,
        secrets: &InitSecrets,
    ) -> Result<(SessionInitPayload, Address)> {
        let eph_public = *secrets.ephemeral.public_key();
        let salt = secrets.salt.as_ref().map(<[u8; 32]>::as_slice);
        let aad: &[u8] = match self.scheme {
            SignatureScheme::Eip191 => b"session_init",
            SignatureScheme::SdkTranscript => b"",
        };
        let mut data = SessionData {
            session_key: secrets.session_key.clone(),
            job_id: Some(params.job_id.to_string()),
            model_name: Some(params.model_name.clone()),
            price_per_token: Some(params.price_per_token),
            recovery_public_key: None,
            timestamp: params.timestamp,
            // Confide's own clients (the ones that send a timestamp) also bind the chain id.
            chain_id: params.timestamp.map(|_| params.chain_id),
        };
        let init_key = derive_session_key(&secrets.ephemeral, &self.host, salt, b"");
        let base = Handshake {
            eph_public: &eph_public,
            host_public: self.host.public_key(),
            salt: salt.unwrap_or_default(),
            nonce: &secrets.nonce,
            info: b"",
            aad,
            ciphertext: &[],
        };
        // The transcript does not cover the ciphertext, so the SDK scheme signs first and puts the
        // signer's key inside the encrypted data; EIP-191 signs the ciphertext, so it encrypts first.
        let (ciphertext, signature, digest) = match self.scheme {
            SignatureScheme::SdkTranscript => {
                let digest = self.scheme.digest(&base);
                let signature = signer.sign_prehash(&digest)?;
                data.recovery_public_key = Some(signer_key(signer, &signature, &digest)?);
                let ciphertext = init_key.seal(&secrets.nonce, aad, data.to_json().as_bytes())?;
                (ciphertext, signature, digest)
            }
            SignatureScheme::Eip191 => {
                let ciphertext = init_key.seal(&secrets.nonce, aad, data.to_json().as_bytes())?;
                let digest = self.scheme.digest(&Handshake {
                    ciphertext: &ciphertext,
                    ..base
                });
                (ciphertext, signer.sign_prehash(&digest)?, digest)
            }
        };
        let client_address = match data.recovery_public_key {
            Some(key) => key.address(),
            None => signer_key(signer, &signature, &digest)?.address(),
        };
        let is_sdk = self.scheme == SignatureScheme::SdkTranscript;
        let payload = SessionInitPayload {
            eph_pub_hex: Some(hex::encode(&eph_public.to_compressed())),
            ciphertext_hex: Some(hex::encode(&ciphertext)),
            signature_hex: Some(hex::encode(&signature.to_bytes(self.scheme.v_byte()))),
            nonce_hex: Some(hex::encode(&secrets.nonce)),
            aad_hex: Some(hex::encode(aad)),
            salt_hex: salt.map(hex::encode),
            info: is_sdk.then(String::new),
            alg: is_sdk.then(|| SDK_ALG.to_owned()),
            recid: is_sdk.then(|| signature.recovery_id()),
        };
        Ok((payload, client_address))
    }

    /// Seals a prompt (`plaintext` is the JSON request or plain text) as an `encrypted_message`
    /// frame with AAD `message_N`, N counting from 0.
    pub fn seal_prompt(
        &mut self,
        rng: &mut (impl CryptoRng + ?Sized),
        id: &WireId,
        plaintext: &[u8],
    ) -> Result<String> {
        self.seal_prompt_with_nonce(id, plaintext, random_nonce(rng))
    }

    /// [`seal_prompt`](Self::seal_prompt) with an explicit nonce (deterministic, for vectors).
    /// Never reuse a nonce: the session rejects a nonce it already used.
    pub fn seal_prompt_with_nonce(
        &mut self,
        id: &WireId,
        plaintext: &[u8],
        nonce: Nonce,
    ) -> Result<String> {
        let state = self.established_mut()?;
        state.nonces.check(&nonce)?;
        let aad = format!("{MESSAGE_AAD_PREFIX}{}", state.next_message_index);
        let ciphertext = state.key.seal(&nonce, aad.as_bytes(), plaintext)?;
        state.nonces.record(&nonce);
        state.next_message_index += 1;
        state
            .responses
            .insert(Some(id.clone()), ResponseState::default());
        Ok(EncryptedMessageFrame::sealed_json(
            &state.session_id,
            id,
            &ciphertext,
            &nonce,
            aad.as_bytes(),
        ))
    }

    /// Opens a frame from the host. Protocol violations (wrong order, AAD, replayed nonce,
    /// tampering, a downgrade to plaintext, a `stream_end` before the encrypted finish reason, a
    /// receipt that does not match) are errors, and a rejected frame changes nothing; an `error`
    /// frame from the host is the [`ClientEvent::Error`] event.
    pub fn open(&mut self, frame: &str) -> Result<ClientEvent> {
        match HostFrame::parse(frame)? {
            HostFrame::Connected(c) => Ok(ClientEvent::Connected {
                version: c.version,
                encryption: c.encryption,
            }),
            HostFrame::Pong(_) => Ok(ClientEvent::Pong),
            HostFrame::SessionInitAck(ack) => self.open_ack(&ack),
            HostFrame::EncryptedChunk(chunk) => self.open_chunk(chunk),
            HostFrame::EncryptedResponse(response) => self.open_final(response),
            HostFrame::StreamEnd(end) => self.open_end(end),
            HostFrame::StreamChunk(_) => Err(Error::new(
                ErrorCode::EncryptionRequired,
                "host sent plaintext in an encrypted session",
            )),
            HostFrame::Error(error) => {
                if let Some(state) = self.state.as_mut() {
                    state.responses.remove(&error.id);
                }
                Ok(ClientEvent::from(error))
            }
        }
    }

    /// Forgets the session and zeroizes its key. Later calls fail with `SESSION_KEY_NOT_FOUND`.
    pub fn close(&mut self) {
        self.state = None;
    }

    fn open_ack(&mut self, ack: &SessionInitAckFrame) -> Result<ClientEvent> {
        let state = self.established_mut()?;
        check_session_id(&state.session_id, &ack.session_id)?;
        if !ack.encrypted {
            return Err(Error::new(
                ErrorCode::EncryptionRequired,
                "host acknowledged the session without encryption",
            ));
        }
        let reported = ack
            .client_address
            .as_deref()
            .ok_or_else(|| Error::invalid_message("session_init_ack lacks client_address"))
            .and_then(Address::parse)?;
        if reported != state.client_address {
            return Err(Error::invalid_signature(format_args!(
                "host recovered {reported}, but this client is {}",
                state.client_address
            )));
        }
        Ok(ClientEvent::Ack {
            client_address: reported,
        })
    }

    fn open_chunk(&mut self, chunk: EncryptedChunkFrame) -> Result<ClientEvent> {
        let state = self.established_mut()?;
        check_session_id(&state.session_id, &chunk.session_id)?;
        let payload = require_payload(chunk.payload.as_ref())?;
        let index = payload
            .index
            .ok_or_else(|| super::wire::missing_fields(&["index"]))?;
        let mut parts = payload.decode()?;
        // Canonical decimal both ways, so equal indices mean byte-identical AADs.
        if parse_indexed_aad(CHUNK_AAD_PREFIX, &parts.aad).ok() != Some(index) {
            return Err(Error::new(
                ErrorCode::InvalidAad,
                format!("chunk {index} must carry AAD `chunk_{index}`"),
            ));
        }
        let response = response_state(&mut state.responses, &chunk.id)?;
        if response.chunks_closed || index != response.next_index {
            return Err(Error::new(
                ErrorCode::ReplayDetected,
                format!(
                    "chunk {index} out of order (expected {}{})",
                    response.next_index,
                    if response.chunks_closed {
                        ", after the final chunk"
                    } else {
                        ""
                    }
                ),
            ));
        }
        state.nonces.check(&parts.nonce)?;
        state
            .key
            .open_in_place(&parts.nonce, &parts.aad, &mut parts.ciphertext)?;
        let text = String::from_utf8(parts.ciphertext)
            .map_err(|_| Error::invalid_message("chunk text is not valid UTF-8"))?;
        state.nonces.record(&parts.nonce);
        response.digest.update(&text);
        response.next_index += 1;
        response.chunks_closed = chunk.is_final;
        Ok(ClientEvent::Chunk {
            id: chunk.id,
            index,
            text,
            is_final: chunk.is_final,
        })
    }

    fn open_final(&mut self, response_frame: EncryptedResponseFrame) -> Result<ClientEvent> {
        let state = self.established_mut()?;
        check_session_id(&state.session_id, &response_frame.session_id)?;
        let mut parts = require_payload(response_frame.payload.as_ref())?.decode()?;
        if parts.aad != FINAL_AAD {
            return Err(Error::new(
                ErrorCode::InvalidAad,
                "encrypted_response must carry AAD `encrypted_response_final`",
            ));
        }
        let response = response_state(&mut state.responses, &response_frame.id)?;
        if response.finished {
            return Err(Error::new(
                ErrorCode::ReplayDetected,
                "a second encrypted_response for the same request",
            ));
        }
        state.nonces.check(&parts.nonce)?;
        state
            .key
            .open_in_place(&parts.nonce, &parts.aad, &mut parts.ciphertext)?;
        let finish_reason = String::from_utf8(parts.ciphertext)
            .map_err(|_| Error::invalid_message("finish reason is not valid UTF-8"))?;
        state.nonces.record(&parts.nonce);
        response.finished = true;
        response.chunks_closed = true;
        Ok(ClientEvent::Final {
            id: response_frame.id,
            finish_reason,
        })
    }

    /// The end of a response: only after its `encrypted_response` (a truncated answer is never
    /// reported as complete), and with a receipt, only when the receipt matches (see
    /// [`VerifiedReceipt`]).
    fn open_end(&mut self, end: StreamEndFrame) -> Result<ClientEvent> {
        let host = self.host_address;
        let state = self.established_mut()?;
        if let Some(session_id) = &end.session_id {
            check_session_id(&state.session_id, session_id)?;
        }
        let response = state.responses.get(&end.id).ok_or_else(|| {
            Error::invalid_message("stream_end for a request this session did not send")
        })?;
        if !response.finished {
            return Err(Error::invalid_message(
                "stream_end before encrypted_response: the answer is incomplete",
            ));
        }
        let expected = ExpectedReceipt {
            host,
            client: state.client_address,
            session_id: &state.session_id,
            response_sha256: response.digest.clone().finish(),
            usage: end.usage.as_ref(),
        };
        let receipt = end
            .receipt
            .as_deref()
            .map(|raw| receipt::verify(raw, &expected))
            .transpose()?;
        state.responses.remove(&end.id);
        Ok(ClientEvent::End {
            id: end.id,
            finish_reason: end.finish_reason,
            usage: end.usage,
            receipt,
            max_tokens_capped: end.max_tokens_capped,
        })
    }

    fn established_mut(&mut self) -> Result<&mut Established> {
        self.state.as_mut().ok_or_else(|| {
            Error::new(
                ErrorCode::SessionKeyNotFound,
                "no session: call init_message first (or the session was closed)",
            )
        })
    }
}

/// The key that signed the init: the one the signer reports (a local key), else the one its
/// signature recovers to, which must have the address the signer reports, if it reports one (a
/// wallet that knows only its address): `INVALID_SIGNER` when another key signed.
fn signer_key(
    signer: &dyn Signer,
    signature: &crate::crypto::RecoverableSignature,
    digest: &[u8; 32],
) -> Result<PublicKey> {
    if let Some(key) = signer.public_key() {
        return Ok(key);
    }
    let key = signature.recover(digest)?;
    let recovered = key.address();
    match signer.address() {
        Some(expected) if expected != recovered => Err(Error::new(
            ErrorCode::InvalidSigner,
            format!("the init is signed by {recovered}, but the signer reports {expected}"),
        )
        .with_detail(ErrorDetail::InvalidSigner {
            expected,
            recovered,
        })),
        _ => Ok(key),
    }
}

fn check_session_id(ours: &WireId, theirs: &WireId) -> Result<()> {
    if ours != theirs {
        return Err(Error::invalid_message(
            "frame is for a different session id",
        ));
    }
    Ok(())
}

fn require_payload(payload: Option<&EncryptedPayload>) -> Result<&EncryptedPayload> {
    payload.ok_or_else(|| Error::new(ErrorCode::MissingPayload, "frame needs a `payload`"))
}

fn response_state<'a>(
    responses: &'a mut HashMap<Option<WireId>, ResponseState>,
    id: &Option<WireId>,
) -> Result<&'a mut ResponseState> {
    responses
        .get_mut(id)
        .ok_or_else(|| Error::invalid_message("reply to a request this session did not send"))
}
