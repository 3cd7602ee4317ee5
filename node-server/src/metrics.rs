//! Prometheus metrics of the host, rendered as text at `GET /metrics`.

use prometheus::{
    Encoder, Histogram, HistogramOpts, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry, TextEncoder,
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
            registry,
        };
        metrics.register_all();
        metrics
    }

    fn register_all(&self) {
        let collectors: [Box<dyn prometheus::core::Collector>; 9] = [
            Box::new(self.connections_active.clone()),
            Box::new(self.connections_total.clone()),
            Box::new(self.sessions_active.clone()),
            Box::new(self.session_inits_total.clone()),
            Box::new(self.messages_total.clone()),
            Box::new(self.errors_total.clone()),
            Box::new(self.tokens_generated_total.clone()),
            Box::new(self.time_to_first_token_seconds.clone()),
            Box::new(self.tokens_per_second.clone()),
        ];
        for collector in collectors {
            self.registry
                .register(collector)
                .expect("each metric is registered once");
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
