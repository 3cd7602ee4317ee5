//! Generation by an OpenAI-compatible server (vLLM, llama.cpp's llama-server, TGI, Ollama) in place
//! of the embedded llama.cpp engine: `confide-node serve --backend openai --upstream
//! http://HOST:PORT/v1`. The E2EE termination, metering and receipts stay in confide-node. Prompts
//! and answers cross the link to the upstream in plaintext (plain HTTP), so that link must stay on
//! the machine or a private network.
//!
//! Token accounting: every non-empty text delta of the stream counts as one token
//! (OpenAI-compatible servers stream about one token per chunk, but do not say how many a chunk
//! holds). The final
//! `prompt_tokens` and `completion_tokens` come from the upstream's usage chunk (requested with
//! `stream_options.include_usage`); when it sends none, `prompt_tokens` is 0 and
//! `completion_tokens` is the number of deltas.
//!
//! - `sse`: the incremental Server-Sent-Events parser;
//! - `chunks`: the JSON chunks of a streaming completion;
//! - `pool`: the keep-alive connections;
//! - `relay`: one stream, within its bounds, to a generation's events;
//! - `openai`: the HTTP client, [`OpenAiUpstream`].

mod chunks;
mod openai;
mod pool;
mod relay;
mod sse;

pub use openai::{OpenAiUpstream, UpstreamConfig};
