//! The host engine driven by arbitrary frame *sequences*, interpreted structurally: each input is a
//! list of actions — an init built by a real `ClientSession` (two wallets, three session ids,
//! fuzzer-chosen session key, with or without a timestamp), a real sealed prompt (fuzzer-chosen
//! content, counter, nonce, session id and request id), a corrupted or replayed copy of an earlier
//! frame, `stream_cancel`, a raw fuzzer string, binary bytes, a time step, or a generation event.
//!
//! Invariants (each an assertion that fails when broken):
//! - nothing panics;
//! - every frame the host sends parses as a host frame, and every error frame carries a stable
//!   code (one of `ErrorCode::ALL`), repeated in `error_code`;
//! - nothing is output after the connection closed, and `Close` is seen exactly when the engine
//!   reports itself closed;
//! - an encrypted ack answers only an init a client built (its session key is known), and a generation
//!   starts only for an acked session, from a prompt whose `message_N` counter is strictly above
//!   the last one that started in that session since its (re-)key: per-session counters only
//!   increase, so no replay or reorder ever starts a generation;
//! - a rejected client frame (answered by an error and nothing else) changes no observable state:
//!   the number of sessions and whether anything is generating stay the same;
//! - at the end, once every generation was reported finished nothing is generating, and every
//!   session still open accepts a valid next prompt (a rejected frame never broke a session).

#![no_main]

use std::collections::{BTreeMap, HashMap};

use confide_core::crypto::SymmetricKey;
use confide_core::e2ee::wire::{EncryptedMessageFrame, EncryptedPayload};
use confide_core::e2ee::{ClientFrame, ClientSession, HostFrame, SignatureScheme, WireId};
use confide_core::host::{Connection, FinishReason, GenerationEvent, GenerationId, Output};
use confide_core::{Error, ErrorCode, hex};
use confide_core_fuzz::{
    HOST_KEY, MemoWallet, NOW_MS, check_host_frame, endpoint, frames, init_params, init_secrets,
    key, rng,
};
use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use rand::rngs::StdRng;

const SESSION_IDS: [&str; 3] = ["a", "b", "c"];
const WALLETS: [u8; 2] = [0x22, 0x23];
const REQUEST_IDS: [&str; 3] = ["m0", "m1", "m2"];
const MAX_ACTIONS: usize = 48;
/// Time steps stay below the session TTL in total, so no session expires under the harness.
const MAX_STEP_MS: u64 = 20_000;

/// What the harness knows about a session the host acknowledged.
struct Known {
    key: [u8; 32],
    /// The last counter that started a generation since the session was (re-)keyed.
    last_started: Option<u64>,
    /// Above every counter sent under this key (a valid next prompt uses it).
    next_counter: u64,
    /// The last nonce used under this key, for reuse attempts.
    last_nonce: [u8; 24],
}

struct Harness {
    connection: Connection,
    now_ms: u64,
    rng: StdRng,
    sent: Vec<String>,
    init_keys: HashMap<Vec<u8>, [u8; 32]>,
    sessions: BTreeMap<String, Known>,
    started: Vec<GenerationId>,
    closed: bool,
    serial: u64,
}

impl Harness {
    fn new() -> Self {
        Self {
            connection: Connection::new(endpoint(), NOW_MS),
            now_ms: NOW_MS,
            rng: rng(),
            sent: Vec::new(),
            init_keys: HashMap::new(),
            sessions: BTreeMap::new(),
            started: Vec::new(),
            closed: false,
            serial: 0,
        }
    }

    fn next_serial(&mut self) -> u64 {
        self.serial += 1;
        self.serial
    }

    fn step(&mut self, u: &mut Unstructured<'_>) -> Result<()> {
        match u.int_in_range(0..=8u8)? {
            0 => {
                let frame = self.init(u)?;
                self.send_text(frame);
            }
            1 => {
                let frame = self.prompt(u)?;
                self.send_text(frame);
            }
            2 if !self.sent.is_empty() => {
                let mut bytes = u.choose(&self.sent)?.clone().into_bytes();
                if let Ok(at) = u.choose_index(bytes.len()) {
                    bytes[at] ^= u.int_in_range(1..=255u8)?;
                }
                self.send_bytes(&bytes);
            }
            3 if !self.sent.is_empty() => {
                let frame = u.choose(&self.sent)?.clone();
                self.send_text(frame);
            }
            4 => {
                let session_id = *u.choose(&SESSION_IDS)?;
                let id = match u.ratio(1u8, 2u8)? {
                    true => format!(r#","id":"{}""#, u.choose(&REQUEST_IDS)?),
                    false => String::new(),
                };
                self.send_text(format!(
                    r#"{{"type":"stream_cancel","session_id":"{session_id}"{id}}}"#
                ));
            }
            5 => {
                let text: &str = u.arbitrary()?;
                self.send_text(text.to_owned());
            }
            6 => {
                let bytes: &[u8] = u.arbitrary()?;
                let outputs = self.connection.handle_binary(bytes, self.now_ms);
                self.absorb(&outputs, None, true);
            }
            7 => {
                self.now_ms += u.int_in_range(0..=MAX_STEP_MS)?;
                self.connection.expire(self.now_ms);
            }
            8 if !self.started.is_empty() => {
                let id = *u.choose(&self.started)?;
                let event = match u.int_in_range(0..=2u8)? {
                    0 => GenerationEvent::Text {
                        text: u.arbitrary()?,
                        tokens: u.int_in_range(0..=4)?,
                    },
                    1 => GenerationEvent::Finished {
                        finish_reason: *u.choose(&[
                            FinishReason::Stop,
                            FinishReason::Length,
                            FinishReason::Cancelled,
                        ])?,
                        prompt_tokens: u.int_in_range(0..=100)?,
                        completion_tokens: u.int_in_range(0..=100)?,
                    },
                    _ => GenerationEvent::Failed(Error::new(ErrorCode::InferenceFailed, "fuzz")),
                };
                self.generation(id, event);
            }
            _ => {}
        }
        Ok(())
    }

    /// A real init by a real client session; its session key is remembered by its nonce.
    fn init(&mut self, u: &mut Unstructured<'_>) -> Result<String> {
        let wallet = MemoWallet(*u.choose(&WALLETS)?);
        let session_id = *u.choose(&SESSION_IDS)?;
        let timestamped = u.arbitrary()?;
        // Fuzzer-chosen, but unique per init as an ECDH-derived key is: with two inits under one
        // key, a prompt sealed for the first would open after the second re-keyed the session,
        // which no real client can produce (and the model below does not follow).
        let mut session_key: [u8; 32] = u.arbitrary()?;
        let serial = self.next_serial();
        session_key[24..].copy_from_slice(&serial.to_be_bytes());
        let secrets = init_secrets(serial, session_key);
        self.init_keys.insert(secrets.nonce.to_vec(), session_key);
        let mut client = ClientSession::new(*key(HOST_KEY).public_key(), SignatureScheme::Eip191);
        let params = init_params(session_id, timestamped, self.now_ms);
        Ok(client
            .init_message_with(&wallet, &params, secrets)
            .expect("a client builds its init"))
    }

    /// A prompt sealed like a client seals it, with fuzzer-chosen counter, nonce and content.
    fn prompt(&mut self, u: &mut Unstructured<'_>) -> Result<String> {
        // Mostly a session the host acknowledged, so prompts reach the generation path.
        let acked: Vec<&str> = self.sessions.keys().map(String::as_str).collect();
        let session_id = match acked.is_empty() || u.ratio(1u8, 4u8)? {
            true => *u.choose(&SESSION_IDS)?,
            false => *u.choose(&acked)?,
        };
        let session_id = session_id.to_owned();
        let session_id = session_id.as_str();
        let serial = self.next_serial();
        let fresh_nonce = {
            let mut nonce = [0x66; 24];
            nonce[16..].copy_from_slice(&serial.to_be_bytes());
            nonce
        };
        let stranger = Known {
            key: u.arbitrary()?,
            last_started: None,
            next_counter: 0,
            last_nonce: fresh_nonce,
        };
        let known = self.sessions.get(session_id).unwrap_or(&stranger);
        let counter = match u.int_in_range(0..=3u8)? {
            0 | 1 => known.next_counter,
            2 => known.last_started.unwrap_or(0),
            _ => u.arbitrary()?,
        };
        let nonce = match u.ratio(1u8, 8u8)? {
            true => known.last_nonce,
            false => fresh_nonce,
        };
        let content = match u.int_in_range(0..=2u8)? {
            0 => serde_json::json!({ "prompt": u.arbitrary::<String>()? })
                .to_string()
                .into_bytes(),
            1 => serde_json::json!({
                "messages": [{ "role": "user", "content": u.arbitrary::<String>()? }],
                "max_tokens": u.arbitrary::<u32>()?,
            })
            .to_string()
            .into_bytes(),
            _ => u.arbitrary::<Vec<u8>>()?,
        };
        let request_id = u.choose(&REQUEST_IDS)?;
        let key = known.key;
        if let Some(known) = self.sessions.get_mut(session_id) {
            known.next_counter = known.next_counter.max(counter.saturating_add(1));
            known.last_nonce = nonce;
        }
        Ok(sealed_prompt(
            &key, session_id, request_id, counter, &nonce, &content,
        ))
    }

    fn send_text(&mut self, frame: String) {
        let outputs = self.connection.handle_frame_inline(&frame, self.now_ms);
        self.absorb(&outputs, Some(&frame), true);
        self.sent.push(frame);
    }

    fn send_bytes(&mut self, bytes: &[u8]) {
        match String::from_utf8(bytes.to_vec()) {
            Ok(frame) => self.send_text(frame),
            Err(_) => {
                let outputs = self.connection.handle_binary(bytes, self.now_ms);
                self.absorb(&outputs, None, true);
            }
        }
    }

    fn generation(&mut self, id: GenerationId, event: GenerationEvent) {
        let outputs = self
            .connection
            .handle_generation(id, event, self.now_ms, &mut self.rng);
        self.absorb(&outputs, None, false);
    }

    /// Checks the outputs of one call against the invariants and updates the model.
    fn absorb(&mut self, outputs: &[Output], frame: Option<&str>, from_client: bool) {
        if self.closed {
            assert!(outputs.is_empty(), "output after close: {outputs:?}");
            return;
        }
        let before = (
            self.connection.session_count(),
            self.connection.is_generating(),
        );
        let mut rejected = false;
        let mut accepted = false;
        for output in outputs {
            match output {
                Output::Frame(text) => {
                    rejected |= check_host_frame(text).is_some();
                    if let Ok(HostFrame::SessionInitAck(ack)) = HostFrame::parse(text) {
                        accepted = true;
                        if ack.encrypted {
                            self.acked(ack.session_id.to_string(), frame);
                        }
                    }
                }
                Output::Start(start) => {
                    accepted = true;
                    self.started_by(&start.session_id, frame);
                    self.started.push(start.id);
                }
                Output::Close { .. } => {
                    assert!(
                        self.connection.is_closed(),
                        "Close while the engine is open"
                    );
                    self.closed = true;
                }
                Output::RunInit(_) => panic!("an inline init never asks to be run"),
                Output::Cancel(_) | Output::Observe(_) => {}
            }
        }
        assert_eq!(
            self.closed,
            self.connection.is_closed(),
            "closed without a Close"
        );
        if from_client && rejected && !accepted && !self.closed {
            let after = (
                self.connection.session_count(),
                self.connection.is_generating(),
            );
            assert_eq!(before, after, "a rejected frame changed state");
        }
    }

    /// An ack: the frame was an init a client built (its key is known); the session is (re-)keyed.
    fn acked(&mut self, session_id: String, frame: Option<&str>) {
        let frame = frame.expect("an ack answers a text frame");
        let Ok(ClientFrame::EncryptedSessionInit(init)) = ClientFrame::parse(frame) else {
            panic!("an ack answers an encrypted_session_init");
        };
        assert_eq!(
            init.session_id.to_string(),
            session_id,
            "ack for another session"
        );
        let nonce_hex = init
            .payload
            .and_then(|p| p.nonce_hex)
            .expect("an acked init has a nonce");
        let nonce = hex::decode("nonceHex", &nonce_hex).expect("an acked init's nonce is hex");
        let key = *self
            .init_keys
            .get(&nonce)
            .expect("the host acks only inits a client built");
        self.sessions.insert(
            session_id,
            Known {
                key,
                last_started: None,
                next_counter: 0,
                last_nonce: [0; 24],
            },
        );
    }

    /// A generation started: by an encrypted prompt of an acked session, counter above the last.
    fn started_by(&mut self, session_id: &WireId, frame: Option<&str>) {
        let frame = frame.expect("a generation starts from a text frame");
        let message = match ClientFrame::parse(frame) {
            Ok(ClientFrame::EncryptedMessage(message)) => message,
            // A plaintext session (the deprecated mode) has no counters.
            Ok(ClientFrame::Prompt(_)) => return,
            _ => panic!("only a prompt starts a generation"),
        };
        assert_eq!(
            &message.session_id, session_id,
            "started in another session"
        );
        let aad_hex = message
            .payload
            .and_then(|p| p.aad_hex)
            .expect("a started prompt has an AAD");
        let aad = hex::decode("aadHex", &aad_hex).expect("a started prompt's AAD is hex");
        let counter: u64 = std::str::from_utf8(&aad)
            .ok()
            .and_then(|aad| aad.strip_prefix("message_"))
            .and_then(|n| n.parse().ok())
            .expect("a started prompt's AAD is message_N");
        let known = self
            .sessions
            .get_mut(&session_id.to_string())
            .expect("a generation starts only in an acked session");
        if let Some(last) = known.last_started {
            assert!(counter > last, "counter {counter} started after {last}");
        }
        known.last_started = Some(counter);
        known.next_counter = known.next_counter.max(counter.saturating_add(1));
    }

    /// Every generation reported finished, then a valid next prompt in each open session.
    fn finish(mut self) {
        for id in std::mem::take(&mut self.started) {
            self.generation(id, cancelled());
        }
        assert!(
            !self.connection.is_generating(),
            "a finished generation still runs"
        );
        if self.closed {
            return;
        }
        let probes: Vec<(String, [u8; 32], u64)> = self
            .sessions
            .iter()
            // A session that used the largest counter can take no further prompt.
            .filter(|(_, known)| known.next_counter < u64::MAX)
            .map(|(id, known)| (id.clone(), known.key, known.next_counter))
            .collect();
        for (session_id, key, counter) in probes {
            let serial = self.next_serial();
            let mut nonce = [0x77; 24];
            nonce[16..].copy_from_slice(&serial.to_be_bytes());
            let frame = sealed_prompt(
                &key,
                &session_id,
                "probe",
                counter,
                &nonce,
                br#"{"prompt":"p"}"#,
            );
            let outputs = self.connection.handle_frame_inline(&frame, self.now_ms);
            let started: Vec<GenerationId> = outputs
                .iter()
                .filter_map(|o| match o {
                    Output::Start(start) => Some(start.id),
                    _ => None,
                })
                .collect();
            let replies: Vec<&str> = frames(&outputs).collect();
            assert_eq!(
                started.len(),
                1,
                "a valid next prompt in {session_id} was refused: {replies:?}"
            );
            self.generation(started[0], cancelled());
        }
    }
}

fn cancelled() -> GenerationEvent {
    GenerationEvent::Finished {
        finish_reason: FinishReason::Cancelled,
        prompt_tokens: 1,
        completion_tokens: 0,
    }
}

/// An `encrypted_message` sealed under `key` with AAD `message_<counter>`.
fn sealed_prompt(
    key: &[u8; 32],
    session_id: &str,
    request_id: &str,
    counter: u64,
    nonce: &[u8; 24],
    plaintext: &[u8],
) -> String {
    let aad = format!("message_{counter}");
    let ciphertext = SymmetricKey::from_bytes(*key)
        .seal(nonce, aad.as_bytes(), plaintext)
        .expect("sealing never fails with a 24-byte nonce");
    ClientFrame::EncryptedMessage(EncryptedMessageFrame {
        session_id: WireId::from(session_id),
        id: Some(WireId::from(request_id)),
        payload: Some(EncryptedPayload::new(
            &ciphertext,
            nonce,
            aad.as_bytes(),
            None,
        )),
    })
    .to_json()
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let mut harness = Harness::new();
    for _ in 0..MAX_ACTIONS {
        if u.is_empty() || harness.step(&mut u).is_err() {
            break;
        }
    }
    harness.finish();
});
