//! Full client ⇄ host exchanges in memory, for both signature schemes.

mod support;

use confide_core::crypto::{Address, PublicKey, RecoverableSignature, Signer, sha256};
use confide_core::e2ee::{ClientEvent, ClientSession, HostKeys, SignatureScheme, WireId};
use confide_core::hex;
use confide_core::signed::{RawSignedMessage, VerifyPolicy};
use confide_core::{ErrorCode, ErrorDetail, Result};
use support::{
    Host, NOW, Pair, host_key, init_frame, params, rng, session_data, signed_init, wallet_key,
};

/// The host engine answers `pieces` (chunks, the encrypted final, `stream_end` with its signed
/// receipt); returns the client's events.
fn stream_reply(pair: &mut Pair, id: &str, pieces: &[&str]) -> Vec<ClientEvent> {
    pair.reply_frames(id, pieces)
        .iter()
        .map(|frame| pair.client.open(frame).unwrap())
        .collect()
}

fn full_exchange(scheme: SignatureScheme) {
    let mut pair = Pair::new(scheme);
    assert_eq!(pair.client.host_address(), host_key().address());
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
        // The session verified the engine's receipt; it names exactly this text and these counts.
        let receipt = receipt.as_ref().expect("a verified receipt");
        assert_eq!(
            receipt.record.response_sha256,
            hex::encode(&sha256("Hello wörld".as_bytes()))
        );
        assert_eq!(receipt.record.completion_tokens, 3);
        assert_eq!(
            receipt.record.client_address,
            wallet_key().address().to_checksum()
        );
        // The JSON is kept byte-exact, so a third party can verify it against the host.
        let envelope = RawSignedMessage::parse(&receipt.json).unwrap();
        let verified = envelope.verify(&VerifyPolicy::default(), NOW).unwrap();
        assert_eq!(verified.signer, Some(host_key().address()));
        let json: serde_json::Value = serde_json::from_str(&events[4].to_json()).unwrap();
        assert_eq!(json["verified"], true);
        assert_eq!(json["receipt"], receipt.json.as_str());
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
        let mut client = ClientSession::new(*host.public_key(), scheme);
        let init = client
            .init_message(&CallbackWallet, &mut rng(), &params("cb"))
            .unwrap();
        assert_eq!(client.client_address(), Some(wallet_key().address()));
        let ack = Host::new().accept(&init_frame(&init)).unwrap();
        assert_eq!(
            client.open(&ack).unwrap(),
            ClientEvent::Ack {
                client_address: wallet_key().address()
            }
        );
    }
}

/// A wallet that reports an address but signs with another key.
struct WrongAddressWallet;

impl Signer for WrongAddressWallet {
    fn sign_prehash(&self, digest: &[u8; 32]) -> Result<RecoverableSignature> {
        wallet_key().sign_prehash(digest)
    }

    fn address(&self) -> Option<Address> {
        Some(host_key().address())
    }
}

#[test]
fn external_signer_whose_signature_is_not_by_its_address_is_invalid_signer() {
    for scheme in [SignatureScheme::Eip191, SignatureScheme::SdkTranscript] {
        let mut client = ClientSession::new(*host_key().public_key(), scheme);
        let error = client
            .init_message(&WrongAddressWallet, &mut rng(), &params("w"))
            .unwrap_err();
        assert_eq!(error.code(), ErrorCode::InvalidSigner, "{scheme:?}");
        assert_eq!(
            error.detail(),
            Some(&ErrorDetail::InvalidSigner {
                expected: host_key().address(),
                recovered: wallet_key().address(),
            })
        );
        // Nothing was established: the session still has no address.
        assert_eq!(client.client_address(), None);
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
    let ack = pair.host.send_at(&init, NOW + 5).ok().unwrap().frames;
    pair.client.open(&ack[0]).unwrap();
    assert_eq!(pair.host.connection.session_count(), 1);
    // The client restarted at message_0 under the new key; the host accepts it.
    assert_eq!(
        pair.send_prompt("c", "three").unwrap().as_deref(),
        Some("three")
    );
}

#[test]
fn uncompressed_ephemeral_keys_are_accepted() {
    let mut frame = signed_init(SignatureScheme::Eip191, &wallet_key(), 7, "u");
    let payload = frame.payload.as_mut().unwrap();
    let eph = PublicKey::from_hex(payload.eph_pub_hex.as_deref().unwrap()).unwrap();
    payload.eph_pub_hex = Some(format!(
        "0x{}",
        confide_core::hex::encode(&eph.to_uncompressed())
    ));
    let ack = Host::new().accept(&frame).unwrap();
    assert!(ack.contains(&wallet_key().address().to_checksum()), "{ack}");
}

#[test]
fn init_carries_the_timestamp_inside_the_encrypted_session_data() {
    for scheme in [SignatureScheme::Eip191, SignatureScheme::SdkTranscript] {
        let mut client = ClientSession::new(*host_key().public_key(), scheme);
        let init = client
            .init_message(&wallet_key(), &mut rng(), &params("t"))
            .unwrap();
        assert!(!init.contains("timestamp"), "only inside the ciphertext");
        let data = session_data(&init);
        assert_eq!(data.timestamp, Some(NOW), "{scheme:?}");
        assert_eq!(data.chain_id, Some(84532));
        assert_eq!(data.model_name.as_deref(), Some("demo"));
        // Without one (only to reproduce the deployed SDK's bytes), the field is absent.
        let mut sdk_like = params("t");
        sdk_like.timestamp = None;
        let init = client
            .init_message(&wallet_key(), &mut rng(), &sdk_like)
            .unwrap();
        let data = session_data(&init);
        assert_eq!((data.timestamp, data.chain_id), (None, None));
    }
}

#[test]
fn sessions_from_remembered_host_keys_are_accepted_with_and_without_the_table() {
    let mut keys = HostKeys::new(2);
    let encoded = host_key().public_key().to_compressed();
    for (round, scheme) in [SignatureScheme::Eip191, SignatureScheme::SdkTranscript]
        .into_iter()
        .cycle()
        .take(4)
        .enumerate()
    {
        let mut client = keys.session(&encoded, scheme).unwrap();
        assert_eq!(keys.has_table(&encoded), round > 0);
        let init = client
            .init_message(&wallet_key(), &mut rng(), &params("s1"))
            .unwrap();
        let ack = Host::new().accept(&init_frame(&init)).unwrap();
        assert_eq!(
            client.open(&ack).unwrap(),
            ClientEvent::Ack {
                client_address: wallet_key().address()
            }
        );
    }
}
