//! Clients that read slowly or not at all, over real sockets with small receive buffers: they
//! never hold an inference slot, never delay other clients, and a slow reader's long answer is not
//! cut by the idle timeout.

mod support;

use std::time::Duration;

use confide_core::e2ee::{ClientEvent, SignatureScheme};
use confide_node_server::config::ServerConfig;
use support::{Client, EncryptedClient, TestServer, greedy, text_of, wallet};

/// A receive buffer small enough that a 256-token answer fills it and the host's socket.
const SMALL_RECEIVE_BUFFER: u32 = 4096;

async fn stalled_client(server: &TestServer, n: u8) -> EncryptedClient {
    let client = Client::connect_with_receive_buffer(server, SMALL_RECEIVE_BUFFER).await;
    let session = format!("stalled-{n}");
    EncryptedClient::open_on(client, SignatureScheme::Eip191, wallet(n), &session).await
}

#[tokio::test(flavor = "multi_thread")]
async fn clients_that_stop_reading_hold_no_slot() {
    let mut config = ServerConfig::default();
    config.limits.max_generations_per_connection = 32;
    let server = TestServer::start(config, true).await;
    // As many non-reading clients as there are slots, each asking for 32 long answers (far more
    // than the socket buffers hold).
    let mut stalled = Vec::new();
    for n in 1..=2u8 {
        let mut client = stalled_client(&server, n).await;
        for id in 0..32 {
            client
                .send_prompt(&format!("m{id}"), &greedy("Never read", 256))
                .await;
        }
        stalled.push(client);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    // An honest client is still served in full.
    let mut honest =
        EncryptedClient::open(&server, SignatureScheme::Eip191, wallet(9), "honest").await;
    honest.send_prompt("m", &greedy("Hello", 16)).await;
    let events = honest.read_response().await;
    assert!(
        matches!(events.last(), Some(ClientEvent::End { .. })),
        "{events:?}"
    );
    assert!(!text_of(&events).is_empty());
    drop(stalled);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_reader_gets_an_answer_that_outlasts_the_idle_timeout() {
    let mut config = ServerConfig::default();
    config.limits.idle_timeout = Duration::from_secs(1);
    let server = TestServer::start(config, true).await;
    let client = Client::connect_with_receive_buffer(&server, SMALL_RECEIVE_BUFFER).await;
    let mut reader =
        EncryptedClient::open_on(client, SignatureScheme::Eip191, wallet(3), "slow").await;
    reader
        .send_prompt("m", &greedy("Take your time", 256))
        .await;
    let started = tokio::time::Instant::now();
    let mut events = Vec::new();
    loop {
        // Reading one frame every 10 ms stretches the answer well past the idle timeout.
        tokio::time::sleep(Duration::from_millis(10)).await;
        let frame = reader.client.recv_text().await;
        let event = reader.session.open(&frame).unwrap();
        let done = matches!(event, ClientEvent::End { .. } | ClientEvent::Error { .. });
        events.push(event);
        if done {
            break;
        }
    }
    assert!(
        matches!(events.last(), Some(ClientEvent::End { .. })),
        "{events:?}"
    );
    assert!(
        started.elapsed() > Duration::from_secs(1),
        "the answer was too short to test"
    );
}
