//! Replicas sharing their replay memory through a real Redis (`--replay-store`), behind a real
//! nginx running `deploy/nginx/confide.conf`: what one replica accepted is a replay at every other;
//! a store outage refuses new sessions with `REPLAY_STORE_UNAVAILABLE` while live ones keep
//! streaming; the store back, sessions open again. Signed requests are remembered across replicas
//! the same way.
//!
//! Needs `CONFIDE_REDIS_SERVER` (a `redis-server` binary) and, for the nginx test, `CONFIDE_NGINX`;
//! skipped (saying so) without them. `scripts/scale-out-test.sh` installs both and sets them.

mod support;

use std::time::{Duration, Instant};

use confide_core::e2ee::{ClientEvent, ClientSession, SignatureScheme};
use confide_core::signed::{LlmRequest, MessageScheme, SignOptions, SignedMessage};
use confide_node_server::clock::unix_now;
use confide_node_server::config::ServerConfig;
use serde_json::json;
use support::external::{Nginx, Redis, http_get, metric_sum, replica, required};
use support::process::Serve;
use support::{Client, EncryptedClient, TestServer, host_key, init_params, wallet};

/// The prompt live sessions send.
fn prompt() -> serde_json::Value {
    json!({"prompt": "Hello", "max_tokens": 8, "temperature": 0.0})
}

/// A fresh init frame for `session_id` from `wallet(n)`.
fn init_frame(n: u8, session_id: &str) -> String {
    ClientSession::new(*host_key().public_key(), SignatureScheme::Eip191)
        .init_message(&wallet(n), &mut rand::rng(), &init_params(session_id))
        .unwrap()
}

/// A prompt on a live session streams to the end, with its receipt.
async fn streams(client: &mut EncryptedClient, id: &str) {
    client.send_prompt(id, &prompt()).await;
    let events = client.read_response().await;
    assert!(
        matches!(events.last(), Some(ClientEvent::End { .. })),
        "{events:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_init_accepted_at_one_replica_is_a_replay_at_the_other_behind_nginx() {
    let test = "scale-out replicas-behind-nginx";
    let (Some(redis_bin), Some(nginx_bin)) = (
        required("CONFIDE_REDIS_SERVER", test),
        required("CONFIDE_NGINX", test),
    ) else {
        return;
    };
    let redis = Redis::start(&redis_bin);
    let store = redis.url();
    let a = replica(&["--replay-store", &store]);
    let b = replica(&["--replay-store", &store]);
    let nginx = Nginx::start(&nginx_bin, [&a.addr, &b.addr]);
    let front = format!("ws://{}/v1/ws", nginx.addr);

    let (status, info) = http_get(&nginx.addr, "/v1/info");
    assert_eq!(status, 200);
    assert!(info.contains("\"encryption\":true"), "{info}");
    let (status, health) = http_get(&nginx.addr, "/health");
    assert_eq!(
        (status, health.contains("healthy")),
        (200, true),
        "{health}"
    );
    assert_eq!(
        http_get(&nginx.addr, "/metrics").0,
        404,
        "metrics stay per replica"
    );

    // Through the balancer: accepted by one of the replicas.
    let init = init_frame(0x41, "shared");
    let (mut first, _) = Client::connect_url(&front).await;
    first.send(init.clone()).await;
    assert_eq!(first.recv_json().await["type"], "session_init_ack");
    // Replayed at each replica directly: both refuse it, so whichever took it, the other did too.
    for replica in [&a, &b] {
        let (mut replay, _) = Client::connect_url(&format!("ws://{}/v1/ws", replica.addr)).await;
        replay.send(init.clone()).await;
        replay.expect_error("REPLAY_DETECTED").await;
    }
    // A new session through the balancer streams, and both replicas consulted the store.
    let mut client =
        EncryptedClient::open_url(&front, SignatureScheme::Eip191, wallet(0x42), "s").await;
    streams(&mut client, "p1").await;
    for replica in [&a, &b] {
        let lookups = metric_sum(&replica.addr, "confide_replay_store_seconds_count");
        assert!(lookups >= 1.0, "{lookups}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_store_outage_refuses_new_sessions_and_keeps_live_ones_streaming() {
    let test = "scale-out store-outage";
    let Some(redis_bin) = required("CONFIDE_REDIS_SERVER", test) else {
        return;
    };
    let mut redis = Redis::start(&redis_bin);
    let a = replica(&["--replay-store", &redis.url()]);
    let b = replica(&["--replay-store", &redis.url()]);
    let url = |replica: &Serve| format!("ws://{}/v1/ws", replica.addr);
    let mut live =
        EncryptedClient::open_url(&url(&a), SignatureScheme::Eip191, wallet(0x43), "live").await;
    streams(&mut live, "before").await;

    redis.stop();
    for replica in [&a, &b] {
        let (mut client, _) = Client::connect_url(&url(replica)).await;
        client.send(init_frame(0x44, "new")).await;
        let error = client.expect_error("REPLAY_STORE_UNAVAILABLE").await;
        let message = error["message"].as_str().unwrap();
        assert!(!message.contains("127.0.0.1"), "{message}");
        let (status, health) = http_get(&replica.addr, "/health");
        assert_eq!(status, 200, "degraded, still serving: {health}");
        assert!(health.contains("replay store unreachable"), "{health}");
    }
    streams(&mut live, "during").await;
    assert!(metric_sum(&a.addr, "confide_replay_store_errors_total") >= 1.0);

    redis.restart();
    let started = Instant::now();
    loop {
        let (mut client, _) = Client::connect_url(&url(&b)).await;
        client.send(init_frame(0x45, "again")).await;
        let answer = client.recv_json().await;
        if answer["type"] == "session_init_ack" {
            break;
        }
        assert_eq!(answer["code"], "REPLAY_STORE_UNAVAILABLE", "{answer}");
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "store not back"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    streams(&mut live, "after").await;
    let (_, health) = http_get(&b.addr, "/health");
    assert!(!health.contains("replay store"), "{health}");
}

/// A signed request from `signer` to this host, as envelope JSON text inside a prompt.
fn signed_prompt(signer: &confide_core::crypto::SecretKey, nonce: u64) -> String {
    let now = unix_now();
    let request = LlmRequest {
        model: "confide-demo".into(),
        prompt: "signed prompt".into(),
        system_prompt: None,
        temperature: Some(0.0),
        max_tokens: Some(4),
        executor_address: host_key().address().to_checksum(),
        inbound_price: "1".into(),
        outbound_price: "2".into(),
        nonce,
        deadline: now + 60,
    };
    let options = SignOptions {
        timestamp: now,
        nonce: Some(nonce),
        scheme: MessageScheme::ConfideV1,
    };
    let envelope = SignedMessage::sign(request, signer, options)
        .unwrap()
        .to_json();
    format!(r#"{{"prompt":"unsigned","signed_request":{envelope}}}"#)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_signed_request_accepted_at_one_replica_is_a_replay_at_the_other() {
    let Some(redis_bin) = required("CONFIDE_REDIS_SERVER", "scale-out signed-requests") else {
        return;
    };
    let redis = Redis::start(&redis_bin);
    let config = ServerConfig {
        replay_store: Some(redis.url()),
        ..ServerConfig::default()
    };
    let a = TestServer::start(config.clone(), true).await;
    let b = TestServer::start(config, true).await;
    let signer = wallet(0x46);
    let prompt = signed_prompt(&signer, 7);
    let mut at_a = EncryptedClient::open(&a, SignatureScheme::Eip191, signer.clone(), "a").await;
    at_a.send_prompt_text("first", &prompt).await;
    let events = at_a.read_response().await;
    assert!(
        matches!(events.last(), Some(ClientEvent::End { .. })),
        "{events:?}"
    );
    let mut at_b = EncryptedClient::open(&b, SignatureScheme::Eip191, signer, "b").await;
    at_b.send_prompt_text("again", &prompt).await;
    let events = at_b.read_response().await;
    assert!(
        matches!(events.as_slice(), [ClientEvent::Error { code, .. }] if code == "REPLAY_DETECTED"),
        "{events:?}"
    );
    a.shutdown().await;
    b.shutdown().await;
}
