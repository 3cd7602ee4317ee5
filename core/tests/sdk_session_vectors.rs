//! The deployed TypeScript SDK's session vectors (`vectors/fabstir/sdk_session_vectors.json`):
//! our host accepts the SDK's init and recovers the true client address; our client, given the
//! same keys and nonces, produces the same bytes.

use std::sync::Arc;

use confide_core::crypto::{
    PrecomputedPublicKey, PublicKey, SecretKey, SymmetricKey, ecdh_shared_x, hkdf_sha256,
};
use confide_core::e2ee::wire::SessionInitAckFrame;
use confide_core::e2ee::{ClientSession, InitParams, InitSecrets, SignatureScheme, WireId};
use confide_core::hex;
use confide_core::host::{Connection, Endpoint, HostConfig, Observation, Output};
use serde_json::{Value, json};

fn vectors() -> Value {
    serde_json::from_str(include_str!("vectors/fabstir/sdk_session_vectors.json")).unwrap()
}

fn text<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{pointer}"))
}

fn bytes(v: &Value, pointer: &str) -> Vec<u8> {
    hex::decode(pointer, text(v, pointer)).unwrap()
}

fn key(v: &Value, pointer: &str) -> SecretKey {
    SecretKey::from_hex(text(v, pointer)).unwrap()
}

#[test]
fn ecdh_and_hkdf_match_the_sdk() {
    let v = vectors();
    let eph = key(&v, "/inputs/eph_priv");
    let host = key(&v, "/inputs/node_priv");
    let shared = ecdh_shared_x(&eph, host.public_key());
    assert_eq!(shared.to_vec(), bytes(&v, "/ecdh_shared_x"));
    let derived = hkdf_sha256(shared.as_slice(), None, b"", 32).unwrap();
    assert_eq!(derived.to_vec(), bytes(&v, "/hkdf/key"));
    assert_eq!(
        host.public_key().to_hex(),
        text(&v, "/inputs/node_pub_compressed")
    );
    assert_eq!(
        host.address().to_checksum().to_lowercase(),
        text(&v, "/inputs/node_address")
    );
}

#[test]
fn host_accepts_the_sdk_init_and_recovers_the_true_address() {
    let v = vectors();
    let now_ms = 1_000_000;
    let host_key = key(&v, "/inputs/node_priv");
    let endpoint = Endpoint::new(Some(host_key), HostConfig::default(), now_ms).unwrap();
    let mut connection = Connection::new(Arc::new(endpoint), now_ms);
    let init = json!({"type": "encrypted_session_init", "session_id": "sdk-session",
        "job_id": "42", "chain_id": 84532, "payload": v.pointer("/session_init/payload")});
    let outputs = connection.handle_frame_inline(&init.to_string(), now_ms);
    assert!(outputs.iter().any(|output| matches!(
        output,
        Output::Observe(Observation::EncryptedSessionOpened(
            SignatureScheme::SdkTranscript
        ))
    )));
    let ack = outputs
        .iter()
        .find_map(|output| match output {
            Output::Frame(frame) => serde_json::from_str::<SessionInitAckFrame>(frame).ok(),
            _ => None,
        })
        .expect("an ack");
    let address = ack.client_address.unwrap();
    assert_eq!(address, text(&v, "/session_init/true_client_address"));
    assert_ne!(
        address.to_lowercase(),
        text(
            &v,
            "/session_init/wrong_address_if_recovered_from_sha256_ciphertext"
        )
    );

    // message_0 from the SDK opens on our host and starts its generation.
    let message = json!({"type": "encrypted_message", "session_id": "sdk-session", "id": "m0",
        "payload": v.pointer("/message_0/payload")});
    let start = connection
        .handle_frame_inline(&message.to_string(), now_ms + 1000)
        .into_iter()
        .find_map(|output| match output {
            Output::Start(start) => Some(start),
            _ => None,
        })
        .expect("a generation");
    assert_eq!(start.model.as_deref(), Some("tiny-vicuna"));
    assert_eq!(start.request.prompt.as_deref(), Some("Hello"));
    assert_eq!(start.request.max_tokens, Some(16));
}

#[test]
fn client_reproduces_the_sdk_init_and_message_bytes() {
    let v = vectors();
    let host_public = PublicKey::from_hex(text(&v, "/inputs/node_pub_compressed")).unwrap();
    reproduces_the_sdk_bytes(
        &v,
        ClientSession::new(host_public, SignatureScheme::SdkTranscript),
    );
}

#[test]
fn client_with_the_host_keys_table_reproduces_the_same_bytes() {
    let v = vectors();
    let host_public = PublicKey::from_hex(text(&v, "/inputs/node_pub_compressed")).unwrap();
    let table = PrecomputedPublicKey::new(host_public);
    assert_eq!(table.public_key(), &host_public);
    let client = ClientSession::with_precomputed_host(table, SignatureScheme::SdkTranscript);
    assert_eq!(client.host_address(), host_public.address());
    reproduces_the_sdk_bytes(&v, client);
}

fn reproduces_the_sdk_bytes(v: &Value, mut client: ClientSession) {
    let secrets = InitSecrets {
        ephemeral: key(v, "/inputs/eph_priv"),
        session_key: SymmetricKey::from_slice(&bytes(v, "/message_0/session_key_hex")).unwrap(),
        nonce: bytes(v, "/session_init/payload/nonceHex")
            .try_into()
            .unwrap(),
        salt: Some([0u8; 32]),
    };
    let params = InitParams {
        session_id: WireId::from("s"),
        job_id: WireId::from("42"),
        chain_id: 84532,
        model_name: "tiny-vicuna".into(),
        price_per_token: 2000,
        id: None,
        // The deployed SDK sends no timestamp; leaving it out reproduces its bytes exactly.
        timestamp: None,
    };
    let frame: Value = serde_json::from_str(
        &client
            .init_message_with(&key(v, "/inputs/client_priv"), &params, secrets)
            .unwrap(),
    )
    .unwrap();
    for field in [
        "ephPubHex",
        "ciphertextHex",
        "signatureHex",
        "nonceHex",
        "saltHex",
        "alg",
    ] {
        assert_eq!(
            frame["payload"][field], v["session_init"]["payload"][field],
            "{field}"
        );
    }
    assert_eq!(frame["payload"]["recid"], 1);

    let message_plaintext = text(v, "/message_0/plaintext");
    let nonce = bytes(v, "/message_0/payload/nonceHex").try_into().unwrap();
    let sealed: Value = serde_json::from_str(
        &client
            .seal_prompt_with_nonce(&WireId::from("m0"), message_plaintext.as_bytes(), nonce)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        sealed["payload"]["ciphertextHex"],
        v["message_0"]["payload"]["ciphertextHex"]
    );
    assert_eq!(
        sealed["payload"]["aadHex"],
        v["message_0"]["payload"]["aadHex"]
    );
}

#[test]
fn chunk_and_final_from_the_vectors_open_under_the_session_key() {
    let v = vectors();
    let key = SymmetricKey::from_slice(&bytes(&v, "/message_0/session_key_hex")).unwrap();
    for (name, aad) in [
        ("chunk_0", "chunk_0"),
        ("final_response", "encrypted_response_final"),
    ] {
        let nonce = bytes(&v, &format!("/{name}/nonceHex"));
        let ciphertext = bytes(&v, &format!("/{name}/ciphertextHex"));
        let plaintext = text(&v, &format!("/{name}/plaintext"));
        assert_eq!(
            key.open(&nonce, aad.as_bytes(), &ciphertext)
                .unwrap()
                .as_slice(),
            plaintext.as_bytes()
        );
        assert_eq!(
            key.seal(&nonce, aad.as_bytes(), plaintext.as_bytes())
                .unwrap(),
            ciphertext
        );
    }
}
