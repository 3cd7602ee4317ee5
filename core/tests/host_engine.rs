//! The host engine (`confide_core::host`) driven in memory: one regression test per defect of the
//! engine issue, plus the protocol rules the engine now owns for every host.

use std::sync::Arc;

use confide_core::crypto::SecretKey;
use confide_core::e2ee::{ClientEvent, ClientSession, InitParams, SignatureScheme, WireId};
use confide_core::host::{
    Connection, Endpoint, FinishReason, GenerationEvent, GenerationId, HostConfig, Output,
};
use rand::SeedableRng;
use rand::rngs::StdRng;

const NOW_MS: u64 = 1_732_200_000_000;
const NOW: u64 = NOW_MS / 1000;

fn host_key() -> SecretKey {
    SecretKey::from_bytes(&[0x11; 32]).unwrap()
}

fn wallet() -> SecretKey {
    SecretKey::from_bytes(&[0x22; 32]).unwrap()
}

fn endpoint_with(configure: impl FnOnce(&mut HostConfig)) -> Arc<Endpoint> {
    let mut config = HostConfig::default();
    configure(&mut config);
    Arc::new(Endpoint::new(Some(host_key()), config, NOW_MS).unwrap())
}

fn endpoint() -> Arc<Endpoint> {
    endpoint_with(|_| {})
}

fn params(session_id: &str, timestamp: Option<u64>) -> InitParams {
    InitParams {
        session_id: WireId::from(session_id),
        job_id: WireId::from(7u64),
        chain_id: 84532,
        model_name: "demo".into(),
        price_per_token: 5,
        id: None,
        timestamp,
    }
}

/// What one call returned, sorted by kind.
#[derive(Default, Debug)]
struct Outcome {
    frames: Vec<String>,
    starts: Vec<GenerationId>,
    cancels: Vec<GenerationId>,
    close: Option<u16>,
}

impl Outcome {
    fn of(outputs: Vec<Output>) -> Self {
        let mut outcome = Self::default();
        for output in outputs {
            match output {
                Output::Frame(frame) => outcome.frames.push(frame),
                Output::Start(start) => outcome.starts.push(start.id),
                Output::Cancel(id) => outcome.cancels.push(id),
                Output::Close { code, .. } => outcome.close = Some(code),
                Output::RunInit(_) => panic!("inline driving never returns RunInit"),
                Output::Observe(_) => {}
            }
        }
        outcome
    }

    /// The code of the only error frame.
    fn error_code(&self) -> String {
        let errors: Vec<serde_json::Value> = self
            .frames
            .iter()
            .map(|f| serde_json::from_str::<serde_json::Value>(f).unwrap())
            .filter(|f| f["type"] == "error")
            .collect();
        assert_eq!(
            errors.len(),
            1,
            "expected one error frame in {:?}",
            self.frames
        );
        errors[0]["code"].as_str().unwrap().to_owned()
    }
}

fn send(connection: &mut Connection, frame: &str, now_ms: u64) -> Outcome {
    Outcome::of(connection.handle_frame_inline(frame, now_ms))
}

fn feed(connection: &mut Connection, id: GenerationId, event: GenerationEvent) -> Outcome {
    let mut rng = StdRng::seed_from_u64(3);
    Outcome::of(connection.handle_generation(id, event, NOW_MS, &mut rng))
}

fn text(text: &str) -> GenerationEvent {
    GenerationEvent::Text {
        text: text.into(),
        tokens: 1,
    }
}

fn finished(completion_tokens: u64) -> GenerationEvent {
    GenerationEvent::Finished {
        finish_reason: FinishReason::Stop,
        prompt_tokens: 2,
        completion_tokens,
    }
}

/// A client with an accepted session on `connection`.
fn open_session(
    connection: &mut Connection,
    session_id: &str,
    seed: u64,
) -> (ClientSession, String) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut client = ClientSession::new(*host_key().public_key(), SignatureScheme::Eip191);
    let init = client
        .init_message(&wallet(), &mut rng, &params(session_id, None))
        .unwrap();
    let outcome = send(connection, &init, NOW_MS);
    assert!(
        matches!(
            client.open(&outcome.frames[0]).unwrap(),
            ClientEvent::Ack { .. }
        ),
        "{:?}",
        outcome.frames
    );
    (client, init)
}

fn prompt(client: &mut ClientSession, id: &str, seed: u64) -> String {
    let mut rng = StdRng::seed_from_u64(seed);
    client
        .seal_prompt(
            &mut rng,
            &WireId::from(id),
            br#"{"prompt":"secret question"}"#,
        )
        .unwrap()
}

#[test]
fn a_captured_init_and_its_prompts_do_not_replay_on_another_connection() {
    let endpoint = endpoint();
    let mut victim = Connection::new(Arc::clone(&endpoint), NOW_MS);
    let (mut client, init) = open_session(&mut victim, "s1", 1);
    let message_0 = prompt(&mut client, "m0", 2);
    assert_eq!(send(&mut victim, &message_0, NOW_MS).starts.len(), 1);

    let mut attacker = Connection::new(Arc::clone(&endpoint), NOW_MS);
    assert_eq!(
        send(&mut attacker, &init, NOW_MS).error_code(),
        "REPLAY_DETECTED"
    );
    let replayed = send(&mut attacker, &message_0, NOW_MS);
    assert_eq!(replayed.error_code(), "SESSION_KEY_NOT_FOUND");
    assert!(replayed.starts.is_empty());
}

#[test]
fn an_init_older_than_the_ttl_does_not_replay_through_the_rekey_path() {
    let ttl = 60;
    let endpoint = endpoint_with(|c| c.limits.session_ttl_secs = ttl);
    let mut connection = Connection::new(Arc::clone(&endpoint), NOW_MS);
    let (mut client, init) = open_session(&mut connection, "s1", 1);
    // The session stays in use past several TTLs.
    let mut now_ms = NOW_MS;
    for round in 0..6u64 {
        now_ms += (ttl - 10) * 1000;
        let frame = prompt(&mut client, &format!("m{round}"), 10 + round);
        let outcome = send(&mut connection, &frame, now_ms);
        let started = outcome.starts;
        assert_eq!(started.len(), 1, "round {round}: {:?}", outcome.frames);
        feed(&mut connection, started[0], finished(0));
    }
    let replay = send(&mut connection, &init, now_ms);
    assert_eq!(replay.error_code(), "REPLAY_DETECTED");
    let mut elsewhere = Connection::new(endpoint, now_ms);
    assert_eq!(
        send(&mut elsewhere, &init, now_ms).error_code(),
        "REPLAY_DETECTED"
    );
}

#[test]
fn a_timestamped_init_is_stale_outside_the_freshness_window() {
    let endpoint = endpoint();
    let mut rng = StdRng::seed_from_u64(4);
    let mut client = ClientSession::new(*host_key().public_key(), SignatureScheme::Eip191);
    let old = client
        .init_message(&wallet(), &mut rng, &params("s1", Some(NOW - 301)))
        .unwrap();
    let mut connection = Connection::new(Arc::clone(&endpoint), NOW_MS);
    let refused = send(&mut connection, &old, NOW_MS);
    assert_eq!(refused.error_code(), "REPLAY_DETECTED");
    assert!(refused.frames[0].contains("window"));
    let fresh = client
        .init_message(&wallet(), &mut rng, &params("s1", Some(NOW + 10)))
        .unwrap();
    assert!(send(&mut connection, &fresh, NOW_MS).frames[0].contains("session_init_ack"));
}

#[test]
fn require_fresh_init_refuses_an_init_without_timestamp() {
    let endpoint = endpoint_with(|c| c.policy.require_fresh_init = true);
    let mut rng = StdRng::seed_from_u64(4);
    let mut client = ClientSession::new(*host_key().public_key(), SignatureScheme::Eip191);
    let init = client
        .init_message(&wallet(), &mut rng, &params("s1", None))
        .unwrap();
    let mut connection = Connection::new(endpoint, NOW_MS);
    assert_eq!(
        send(&mut connection, &init, NOW_MS).error_code(),
        "INVALID_SESSION_DATA"
    );
}

#[test]
fn after_a_rekey_the_old_generation_never_reaches_a_request_with_the_same_id() {
    let endpoint = endpoint();
    let mut connection = Connection::new(endpoint, NOW_MS);
    let (mut client, _) = open_session(&mut connection, "s1", 1);
    let first = send(&mut connection, &prompt(&mut client, "m1", 2), NOW_MS).starts[0];
    // Re-key the same session, then ask again with the same request id.
    let mut rng = StdRng::seed_from_u64(5);
    let rekey = client
        .init_message(&wallet(), &mut rng, &params("s1", None))
        .unwrap();
    let rekeyed = send(&mut connection, &rekey, NOW_MS);
    assert_eq!(rekeyed.cancels, vec![first]);
    assert!(matches!(
        client.open(&rekeyed.frames[0]).unwrap(),
        ClientEvent::Ack { .. }
    ));
    let second = send(&mut connection, &prompt(&mut client, "m1", 6), NOW_MS).starts[0];
    assert_ne!(first, second);
    // The old generation's late events produce nothing …
    assert!(feed(&mut connection, first, text("old")).frames.is_empty());
    assert!(feed(&mut connection, first, finished(1)).frames.is_empty());
    // … and the new one's are sealed under the new key and read by the client.
    feed(&mut connection, second, text("new"));
    let end = feed(&mut connection, second, finished(1));
    let events: Vec<ClientEvent> = end.frames.iter().map(|f| client.open(f).unwrap()).collect();
    assert!(matches!(&events[0], ClientEvent::Chunk { text, .. } if text == "new"));
    assert!(matches!(events[2], ClientEvent::End { .. }));
}

#[test]
fn a_full_replay_memory_refuses_new_inits_and_a_refused_init_costs_no_memory() {
    let endpoint = endpoint_with(|c| {
        c.limits.replay_capacity = 1;
        c.limits.max_sessions_per_connection = 1;
    });
    let mut first = Connection::new(Arc::clone(&endpoint), NOW_MS);
    open_session(&mut first, "s1", 1);
    let mut second = Connection::new(Arc::clone(&endpoint), NOW_MS);
    let mut rng = StdRng::seed_from_u64(9);
    let mut client = ClientSession::new(*host_key().public_key(), SignatureScheme::Eip191);
    let init = client
        .init_message(&wallet(), &mut rng, &params("s2", None))
        .unwrap();
    assert_eq!(
        send(&mut second, &init, NOW_MS).error_code(),
        "TOO_MANY_SESSIONS"
    );
    // The refused init was not remembered: once room is free (the first connection closes and
    // its fingerprint expires), the same init is accepted, not called a replay.
    drop(first);
    let later = NOW_MS + 2 * 30 * 60 * 1000 + 1000;
    let mut third = Connection::new(endpoint, later);
    let accepted = send(&mut third, &init, later);
    assert!(
        accepted.frames[0].contains("session_init_ack"),
        "{:?}",
        accepted.frames
    );
}

#[test]
fn a_session_key_carries_a_bounded_number_of_messages() {
    let endpoint = endpoint_with(|c| c.limits.max_messages_per_session = 2);
    let mut connection = Connection::new(endpoint, NOW_MS);
    let (mut client, _) = open_session(&mut connection, "s1", 1);
    for round in 0..2u64 {
        let started = send(
            &mut connection,
            &prompt(&mut client, &format!("m{round}"), round),
            NOW_MS,
        );
        feed(&mut connection, started.starts[0], finished(0));
    }
    let third = send(&mut connection, &prompt(&mut client, "m2", 9), NOW_MS);
    assert_eq!(third.error_code(), "RATE_LIMITED");
    assert!(third.frames[0].contains("re-key"));
}

#[test]
fn five_authentication_failures_are_answered_and_the_sixth_closes() {
    let mut connection = Connection::new(endpoint(), NOW_MS);
    let (mut client, _) = open_session(&mut connection, "s1", 1);
    let good = prompt(&mut client, "m1", 2);
    let mut value: serde_json::Value = serde_json::from_str(&good).unwrap();
    value["payload"]["ciphertextHex"] = serde_json::Value::from("00".repeat(40));
    let tampered = value.to_string();
    for _ in 0..5 {
        let outcome = send(&mut connection, &tampered, NOW_MS);
        assert_eq!(outcome.error_code(), "DECRYPTION_FAILED");
        assert_eq!(outcome.close, None);
    }
    let sixth = send(&mut connection, &tampered, NOW_MS);
    assert_eq!(sixth.error_code(), "DECRYPTION_FAILED");
    assert_eq!(sixth.close, Some(1008));
    assert!(
        send(&mut connection, &good, NOW_MS).frames.is_empty(),
        "closed"
    );
}

#[test]
fn binary_frames_count_against_the_rate_limit() {
    let endpoint = endpoint_with(|c| c.limits.frames_per_second = 1);
    let mut connection = Connection::new(endpoint, NOW_MS);
    let codes: Vec<String> = (0..3)
        .map(|_| Outcome::of(connection.handle_binary(&[0xff, 0xfe], NOW_MS)).error_code())
        .collect();
    assert_eq!(
        codes,
        ["INVALID_MESSAGE", "INVALID_MESSAGE", "RATE_LIMITED"]
    );
}

#[test]
fn pong_echoes_the_ping_id() {
    let mut connection = Connection::new(endpoint(), NOW_MS);
    let pong = send(&mut connection, r#"{"type":"ping","id":"p-1"}"#, NOW_MS);
    assert_eq!(pong.frames, [r#"{"type":"pong","id":"p-1"}"#]);
}

#[test]
fn the_host_wide_init_rate_limit_refuses_a_flood() {
    let endpoint = endpoint_with(|c| c.limits.inits_per_second = 2);
    let mut connection = Connection::new(Arc::clone(&endpoint), NOW_MS);
    let codes: Vec<String> = (0..3)
        .map(|n| {
            let mut rng = StdRng::seed_from_u64(n);
            let mut client = ClientSession::new(*host_key().public_key(), SignatureScheme::Eip191);
            let init = client
                .init_message(&wallet(), &mut rng, &params(&format!("s{n}"), None))
                .unwrap();
            let frames = send(&mut connection, &init, NOW_MS).frames;
            let value: serde_json::Value = serde_json::from_str(&frames[0]).unwrap();
            value["type"].as_str().unwrap().to_owned()
                + value["code"]
                    .as_str()
                    .map(|c| format!(":{c}"))
                    .as_deref()
                    .unwrap_or("")
        })
        .collect();
    assert_eq!(
        codes,
        ["session_init_ack", "session_init_ack", "error:RATE_LIMITED"]
    );
}

#[test]
fn frames_sent_while_an_init_is_verified_are_handled_after_it_in_order() {
    let mut connection = Connection::new(endpoint(), NOW_MS);
    let mut rng = StdRng::seed_from_u64(1);
    let mut client = ClientSession::new(*host_key().public_key(), SignatureScheme::Eip191);
    let init = client
        .init_message(&wallet(), &mut rng, &params("s1", None))
        .unwrap();
    let outputs = connection.handle_frame(&init, NOW_MS);
    let Some(Output::RunInit(job)) = outputs
        .into_iter()
        .find(|o| matches!(o, Output::RunInit(_)))
    else {
        panic!("an init needs its cryptography run");
    };
    let message = prompt(&mut client, "m1", 2);
    assert!(
        connection.handle_frame(&message, NOW_MS).is_empty(),
        "queued"
    );
    let outcome = Outcome::of(connection.complete_init(job.run(), NOW_MS));
    assert!(outcome.frames[0].contains("session_init_ack"));
    assert_eq!(outcome.starts.len(), 1);
}

#[test]
fn cancel_without_id_stops_every_generation_of_the_session() {
    let mut connection = Connection::new(endpoint(), NOW_MS);
    let (mut client, _) = open_session(&mut connection, "s1", 1);
    let a = send(&mut connection, &prompt(&mut client, "a", 2), NOW_MS).starts[0];
    let b = send(&mut connection, &prompt(&mut client, "b", 3), NOW_MS).starts[0];
    let cancel = send(
        &mut connection,
        r#"{"type":"stream_cancel","session_id":"s1","reason":"user_cancelled"}"#,
        NOW_MS,
    );
    assert_eq!(cancel.cancels, vec![a, b]);
    let end = feed(
        &mut connection,
        a,
        GenerationEvent::Finished {
            finish_reason: FinishReason::Cancelled,
            prompt_tokens: 2,
            completion_tokens: 0,
        },
    );
    let stream_end: serde_json::Value = serde_json::from_str(end.frames.last().unwrap()).unwrap();
    assert_eq!(stream_end["reason"], "cancelled");
    assert_eq!(stream_end["finish_reason"], "cancelled");
}

#[test]
fn a_full_signed_request_guard_fails_closed() {
    use confide_core::signed::{LlmRequest, MessageScheme, SignOptions, SignedMessage};
    let endpoint = endpoint_with(|c| c.limits.signed_request_capacity = 1);
    let mut connection = Connection::new(endpoint, NOW_MS);
    let (mut client, _) = open_session(&mut connection, "s1", 1);
    let signed = |nonce: u64| {
        let request = LlmRequest {
            model: "demo".into(),
            prompt: "signed".into(),
            system_prompt: None,
            temperature: None,
            max_tokens: Some(4),
            executor_address: host_key().address().to_checksum(),
            inbound_price: "0".into(),
            outbound_price: "0".into(),
            nonce,
            deadline: 0,
        };
        let options = SignOptions {
            timestamp: NOW,
            nonce: Some(nonce),
            scheme: MessageScheme::ConfideV1,
        };
        let envelope = SignedMessage::sign(request, &wallet(), options)
            .unwrap()
            .to_json();
        format!(r#"{{"prompt":"x","signed_request":{envelope}}}"#)
    };
    let mut rng = StdRng::seed_from_u64(8);
    let first = client
        .seal_prompt(&mut rng, &WireId::from("a"), signed(1).as_bytes())
        .unwrap();
    assert_eq!(send(&mut connection, &first, NOW_MS).starts.len(), 1);
    let second = client
        .seal_prompt(&mut rng, &WireId::from("b"), signed(2).as_bytes())
        .unwrap();
    assert_eq!(
        send(&mut connection, &second, NOW_MS).error_code(),
        "RATE_LIMITED"
    );
}

#[test]
fn debug_output_never_shows_plaintext() {
    let mut connection = Connection::new(endpoint(), NOW_MS);
    let (mut client, _) = open_session(&mut connection, "s1", 1);
    let outputs = connection.handle_frame(&prompt(&mut client, "m1", 2), NOW_MS);
    let shown = format!("{outputs:?} {:?}", text("secret answer"));
    assert!(!shown.contains("secret question"), "{shown}");
    assert!(!shown.contains("secret answer"), "{shown}");
    assert!(shown.contains("Start"), "{shown}");
}

#[test]
fn a_receipt_binds_the_chain_and_the_client() {
    let mut connection = Connection::new(endpoint(), NOW_MS);
    let (mut client, _) = open_session(&mut connection, "s1", 1);
    let id = send(&mut connection, &prompt(&mut client, "m1", 2), NOW_MS).starts[0];
    feed(&mut connection, id, text("Hello"));
    let end = feed(&mut connection, id, finished(1));
    let stream_end: serde_json::Value = serde_json::from_str(end.frames.last().unwrap()).unwrap();
    let record = &stream_end["receipt"]["payload"];
    assert_eq!(record["client_address"], wallet().address().to_checksum());
    assert_eq!(record["chain_id"], 84532);
    assert_eq!(record["job_id"], "7");
    assert_eq!(
        stream_end["receipt"]["signer"],
        host_key().address().to_checksum()
    );
}

#[test]
fn closing_a_connection_gives_back_its_sessions() {
    let endpoint = endpoint();
    let mut connection = Connection::new(Arc::clone(&endpoint), NOW_MS);
    open_session(&mut connection, "s1", 1);
    send(
        &mut connection,
        r#"{"type":"session_init","session_id":"p1"}"#,
        NOW_MS,
    );
    assert_eq!(
        (endpoint.encrypted_sessions(), endpoint.plaintext_sessions()),
        (1, 1)
    );
    let _ = connection.close();
    assert_eq!(
        (endpoint.encrypted_sessions(), endpoint.plaintext_sessions()),
        (0, 0)
    );
    drop(connection);
    assert_eq!(
        (endpoint.encrypted_sessions(), endpoint.plaintext_sessions()),
        (0, 0)
    );
}

#[test]
fn idle_sessions_expire_unless_a_generation_is_running() {
    let endpoint = endpoint_with(|c| c.limits.session_ttl_secs = 60);
    let mut connection = Connection::new(Arc::clone(&endpoint), NOW_MS);
    let (mut busy_client, _) = open_session(&mut connection, "busy", 1);
    open_session(&mut connection, "idle", 2);
    let running = send(&mut connection, &prompt(&mut busy_client, "m", 30), NOW_MS).starts;
    assert_eq!(running.len(), 1);
    connection.expire(NOW_MS + 61_000);
    assert_eq!(connection.session_count(), 1);
    assert_eq!(endpoint.encrypted_sessions(), 1);
    // The running generation still streams into its session.
    let chunk = Outcome::of(connection.handle_generation(
        running[0],
        text("late"),
        NOW_MS + 61_000,
        &mut StdRng::seed_from_u64(1),
    ));
    assert!(
        chunk.frames.is_empty(),
        "held back until the next text or the end"
    );
    let end = feed(&mut connection, running[0], finished(1));
    assert!(matches!(
        busy_client.open(&end.frames[0]).unwrap(),
        ClientEvent::Chunk { .. }
    ));
}

#[test]
fn the_endpoint_says_when_it_is_at_its_session_limit() {
    let endpoint = endpoint_with(|c| c.limits.max_sessions = 1);
    let mut connection = Connection::new(Arc::clone(&endpoint), NOW_MS);
    assert!(!endpoint.is_at_session_limit());
    send(
        &mut connection,
        r#"{"type":"session_init","session_id":"p1"}"#,
        NOW_MS,
    );
    assert!(endpoint.is_at_session_limit());
    let _ = connection.close();
    assert!(!endpoint.is_at_session_limit());
}

#[test]
fn sampling_values_beyond_f32_are_refused_and_the_session_goes_on() {
    // Found by the `session_data` fuzz target: `1e39` read as an infinite temperature, which the
    // host handed to the sampler. Refused in a prompt and inside a signed request alike.
    use confide_core::signed::{MessageScheme, RawSignedMessage, SignOptions};
    let mut connection = Connection::new(endpoint(), NOW_MS);
    let (mut client, _) = open_session(&mut connection, "s1", 1);
    let mut rng = StdRng::seed_from_u64(9);
    let executor = host_key().address().to_checksum();
    let signed_payload = format!(
        r#"{{"model":"demo","prompt":"p","system_prompt":null,"temperature":1e39,"max_tokens":4,"executor_address":"{executor}","inbound_price":"0","outbound_price":"0","nonce":1,"deadline":0}}"#
    );
    let options = SignOptions {
        timestamp: NOW,
        nonce: Some(1),
        scheme: MessageScheme::ConfideV1,
    };
    let envelope = RawSignedMessage::sign_json(&signed_payload, &wallet(), options)
        .unwrap()
        .to_json();
    let signed = format!(r#"{{"prompt":"x","signed_request":{envelope}}}"#);
    for (id, request) in [
        ("t", r#"{"prompt":"x","temperature":1e39}"#.to_owned()),
        ("p", r#"{"prompt":"x","top_p":-1e300}"#.to_owned()),
        ("s", signed),
    ] {
        let frame = client
            .seal_prompt(&mut rng, &WireId::from(id), request.as_bytes())
            .unwrap();
        let outcome = send(&mut connection, &frame, NOW_MS);
        assert!(outcome.starts.is_empty(), "{id}");
        assert_eq!(outcome.error_code(), "INVALID_MESSAGE", "{id}");
    }
    let valid = prompt(&mut client, "ok", 10);
    assert_eq!(send(&mut connection, &valid, NOW_MS).starts.len(), 1);
}

/// A shared replay store that can go down: every call fails with `REPLAY_STORE_UNAVAILABLE` then.
struct FlakyStore {
    memory: confide_core::host::BoundedReplayMemory,
    down: Arc<std::sync::atomic::AtomicBool>,
}

impl FlakyStore {
    fn check(&self) -> confide_core::Result<()> {
        if self.down.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(confide_core::Error::new(
                confide_core::ErrorCode::ReplayStoreUnavailable,
                "down",
            ));
        }
        Ok(())
    }
}

impl confide_core::host::ReplayMemory for FlakyStore {
    fn contains(
        &self,
        fingerprint: &confide_core::host::InitFingerprint,
        now: u64,
    ) -> confide_core::Result<bool> {
        self.check()?;
        self.memory.contains(fingerprint, now)
    }

    fn insert_if_absent(
        &self,
        fingerprint: confide_core::host::InitFingerprint,
        expires_at: u64,
        now: u64,
    ) -> confide_core::Result<bool> {
        self.check()?;
        self.memory.insert_if_absent(fingerprint, expires_at, now)
    }

    fn extend(
        &self,
        fingerprint: confide_core::host::InitFingerprint,
        expires_at: u64,
        now: u64,
    ) -> confide_core::Result<()> {
        self.check()?;
        self.memory.extend(fingerprint, expires_at, now)
    }
}

#[test]
fn a_store_outage_refuses_new_inits_and_keeps_live_sessions_answering() {
    let down = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let store = FlakyStore {
        memory: confide_core::host::BoundedReplayMemory::new(100).unwrap(),
        down: Arc::clone(&down),
    };
    let mut config = HostConfig::default();
    config.limits.session_ttl_secs = 60;
    let endpoint = Arc::new(
        Endpoint::new(Some(host_key()), config, NOW_MS)
            .unwrap()
            .with_replay_memory(Box::new(store)),
    );
    let mut connection = Connection::new(Arc::clone(&endpoint), NOW_MS);
    // No timestamp: the init is remembered for 2 TTLs and extended while the session is used.
    let (mut client, _) = open_session(&mut connection, "live", 1);
    down.store(true, std::sync::atomic::Ordering::SeqCst);
    let mut rng = StdRng::seed_from_u64(9);
    let mut newcomer = ClientSession::new(*host_key().public_key(), SignatureScheme::Eip191);
    let init = newcomer
        .init_message(&wallet(), &mut rng, &params("new", None))
        .unwrap();
    assert_eq!(
        send(&mut connection, &init, NOW_MS).error_code(),
        "REPLAY_STORE_UNAVAILABLE"
    );
    // The second prompt comes late enough that it must extend the remembered init, which fails:
    // it runs all the same.
    let mut later = NOW_MS;
    for (n, step) in [(1, 50_000), (2, 50_000)] {
        later += step;
        let outcome = send(
            &mut connection,
            &prompt(&mut client, &format!("m{n}"), n),
            later,
        );
        assert_eq!(outcome.starts.len(), 1, "{:?}", outcome.frames);
        feed(&mut connection, outcome.starts[0], finished(0));
    }
    down.store(false, std::sync::atomic::Ordering::SeqCst);
    let init = newcomer
        .init_message(&wallet(), &mut rng, &params("new", None))
        .unwrap();
    assert!(send(&mut connection, &init, later).frames[0].contains("session_init_ack"));
}
