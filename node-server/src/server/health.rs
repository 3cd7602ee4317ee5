//! `GET /health` and `GET /v1/health`: the host's state from a real check — draining, every
//! model's backend able to generate (an upstream's port answering), encryption available, the
//! shared replay store answering, room for sessions. The deployed SDK polls `/v1/health` before prompts.

use std::time::Duration;

use hyper::StatusCode;
use serde_json::json;

use super::state::AppState;

/// How long the check waits for an upstream's port.
const UPSTREAM_PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// `{"status":"healthy"|"degraded"|"unhealthy","issues":[…]}`, with 503 when unhealthy (the host
/// cannot serve prompts) and 200 otherwise (degraded: it serves, with a limitation).
pub async fn check(state: &AppState) -> (StatusCode, String) {
    let mut unhealthy = Vec::new();
    let mut degraded = Vec::new();
    if state.draining.is_cancelled() {
        unhealthy.push("shutting down".to_owned());
    }
    if state.models.is_empty() {
        unhealthy.push("no model loaded".to_owned());
    }
    for model in &state.models {
        if !model.backend.is_reachable(UPSTREAM_PROBE_TIMEOUT).await {
            unhealthy.push(format!("upstream of model {} unreachable", model.info.id));
        }
    }
    if state.endpoint.host_key().is_none() {
        degraded.push("encryption disabled (no host key)".to_owned());
    }
    if state
        .replay_store
        .as_ref()
        .is_some_and(|store| !store.is_reachable())
    {
        degraded.push("replay store unreachable: new sessions refused".to_owned());
    }
    if state.endpoint.is_at_session_limit() {
        degraded.push("session capacity reached".to_owned());
    }
    let (status, code) = if !unhealthy.is_empty() {
        ("unhealthy", StatusCode::SERVICE_UNAVAILABLE)
    } else if !degraded.is_empty() {
        ("degraded", StatusCode::OK)
    } else {
        ("healthy", StatusCode::OK)
    };
    unhealthy.extend(degraded);
    (
        code,
        json!({ "status": status, "issues": unhealthy }).to_string(),
    )
}
