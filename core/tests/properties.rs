//! Property tests: AEAD round trips and tamper detection, hex and address codecs, parsers that
//! must never panic on arbitrary input, and the canonical client-event JSON.

use confide_core::crypto::{Address, RecoverableSignature, SymmetricKey};
use confide_core::e2ee::wire::{EncryptedMessageFrame, EncryptedPayload};
use confide_core::e2ee::{ClientEvent, ClientFrame, HostFrame, PromptRequest, SessionData, WireId};
use confide_core::{ErrorCode, hex};
use proptest::prelude::*;

fn wire_id() -> impl Strategy<Value = WireId> {
    prop_oneof![
        any::<u64>().prop_map(WireId::Number),
        ".{0,40}".prop_map(WireId::Text),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn seal_then_open_round_trips(
        key in any::<[u8; 32]>(),
        nonce in any::<[u8; 24]>(),
        aad in proptest::collection::vec(any::<u8>(), 0..64),
        plaintext in proptest::collection::vec(any::<u8>(), 0..2048),
    ) {
        let key = SymmetricKey::from_bytes(key);
        let sealed = key.seal(&nonce, &aad, &plaintext).unwrap();
        prop_assert_eq!(sealed.len(), plaintext.len() + 16);
        let opened = key.open(&nonce, &aad, &sealed).unwrap();
        prop_assert_eq!(opened.as_slice(), plaintext.as_slice());
    }

    #[test]
    fn any_single_bit_flip_is_detected(
        key in any::<[u8; 32]>(),
        nonce in any::<[u8; 24]>(),
        plaintext in proptest::collection::vec(any::<u8>(), 0..256),
        position in any::<proptest::sample::Index>(),
        bit in 0u8..8,
    ) {
        let key = SymmetricKey::from_bytes(key);
        let mut sealed = key.seal(&nonce, b"chunk_0", &plaintext).unwrap();
        let i = position.index(sealed.len());
        sealed[i] ^= 1 << bit;
        prop_assert_eq!(key.open(&nonce, b"chunk_0", &sealed).unwrap_err().code(), ErrorCode::DecryptionFailed);
    }

    #[test]
    fn hex_round_trips_with_and_without_prefix(bytes in proptest::collection::vec(any::<u8>(), 0..128)) {
        let text = hex::encode(&bytes);
        prop_assert_eq!(hex::decode("f", &text).unwrap(), bytes.clone());
        prop_assert_eq!(hex::decode("f", &format!("0x{}", text.to_uppercase())).unwrap(), bytes);
    }

    #[test]
    fn hex_decode_accepts_exactly_even_hex_digits(text in "(0x)?[0-9a-fA-Fg-z]{0,20}") {
        let digits = text.strip_prefix("0x").unwrap_or(&text);
        let valid = digits.len() % 2 == 0 && digits.chars().all(|c| c.is_ascii_hexdigit());
        match hex::decode("f", &text) {
            Ok(bytes) => {
                prop_assert!(valid);
                prop_assert_eq!(hex::encode(&bytes), digits.to_lowercase());
            }
            Err(err) => {
                prop_assert!(!valid);
                prop_assert_eq!(err.code(), ErrorCode::InvalidHexEncoding);
            }
        }
    }

    #[test]
    fn addresses_round_trip_through_eip55(bytes in any::<[u8; 20]>()) {
        let address = Address::from_bytes(bytes);
        let checksummed = address.to_checksum();
        prop_assert_eq!(Address::parse(&checksummed).unwrap(), address);
        prop_assert_eq!(Address::parse(&checksummed.to_lowercase()).unwrap(), address);
    }

    #[test]
    fn encrypted_message_frames_round_trip(
        session_id in wire_id(),
        id in proptest::option::of(wire_id()),
        ciphertext in proptest::collection::vec(any::<u8>(), 16..64),
        nonce in any::<[u8; 24]>(),
    ) {
        let frame = ClientFrame::EncryptedMessage(EncryptedMessageFrame {
            session_id,
            id,
            payload: Some(EncryptedPayload::new(&ciphertext, &nonce, b"message_0", None)),
        });
        prop_assert_eq!(ClientFrame::parse(&frame.to_json()).unwrap(), frame);
    }

    #[test]
    fn parsers_never_panic_on_arbitrary_text(text in ".{0,300}") {
        let _ = ClientFrame::parse(&text);
        let _ = HostFrame::parse(&text);
        let _ = SessionData::parse(text.as_bytes());
        let _ = PromptRequest::parse(text.as_bytes());
    }

    #[test]
    fn parsers_never_panic_on_json_shaped_text(
        kind in prop_oneof![
            Just("encrypted_session_init"), Just("encrypted_message"), Just("session_init"),
            Just("prompt"), Just("stream_cancel"), Just("ping"), Just("encrypted_chunk"),
            Just("stream_end"), Just("error"), Just("session_init_ack")
        ],
        field in "[a-zA-Z_]{1,16}",
        value in prop_oneof![Just("null".to_owned()), any::<i64>().prop_map(|n| n.to_string()), "\"[0-9a-f]{0,70}\""],
    ) {
        let text = format!(r#"{{"type":"{kind}","session_id":"s","{field}":{value},"payload":{{"{field}":{value}}}}}"#);
        let _ = ClientFrame::parse(&text);
        let _ = HostFrame::parse(&text);
    }

    #[test]
    fn chunk_events_carry_any_text_in_json_and_never_in_debug(
        text in "\\PC{0,200}",
        id in proptest::option::of(wire_id()),
        index in any::<u64>(),
    ) {
        // Marked, so that it can never be mistaken for a field name or a number.
        let text = format!("\u{1F512}{text}");
        let event = ClientEvent::Chunk { id: id.clone(), index, text: text.clone(), is_final: false };
        let json: serde_json::Value = serde_json::from_str(&event.to_json()).unwrap();
        prop_assert_eq!(json["type"].as_str(), Some(event.kind()));
        prop_assert_eq!(json["text"].as_str(), Some(text.as_str()));
        prop_assert_eq!(json["index"].as_u64(), Some(index));
        let id_text = id.map(|id| id.to_string());
        prop_assert_eq!(json.get("id").and_then(|v| v.as_str()), id_text.as_deref());
        let debug = format!("{:?}", event);
        prop_assert!(!debug.contains(&text));
    }

    #[test]
    fn signature_parser_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
        if let Ok(signature) = RecoverableSignature::from_bytes(&bytes) {
            let _ = signature.recover(&[7u8; 32]);
        }
    }
}
