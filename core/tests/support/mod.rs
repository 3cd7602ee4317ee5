//! Shared pieces of the E2EE integration tests: fixed keys, a seeded RNG, the host engine on one
//! connection ([`Host`]), a client talking to it ([`Pair`]), a client whose session key the test
//! knows so it can forge any host frame ([`KeyedClient`]), the host's receipts, and a look inside an
//! init.

#![allow(dead_code)] // each test binary uses a different subset

use std::collections::HashMap;
use std::sync::Arc;

use confide_core::crypto::{
    Address, PublicKey, SecretKey, SymmetricKey, derive_session_key, sha256,
};
use confide_core::e2ee::wire::{
    EncryptedChunkFrame, EncryptedPayload, EncryptedResponseFrame, SessionInitAckFrame,
    SessionInitFrame, StreamEndFrame,
};
use confide_core::e2ee::{
    ClientEvent, ClientFrame, ClientSession, HostFrame, InitParams, InitSecrets, SessionData,
    SignatureScheme, Usage, WireId,
};
use confide_core::host::{
    Connection, Endpoint, FinishReason, GenerationEvent, GenerationId, HostConfig, Output,
};
use confide_core::signed::{MessageScheme, SignOptions, SignedMessage, UsageRecord};
use confide_core::{Error, ErrorCode, Result, hex};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::value::RawValue;

pub const NOW: u64 = 1_732_200_000;

pub fn rng() -> StdRng {
    seeded(7)
}

pub fn seeded(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

pub fn host_key() -> SecretKey {
    SecretKey::from_hex(&"11".repeat(32)).unwrap()
}

pub fn wallet_key() -> SecretKey {
    SecretKey::from_hex(&"22".repeat(32)).unwrap()
}

pub fn params(session_id: &str) -> InitParams {
    InitParams {
        session_id: WireId::from(session_id),
        job_id: WireId::from(12345u64),
        chain_id: 84532,
        model_name: "demo".into(),
        price_per_token: 2_272_727_273,
        id: Some(WireId::from("init-1")),
        timestamp: Some(NOW),
    }
}

/// Parses a client frame that must be `encrypted_session_init`.
pub fn init_frame(json: &str) -> SessionInitFrame {
    match ClientFrame::parse(json).unwrap() {
        ClientFrame::EncryptedSessionInit(frame) => frame,
        other => panic!("expected an init, got {other:?}"),
    }
}

/// An init for session `session_id` from a fresh client of `scheme`, signed by `signer`, with
/// secrets drawn from an RNG seeded with `seed` (same seed ⇒ same ephemeral key, nonce and salt).
pub fn signed_init(
    scheme: SignatureScheme,
    signer: &SecretKey,
    seed: u64,
    session_id: &str,
) -> SessionInitFrame {
    let mut client = ClientSession::new(*host_key().public_key(), scheme);
    init_frame(
        &client
            .init_message(signer, &mut seeded(seed), &params(session_id))
            .unwrap(),
    )
}

/// The session data inside an `encrypted_session_init`, decrypted with the host key the way a
/// host does (ECDH with the ephemeral key, HKDF with the sent salt and info, XChaCha20-Poly1305).
pub fn session_data(init_json: &str) -> SessionData {
    let payload = init_frame(init_json).payload.unwrap();
    let decode = |text: &str| hex::decode("field", text).unwrap();
    let optional = |text: &Option<String>| text.as_deref().map(decode);
    let eph = PublicKey::from_hex(payload.eph_pub_hex.as_deref().unwrap()).unwrap();
    let salt = optional(&payload.salt_hex);
    let info = optional(&payload.info).unwrap_or_default();
    let key = derive_session_key(&host_key(), &eph, salt.as_deref(), &info);
    let plaintext = key
        .open(
            &decode(payload.nonce_hex.as_deref().unwrap()),
            &optional(&payload.aad_hex).unwrap_or_default(),
            &decode(payload.ciphertext_hex.as_deref().unwrap()),
        )
        .unwrap();
    SessionData::parse(&plaintext).unwrap()
}

/// What the host answered to one client frame.
#[derive(Debug, Default)]
pub struct Reply {
    /// Frames for the client, in order.
    pub frames: Vec<String>,
    /// Generations the frame started.
    pub starts: Vec<(GenerationId, Option<String>)>,
}

impl Reply {
    /// The reply, or the host's error frame as an [`Error`] with its code and message.
    pub fn ok(self) -> Result<Self> {
        for frame in &self.frames {
            if let HostFrame::Error(error) = HostFrame::parse(frame)? {
                let code = ErrorCode::parse(&error.code).expect("a known code");
                return Err(Error::new(code, error.message));
            }
        }
        Ok(self)
    }
}

/// The host engine with [`host_key`] on one connection, driven inline at [`NOW`].
pub struct Host {
    pub connection: Connection,
    rng: StdRng,
}

impl Host {
    /// Default limits, except that a test may send frames and run requests as fast as it likes.
    pub fn new() -> Self {
        Self::with_config(|_| {})
    }

    /// [`new`](Self::new), then `configure`.
    pub fn with_config(configure: impl FnOnce(&mut HostConfig)) -> Self {
        let mut config = HostConfig::default();
        config.limits.frames_per_second = 100_000;
        config.limits.max_generations_per_connection = 64;
        configure(&mut config);
        let endpoint = Endpoint::new(Some(host_key()), config, NOW * 1000).unwrap();
        Self::on(Arc::new(endpoint))
    }

    /// A new connection to `endpoint`.
    pub fn on(endpoint: Arc<Endpoint>) -> Self {
        Self {
            connection: Connection::new(endpoint, NOW * 1000),
            rng: seeded(11),
        }
    }

    /// The engine's answer to `frame` at `now` (Unix seconds).
    pub fn send_at(&mut self, frame: &str, now: u64) -> Reply {
        let mut reply = Reply::default();
        for output in self.connection.handle_frame_inline(frame, now * 1000) {
            match output {
                Output::Frame(frame) => reply.frames.push(frame),
                Output::Start(start) => reply.starts.push((start.id, start.request.prompt.clone())),
                _ => {}
            }
        }
        reply
    }

    /// The engine's answer to `frame` at [`NOW`].
    pub fn send(&mut self, frame: &str) -> Reply {
        self.send_at(frame, NOW)
    }

    /// Accepts an init: its ack frame, or the host's error.
    pub fn accept(&mut self, frame: &SessionInitFrame) -> Result<String> {
        let json = ClientFrame::EncryptedSessionInit(frame.clone()).to_json();
        let reply = self.send(&json).ok()?;
        Ok(reply.frames.into_iter().next().expect("an ack"))
    }

    /// The frames generation `id` produces for `pieces` (one token each) and a `stop`.
    pub fn generate(&mut self, id: GenerationId, pieces: &[&str], usage: Usage) -> Vec<String> {
        let texts = pieces.iter().map(|text| GenerationEvent::Text {
            text: (*text).to_owned(),
            tokens: 1,
        });
        let finished = GenerationEvent::Finished {
            finish_reason: FinishReason::Stop,
            prompt_tokens: usage.prompt_tokens,
            completion_tokens: usage.completion_tokens,
        };
        let mut frames = Vec::new();
        for event in texts.chain([finished]) {
            for output in self
                .connection
                .handle_generation(id, event, NOW * 1000, &mut self.rng)
            {
                if let Output::Frame(frame) = output {
                    frames.push(frame);
                }
            }
        }
        frames
    }
}

/// A client with a session `s1` the engine accepted and acknowledged.
pub struct Pair {
    pub client: ClientSession,
    pub host: Host,
    pub rng: StdRng,
    running: HashMap<String, GenerationId>,
}

impl Pair {
    pub fn new(scheme: SignatureScheme) -> Self {
        let mut host = Host::new();
        let mut rng = rng();
        let mut client = ClientSession::new(*host_key().public_key(), scheme);
        let init = client
            .init_message(&wallet_key(), &mut rng, &params("s1"))
            .unwrap();
        let ack = host.accept(&init_frame(&init)).unwrap();
        assert!(matches!(
            client.open(&ack).unwrap(),
            ClientEvent::Ack { .. }
        ));
        Self {
            client,
            host,
            rng,
            running: HashMap::new(),
        }
    }

    /// Client seals `prompt` as request `id`; the host opens it and returns the prompt text.
    pub fn send_prompt(&mut self, id: &str, prompt: &str) -> Result<Option<String>> {
        let json = self
            .client
            .seal_prompt(&mut self.rng, &WireId::from(id), prompt.as_bytes())?;
        self.host_receive(id, &json)
    }

    /// Host opens a client frame for request `id`; returns the prompt text of the generation it
    /// started, or the host's error.
    pub fn host_receive(&mut self, id: &str, json: &str) -> Result<Option<String>> {
        let reply = self.host.send(json).ok()?;
        let (generation, prompt) = reply.starts.into_iter().next().expect("a generation");
        self.running.insert(id.to_owned(), generation);
        Ok(prompt)
    }

    /// The host's whole answer to request `id`: `pieces` as chunks (the last one final), the
    /// encrypted finish reason `stop`, and `stream_end` with the receipt the engine signs.
    pub fn reply_frames(&mut self, id: &str, pieces: &[&str]) -> Vec<String> {
        let generation = self.running.remove(id).expect("a running request");
        let usage = Usage::new(3, pieces.len() as u64);
        self.host.generate(generation, pieces, usage)
    }

    pub fn session_id() -> WireId {
        WireId::from("s1")
    }
}

/// The host's ack of session `frame` for `client`.
pub fn ack_json(frame: &SessionInitFrame, client: &Address) -> String {
    HostFrame::SessionInitAck(SessionInitAckFrame::new(
        frame.session_id.clone(),
        frame.job_id.clone(),
        frame.chain_id,
        frame.id.clone(),
        Some(client),
    ))
    .to_json()
}

/// A client of session `s1` whose session key the test chose, so it can forge any host frame.
pub struct KeyedClient {
    pub client: ClientSession,
    pub key: SymmetricKey,
    pub init: String,
    nonce: u8,
}

impl KeyedClient {
    /// The client after its init (session key 0x5a…5a) and the host's ack.
    pub fn new() -> Self {
        let key = SymmetricKey::from_bytes([0x5a; 32]);
        let secrets = InitSecrets {
            ephemeral: SecretKey::from_hex(&"44".repeat(32)).unwrap(),
            session_key: key.clone(),
            nonce: [9; 24],
            salt: None,
        };
        let mut client = ClientSession::new(*host_key().public_key(), SignatureScheme::Eip191);
        let init = client
            .init_message_with(&wallet_key(), &params("s1"), secrets)
            .unwrap();
        client
            .open(&ack_json(&init_frame(&init), &wallet_key().address()))
            .unwrap();
        Self {
            client,
            key,
            init,
            nonce: 0,
        }
    }

    fn payload(&mut self, aad: &str, text: &str, index: Option<u64>) -> EncryptedPayload {
        self.nonce += 1;
        let nonce = [self.nonce; 24];
        let ciphertext = self
            .key
            .seal(&nonce, aad.as_bytes(), text.as_bytes())
            .unwrap();
        EncryptedPayload::new(&ciphertext, &nonce, aad.as_bytes(), index)
    }

    /// An `encrypted_chunk` for request `id` with AAD `chunk_<index>` and a fresh nonce.
    pub fn chunk(&mut self, id: &str, index: u64, text: &str, is_final: bool) -> String {
        let payload = self.payload(&format!("chunk_{index}"), text, Some(index));
        HostFrame::EncryptedChunk(EncryptedChunkFrame {
            session_id: Pair::session_id(),
            id: Some(WireId::from(id)),
            tokens: 1,
            is_final,
            payload: Some(payload),
        })
        .to_json()
    }

    /// The `encrypted_response` of request `id` carrying `finish_reason`.
    pub fn final_frame(&mut self, id: &str, finish_reason: &str) -> String {
        let payload = self.payload("encrypted_response_final", finish_reason, None);
        HostFrame::EncryptedResponse(EncryptedResponseFrame {
            session_id: Pair::session_id(),
            id: Some(WireId::from(id)),
            payload: Some(payload),
        })
        .to_json()
    }
}

/// The usage record the host signs for `text`, answered in session `s1` to the wallet client.
pub fn usage_record(text: &str, usage: Usage) -> UsageRecord {
    UsageRecord {
        session_id: "s1".into(),
        job_id: Some("12345".into()),
        chain_id: Some(84532),
        model: "demo".into(),
        prompt_tokens: usage.prompt_tokens,
        completion_tokens: usage.completion_tokens,
        response_sha256: hex::encode(&sha256(text.as_bytes())),
        client_address: wallet_key().address().to_checksum(),
        timestamp: NOW,
    }
}

/// `record` signed by `signer` as a host signs receipts (timestamped `NOW`) under `scheme`.
pub fn sign_receipt(record: UsageRecord, signer: &SecretKey, scheme: MessageScheme) -> String {
    let options = SignOptions {
        timestamp: record.timestamp,
        nonce: Some(1),
        scheme,
    };
    SignedMessage::sign(record, signer, options)
        .unwrap()
        .to_json()
}

/// A `stream_end` for request `id` of session `s1`, with `usage` and the receipt JSON `receipt`.
pub fn stream_end(id: &str, usage: Option<Usage>, receipt: Option<String>) -> String {
    HostFrame::StreamEnd(StreamEndFrame {
        session_id: Some(Pair::session_id()),
        id: Some(WireId::from(id)),
        reason: "complete".into(),
        finish_reason: Some("stop".into()),
        tokens_used: usage.map_or(0, |u| u.completion_tokens),
        usage,
        max_tokens_capped: false,
        receipt: receipt.map(|json| RawValue::from_string(json).unwrap()),
    })
    .to_json()
}
