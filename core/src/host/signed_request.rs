//! Signed prompts (SIGNED_MESSAGES.md "Integration"): a prompt may carry
//! `signed_request: SignedMessage<LlmRequest>`; a host may require one in every prompt.
//!
//! The envelope is verified (signature, time window) without any lock, then checked against the
//! session (signed by its client, addressed to this host, before its deadline), and only then
//! recorded in the host-wide replay guard — so a refused request costs no guard memory. The signed
//! content is what runs: the client is never billed for text it did not sign.

use std::sync::Mutex;

use crate::crypto::Address;
use crate::e2ee::{ChatMessage, PromptRequest};
use crate::error::{Error, ErrorCode, ErrorDetail, Result};
use crate::signed::{LlmRequest, RawSignedMessage, ReplayGuard, VerifyPolicy};

use super::request_memory::SignedRequestMemory;

/// The host's signed-request policy and its process-wide replay memory.
pub(crate) struct SignedRequests {
    required: bool,
    policy: VerifyPolicy,
    memory: Box<dyn SignedRequestMemory>,
}

impl SignedRequests {
    /// `required`: refuse prompts without a signed request; the guard holds `capacity` requests.
    pub fn new(required: bool, capacity: usize) -> Result<Self> {
        Ok(Self {
            required,
            policy: VerifyPolicy::default(),
            memory: Box::new(Mutex::new(ReplayGuard::new(capacity)?)),
        })
    }

    /// Remembers accepted requests in `memory` instead (a store shared with other replicas).
    pub fn set_memory(&mut self, memory: Box<dyn SignedRequestMemory>) {
        self.memory = memory;
    }

    /// The request to run for `prompt` from a session whose client is `client` (`None` for
    /// plaintext sessions), received by the host `host` at `now` (Unix seconds).
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
        let (verified, ticket) = envelope.verify_unrecorded(&self.policy, now)?;
        let signer = verified.signer.ok_or_else(|| {
            Error::new(
                ErrorCode::UnsignedMessage,
                "`signed_request` carries no signature",
            )
        })?;
        let request = check_request(envelope, signer, client, host, now)?;
        if let Some(ticket) = ticket {
            self.memory.record(&ticket, now)?;
        }
        Ok(signed_content(request, &prompt))
    }
}

/// The checks that tie a verified envelope to this session and host.
fn check_request(
    envelope: &RawSignedMessage,
    signer: Address,
    client: Option<Address>,
    host: Option<Address>,
    now: u64,
) -> Result<LlmRequest> {
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
    Ok(request)
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
    use crate::crypto::SecretKey;
    use crate::signed::{MessageScheme, SignOptions, SignedMessage};

    use super::*;

    fn request_from(
        key: &SecretKey,
        executor: &SecretKey,
        system_prompt: Option<&str>,
    ) -> PromptRequest {
        let request = LlmRequest {
            model: "m".into(),
            prompt: "user text".into(),
            system_prompt: system_prompt.map(str::to_owned),
            temperature: Some(0.5),
            max_tokens: Some(7),
            executor_address: executor.address().to_checksum(),
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
        let requests = SignedRequests::new(true, 10).unwrap();
        let plain = requests
            .authorize(
                request_from(&key, &key, None),
                None,
                Some(key.address()),
                100,
            )
            .unwrap();
        assert_eq!(plain.prompt.as_deref(), Some("user text"));
        assert_eq!((plain.max_tokens, plain.temperature), (Some(7), Some(0.5)));
        assert_eq!((plain.top_p, plain.seed), (Some(0.9), Some(5)));
        let requests = SignedRequests::new(true, 10).unwrap();
        let chat = requests
            .authorize(request_from(&key, &key, Some("be brief")), None, None, 100)
            .unwrap();
        let messages = chat.messages.as_ref().unwrap();
        assert_eq!(
            (messages[0].role.as_str(), messages[0].content.as_str()),
            ("system", "be brief")
        );
        assert_eq!(messages[1].content, "user text");
        assert!(chat.prompt.is_none());
    }

    #[test]
    fn a_refused_request_is_not_recorded() {
        let client = SecretKey::from_bytes(&[3; 32]).unwrap();
        let host = SecretKey::from_bytes(&[4; 32]).unwrap();
        let other_host = SecretKey::from_bytes(&[5; 32]).unwrap();
        let requests = SignedRequests::new(true, 10).unwrap();
        // Sent to the wrong host first: refused, and not remembered …
        let misrouted = requests
            .authorize(
                request_from(&client, &host, None),
                Some(client.address()),
                Some(other_host.address()),
                100,
            )
            .unwrap_err();
        assert_eq!(misrouted.code(), ErrorCode::Unauthorized);
        // … so the right host still accepts it, exactly once.
        let prompt = || request_from(&client, &host, None);
        requests
            .authorize(prompt(), Some(client.address()), Some(host.address()), 100)
            .unwrap();
        let replay = requests
            .authorize(prompt(), Some(client.address()), Some(host.address()), 101)
            .unwrap_err();
        assert_eq!(replay.code(), ErrorCode::ReplayDetected);
    }

    /// A memory whose store is down.
    struct Unreachable;

    impl SignedRequestMemory for Unreachable {
        fn record(&self, _: &crate::signed::ReplayTicket, _: u64) -> Result<()> {
            Err(Error::new(ErrorCode::ReplayStoreUnavailable, "store down"))
        }
    }

    #[test]
    fn the_memory_in_use_decides_and_a_failing_one_refuses() {
        let client = SecretKey::from_bytes(&[3; 32]).unwrap();
        let prompt = || request_from(&client, &client, None);
        let mut requests = SignedRequests::new(true, 10).unwrap();
        requests.set_memory(Box::new(Unreachable));
        let refused = requests.authorize(prompt(), None, None, 100).unwrap_err();
        assert_eq!(refused.code(), ErrorCode::ReplayStoreUnavailable);
        // A memory shared by two hosts: what one accepted is a replay at the other.
        let shared = std::sync::Arc::new(Mutex::new(ReplayGuard::new(10).unwrap()));
        struct Shared(std::sync::Arc<Mutex<ReplayGuard>>);
        impl SignedRequestMemory for Shared {
            fn record(&self, ticket: &crate::signed::ReplayTicket, now: u64) -> Result<()> {
                self.0.record(ticket, now)
            }
        }
        let mut first = SignedRequests::new(true, 10).unwrap();
        first.set_memory(Box::new(Shared(std::sync::Arc::clone(&shared))));
        let mut second = SignedRequests::new(true, 10).unwrap();
        second.set_memory(Box::new(Shared(shared)));
        first.authorize(prompt(), None, None, 100).unwrap();
        let replay = second.authorize(prompt(), None, None, 100).unwrap_err();
        assert_eq!(replay.code(), ErrorCode::ReplayDetected);
    }

    #[test]
    fn unsigned_prompts_are_refused_only_when_required() {
        let unsigned = || PromptRequest::from_text("hi");
        let optional = SignedRequests::new(false, 10).unwrap();
        assert!(optional.authorize(unsigned(), None, None, 1).is_ok());
        let required = SignedRequests::new(true, 10).unwrap();
        let error = required.authorize(unsigned(), None, None, 1).unwrap_err();
        assert_eq!(error.code(), ErrorCode::UnsignedMessage);
    }
}
