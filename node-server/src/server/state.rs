//! What every connection shares: configuration, host key, models, metrics and shutdown signals.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use confide_core::crypto::SecretKey;
use confide_core::signed::{Verifier, VerifyPolicy};
use confide_core::{Error, ErrorCode};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::backend::Backend;
use crate::config::ServerConfig;
use crate::inference::ModelInfo;
use crate::metrics::Metrics;
use crate::server::signed_request::SignedRequests;

/// One model the host serves.
pub struct ServedModel {
    /// Id and context length, as `/v1/info` lists them.
    pub info: ModelInfo,
    /// What generates its text.
    pub backend: Backend,
}

impl ServedModel {
    /// Serves `backend` under the model info it reports.
    #[must_use]
    pub fn new(backend: Backend) -> Self {
        Self {
            info: backend.model_info(),
            backend,
        }
    }
}

/// Shared state of a running host.
pub struct AppState {
    /// Limits and policy.
    pub config: ServerConfig,
    /// The host key; `None` means plaintext only.
    pub host_key: Option<SecretKey>,
    /// Served models; the first is the default.
    pub models: Vec<ServedModel>,
    /// Prometheus metrics.
    pub metrics: Metrics,
    /// Live sessions across all connections.
    pub sessions: AtomicUsize,
    /// Open (or opening) WebSocket connections.
    connections: AtomicUsize,
    /// Signed-request policy and the host-wide replay memory for signed requests.
    pub signed_requests: SignedRequests,
    /// Cancelled when shutdown starts: connections stop taking new work and drain.
    pub draining: CancellationToken,
    /// Cancelled when the shutdown grace period is over: running generations stop.
    pub abort_generations: CancellationToken,
}

impl AppState {
    /// A host with no sessions yet.
    pub fn new(
        config: ServerConfig,
        host_key: Option<SecretKey>,
        models: Vec<ServedModel>,
    ) -> Self {
        let signed_requests = SignedRequests::new(
            config.policy.require_signed_requests,
            Verifier::new(VerifyPolicy::default()),
        );
        Self {
            config,
            host_key,
            models,
            signed_requests,
            metrics: Metrics::new(),
            sessions: AtomicUsize::new(0),
            connections: AtomicUsize::new(0),
            draining: CancellationToken::new(),
            abort_generations: CancellationToken::new(),
        }
    }

    /// The model named `requested`, or the default one; an unknown name is `MODEL_NOT_FOUND`.
    pub fn model(&self, requested: Option<&str>) -> Result<&ServedModel, Error> {
        match requested {
            None => self.models.first(),
            Some(name) => self.models.iter().find(|m| m.info.id == name),
        }
        .ok_or_else(|| {
            let served: Vec<&str> = self.models.iter().map(|m| m.info.id.as_str()).collect();
            Error::new(
                ErrorCode::ModelNotFound,
                format!("model not served here; available: {}", served.join(", ")),
            )
        })
    }

    /// The `/v1/info` document.
    pub fn info_json(&self) -> String {
        let models: Vec<_> = self
            .models
            .iter()
            .map(|m| json!({"id": m.info.id, "context_length": m.info.context_length}))
            .collect();
        let key = self.host_key.as_ref();
        json!({
            "version": env!("CARGO_PKG_VERSION"),
            "publicKey": key.map(|k| confide_core::hex::encode_prefixed(&k.public_key().to_compressed())),
            "address": key.map(|k| k.address().to_checksum()),
            "encryption": key.is_some(),
            "models": models,
            "schemes": ["eip191", "sdk-transcript"],
            "chainIds": self.config.policy.chain_ids,
        })
        .to_string()
    }
}

/// A reserved WebSocket connection; released when dropped.
pub struct ConnectionSlot(Arc<AppState>);

impl ConnectionSlot {
    /// Reserves a connection, or `None` when the host is at `max_connections`.
    pub fn acquire(state: &Arc<AppState>) -> Option<Self> {
        let max = state.config.limits.max_connections;
        state
            .connections
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |open| {
                (open < max).then_some(open + 1)
            })
            .ok()
            .map(|_| Self(Arc::clone(state)))
    }
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        self.0.connections.fetch_sub(1, Ordering::AcqRel);
    }
}
