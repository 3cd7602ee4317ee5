//! Compact JSON output byte-exact with Python's `json.dumps(obj, separators=(',', ':'),
//! sort_keys=…, ensure_ascii=…)`: no whitespace; escapes `\" \\ \n \r \t \b \f` and `\u00xx` for the
//! other control characters; `/` unescaped; with ASCII escaping every other non-ASCII character (and
//! DEL) as lowercase `\uxxxx`, astral ones as a surrogate pair.

use super::float::write_python_float;
use super::scan::first_stop;
use super::value::{Number, Value};

/// The order of keys in objects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyOrder {
    /// As in the document (`sort_keys=False`).
    Document,
    /// Sorted by code point at every level (`sort_keys=True`).
    Sorted,
}

/// How non-ASCII characters are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Escaping {
    /// Raw UTF-8 (`ensure_ascii=False`).
    Utf8,
    /// `\uxxxx` escapes (`ensure_ascii=True`, Python's default).
    Ascii,
}

/// A compact output style: key order and escaping.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Style {
    /// Key order.
    pub order: KeyOrder,
    /// Escaping of non-ASCII characters.
    pub escaping: Escaping,
}

impl Style {
    /// Appends `value` to `out`.
    pub fn write(self, value: &Value, out: &mut Vec<u8>) {
        match value {
            Value::Null => out.extend_from_slice(b"null"),
            Value::Bool(true) => out.extend_from_slice(b"true"),
            Value::Bool(false) => out.extend_from_slice(b"false"),
            Value::Number(Number::Integer(digits)) => out.extend_from_slice(digits.as_bytes()),
            Value::Number(Number::Float(x)) => write_python_float(*x, out),
            Value::String(text) => self.write_string(text, out),
            Value::Array(items) => {
                out.push(b'[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    self.write(item, out);
                }
                out.push(b']');
            }
            // Keys already in order (as in most canonical documents) need no sorted copy.
            Value::Object(object)
                if self.order == KeyOrder::Document || object.keys().is_sorted() =>
            {
                self.write_pairs(object.iter(), out);
            }
            Value::Object(object) => {
                let mut entries: Vec<(&str, &Value)> = object.iter().collect();
                self.write_entries(&mut entries, out);
            }
        }
    }

    /// Appends the object made of `entries` (keys unique); sorts them first for [`KeyOrder::Sorted`].
    pub fn write_entries(self, entries: &mut [(&str, &Value)], out: &mut Vec<u8>) {
        if self.order == KeyOrder::Sorted {
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
        }
        self.write_pairs(entries.iter().copied(), out);
    }

    fn write_pairs<'v, 'a: 'v>(
        self,
        pairs: impl Iterator<Item = (&'v str, &'v Value<'a>)>,
        out: &mut Vec<u8>,
    ) {
        out.push(b'{');
        for (i, (key, value)) in pairs.enumerate() {
            if i > 0 {
                out.push(b',');
            }
            self.write_string(key, out);
            out.push(b':');
            self.write(value, out);
        }
        out.push(b'}');
    }

    /// The value as bytes.
    pub fn to_vec(self, value: &Value) -> Vec<u8> {
        let mut out = Vec::new();
        self.write(value, &mut out);
        out
    }

    fn write_string(self, text: &str, out: &mut Vec<u8>) {
        let escape_non_ascii = self.escaping == Escaping::Ascii;
        out.reserve(text.len() + 2);
        out.push(b'"');
        let mut rest = text;
        while let Some(i) = first_stop(rest.as_bytes(), escape_non_ascii) {
            out.extend_from_slice(&rest.as_bytes()[..i]);
            let b = rest.as_bytes()[i];
            if b < 0x80 {
                write_ascii_escape(b, out);
                rest = &rest[i + 1..];
            } else {
                let c = rest[i..].chars().next().expect("i is on a char boundary");
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    write_u_escape(*unit, out);
                }
                rest = &rest[i + c.len_utf8()..];
            }
        }
        out.extend_from_slice(rest.as_bytes());
        out.push(b'"');
    }
}

fn write_ascii_escape(b: u8, out: &mut Vec<u8>) {
    let short = match b {
        b'"' => b'"',
        b'\\' => b'\\',
        b'\n' => b'n',
        b'\r' => b'r',
        b'\t' => b't',
        0x08 => b'b',
        0x0c => b'f',
        _ => return write_u_escape(u16::from(b), out),
    };
    out.extend_from_slice(&[b'\\', short]);
}

fn write_u_escape(unit: u16, out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.extend_from_slice(b"\\u");
    for shift in [12, 8, 4, 0] {
        out.push(HEX[usize::from(unit >> shift & 0xf)]);
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse::parse;
    use super::*;

    const UTF8_DOCUMENT: Style = Style {
        order: KeyOrder::Document,
        escaping: Escaping::Utf8,
    };
    const ASCII_SORTED: Style = Style {
        order: KeyOrder::Sorted,
        escaping: Escaping::Ascii,
    };

    #[test]
    fn writes_what_python_json_dumps_writes() {
        let value =
            parse("{\"é\":\"a/\\\"\\\\\\n\\r\\t\\b\\f\\u0001\\u007f😀\",\"b\":[1e16,12345678901234567890,-0]}".as_bytes())
                .unwrap();
        assert_eq!(
            String::from_utf8(UTF8_DOCUMENT.to_vec(&value)).unwrap(),
            "{\"é\":\"a/\\\"\\\\\\n\\r\\t\\b\\f\\u0001\u{7f}😀\",\"b\":[1e+16,12345678901234567890,0]}"
        );
        assert_eq!(
            String::from_utf8(ASCII_SORTED.to_vec(&value)).unwrap(),
            "{\"b\":[1e+16,12345678901234567890,0],\"\\u00e9\":\"a/\\\"\\\\\\n\\r\\t\\b\\f\\u0001\\u007f\\ud83d\\ude00\"}"
        );
    }
}
