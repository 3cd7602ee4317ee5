//! Reading frames: dispatch on `type`, ids to echo, and error messages that never quote input.

use serde::Deserialize;

use super::id::WireId;
use crate::error::{Error, Result};

/// The `type` of a frame. Frames are dispatched on it first and then read straight into their
/// struct, so raw fields (the receipt) keep their bytes and nothing is buffered twice.
pub(super) fn frame_type(text: &str) -> Result<std::borrow::Cow<'_, str>> {
    #[derive(Deserialize)]
    struct Tag<'a> {
        #[serde(rename = "type", borrow)]
        kind: std::borrow::Cow<'a, str>,
    }
    serde_json::from_str::<Tag<'_>>(text)
        .map(|tag| tag.kind)
        .map_err(|err| Error::invalid_message(describe(&err)))
}

pub(super) fn unknown_type(kind: &str) -> Error {
    let shown: String = kind.chars().take(32).collect();
    Error::invalid_message(format_args!(
        "unknown frame type `{}`",
        shown.escape_debug()
    ))
}

/// The ids to echo in an error reply to a frame that did not parse: read leniently from any JSON
/// object, `(session_id, id)`.
pub fn echo_ids(text: &str) -> (Option<WireId>, Option<WireId>) {
    #[derive(Deserialize)]
    struct Echo {
        #[serde(alias = "sessionId", default)]
        session_id: Option<WireId>,
        #[serde(default)]
        id: Option<WireId>,
    }
    match serde_json::from_str::<Echo>(text) {
        Ok(echo) => (echo.session_id, echo.id),
        Err(_) => (None, None),
    }
}

/// Describes a serde error without quoting the input.
pub(crate) fn describe(err: &serde_json::Error) -> String {
    use serde_json::error::Category;
    match err.classify() {
        Category::Syntax | Category::Eof => {
            format!(
                "not valid JSON (line {}, column {})",
                err.line(),
                err.column()
            )
        }
        Category::Data => {
            let text = err.to_string();
            let text = text.find(" at line ").map_or(&text[..], |end| &text[..end]);
            redact_quoted(text)
        }
        Category::Io => "could not read the frame".to_owned(),
    }
}

/// serde quotes input values in `"…"` (and names fields in backticks): drop the quoted values so
/// an error never echoes what the peer sent.
fn redact_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut inside = false;
    for c in text.chars() {
        if c == '"' {
            if !inside {
                out.push_str("\"…\"");
            }
            inside = !inside;
        } else if !inside {
            out.push(c);
        }
    }
    out
}
