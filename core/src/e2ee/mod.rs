//! The E2EE session protocol (E2EE.md): wire frames, the client state machine and the host's
//! session store.
//!
//! A host keeps one [`SessionStore`] per connection and feeds it parsed [`ClientFrame`]s; a
//! client drives a [`ClientSession`]. Both are sans-IO: they take `now` and an RNG, and return
//! the JSON frames to send.

mod client;
mod host;
mod prompt;
mod replay;
mod scheme;
mod session_data;
mod store;
pub mod wire;

pub use client::{ClientEvent, ClientSession, InitParams, InitSecrets};
pub use host::HostSession;
pub use prompt::{ChatMessage, PromptRequest};
pub use scheme::{SDK_ALG, SignatureScheme};
pub use session_data::SessionData;
pub use store::{InitAccepted, SessionStore, StoreConfig};
pub use wire::{ClientFrame, HostFrame, Usage, WireId};
