//! The host keys a client opens sessions with, remembered across sessions: each parsed once and,
//! from its second session on, used through its table of multiples ([`PrecomputedPublicKey`]),
//! which makes the init's ECDH about twice as fast in wasm. One session alone does not pay for
//! building the table (~10–20 ECDHs' worth), so the first session to a host uses the key as it is.

use crate::crypto::{PrecomputedPublicKey, PublicKey};
use crate::error::Result;

use super::super::SignatureScheme;
use super::ClientSession;

/// One remembered host.
#[derive(Debug)]
struct Known {
    /// The SEC1 bytes the key was given as.
    encoded: Vec<u8>,
    key: PublicKey,
    /// Built on the second session with this host.
    table: Option<PrecomputedPublicKey>,
}

/// The last `capacity` host keys sessions were opened with, most recent first (a table is ~70 KB).
#[derive(Debug)]
pub struct HostKeys {
    known: Vec<Known>,
    capacity: usize,
}

impl HostKeys {
    /// Remembers up to `capacity` hosts (at least one).
    pub fn new(capacity: usize) -> Self {
        Self {
            known: Vec::new(),
            capacity: capacity.max(1),
        }
    }

    /// A session with the host whose SEC1 public key is `encoded` (33 or 65 bytes; `INVALID_KEY`
    /// otherwise), as [`ClientSession::new`] would make it, with the key's table from the second
    /// session with that host on.
    pub fn session(&mut self, encoded: &[u8], scheme: SignatureScheme) -> Result<ClientSession> {
        let known = match self.known.iter().position(|k| k.encoded == encoded) {
            Some(at) => {
                let mut known = self.known.remove(at);
                known
                    .table
                    .get_or_insert_with(|| PrecomputedPublicKey::new(known.key));
                known
            }
            None => Known {
                encoded: encoded.to_vec(),
                key: PublicKey::from_sec1_bytes(encoded)?,
                table: None,
            },
        };
        let session = match &known.table {
            Some(table) => ClientSession::with_precomputed_host(table.clone(), scheme),
            None => ClientSession::new(known.key, scheme),
        };
        self.known.insert(0, known);
        self.known.truncate(self.capacity);
        Ok(session)
    }

    /// How many hosts are remembered.
    pub fn len(&self) -> usize {
        self.known.len()
    }

    /// Whether no host is remembered yet.
    pub fn is_empty(&self) -> bool {
        self.known.is_empty()
    }

    /// Whether the host with SEC1 key `encoded` is remembered with its table built.
    pub fn has_table(&self, encoded: &[u8]) -> bool {
        self.known
            .iter()
            .any(|k| k.encoded == encoded && k.table.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::SecretKey;
    use crate::error::ErrorCode;

    fn host(byte: u8) -> Vec<u8> {
        let key = SecretKey::from_bytes(&[byte; 32]).unwrap();
        key.public_key().to_compressed().to_vec()
    }

    #[test]
    fn the_table_is_built_on_the_second_session_with_a_host() {
        let mut keys = HostKeys::new(4);
        let session = keys.session(&host(1), SignatureScheme::Eip191).unwrap();
        assert!(!keys.has_table(&host(1)));
        assert_eq!(
            session.host_address(),
            SecretKey::from_bytes(&[1; 32]).unwrap().address()
        );
        let session = keys
            .session(&host(1), SignatureScheme::SdkTranscript)
            .unwrap();
        assert!(keys.has_table(&host(1)));
        assert_eq!(session.scheme(), SignatureScheme::SdkTranscript);
        assert_eq!(keys.len(), 1);
    }

    #[test]
    fn the_least_recently_used_host_is_forgotten_first() {
        let mut keys = HostKeys::new(2);
        for byte in [1, 1, 2, 1, 3] {
            keys.session(&host(byte), SignatureScheme::Eip191).unwrap();
        }
        // 2 was used before 1's last session, so 3 took its place.
        assert_eq!(keys.len(), 2);
        assert!(keys.has_table(&host(1)));
        keys.session(&host(2), SignatureScheme::Eip191).unwrap();
        assert!(
            !keys.has_table(&host(2)),
            "2 was forgotten, so this is its first session again"
        );
    }

    #[test]
    fn a_bad_key_is_invalid_key_and_not_remembered() {
        let mut keys = HostKeys::new(0);
        for bad in [&[5u8; 33][..], &[1, 2, 3]] {
            let error = keys.session(bad, SignatureScheme::Eip191).unwrap_err();
            assert_eq!(error.code(), ErrorCode::InvalidKey);
        }
        assert!(keys.is_empty());
    }
}
