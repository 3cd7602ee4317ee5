//! The tokio driver of the core's aggregator: queries run in parallel (heaviest validators first,
//! at most `parallel` at once), each under a timeout; a timed-out query is retried once; once the
//! quorum is reached (or out of reach) the outstanding queries are aborted, so a late answer costs
//! nothing and leaks nothing.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use confide_core::warp::{Aggregator, AggregatorConfig, Outcome, UnsignedMessage, ValidatorSet};
use tokio::task::JoinSet;

use super::http::SIGNATURE_PATH;
use crate::http_client;

/// Largest response body read from a validator (a signature is 96 bytes; errors are short JSON).
const MAX_RESPONSE_BYTES: usize = 4096;

/// How one query ended.
enum Answer {
    Signature(Vec<u8>),
    Failed(String),
    TimedOut,
}

/// Aggregates signatures over `message` from `validators` (their endpoints are base URLs). The
/// aggregator's own settings come from `config`; `timeout` bounds each request.
pub async fn aggregate(
    message: UnsignedMessage,
    justification: Vec<u8>,
    validators: Arc<ValidatorSet>,
    config: AggregatorConfig,
    timeout: Duration,
) -> Result<Outcome, String> {
    let timeout_ms = u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX);
    let config = AggregatorConfig {
        // The tasks time out themselves; the state machine's deadline is only a backstop.
        request_timeout_ms: timeout_ms.saturating_add(1_000),
        ..config
    };
    let mut aggregator = Aggregator::new(message, justification, validators, config)
        .map_err(|err| err.message().to_owned())?;
    let request = Bytes::copy_from_slice(aggregator.request_bytes());
    let start = Instant::now();
    let now_ms = || u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
    let mut tasks: JoinSet<(u64, Answer)> = JoinSet::new();
    loop {
        aggregator.expire(now_ms());
        while let Some(query) = aggregator.poll_query(now_ms()) {
            let request = request.clone();
            let endpoint = query.endpoint.clone();
            tasks.spawn(async move {
                let Some(endpoint) = endpoint else {
                    return (query.id, Answer::Failed("no url".into()));
                };
                match tokio::time::timeout(timeout, post(&endpoint, request)).await {
                    Ok(Ok(bytes)) => (query.id, Answer::Signature(bytes)),
                    Ok(Err(reason)) => (query.id, Answer::Failed(reason)),
                    Err(_) => (query.id, Answer::TimedOut),
                }
            });
        }
        if aggregator.is_finished() {
            break;
        }
        let Some(joined) = tasks.join_next().await else {
            break;
        };
        let Ok((id, answer)) = joined else {
            continue;
        };
        match answer {
            Answer::Signature(bytes) => {
                // Parse (subgroup check) and, when the quorum is in reach, one batch check: CPU
                // work of a few ms at most per call.
                aggregator.on_response(id, &bytes, &mut rand::rng());
            }
            Answer::Failed(reason) => aggregator.on_failure(id, &reason),
            Answer::TimedOut => aggregator.on_timeout(id),
        }
    }
    // Dropping the set aborts every query still running: late answers are never awaited.
    tasks.abort_all();
    aggregator
        .into_outcome()
        .ok_or_else(|| "the aggregation stopped before an outcome (no validator to ask)".to_owned())
}

/// POSTs the request to `base_url` + `/v1/warp/signature`; the body of a 200, or why not.
async fn post(base_url: &str, body: Bytes) -> Result<Vec<u8>, String> {
    let url = format!("{}{SIGNATURE_PATH}", base_url.trim_end_matches('/'));
    let body = http_client::Body {
        content_type: "application/octet-stream",
        bytes: body,
    };
    let answer = http_client::send(&url, Some(body), MAX_RESPONSE_BYTES).await?;
    if answer.status.is_success() {
        return Ok(answer.body.to_vec());
    }
    let detail = serde_json::from_slice::<serde_json::Value>(&answer.body)
        .ok()
        .map(|v| {
            format!(
                " (code {}: {})",
                v["code"],
                v["message"].as_str().unwrap_or("")
            )
        })
        .unwrap_or_default();
    Err(format!("HTTP {}{detail}", answer.status.as_u16()))
}
