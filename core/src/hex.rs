//! Hex as the wire uses it: input may carry a `0x`/`0X` prefix and either case; output is lowercase
//! without a prefix. Errors name the field, never its content.

use zeroize::Zeroize;

use crate::error::{Error, ErrorCode, Result};

const DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Decodes `text` (optionally `0x`-prefixed) into bytes. `field` names the field in the error message.
pub fn decode(field: &str, text: &str) -> Result<Vec<u8>> {
    let digits = strip_prefix(text).as_bytes();
    if !digits.len().is_multiple_of(2) {
        return Err(invalid(field, "odd number of hex digits"));
    }
    let mut out = vec![0u8; digits.len() / 2];
    let mut bad = 0u8;
    for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
        let (high, low) = (NIBBLES[usize::from(pair[0])], NIBBLES[usize::from(pair[1])]);
        bad |= high | low;
        *byte = high << 4 | low;
    }
    if bad & INVALID != 0 {
        // The input may be a secret: leave none of it behind in freed memory.
        out.zeroize();
        return Err(invalid(field, "character outside [0-9a-fA-F]"));
    }
    Ok(out)
}

/// Decodes `text` into exactly `N` bytes; a wrong length is reported with `wrong_length`'s code.
pub fn decode_array<const N: usize>(
    field: &str,
    text: &str,
    wrong_length: ErrorCode,
) -> Result<[u8; N]> {
    let bytes = decode(field, text)?;
    bytes.as_slice().try_into().map_err(|_| {
        Error::new(
            wrong_length,
            format!("{field}: expected {N} bytes, got {}", bytes.len()),
        )
    })
}

/// Encodes bytes as lowercase hex without a prefix.
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    encode_into(bytes, &mut out);
    out
}

/// Appends lowercase hex of `bytes` to `out` (no allocation when `out` has room).
pub fn encode_into(bytes: &[u8], out: &mut String) {
    // The digits go through a stack block appended as one `&str`: pushing them one `char` at a
    // time cost about four times as many instructions (each push re-encodes a char as UTF-8).
    const BLOCK: usize = 64;
    out.reserve(bytes.len() * 2);
    let mut digits = [0u8; 2 * BLOCK];
    for block in bytes.chunks(BLOCK) {
        for (pair, &byte) in digits.chunks_exact_mut(2).zip(block) {
            pair[0] = DIGITS[usize::from(byte >> 4)];
            pair[1] = DIGITS[usize::from(byte & 0x0f)];
        }
        let written = &digits[..2 * block.len()];
        out.push_str(std::str::from_utf8(written).expect("hex digits are ASCII"));
    }
    // The input may be a secret (a key being exported): leave no copy of it on the stack.
    digits.zeroize();
}

/// Encodes bytes as `0x`-prefixed lowercase hex.
pub fn encode_prefixed(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(2 + bytes.len() * 2);
    out.push_str("0x");
    encode_into(bytes, &mut out);
    out
}

fn strip_prefix(text: &str) -> &str {
    text.strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .unwrap_or(text)
}

/// Marks a byte that is not a hex digit in [`NIBBLES`].
const INVALID: u8 = 0x80;

/// Value of each ASCII hex digit; [`INVALID`] for every other byte. One table lookup per digit keeps
/// decoding branch-free, which matters for large streamed chunks.
const NIBBLES: [u8; 256] = {
    let mut table = [INVALID; 256];
    let mut i = 0;
    while i < 10 {
        table[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        table[b'a' as usize + i] = 10 + i as u8;
        table[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    table
};

fn invalid(field: &str, reason: &str) -> Error {
    Error::new(
        ErrorCode::InvalidHexEncoding,
        format!("{field}: invalid hex ({reason})"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_prefixes_and_cases() {
        assert_eq!(decode("f", "0xAbCd").unwrap(), vec![0xab, 0xcd]);
        assert_eq!(decode("f", "0XABcd").unwrap(), vec![0xab, 0xcd]);
        assert_eq!(decode("f", "").unwrap(), Vec::<u8>::new());
        assert_eq!(decode("f", "0x").unwrap(), Vec::<u8>::new());
        assert_eq!(encode(&[0xab, 0x01]), "ab01");
        assert_eq!(encode_prefixed(&[0xff]), "0xff");
    }

    #[test]
    fn encoding_matches_the_formatter_across_block_boundaries() {
        for len in [0, 1, 63, 64, 65, 128, 129, 1000] {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            let expected: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(encode(&bytes), expected, "{len} bytes");
            assert_eq!(decode("f", &expected).unwrap(), bytes);
            let mut appended = String::from("0x");
            encode_into(&bytes, &mut appended);
            assert_eq!(appended, format!("0x{expected}"));
        }
    }

    #[test]
    fn rejects_odd_length_and_bad_characters_naming_the_field() {
        for bad in ["abc", "0xg0", "zz", "0x0x00", " 00", "00 "] {
            let err = decode("nonceHex", bad).unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidHexEncoding);
            assert!(err.message().starts_with("nonceHex"), "{err}");
        }
    }

    #[test]
    fn fixed_length_reports_the_given_code() {
        let err = decode_array::<24>("nonceHex", "00", ErrorCode::InvalidNonceSize).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidNonceSize);
        assert!(err.message().contains("expected 24 bytes, got 1"));
    }
}
