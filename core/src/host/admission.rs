//! The checks every prompt passes before a generation starts, wherever it came from (a
//! connection's encrypted or plaintext prompt, or a one-shot HTTP request): the signed-request
//! authorization, the model it names, and the model's cap on `max_tokens`.

use super::endpoint::Endpoint;
use crate::crypto::Address;
use crate::e2ee::PromptRequest;
use crate::error::{Error, ErrorCode, Result};

/// A prompt that may run.
pub(crate) struct Admitted {
    /// What to generate (for signed requests: the signed content), `max_tokens` capped.
    pub request: PromptRequest,
    /// The served model's id (or the requested name when the host lists no models).
    pub model: Option<String>,
    /// The model's context window, for `usage.context_window_size`.
    pub context_window: Option<u64>,
    /// Whether `max_tokens` was lowered to the model's cap.
    pub max_tokens_capped: bool,
}

impl Endpoint {
    /// Authorizes `request` from `client` (`None`: a plaintext sender) at `now`, resolves the model
    /// it names (else `default_model`, else the host's default) and applies the model's token cap.
    pub(crate) fn admit_request(
        &self,
        request: PromptRequest,
        client: Option<Address>,
        default_model: Option<String>,
        now: u64,
    ) -> Result<Admitted> {
        let mut request =
            self.signed_requests()
                .authorize(request, client, self.host_address(), now)?;
        request.check_sampling()?;
        let requested = request.model.clone().or(default_model);
        let served = self.served_model(requested.as_deref())?;
        let max_tokens_capped = cap_max_tokens(&mut request, served.and_then(|m| m.max_tokens));
        Ok(Admitted {
            model: served.map(|m| m.id.clone()).or(requested),
            context_window: served.and_then(|m| m.context_window),
            max_tokens_capped,
            request,
        })
    }

    /// `ENCRYPTION_REQUIRED` when the host refuses plaintext.
    pub(crate) fn refuse_plaintext_when_required(&self) -> Result<()> {
        if self.config().policy.require_encryption {
            return Err(Error::new(
                ErrorCode::EncryptionRequired,
                "this host requires encrypted sessions (encrypted_session_init)",
            ));
        }
        Ok(())
    }
}

/// Lowers a `max_tokens` above `cap` to the cap; whether it did (a request that names no
/// `max_tokens` gets the backend's default and is not capped).
fn cap_max_tokens(request: &mut PromptRequest, cap: Option<u32>) -> bool {
    match (request.max_tokens, cap) {
        (Some(asked), Some(cap)) if asked > cap => {
            request.max_tokens = Some(cap);
            true
        }
        _ => false,
    }
}
