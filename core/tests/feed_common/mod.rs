//! Shared pieces of the LLMFeed tests: the vendored real feeds and their publisher's key, fixed
//! author and certifier keys, and small builders.

#![allow(dead_code)] // each test binary uses a different subset

use std::path::{Path, PathBuf};

use confide_core::crypto::{Ed25519PublicKey, Ed25519SecretKey};
use confide_core::feed::{Feed, StaticKeys, VerifyOptions, parse_public_key};

/// The folder of the real feeds (see `vectors/llmfeed/SOURCE.md`).
pub const REAL_DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/vectors/llmfeed/llmfeed-spec"
);

/// A time after every real feed was signed: 2026-01-01T00:00:00Z.
pub const NOW: i64 = 1_767_225_600;

/// The publisher's key of the real feeds.
pub fn publisher_key() -> Ed25519PublicKey {
    let pem = std::fs::read_to_string(format!("{REAL_DIR}/.well-known/public.pem")).unwrap();
    parse_public_key(&pem).unwrap()
}

/// Every `*.llmfeed.json` under the real-feed folder, sorted, with its path relative to it.
pub fn real_feeds() -> Vec<(String, Vec<u8>)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.to_string_lossy().ends_with(".llmfeed.json") {
                out.push(path);
            }
        }
    }
    let mut paths = Vec::new();
    walk(Path::new(REAL_DIR), &mut paths);
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let name = path
                .strip_prefix(REAL_DIR)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect()
}

/// The test author's key.
pub fn author() -> Ed25519SecretKey {
    Ed25519SecretKey::from_seed(&[0xa1; 32]).unwrap()
}

/// The test certifier's key.
pub fn certifier() -> Ed25519SecretKey {
    Ed25519SecretKey::from_seed(&[0xc2; 32]).unwrap()
}

/// The test certifier's identity.
pub const CERTIFIER: &str = "https://certifier.example";

/// Keys for the test author and certifier.
pub fn keys() -> StaticKeys {
    StaticKeys::new()
        .with_signer(author().public_key())
        .with_certifier(CERTIFIER, certifier().public_key())
}

/// Options at `now` trusting the test certifier.
pub fn options(now: i64, trusted: &[String]) -> VerifyOptions<'_> {
    VerifyOptions {
        now,
        trusted_certifiers: trusted,
        policy: None,
    }
}

/// Parses JSON text into a feed.
pub fn feed(text: &str) -> Feed<'_> {
    Feed::parse(text.as_bytes()).unwrap()
}

/// A small unsigned feed with non-ASCII text, a float and an unsigned-to-be block.
pub const SAMPLE: &str = r#"{
  "feed_type": "mcp",
  "metadata": {"title": "Café ☕ 😀", "origin": "https://example.org", "version": 1.0, "n": 12345678901234567890},
  "prompts": [{"keywords": ["a\"b", "c\\d", "e/f"], "text": "line\nnext\ttab"}],
  "trust": {"scope": "partial"},
  "_meta": {"generated": "later"}
}"#;
