//! Confide's host server (`confide-node`): the E2EE protocol of `confide-core` over WebSocket, with
//! llama.cpp inference (parallel slots, streaming, cancellation, a built-in demo model) or an
//! OpenAI-compatible upstream server, signed usage receipts, `/v1/info`, `/health`, `/metrics`,
//! limits and graceful shutdown.
//!
//! - [`server`]: the HTTP/WebSocket host; [`serve`]: the `serve` command that assembles it.
//! - [`backend`]: what generates text: [`inference`] (llama.cpp through `llama-cpp-2`) or
//!   [`upstream`] (an OpenAI-compatible server).
//! - [`chat`], [`signing`]: the terminal client and the key / signed-message tools; [`feed_cli`]:
//!   the LLMFeed tools (`feed verify|sign|certify`, `keygen --ed25519`).
//! - [`replay_store`]: the replay memory shared by replicas (`--replay-store redis://…`).
//! - [`http_client`]: the plain-HTTP client of the tools and of the Warp aggregator driver.
//! - [`warp`]: Warp signature aggregation (LP-118): the signer route and `warp aggregate|verify`.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod backend;
pub mod chat;
pub mod cli;
pub mod clock;
pub mod config;
pub mod feed_cli;
pub mod host_key;
pub mod http_client;
pub mod inference;
pub mod metrics;
pub mod replay_store;
pub mod serve;
pub mod server;
pub mod signing;
pub mod tls;
pub mod upstream;
pub mod warp;
