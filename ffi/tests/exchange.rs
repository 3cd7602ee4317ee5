//! Whole client ⇄ host exchanges through the C ABI (the client API against the host engine's), and
//! the deployed SDK's session vector.

mod common;

use std::ptr;

use common::host::{Endpoint, Out, generation_id};
use common::*;
use confide_ffi::client::*;
use confide_ffi::keys::*;
use confide_ffi::{ConfideEventKind, ConfideSessionScheme};

/// The deployed SDK's `encrypted_session_init` (shared/vectors/fabstir/sdk_session_vectors.json,
/// `session_init.payload`), wrapped in a frame.
const SDK_INIT_FRAME: &str = r#"{"type":"encrypted_session_init","session_id":"sdk-vector","job_id":42,"chain_id":84532,"payload":{"ephPubHex":"023c72addb4fdf09af94f0c94d7fe92a386a7e70cf8a1d85916386bb2535c7b1b1","saltHex":"0000000000000000000000000000000000000000000000000000000000000000","nonceHex":"444444444444444444444444444444444444444444444444","ciphertextHex":"0030f4e8e38c9186ddeb42ea84fc7cdca6de5425c77b06b8eedddf4d3977357a9b119ec7d7b43041b3a93729a8cfa721322a884c821e255aa925af4908fa62d2ee1eb8a90b820eec3d0c18c187eb6929bb3f56e6574105064ac9bc0c276994cb37a0cc1d3abbdbf5a57cc771ec4d1a951d1e05911ac1f131a4f92b1e41bba636cf738ccff29fe4fb13294b1b33b501f66ee7986cf64e77085f1cbd6151c34cf9fd38d6ff936751682d6ef46bef46106c2394f6535f6fd89107e5466bf6d348febe6368f0d86f15d2154889847a9df18a5a98ad0668381308d827764123a2d4c41071a1aba46c2a0427f2ba22ae709a60f6801e5b27da115a","signatureHex":"8dd30d8d30f1bbfa04dd6f46b3525496f26619b2ed62469c346b64d4a99844c808f3c315b883eb86e6b6dea52e73391f3da2cbdd38a04f0ba4f4760ed7ce705701","recid":1,"alg":"secp256k1-ecdh(ephemeral→static)+hkdf(sha256)+xchacha20-poly1305","info":"","aadHex":""}}"#;

/// The vector's `message_0` (AAD `message_0`, session key 0x55…55).
const SDK_MESSAGE_0: &str = r#"{"type":"encrypted_message","session_id":"sdk-vector","id":"m0","payload":{"ciphertextHex":"cc0489df19392584e7d752a72f3b3156128cdb27a4c1075f944fd3974d129a64be4d2d09a4d1c2153b177e471a948eb3d77319224ee9eeb6b051596dcb410bb85f6301c94dac84f5a4088b8e8d89b575fad23416da2cec644b0cf47f422e4540146bf09c0d93bfd3","nonceHex":"666666666666666666666666666666666666666666666666","aadHex":"6d6573736167655f30"}}"#;

#[test]
fn host_recovers_the_true_sdk_client_address_from_the_vector() {
    let host_key = key(HOST_HEX);
    let endpoint = Endpoint::new(host_key);
    let connection = endpoint.connect();
    let ack: serde_json::Value = serde_json::from_str(&connection.accept(SDK_INIT_FRAME)).unwrap();
    assert_eq!(ack["client_address"], WALLET_ADDRESS);
    assert_eq!(ack["encrypted"], true);
    assert_eq!(ack["job_id"], 42);
    assert_eq!(ack["session_id"], "sdk-vector");
    // The vector's first prompt decrypts under the session it established.
    let Out::Start {
        session_id,
        request_id,
        model,
        request,
        encrypted,
        ..
    } = connection.start(SDK_MESSAGE_0)
    else {
        unreachable!("start returns a start");
    };
    assert_eq!(session_id, "sdk-vector");
    assert_eq!(request_id.as_deref(), Some("m0"));
    assert_eq!(model.as_deref(), Some("tiny-vicuna"));
    assert!(encrypted);
    assert_eq!(request["prompt"], "Hello");
    assert_eq!(request["max_tokens"], 16);
    drop(connection);
    drop(endpoint);
    unsafe { confide_secret_key_free(host_key) };
}

/// init → ack → prompt → two chunks → final → end with the host's receipt, checking what each
/// side sees.
fn full_exchange(client: *mut ConfideClientSession, host_key: *const ConfideSecretKey) {
    let endpoint = Endpoint::new(host_key);
    let connection = endpoint.connect();
    let ack = connection.accept(&init_frame(client, "s-1"));
    let event = open(client, &ack).unwrap();
    assert_eq!(event.kind, ConfideEventKind::Ack);
    assert_eq!(event.client_address.as_deref(), Some(WALLET_ADDRESS));
    assert_eq!(event.json["type"], "ack");
    assert_eq!(event.json["clientAddress"], WALLET_ADDRESS);

    let prompt = seal_frame(client, "m1", r#"{"prompt":"Hi there","max_tokens":8}"#);
    let start = connection.start(&prompt);
    let Out::Start {
        request_id,
        request,
        ..
    } = &start
    else {
        unreachable!("start returns a start");
    };
    assert_eq!(request_id.as_deref(), Some("m1"));
    assert_eq!(request["prompt"], "Hi there");
    assert_eq!(request["max_tokens"], 8);

    let frames = connection.answer(generation_id(&start), &["Hello", ", world"]);
    let [chunks @ .., final_frame, end] = frames.as_slice() else {
        panic!("expected chunks, the final and the end: {frames:?}");
    };
    assert_eq!(chunks.len(), 2);
    for (index, (frame, text)) in chunks.iter().zip(["Hello", ", world"]).enumerate() {
        let event = open(client, frame).unwrap();
        assert_eq!(event.kind, ConfideEventKind::Chunk);
        assert_eq!(event.text.as_deref(), Some(text.as_bytes()));
        assert_eq!(event.index, index as u64);
        assert_eq!(event.is_final, index == 1);
        assert_eq!(event.request_id.as_deref(), Some("m1"));
        assert_eq!(event.json["text"], text);
        assert_eq!(event.json["index"], index);
        assert_eq!(event.json["final"], index == 1);
    }
    let event = open(client, final_frame).unwrap();
    assert_eq!(event.kind, ConfideEventKind::Final);
    assert_eq!(event.text.as_deref(), Some(&b"stop"[..]));
    assert_eq!(event.json["finishReason"], "stop");

    // The engine's receipt, verified by the client session.
    let event = open(client, end).unwrap();
    assert_eq!(event.kind, ConfideEventKind::End);
    assert!(event.verified);
    let receipt = event.receipt_json.expect("a receipt");
    assert_eq!(event.json["verified"], true);
    assert_eq!(event.json["receipt"], receipt.as_str());
    assert_eq!(event.json["usage"]["completionTokens"], 2);
}

#[test]
fn eip191_exchange_with_a_wallet_key() {
    let (host_key, wallet) = (key(HOST_HEX), key(WALLET_HEX));
    let client = client(host_key, wallet, ConfideSessionScheme::Eip191);
    // The session copied the key: freeing the caller's handle early is fine.
    unsafe { confide_secret_key_free(wallet) };
    full_exchange(client, host_key);
    unsafe {
        confide_client_session_free(client);
        confide_secret_key_free(host_key);
    }
}

#[test]
fn sign_callback_exchange_for_both_schemes() {
    for scheme in [
        ConfideSessionScheme::Eip191,
        ConfideSessionScheme::SdkTranscript,
    ] {
        let (host_key, wallet) = (key(HOST_HEX), key(WALLET_HEX));
        let host_public = public_key(host_key);
        let mut client = ptr::null_mut();
        ok(unsafe {
            confide_client_session_new_with_signer(
                host_public.as_ptr(),
                host_public.len(),
                Some(sign_with_key),
                wallet.cast(),
                scheme as u32,
                &mut client,
            )
        });
        full_exchange(client, host_key);
        unsafe {
            confide_client_session_free(client);
            confide_secret_key_free(host_key);
            confide_secret_key_free(wallet);
        }
    }
}

#[test]
fn a_numeric_session_id_is_echoed_as_a_number() {
    let (host_key, wallet) = (key(HOST_HEX), key(WALLET_HEX));
    let client = client(host_key, wallet, ConfideSessionScheme::Eip191);
    let endpoint = Endpoint::new(host_key);
    let connection = endpoint.connect();
    let mut init: serde_json::Value = serde_json::from_str(&init_frame(client, "77")).unwrap();
    init["session_id"] = serde_json::json!(77);
    let ack: serde_json::Value =
        serde_json::from_str(&connection.accept(&init.to_string())).unwrap();
    assert_eq!(ack["session_id"], 77);
    drop(connection);
    drop(endpoint);
    unsafe {
        confide_client_session_free(client);
        confide_secret_key_free(host_key);
        confide_secret_key_free(wallet);
    }
}
