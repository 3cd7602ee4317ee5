//! Standard base64 (RFC 4648 §4) with padding, as Python's `base64.b64encode` writes it. Decoding is
//! strict: no whitespace, padding required, unused trailing bits zero. Errors never quote the input.

use crate::error::{Error, ErrorCode, Result};

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Encodes `bytes` with padding.
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes padded standard base64; `INVALID_BASE64` naming `field` otherwise.
pub fn decode(field: &str, text: &str) -> Result<Vec<u8>> {
    let invalid = |why: &str| {
        Error::new(
            ErrorCode::InvalidBase64,
            format!("{field} is not base64: {why}"),
        )
    };
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(4) {
        return Err(invalid("its length is not a multiple of 4"));
    }
    let padding = bytes.iter().rev().take_while(|&&b| b == b'=').count();
    if padding > 2 {
        return Err(invalid("more than two '='"));
    }
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    for (index, chunk) in bytes.chunks(4).enumerate() {
        let last = index + 1 == bytes.len() / 4;
        let pad = if last { padding } else { 0 };
        let mut n = 0u32;
        for &b in &chunk[..4 - pad] {
            let sextet = ALPHABET
                .iter()
                .position(|&a| a == b)
                .ok_or_else(|| invalid("a character outside the base64 alphabet"))?;
            n = n << 6 | sextet as u32;
        }
        n <<= 6 * pad as u32;
        let decoded = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        let keep = 3 - pad;
        if decoded[keep..].iter().any(|&b| b != 0) {
            return Err(invalid("non-zero bits after the last byte"));
        }
        out.extend_from_slice(&decoded[..keep]);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_sloppy_input() {
        for (raw, text) in [
            (&b""[..], ""),
            (b"f", "Zg=="),
            (b"fo", "Zm8="),
            (b"foo", "Zm9v"),
            (b"foob", "Zm9vYg=="),
            (&[0xfb, 0xff], "+/8="),
        ] {
            assert_eq!(encode(raw), text);
            assert_eq!(decode("x", text).unwrap(), raw);
        }
        for bad in [
            "Zg", "Zg=", "Zh==", "Z===", "Zm9v\n", "Zm-v", "Z=g=", "====",
        ] {
            let err = decode("x", bad).unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidBase64, "{bad:?}");
        }
    }
}
