//! The binding's surface from Rust (the same calls the generated Swift, Kotlin and Python make):
//! a whole exchange through the host engine, and wallets in the app's language.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use confide_core::crypto as core_crypto;
use confide_uniffi::client::{ClientSession, InitParams, SignatureScheme};
use confide_uniffi::error::Result;
use confide_uniffi::event::ClientEvent;
use confide_uniffi::host::HostEndpoint;
use confide_uniffi::host_connection::{FinishReason, HostConnection, HostOutput};
use confide_uniffi::keys::SecretKey;
use confide_uniffi::signed::verify_message;
use confide_uniffi::signer::WalletSigner;

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

fn params() -> InitParams {
    InitParams {
        session_id: "s1".into(),
        job_id: 42,
        chain_id: 84532,
        model_name: "demo".into(),
        price_per_token: 2000,
        id: None,
        timestamp: None,
    }
}

fn frames(outputs: Vec<HostOutput>) -> Vec<String> {
    outputs
        .into_iter()
        .filter_map(|output| match output {
            HostOutput::Frame { text } => Some(text),
            _ => None,
        })
        .collect()
}

#[test]
fn a_whole_exchange_through_the_host_engine() {
    let host_key = Arc::new(SecretKey::generate());
    let endpoint = Arc::new(HostEndpoint::new(host_key, now_ms(), None, None, None, None).unwrap());
    let connection = HostConnection::new(Arc::clone(&endpoint), now_ms());
    let wallet = Arc::new(SecretKey::generate());
    let client = ClientSession::new(
        endpoint.public_key(),
        Arc::clone(&wallet),
        Some(SignatureScheme::SdkTranscript),
    )
    .unwrap();

    let ack = frames(
        connection
            .handle_frame(client.init_message(params()).unwrap(), now_ms())
            .unwrap(),
    );
    assert_eq!(
        client.open(ack[0].clone()).unwrap(),
        ClientEvent::Ack {
            client_address: wallet.address()
        }
    );
    let prompt = client.seal_prompt("m1".into(), "Hello".into()).unwrap();
    let Some(HostOutput::Start { id, .. }) = connection
        .handle_frame(prompt, now_ms())
        .unwrap()
        .into_iter()
        .next()
    else {
        panic!("the prompt starts a generation");
    };
    let mut answer = connection.generation_text(id, "Hi".into(), 1, now_ms());
    answer.extend(connection.generation_finished(id, FinishReason::Stop, 3, 1, now_ms()));
    let events: Vec<ClientEvent> = frames(answer)
        .into_iter()
        .map(|frame| client.open(frame).unwrap())
        .collect();
    assert!(matches!(&events[0], ClientEvent::Chunk { text, last: true, .. } if text == "Hi"));
    let ClientEvent::End {
        receipt: Some(receipt),
        verified: true,
        ..
    } = &events[2]
    else {
        panic!("a verified end: {events:?}");
    };
    let receipt = verify_message(receipt.clone(), now_ms() / 1000, None).unwrap();
    assert_eq!(receipt.signer, Some(endpoint.address()));
}

/// A wallet in the app's language: signs with its own key, reports `claimed`.
struct Wallet {
    key: core_crypto::SecretKey,
    claimed: String,
}

impl Wallet {
    fn new(claimed: Option<String>) -> Self {
        let key = core_crypto::SecretKey::from_hex(&SecretKey::generate().to_hex()).unwrap();
        let claimed = claimed.unwrap_or_else(|| key.address().to_checksum());
        Self { key, claimed }
    }
}

impl WalletSigner for Wallet {
    fn address(&self) -> Option<String> {
        Some(self.claimed.clone())
    }

    fn sign_digest(&self, digest: Vec<u8>) -> Result<Vec<u8>> {
        let digest: [u8; 32] = digest.try_into().expect("a 32-byte digest");
        let signature = core_crypto::RecoverableSignature::sign_prehash(&self.key, &digest);
        Ok(signature.to_bytes(core_crypto::VByte::Raw).to_vec())
    }
}

#[test]
fn a_wallet_signing_for_another_address_is_invalid_signer() {
    let host = SecretKey::generate();
    let honest = Wallet::new(None);
    let address = honest.claimed.clone();
    let client = ClientSession::with_signer(host.public_key(), Arc::new(honest), None).unwrap();
    client.init_message(params()).unwrap();
    assert_eq!(client.client_address().unwrap(), Some(address));

    let impostor = Wallet::new(Some(SecretKey::generate().address()));
    let client = ClientSession::with_signer(host.public_key(), Arc::new(impostor), None).unwrap();
    let error = client.init_message(params()).unwrap_err();
    assert_eq!(error.code(), "INVALID_SIGNER");
    assert_eq!(client.client_address().unwrap(), None);
}
