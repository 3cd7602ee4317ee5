//! Project Wycheproof Ed25519 (151 cases) against the strict verifier LLMFeed uses: every valid case
//! verifies, every invalid one (S ≥ L, truncated or padded signatures, wrong messages) is refused.

mod common;

use common::{Failures, Hex, Verdict, Wycheproof, load};
use confide_core::crypto::Ed25519PublicKey;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Group {
    public_key: GroupKey,
    tests: Vec<Case>,
}

#[derive(Deserialize)]
struct GroupKey {
    pk: Hex,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Case {
    tc_id: u32,
    comment: String,
    msg: Hex,
    sig: Hex,
    result: Verdict,
}

#[test]
fn ed25519_all_151_cases() {
    let file: Wycheproof<Group> = load("wycheproof/wycheproof_ed25519_test.json");
    assert_eq!(file.algorithm, "EDDSA");
    let mut failures = Failures::default();
    let mut seen = 0;
    for group in &file.test_groups {
        let key = Ed25519PublicKey::from_bytes(&group.public_key.pk)
            .expect("every Wycheproof Ed25519 key is a valid point");
        for case in &group.tests {
            seen += 1;
            let verified = key.verify(&case.msg, &case.sig).is_ok();
            failures.check_eq(verified, case.result == Verdict::Valid, || {
                format!("tcId {} ({})", case.tc_id, case.comment)
            });
        }
    }
    assert_eq!(seen, file.number_of_tests);
    assert_eq!(seen, 151);
    failures.assert_none("wycheproof ed25519");
}
