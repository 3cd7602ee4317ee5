//! # confide-uniffi
//!
//! Confide for Swift, Kotlin and Python (UniFFI, proc-macro style): the client and host sides of
//! an E2EE session, secp256k1 keys, signed messages, LLMFeed verification and signing, and Warp
//! (BLS keys, verification and aggregation; Warp messages; verification against a validator
//! set). `uniffi-bindgen` (the `confide-uniffi-bindgen` crate) generates the three languages'
//! sources from the built library.
//!
//! The binding is thin: every operation is one call into `confide-core` (the host side drives
//! the core's host engine; `ClientSession::open` returns the core's canonical client event); this
//! crate only converts types, and core errors to the one error type `ConfideError`, which carries
//! the core's stable code string and its message. Randomness comes from the operating system;
//! time is the caller's (`now` in Unix seconds, the host engine's `now_ms` in milliseconds;
//! a session init's timestamp defaults to the system clock). Public-key work that an app may
//! not want on its event loop also comes as `…_async` calls, run on a worker thread.
//!
//! Files: `error`, `rng`, `offload` (worker threads for the async calls), `keys`, `signer`
//! (`WalletSigner`, a wallet in the app's language), `event` (client events), `client`
//! (`ClientSession`), `host` (`HostEndpoint`), `host_connection` (`HostConnection` and its
//! outputs), `signed` (`sign_message`, `verify_message`, `Verifier`), `feed` (`verify_feed`,
//! `sign_feed`), `bls` (`BlsSecretKey`, `bls_verify`, aggregation), `warp`
//! (`WarpUnsignedMessage`, `WarpSignedMessage`, `WarpValidatorSet`).

#![deny(missing_docs)]

pub mod bls;
pub mod client;
pub mod error;
pub mod event;
pub mod feed;
pub mod host;
pub mod host_connection;
pub mod keys;
mod offload;
mod rng;
pub mod signed;
pub mod signer;
pub mod warp;

uniffi::setup_scaffolding!("confide");
