//! Object keys. Nearly every key in a feed is a short word, so keys up to [`INLINE_LEN`] bytes are
//! held in place rather than in an allocation of their own: parsing a feed makes one allocation
//! per string value instead of one per key and per value.

use std::fmt;

/// The longest key held in place.
const INLINE_LEN: usize = 22;

/// An object key: the same size as a `String`.
#[derive(Clone)]
pub(crate) enum Key {
    /// `bytes[..len]` is the key.
    Inline { len: u8, bytes: [u8; INLINE_LEN] },
    /// A longer key.
    Heap(Box<str>),
}

impl Key {
    pub(crate) fn new(text: &str) -> Self {
        if text.len() > INLINE_LEN {
            return Self::Heap(text.into());
        }
        let mut bytes = [0; INLINE_LEN];
        bytes[..text.len()].copy_from_slice(text.as_bytes());
        Self::Inline {
            len: text.len() as u8, // ≤ INLINE_LEN
            bytes,
        }
    }

    pub(crate) fn as_str(&self) -> &str {
        match self {
            Self::Inline { len, bytes } => {
                std::str::from_utf8(&bytes[..usize::from(*len)]).expect("the bytes of a whole str")
            }
            Self::Heap(text) => text,
        }
    }

    fn as_bytes(&self) -> &[u8] {
        match self {
            Self::Inline { len, bytes } => &bytes[..usize::from(*len)],
            Self::Heap(text) => text.as_bytes(),
        }
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl PartialEq<str> for Key {
    fn eq(&self, other: &str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_keys_stay_in_place_and_every_key_reads_back() {
        for text in [
            "",
            "a",
            "signed_blocks",
            "é😀",
            &"k".repeat(INLINE_LEN),
            &"k".repeat(INLINE_LEN + 1),
        ] {
            let key = Key::new(text);
            assert_eq!(key.as_str(), text);
            assert!(key == *text);
            assert_eq!(
                matches!(key, Key::Inline { .. }),
                text.len() <= INLINE_LEN,
                "{text:?}"
            );
            assert_eq!(format!("{key:?}"), format!("{text:?}"));
        }
        assert!(Key::new("a") != Key::new("b"));
        assert_eq!(size_of::<Key>(), size_of::<String>());
    }
}
