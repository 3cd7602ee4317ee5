//! # confide-core
//!
//! The Confide protocol core: end-to-end encrypted inference sessions between clients and hosts
//! (secp256k1 ECDH + HKDF-SHA256 + XChaCha20-Poly1305, client authentication by ECDSA address
//! recovery), written sans-IO: it never reads a clock, a socket or the system RNG. Time (`now`, Unix
//! seconds) and randomness (`&mut impl CryptoRng`) are parameters, results are values.
//!
//! - [`crypto`]: keys, ECDH/HKDF, AEAD, Ethereum addresses and signatures.
//! - [`e2ee`]: the wire protocol, [`e2ee::ClientSession`] and [`e2ee::SessionStore`] (host side).
//! - [`signed`]: `SignedMessage<T>` envelopes, verification policy and replay guard.
//! - [`Error`] / [`ErrorCode`]: one error type with stable codes shared by every binding.
//!
//! ## A whole exchange in memory
//!
//! ```
//! use confide_core::crypto::SecretKey;
//! use confide_core::e2ee::{
//!     ClientEvent, ClientFrame, ClientSession, InitParams, SessionStore, SignatureScheme, WireId,
//! };
//! use rand::SeedableRng;
//!
//! // Real code seeds from the OS (e.g. `rand::rngs::SysRng`); a fixed seed keeps the example
//! // reproducible.
//! let mut rng = rand::rngs::StdRng::seed_from_u64(1);
//! let now = 1_732_200_000; // Unix seconds, supplied by the caller
//! let host_key = SecretKey::generate(&mut rng);
//! let wallet = SecretKey::generate(&mut rng);
//!
//! // Client: open a session with the host's published public key.
//! let mut client = ClientSession::new(*host_key.public_key(), SignatureScheme::Eip191);
//! let init = client.init_message(&wallet, &mut rng, &InitParams {
//!     session_id: WireId::from("3f1c…"),
//!     job_id: WireId::from(42u64),
//!     chain_id: 84532,
//!     model_name: "demo".into(),
//!     price_per_token: 2_000,
//!     id: None,
//! })?;
//!
//! // Host: verify the init and learn who the client is.
//! let mut store = SessionStore::default();
//! let ClientFrame::EncryptedSessionInit(frame) = ClientFrame::parse(&init)? else { unreachable!() };
//! let accepted = store.accept_init(&host_key, &frame, now, |_address| true)?;
//! assert_eq!(accepted.client_address, wallet.address());
//!
//! // Client → host: an encrypted prompt; host → client: an encrypted chunk.
//! let prompt = client.seal_prompt(&mut rng, &WireId::from("m1"), br#"{"prompt":"Hi"}"#)?;
//! let ClientFrame::EncryptedMessage(message) = ClientFrame::parse(&prompt)? else { unreachable!() };
//! let session = store.session_mut(&message.session_id, now)?;
//! let request = session.open_message(message.payload.as_ref())?;
//! assert_eq!(request.prompt.as_deref(), Some("Hi"));
//! let chunk = session.seal_chunk(&mut rng, message.id.as_ref(), 0, "Hello", 1, true);
//! match client.open(&chunk)? {
//!     ClientEvent::Chunk { text, .. } => assert_eq!(text, "Hello"),
//!     other => panic!("unexpected {other:?}"),
//! }
//! # Ok::<(), confide_core::Error>(())
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod crypto;
pub mod e2ee;
mod error;
pub mod hex;
pub mod signed;

pub use error::{Error, ErrorCode, ErrorDetail, Result};
