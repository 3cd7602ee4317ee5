//! The HTTP endpoints that take a body: `POST /v1/auth/challenge` (the host proves its key) and
//! `POST /v1/inference` (the deployed SDK's non-streaming prompt). Both are rate limited
//! host-wide; their rules are the core's ([`answer_auth_challenge`],
//! [`Endpoint::admit_one_shot`](confide_core::host::Endpoint::admit_one_shot)).

use bytes::Bytes;
use confide_core::e2ee::Usage;
use confide_core::e2ee::wire::ErrorFrame;
use confide_core::host::{FinishReason, OneShotInference, answer_auth_challenge};
use confide_core::{Error, ErrorCode};
use http_body_util::{BodyExt, Limited};
use hyper::StatusCode;
use hyper::body::Incoming;

use super::generation::{generation_request, protocol_error};
use super::state::AppState;
use crate::clock::{unix_now, unix_now_ms};
use crate::inference::GenerationEvent;

/// Largest challenge body accepted.
const CHALLENGE_BODY_BYTES: usize = 1024;

/// A status and a JSON body.
pub type JsonReply = (StatusCode, String);

/// `POST /v1/auth/challenge`.
pub async fn auth_challenge(state: &AppState, body: Incoming) -> JsonReply {
    let Some(key) = state.endpoint.host_key() else {
        let error = Error::new(
            ErrorCode::EncryptionNotSupported,
            "this host has no key to prove",
        );
        return error_reply(&error);
    };
    let result = async {
        admit(state)?;
        let body = read_body(body, CHALLENGE_BODY_BYTES).await?;
        answer_auth_challenge(key, &body)
    }
    .await;
    match result {
        Ok(answer) => (StatusCode::OK, answer),
        Err(error) => error_reply(&error),
    }
}

/// `POST /v1/inference`: the whole answer at once, with usage and the receipt.
pub async fn inference(state: &AppState, body: Incoming) -> JsonReply {
    match run_inference(state, body).await {
        Ok(answer) => (StatusCode::OK, answer),
        Err(error) => error_reply(&error),
    }
}

async fn run_inference(state: &AppState, body: Incoming) -> Result<String, Error> {
    admit(state)?;
    let body = read_body(body, state.config.limits.max_frame_bytes).await?;
    let one_shot = state.endpoint.admit_one_shot(&body, unix_now())?;
    let model = state.model(one_shot.model.as_deref())?;
    let cancel = state.abort_generations.child_token();
    // New handshakes yield to this generation until it ends (server/init_pool.rs).
    let _streaming = state.init_pool.streaming();
    let mut events = model
        .backend
        .generate(generation_request(&one_shot.request), cancel.clone())
        .await
        .map_err(|error| protocol_error(&error))?;
    // Dropping the guard (the client went away, the future is dropped) stops the generation.
    let _stop_on_drop = cancel.drop_guard();
    let mut text = String::new();
    while let Some(event) = events.recv().await {
        match event {
            GenerationEvent::Text { text: piece, .. } => text.push_str(&piece),
            GenerationEvent::Done {
                finish_reason,
                prompt_tokens,
                completion_tokens,
            } => {
                let usage = Usage::new(u64::from(prompt_tokens), u64::from(completion_tokens));
                return Ok(answer(state, &one_shot, &text, finish_reason, usage));
            }
            GenerationEvent::Failed(error) => return Err(protocol_error(&error)),
        }
    }
    Err(Error::new(
        ErrorCode::InferenceFailed,
        "the generation ended without a result",
    ))
}

fn answer(
    state: &AppState,
    one_shot: &OneShotInference,
    text: &str,
    finish_reason: FinishReason,
    usage: Usage,
) -> String {
    let mut rng = rand::rng();
    one_shot.response_json(
        &state.endpoint,
        text,
        finish_reason,
        usage,
        unix_now(),
        &mut rng,
    )
}

/// Refuses work while draining and past the host-wide request budget.
fn admit(state: &AppState) -> Result<(), Error> {
    if state.draining.is_cancelled() {
        return Err(Error::new(
            ErrorCode::RateLimited,
            "shutting down; try again on another host",
        ));
    }
    if !state
        .http_budget
        .lock()
        .expect("never poisoned")
        .try_take(unix_now_ms())
    {
        return Err(Error::new(
            ErrorCode::RateLimited,
            "too many HTTP requests; slow down",
        ));
    }
    Ok(())
}

/// The body, at most `limit` bytes (`MESSAGE_TOO_LARGE` beyond).
async fn read_body(body: Incoming, limit: usize) -> Result<Bytes, Error> {
    Limited::new(body, limit)
        .collect()
        .await
        .map(http_body_util::Collected::to_bytes)
        .map_err(|_| {
            Error::new(
                ErrorCode::MessageTooLarge,
                format!("request body unreadable or over {limit} bytes"),
            )
        })
}

/// The HTTP status of an error code, and the error as the WebSocket protocol would send it
/// (`code`, `error_code`, `message`, token counts).
fn error_reply(error: &Error) -> JsonReply {
    let status = match error.code() {
        ErrorCode::EncryptionRequired => StatusCode::FORBIDDEN,
        ErrorCode::ModelNotFound => StatusCode::NOT_FOUND,
        ErrorCode::MessageTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::EncryptionNotSupported => StatusCode::NOT_IMPLEMENTED,
        ErrorCode::InferenceFailed | ErrorCode::Internal => StatusCode::BAD_GATEWAY,
        ErrorCode::Unauthorized | ErrorCode::InvalidSigner => StatusCode::UNAUTHORIZED,
        _ => StatusCode::BAD_REQUEST,
    };
    let frame = ErrorFrame::new(error, None, None);
    (
        status,
        serde_json::to_string(&frame).expect("error frames always serialize"),
    )
}
