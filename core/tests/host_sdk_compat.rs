//! The host engine serving the deployed Fabstir SDK's frames unchanged (E2EE.md §3–§6): plaintext
//! prompts without `session_id`, `error_code` beside `code`, token counts on
//! `TOKEN_LIMIT_EXCEEDED`, the context window in `stream_end.usage`, `max_tokens_capped`, and
//! models named by an alias.

use std::sync::Arc;

use confide_core::host::{
    Connection, Endpoint, FinishReason, GenerationEvent, GenerationStart, HostConfig, Output,
    ServedModel,
};
use confide_core::{Error, ErrorCode, ErrorDetail};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::Value;

const NOW_MS: u64 = 1_732_200_000_000;

/// The on-chain name the SDK uses for the model the host serves as `tiny-vicuna`.
const ON_CHAIN_NAME: &str = "CohereForAI/TinyVicuna-1B-32k-GGUF:tiny-vicuna-1b.q4_k_m.gguf";

fn connection() -> Connection {
    let mut model = ServedModel::named("tiny-vicuna");
    model.aliases.push(ON_CHAIN_NAME.to_owned());
    model.context_window = Some(2048);
    model.max_tokens = Some(64);
    let config = HostConfig {
        models: vec![model],
        ..HostConfig::default()
    };
    let endpoint = Endpoint::new(None, config, NOW_MS).unwrap();
    Connection::new(Arc::new(endpoint), NOW_MS)
}

/// The frames and generation starts of one call.
struct Outcome {
    frames: Vec<Value>,
    starts: Vec<GenerationStart>,
}

fn send(connection: &mut Connection, frame: &str) -> Outcome {
    outcome(connection.handle_frame_inline(frame, NOW_MS))
}

fn outcome(outputs: Vec<Output>) -> Outcome {
    let mut result = Outcome {
        frames: Vec::new(),
        starts: Vec::new(),
    };
    for output in outputs {
        match output {
            Output::Frame(text) => result.frames.push(serde_json::from_str(&text).unwrap()),
            Output::Start(start) => result.starts.push(start),
            _ => {}
        }
    }
    result
}

fn open_plaintext(connection: &mut Connection, session_id: &str, job_id: &str) {
    let init = format!(
        r#"{{"type":"session_init","session_id":"{session_id}","jobId":{job_id},"chain_id":84532}}"#
    );
    let ack = send(connection, &init);
    assert_eq!(
        ack.frames[0]["type"], "session_init_ack",
        "{:?}",
        ack.frames
    );
}

/// The plaintext prompt exactly as the SDK's `SessionManager` sends it: no `session_id`.
fn sdk_prompt(job_id: &str, model: &str, max_tokens: u32) -> String {
    format!(
        r#"{{"type":"prompt","chain_id":84532,"jobId":"{job_id}","prompt":"Hi","request":{{"model":"{model}","prompt":"Hi","max_tokens":{max_tokens},"temperature":0.7,"stream":true}},"id":"req-{job_id}"}}"#
    )
}

fn the_error(outcome: &Outcome) -> &Value {
    let errors: Vec<&Value> = outcome
        .frames
        .iter()
        .filter(|f| f["type"] == "error")
        .collect();
    assert_eq!(errors.len(), 1, "{:?}", outcome.frames);
    errors[0]
}

#[test]
fn a_plaintext_prompt_without_session_id_goes_to_the_connections_session() {
    let mut connection = connection();
    open_plaintext(&mut connection, "1917", "1919");
    let started = send(&mut connection, &sdk_prompt("1919", ON_CHAIN_NAME, 16));
    assert_eq!(started.starts.len(), 1, "{:?}", started.frames);
    let start = &started.starts[0];
    assert_eq!(start.session_id.to_string(), "1917");
    assert_eq!(start.request_id.as_ref().unwrap().to_string(), "req-1919");
    assert_eq!(
        start.model.as_deref(),
        Some("tiny-vicuna"),
        "the alias names the model"
    );
    assert_eq!(start.request.max_tokens, Some(16));
}

#[test]
fn with_several_plaintext_sessions_the_job_id_picks_one() {
    let mut connection = connection();
    open_plaintext(&mut connection, "s-a", "1");
    open_plaintext(&mut connection, "s-b", "2");
    let started = send(&mut connection, &sdk_prompt("2", "tiny-vicuna", 8));
    assert_eq!(started.starts[0].session_id.to_string(), "s-b");

    let unknown_job = send(&mut connection, &sdk_prompt("3", "tiny-vicuna", 8));
    let error = the_error(&unknown_job);
    assert_eq!(error["code"], "INVALID_MESSAGE");
    assert!(error["message"].as_str().unwrap().contains("session_id"));

    let no_job = send(
        &mut connection,
        r#"{"type":"prompt","prompt":"Hi","id":"x"}"#,
    );
    let error = the_error(&no_job);
    assert_eq!(error["code"], "INVALID_MESSAGE");
    assert!(error["message"].as_str().unwrap().contains("several"));
}

#[test]
fn without_a_plaintext_session_an_id_less_prompt_names_the_missing_field() {
    let mut connection = connection();
    let refused = send(&mut connection, &sdk_prompt("1919", "tiny-vicuna", 8));
    let error = the_error(&refused);
    assert_eq!(error["code"], "INVALID_MESSAGE");
    assert_eq!(
        error["error_code"], "INVALID_MESSAGE",
        "the SDK reads error_code"
    );
    assert!(error["message"].as_str().unwrap().contains("session_id"));
}

#[test]
fn an_unknown_model_name_is_model_not_found() {
    let mut connection = connection();
    open_plaintext(&mut connection, "1917", "1919");
    let refused = send(&mut connection, &sdk_prompt("1919", "gpt-4", 8));
    let error = the_error(&refused);
    assert_eq!(error["code"], "MODEL_NOT_FOUND");
    assert!(error["message"].as_str().unwrap().contains("tiny-vicuna"));
}

#[test]
fn a_max_tokens_above_the_cap_is_lowered_and_stream_end_says_so() {
    let mut connection = connection();
    open_plaintext(&mut connection, "1917", "1919");
    let start = send(&mut connection, &sdk_prompt("1919", ON_CHAIN_NAME, 4096))
        .starts
        .remove(0);
    assert_eq!(start.request.max_tokens, Some(64));
    let mut rng = StdRng::seed_from_u64(1);
    let end = outcome(connection.handle_generation(
        start.id,
        GenerationEvent::Finished {
            finish_reason: FinishReason::Length,
            prompt_tokens: 3,
            completion_tokens: 64,
        },
        NOW_MS,
        &mut rng,
    ));
    let stream_end = end.frames.last().unwrap();
    assert_eq!(stream_end["type"], "stream_end");
    assert_eq!(stream_end["max_tokens_capped"], true);
    assert_eq!(stream_end["usage"]["context_window_size"], 2048);
    assert_eq!(stream_end["usage"]["total_tokens"], 67);

    let uncapped = send(&mut connection, &sdk_prompt("1919", ON_CHAIN_NAME, 16))
        .starts
        .remove(0);
    let end = outcome(connection.handle_generation(
        uncapped.id,
        GenerationEvent::Finished {
            finish_reason: FinishReason::Stop,
            prompt_tokens: 3,
            completion_tokens: 5,
        },
        NOW_MS,
        &mut rng,
    ));
    let stream_end = end.frames.last().unwrap();
    assert!(
        stream_end.get("max_tokens_capped").is_none(),
        "{stream_end}"
    );
}

#[test]
fn token_limit_exceeded_carries_the_counts_at_top_level() {
    let mut connection = connection();
    open_plaintext(&mut connection, "1917", "1919");
    let start = send(&mut connection, &sdk_prompt("1919", "tiny-vicuna", 8))
        .starts
        .remove(0);
    let error = Error::new(ErrorCode::TokenLimitExceeded, "prompt too long").with_detail(
        ErrorDetail::TokenLimit {
            prompt_tokens: 5000,
            context_window_size: 2048,
        },
    );
    let mut rng = StdRng::seed_from_u64(1);
    let failed = outcome(connection.handle_generation(
        start.id,
        GenerationEvent::Failed(error),
        NOW_MS,
        &mut rng,
    ));
    let frame = the_error(&failed);
    assert_eq!(frame["code"], "TOKEN_LIMIT_EXCEEDED");
    assert_eq!(frame["error_code"], "TOKEN_LIMIT_EXCEEDED");
    assert_eq!(frame["prompt_tokens"], 5000);
    assert_eq!(frame["context_window_size"], 2048);
    assert_eq!(frame["session_id"], "1917");
}
