//! Fixtures shared by the fuzz targets: fixed keys, a host endpoint whose rate limits never get in
//! the fuzzer's way, real client inits with fuzzer-chosen secrets, and the checks every target
//! applies to the frames a host sends.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use confide_core::ErrorCode;
use confide_core::crypto::{PublicKey, RecoverableSignature, SecretKey, Signer, SymmetricKey};
use confide_core::e2ee::{HostFrame, InitParams, InitSecrets, WireId};
use confide_core::host::{Endpoint, HostConfig, HostLimits, Output};
use rand::SeedableRng;
use rand::rngs::StdRng;

/// The clock every target starts at (Unix milliseconds).
pub const NOW_MS: u64 = 1_732_200_000_000;

/// The host's key byte: `key(HOST_KEY)` is the host key.
pub const HOST_KEY: u8 = 0x11;

/// A secp256k1 key whose 32 bytes all equal `byte` (valid for every byte but 0x00 and 0xFF).
pub fn key(byte: u8) -> SecretKey {
    SecretKey::from_bytes(&[byte; 32]).expect("a valid secp256k1 key")
}

/// A distinct valid secp256k1 key for every `seed` (24 bytes of 0x01, then the seed: always
/// below the group order and never zero).
pub fn seeded_key(seed: u64) -> SecretKey {
    let mut bytes = [0x01; 32];
    bytes[24..].copy_from_slice(&seed.to_be_bytes());
    SecretKey::from_bytes(&bytes).expect("a valid secp256k1 key")
}

/// A deterministic RNG (the host engine takes one for nonces and receipt signatures).
pub fn rng() -> StdRng {
    StdRng::seed_from_u64(0x5eed)
}

/// Host limits that no fuzz input reaches by accident (frame and init rates, messages per key),
/// so a refusal the fuzzer sees comes from the frame itself. Sessions per connection stay small
/// so `TOO_MANY_SESSIONS` is reachable.
pub fn fuzz_config() -> HostConfig {
    HostConfig {
        limits: HostLimits {
            frames_per_second: 1_000_000,
            inits_per_second: 1_000_000,
            max_sessions_per_connection: 4,
            ..HostLimits::default()
        },
        ..HostConfig::default()
    }
}

/// An endpoint with the host key and [`fuzz_config`].
pub fn endpoint() -> Arc<Endpoint> {
    Arc::new(Endpoint::new(Some(key(HOST_KEY)), fuzz_config(), NOW_MS).expect("valid config"))
}

/// Init parameters for `session_id`, with a fresh `timestamp` when `timestamped`.
pub fn init_params(session_id: &str, timestamped: bool, now_ms: u64) -> InitParams {
    InitParams {
        session_id: WireId::from(session_id),
        job_id: WireId::from(7u64),
        chain_id: 84532,
        model_name: "m".into(),
        price_per_token: 1,
        id: None,
        timestamp: timestamped.then_some(now_ms / 1000),
    }
}

/// Init secrets: ephemeral key and nonce distinct per `seed`, the given session key.
pub fn init_secrets(seed: u64, session_key: [u8; 32]) -> InitSecrets {
    let mut nonce = [0x44; 24];
    nonce[16..].copy_from_slice(&seed.to_be_bytes());
    InitSecrets {
        ephemeral: seeded_key(seed),
        session_key: SymmetricKey::from_bytes(session_key),
        nonce,
        salt: None,
    }
}

/// The text frames among `outputs`, in order.
pub fn frames(outputs: &[Output]) -> impl Iterator<Item = &str> {
    outputs.iter().filter_map(|output| match output {
        Output::Frame(frame) => Some(frame.as_str()),
        _ => None,
    })
}

/// Checks what every frame a host sends must satisfy: it parses as a host frame, and an `error`
/// frame carries a stable code (one of [`ErrorCode::ALL`]), repeated in `error_code`. Returns the
/// error code, if it is an error frame.
pub fn check_host_frame(frame: &str) -> Option<ErrorCode> {
    let parsed = HostFrame::parse(frame).expect("the host sends frames its clients can parse");
    let HostFrame::Error(error) = parsed else {
        return None;
    };
    let code = ErrorCode::parse(&error.code).expect("an error frame carries a stable code");
    assert_eq!(error.error_code, error.code, "error_code repeats code");
    Some(code)
}

/// A wallet that signs with `key(byte)` and remembers its signatures: the fuzzer repeats the same
/// inits across runs, and signing (slow under the sanitizer) would otherwise dominate a run.
pub struct MemoWallet(pub u8);

/// Signatures remembered before the memo starts over (bounds a long run's memory).
const MEMO_CAPACITY: usize = 4096;

thread_local! {
    static SIGNATURES: RefCell<HashMap<(u8, [u8; 32]), RecoverableSignature>> =
        RefCell::new(HashMap::new());
}

impl Signer for MemoWallet {
    fn sign_prehash(&self, digest: &[u8; 32]) -> confide_core::Result<RecoverableSignature> {
        SIGNATURES.with(|memo| {
            let mut memo = memo.borrow_mut();
            if let Some(signature) = memo.get(&(self.0, *digest)) {
                return Ok(*signature);
            }
            let signature = key(self.0).sign_prehash(digest)?;
            if memo.len() >= MEMO_CAPACITY {
                memo.clear();
            }
            memo.insert((self.0, *digest), signature);
            Ok(signature)
        })
    }

    fn public_key(&self) -> Option<PublicKey> {
        Some(*key(self.0).public_key())
    }
}
