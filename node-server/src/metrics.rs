//! Prometheus metrics of the host, rendered as text at `GET /metrics`.

use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge,
    IntGaugeVec, Opts, Registry, TextEncoder,
};

/// Every metric the host exports. Cheap to share behind an `Arc`; updates are lock-free.
pub struct Metrics {
    registry: Registry,
    /// Open WebSocket connections.
    pub connections_active: IntGauge,
    /// WebSocket connections accepted since start.
    pub connections_total: IntCounter,
    /// Live sessions by kind (`encrypted`, `plaintext`).
    pub sessions_active: IntGaugeVec,
    /// Accepted session inits by scheme (`eip191`, `sdk-transcript`, `plaintext`).
    pub session_inits_total: IntCounterVec,
    /// Frames received by `type`.
    pub messages_total: IntCounterVec,
    /// Error frames sent by `code`.
    pub errors_total: IntCounterVec,
    /// Tokens generated.
    pub tokens_generated_total: IntCounter,
    /// Seconds from a prompt's arrival to its first token.
    pub time_to_first_token_seconds: Histogram,
    /// Generation speed of each completed response.
    pub tokens_per_second: Histogram,
    /// Seconds per replay-store command that got an answer, by `op`.
    pub replay_store_seconds: HistogramVec,
    /// Replay-store commands that failed (unreachable, timed out, refused), by `op`.
    pub replay_store_errors_total: IntCounterVec,
}

impl Metrics {
    /// Registers every metric in a fresh registry.
    pub fn new() -> Self {
        let registry = Registry::new();
        let metrics = Self {
            connections_active: IntGauge::new(
                "confide_connections_active",
                "Open WebSocket connections",
            )
            .expect("valid metric"),
            connections_total: IntCounter::new(
                "confide_connections_total",
                "WebSocket connections accepted",
            )
            .expect("valid metric"),
            sessions_active: IntGaugeVec::new(
                Opts::new("confide_sessions_active", "Live sessions by kind"),
                &["kind"],
            )
            .expect("valid metric"),
            session_inits_total: IntCounterVec::new(
                Opts::new(
                    "confide_session_inits_total",
                    "Accepted session inits by scheme",
                ),
                &["scheme"],
            )
            .expect("valid metric"),
            messages_total: IntCounterVec::new(
                Opts::new("confide_messages_total", "Frames received by type"),
                &["type"],
            )
            .expect("valid metric"),
            errors_total: IntCounterVec::new(
                Opts::new("confide_errors_total", "Error frames sent by code"),
                &["code"],
            )
            .expect("valid metric"),
            tokens_generated_total: IntCounter::new(
                "confide_tokens_generated_total",
                "Tokens generated",
            )
            .expect("valid metric"),
            time_to_first_token_seconds: Histogram::with_opts(
                HistogramOpts::new(
                    "confide_time_to_first_token_seconds",
                    "Seconds from prompt to first token",
                )
                .buckets(vec![
                    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
                ]),
            )
            .expect("valid metric"),
            tokens_per_second: Histogram::with_opts(
                HistogramOpts::new(
                    "confide_tokens_per_second",
                    "Tokens per second per response",
                )
                .buckets(vec![
                    1.0, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 5000.0,
                ]),
            )
            .expect("valid metric"),
            replay_store_seconds: HistogramVec::new(
                HistogramOpts::new(
                    "confide_replay_store_seconds",
                    "Seconds per replay-store command, by operation",
                )
                .buckets(vec![
                    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 1.0,
                ]),
                &["op"],
            )
            .expect("valid metric"),
            replay_store_errors_total: IntCounterVec::new(
                Opts::new(
                    "confide_replay_store_errors_total",
                    "Replay-store commands that failed, by operation",
                ),
                &["op"],
            )
            .expect("valid metric"),
            registry,
        };
        metrics.register_all();
        metrics
    }

    fn register_all(&self) {
        let collectors: [Box<dyn prometheus::core::Collector>; 11] = [
            Box::new(self.connections_active.clone()),
            Box::new(self.connections_total.clone()),
            Box::new(self.sessions_active.clone()),
            Box::new(self.session_inits_total.clone()),
            Box::new(self.messages_total.clone()),
            Box::new(self.errors_total.clone()),
            Box::new(self.tokens_generated_total.clone()),
            Box::new(self.time_to_first_token_seconds.clone()),
            Box::new(self.tokens_per_second.clone()),
            Box::new(self.replay_store_seconds.clone()),
            Box::new(self.replay_store_errors_total.clone()),
        ];
        for collector in collectors {
            self.registry
                .register(collector)
                .expect("each metric is registered once");
        }
    }

    /// The replay store's handles on its metrics.
    pub fn replay_store(&self) -> crate::replay_store::StoreMetrics {
        crate::replay_store::StoreMetrics {
            latency: self.replay_store_seconds.clone(),
            errors: self.replay_store_errors_total.clone(),
        }
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut out)
            .expect("encoding to a Vec cannot fail");
        String::from_utf8(out).expect("Prometheus text is UTF-8")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_labelled_counters() {
        let metrics = Metrics::new();
        metrics
            .errors_total
            .with_label_values(&["DECRYPTION_FAILED"])
            .inc();
        metrics.connections_active.inc();
        let text = metrics.render();
        assert!(
            text.contains(r#"confide_errors_total{code="DECRYPTION_FAILED"} 1"#),
            "{text}"
        );
        assert!(text.contains("confide_connections_active 1"));
    }
}
