//! Indented JSON for people (two spaces, `": "`, raw UTF-8, document order), as
//! `json.dumps(obj, indent=2, ensure_ascii=False)` writes it. Not a canonical form: signatures never
//! cover it.

use super::value::{Object, Value};
use super::write::{Escaping, KeyOrder, Style};

const STYLE: Style = Style {
    order: KeyOrder::Document,
    escaping: Escaping::Utf8,
};

/// `object` indented, ending in a newline.
pub fn to_pretty(object: &Object) -> String {
    let mut out = Vec::new();
    write_object(object, 0, &mut out);
    out.push(b'\n');
    String::from_utf8(out).expect("the writer emits UTF-8")
}

fn newline(depth: usize, out: &mut Vec<u8>) {
    out.push(b'\n');
    out.extend(std::iter::repeat_n(b' ', 2 * depth));
}

fn write_object(object: &Object, depth: usize, out: &mut Vec<u8>) {
    if object.is_empty() {
        out.extend_from_slice(b"{}");
        return;
    }
    out.push(b'{');
    for (i, (key, value)) in object.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        newline(depth + 1, out);
        STYLE.write(&Value::string(key), out);
        out.extend_from_slice(b": ");
        write_value(value, depth + 1, out);
    }
    newline(depth, out);
    out.push(b'}');
}

fn write_value(value: &Value, depth: usize, out: &mut Vec<u8>) {
    match value {
        Value::Object(object) => write_object(object, depth, out),
        Value::Array(items) if !items.is_empty() => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                newline(depth + 1, out);
                write_value(item, depth + 1, out);
            }
            newline(depth, out);
            out.push(b']');
        }
        scalar => STYLE.write(scalar, out),
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse::parse;
    use super::*;

    #[test]
    fn indents_like_python() {
        let value = parse(r#"{"a":[1,{"b":"é"}],"c":{},"d":[]}"#.as_bytes()).unwrap();
        assert_eq!(
            to_pretty(value.as_object().unwrap()),
            "{\n  \"a\": [\n    1,\n    {\n      \"b\": \"é\"\n    }\n  ],\n  \"c\": {},\n  \"d\": []\n}\n"
        );
    }
}
