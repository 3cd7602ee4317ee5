//! A client session fed host frames that a real host engine produced for it, delivered in
//! fuzzer-chosen order and mutated structurally (a field of a real frame changed — index, AAD,
//! nonce, request or session id, `final`, a ciphertext byte, a dropped field — or a byte flipped),
//! mixed with raw fuzzer text. The host side is driven too: prompts, generated text (fuzzer
//! strings), finishes with each reason, and failures. A second, "oracle" client with the very same
//! key opens every host frame unmodified and in order.
//!
//! Invariants (each an assertion that fails when broken):
//! - nothing panics, and the oracle opens every frame the host produces, in order (host and client
//!   agree on the protocol);
//! - a chunk that decrypts was produced by the host for this index, with this text; indices of a
//!   request arrive exactly in order from 0, and no chunk is delivered twice (the AEAD binds the
//!   index, not the request id: a chunk moved to another request of the session decrypts);
//! - a decrypted finish reason is one the host sent, at most once per request; `stream_end` is
//!   accepted only after it, at most once, and only when the text accepted for the request is
//!   exactly the host's (the receipt's `response_sha256` catches moved or truncated chunks; an
//!   empty chunk changes no text, so it may go missing unnoticed);
//! - after an `error` frame for a request, the session accepts no further data for it;
//! - a rejected frame changes nothing: while every frame the client accepted was the host's next
//!   frame of its request, delivering the rest of each request's frames in order (requests without
//!   an accepted error) is accepted to the end, each opening as the oracle opened it.

#![no_main]

use std::collections::BTreeMap;

use confide_core::e2ee::{ClientEvent, ClientSession, SignatureScheme, WireId};
use confide_core::host::{Connection, FinishReason, GenerationEvent, GenerationId, Output};
use confide_core::{Error, ErrorCode};
use confide_core_fuzz::{
    HOST_KEY, MemoWallet, NOW_MS, check_host_frame, endpoint, init_params, init_secrets, key, rng,
};
use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use rand::rngs::StdRng;
use serde_json::Value;

const MAX_ACTIONS: usize = 64;
const MAX_REQUESTS: usize = 3;
/// The session key (fixed, so the init and its signature are the same in every run).
const SESSION_KEY: [u8; 32] = [0x55; 32];

/// One request: what the host sent for it and what the fuzzed client accepted.
#[derive(Default)]
struct Request {
    generation: Option<GenerationId>,
    /// The host's frames for this request, in order.
    genuine: Vec<String>,
    /// Per genuine frame: the event the oracle opened from it.
    expected: Vec<ClientEvent>,
    /// The chunk texts the fuzzed client accepted, and whether final and end came.
    chunks: Vec<String>,
    finished: bool,
    ended: bool,
    /// The accepted events so far are exactly the first `prefix` genuine ones.
    prefix: usize,
    /// An error for this request was accepted.
    dead: bool,
}

struct Harness {
    connection: Connection,
    rng: StdRng,
    oracle: ClientSession,
    client: ClientSession,
    requests: BTreeMap<String, Request>,
    all_frames: Vec<String>,
    /// Every accepted event so far was the host's next frame of its request.
    in_order: bool,
}

impl Harness {
    fn new(session_key: [u8; 32]) -> Self {
        let host = *key(HOST_KEY).public_key();
        let params = init_params("s", true, NOW_MS);
        let mut oracle = ClientSession::new(host, SignatureScheme::Eip191);
        let mut client = ClientSession::new(host, SignatureScheme::Eip191);
        let init = oracle
            .init_message_with(&MemoWallet(0x22), &params, init_secrets(1, session_key))
            .expect("init");
        client
            .init_message_with(&MemoWallet(0x22), &params, init_secrets(1, session_key))
            .expect("init");
        let mut connection = Connection::new(endpoint(), NOW_MS);
        let outputs = connection.handle_frame_inline(&init, NOW_MS);
        let ack = host_frames(&outputs).pop().expect("an ack");
        assert!(matches!(oracle.open(&ack), Ok(ClientEvent::Ack { .. })));
        assert!(matches!(client.open(&ack), Ok(ClientEvent::Ack { .. })));
        Self {
            connection,
            rng: rng(),
            oracle,
            client,
            requests: BTreeMap::new(),
            all_frames: Vec::new(),
            in_order: true,
        }
    }

    fn step(&mut self, u: &mut Unstructured<'_>) -> Result<()> {
        match u.int_in_range(0..=7u8)? {
            0 if self.requests.len() < MAX_REQUESTS => self.prompt(),
            1 => {
                let text: String = u.arbitrary()?;
                let tokens = u.int_in_range(0..=3)?;
                self.generate(u, GenerationEvent::Text { text, tokens })?;
            }
            2 => {
                let finish_reason = *u.choose(&[
                    FinishReason::Stop,
                    FinishReason::Length,
                    FinishReason::Cancelled,
                ])?;
                let event = GenerationEvent::Finished {
                    finish_reason,
                    prompt_tokens: u.int_in_range(0..=50)?,
                    completion_tokens: u.int_in_range(0..=50)?,
                };
                self.generate(u, event)?;
            }
            3 => {
                let event = GenerationEvent::Failed(Error::new(ErrorCode::InferenceFailed, "f"));
                self.generate(u, event)?;
            }
            4 if !self.requests.is_empty() => {
                // The next genuine frame of a request, in order.
                let id = u
                    .choose(&self.requests.keys().cloned().collect::<Vec<_>>())?
                    .clone();
                let request = &self.requests[&id];
                if let Some(frame) = request.genuine.get(request.prefix).cloned() {
                    self.deliver(&frame);
                }
            }
            5 if !self.all_frames.is_empty() => {
                // Any genuine frame: out of order, or a replay.
                let frame = u.choose(&self.all_frames)?.clone();
                self.deliver(&frame);
            }
            6 if !self.all_frames.is_empty() => {
                let frame = u.choose(&self.all_frames)?.clone();
                let other = u.choose(&self.all_frames)?.clone();
                let mutated = mutate(u, &frame, &other)?;
                self.deliver(&mutated);
            }
            7 => {
                let text: String = u.arbitrary()?;
                self.deliver(&text);
            }
            _ => {}
        }
        Ok(())
    }

    /// A prompt sealed by both clients (same key, same nonce, so the same frame), sent to the host.
    fn prompt(&mut self) {
        let id = format!("r{}", self.requests.len());
        let mut nonce = [0x66; 24];
        nonce[0] = self.requests.len() as u8;
        let text = br#"{"prompt":"hi"}"#;
        let frame = self
            .oracle
            .seal_prompt_with_nonce(&WireId::from(id.as_str()), text, nonce)
            .expect("seal");
        let same = self
            .client
            .seal_prompt_with_nonce(&WireId::from(id.as_str()), text, nonce)
            .expect("seal");
        assert_eq!(frame, same, "equal clients seal equal frames");
        let outputs = self.connection.handle_frame_inline(&frame, NOW_MS);
        let generation = outputs.iter().find_map(|o| match o {
            Output::Start(start) => Some(start.id),
            _ => None,
        });
        let request = Request {
            generation,
            ..Request::default()
        };
        self.requests.insert(id, request);
    }

    /// A generation event for one request; the host's frames are opened by the oracle, in order.
    fn generate(&mut self, u: &mut Unstructured<'_>, event: GenerationEvent) -> Result<()> {
        let running: Vec<(String, GenerationId)> = self
            .requests
            .iter()
            .filter_map(|(id, r)| r.generation.map(|g| (id.clone(), g)))
            .collect();
        if running.is_empty() {
            return Ok(());
        }
        let (id, generation) = u.choose(&running)?.clone();
        let outputs = self
            .connection
            .handle_generation(generation, event, NOW_MS, &mut self.rng);
        for frame in host_frames(&outputs) {
            let event = self
                .oracle
                .open(&frame)
                .unwrap_or_else(|e| panic!("the oracle refused a host frame: {e}"));
            let request = self.requests.get_mut(&id).expect("known request");
            if matches!(event, ClientEvent::End { .. } | ClientEvent::Error { .. }) {
                request.generation = None;
            }
            request.genuine.push(frame.clone());
            request.expected.push(event);
            self.all_frames.push(frame);
        }
        Ok(())
    }

    /// Delivers a frame to the fuzzed client and checks what it accepted.
    fn deliver(&mut self, frame: &str) {
        let Ok(event) = self.client.open(frame) else {
            return;
        };
        let Some(id) = event_request(&event) else {
            return;
        };
        let sent_by_host = self.requests.values().any(|r| r.expected.contains(&event))
            || self.sent_elsewhere(&event);
        // Only a `stream_end` is checked against the texts of the other requests.
        let host_texts: Vec<String> = match event {
            ClientEvent::End { .. } => self.requests.values().map(Request::host_text).collect(),
            _ => Vec::new(),
        };
        let Some(request) = self.requests.get_mut(&id) else {
            assert!(
                matches!(event, ClientEvent::Error { .. }),
                "data accepted for a request never sent: {event:?}"
            );
            return;
        };
        if let ClientEvent::Error { .. } = event {
            request.dead = true;
            return;
        }
        assert!(!request.dead, "data accepted after an error: {event:?}");
        // The host's next frame of this request, and not only its content: a chunk of another
        // request with the same index and text opens as the same event but spends that other
        // frame's nonce (the AEAD binds neither the request id nor the frame).
        let matches_next = request.expected.get(request.prefix) == Some(&event)
            && request
                .genuine
                .get(request.prefix)
                .is_some_and(|genuine| nonce_of(genuine) == nonce_of(frame));
        match &event {
            ClientEvent::Chunk { index, text, .. } => {
                assert!(!request.finished, "a chunk accepted after the final");
                assert_eq!(
                    *index,
                    request.chunks.len() as u64,
                    "chunks in order, each once"
                );
                assert!(sent_by_host, "a chunk the host never sent: {event:?}");
                request.chunks.push(text.clone());
            }
            ClientEvent::Final { .. } => {
                assert!(!request.finished, "a second final accepted");
                assert!(sent_by_host, "a finish reason the host never sent");
                request.finished = true;
            }
            ClientEvent::End { receipt, .. } => {
                assert!(request.finished, "stream_end accepted before the final");
                assert!(!request.ended, "a second stream_end accepted");
                let accepted = request.chunks.concat();
                if receipt.is_none() {
                    // Without a receipt (deployed hosts send none; here one was dropped on the
                    // way) the end vouches for no text: the application sees `receipt: None`.
                } else if matches_next {
                    assert_eq!(
                        accepted,
                        request.host_text(),
                        "a verified receipt vouches for exactly the host's text"
                    );
                } else {
                    // A `stream_end` of another request of the session under this id (neither
                    // the receipt nor the final's AEAD names the request; docs/RELIABILITY.md
                    // "Found, by design"): it vouches for the text the host sent in that request.
                    assert!(
                        host_texts.contains(&accepted),
                        "a verified receipt vouches for a text the host never sent: {accepted:?}"
                    );
                }
                request.ended = true;
            }
            _ => panic!("unexpected event for a request: {event:?}"),
        }
        if matches_next {
            request.prefix += 1;
        } else {
            // Accepted, but not the host's next frame of this request (a chunk of another request
            // under this id, a `final` flag flipped: neither is covered by the AEAD): the session's
            // nonce and order state no longer match the host's plan, so liveness is not checked.
            self.in_order = false;
        }
    }

    /// Whether the host sent `event`'s content (index and text, or finish reason) in any request
    /// of the session: the AEAD binds a chunk's index, not its request id or `final` flag.
    fn sent_elsewhere(&self, event: &ClientEvent) -> bool {
        let content = |e: &ClientEvent| match e {
            ClientEvent::Chunk { index, text, .. } => Some((Some(*index), text.clone())),
            ClientEvent::Final { finish_reason, .. } => Some((None, finish_reason.clone())),
            _ => None,
        };
        let wanted = content(event);
        wanted.is_some()
            && self
                .requests
                .values()
                .flat_map(|r| r.expected.iter())
                .any(|e| content(e) == wanted)
    }

    /// Every request still in order accepts the rest of its genuine frames, in order.
    fn finish(mut self) {
        let ids: Vec<String> = self.requests.keys().cloned().collect();
        for id in ids {
            let request = &self.requests[&id];
            if !self.in_order || request.dead {
                continue;
            }
            let rest: Vec<(String, ClientEvent)> = request.genuine[request.prefix..]
                .iter()
                .cloned()
                .zip(request.expected[request.prefix..].iter().cloned())
                .collect();
            for (frame, expected) in rest {
                let event = self
                    .client
                    .open(&frame)
                    .unwrap_or_else(|e| panic!("a genuine next frame was refused: {e}"));
                assert_eq!(
                    event, expected,
                    "the next genuine frame opens as the host sent it"
                );
            }
        }
    }
}

/// The request id an event is about (`None` for events of no request).
fn event_request(event: &ClientEvent) -> Option<String> {
    let id = match event {
        ClientEvent::Chunk { id, .. }
        | ClientEvent::Final { id, .. }
        | ClientEvent::End { id, .. }
        | ClientEvent::Error { id, .. } => id.as_ref(),
        _ => None,
    };
    id.map(ToString::to_string)
}

/// The text frames among `outputs`, each checked like every frame a host sends.
fn host_frames(outputs: &[Output]) -> Vec<String> {
    confide_core_fuzz::frames(outputs)
        .inspect(|frame| {
            check_host_frame(frame);
        })
        .map(str::to_owned)
        .collect()
}

/// A structured mutation of `frame` (`other` lends fields to swap in), or a byte flip.
fn mutate(u: &mut Unstructured<'_>, frame: &str, other: &str) -> Result<String> {
    let (Ok(mut value), Ok(donor)) = (
        serde_json::from_str::<Value>(frame),
        serde_json::from_str::<Value>(other),
    ) else {
        return Ok(frame.to_owned());
    };
    let payload_field = *u.choose(&["ciphertextHex", "nonceHex", "aadHex", "index"])?;
    match u.int_in_range(0..=8u8)? {
        0 => value["payload"]["index"] = Value::from(u.int_in_range(0..=4u64)?),
        1 => {
            value["payload"]["aadHex"] =
                Value::from(hex_of(&format!("chunk_{}", u.int_in_range(0..=4u8)?)))
        }
        2 => value["payload"][payload_field] = donor["payload"][payload_field].clone(),
        3 => value["id"] = Value::from(format!("r{}", u.int_in_range(0..=3u8)?)),
        4 => value["session_id"] = Value::from(*u.choose(&["s", "t", ""])?),
        5 => value["final"] = Value::from(u.arbitrary::<bool>()?),
        6 => {
            if let Some(object) = value.as_object_mut() {
                let keys: Vec<String> = object.keys().cloned().collect();
                object.remove(u.choose(&keys)?);
            }
        }
        7 => {
            if let Some(Value::String(text)) = value["payload"].get_mut("ciphertextHex") {
                let at = u.choose_index(text.len().max(1))?;
                let digit = *u.choose(b"0123456789abcdef")? as char;
                if at < text.len() {
                    text.replace_range(at..=at, &digit.to_string());
                }
            }
        }
        _ => {
            let mut bytes = frame.as_bytes().to_vec();
            let at = u.choose_index(bytes.len())?;
            bytes[at] ^= u.int_in_range(1..=255u8)?;
            return Ok(String::from_utf8_lossy(&bytes).into_owned());
        }
    }
    Ok(value.to_string())
}

fn hex_of(text: &str) -> String {
    confide_core::hex::encode(text.as_bytes())
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let mut harness = Harness::new(SESSION_KEY);
    for _ in 0..MAX_ACTIONS {
        if u.is_empty() || harness.step(&mut u).is_err() {
            break;
        }
    }
    harness.finish();
});

impl Request {
    /// The text of every chunk the host sent in this request.
    fn host_text(&self) -> String {
        self.expected
            .iter()
            .filter_map(|e| match e {
                ClientEvent::Chunk { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }
}

/// The `payload.nonceHex` of a frame (`None` for frames without one, such as `stream_end`).
fn nonce_of(frame: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(frame).ok()?;
    value["payload"]["nonceHex"].as_str().map(str::to_owned)
}
