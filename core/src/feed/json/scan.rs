//! Finding the end of a plain run of string content eight bytes at a time: the parser stops at
//! `"`, `\` and control characters, the writer at those and, with ASCII escaping, at DEL and every
//! byte of a non-ASCII character. Most strings in a feed have no such byte until their closing
//! quote, so this scan is most of the time spent on them.
//!
//! Each test below sets the high bit of every byte of a little-endian word that matches. A
//! subtraction's borrow can also set it in a byte above a match, never below one, so the lowest
//! bit set is always the first matching byte, which is all the scan needs.

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// The bytes of `word` equal to `byte`.
const fn equal_to(word: u64, byte: u8) -> u64 {
    let difference = word ^ (ONES * byte as u64);
    difference.wrapping_sub(ONES) & !difference & HIGH_BITS
}

/// The bytes of `word` below `bound` (≤ 0x80).
const fn below(word: u64, bound: u8) -> u64 {
    word.wrapping_sub(ONES * bound as u64) & !word & HIGH_BITS
}

/// Whether `byte` ends a plain run.
const fn is_stop(byte: u8, escape_non_ascii: bool) -> bool {
    byte < 0x20 || byte == b'"' || byte == b'\\' || (escape_non_ascii && byte >= 0x7f)
}

/// The offset of the first byte of `bytes` that ends a plain run: `"`, `\`, a control character
/// and, when `escape_non_ascii`, DEL or any byte ≥ 0x80. `None` when there is none.
pub(super) fn first_stop(bytes: &[u8], escape_non_ascii: bool) -> Option<usize> {
    let mut words = bytes.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut words {
        let word = u64::from_le_bytes(chunk.try_into().expect("chunks of eight"));
        let mut stops = equal_to(word, b'"') | equal_to(word, b'\\') | below(word, 0x20);
        if escape_non_ascii {
            stops |= (word & HIGH_BITS) | equal_to(word, 0x7f);
        }
        if stops != 0 {
            return Some(offset + stops.trailing_zeros() as usize / 8);
        }
        offset += 8;
    }
    words
        .remainder()
        .iter()
        .position(|&byte| is_stop(byte, escape_non_ascii))
        .map(|position| offset + position)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn byte_by_byte(bytes: &[u8], escape_non_ascii: bool) -> Option<usize> {
        bytes.iter().position(|&b| is_stop(b, escape_non_ascii))
    }

    #[test]
    fn finds_the_same_byte_as_a_byte_by_byte_scan() {
        // Every byte value at every position of a 17-byte run, before and after other stops, in
        // both modes: borrows from a match must never hide it or report an earlier byte.
        for escape_non_ascii in [false, true] {
            for special in 0..=255u8 {
                for position in 0..17 {
                    for filler in [b'a', 0x1f, 0x21, b'"' + 1, 0x7e, 0x80, 0xff] {
                        for next in [None, Some(b'"'), Some(0x00), Some(0x7f)] {
                            let mut bytes = vec![filler; 17];
                            bytes[position] = special;
                            if let (Some(next), Some(slot)) = (next, bytes.get_mut(position + 1)) {
                                *slot = next;
                            }
                            assert_eq!(
                                first_stop(&bytes, escape_non_ascii),
                                byte_by_byte(&bytes, escape_non_ascii),
                                "{bytes:02x?} escape_non_ascii={escape_non_ascii}"
                            );
                        }
                    }
                }
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn agrees_with_a_byte_by_byte_scan_on_any_bytes(
            // Mostly plain bytes, so that stops come late in the run as they do in real strings.
            bytes in proptest::collection::vec(
                proptest::prop_oneof![
                    8 => proptest::prelude::Just(b'a'),
                    1 => proptest::prelude::any::<u8>(),
                ],
                0..64,
            ),
            escape_non_ascii: bool,
        ) {
            proptest::prop_assert_eq!(
                first_stop(&bytes, escape_non_ascii),
                byte_by_byte(&bytes, escape_non_ascii)
            );
        }
    }
}
