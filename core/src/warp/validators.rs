//! The canonical validator set: validators with a BLS key, those sharing a key merged, sorted by
//! uncompressed public key; keys validated once, when the set is built.

use std::collections::HashMap;

use serde::Deserialize;

use super::bls::PublicKey;
use crate::error::{Error, ErrorCode, Result};

/// One validator as listed (a validators file entry).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidatorEntry {
    /// Any identifier (Avalanche's `NodeID-…` is typical).
    pub node_id: String,
    /// Where to ask it for signatures (a node's base URL, or whatever the transport uses).
    pub endpoint: Option<String>,
    /// Its BLS key; a validator without one cannot sign but counts in the total weight.
    pub public_key: Option<PublicKey>,
    /// Its stake weight.
    pub weight: u64,
}

/// A node behind a canonical validator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    /// The node's identifier.
    pub node_id: String,
    /// Where to reach it.
    pub endpoint: Option<String>,
}

/// One entry of the canonical set: a key, the summed weight of every validator that has it, and
/// those validators.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CanonicalValidator {
    public_key: PublicKey,
    weight: u64,
    members: Vec<Member>,
}

impl CanonicalValidator {
    /// The (validated) key.
    pub fn public_key(&self) -> &PublicKey {
        &self.public_key
    }

    /// The weight of every validator with this key.
    pub fn weight(&self) -> u64 {
        self.weight
    }

    /// The validators with this key, in the order they were listed.
    pub fn members(&self) -> &[Member] {
        &self.members
    }

    /// The node ids of the members.
    pub fn node_ids(&self) -> impl Iterator<Item = &str> {
        self.members.iter().map(|m| m.node_id.as_str())
    }
}

/// The canonical validator set a signer bitset indexes into.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidatorSet {
    validators: Vec<CanonicalValidator>,
    unkeyed: Vec<Member>,
    total_weight: u64,
}

impl ValidatorSet {
    /// Builds the canonical set. The total weight counts every entry, keyed or not; any sum that
    /// overflows u64, or a total of zero, is an error.
    pub fn new(entries: impl IntoIterator<Item = ValidatorEntry>) -> Result<Self> {
        let mut total_weight: u64 = 0;
        let mut by_key: HashMap<[u8; 48], usize> = HashMap::new();
        let mut validators: Vec<CanonicalValidator> = Vec::new();
        let mut unkeyed = Vec::new();
        for entry in entries {
            total_weight = total_weight.checked_add(entry.weight).ok_or_else(|| {
                invalid_set(format_args!(
                    "total weight overflows u64 at {:?}",
                    entry.node_id
                ))
            })?;
            let member = Member {
                node_id: entry.node_id,
                endpoint: entry.endpoint,
            };
            let Some(key) = entry.public_key else {
                unkeyed.push(member);
                continue;
            };
            match by_key.get(&key.to_bytes()) {
                Some(&index) => {
                    let merged = &mut validators[index];
                    // Cannot overflow when the total did not, but stays checked.
                    merged.weight = merged
                        .weight
                        .checked_add(entry.weight)
                        .ok_or_else(|| invalid_set("merged weight overflows u64"))?;
                    merged.members.push(member);
                }
                None => {
                    by_key.insert(key.to_bytes(), validators.len());
                    validators.push(CanonicalValidator {
                        public_key: key,
                        weight: entry.weight,
                        members: vec![member],
                    });
                }
            }
        }
        if total_weight == 0 {
            return Err(invalid_set("the total weight is zero"));
        }
        validators.sort_by_cached_key(|v| v.public_key.to_uncompressed());
        Ok(Self {
            validators,
            unkeyed,
            total_weight,
        })
    }

    /// Parses a validators file, `[{"node_id","url","bls_public_key","weight"}]` (WARP.md): a key
    /// is hex with or without `0x`, or `null`/absent; the weight a JSON integer (u64). A malformed
    /// or invalid entry refuses the whole file with an error naming it.
    pub fn from_json(text: &str) -> Result<Self> {
        #[derive(Deserialize)]
        struct Entry {
            node_id: String,
            #[serde(default)]
            url: Option<String>,
            #[serde(default)]
            bls_public_key: Option<String>,
            weight: u64,
        }
        let entries: Vec<serde_json::Value> = serde_json::from_str(text)
            .map_err(|e| invalid_set(format_args!("validators file is not a JSON array: {e}")))?;
        let mut parsed = Vec::with_capacity(entries.len());
        for (i, value) in entries.into_iter().enumerate() {
            let entry: Entry = serde_json::from_value(value)
                .map_err(|e| invalid_set(format_args!("validators[{i}]: {e}")))?;
            let public_key = match &entry.bls_public_key {
                None => None,
                Some(text) => Some(PublicKey::from_hex(text).map_err(|e| {
                    invalid_set(format_args!(
                        "validators[{i}] ({}): {}",
                        entry.node_id,
                        e.message()
                    ))
                })?),
            };
            parsed.push(ValidatorEntry {
                node_id: entry.node_id,
                endpoint: entry.url,
                public_key,
                weight: entry.weight,
            });
        }
        Self::new(parsed)
    }

    /// The canonical validators, in canonical order (bit i of a signer set is `validators()[i]`).
    pub fn validators(&self) -> &[CanonicalValidator] {
        &self.validators
    }

    /// The number of canonical validators.
    pub fn len(&self) -> usize {
        self.validators.len()
    }

    /// Whether no validator has a key.
    pub fn is_empty(&self) -> bool {
        self.validators.is_empty()
    }

    /// The weight of every validator, keyed or not.
    pub fn total_weight(&self) -> u64 {
        self.total_weight
    }

    /// Validators without a BLS key (they count in the total weight, never sign).
    pub fn unkeyed(&self) -> &[Member] {
        &self.unkeyed
    }

    /// The node ids of the validators at canonical `indices` (every member of a shared key, in
    /// listed order): who signed, as a person reads it. An index beyond the set is skipped.
    pub fn node_ids_of(&self, indices: &[usize]) -> Vec<String> {
        indices
            .iter()
            .filter_map(|&i| self.validators.get(i))
            .flat_map(|v| v.node_ids().map(str::to_owned))
            .collect()
    }

    /// The canonical index of `key`.
    pub fn index_of(&self, key: &PublicKey) -> Option<usize> {
        let target = key.to_uncompressed();
        self.validators
            .binary_search_by(|v| v.public_key.to_uncompressed().cmp(&target))
            .ok()
    }
}

fn invalid_set(reason: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorCode::InvalidValidatorSet,
        format!("invalid validator set: {reason}"),
    )
}
