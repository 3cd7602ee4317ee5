//! Feeds arbitrary bytes to the Warp codecs: unsigned and signed messages in both codecs, and
//! signer bitsets (LP-118 requests and responses have their own target, `warp_lp118`). Nothing may
//! panic, and whatever parses must re-encode to exactly the input (the parsers accept canonical
//! encodings only).

#![no_main]

use confide_core::warp::{Codec, SignedMessage, SignerBitset, UnsignedMessage};
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
    if let Ok(bitset) = SignerBitset::from_bytes(data) {
        assert_eq!(
            SignerBitset::from_indices(bitset.indices()).as_bytes(),
            data
        );
    }
});
