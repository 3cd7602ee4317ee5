//! # confide-napi
//!
//! The Node.js package `@confide/native` (napi-rs): the client and host sides of an E2EE session,
//! secp256k1 key helpers, signed messages, LLMFeed verification and signing, and Warp (BLS keys,
//! verification and aggregation; Warp messages; verification against a validator set), as a
//! native addon.
//!
//! The binding is thin: every operation is one call into `confide-core`; this crate only converts
//! JavaScript values to Rust and back, and core errors to JS `Error`s whose `.code` is the core's
//! stable code string (`DECRYPTION_FAILED`, …). Malformed arguments (wrong type, missing field,
//! out-of-range number) are `INVALID_ARGUMENT`. Randomness comes from the operating system; time is
//! always the caller's `now` (Unix seconds; the host engine's `nowMs`, Unix milliseconds).
//! CPU-heavy calls (session init, signed-message and feed verify, BLS aggregate verify, Warp
//! verify) also come as Promises (`…Async`) that run on the libuv thread pool. Wallets sign
//! through synchronous JS callbacks (`ClientSession`'s `signer`, `signMessage`'s
//! `MessageSigner`).
//!
//! Files: `error` (codes), `args` (argument conversion), `json` (JSON text ⇄ JS values), `rng`,
//! `keys`, `signer` (JS signer callback), `event` (client events), `client`, `host` (the host
//! engine's `HostEndpoint`), `host_connection` (`HostConnection` and its outputs), `signed`
//! (`signMessage`, `verifyMessage`, `Verifier`), `feed` (`verifyFeed`, `signFeed`), `bls`
//! (`BlsSecretKey`, `blsVerify`, aggregation), `warp` (`WarpUnsignedMessage`,
//! `WarpSignedMessage`, `WarpValidatorSet`), `tasks` (Promise variants).

#![deny(missing_docs)]

mod args;
pub mod bls;
pub mod client;
mod error;
pub mod event;
pub mod feed;
pub mod host;
pub mod host_connection;
mod json;
pub mod keys;
mod rng;
pub mod signed;
mod signer;
mod tasks;
pub mod warp;
