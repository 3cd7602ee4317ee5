//! Signed prompts (SIGNED_MESSAGES.md "Integration"): a prompt may carry
//! `signed_request: SignedMessage<LlmRequest>`; with `--require-signed-requests` every prompt must.
//!
//! A signed request is verified (signature, time window, replay across the whole host), must be
//! signed by the session's client (encrypted sessions), addressed to this host, and not past its
//! deadline. Its content is then what runs: the signed prompt, system prompt, model, max_tokens and
//! temperature replace the unsigned fields, so the client can never be billed for text it did not
//! sign.

use std::sync::Mutex;

use confide_core::crypto::Address;
use confide_core::e2ee::{ChatMessage, PromptRequest};
use confide_core::signed::{LlmRequest, Verifier};
use confide_core::{Error, ErrorCode, ErrorDetail, Result};

/// The host's signed-request policy and its process-wide replay memory.
pub struct SignedRequests {
    required: bool,
    verifier: Mutex<Verifier>,
}

impl SignedRequests {
    /// `required`: refuse prompts without a signed request.
    pub fn new(required: bool, verifier: Verifier) -> Self {
        Self {
            required,
            verifier: Mutex::new(verifier),
        }
    }

    /// The request to run for `prompt` from a session whose client is `client` (`None` for
    /// plaintext sessions), received by the host `host` at `now`.
    pub fn authorize(
        &self,
        prompt: PromptRequest,
        client: Option<Address>,
        host: Option<Address>,
        now: u64,
    ) -> Result<PromptRequest> {
        let Some(envelope) = prompt.signed_request.as_ref() else {
            if self.required {
                return Err(Error::new(
                    ErrorCode::UnsignedMessage,
                    "this host requires `signed_request` (a SignedMessage<LlmRequest>) in every prompt",
                ));
            }
            return Ok(prompt);
        };
        let verified = self
            .verifier
            .lock()
            .expect("the verifier is never left poisoned: it does not panic")
            .verify(envelope, now)?;
        let signer = verified.signer.ok_or_else(|| {
            Error::new(
                ErrorCode::UnsignedMessage,
                "`signed_request` carries no signature",
            )
        })?;
        if let Some(client) = client
            && client != signer
        {
            return Err(Error::new(
                ErrorCode::InvalidSigner,
                format!("the request is signed by {signer}, but this session's client is {client}"),
            )
            .with_detail(ErrorDetail::InvalidSigner {
                expected: client,
                recovered: signer,
            }));
        }
        let request: LlmRequest = envelope.payload()?;
        let executor = Address::parse(&request.executor_address).map_err(|_| {
            Error::new(
                ErrorCode::InvalidMessage,
                "`executor_address` is not an address",
            )
        })?;
        if host.is_some_and(|host| host != executor) {
            return Err(Error::new(
                ErrorCode::Unauthorized,
                format!("the request is addressed to executor {executor}, not to this host"),
            ));
        }
        if request.deadline != 0 && request.deadline < now {
            return Err(Error::new(
                ErrorCode::MessageExpired,
                "the signed request's deadline has passed",
            ));
        }
        Ok(signed_content(request, &prompt))
    }
}

/// The prompt to run: the signed request's content, with the unsigned sampling knobs the signed
/// request does not cover (top_p, seed) kept from the outer prompt.
fn signed_content(request: LlmRequest, outer: &PromptRequest) -> PromptRequest {
    let mut prompt = PromptRequest::default();
    match request.system_prompt.clone() {
        Some(system) => {
            prompt.messages = Some(vec![
                ChatMessage {
                    role: "system".into(),
                    content: system,
                },
                ChatMessage {
                    role: "user".into(),
                    content: request.prompt.clone(),
                },
            ]);
        }
        None => prompt.prompt = Some(request.prompt.clone()),
    }
    prompt.model = Some(request.model.clone());
    prompt.max_tokens = request.max_tokens;
    prompt.temperature = request.temperature;
    prompt.top_p = outer.top_p;
    prompt.seed = outer.seed;
    prompt.signed_request = outer.signed_request.clone();
    prompt
}

#[cfg(test)]
mod tests {
    use confide_core::crypto::SecretKey;
    use confide_core::signed::{MessageScheme, SignOptions, SignedMessage, VerifyPolicy};

    use super::*;

    fn request_from(key: &SecretKey, system_prompt: Option<&str>) -> PromptRequest {
        let request = LlmRequest {
            model: "m".into(),
            prompt: "user text".into(),
            system_prompt: system_prompt.map(str::to_owned),
            temperature: Some(0.5),
            max_tokens: Some(7),
            executor_address: key.address().to_checksum(),
            inbound_price: "0".into(),
            outbound_price: "0".into(),
            nonce: 1,
            deadline: 0,
        };
        let options = SignOptions {
            timestamp: 100,
            nonce: Some(1),
            scheme: MessageScheme::ConfideV1,
        };
        let envelope = SignedMessage::sign(request, key, options)
            .unwrap()
            .to_json();
        let text =
            format!(r#"{{"prompt":"outer","top_p":0.9,"seed":5,"signed_request":{envelope}}}"#);
        PromptRequest::parse(text.as_bytes()).unwrap()
    }

    #[test]
    fn the_signed_content_replaces_the_unsigned_fields() {
        let key = SecretKey::from_bytes(&[3; 32]).unwrap();
        let policy = SignedRequests::new(true, Verifier::new(VerifyPolicy::default()));
        let plain = policy
            .authorize(request_from(&key, None), None, Some(key.address()), 100)
            .unwrap();
        assert_eq!(plain.prompt.as_deref(), Some("user text"));
        assert_eq!((plain.max_tokens, plain.temperature), (Some(7), Some(0.5)));
        assert_eq!((plain.top_p, plain.seed), (Some(0.9), Some(5)));
        let policy = SignedRequests::new(true, Verifier::new(VerifyPolicy::default()));
        let chat = policy
            .authorize(request_from(&key, Some("be brief")), None, None, 100)
            .unwrap();
        let messages = chat.messages.as_ref().unwrap();
        assert_eq!(
            (messages[0].role.as_str(), messages[0].content.as_str()),
            ("system", "be brief")
        );
        assert_eq!(messages[1].content, "user text");
        assert!(chat.prompt.is_none());
    }
}
