//! What every connection shares: configuration, the host engine's endpoint, models, metrics, the
//! init worker pool and shutdown signals.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use confide_core::crypto::SecretKey;
use confide_core::host::{Endpoint, TokenBucket};
use confide_core::{Error, ErrorCode};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::init_pool::InitPool;
use crate::backend::Backend;
use crate::clock::unix_now_ms;
use crate::config::ServerConfig;
use crate::inference::ModelInfo;
use crate::metrics::Metrics;
use crate::replay_store::ReplayStore;

/// One model the host serves.
pub struct ServedModel {
    /// Id and context length, as `/v1/info` lists them.
    pub info: ModelInfo,
    /// Other names clients may use for it (`--model-alias`).
    pub aliases: Vec<String>,
    /// What generates its text.
    pub backend: Backend,
}

impl ServedModel {
    /// Serves `backend` under the model info it reports.
    #[must_use]
    pub fn new(backend: Backend) -> Self {
        Self {
            info: backend.model_info(),
            aliases: Vec::new(),
            backend,
        }
    }

    /// The same model served under the id `id`.
    #[must_use]
    pub fn with_id(mut self, id: String) -> Self {
        self.info.id = id;
        self
    }

    /// What the host engine knows of it: names, context window and the backend's token cap.
    fn engine_entry(&self) -> confide_core::host::ServedModel {
        confide_core::host::ServedModel {
            id: self.info.id.clone(),
            aliases: self.aliases.clone(),
            context_window: Some(u64::from(self.info.context_length)),
            max_tokens: Some(self.backend.max_tokens()),
        }
    }
}

/// Shared state of a running host.
pub struct AppState {
    /// Limits and policy.
    pub config: ServerConfig,
    /// The host engine's process-wide part: key, replay memory, signed-request guard, session
    /// accounting, init rate limit.
    pub endpoint: Arc<Endpoint>,
    /// Served models; the first is the default.
    pub models: Vec<ServedModel>,
    /// Prometheus metrics.
    pub metrics: Metrics,
    /// Runs session-init cryptography off the async runtime.
    pub init_pool: InitPool,
    /// Host-wide budget of `POST` requests (challenges, one-shot inference).
    pub http_budget: Mutex<TokenBucket>,
    /// Open (or opening) WebSocket connections.
    connections: AtomicUsize,
    /// Cancelled when shutdown starts: connections stop taking new work and drain.
    pub draining: CancellationToken,
    /// Cancelled when the shutdown grace period is over: running generations stop.
    pub abort_generations: CancellationToken,
    /// The Warp signer (`POST /v1/warp/signature`, `/v1/info` fields); `None`: not configured.
    pub warp: Option<Arc<crate::warp::WarpNode>>,
    /// The replay memory shared with other replicas (`--replay-store`); `None`: in-process.
    pub replay_store: Option<ReplayStore>,
}

impl AppState {
    /// A host with no sessions yet: the engine's endpoint is built from `config` with `host_key`
    /// (`None`: plaintext only) serving `models`. A limit the engine refuses is `INVALID_ARGUMENT`.
    pub fn new(
        config: ServerConfig,
        host_key: Option<SecretKey>,
        models: Vec<ServedModel>,
    ) -> Result<Self, Error> {
        let entries = models.iter().map(ServedModel::engine_entry).collect();
        let metrics = Metrics::new();
        let mut endpoint = Endpoint::new(host_key, config.host_config(entries), unix_now_ms())?;
        let replay_store = match &config.replay_store {
            None => None,
            Some(url) => {
                let timeout = config.limits.replay_store_timeout;
                let store = ReplayStore::new(url, timeout, metrics.replay_store())
                    .map_err(|message| Error::new(ErrorCode::InvalidArgument, message))?;
                endpoint = endpoint
                    .with_replay_memory(store.init_memory())
                    .with_signed_request_memory(store.request_memory());
                Some(store)
            }
        };
        let init_pool = InitPool::new(config.limits.init_workers, config.limits.init_nice)
            .map_err(|_| Error::new(ErrorCode::Internal, "could not start the init threads"))?;
        Ok(Self {
            init_pool,
            http_budget: Mutex::new(TokenBucket::new(
                config.limits.http_requests_per_second,
                config.limits.http_requests_per_second.saturating_mul(2),
                unix_now_ms(),
            )),
            config,
            endpoint: Arc::new(endpoint),
            models,
            metrics,
            connections: AtomicUsize::new(0),
            draining: CancellationToken::new(),
            abort_generations: CancellationToken::new(),
            warp: None,
            replay_store,
        })
    }

    /// The backend serving the model id `model` (the engine resolved it), or the default one.
    pub fn model(&self, model: Option<&str>) -> Result<&ServedModel, Error> {
        match model {
            None => self.models.first(),
            Some(id) => self.models.iter().find(|m| m.info.id == id),
        }
        .ok_or_else(|| Error::new(ErrorCode::ModelNotFound, "model not served here"))
    }

    /// The `/v1/info` document.
    pub fn info_json(&self) -> String {
        let models: Vec<_> = self
            .models
            .iter()
            .map(|m| json!({"id": m.info.id, "aliases": m.aliases, "context_length": m.info.context_length}))
            .collect();
        let key = self.endpoint.host_key();
        let mut info = json!({
            "version": env!("CARGO_PKG_VERSION"),
            "publicKey": key.map(|k| confide_core::hex::encode_prefixed(&k.public_key().to_compressed())),
            "address": key.map(|k| k.address().to_checksum()),
            "encryption": key.is_some(),
            "models": models,
            "schemes": ["eip191", "sdk-transcript"],
            "chainIds": self.config.policy.chain_ids,
        });
        if let (Some(warp), Some(fields)) = (&self.warp, info.as_object_mut()) {
            fields.extend(warp.info_fields());
        }
        info.to_string()
    }

    /// The metrics text, with the session gauges read from the engine.
    pub fn metrics_text(&self) -> String {
        let gauges = &self.metrics.sessions_active;
        let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        gauges
            .with_label_values(&["encrypted"])
            .set(count(self.endpoint.encrypted_sessions()));
        gauges
            .with_label_values(&["plaintext"])
            .set(count(self.endpoint.plaintext_sessions()));
        self.metrics.render()
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
