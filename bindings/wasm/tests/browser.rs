//! wasm-bindgen tests in headless Chromium (`scripts/test.sh`): the package's exported API, as a
//! page calls it, against the core's sans-IO host engine running in the same page — a complete
//! encrypted exchange with a verified receipt, the client-side error codes as JS `Error`s with
//! `.code` and `.number`, signed messages, a real LLMFeed and BLS.

#![cfg(target_arch = "wasm32")]

use std::sync::Arc;

use confide_core::crypto::SecretKey;
use confide_core::e2ee::{ClientEvent, WireId};
use confide_core::host::{Connection, Endpoint, FinishReason, GenerationEvent, HostConfig, Output};
use confide_core::warp::bls::BlsSecretKey;
use confide_wasm::bls::{bls_verify, bls_verify_proof_of_possession};
use confide_wasm::client::ClientSession;
use confide_wasm::event;
use confide_wasm::feed::verify_feed;
use confide_wasm::keys::{address_from_public_key, generate_secret_key, public_key_from_secret};
use confide_wasm::signed::{sign_message, verify_message};
use getrandom::SysRng;
use js_sys::{JSON, Reflect};
use rand_core::UnwrapErr;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

fn js(json: &str) -> JsValue {
    JSON::parse(json).expect("test JSON")
}

fn get(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &key.into()).expect("an object")
}

fn text(value: &JsValue, key: &str) -> String {
    get(value, key).as_string().unwrap_or_default()
}

/// The `.code` of the JS `Error` a call threw, after checking it is an `Error` with a `.number`.
fn code_of<T: std::fmt::Debug>(result: Result<T, JsValue>) -> String {
    let thrown = result.expect_err("expected a throw");
    assert!(
        thrown.is_instance_of::<js_sys::Error>(),
        "an Error instance"
    );
    assert!(get(&thrown, "number").as_f64().is_some(), "a numeric code");
    text(&thrown, "code")
}

/// The frames among an engine call's outputs.
fn frames(outputs: Vec<Output>) -> Vec<String> {
    outputs
        .into_iter()
        .filter_map(|output| match output {
            Output::Frame(frame) => Some(frame),
            _ => None,
        })
        .collect()
}

/// A host engine (endpoint + one connection) with a fresh key, and a client session of the
/// package with an acknowledged session; returns them and the host's address.
fn connected() -> (Connection, ClientSession, String) {
    let host_key = SecretKey::generate(&mut UnwrapErr(SysRng));
    let host_public = host_key.public_key().to_hex();
    let host_address = host_key.public_key().address().to_checksum();
    let endpoint =
        Arc::new(Endpoint::new(Some(host_key), HostConfig::default(), now_ms()).unwrap());
    let mut connection = Connection::new(endpoint, now_ms());
    let wallet = generate_secret_key();
    let opts = js(&format!(
        r#"{{"hostPublicKey":"{host_public}","walletPrivateKey":"{wallet}"}}"#
    ));
    let mut client = ClientSession::new(opts).unwrap();
    let init = client
        .init_message(js(r#"{"sessionId":"s1","jobId":42,"chainId":84532,"modelName":"demo","pricePerToken":2000}"#))
        .unwrap();
    let ack = client
        .open(
            frames(connection.handle_frame_inline(&init, now_ms()))
                .remove(0)
                .into(),
        )
        .unwrap();
    assert_eq!(text(&ack, "type"), "ack");
    let expected =
        address_from_public_key(public_key_from_secret(wallet.into()).unwrap().into()).unwrap();
    assert_eq!(text(&ack, "clientAddress"), expected);
    assert_eq!(client.client_address(), Some(expected));
    (connection, client, host_address)
}

/// Seals `prompt`, lets the engine answer with `pieces` and finish; returns the host's frames.
fn answer(
    connection: &mut Connection,
    client: &mut ClientSession,
    id: &str,
    pieces: &[&str],
) -> Vec<String> {
    let prompt = client.seal_prompt(id.into(), "Hi".into()).unwrap();
    let start = connection
        .handle_frame(&prompt, now_ms())
        .into_iter()
        .find_map(|output| match output {
            Output::Start(start) => Some(start),
            _ => None,
        })
        .expect("the prompt starts a generation");
    let mut events: Vec<GenerationEvent> = pieces
        .iter()
        .map(|piece| GenerationEvent::Text {
            text: (*piece).into(),
            tokens: 1,
        })
        .collect();
    events.push(GenerationEvent::Finished {
        finish_reason: FinishReason::Stop,
        prompt_tokens: 1,
        completion_tokens: pieces.len() as u64,
    });
    events
        .into_iter()
        .flat_map(|event| {
            frames(connection.handle_generation(start.id, event, now_ms(), &mut UnwrapErr(SysRng)))
        })
        .collect()
}

#[wasm_bindgen_test]
fn an_exchange_with_the_core_host_engine_streams_and_verifies_the_receipt() {
    let (mut connection, mut client, host_address) = connected();
    let sent = answer(
        &mut connection,
        &mut client,
        "m1",
        &["Hello", ", ", "world"],
    );
    let events: Vec<JsValue> = sent
        .into_iter()
        .map(|frame| client.open(frame.into()).unwrap())
        .collect();
    let types: Vec<String> = events.iter().map(|e| text(e, "type")).collect();
    assert_eq!(types, ["chunk", "chunk", "chunk", "final", "end"]);
    let answer: String = events[..3].iter().map(|e| text(e, "text")).collect();
    assert_eq!(answer, "Hello, world");
    let end = &events[4];
    assert_eq!(get(end, "verified"), JsValue::TRUE);
    let receipt = get(end, "receipt");
    let now = JsValue::from_f64((now_ms() / 1000) as f64);
    let verified = verify_message(receipt, now, JsValue::UNDEFINED).unwrap();
    assert_eq!(text(&verified, "signer"), host_address);
}

#[wasm_bindgen_test]
fn client_errors_are_js_errors_with_the_core_codes() {
    let (mut connection, mut client, _) = connected();
    let sent = answer(&mut connection, &mut client, "m1", &["a", "b"]);
    let tamper = |frame: &str, field: &str, value: &str| {
        let parsed = js(frame);
        Reflect::set(&get(&parsed, "payload"), &field.into(), &value.into()).unwrap();
        JSON::stringify(&parsed).unwrap()
    };
    let first = &sent[0];
    let ciphertext = text(&get(&js(first), "payload"), "ciphertextHex");
    let flipped = format!(
        "{}{}",
        if ciphertext.starts_with('0') {
            '1'
        } else {
            '0'
        },
        &ciphertext[1..]
    );
    assert_eq!(
        code_of(client.open(tamper(first, "ciphertextHex", &flipped).into())),
        "DECRYPTION_FAILED"
    );
    assert_eq!(
        code_of(client.open(tamper(first, "aadHex", "6368756e6b5f39").into())),
        "INVALID_AAD"
    );
    assert_eq!(
        code_of(client.open(sent[1].clone().into())),
        "REPLAY_DETECTED",
        "out of order"
    );
    client.open(first.clone().into()).unwrap();
    assert_eq!(
        code_of(client.open(first.clone().into())),
        "REPLAY_DETECTED",
        "replayed"
    );
    assert_eq!(code_of(client.open("not json".into())), "INVALID_MESSAGE");
    let leak = r#"{"type":"stream_chunk","session_id":"s1","id":"m1","content":"leak","index":1}"#;
    assert_eq!(code_of(client.open(leak.into())), "ENCRYPTION_REQUIRED");
    assert_eq!(
        code_of(client.open(JsValue::from_f64(5.0))),
        "INVALID_ARGUMENT"
    );
    client.close();
    assert_eq!(
        code_of(client.seal_prompt("m2".into(), "x".into())),
        "SESSION_KEY_NOT_FOUND"
    );

    assert_eq!(
        code_of(public_key_from_secret("zz".repeat(32).into())),
        "INVALID_HEX_ENCODING"
    );
    assert_eq!(
        code_of(public_key_from_secret("00".repeat(32).into())),
        "INVALID_KEY"
    );
    let throwing =
        js_sys::Function::new_with_args("digest", "throw new Error('the user declined')");
    let opts = js_sys::Object::new();
    let host = public_key_from_secret(generate_secret_key().into()).unwrap();
    Reflect::set(&opts, &"hostPublicKey".into(), &host.into()).unwrap();
    Reflect::set(&opts, &"signer".into(), throwing.unchecked_ref()).unwrap();
    let mut declined = ClientSession::new(opts.into()).unwrap();
    let params = js(r#"{"sessionId":"s","jobId":1,"chainId":1,"modelName":"m","pricePerToken":1}"#);
    assert_eq!(code_of(declined.init_message(params)), "INVALID_SIGNATURE");
}

#[wasm_bindgen_test]
fn signed_messages_sign_and_verify_in_the_browser() {
    let key = generate_secret_key();
    let now = JsValue::from_f64((now_ms() / 1000) as f64);
    let envelope = sign_message(
        js(r#"{"job":7}"#),
        key.clone().into(),
        now.clone(),
        js(r#"{"nonce":1}"#),
    )
    .unwrap();
    let verified =
        verify_message(envelope.clone().into(), now.clone(), JsValue::UNDEFINED).unwrap();
    let address =
        address_from_public_key(public_key_from_secret(key.into()).unwrap().into()).unwrap();
    assert_eq!(text(&verified, "signer"), address);
    assert_eq!(text(&verified, "payload"), r#"{"job":7}"#);
    let later = JsValue::from_f64((now_ms() / 1000 + 10_000) as f64);
    assert_eq!(
        code_of(verify_message(envelope.into(), later, JsValue::UNDEFINED)),
        "MESSAGE_EXPIRED"
    );
}

#[wasm_bindgen_test]
fn a_real_feed_verifies_in_the_browser() {
    let feed = include_str!(
        "../../../core/tests/vectors/llmfeed/llmfeed-spec/.well-known/mcp-lite.llmfeed.json"
    );
    let key =
        include_str!("../../../core/tests/vectors/llmfeed/llmfeed-spec/.well-known/public.pem");
    let opts = js_sys::Object::new();
    Reflect::set(&opts, &"key".into(), &key.into()).unwrap();
    let now = JsValue::from_f64(1_767_225_600.0);
    let report = verify_feed(feed.into(), now.clone(), opts.clone().into()).unwrap();
    assert_eq!(text(&report, "trustLevel"), "signed");
    let tampered = feed.replace("Minimal", "Maximal");
    assert_eq!(
        text(
            &verify_feed(tampered.into(), now.clone(), opts.into()).unwrap(),
            "trustLevel"
        ),
        "invalid"
    );
    assert_eq!(
        code_of(verify_feed(feed.into(), now, JsValue::UNDEFINED)),
        "KEY_UNAVAILABLE"
    );
}

#[wasm_bindgen_test]
fn bls_verifies_in_the_browser() {
    let key = BlsSecretKey::generate(&mut UnwrapErr(SysRng));
    let public = key.public_key().to_hex();
    let proof = key.proof_of_possession().to_hex();
    assert!(bls_verify_proof_of_possession(public.clone().into(), proof.into()).unwrap());
    let signature = key.sign(b"warp", Default::default()).to_hex();
    assert!(
        bls_verify(
            public.clone().into(),
            "warp".into(),
            signature.clone().into(),
            JsValue::UNDEFINED
        )
        .unwrap()
    );
    assert!(
        !bls_verify(
            public.clone().into(),
            "other".into(),
            signature.clone().into(),
            JsValue::UNDEFINED
        )
        .unwrap()
    );
    assert_eq!(
        code_of(bls_verify(
            public.into(),
            "warp".into(),
            signature.into(),
            "nul".into()
        )),
        "UNSUPPORTED_SCHEME"
    );
}

#[wasm_bindgen_test]
fn chunk_events_are_the_objects_of_the_canonical_json() {
    let long = "a".repeat(100);
    let cases = [
        (Some(WireId::from("m1")), "Hello", false),
        (None, "wörld ✓ \"quoted\"", true),
        (Some(WireId::Number(7)), long.as_str(), false),
        (Some(WireId::from("ü-id")), "", false),
    ];
    for (id, text, is_final) in cases {
        let event = ClientEvent::Chunk {
            id,
            index: 41,
            text: text.into(),
            is_final,
        };
        let object = event::to_js(&event).unwrap();
        let json = JSON::stringify(&object).unwrap().as_string().unwrap();
        assert_eq!(json, *event.to_json());
    }
}
