//! A shortcut for the frame a streamed answer sends once per token, `encrypted_chunk`, in the shape
//! hosts write it: `type` first, string values without escapes, unsigned integers, booleans, each
//! known key at most once and no other key. That covers every chunk a Confide host or the deployed
//! host sends, and reading it by hand costs a fraction of the general parser's work (docs/WASM.md).
//!
//! Anything else — an escape, an unknown or repeated key, `null`, a float, a syntax error — gives
//! `None`, and the general parser ([`super::tagged`]) reads the text instead, so its errors and its
//! handling of unusual frames are the only ones there are. Fuzzing builds check that both readers
//! agree on every frame the shortcut reads (`HostFrame::parse`).

use super::host_frames::EncryptedChunkFrame;
use super::id::WireId;
use super::payload::EncryptedPayload;

/// The frame, when `text` is an `encrypted_chunk` in the shape above.
pub(super) fn read(text: &str) -> Option<EncryptedChunkFrame> {
    let mut scan = Scanner {
        text,
        bytes: text.as_bytes(),
        at: 0,
    };
    scan.open_object()?;
    if scan.key()? != "type" || scan.string()? != "encrypted_chunk" {
        return None;
    }
    let (mut session_id, mut id, mut tokens, mut is_final, mut payload) =
        (None, None, None, None, None);
    while scan.more_fields()? {
        match scan.key()? {
            "session_id" => set(&mut session_id, scan.id()?)?,
            "id" => set(&mut id, scan.id()?)?,
            "tokens" => set(&mut tokens, scan.unsigned()?)?,
            "final" => set(&mut is_final, scan.boolean()?)?,
            "payload" => set(&mut payload, scan.payload()?)?,
            _ => return None,
        }
    }
    scan.end()?;
    Some(EncryptedChunkFrame {
        session_id: session_id?,
        id,
        tokens: tokens.unwrap_or_default(),
        is_final: is_final.unwrap_or_default(),
        payload,
    })
}

/// Stores a field's value; `None` when the key came before.
fn set<T>(slot: &mut Option<T>, value: T) -> Option<()> {
    slot.replace(value).is_none().then_some(())
}

/// A cursor over the frame's text.
struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Scanner<'a> {
    fn skip_whitespace(&mut self) {
        while matches!(self.bytes.get(self.at), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    /// The next non-whitespace byte, consumed.
    fn next(&mut self) -> Option<u8> {
        self.skip_whitespace();
        let byte = *self.bytes.get(self.at)?;
        self.at += 1;
        Some(byte)
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.next()? == byte).then_some(())
    }

    fn open_object(&mut self) -> Option<()> {
        self.expect(b'{')
    }

    /// After a field: `true` at `,` (another field follows), `false` at `}`.
    fn more_fields(&mut self) -> Option<bool> {
        match self.next()? {
            b',' => Some(true),
            b'}' => Some(false),
            _ => None,
        }
    }

    /// A key and its colon.
    fn key(&mut self) -> Option<&'a str> {
        let key = self.string()?;
        self.expect(b':')?;
        Some(key)
    }

    /// A string without escapes or control characters.
    fn string(&mut self) -> Option<&'a str> {
        self.expect(b'"')?;
        let start = self.at;
        let length = memchr::memchr2(b'"', b'\\', &self.bytes[start..])?;
        // Without an early exit, so the compiler vectorises it (a ciphertext can be 128 KB of hex).
        let control = self.bytes[start..start + length]
            .iter()
            .fold(false, |found, &b| found | (b < 0x20));
        if control {
            return None;
        }
        self.at = start + length;
        // The closing quote, right there: a backslash stops here.
        (self.bytes[self.at] == b'"').then_some(())?;
        self.at += 1;
        // Both ends are ASCII bytes of valid UTF-8 text, so the slice is on character boundaries.
        Some(&self.text[start..start + length])
    }

    /// A non-negative integer in JSON's form (no leading zero, sign, fraction or exponent) that
    /// fits a u64.
    fn unsigned(&mut self) -> Option<u64> {
        self.skip_whitespace();
        let digits = self.bytes[self.at..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        let text = &self.text[self.at..self.at + digits];
        if digits == 0 || (digits > 1 && text.starts_with('0')) {
            return None;
        }
        self.at += digits;
        // A fraction or an exponent would continue the number: leave those to the general parser.
        if matches!(self.bytes.get(self.at), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        text.parse().ok()
    }

    fn boolean(&mut self) -> Option<bool> {
        self.skip_whitespace();
        let rest = &self.bytes[self.at..];
        let (value, length) = if rest.starts_with(b"true") {
            (true, 4)
        } else if rest.starts_with(b"false") {
            (false, 5)
        } else {
            return None;
        };
        self.at += length;
        Some(value)
    }

    /// A request or session id: a string or an unsigned integer.
    fn id(&mut self) -> Option<WireId> {
        self.skip_whitespace();
        if self.bytes.get(self.at) == Some(&b'"') {
            self.string().map(WireId::from)
        } else {
            self.unsigned().map(WireId::Number)
        }
    }

    /// The AEAD payload object.
    fn payload(&mut self) -> Option<EncryptedPayload> {
        self.open_object()?;
        let mut payload = EncryptedPayload::default();
        loop {
            match self.key()? {
                "ciphertextHex" => set(&mut payload.ciphertext_hex, self.string()?.into())?,
                "nonceHex" => set(&mut payload.nonce_hex, self.string()?.into())?,
                "aadHex" => set(&mut payload.aad_hex, self.string()?.into())?,
                "index" => set(&mut payload.index, self.unsigned()?)?,
                _ => return None,
            }
            if !self.more_fields()? {
                return Some(payload);
            }
        }
    }

    /// Only whitespace may follow the frame.
    fn end(&mut self) -> Option<()> {
        self.skip_whitespace();
        (self.at == self.bytes.len()).then_some(())
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::e2ee::wire::HostFrame;
    use crate::e2ee::wire::tagged::parse_tagged;

    /// A chunk as our host engine writes it.
    fn written(id: Option<WireId>, is_final: bool) -> String {
        let payload = EncryptedPayload::new(&[0xab; 21], &[0xcd; 24], b"chunk_3", Some(3));
        HostFrame::EncryptedChunk(EncryptedChunkFrame {
            session_id: WireId::from("s1"),
            id,
            tokens: 1,
            is_final,
            payload: Some(payload),
        })
        .to_json()
    }

    /// What the general parser makes of `text`, as a chunk.
    fn general(text: &str) -> Option<EncryptedChunkFrame> {
        match parse_tagged::<HostFrame>(text) {
            Ok(HostFrame::EncryptedChunk(chunk)) => Some(chunk),
            _ => None,
        }
    }

    #[test]
    fn written_chunks_take_the_shortcut_and_read_as_the_general_parser_reads_them() {
        for (id, is_final) in [
            (Some(WireId::from("m1")), false),
            (Some(WireId::Number(7)), true),
            (None, false),
        ] {
            let text = written(id, is_final);
            let fast = read(&text).expect("the shortcut reads a written chunk");
            assert_eq!(Some(fast), general(&text), "{text}");
        }
        let spaced = r#" { "type" : "encrypted_chunk" , "session_id" : 9 , "payload" : { "index" : 0 , "aadHex" : "" } , "final" : false } "#;
        assert_eq!(read(spaced), general(spaced));
        assert!(read(spaced).is_some());
    }

    #[test]
    fn anything_unusual_is_left_to_the_general_parser() {
        let base = written(Some(WireId::from("m1")), false);
        let unusual = [
            base.replace(r#""m1""#, r#""m\u0031""#), // an escape
            base.replace(r#""tokens":1"#, r#""tokens":1,"x":2"#), // an unknown key
            base.replace(r#""tokens":1"#, r#""tokens":1,"tokens":1"#), // a repeated key
            base.replace(r#""index":3"#, r#""index":3,"index":3"#),
            base.replace(r#""index":3"#, r#""index":3,"extra":true"#),
            base.replace(r#""id":"m1""#, r#""id":null"#),
            base.replace(r#""index":3"#, r#""index":3.0"#),
            base.replace(r#""index":3"#, r#""index":03"#),
            base.replace(r#""index":3"#, r#""index":-3"#),
            base.replace(r#""index":3"#, r#""index":1e1"#),
            base.replace(r#""tokens":1"#, r#""tokens":18446744073709551616"#),
            base.replace(r#""tokens":1"#, r#""tokens":true"#),
            base.replace(r#""m1""#, "\"m\t1\""), // a control character
            base.replace(r#""m1""#, "\"m1\t\""), // … right before the closing quote
            base.replacen(r#""type":"encrypted_chunk","#, "", 1) + "",
            base.replace("encrypted_chunk", "encrypted_response"),
            base.replace(
                r#"{"type":"encrypted_chunk","#,
                r#"{"session_id":"s0","type":"encrypted_chunk","#,
            ),
            format!("{base} x"),
            base[..base.len() - 1].to_owned(),
            r#"{"type":"encrypted_chunk","session_id":"s1","payload":null}"#.to_owned(),
            r#"{"type":"encrypted_chunk","session_id":"s1","payload":{}}"#.to_owned(),
            r#"{"type":"encrypted_chunk"}"#.to_owned(),
        ];
        for text in unusual {
            assert_eq!(read(&text), None, "{text}");
        }
    }

    proptest! {
        /// Whatever the shortcut reads, the general parser reads the same way: random ids, token
        /// counts and whitespace, and random single-byte edits of a written chunk.
        #[test]
        fn the_shortcut_agrees_with_the_general_parser(
            // No commas: the whitespace goes around every comma of the text.
            id in proptest::option::of(r#"[a-z0-9 _.:\\"-]{0,6}"#),
            at in any::<prop::sample::Index>(),
            byte in any::<u8>(),
            space in "[ \t\n\r]{0,2}",
        ) {
            let escaped = id.as_ref().is_some_and(|id| id.contains(['"', '\\']));
            let text = written(id.map(|id| WireId::from(id.as_str())), false)
                .replace(',', &format!("{space},{space}"));
            // Written ids with a quote or a backslash carry an escape: the general parser's.
            let expected = if escaped { None } else { general(&text) };
            prop_assert!(expected.is_some() || escaped);
            prop_assert_eq!(read(&text), expected);
            let mut edited = text.into_bytes();
            let at = at.index(edited.len());
            edited[at] = byte;
            if let Ok(edited) = String::from_utf8(edited)
                && let Some(fast) = read(&edited)
            {
                prop_assert_eq!(Some(fast), general(&edited));
            }
        }
    }
}
