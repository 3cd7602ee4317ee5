//! Warp signature aggregation (LP-118, WARP.md) in the node: the node signs Warp messages of its own
//! chain with its BLS key (`POST /v1/warp/signature`, `/v1/info` fields) and aggregates signatures
//! from other nodes (`confide-node warp aggregate|verify`, `keygen --bls`).
//!
//! - [`args`]: the `serve` flags (network id, source chain, codec, ciphersuite, rate limit).
//! - [`key`]: the key from `BLS_PRIVATE_KEY`.
//! - [`node`]: the signing side: the core's LP-118 handler and its HTTP mapping.
//! - [`http`]: the `POST /v1/warp/signature` route.
//! - [`driver`]: the tokio driver of the core's aggregator state machine.
//! - [`cli`]: `warp aggregate`, `warp verify`, `keygen --bls`.

pub mod args;
pub mod cli;
pub mod driver;
pub mod http;
pub mod key;
pub mod node;

pub use node::WarpNode;
