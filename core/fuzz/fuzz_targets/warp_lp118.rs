//! Arbitrary bytes through the LP-118 (ACP-118) messages a Warp validator exchanges: the
//! `SignatureRequest` a validator receives and the signature response it returns.
//!
//! Invariants (each an assertion that fails when broken): nothing panics; a request that parses
//! re-encodes to exactly the input and parses again to the same message and justification (the
//! parser accepts canonical encodings only); a response that parses is 96 bytes of signature, or
//! 100 with its length prefix, and the signature re-encodes to those 96 bytes.

#![no_main]

use confide_core::warp::{SignatureRequest, parse_signature_response};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(request) = SignatureRequest::parse(data) {
        let bytes = request.to_bytes().expect("a parsed request fits");
        assert_eq!(bytes, data);
        let again = SignatureRequest::parse(&bytes).expect("a re-encoded request parses");
        assert_eq!(again.to_bytes().expect("fits"), bytes);
    }
    if let Ok(signature) = parse_signature_response(data) {
        assert!(data.len() == 96 || data.len() == 100);
        assert_eq!(&signature.to_bytes()[..], &data[data.len() - 96..]);
    }
});
