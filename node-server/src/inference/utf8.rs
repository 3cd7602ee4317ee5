//! Incremental UTF-8 decoding of token bytes.
//!
//! A token can end in the middle of a multi-byte character (byte-fallback vocabularies emit one byte per
//! token), so bytes are buffered until the character is complete. Every returned string is valid UTF-8, and
//! the concatenation of everything returned equals `String::from_utf8_lossy` of all the bytes at once:
//! invalid sequences become U+FFFD exactly as there.

use std::char::REPLACEMENT_CHARACTER;

/// Buffers at most one incomplete character (3 bytes) between calls.
#[derive(Debug, Default)]
pub(crate) struct Utf8Buffer {
    pending: Vec<u8>,
}

impl Utf8Buffer {
    /// Appends `bytes` and returns all text that is now complete (possibly empty).
    pub(crate) fn push(&mut self, bytes: &[u8]) -> String {
        self.pending.extend_from_slice(bytes);
        let mut text = String::new();
        let mut keep = 0;
        let mut chunks = self.pending.utf8_chunks().peekable();
        while let Some(chunk) = chunks.next() {
            text.push_str(chunk.valid());
            let invalid = chunk.invalid();
            if invalid.is_empty() {
                continue;
            }
            if chunks.peek().is_none() && is_incomplete(invalid) {
                keep = invalid.len();
            } else {
                text.push(REPLACEMENT_CHARACTER);
            }
        }
        self.pending.drain(..self.pending.len() - keep);
        text
    }

    /// True while bytes of an incomplete character are held back.
    pub(crate) fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Returns what is left at the end of the stream: an incomplete character becomes U+FFFD.
    pub(crate) fn finish(&mut self) -> String {
        let text = String::from_utf8_lossy(&self.pending).into_owned();
        self.pending.clear();
        text
    }
}

/// True when `bytes` is the start of a valid character that more bytes could complete.
fn is_incomplete(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes).is_err_and(|e| e.error_len().is_none())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn decode_in_pieces(pieces: &[&[u8]]) -> Vec<String> {
        let mut buffer = Utf8Buffer::default();
        let mut out: Vec<String> = pieces.iter().map(|p| buffer.push(p)).collect();
        out.push(buffer.finish());
        out
    }

    #[test]
    fn a_character_split_across_tokens_is_held_back_until_complete() {
        let euro = "€".as_bytes(); // E2 82 AC
        assert_eq!(
            decode_in_pieces(&[b"a", &euro[..1], &euro[1..2], &euro[2..], b"b"]),
            ["a", "", "", "€", "b", ""]
        );
        let emoji = "😀".as_bytes(); // 4 bytes
        assert_eq!(
            decode_in_pieces(&[&emoji[..3], &[emoji[3], b'!']]),
            ["", "😀!", ""]
        );
    }

    #[test]
    fn invalid_bytes_become_replacement_characters_immediately() {
        assert_eq!(decode_in_pieces(&[b"\xFFa"]), ["\u{FFFD}a", ""]);
        // An incomplete sequence followed by a byte that cannot continue it.
        assert_eq!(
            decode_in_pieces(&[b"\xE2\x82", b"A"]),
            ["", "\u{FFFD}A", ""]
        );
    }

    #[test]
    fn an_incomplete_character_at_the_end_is_flushed_as_a_replacement() {
        assert_eq!(decode_in_pieces(&[b"ok\xF0\x9F"]), ["ok", "\u{FFFD}"]);
    }

    proptest! {
        #[test]
        fn any_split_matches_lossy_decoding_of_the_whole(
            bytes in proptest::collection::vec(any::<u8>(), 0..64),
            cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..8),
        ) {
            let mut cuts: Vec<usize> = cuts.iter().map(|c| c.index(bytes.len() + 1)).collect();
            cuts.sort_unstable();
            let mut pieces = Vec::new();
            let mut start = 0;
            for cut in cuts.into_iter().chain([bytes.len()]) {
                pieces.push(&bytes[start..cut]);
                start = cut;
            }
            let joined: String = decode_in_pieces(&pieces).concat();
            prop_assert_eq!(joined, String::from_utf8_lossy(&bytes));
        }

        #[test]
        fn valid_text_in_any_split_never_emits_a_replacement(
            text in "\\PC{0,24}",
            cut in any::<prop::sample::Index>(),
        ) {
            let bytes = text.as_bytes();
            let cut = cut.index(bytes.len() + 1);
            let joined: String = decode_in_pieces(&[&bytes[..cut], &bytes[cut..]]).concat();
            prop_assert_eq!(joined, text);
        }
    }
}
