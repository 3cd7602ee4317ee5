//! Client events as JS objects: the core's canonical JSON object ([`ClientEvent::to_json`]) for
//! every kind, with `chunk`, the one a streamed answer sends per token, built field by field in
//! JavaScript (`js/events.js`) instead of going through JSON text and `JSON.parse`: the same
//! object, at a fraction of the cost in Chromium (docs/WASM.md).

use confide_core::e2ee::{ClientEvent, WireId};
use wasm_bindgen::prelude::*;

use crate::error::Result;
use crate::json;

#[wasm_bindgen(module = "/js/events.js")]
extern "C" {
    /// `{ type: 'chunk', id?, index, text, final }` from the id's and the text's UTF-8 bytes.
    #[wasm_bindgen(js_name = chunkEvent)]
    fn chunk_event(has_id: bool, id: &[u8], index: f64, text: &[u8], last: bool) -> JsValue;
}

/// The event as the JS object of its canonical JSON.
pub fn to_js(event: &ClientEvent) -> Result<JsValue> {
    match event {
        ClientEvent::Chunk {
            id,
            index,
            text,
            is_final,
        } => {
            let number;
            let (has_id, id): (bool, &[u8]) = match id {
                None => (false, b""),
                Some(WireId::Text(text)) => (true, text.as_bytes()),
                Some(WireId::Number(n)) => {
                    number = n.to_string();
                    (true, number.as_bytes())
                }
            };
            // The index counts the tokens of one answer: far below 2^53, exact as a JS number.
            Ok(chunk_event(
                has_id,
                id,
                *index as f64,
                text.as_bytes(),
                *is_final,
            ))
        }
        _ => json::parse(&event.to_json()),
    }
}
