//! Protocol payloads that travel in envelopes: the Lloom request/response types and Confide's usage
//! receipt. Field order is the serialization order, which signatures depend on: do not reorder.

use serde::{Deserialize, Serialize};

/// A request from a client to an executor (the deployed Lloom type).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LlmRequest {
    /// Model to use.
    pub model: String,
    /// The prompt.
    pub prompt: String,
    /// Optional system prompt.
    pub system_prompt: Option<String>,
    /// Sampling temperature.
    pub temperature: Option<f32>,
    /// Maximum tokens to generate.
    pub max_tokens: Option<u32>,
    /// The executor the request is meant for (EIP-55 address).
    pub executor_address: String,
    /// Price per inbound token, decimal wei string.
    pub inbound_price: String,
    /// Price per outbound token, decimal wei string.
    pub outbound_price: String,
    /// Client-chosen request nonce.
    pub nonce: u64,
    /// Unix seconds after which the request must not be served.
    pub deadline: u64,
}

/// A response from an executor (the deployed Lloom type).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LlmResponse {
    /// Generated text.
    pub content: String,
    /// Prompt tokens.
    pub inbound_tokens: u64,
    /// Generated tokens.
    pub outbound_tokens: u64,
    /// Total cost, decimal wei string.
    pub total_cost: String,
    /// The model that actually ran.
    pub model_used: String,
    /// Error message when the request failed.
    pub error: Option<String>,
}

/// The usage receipt a host signs at the end of every response (`stream_end.receipt`): an audit
/// record the client can show a third party.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageRecord {
    /// Session id of the E2EE session.
    pub session_id: String,
    /// Job id from the session data.
    pub job_id: Option<String>,
    /// Chain id from the session init.
    pub chain_id: Option<u64>,
    /// Model that served the request.
    pub model: String,
    /// Tokens in the prompt.
    pub prompt_tokens: u64,
    /// Tokens generated.
    pub completion_tokens: u64,
    /// SHA-256 of the full response text, lowercase hex.
    pub response_sha256: String,
    /// The client's address (EIP-55), as recovered at session init.
    pub client_address: String,
    /// Unix seconds when the response completed.
    pub timestamp: u64,
}
