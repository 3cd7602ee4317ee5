//! Feeds arbitrary bytes to every Warp parser: unsigned and signed messages in both codecs, LP-118
//! requests and responses, signer bitsets. Nothing may panic, and whatever parses must re-encode to
//! exactly the input (the parsers accept canonical encodings only).

#![no_main]

use confide_core::warp::{
    Codec, SignatureRequest, SignedMessage, SignerBitset, UnsignedMessage,
    parse_signature_response,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for codec in [Codec::Avalanche, Codec::LuxRlp] {
        if let Ok(message) = UnsignedMessage::parse(codec, data) {
            assert_eq!(message.bytes(), data);
            let rebuilt = UnsignedMessage::new(
                codec,
                message.network_id(),
                *message.source_chain_id(),
                message.payload().to_vec(),
            )
            .expect("a parsed message fits");
            assert_eq!(rebuilt.bytes(), data);
        }
        if let Ok(message) = SignedMessage::parse(codec, data) {
            assert_eq!(message.to_bytes(), data);
        }
    }
    if let Ok(request) = SignatureRequest::parse(data) {
        assert_eq!(request.to_bytes().expect("a parsed request fits"), data);
    }
    if let Ok(signature) = parse_signature_response(data) {
        assert!(data.len() == 96 || data.len() == 100);
        assert_eq!(&signature.to_bytes()[..], &data[data.len() - 96..]);
    }
    if let Ok(bitset) = SignerBitset::from_bytes(data) {
        assert_eq!(SignerBitset::from_indices(bitset.indices()).as_bytes(), data);
    }
});
