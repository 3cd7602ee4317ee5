//! The signer bitset of a `BitSetSignature`: the big-endian bytes of an integer whose bit i marks
//! canonical validator i, with no leading zero byte.

use crate::error::{Error, Result};

/// A canonical signer set. Parsing rejects a leading zero byte (padding) so that every set has
/// exactly one encoding; whether every bit names a validator is checked against the validator set.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct SignerBitset {
    bytes: Vec<u8>,
}

impl SignerBitset {
    /// Parses the canonical big-endian encoding (empty = no signer).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        if bytes.first() == Some(&0) {
            return Err(Error::invalid_message(
                "signer bitset has a leading zero byte (padding)",
            ));
        }
        Ok(Self {
            bytes: bytes.to_vec(),
        })
    }

    /// The set of the given canonical indices (duplicates are harmless).
    pub fn from_indices(indices: impl IntoIterator<Item = usize>) -> Self {
        let indices: Vec<usize> = indices.into_iter().collect();
        let Some(&highest) = indices.iter().max() else {
            return Self::default();
        };
        let len = highest / 8 + 1;
        let mut bytes = vec![0u8; len];
        for index in indices {
            bytes[len - 1 - index / 8] |= 1 << (index % 8);
        }
        Self { bytes }
    }

    /// The canonical encoding.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Whether canonical validator `index` signed.
    pub fn contains(&self, index: usize) -> bool {
        let byte = index / 8;
        byte < self.bytes.len() && self.bytes[self.bytes.len() - 1 - byte] & (1 << (index % 8)) != 0
    }

    /// One more than the highest index in the set (0 when empty): the set fits a validator set of
    /// at least this size.
    pub fn bit_len(&self) -> usize {
        match self.bytes.first() {
            None => 0,
            Some(&top) => (self.bytes.len() - 1) * 8 + (8 - top.leading_zeros() as usize),
        }
    }

    /// The indices in ascending order.
    pub fn indices(&self) -> impl Iterator<Item = usize> + '_ {
        self.bytes
            .iter()
            .rev()
            .enumerate()
            .flat_map(|(byte, &bits)| {
                (0..8)
                    .filter(move |bit| bits & (1 << bit) != 0)
                    .map(move |bit| byte * 8 + bit)
            })
    }

    /// How many validators are in the set.
    pub fn count(&self) -> usize {
        self.bytes.iter().map(|b| b.count_ones() as usize).sum()
    }

    /// Whether no validator is in the set.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
}
