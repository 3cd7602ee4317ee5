//! A bounded least-recently-used map from message ID to signature.

use std::collections::{BTreeMap, HashMap};

use crate::warp::bls::Signature;

/// At most `capacity` signatures; a hit refreshes the entry, an insert over capacity evicts the
/// least recently used. Every operation is O(log n).
#[derive(Debug)]
pub(crate) struct SignatureCache {
    capacity: usize,
    clock: u64,
    entries: HashMap<[u8; 32], (Signature, u64)>,
    by_age: BTreeMap<u64, [u8; 32]>,
}

impl SignatureCache {
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            clock: 0,
            entries: HashMap::new(),
            by_age: BTreeMap::new(),
        }
    }

    fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }

    pub fn get(&mut self, id: &[u8; 32]) -> Option<Signature> {
        let stamp = self.tick();
        let (signature, old) = self.entries.get_mut(id)?;
        self.by_age.remove(old);
        *old = stamp;
        self.by_age.insert(stamp, *id);
        Some(*signature)
    }

    pub fn insert(&mut self, id: [u8; 32], signature: Signature) {
        if self.capacity == 0 {
            return;
        }
        let stamp = self.tick();
        if let Some((_, old)) = self.entries.insert(id, (signature, stamp)) {
            self.by_age.remove(&old);
        }
        self.by_age.insert(stamp, id);
        while self.entries.len() > self.capacity {
            let Some((_, oldest)) = self.by_age.pop_first() else {
                break;
            };
            self.entries.remove(&oldest);
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }
}
