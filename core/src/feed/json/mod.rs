//! JSON as LLMFeed needs it: an order-preserving model ([`Value`], [`Object`]), a strict parser
//! ([`parse`]) and compact output byte-exact with Python's `json.dumps` ([`Style`]).
//!
//! ```
//! use confide_core::feed::json::{parse, Escaping, KeyOrder, Style};
//!
//! let value = parse("{\"b\":1.0,\"a\":\"é\"}".as_bytes())?;
//! let sorted_ascii = Style { order: KeyOrder::Sorted, escaping: Escaping::Ascii };
//! assert_eq!(sorted_ascii.to_vec(&value), br#"{"a":"\u00e9","b":1.0}"#);
//! # Ok::<(), confide_core::Error>(())
//! ```

mod float;
mod key;
mod parse;
mod pretty;
mod scan;
mod value;
mod write;

pub use parse::{MAX_DEPTH, parse};
pub use pretty::to_pretty;
pub use value::{Number, Object, Value};
pub use write::{Escaping, KeyOrder, Style};
