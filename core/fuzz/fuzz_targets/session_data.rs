//! Arbitrary bytes as the two decrypted plaintexts the host parses: the session data inside an
//! init (`SessionData`) and a prompt (`PromptRequest`).
//!
//! Invariants (each an assertion that fails when broken): nothing panics; whatever parses
//! re-serialises to JSON that parses again to the same value (field by field, the session key
//! included), and serialising that value gives the same bytes again; an accepted prompt request
//! has a `prompt` or `messages`.

#![no_main]

use confide_core::e2ee::{PromptRequest, SessionData};
use libfuzzer_sys::fuzz_target;

fn same_session_data(a: &SessionData, b: &SessionData) -> bool {
    a.session_key.expose_secret() == b.session_key.expose_secret()
        && a.job_id == b.job_id
        && a.model_name == b.model_name
        && a.price_per_token == b.price_per_token
        && a.recovery_public_key == b.recovery_public_key
        && a.timestamp == b.timestamp
        && a.chain_id == b.chain_id
}

fuzz_target!(|data: &[u8]| {
    if let Ok(parsed) = SessionData::parse(data) {
        let json = parsed.to_json();
        let again = SessionData::parse(json.as_bytes()).expect("serialised session data parses");
        assert!(
            same_session_data(&parsed, &again),
            "session data changed in a round trip"
        );
        assert_eq!(*again.to_json(), *json);
    }
    if let Ok(request) = PromptRequest::parse(data) {
        assert!(request.prompt.is_some() || request.messages.is_some());
        let json = request.to_json();
        let again = PromptRequest::parse(json.as_bytes()).expect("a serialised request parses");
        assert_eq!(
            again.to_json(),
            json,
            "prompt request changed in a round trip"
        );
    }
});
