//! The host side of one encrypted session: verifying the init, opening prompts, sealing replies.

use rand_core::CryptoRng;

use super::prompt::PromptRequest;
use super::replay::{
    CHUNK_AAD_PREFIX, FINAL_AAD, MESSAGE_AAD_PREFIX, MessageCounter, NonceRegistry,
    parse_indexed_aad,
};
use super::scheme::{Handshake, SignatureScheme};
use super::session_data::SessionData;
use super::wire::{
    EncryptedChunkFrame, EncryptedPayload, EncryptedResponseFrame, HostFrame, SessionInitPayload,
    WireId, decode_nonce, require_fields,
};
use crate::crypto::{
    Address, Nonce, PublicKey, RecoverableSignature, SecretKey, SymmetricKey, derive_session_key,
};
use crate::error::{Error, ErrorCode, Result};
use crate::hex;
use crate::host::InitFingerprint;

/// A verified `encrypted_session_init`: who the client is and what it sent.
#[derive(Debug)]
pub(crate) struct VerifiedInit {
    pub client_address: Address,
    pub scheme: SignatureScheme,
    pub data: SessionData,
}

/// The decoded, size-checked public fields of an init payload.
pub(crate) struct InitFields {
    eph_public: PublicKey,
    nonce: Nonce,
    signature: Vec<u8>,
    ciphertext: Vec<u8>,
    aad: Vec<u8>,
    salt: Option<Vec<u8>>,
    info: Vec<u8>,
}

impl InitFields {
    /// Presence (`MISSING_PAYLOAD_FIELDS`), hex (`INVALID_HEX_ENCODING`), key (`INVALID_KEY`), nonce
    /// (`INVALID_NONCE_SIZE`) and signature length (`INVALID_SIGNATURE`) checks.
    pub fn decode(payload: &SessionInitPayload) -> Result<Self> {
        let [eph, ciphertext, signature, nonce] = require_fields([
            ("ephPubHex", &payload.eph_pub_hex),
            ("ciphertextHex", &payload.ciphertext_hex),
            ("signatureHex", &payload.signature_hex),
            ("nonceHex", &payload.nonce_hex),
        ])?;
        let eph_public = PublicKey::from_sec1_bytes(&hex::decode("ephPubHex", eph)?)?;
        let nonce = decode_nonce(nonce)?;
        let signature = hex::decode("signatureHex", signature)?;
        if signature.len() != 65 {
            return Err(Error::invalid_signature(format_args!(
                "signatureHex must be 65 bytes (r ‖ s ‖ v), got {}",
                signature.len()
            )));
        }
        let optional = |field: &str, value: &Option<String>| {
            value
                .as_deref()
                .map(|text| hex::decode(field, text))
                .transpose()
        };
        Ok(Self {
            eph_public,
            nonce,
            signature,
            ciphertext: hex::decode("ciphertextHex", ciphertext)?,
            aad: optional("aadHex", &payload.aad_hex)?.unwrap_or_default(),
            salt: optional("saltHex", &payload.salt_hex)?,
            info: optional("info", &payload.info)?.unwrap_or_default(),
        })
    }

    /// The replay identity a replayed init repeats: its (ephemeral key, nonce).
    pub fn fingerprint(&self) -> InitFingerprint {
        InitFingerprint::new(&self.eph_public.to_compressed(), &self.nonce)
    }

    /// ECDH → decrypt (`DECRYPTION_FAILED`) → parse (`INVALID_SESSION_DATA`) → recover the signer
    /// (`INVALID_SIGNATURE`), in the order E2EE.md §1 prescribes.
    pub fn verify(
        &self,
        host_key: &SecretKey,
        payload: &SessionInitPayload,
    ) -> Result<VerifiedInit> {
        let init_key =
            derive_session_key(host_key, &self.eph_public, self.salt.as_deref(), &self.info);
        let plaintext = init_key.open(&self.nonce, &self.aad, &self.ciphertext)?;
        let data = SessionData::parse(&plaintext)?;

        let scheme = SignatureScheme::for_payload(payload.alg.as_deref());
        let signature = RecoverableSignature::from_bytes(&self.signature)?;
        if let Some(recid) = payload.recid
            && recid != signature.recovery_id()
        {
            return Err(Error::invalid_signature(
                "`recid` does not match the signature's recovery byte",
            ));
        }
        let digest = scheme.digest(&Handshake {
            eph_public: &self.eph_public,
            host_public: host_key.public_key(),
            salt: self.salt.as_deref().unwrap_or_default(),
            nonce: &self.nonce,
            info: &self.info,
            aad: &self.aad,
            ciphertext: &self.ciphertext,
        });
        let client_key = signature.recover(&digest)?;
        if let Some(claimed) = &data.recovery_public_key
            && *claimed != client_key
        {
            return Err(Error::invalid_signature(
                "recoveryPublicKey does not match the key that signed the init",
            ));
        }
        Ok(VerifiedInit {
            client_address: client_key.address(),
            scheme,
            data,
        })
    }
}

/// A prompt that decrypted and parsed, not yet admitted (see [`HostSession::admit`]). `Debug`
/// shows no prompt text.
#[derive(Debug)]
pub struct OpenedMessage {
    /// The decrypted request.
    pub request: PromptRequest,
    nonce: Nonce,
}

/// One accepted encrypted session on the host: the session key (zeroized on drop), the client's
/// address, and the replay state of incoming prompts.
#[derive(Debug)]
pub struct HostSession {
    session_id: WireId,
    key: SymmetricKey,
    client_address: Address,
    scheme: SignatureScheme,
    job_id: Option<String>,
    model_name: Option<String>,
    price_per_token: Option<u64>,
    counter: MessageCounter,
    nonces: NonceRegistry,
    pub(crate) last_activity: u64,
}

impl HostSession {
    /// A session keyed by `init`; its key may carry at most `max_messages` prompts.
    pub(crate) fn new(
        session_id: WireId,
        init: VerifiedInit,
        now: u64,
        max_messages: usize,
    ) -> Self {
        let SessionData {
            session_key,
            job_id,
            model_name,
            price_per_token,
            ..
        } = init.data;
        Self {
            session_id,
            key: session_key,
            client_address: init.client_address,
            scheme: init.scheme,
            job_id,
            model_name,
            price_per_token,
            counter: MessageCounter::default(),
            nonces: NonceRegistry::bounded(max_messages),
            last_activity: now,
        }
    }

    /// The session id.
    pub fn session_id(&self) -> &WireId {
        &self.session_id
    }

    /// The address recovered from the client's init signature.
    pub fn client_address(&self) -> Address {
        self.client_address
    }

    /// The signature scheme the client used.
    pub fn scheme(&self) -> SignatureScheme {
        self.scheme
    }

    /// The job id from the encrypted session data.
    pub fn job_id(&self) -> Option<&str> {
        self.job_id.as_deref()
    }

    /// The model name from the encrypted session data.
    pub fn model_name(&self) -> Option<&str> {
        self.model_name.as_deref()
    }

    /// The price per token from the encrypted session data.
    pub fn price_per_token(&self) -> Option<u64> {
        self.price_per_token
    }

    /// Opens an `encrypted_message` payload: fields → AAD form (`INVALID_AAD`) → counter
    /// (`REPLAY_DETECTED`) → nonce (`NONCE_REUSE`, or `RATE_LIMITED` once the key carried its
    /// maximum of messages) → decrypt (`DECRYPTION_FAILED`) → prompt. The counter advances for a
    /// message that authenticated, so it can never be replayed; its nonce is remembered only when
    /// the host [admits](Self::admit) it, so a refused request costs no memory.
    pub fn open_message(&mut self, payload: Option<&EncryptedPayload>) -> Result<OpenedMessage> {
        let payload = payload.ok_or_else(|| {
            Error::new(
                ErrorCode::MissingPayload,
                "encrypted_message needs a `payload`",
            )
        })?;
        let mut parts = payload.decode()?;
        let index = parse_indexed_aad(MESSAGE_AAD_PREFIX, &parts.aad)?;
        self.counter.check(index)?;
        self.nonces.check(&parts.nonce)?;
        self.key
            .open_in_place(&parts.nonce, &parts.aad, &mut parts.ciphertext)?;
        let plaintext = zeroize::Zeroizing::new(parts.ciphertext);
        self.counter.accept(index);
        Ok(OpenedMessage {
            request: PromptRequest::parse(&plaintext)?,
            nonce: parts.nonce,
        })
    }

    /// Records an opened message as admitted (its nonce can never be used again in this session).
    pub fn admit(&mut self, opened: &OpenedMessage) {
        self.nonces.record(&opened.nonce);
    }

    /// Seals one piece of generated text as an `encrypted_chunk` frame (AAD `chunk_<index>`).
    pub fn seal_chunk(
        &self,
        rng: &mut (impl CryptoRng + ?Sized),
        id: Option<&WireId>,
        index: u64,
        text: &str,
        tokens: u64,
        is_final: bool,
    ) -> String {
        let aad = format!("{CHUNK_AAD_PREFIX}{index}");
        let payload = self.seal_payload(rng, text.as_bytes(), aad.as_bytes(), Some(index));
        HostFrame::EncryptedChunk(EncryptedChunkFrame {
            session_id: self.session_id.clone(),
            id: id.cloned(),
            tokens,
            is_final,
            payload: Some(payload),
        })
        .to_json()
    }

    /// Seals the finish reason (`stop`, `length`, `cancelled`) as an `encrypted_response` frame.
    pub fn seal_final(
        &self,
        rng: &mut (impl CryptoRng + ?Sized),
        id: Option<&WireId>,
        finish_reason: &str,
    ) -> String {
        let payload = self.seal_payload(rng, finish_reason.as_bytes(), FINAL_AAD, None);
        HostFrame::EncryptedResponse(EncryptedResponseFrame {
            session_id: self.session_id.clone(),
            id: id.cloned(),
            payload: Some(payload),
        })
        .to_json()
    }

    fn seal_payload(
        &self,
        rng: &mut (impl CryptoRng + ?Sized),
        plaintext: &[u8],
        aad: &[u8],
        index: Option<u64>,
    ) -> EncryptedPayload {
        let nonce = crate::crypto::random_nonce(rng);
        let mut buffer = Vec::with_capacity(plaintext.len() + crate::crypto::TAG_LEN);
        buffer.extend_from_slice(plaintext);
        self.key.seal_in_place(&nonce, aad, &mut buffer);
        EncryptedPayload::new(&buffer, &nonce, aad, index)
    }
}
