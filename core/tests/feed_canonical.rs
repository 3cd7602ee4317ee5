//! Canonical JSON byte-exact with Python's `json.dumps`: golden cases Python produced, a property
//! test that runs python3 itself on random documents (nested objects, controls, astral characters,
//! floats across magnitudes, big integers, escapes) for both key orders and both escapings, and the
//! parse → canonicalize → parse identity.

use std::io::Write;
use std::process::{Command, Stdio};

use confide_core::feed::json::{Escaping, KeyOrder, Style, parse};
use proptest::prelude::*;
use serde::Deserialize;

const STYLES: [(&str, Style); 4] = [
    (
        "document_utf8",
        Style {
            order: KeyOrder::Document,
            escaping: Escaping::Utf8,
        },
    ),
    (
        "sorted_utf8",
        Style {
            order: KeyOrder::Sorted,
            escaping: Escaping::Utf8,
        },
    ),
    (
        "document_ascii",
        Style {
            order: KeyOrder::Document,
            escaping: Escaping::Ascii,
        },
    ),
    (
        "sorted_ascii",
        Style {
            order: KeyOrder::Sorted,
            escaping: Escaping::Ascii,
        },
    ),
];

fn outputs(input: &[u8]) -> [String; 4] {
    let value = parse(input).unwrap();
    STYLES.map(|(_, style)| String::from_utf8(style.to_vec(&value)).unwrap())
}

#[derive(Deserialize)]
struct Golden {
    cases: Vec<GoldenCase>,
}

#[derive(Deserialize)]
struct GoldenCase {
    input: String,
    document_utf8: String,
    sorted_utf8: String,
    document_ascii: String,
    sorted_ascii: String,
}

#[test]
fn golden_cases_python_produced() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/vectors/llmfeed/canonical_golden.json"
    );
    let golden: Golden = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(golden.cases.len(), 8);
    for case in golden.cases {
        let expected = [
            case.document_utf8,
            case.sorted_utf8,
            case.document_ascii,
            case.sorted_ascii,
        ];
        assert_eq!(outputs(case.input.as_bytes()), expected, "{}", case.input);
    }
}

// ---------------------------------------------------------------------------------------------
// Random documents, written as JSON text with random whitespace and escapes.
// ---------------------------------------------------------------------------------------------

fn interesting_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => proptest::char::range(' ', '~'),
        1 => proptest::char::range('\0', '\u{1f}'),
        1 => Just('\u{7f}'),
        1 => proptest::char::range('\u{80}', '\u{7ff}'),
        1 => prop_oneof![Just('\u{2028}'), Just('\u{feff}'), Just('\u{ffff}'), Just('é'), Just('中')],
        1 => proptest::char::range('\u{10000}', '\u{10ffff}'),
        1 => prop_oneof![Just('"'), Just('\\'), Just('/')],
    ]
}

/// A string as JSON text: each character raw or `\u`-escaped (always escaped when it must be).
fn string_text() -> impl Strategy<Value = String> {
    proptest::collection::vec((interesting_char(), any::<bool>(), any::<bool>()), 0..12).prop_map(
        |chars| {
            let mut out = String::from("\"");
            for (c, escape, short) in chars {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '/' if short => out.push_str("\\/"),
                    '\n' if short => out.push_str("\\n"),
                    c if escape || (c as u32) < 0x20 => {
                        let mut units = [0u16; 2];
                        for unit in c.encode_utf16(&mut units) {
                            out.push_str(&format!("\\u{unit:04X}"));
                        }
                    }
                    c => out.push(c),
                }
            }
            out.push('"');
            out
        },
    )
}

fn number_text() -> impl Strategy<Value = String> {
    prop_oneof![
        // Integers of any size.
        (any::<bool>(), "[1-9][0-9]{0,40}|0")
            .prop_map(|(neg, d)| format!("{}{d}", if neg { "-" } else { "" })),
        // Floats across magnitudes (finite: |exponent| ≤ 300 with a short integer part).
        (
            any::<bool>(),
            "[0-9]{1,5}",
            "[0-9]{0,17}",
            -300i32..300,
            any::<bool>()
        )
            .prop_map(|(neg, int, frac, exp, use_exp)| {
                let int = int.trim_start_matches('0');
                let int = if int.is_empty() { "0" } else { int };
                let sign = if neg { "-" } else { "" };
                let frac = if frac.is_empty() {
                    String::new()
                } else {
                    format!(".{frac}")
                };
                let frac = if frac.is_empty() && !use_exp {
                    ".0".to_owned()
                } else {
                    frac
                };
                let exp = if use_exp {
                    format!("e{exp}")
                } else {
                    String::new()
                };
                format!("{sign}{int}{frac}{exp}")
            }),
        // Doubles Rust writes (shortest digits), including subnormals.
        any::<f64>()
            .prop_filter("finite", |x| x.is_finite())
            .prop_map(|x| format!("{x:e}")),
    ]
}

fn ws() -> impl Strategy<Value = &'static str> {
    prop_oneof![Just(""), Just(" "), Just("\n  "), Just("\t"), Just("\r\n")]
}

fn document_text() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_owned()),
        Just("true".to_owned()),
        Just("false".to_owned()),
        number_text(),
        string_text(),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            (proptest::collection::vec((inner.clone(), ws()), 0..6)).prop_map(|items| {
                let parts: Vec<String> = items
                    .into_iter()
                    .map(|(v, w)| format!("{w}{v}{w}"))
                    .collect();
                format!("[{}]", parts.join(","))
            }),
            (proptest::collection::vec((string_text(), inner, ws()), 0..6)).prop_map(|entries| {
                let mut seen = std::collections::HashSet::new();
                let parts: Vec<String> = entries
                    .into_iter()
                    .filter(|(key, _, _)| {
                        seen.insert(parse(key.as_bytes()).unwrap().as_str().unwrap().to_owned())
                    })
                    .map(|(k, v, w)| format!("{w}{k}{w}:{w}{v}"))
                    .collect();
                format!("{{{}}}", parts.join(","))
            }),
        ]
    })
}

/// Runs python3 once over `documents`; returns its four outputs for each.
fn python_outputs(documents: &[String]) -> Vec<[String; 4]> {
    const SCRIPT: &str = r#"
import json, sys
out = sys.stdout.buffer
for line in sys.stdin:
    v = json.loads(bytes.fromhex(line.strip()))
    for s, a in ((False, False), (True, False), (False, True), (True, True)):
        out.write(json.dumps(v, separators=(',', ':'), sort_keys=s, ensure_ascii=a).encode('utf-8').hex().encode() + b'\n')
"#;
    let mut child = Command::new("python3")
        .args(["-c", SCRIPT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs (it is on every machine)");
    let mut input = String::new();
    for document in documents {
        input.push_str(&confide_core::hex::encode(document.as_bytes()));
        input.push('\n');
    }
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "python3 failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<String> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|hex| String::from_utf8(confide_core::hex::decode("python", hex).unwrap()).unwrap())
        .collect();
    assert_eq!(lines.len(), 4 * documents.len());
    lines
        .chunks(4)
        .map(|c| [c[0].clone(), c[1].clone(), c[2].clone(), c[3].clone()])
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn canonical_bytes_equal_python_json_dumps(documents in proptest::collection::vec(document_text(), 32)) {
        let python = python_outputs(&documents);
        for (document, expected) in documents.iter().zip(python) {
            let ours = outputs(document.as_bytes());
            for (i, (name, _)) in STYLES.iter().enumerate() {
                prop_assert_eq!(&ours[i], &expected[i], "{} of {}", name, document);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn parse_canonicalize_parse_is_the_identity(document in document_text()) {
        let value = parse(document.as_bytes()).unwrap();
        for (_, style) in STYLES {
            let bytes = style.to_vec(&value);
            let again = parse(&bytes).unwrap();
            if style.order == KeyOrder::Document {
                prop_assert_eq!(&again, &value);
            }
            prop_assert_eq!(style.to_vec(&again), bytes);
        }
    }
}
