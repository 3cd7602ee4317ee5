//! Faults that finish in seconds, over real sockets on 127.0.0.1 (an in-process host, or the real
//! `confide-node` binary where the fault is about the process): clients killed mid-stream, SIGTERM
//! mid-stream, a missing or corrupt model file, an unreachable upstream, an unwritable or full
//! cache directory, half-open sockets and slowloris clients. For each: what the host does, that
//! other clients are unaffected, and that nothing leaks (open file descriptors and resident memory
//! before and after, asserted within a small bound and printed for docs/RELIABILITY.md).

mod support;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use confide_core::e2ee::{ClientEvent, SignatureScheme};
use confide_node_server::config::ServerConfig;
use confide_node_server::inference::demo_model;
use support::process::{Footprint, Serve, node};
use support::{
    Client, EncryptedClient, TestServer, check_response, greedy, host_key, text_of, wallet,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::{MaybeTlsStream, client_async};

/// Descriptors a case may hold more afterwards (a lazily opened file, a pooled connection).
const FD_SLACK: usize = 2;
/// Resident memory a case may grow by: allocator arenas of the threads it woke, not leaks (a
/// leaked session or connection per client would show as a multiple of this across the case).
const RSS_SLACK_KIB: u64 = 16 * 1024;
/// A receive buffer small enough that a long answer fills it and the host's socket: the
/// generation then waits on the client, so it is surely mid-stream.
const SMALL_RECEIVE_BUFFER: u32 = 4096;
/// How long a dropped socket may take to see its end (a hang guard, not a speed check).
const DROP_WAIT: Duration = Duration::from_secs(15);

/// In-process hosts share this process's descriptors and memory, and the cases that start the
/// binary hold pipes to it: one case at a time, so each counts only its own descriptors.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The `HOST_PRIVATE_KEY` of the support key, for the binary.
fn host_key_env() -> String {
    format!("0x{}", "11".repeat(32))
}

/// One complete, checked answer on a fresh encrypted session.
async fn honest_answer(url: &str, n: u8, max_tokens: u32) -> String {
    let session = format!("honest-{n}-{}", rand::random::<u32>());
    let mut client =
        EncryptedClient::open_url(url, SignatureScheme::Eip191, wallet(n), &session).await;
    client
        .send_prompt("m", &greedy("Hello there", max_tokens))
        .await;
    let events = client.read_response().await;
    let host = host_key().address();
    check_response(&events, &host, &client.wallet.address()).text
}

/// A WebSocket client with a small receive buffer, connected to `addr`.
async fn small_buffer_client(addr: SocketAddr) -> Client {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(SMALL_RECEIVE_BUFFER).unwrap();
    let stream = socket.connect(addr).await.unwrap();
    let url = format!("ws://{addr}/v1/ws");
    let (socket, _) = client_async(url, MaybeTlsStream::Plain(stream))
        .await
        .unwrap();
    let mut client = Client { socket };
    assert_eq!(client.recv_json().await["type"], "connected");
    client
}

/// A client whose long answer has started (its first chunk read) and now waits on it.
async fn mid_stream_client(addr: SocketAddr, n: u8) -> (EncryptedClient, ClientEvent) {
    let client = small_buffer_client(addr).await;
    let session = format!("mid-stream-{n}");
    let mut client =
        EncryptedClient::open_on(client, SignatureScheme::Eip191, wallet(n), &session).await;
    client
        .send_prompt("long", &greedy("Tell me everything", 256))
        .await;
    let frame = client.client.recv_text().await;
    let first = client.session.open(&frame).unwrap();
    assert!(
        matches!(first, ClientEvent::Chunk { index: 0, .. }),
        "{first:?}"
    );
    (client, first)
}

#[tokio::test(flavor = "multi_thread")]
async fn clients_killed_mid_stream_free_their_slots_and_others_are_unaffected() {
    let _one_at_a_time = ONE_AT_A_TIME.lock().await;
    let mut config = ServerConfig::default();
    // Only the disconnect may free a slot here, never the write deadline.
    config.limits.write_timeout = Duration::from_secs(600);
    let server = TestServer::start(config, true).await;
    let url = server.ws_url();
    honest_answer(&url, 1, 32).await;
    let before = Footprint::of_self();

    for round in 0..3u8 {
        // Both slots (the demo engine has two) held by clients that stop reading mid-answer.
        let (first, _) = mid_stream_client(server.addr, 10 + 2 * round).await;
        let (second, _) = mid_stream_client(server.addr, 11 + 2 * round).await;
        // An honest client asks now: it waits for a slot.
        let honest = tokio::spawn({
            let url = url.clone();
            async move { honest_answer(&url, 2, 64).await }
        });
        tokio::time::sleep(Duration::from_millis(200)).await;
        // Killed: one socket reset (SO_LINGER 0, what a crash with unread data sends), one
        // closed without a WebSocket close (what the kernel does when a process dies).
        let MaybeTlsStream::Plain(tcp) = first.client.socket.get_ref() else {
            unreachable!("plain TCP")
        };
        tcp.set_zero_linger().unwrap();
        drop(first);
        drop(second);
        // The honest client is served in full, and two new clients stream at the same time:
        // both slots came back.
        assert!(!honest.await.unwrap().is_empty());
        let (a, b) = tokio::join!(honest_answer(&url, 3, 64), honest_answer(&url, 4, 64));
        assert!(!a.is_empty() && !b.is_empty());
    }
    Footprint::assert_settles(
        before,
        std::process::id(),
        FD_SLACK,
        RSS_SLACK_KIB,
        "killed clients",
    )
    .await;
}

/// A raw TCP connection upgraded to the WebSocket by hand (the host's greeting left unread).
async fn raw_upgraded(addr: SocketAddr) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "GET /v1/ws HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        stream.read_exact(&mut byte).await.unwrap();
        head.push(byte[0]);
    }
    assert!(
        head.starts_with(b"HTTP/1.1 101"),
        "{}",
        String::from_utf8_lossy(&head)
    );
    stream
}

/// Reads (and discards) until the host ends the connection; panics after [`DROP_WAIT`].
async fn until_dropped(mut stream: impl AsyncReadExt + Unpin, label: &str) {
    let mut buffer = [0u8; 4096];
    let read_all = async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    };
    tokio::time::timeout(DROP_WAIT, read_all)
        .await
        .unwrap_or_else(|_| panic!("{label}: the host did not drop the connection"));
}

/// A masked client frame header announcing a `len`-byte text frame (16-bit length).
fn text_frame_header(len: u16) -> Vec<u8> {
    let mut header = vec![0x81, 0xFE];
    header.extend_from_slice(&len.to_be_bytes());
    header.extend_from_slice(&[0x11, 0x22, 0x33, 0x44]);
    header
}

#[tokio::test(flavor = "multi_thread")]
async fn slowloris_and_half_open_sockets_are_dropped_while_an_honest_client_streams() {
    let _one_at_a_time = ONE_AT_A_TIME.lock().await;
    let mut config = ServerConfig::default();
    config.limits.handshake_timeout = Duration::from_secs(1);
    config.limits.idle_timeout = Duration::from_secs(1);
    let server = TestServer::start(config, true).await;
    let url = server.ws_url();
    honest_answer(&url, 1, 32).await;
    let before = Footprint::of_self();
    let addr = server.addr;

    let attackers = async {
        // Connects and sends nothing.
        let silent = async {
            let stream = TcpStream::connect(addr).await.unwrap();
            until_dropped(stream, "silent socket").await;
        };
        // Sends half an HTTP upgrade and stalls.
        let half_upgrade = async {
            let mut stream = TcpStream::connect(addr).await.unwrap();
            let part = format!("GET /v1/ws HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\n");
            stream.write_all(part.as_bytes()).await.unwrap();
            until_dropped(stream, "half upgrade").await;
        };
        // Upgrades, sends a frame header announcing 256 bytes, and stalls.
        let header_stall = async {
            let mut stream = raw_upgraded(addr).await;
            stream.write_all(&text_frame_header(256)).await.unwrap();
            until_dropped(stream, "frame header stall").await;
        };
        // Upgrades, pings (a complete frame: past the handshake deadline), then trickles a
        // 4 KiB frame one byte every 100 ms: only complete frames count as activity.
        let trickle = async {
            let stream = raw_upgraded(addr).await;
            let (reader, mut writer) = stream.into_split();
            writer.write_all(&[0x89, 0x80, 1, 2, 3, 4]).await.unwrap();
            writer.write_all(&text_frame_header(4096)).await.unwrap();
            let trickling = tokio::spawn(async move {
                for _ in 0..200 {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    if writer.write_all(b"x").await.is_err() {
                        return;
                    }
                }
            });
            until_dropped(reader, "trickle").await;
            trickling.abort();
        };
        // Upgrades and never sends a frame.
        let silent_websocket = async {
            let stream = raw_upgraded(addr).await;
            until_dropped(stream, "silent websocket").await;
        };
        tokio::join!(
            silent,
            half_upgrade,
            header_stall,
            trickle,
            silent_websocket
        );
    };
    let honest = async {
        let mut answers = 0;
        for n in 0..4 {
            assert!(!honest_answer(&url, 20 + n, 64).await.is_empty());
            answers += 1;
        }
        answers
    };
    let ((), answers) = tokio::join!(attackers, honest);
    assert_eq!(answers, 4);
    // After the attack: still serving.
    assert!(!honest_answer(&url, 30, 16).await.is_empty());
    Footprint::assert_settles(
        before,
        std::process::id(),
        FD_SLACK,
        RSS_SLACK_KIB,
        "slowloris",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_mid_stream_ends_every_stream_cleanly_and_exits_0() {
    let _one_at_a_time = ONE_AT_A_TIME.lock().await;
    let mut command = node();
    command.env("HOST_PRIVATE_KEY", host_key_env()).args([
        "serve",
        "--shutdown-grace",
        "5s",
        "--max-tokens",
        "256",
    ]);
    let mut serve = Serve::start(command);
    let url = serve.ws_url();
    let addr: SocketAddr = serve.addr.parse().unwrap();
    honest_answer(&url, 1, 16).await;
    let before = Footprint::of(serve.pid());
    let mut streams = Vec::new();
    for n in 0..2 {
        streams.push(mid_stream_client(addr, 40 + n).await);
    }
    let during = Footprint::of(serve.pid());
    eprintln!("footprint sigterm: before {before:?}, two streams open {during:?}");

    serve.signal_term();
    for (mut client, first) in streams {
        let mut events = vec![first];
        events.extend(client.read_response().await);
        // The answer was finished within the grace period: complete, with a verified receipt.
        let checked = check_response(&events, &host_key().address(), &client.wallet.address());
        assert_eq!(checked.text, text_of(&events));
        assert_eq!(client.client.expect_close().await, CloseCode::Away);
    }
    // No new connection is accepted while draining.
    let refused = match TcpStream::connect(addr).await {
        Err(_) => true,
        Ok(mut stream) => {
            let mut byte = [0u8; 1];
            stream.write_all(b"GET /health HTTP/1.1\r\n\r\n").await.ok();
            matches!(stream.read(&mut byte).await, Ok(0) | Err(_))
        }
    };
    assert!(refused, "a connection was accepted after SIGTERM");
    // Grace (5 s) + the abort wait (5 s) bound the drain; the process is done well before.
    let status = serve.exit_within(Duration::from_secs(15));
    assert!(status.success(), "{status:?}");
}

/// `serve` with `args` that must fail at startup: non-zero exit (not a signal), a message on
/// stderr, no panic. Returns stderr.
fn startup_failure(args: &[&str]) -> String {
    let Output { status, stderr, .. } = node()
        .env("HOST_PRIVATE_KEY", host_key_env())
        .arg("serve")
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&stderr).into_owned();
    assert_eq!(status.code(), Some(2), "{args:?}: {status:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    assert!(stderr.contains("error: "), "{args:?}: {stderr}");
    stderr
}

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("faults")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_missing_or_corrupt_model_file_is_a_clear_startup_error() {
    let _one_at_a_time = ONE_AT_A_TIME.blocking_lock();
    let dir = scratch("models");
    let demo = demo_model::ensure_demo_model(&dir).unwrap();
    let demo_bytes = std::fs::read(&demo).unwrap();
    let cases: [(&str, &[u8]); 4] = [
        ("empty.gguf", b""),
        ("text.gguf", b"this is not a GGUF file\n"),
        ("truncated-header.gguf", &demo_bytes[..64]),
        (
            "truncated-tensors.gguf",
            &demo_bytes[..demo_bytes.len() / 2],
        ),
    ];
    let missing = dir.join("missing.gguf");
    let stderr = startup_failure(&["--model", missing.to_str().unwrap()]);
    assert!(
        stderr.contains("cannot load") && stderr.contains("missing.gguf"),
        "{stderr}"
    );
    for (name, bytes) in cases {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        let stderr = startup_failure(&["--model", path.to_str().unwrap()]);
        assert!(
            stderr.contains("cannot load") && stderr.contains(name),
            "{name}: {stderr}"
        );
    }
}

/// A port with nothing listening on it.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_upstream_is_inference_failed_and_the_host_survives() {
    let _one_at_a_time = ONE_AT_A_TIME.lock().await;
    let upstream = format!("http://127.0.0.1:{}/v1", closed_port());
    let mut command = node();
    command.env("HOST_PRIVATE_KEY", host_key_env()).args([
        "serve",
        "--backend",
        "openai",
        "--upstream",
        &upstream,
        "--upstream-model",
        "confide-demo",
    ]);
    let mut serve = Serve::start(command);
    let url = serve.ws_url();
    let mut first = EncryptedClient::open_url(&url, SignatureScheme::Eip191, wallet(1), "u").await;
    expect_inference_failed(&mut first, "warm").await;
    let before = Footprint::of(serve.pid());
    for n in 0..20u8 {
        // The same connection keeps working, and new ones are served.
        expect_inference_failed(&mut first, &format!("m{n}")).await;
        let session = format!("u{n}");
        let mut other =
            EncryptedClient::open_url(&url, SignatureScheme::Eip191, wallet(2 + n), &session).await;
        expect_inference_failed(&mut other, "x").await;
    }
    drop(first);
    Footprint::assert_settles(
        before,
        serve.pid(),
        FD_SLACK,
        RSS_SLACK_KIB,
        "upstream down",
    )
    .await;
    assert!(
        serve.is_running(),
        "the host survives an unreachable upstream"
    );
    let health = http_get(serve.addr.parse().unwrap(), "/health").await;
    assert!(health.contains("\"status\""), "{health}");
}

/// A prompt answered by `INFERENCE_FAILED`.
async fn expect_inference_failed(client: &mut EncryptedClient, id: &str) {
    client.send_prompt(id, &greedy("Hello", 8)).await;
    let events = client.read_response().await;
    match events.last() {
        Some(ClientEvent::Error { code, .. }) => assert_eq!(code, "INFERENCE_FAILED"),
        other => panic!("expected INFERENCE_FAILED, got {other:?}"),
    }
}

async fn http_get(addr: SocketAddr, path: &str) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    response
}

/// A tmpfs mounted for a test and unmounted on drop (root only).
struct Tmpfs(PathBuf);

impl Tmpfs {
    /// Mounts a tmpfs with `options` at `dir`; `None` when this process may not mount.
    fn mount(dir: &Path, options: &str) -> Option<Self> {
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", options, "tmpfs"])
            .arg(dir)
            .stderr(std::process::Stdio::null())
            .status()
            .ok()?;
        status.success().then(|| Self(dir.to_owned()))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn an_unwritable_or_full_cache_dir_is_a_clear_startup_error() {
    let _one_at_a_time = ONE_AT_A_TIME.blocking_lock();
    let dir = scratch("cache");
    // Unwritable for anyone, root included: the cache path goes through a regular file.
    let file = dir.join("a-file");
    std::fs::write(&file, b"").unwrap();
    let under_file = file.join("cache");
    let stderr = startup_failure(&["--cache-dir", under_file.to_str().unwrap()]);
    assert!(
        stderr.contains("cannot write the demo model to"),
        "{stderr}"
    );

    // A read-only file system, and one too small for the demo model (a few hundred KiB): tmpfs
    // mounts, when this process may mount (root).
    let read_only = dir.join("read-only");
    let full = dir.join("full");
    std::fs::create_dir_all(&read_only).unwrap();
    std::fs::create_dir_all(&full).unwrap();
    let mounts = (
        Tmpfs::mount(&read_only, "ro,size=4k"),
        Tmpfs::mount(&full, "size=4k"),
    );
    let (Some(_read_only_fs), Some(_full_fs)) = &mounts else {
        eprintln!("tmpfs cases skipped: this process may not mount (not root)");
        return;
    };
    let stderr = startup_failure(&["--cache-dir", read_only.to_str().unwrap()]);
    assert!(stderr.contains("Read-only file system"), "{stderr}");
    let stderr = startup_failure(&["--cache-dir", full.to_str().unwrap()]);
    assert!(stderr.contains("No space left on device"), "{stderr}");
    // The partial temporary file was removed: the full file system is empty again.
    let left: Vec<_> = std::fs::read_dir(&full).unwrap().collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}
