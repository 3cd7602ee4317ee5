//! # confide-wasm
//!
//! The browser package `@confide/wasm` (wasm-bindgen): the client side of an E2EE session,
//! secp256k1 key helpers, signed messages, LLMFeed verification and BLS verification, as a
//! WebAssembly module for browsers, bundlers and Node.js.
//!
//! The binding is thin: every operation is one call into `confide-core`; this crate only converts
//! JavaScript values to Rust and back, and core errors to JS `Error`s whose `.code` is the core's
//! stable code string (`DECRYPTION_FAILED`, …) and `.number` its stable number. Malformed
//! arguments are `INVALID_ARGUMENT`. Randomness comes from `crypto.getRandomValues` (getrandom's
//! `wasm_js` backend, enabled in this crate only); time is always the caller's `now` (Unix
//! seconds), except the default timestamp of a session init (`Date.now()`).
//!
//! Files: `error` (codes), `args` (argument conversion), `json` (JSON text ⇄ JS values), `event`
//! (client events as JS objects; `js/events.js` builds the chunk event), `rng`,
//! `keys`, `signer` (JS signer callback), `client` (`ClientSession`), `signed` (`signMessage`,
//! `verifyMessage`, `Verifier`), `feed` (`verifyFeed`), `bls` (`blsVerify`,
//! `blsFastAggregateVerify`), `types` (the TypeScript declarations of the JS objects).

#![deny(missing_docs)]

mod args;
#[cfg(feature = "warp")]
pub mod bls;
pub mod client;
mod error;
pub mod event;
pub mod feed;
mod json;
pub mod keys;
mod rng;
pub mod signed;
mod signer;
mod types;
