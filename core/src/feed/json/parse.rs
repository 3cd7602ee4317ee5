//! A strict RFC 8259 parser into [`Value`]: UTF-8 only, no trailing commas, comments, `NaN` or
//! `Infinity`; duplicate keys, lone surrogates and numbers beyond a double's range are errors; nesting
//! is limited to [`MAX_DEPTH`]. Errors are `INVALID_JSON` with the byte offset, never the content.

use std::borrow::Cow;

use super::key::Key;
use super::scan::first_stop;
use super::value::{Number, Object, Value};
use crate::error::{Error, ErrorCode, Result};

/// The deepest nesting of arrays and objects accepted.
pub const MAX_DEPTH: usize = 128;

/// Parses one JSON document (a leading UTF-8 byte order mark is skipped). Strings without escapes
/// and integers borrow from `input`.
pub fn parse(input: &[u8]) -> Result<Value<'_>> {
    let text = std::str::from_utf8(input).map_err(|e| {
        error(
            e.valid_up_to(),
            "not UTF-8 (JSON text exchanged between systems is UTF-8)",
        )
    })?;
    let start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut parser = Parser {
        text,
        pos: start,
        pending_entries: Vec::new(),
        pending_items: Vec::new(),
    };
    parser.skip_whitespace();
    let value = parser.value(0)?;
    parser.skip_whitespace();
    if parser.pos != text.len() {
        return Err(error(parser.pos, "data after the JSON value"));
    }
    Ok(value)
}

fn error(at: usize, what: &str) -> Error {
    Error::new(
        ErrorCode::InvalidJson,
        format!("invalid JSON at byte {at}: {what}"),
    )
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
    /// The entries of the objects being read, innermost last: each object collects on top of its
    /// parents' and takes its own off in one exact allocation when it closes, instead of growing
    /// a vector of its own step by step.
    pending_entries: Vec<(Key, Value<'a>)>,
    /// The same for the items of the arrays being read.
    pending_items: Vec<Value<'a>>,
}

impl<'a> Parser<'a> {
    fn bytes(&self) -> &[u8] {
        self.text.as_bytes()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes().get(self.pos).copied()
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn expect(&mut self, byte: u8, what: &str) -> Result<()> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.unexpected(what))
        }
    }

    fn unexpected(&self, expected: &str) -> Error {
        match self.peek() {
            None => error(self.pos, &format!("end of input, expected {expected}")),
            Some(_) => error(self.pos, &format!("expected {expected}")),
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value<'a>> {
        match self.peek() {
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1),
            Some(b'"') => self.string().map(Value::String),
            Some(b'-' | b'0'..=b'9') => self.number().map(Value::Number),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Null),
            _ => Err(self.unexpected("a value")),
        }
    }

    fn literal(&mut self, word: &str, value: Value<'a>) -> Result<Value<'a>> {
        if self.text[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(self.unexpected("a value"))
        }
    }

    fn enter(&self, depth: usize) -> Result<()> {
        if depth > MAX_DEPTH {
            return Err(error(
                self.pos,
                &format!("nested deeper than {MAX_DEPTH} levels"),
            ));
        }
        Ok(())
    }

    fn array(&mut self, depth: usize) -> Result<Value<'a>> {
        self.enter(depth)?;
        self.pos += 1;
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Value::Array(Vec::new()));
        }
        let first = self.pending_items.len();
        loop {
            self.skip_whitespace();
            let item = self.value(depth)?;
            self.pending_items.push(item);
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Value::Array(self.pending_items.drain(first..).collect()));
                }
                _ => return Err(self.unexpected("',' or ']'")),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value<'a>> {
        self.enter(depth)?;
        let start = self.pos;
        self.pos += 1;
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Value::Object(Object::new()));
        }
        let first = self.pending_entries.len();
        loop {
            self.skip_whitespace();
            if self.peek() != Some(b'"') {
                return Err(self.unexpected("a string key"));
            }
            let key = Key::new(&self.string()?);
            self.skip_whitespace();
            self.expect(b':', "':'")?;
            self.skip_whitespace();
            let value = self.value(depth)?;
            self.pending_entries.push((key, value));
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    if has_duplicate_key(&self.pending_entries[first..]) {
                        return Err(error(start, "an object has the same key twice"));
                    }
                    let entries = self.pending_entries.drain(first..).collect();
                    return Ok(Value::Object(Object::from_unique_entries(entries)));
                }
                _ => return Err(self.unexpected("',' or '}'")),
            }
        }
    }

    /// A string starting at the opening quote; returns its decoded content, borrowed from the
    /// input when it has no escape.
    fn string(&mut self) -> Result<Cow<'a, str>> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            let run_start = self.pos;
            let run_len = first_stop(&self.bytes()[run_start..], false)
                .ok_or_else(|| error(self.text.len(), "unterminated string"))?;
            self.pos += run_len;
            let text: &'a str = self.text;
            let run = &text[run_start..self.pos];
            if out.is_empty() && self.bytes()[self.pos] == b'"' {
                // No escape: the content as it is in the input.
                self.pos += 1;
                return Ok(Cow::Borrowed(run));
            }
            out.push_str(run);
            match self.bytes()[self.pos] {
                b'"' => {
                    self.pos += 1;
                    return Ok(Cow::Owned(out));
                }
                b'\\' => self.escape(&mut out)?,
                _ => return Err(error(self.pos, "a control character inside a string")),
            }
        }
    }

    fn escape(&mut self, out: &mut String) -> Result<()> {
        let at = self.pos;
        self.pos += 1;
        let Some(kind) = self.peek() else {
            return Err(error(at, "unterminated escape"));
        };
        self.pos += 1;
        let c = match kind {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => self.unicode_escape(at)?,
            _ => return Err(error(at, "unknown escape")),
        };
        out.push(c);
        Ok(())
    }

    /// After `\u`: one code unit, or a surrogate pair written as two escapes.
    fn unicode_escape(&mut self, at: usize) -> Result<char> {
        let first = self.hex4(at)?;
        let code = match first {
            0xd800..=0xdbff => {
                if !self.text[self.pos..].starts_with("\\u") {
                    return Err(error(at, "a lone surrogate"));
                }
                self.pos += 2;
                let second = self.hex4(at)?;
                if !(0xdc00..=0xdfff).contains(&second) {
                    return Err(error(at, "a lone surrogate"));
                }
                0x10000 + ((first - 0xd800) << 10) + (second - 0xdc00)
            }
            0xdc00..=0xdfff => return Err(error(at, "a lone surrogate")),
            _ => first,
        };
        char::from_u32(code).ok_or_else(|| error(at, "not a Unicode scalar value"))
    }

    fn hex4(&mut self, at: usize) -> Result<u32> {
        let digits = self
            .bytes()
            .get(self.pos..self.pos + 4)
            .ok_or_else(|| error(at, "\\u needs four hex digits"))?;
        let mut code = 0u32;
        for &d in digits {
            let nibble = (d as char)
                .to_digit(16)
                .ok_or_else(|| error(at, "\\u needs four hex digits"))?;
            code = code << 4 | nibble;
        }
        self.pos += 4;
        Ok(code)
    }

    fn digits(&mut self) -> usize {
        let count = self.bytes()[self.pos..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        self.pos += count;
        count
    }

    fn number(&mut self) -> Result<Number<'a>> {
        let start = self.pos;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.pos += 1;
        }
        let int_start = self.pos;
        let int_len = self.digits();
        if int_len == 0 {
            return Err(self.unexpected("a digit"));
        }
        if int_len > 1 && self.bytes()[int_start] == b'0' {
            return Err(error(int_start, "a number with a leading zero"));
        }
        let mut is_float = false;
        if self.peek() == Some(b'.') {
            self.pos += 1;
            is_float = true;
            if self.digits() == 0 {
                return Err(self.unexpected("a digit after '.'"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            is_float = true;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.unexpected("a digit in the exponent"));
            }
        }
        let text: &'a str = self.text;
        let token = &text[start..self.pos];
        if !is_float {
            let canonical = if negative && token == "-0" {
                "0"
            } else {
                token
            };
            return Ok(Number::Integer(Cow::Borrowed(canonical)));
        }
        let value: f64 = token
            .parse()
            .map_err(|_| error(start, "an unreadable number"))?;
        if !value.is_finite() {
            return Err(error(start, "a number beyond the range of a double"));
        }
        Ok(Number::Float(value))
    }
}

fn has_duplicate_key(entries: &[(Key, Value<'_>)]) -> bool {
    if entries.len() <= 16 {
        return entries
            .iter()
            .enumerate()
            .any(|(i, (key, _))| entries[..i].iter().any(|(k, _)| k == key));
    }
    let mut keys: Vec<&str> = entries.iter().map(|(k, _)| k.as_str()).collect();
    keys.sort_unstable();
    keys.windows(2).any(|pair| pair[0] == pair[1])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rejects(text: &str) {
        let err = parse(text.as_bytes()).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidJson, "{text:?}: {err}");
    }

    #[test]
    fn keeps_key_order_and_reads_numbers_as_python_does() {
        let value = parse(br#" {"b":1,"a":[1.0,-0,1e2,"x\u00e9\ud83d\ude00"]} "#).unwrap();
        let object = value.as_object().unwrap();
        assert_eq!(object.keys().collect::<Vec<_>>(), ["b", "a"]);
        let items = object.get("a").unwrap().as_array().unwrap();
        assert_eq!(items[0], Value::Number(Number::Float(1.0)));
        assert_eq!(items[1], Value::Number(Number::Integer("0".into())));
        assert_eq!(items[2], Value::Number(Number::Float(100.0)));
        assert_eq!(items[3], Value::string("xé😀"));
    }

    #[test]
    fn text_without_escapes_borrows_from_the_input_and_into_owned_detaches_it() {
        let input = br#"{"plain":"abc","escaped":"a\nb","n":-12}"#.to_vec();
        let value = parse(&input).unwrap();
        let object = value.as_object().unwrap();
        assert!(matches!(
            object.get("plain"),
            Some(Value::String(Cow::Borrowed("abc")))
        ));
        assert!(
            matches!(object.get("escaped"), Some(Value::String(Cow::Owned(text))) if text == "a\nb")
        );
        assert!(matches!(
            object.get("n"),
            Some(Value::Number(Number::Integer(Cow::Borrowed("-12"))))
        ));
        let owned: Value<'static> = value.clone().into_owned();
        drop(input);
        assert_eq!(
            owned.as_object().unwrap().get("plain"),
            Some(&Value::string("abc"))
        );
    }

    #[test]
    fn rejects_what_rfc_8259_does_not_allow() {
        for text in [
            "",
            "{",
            "[1,]",
            "{\"a\":1,}",
            "01",
            "1.",
            ".5",
            "1e",
            "+1",
            "NaN",
            "Infinity",
            "tru",
            "\"\\x\"",
            "\"a\nb\"",
            "\"\\ud800\"",
            "\"\\udc00x\"",
            "\"\\ud800\\u0041\"",
            "1e400",
            "{\"a\":1,\"a\":2}",
            "[1] [2]",
            "{1:2}",
            "\"abc",
            "\"\\u12\"",
            "// c\n1",
        ] {
            rejects(text);
        }
        rejects(&("[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1)));
        parse(("[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH)).as_bytes()).unwrap();
        assert!(parse(b"\"\xff\"").is_err());
        let many: Vec<String> = (0..40).map(|i| format!("\"k{}\":0", i % 39)).collect();
        rejects(&format!("{{{}}}", many.join(",")));
    }
}
