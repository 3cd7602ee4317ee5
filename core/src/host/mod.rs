//! The sans-IO host engine (E2EE.md "Library shape"), in the shape of quinn-proto's
//! `Endpoint`/`Connection`: every host — node-server and the host APIs of every binding — drives
//! it, so each gets the same replay protection, signed-request checks, limits and receipts.
//!
//! - [`Endpoint`]: one per process — host key, init replay memory ([`ReplayMemory`]), signed
//!   request memory ([`SignedRequestMemory`]), session accounting, the host-wide init rate limit, receipt signing.
//! - [`Connection`]: one per client connection — takes frames, the time and an RNG; returns
//!   [`Output`]s (frames to send, a close, generations to start or cancel, an [`InitJob`] to run
//!   off the event loop); takes [`GenerationEvent`]s and returns sealed chunks, the final,
//!   `stream_end` and its receipt.
//!
//! Time is the caller's: `now_ms` is Unix milliseconds (the rate limits need sub-second
//! resolution); the protocol's own clocks (TTL, freshness, receipts) use its seconds.
//!
//! ```
//! use std::sync::Arc;
//! use confide_core::crypto::SecretKey;
//! use confide_core::e2ee::{ClientEvent, ClientSession, InitParams, SignatureScheme, WireId};
//! use confide_core::host::{
//!     Connection, Endpoint, FinishReason, GenerationEvent, HostConfig, Output,
//! };
//! use rand::SeedableRng;
//!
//! let mut rng = rand::rngs::StdRng::seed_from_u64(7);
//! let now_ms = 1_732_200_000_000;
//! let host_key = SecretKey::generate(&mut rng);
//! let host_public = *host_key.public_key();
//! let endpoint = Arc::new(Endpoint::new(Some(host_key), HostConfig::default(), now_ms)?);
//! let mut connection = Connection::new(Arc::clone(&endpoint), now_ms);
//!
//! let wallet = SecretKey::generate(&mut rng);
//! let mut client = ClientSession::new(host_public, SignatureScheme::Eip191);
//! let init = client.init_message(&wallet, &mut rng, &InitParams {
//!     session_id: WireId::from("s1"),
//!     job_id: WireId::from(42u64),
//!     chain_id: 84532,
//!     model_name: "demo".into(),
//!     price_per_token: 2_000,
//!     id: None,
//!     timestamp: Some(now_ms / 1000),
//! })?;
//!
//! // A server runs an init's cryptography (`Output::RunInit`) off its event loop; this simple
//! // driver runs it inline. Every frame the engine returns goes to the client.
//! let frames: Vec<String> = connection
//!     .handle_frame_inline(&init, now_ms)
//!     .into_iter()
//!     .filter_map(|output| match output {
//!         Output::Frame(frame) => Some(frame),
//!         _ => None,
//!     })
//!     .collect();
//! assert!(matches!(client.open(&frames[0])?, ClientEvent::Ack { .. }));
//!
//! let prompt = client.seal_prompt(&mut rng, &WireId::from("m1"), br#"{"prompt":"Hi"}"#)?;
//! let mut started = None;
//! for output in connection.handle_frame(&prompt, now_ms) {
//!     if let Output::Start(start) = output {
//!         started = Some(start.id);
//!     }
//! }
//! let generation = started.expect("the prompt starts a generation");
//! let text = GenerationEvent::Text { text: "Hello".into(), tokens: 1 };
//! let done = GenerationEvent::Finished {
//!     finish_reason: FinishReason::Stop,
//!     prompt_tokens: 3,
//!     completion_tokens: 1,
//! };
//! let mut frames = Vec::new();
//! for event in [text, done] {
//!     for output in connection.handle_generation(generation, event, now_ms, &mut rng) {
//!         if let Output::Frame(frame) = output {
//!             frames.push(frame);
//!         }
//!     }
//! }
//! // The chunk, the encrypted final, and stream_end with a receipt the client verifies.
//! assert!(matches!(client.open(&frames[0])?, ClientEvent::Chunk { ref text, .. } if text == "Hello"));
//! assert!(matches!(client.open(&frames[1])?, ClientEvent::Final { .. }));
//! assert!(matches!(client.open(&frames[2])?, ClientEvent::End { .. }));
//! # Ok::<(), confide_core::Error>(())
//! ```

mod admission;
mod challenge;
mod config;
mod connection;
mod endpoint;
mod generation;
mod init;
mod one_shot;
mod output;
mod rate;
mod receipt;
mod replay_memory;
mod request_memory;
mod signed_request;

pub use challenge::{CHALLENGE_LEN, answer_auth_challenge};
pub use config::{HostConfig, HostLimits, HostPolicy, ServedModel};
pub use connection::Connection;
pub use endpoint::{Authorizer, Endpoint};
pub use init::{InitJob, InitOutcome};
pub use one_shot::OneShotInference;
pub use output::{
    FinishReason, GenerationEvent, GenerationId, GenerationStart, Observation, Output,
};
pub use rate::TokenBucket;
pub use replay_memory::{BoundedReplayMemory, InitFingerprint, REPLAY_ENTRY_BYTES, ReplayMemory};
pub use request_memory::SignedRequestMemory;
