//! Ethereum conventions against vectors taken from ethers.js, viem and go-ethereum: EIP-191 hashes,
//! byte-for-byte RFC 6979 signatures, ecrecover, EIP-55 addresses.

mod common;

use common::{Failures, Hex, load, to_hex};
use confide_core::ErrorCode;
use confide_core::crypto::{
    Address, PublicKey, RecoverableSignature, SecretKey, VByte, eip191_hash, keccak256,
};
use serde::Deserialize;

const EIP191_FILE: &str = "ethereum/eip191_personal_sign_vectors.json";

#[derive(Deserialize)]
struct Eip191File {
    personal_sign_cases: Vec<PersonalSignCase>,
    personal_message_hash_only: Vec<HashOnlyCase>,
    raw_ecrecover_and_misc: Vec<MiscCase>,
}

#[derive(Deserialize)]
struct PersonalSignCase {
    name: String,
    private_key: String,
    message_hex: Hex,
    eip191_hash: Hex,
    /// `r ‖ s ‖ v` with v = 27/28.
    signature: Hex,
    r: Hex,
    s: Hex,
    v: u8,
    recovery_id: u8,
    address: String,
    pubkey_uncompressed: Hex,
    rfc6979_low_s_reproduced: bool,
}

#[derive(Deserialize)]
struct HashOnlyCase {
    name: String,
    message_hex: Hex,
    eip191_hash: Hex,
}

/// The go-ethereum section mixes four shapes; each variant needs fields only its shape has.
#[derive(Deserialize)]
#[serde(untagged)]
enum MiscCase {
    Ecrecover(EcrecoverCase),
    HighS(HighSCase),
    Sign(SignCase),
    Keccak(KeccakCase),
}

/// `testsig` from crypto/signature_test.go: v is the raw recovery id.
#[derive(Deserialize)]
struct EcrecoverCase {
    hash: Hex,
    signature_rsv_recid_0_1: Hex,
    pubkey_uncompressed: Hex,
    pubkey_compressed: Hex,
    address: String,
}

/// TestVerifySignatureMalleable: 64-byte `r ‖ s` with s > n/2.
#[derive(Deserialize)]
struct HighSCase {
    hash: Hex,
    signature_rs: Hex,
    pubkey_compressed: Hex,
}

/// TestSign: key → address, and an RFC 6979 signature over keccak256("foo").
#[derive(Deserialize)]
struct SignCase {
    private_key: String,
    address: String,
    hash: Hex,
    rfc6979_signature_computed_here: RsRecoveryId,
}

#[derive(Deserialize)]
struct RsRecoveryId {
    r: Hex,
    s: Hex,
    recovery_id: u8,
}

#[derive(Deserialize)]
struct KeccakCase {
    input_hex: Hex,
    keccak256: Hex,
}

impl EcrecoverCase {
    fn check(&self, failures: &mut Failures) {
        let signature = &self.signature_rsv_recid_0_1;
        assert!(signature[64] <= 1, "raw recovery id");
        let hash = self.hash.array("hash");
        let recovered = recover(signature, &hash).expect("go-ethereum testsig recovers");
        failures.check_eq(
            to_hex(&recovered.to_uncompressed()),
            to_hex(&self.pubkey_uncompressed),
            || "ecrecover: uncompressed key".into(),
        );
        failures.check_eq(
            to_hex(&recovered.to_compressed()),
            to_hex(&self.pubkey_compressed),
            || "ecrecover: compressed key".into(),
        );
        failures.check_eq(recovered.address(), address(&self.address), || {
            "ecrecover: address".into()
        });
        // The same signature written with v = 27/28 recovers the same key.
        let ethereum_v = rsv(&signature[..32], &signature[32..64], signature[64] + 27);
        failures.check_eq(recover(&ethereum_v, &hash), Ok(recovered), || {
            "ecrecover: v + 27".into()
        });
    }
}

impl HighSCase {
    fn check(&self, failures: &mut Failures) {
        // The key parses, so only the signature can be at fault.
        PublicKey::from_sec1_bytes(&self.pubkey_compressed).expect("valid key");
        let hash = self.hash.array("hash");
        let (r, s) = self.signature_rs.split_at(32);
        for v in [0, 1, 27, 28] {
            let bytes = rsv(r, s, v);
            let parsed = RecoverableSignature::from_bytes(&bytes);
            failures.check(
                parsed
                    .as_ref()
                    .is_err_and(|e| e.message().contains("high-S")),
                || format!("high-S, v = {v}: expected a high-S rejection, got {parsed:?}"),
            );
            failures.check_eq(
                recover(&bytes, &hash),
                Err(ErrorCode::InvalidSignature),
                || format!("high-S, v = {v}"),
            );
        }
    }
}

impl SignCase {
    fn check(&self, failures: &mut Failures) {
        let key = SecretKey::from_hex(&self.private_key).expect("valid key");
        failures.check_eq(key.address(), address(&self.address), || {
            "TestSign: address".into()
        });
        failures.check_eq(to_hex(&keccak256(b"foo")), to_hex(&self.hash), || {
            "TestSign: keccak256(\"foo\")".into()
        });
        let hash = self.hash.array("hash");
        let signature = RecoverableSignature::sign_prehash(&key, &hash);
        let expected = &self.rfc6979_signature_computed_here;
        failures.check_eq(
            to_hex(&signature.to_bytes(VByte::Raw)),
            to_hex(&rsv(&expected.r, &expected.s, expected.recovery_id)),
            || "TestSign: RFC 6979 signature".into(),
        );
        failures.check_eq(
            signature.recover(&hash).map(|k| k.address()),
            Ok(key.address()),
            || "TestSign: recover".into(),
        );
    }
}

impl KeccakCase {
    fn check(&self, failures: &mut Failures) {
        failures.check_eq(
            to_hex(&keccak256(&self.input_hex)),
            to_hex(&self.keccak256),
            || "keccak256(\"abc\")".into(),
        );
    }
}

/// `r ‖ s ‖ v` as the 65 bytes `RecoverableSignature::from_bytes` takes.
fn rsv(r: &[u8], s: &[u8], v: u8) -> Vec<u8> {
    [r, s, &[v]].concat()
}

/// The key `signature` recovers to over `digest`, as the error code on failure.
fn recover(signature: &[u8], digest: &[u8; 32]) -> Result<PublicKey, ErrorCode> {
    RecoverableSignature::from_bytes(signature)
        .and_then(|sig| sig.recover(digest))
        .map_err(|e| e.code())
}

fn address(text: &str) -> Address {
    Address::parse(text).unwrap_or_else(|e| panic!("vector address {text}: {e}"))
}

#[test]
fn eip191_personal_sign_6_cases_byte_for_byte() {
    let file: Eip191File = load(EIP191_FILE);
    let mut failures = Failures::default();
    let mut reproduced = 0;
    for case in &file.personal_sign_cases {
        let id = |what: &str| format!("{}: {what}", case.name);
        let key = SecretKey::from_hex(&case.private_key).expect("valid key");
        let hash = eip191_hash(&case.message_hex);
        failures.check_eq(to_hex(&hash), to_hex(&case.eip191_hash), || {
            id("eip191 hash")
        });
        failures.check_eq(key.address().to_checksum(), case.address.clone(), || {
            id("address")
        });
        failures.check_eq(
            to_hex(&key.public_key().to_uncompressed()),
            to_hex(&case.pubkey_uncompressed),
            || id("public key"),
        );
        // The file's own fields must agree with each other before we compare against them.
        assert_eq!(
            *case.signature,
            rsv(&case.r, &case.s, case.v),
            "{}",
            case.name
        );
        assert_eq!(case.v, case.recovery_id + 27, "{}", case.name);

        let recovered = recover(&case.signature, &hash).map(|key| key.address());
        failures.check_eq(recovered, Ok(address(&case.address)), || id("recover"));

        assert!(
            case.rfc6979_low_s_reproduced,
            "{}: all six reproduce",
            case.name
        );
        let signature = RecoverableSignature::sign_prehash(&key, &hash);
        failures.check_eq(
            to_hex(&signature.to_bytes(VByte::Ethereum)),
            to_hex(&case.signature),
            || id("signature"),
        );
        failures.check_eq(signature.recovery_id(), case.recovery_id, || {
            id("recovery id")
        });
        reproduced += 1;
    }
    println!("eip191 personal_sign: {reproduced} signatures reproduced byte for byte");
    failures.assert_none("eip191 personal_sign");
    assert_eq!(reproduced, 6);
}

#[test]
fn eip191_hash_only_4_cases() {
    let file: Eip191File = load(EIP191_FILE);
    let mut failures = Failures::default();
    for case in &file.personal_message_hash_only {
        failures.check_eq(
            to_hex(&eip191_hash(&case.message_hex)),
            to_hex(&case.eip191_hash),
            || case.name.clone(),
        );
    }
    println!(
        "eip191 hash only: {} cases",
        file.personal_message_hash_only.len()
    );
    failures.assert_none("eip191 hash only");
    assert_eq!(file.personal_message_hash_only.len(), 4);
}

/// go-ethereum's raw `ecrecover` vector (v = recovery id 0/1), its TestSign key, the keccak256
/// known answer, and its malleable high-S signature, which must be refused at parse time.
#[test]
fn go_ethereum_ecrecover_sign_keccak_and_high_s_rejection() {
    let file: Eip191File = load(EIP191_FILE);
    let mut failures = Failures::default();
    let (mut ecrecover, mut high_s, mut sign, mut keccak) = (0, 0, 0, 0);
    for case in &file.raw_ecrecover_and_misc {
        match case {
            MiscCase::Ecrecover(case) => {
                case.check(&mut failures);
                ecrecover += 1;
            }
            MiscCase::HighS(case) => {
                case.check(&mut failures);
                high_s += 1;
            }
            MiscCase::Sign(case) => {
                case.check(&mut failures);
                sign += 1;
            }
            MiscCase::Keccak(case) => {
                case.check(&mut failures);
                keccak += 1;
            }
        }
    }
    println!(
        "go-ethereum: {ecrecover} raw ecrecover, {high_s} high-S rejected, {sign} sign, \
         {keccak} keccak256"
    );
    failures.assert_none("go-ethereum");
    assert_eq!((ecrecover, high_s, sign, keccak), (1, 1, 1, 1));
}

#[derive(Deserialize)]
struct AccountsFile {
    cases: Vec<AccountCase>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AccountCase {
    name: String,
    private_key: String,
    /// EIP-55 checksummed.
    address: String,
}

#[test]
fn ethers_accounts_all_259_addresses_eip55_exact() {
    let file: AccountsFile = load("ethereum/ethers_accounts_privkey_to_address.json");
    let mut failures = Failures::default();
    for case in &file.cases {
        let key = SecretKey::from_hex(&case.private_key).expect("valid key");
        failures.check_eq(key.address().to_checksum(), case.address.clone(), || {
            case.name.clone()
        });
        failures.check_eq(
            Address::parse(&case.address).ok(),
            Some(key.address()),
            || format!("{}: parse", case.name),
        );
    }
    println!("ethers accounts: {} addresses", file.cases.len());
    failures.assert_none("ethers accounts");
    assert_eq!(file.cases.len(), 259);
}

#[derive(Deserialize)]
struct TxFile {
    cases: Vec<TxCase>,
}

#[derive(Deserialize)]
struct TxCase {
    name: String,
    private_key: String,
    prehash_keccak256: Hex,
    r: Hex,
    s: Hex,
    recovery_id: u8,
    /// Present on the Legacy rows only.
    address: Option<String>,
    /// Whether RFC 6979 + low-S reproduces ethers' (r, s, recovery id) exactly.
    rfc6979_match: bool,
}

/// Every ethers signature recovers to the signer (and to the file's address where it gives one);
/// where the file says RFC 6979 reproduces it, `sign_prehash` must give the same (r, s, recovery id).
#[test]
fn ethers_tx_all_800_signatures_recover_and_reproduce() {
    let file: TxFile = load("ethereum/ethers_tx_rfc6979_prehash_sign_vectors.json");
    let mut failures = Failures::default();
    let (mut recovered, mut with_address, mut reproduced, mut not_rfc6979) = (0, 0, 0, 0);
    for case in &file.cases {
        let key = SecretKey::from_hex(&case.private_key).expect("valid key");
        let prehash = case.prehash_keccak256.array("prehash");
        let expected = rsv(&case.r, &case.s, case.recovery_id);

        failures.check_eq(
            recover(&expected, &prehash).map(|k| k.address()),
            Ok(key.address()),
            || format!("{}: recover", case.name),
        );
        recovered += 1;
        if let Some(text) = &case.address {
            failures.check_eq(key.address(), address(text), || {
                format!("{}: address", case.name)
            });
            with_address += 1;
        }
        if case.rfc6979_match {
            let signature = RecoverableSignature::sign_prehash(&key, &prehash);
            failures.check_eq(
                to_hex(&signature.to_bytes(VByte::Raw)),
                to_hex(&expected),
                || format!("{}: sign", case.name),
            );
            reproduced += 1;
        } else {
            not_rfc6979 += 1;
        }
    }
    println!(
        "ethers tx: {recovered} recovered ({with_address} against the file's address), \
         {reproduced} reproduced by RFC 6979, {not_rfc6979} not RFC 6979"
    );
    failures.assert_none("ethers tx");
    assert_eq!(file.cases.len(), 800);
    assert_eq!((recovered, with_address), (800, 400));
    assert_eq!((reproduced, not_rfc6979), (800, 0));
}
