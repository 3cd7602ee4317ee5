//! Shared pieces of the E2EE integration tests: fixed keys, a seeded RNG, and a driver that runs a
//! client against a host store in memory.

#![allow(dead_code)] // each test binary uses a different subset

use confide_core::Result;
use confide_core::crypto::SecretKey;
use confide_core::e2ee::wire::{SessionInitAckFrame, SessionInitFrame};
use confide_core::e2ee::{
    ClientFrame, ClientSession, HostFrame, InitAccepted, InitParams, SessionStore, SignatureScheme,
    StoreConfig, WireId,
};
use rand::SeedableRng;
use rand::rngs::StdRng;

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

/// The host's ack frame for an accepted init.
pub fn ack_json(frame: &SessionInitFrame, accepted: &InitAccepted) -> String {
    HostFrame::SessionInitAck(SessionInitAckFrame::new(
        frame.session_id.clone(),
        frame.job_id.clone(),
        frame.chain_id,
        frame.id.clone(),
        Some(&accepted.client_address),
    ))
    .to_json()
}

/// A client and a host store with one accepted, acknowledged session `s1`.
pub struct Pair {
    pub client: ClientSession,
    pub store: SessionStore,
    pub host: SecretKey,
    pub rng: StdRng,
}

impl Pair {
    pub fn new(scheme: SignatureScheme) -> Self {
        let host = host_key();
        let mut rng = rng();
        let mut client = ClientSession::new(*host.public_key(), scheme);
        let init = client
            .init_message(&wallet_key(), &mut rng, &params("s1"))
            .unwrap();
        let mut store = SessionStore::new(StoreConfig::default());
        let frame = init_frame(&init);
        let accepted = store.accept_init(&host, &frame, NOW, |_| true).unwrap();
        client.open(&ack_json(&frame, &accepted)).unwrap();
        Self {
            client,
            store,
            host,
            rng,
        }
    }

    /// Client seals `prompt` as request `id`; the host opens it and returns the prompt text.
    pub fn send_prompt(&mut self, id: &str, prompt: &str) -> Result<Option<String>> {
        let json = self
            .client
            .seal_prompt(&mut self.rng, &WireId::from(id), prompt.as_bytes())?;
        self.host_receive(&json)
    }

    /// Host opens a client frame that must be an `encrypted_message`.
    pub fn host_receive(&mut self, json: &str) -> Result<Option<String>> {
        let ClientFrame::EncryptedMessage(frame) = ClientFrame::parse(json)? else {
            panic!("expected an encrypted_message");
        };
        let session = self.store.session_mut(&frame.session_id, NOW)?;
        let request = session.open_message(frame.payload.as_ref())?;
        Ok(request.prompt.clone())
    }

    pub fn session_id() -> WireId {
        WireId::from("s1")
    }
}
