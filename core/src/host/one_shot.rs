//! One-shot plaintext inference (`POST /v1/inference`, the deployed SDK's non-streaming
//! `sendPrompt`): the request body checked like any plaintext prompt, and the JSON answer with
//! usage and the host's signed receipt.

use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

use super::endpoint::Endpoint;
use super::output::FinishReason;
use super::receipt::{ResponseHasher, sign_receipt};
use crate::e2ee::{PromptRequest, Usage, WireId};
use crate::error::{Error, Result};
use crate::signed::UsageRecord;

/// The ids a one-shot request may carry besides the prompt fields.
#[derive(Deserialize)]
struct RequestIds {
    #[serde(alias = "sessionId", default)]
    session_id: Option<WireId>,
    #[serde(alias = "jobId", default)]
    job_id: Option<WireId>,
    #[serde(alias = "chainId", default)]
    chain_id: Option<u64>,
}

/// The JSON answer; the receipt stays raw so its signed bytes reach the client untouched.
#[derive(Serialize)]
struct Answer<'a> {
    response: &'a str,
    model: &'a str,
    finish_reason: &'static str,
    usage: Usage,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    max_tokens_capped: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    receipt: Option<Box<RawValue>>,
}

/// An admitted one-shot request: run [`request`](Self::request) on [`model`](Self::model), then
/// answer with [`response_json`](Self::response_json). `Debug` shows no prompt text.
#[derive(Debug)]
pub struct OneShotInference {
    /// What to generate, `max_tokens` capped.
    pub request: PromptRequest,
    /// The served model's id (`None`: the driver's default).
    pub model: Option<String>,
    context_window: Option<u64>,
    max_tokens_capped: bool,
    session_id: Option<WireId>,
    job_id: Option<WireId>,
    chain_id: Option<u64>,
}

impl Endpoint {
    /// Checks a `/v1/inference` body `{"model","prompt"|"messages","max_tokens","temperature",
    /// "sessionId","jobId",…}` at `now` (Unix seconds): refused with `ENCRYPTION_REQUIRED` when the
    /// host requires encryption, `INVALID_MESSAGE` when it is not a JSON object, and otherwise
    /// checked as a plaintext prompt (signed request, model, token cap).
    pub fn admit_one_shot(&self, body: &[u8], now: u64) -> Result<OneShotInference> {
        self.refuse_plaintext_when_required()?;
        let not_an_object = || Error::invalid_message("expected a JSON object with a prompt");
        let ids: RequestIds = match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(fields)) => {
                serde_json::from_value(Value::Object(fields)).map_err(|_| not_an_object())?
            }
            _ => return Err(not_an_object()),
        };
        let admitted = self.admit_request(PromptRequest::parse(body)?, None, None, now)?;
        Ok(OneShotInference {
            request: admitted.request,
            model: admitted.model,
            context_window: admitted.context_window,
            max_tokens_capped: admitted.max_tokens_capped,
            session_id: ids.session_id,
            job_id: ids.job_id,
            chain_id: ids.chain_id,
        })
    }
}

impl OneShotInference {
    /// The answer: `{"response","model","finish_reason","usage":{…,"context_window_size"},
    /// "max_tokens_capped"?, "receipt"?}`, with a receipt signed by the host key when there is one
    /// (its `client_address` empty: a plaintext caller is anonymous).
    pub fn response_json(
        &self,
        endpoint: &Endpoint,
        text: &str,
        finish_reason: FinishReason,
        usage: Usage,
        now: u64,
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> String {
        let usage = Usage {
            context_window_size: self.context_window,
            ..usage
        };
        let model = self.model.clone().unwrap_or_default();
        let receipt = endpoint.host_key().map(|key| {
            let mut hasher = ResponseHasher::default();
            hasher.update(text);
            let record = UsageRecord {
                session_id: self
                    .session_id
                    .as_ref()
                    .map(WireId::to_string)
                    .unwrap_or_default(),
                job_id: self.job_id.as_ref().map(WireId::to_string),
                chain_id: self.chain_id,
                model: model.clone(),
                prompt_tokens: usage.prompt_tokens,
                completion_tokens: usage.completion_tokens,
                response_sha256: hasher.finish_hex(),
                client_address: String::new(),
                timestamp: now,
            };
            sign_receipt(record, key, rng)
        });
        let answer = Answer {
            response: text,
            model: &model,
            finish_reason: finish_reason.as_str(),
            usage,
            max_tokens_capped: self.max_tokens_capped,
            receipt,
        };
        serde_json::to_string(&answer).expect("answers always serialize")
    }
}
