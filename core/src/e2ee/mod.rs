//! The E2EE session protocol (E2EE.md): wire frames, the client state machine and one host
//! session.
//!
//! A client drives a [`ClientSession`]; a host drives the [`crate::host`] engine, which keeps a
//! [`HostSession`] per accepted session. Both are sans-IO: they take `now` and an RNG, and return
//! the JSON frames to send.

mod client;
pub(crate) mod host;
mod prompt;
mod replay;
mod scheme;
mod session_data;
pub mod wire;

pub use client::{
    ClientEvent, ClientSession, HostKeys, InitParams, InitSecrets, TokenLimit, VerifiedReceipt,
};
pub use host::{HostSession, OpenedMessage};
pub use prompt::{ChatMessage, PromptRequest};
pub use scheme::{SDK_ALG, SignatureScheme};
pub use session_data::SessionData;
pub use wire::{ClientFrame, HostFrame, Usage, WireId};
