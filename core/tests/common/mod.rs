//! Shared helpers for the known-answer vector suites: loading the vendored JSON files (all under
//! `core/tests/vectors/`, see `SOURCES.md` there), hex fields, the Wycheproof file layout, and a
//! collector that reports every mismatching case at once instead of stopping at the first.

// Each test binary compiles this module separately and uses only part of it.
#![allow(dead_code)]

use std::fmt;

use confide_core::ErrorCode;
use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer};

/// Folder of the vendored vector files; tests never read anything outside the repository.
const VECTORS_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors");

/// Parses `tests/vectors/<relative>` into `T`.
pub fn load<T: DeserializeOwned>(relative: &str) -> T {
    let path = format!("{VECTORS_DIR}/{relative}");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {path}: {e}"))
}

/// Lowercase hex, for readable failure messages.
pub fn to_hex(bytes: &[u8]) -> String {
    confide_core::hex::encode(bytes)
}

/// A hex string field (optionally `0x`-prefixed), decoded with the library's own decoder.
#[derive(Clone, PartialEq, Eq)]
pub struct Hex(pub Vec<u8>);

impl Hex {
    /// The bytes as a fixed-size array; panics (naming `what`) on a wrong length.
    pub fn array<const N: usize>(&self, what: &str) -> [u8; N] {
        self.0
            .as_slice()
            .try_into()
            .unwrap_or_else(|_| panic!("{what}: expected {N} bytes, got {}", self.0.len()))
    }
}

impl std::ops::Deref for Hex {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Hex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&to_hex(&self.0))
    }
}

impl<'de> Deserialize<'de> for Hex {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        confide_core::hex::decode("vector", &text)
            .map(Hex)
            .map_err(D::Error::custom)
    }
}

/// The top level of a Wycheproof `testvectors_v1` file; `G` is the family's group type.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Wycheproof<G> {
    pub algorithm: String,
    pub number_of_tests: usize,
    pub test_groups: Vec<G>,
}

/// A Wycheproof verdict.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Valid,
    /// Implementations may accept or reject; each suite documents what it requires.
    Acceptable,
    Invalid,
}

/// Collects failures so that one run lists every mismatching case.
#[derive(Default)]
pub struct Failures(Vec<String>);

impl Failures {
    /// Records `describe()` unless `ok`.
    pub fn check(&mut self, ok: bool, describe: impl FnOnce() -> String) {
        if !ok {
            self.0.push(describe());
        }
    }

    /// Records `describe()` unless `actual == expected`, adding both values to the message.
    pub fn check_eq<T: PartialEq + fmt::Debug>(
        &mut self,
        actual: T,
        expected: T,
        describe: impl FnOnce() -> String,
    ) {
        if actual != expected {
            self.0.push(format!(
                "{}: got {actual:?}, expected {expected:?}",
                describe()
            ));
        }
    }

    /// Records a failure unless `result` is an error with `code`.
    pub fn check_err<T: fmt::Debug>(
        &mut self,
        result: confide_core::Result<T>,
        code: ErrorCode,
        describe: impl FnOnce() -> String,
    ) {
        match result {
            Err(e) if e.code() == code => {}
            other => self
                .0
                .push(format!("{}: expected {code}, got {other:?}", describe())),
        }
    }

    /// Panics listing every recorded failure of `suite`.
    pub fn assert_none(self, suite: &str) {
        assert!(
            self.0.is_empty(),
            "{suite}: {} failing case(s):\n{}",
            self.0.len(),
            self.0.join("\n")
        );
    }
}
