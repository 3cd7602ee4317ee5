//! The JSON frames of the E2EE protocol (E2EE.md §1–§6), in both directions.
//!
//! Outer envelope fields are snake_case, payload fields camelCase. On input both spellings of
//! `session_id`, `job_id` and `chain_id` are accepted, hex may carry `0x`, and unknown fields are
//! ignored. Payload fields are optional at the serde level so that a missing one is reported as
//! `MISSING_PAYLOAD_FIELDS` naming it, rather than as a generic parse error.

mod client_frames;
mod fast_chunk;
mod host_frames;
mod id;
mod parse;
mod payload;
mod tagged;

pub use client_frames::{
    ClientFrame, EncryptedMessageFrame, PingFrame, PlainPromptFrame, PlainSessionInitFrame,
    SessionInitFrame, StreamCancelFrame,
};
pub use host_frames::{
    ConnectedFrame, EncryptedChunkFrame, EncryptedResponseFrame, ErrorFrame, HostFrame, PongFrame,
    SessionInitAckFrame, StreamChunkFrame, StreamEndFrame, Usage,
};
pub use id::WireId;
pub(crate) use parse::describe;
pub use parse::echo_ids;
pub use payload::{EncryptedPayload, SessionInitPayload};
pub(crate) use payload::{decode_nonce, missing_fields, require_fields};
