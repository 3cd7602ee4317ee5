//! The tokio driver of the core's aggregator: queries run in parallel (heaviest validators first,
//! at most `parallel` at once), each under a timeout; a timed-out query is retried once; once the
//! quorum is reached (or out of reach) the outstanding queries are aborted, so a late answer costs
//! nothing and leaks nothing.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use confide_core::warp::{Aggregator, AggregatorConfig, Outcome, UnsignedMessage, ValidatorSet};
use http_body_util::{BodyExt, Full, Limited};
use hyper::header::{CONTENT_TYPE, HOST};
use hyper::{Request, Uri};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::task::JoinSet;

use super::http::SIGNATURE_PATH;

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
    let uri: Uri = url.parse().map_err(|_| format!("{url} is not a URL"))?;
    if uri.scheme_str() != Some("http") {
        return Err(format!("{url}: only http:// is supported"));
    }
    let authority = uri
        .authority()
        .ok_or_else(|| format!("{url} has no host"))?;
    let address = format!(
        "{}:{}",
        authority.host(),
        authority.port_u16().unwrap_or(80)
    );
    let stream = TcpStream::connect(&address)
        .await
        .map_err(|err| format!("cannot connect to {address}: {err}"))?;
    let _ = stream.set_nodelay(true);
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|err| format!("HTTP handshake with {address} failed: {err}"))?;
    let connection = tokio::spawn(connection);
    let request = Request::post(uri.path())
        .header(HOST, authority.as_str())
        .header(CONTENT_TYPE, "application/octet-stream")
        .body(Full::new(body))
        .map_err(|err| format!("cannot build the request: {err}"))?;
    let result = async {
        let response = sender
            .send_request(request)
            .await
            .map_err(|err| format!("POST {url} failed: {err}"))?;
        let status = response.status();
        let body = Limited::new(response.into_body(), MAX_RESPONSE_BYTES)
            .collect()
            .await
            .map_err(|_| {
                format!("the answer of {url} is over {MAX_RESPONSE_BYTES} bytes or broken")
            })?
            .to_bytes();
        if status.is_success() {
            Ok(body.to_vec())
        } else {
            let detail = serde_json::from_slice::<serde_json::Value>(&body)
                .ok()
                .map(|v| {
                    format!(
                        " (code {}: {})",
                        v["code"],
                        v["message"].as_str().unwrap_or("")
                    )
                })
                .unwrap_or_default();
            Err(format!("HTTP {}{detail}", status.as_u16()))
        }
    }
    .await;
    connection.abort();
    result
}
