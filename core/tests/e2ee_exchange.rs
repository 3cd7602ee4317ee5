//! Full client ⇄ host exchanges in memory, for both signature schemes.

mod support;

use confide_core::Result;
use confide_core::crypto::{PublicKey, RecoverableSignature, Signer};
use confide_core::e2ee::wire::StreamEndFrame;
use confide_core::e2ee::{ClientEvent, HostFrame, SignatureScheme, Usage, WireId};
use confide_core::signed::{
    MessageScheme, RawSignedMessage, SignOptions, SignedMessage, UsageRecord, VerifyPolicy,
};
use support::{NOW, Pair, host_key, init_frame, params, rng, signed_init, wallet_key};

/// A `stream_end` carrying a receipt signed by the host key, as the node-server sends it.
fn stream_end(id: &str, usage: Usage) -> String {
    let record = UsageRecord {
        session_id: "s1".into(),
        job_id: Some("12345".into()),
        chain_id: Some(84532),
        model: "demo".into(),
        prompt_tokens: usage.prompt_tokens,
        completion_tokens: usage.completion_tokens,
        response_sha256: String::new(),
        client_address: wallet_key().address().to_checksum(),
        timestamp: NOW,
    };
    let options = SignOptions {
        timestamp: NOW,
        nonce: Some(1),
        scheme: MessageScheme::ConfideV1,
    };
    let receipt = SignedMessage::sign(record, &host_key(), options)
        .unwrap()
        .to_json();
    HostFrame::StreamEnd(StreamEndFrame {
        session_id: Some(Pair::session_id()),
        id: Some(WireId::from(id)),
        reason: "complete".into(),
        finish_reason: Some("stop".into()),
        tokens_used: usage.completion_tokens,
        usage: Some(usage),
        receipt: Some(serde_json::value::RawValue::from_string(receipt).unwrap()),
    })
    .to_json()
}

/// The host streams `pieces` as chunks, then the final and the end; returns the client's events.
fn stream_reply(pair: &mut Pair, id: &str, pieces: &[&str]) -> Vec<ClientEvent> {
    let id = WireId::from(id);
    let session = pair.store.session_mut(&Pair::session_id(), NOW).unwrap();
    let mut frames: Vec<String> = pieces
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let last = i + 1 == pieces.len();
            session.seal_chunk(&mut pair.rng, Some(&id), i as u64, text, 1, last)
        })
        .collect();
    frames.push(session.seal_final(&mut pair.rng, Some(&id), "stop"));
    frames.push(stream_end(
        &id.to_string(),
        Usage::new(3, pieces.len() as u64),
    ));
    frames
        .iter()
        .map(|frame| pair.client.open(frame).unwrap())
        .collect()
}

fn full_exchange(scheme: SignatureScheme) {
    let mut pair = Pair::new(scheme);
    assert_eq!(
        pair.store
            .session_mut(&Pair::session_id(), NOW)
            .unwrap()
            .client_address(),
        wallet_key().address()
    );
    for (round, prompt) in ["first prompt", "second prompt"].into_iter().enumerate() {
        let id = format!("msg-{round}");
        assert_eq!(
            pair.send_prompt(&id, prompt).unwrap().as_deref(),
            Some(prompt)
        );
        let events = stream_reply(&mut pair, &id, &["Hel", "lo ", "wörld"]);
        let text: String = events
            .iter()
            .filter_map(|e| match e {
                ClientEvent::Chunk { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(text, "Hello wörld");
        assert!(matches!(
            &events[2],
            ClientEvent::Chunk {
                index: 2,
                is_final: true,
                ..
            }
        ));
        assert_eq!(
            events[3],
            ClientEvent::Final {
                id: Some(WireId::from(id.as_str())),
                finish_reason: "stop".into()
            }
        );
        let ClientEvent::End { usage, receipt, .. } = &events[4] else {
            panic!("expected End, got {:?}", events[4]);
        };
        assert_eq!(usage.unwrap().total_tokens, 6);
        // The receipt arrives byte-exact and verifies against the host's address.
        let receipt = RawSignedMessage::parse(receipt.as_deref().unwrap()).unwrap();
        let verified = receipt.verify(&VerifyPolicy::default(), NOW).unwrap();
        assert_eq!(verified.signer, Some(host_key().address()));
        assert_eq!(
            receipt.payload::<UsageRecord>().unwrap().completion_tokens,
            3
        );
    }
}

#[test]
fn eip191_full_exchange() {
    full_exchange(SignatureScheme::Eip191);
}

#[test]
fn sdk_transcript_full_exchange() {
    full_exchange(SignatureScheme::SdkTranscript);
}

#[test]
fn eip191_init_is_an_ethers_personal_sign_of_sha256_ciphertext() {
    // Independent computation: the signature must verify as personal_sign(sha256(ciphertext)).
    let frame = signed_init(SignatureScheme::Eip191, &wallet_key(), 7, "x");
    let payload = frame.payload.unwrap();
    assert!(payload.alg.is_none() && payload.salt_hex.is_none());
    let ciphertext =
        confide_core::hex::decode("c", payload.ciphertext_hex.as_deref().unwrap()).unwrap();
    let signature =
        confide_core::hex::decode("s", payload.signature_hex.as_deref().unwrap()).unwrap();
    assert!(
        signature[64] == 27 || signature[64] == 28,
        "ethers writes v as 27/28"
    );
    let mut message = b"\x19Ethereum Signed Message:\n32".to_vec();
    message.extend_from_slice(&confide_core::crypto::sha256(&ciphertext));
    let digest = confide_core::crypto::keccak256(&message);
    let recovered = RecoverableSignature::from_bytes(&signature)
        .unwrap()
        .recover(&digest)
        .unwrap();
    assert_eq!(recovered.address(), wallet_key().address());
    assert_eq!(
        payload.aad_hex.as_deref(),
        Some(confide_core::hex::encode(b"session_init").as_str())
    );
}

/// A wallet that signs through a callback and does not reveal its key up front.
struct CallbackWallet;

impl Signer for CallbackWallet {
    fn sign_prehash(&self, digest: &[u8; 32]) -> Result<RecoverableSignature> {
        wallet_key().sign_prehash(digest)
    }
}

#[test]
fn external_signer_without_public_key_works_for_both_schemes() {
    for scheme in [SignatureScheme::Eip191, SignatureScheme::SdkTranscript] {
        let host = host_key();
        let mut client = confide_core::e2ee::ClientSession::new(*host.public_key(), scheme);
        let init = client
            .init_message(&CallbackWallet, &mut rng(), &params("cb"))
            .unwrap();
        assert_eq!(client.client_address(), Some(wallet_key().address()));
        let mut store = confide_core::e2ee::SessionStore::default();
        let accepted = store
            .accept_init(&host, &init_frame(&init), NOW, |_| true)
            .unwrap();
        assert_eq!(accepted.client_address, wallet_key().address());
    }
}

#[test]
fn second_init_from_the_same_client_rekeys_and_resets_the_counter() {
    let mut pair = Pair::new(SignatureScheme::Eip191);
    pair.send_prompt("a", "one").unwrap();
    pair.send_prompt("b", "two").unwrap();
    let init = pair
        .client
        .init_message(&wallet_key(), &mut pair.rng, &params("s1"))
        .unwrap();
    let accepted = pair
        .store
        .accept_init(&pair.host, &init_frame(&init), NOW + 5, |_| true)
        .unwrap();
    assert!(accepted.rekeyed);
    assert_eq!(pair.store.len(), 1);
    // The client restarted at message_0 under the new key; the host accepts it.
    assert_eq!(
        pair.send_prompt("c", "three").unwrap().as_deref(),
        Some("three")
    );
}

#[test]
fn uncompressed_ephemeral_keys_are_accepted() {
    let host = host_key();
    let mut frame = signed_init(SignatureScheme::Eip191, &wallet_key(), 7, "u");
    let payload = frame.payload.as_mut().unwrap();
    let eph = PublicKey::from_hex(payload.eph_pub_hex.as_deref().unwrap()).unwrap();
    payload.eph_pub_hex = Some(format!(
        "0x{}",
        confide_core::hex::encode(&eph.to_uncompressed())
    ));
    let mut store = confide_core::e2ee::SessionStore::default();
    store.accept_init(&host, &frame, NOW, |_| true).unwrap();
}
