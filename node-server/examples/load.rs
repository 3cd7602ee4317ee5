//! The load client of `scripts/load.sh`: drives a running `confide-node serve` (host key
//! 0x11…11) over loopback and prints one line of figures per scenario.
//!
//! ```text
//! load sessions  ADDR PID N     N concurrent encrypted sessions, one connection each: handshake
//!                               p50/p99, host RSS and fds before/after, then 10 clients stream
//! load garbage   ADDR PID N     honest tokens/s of 10 streaming clients, alone and while N
//!                               connections send garbage frames (from a child
//!                               `load flood URL N garbage` at nice 19)
//! load inits     ADDR PID N     the same while N connections send well-formed inits encrypted to
//!                               another host (an ECDH and a failed decryption each)
//! load slowloris ADDR PID N     N sockets that stall (silent, half an HTTP upgrade, a WebSocket
//!                               frame header) while 10 clients stream; all must be dropped
//! ```
//!
//! Run: `cargo run --release -p confide-node-server --example load -- sessions 127.0.0.1:8080 PID 10000`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use confide_core::crypto::SecretKey;
use confide_core::e2ee::{ClientEvent, ClientSession, InitParams, SignatureScheme, WireId};
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Honest clients streaming next to each load.
const HONEST_CLIENTS: usize = 10;
/// Tokens each honest client asks for.
const HONEST_TOKENS: u32 = 256;
/// Handshakes in flight at once while sessions are opened.
const HANDSHAKE_CONCURRENCY: usize = 64;

fn host_public() -> confide_core::crypto::PublicKey {
    *SecretKey::from_bytes(&[0x11; 32]).unwrap().public_key()
}

fn params(session_id: String) -> InitParams {
    InitParams {
        session_id: WireId::Text(session_id),
        job_id: WireId::from(1u64),
        chain_id: 84532,
        model_name: "confide-demo".into(),
        price_per_token: 1,
        id: None,
        timestamp: Some(confide_node_server::clock::unix_now()),
    }
}

async fn next_text(socket: &mut Socket) -> Option<String> {
    loop {
        match socket.next().await? {
            Ok(Message::Text(text)) => return Some(text.as_str().to_owned()),
            Ok(Message::Close(_)) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}

/// Connects and opens one encrypted session; returns the socket, the session and the time taken.
async fn open_session(url: &str, n: usize) -> (Socket, ClientSession, Duration) {
    let start = Instant::now();
    let (mut socket, _) = connect_async(url).await.expect("connect");
    next_text(&mut socket).await.expect("connected");
    let wallet = SecretKey::from_bytes(&[0x22; 32]).unwrap();
    let mut session = ClientSession::new(host_public(), SignatureScheme::Eip191);
    let init = session
        .init_message(&wallet, &mut rand::rng(), &params(format!("load-{n}")))
        .unwrap();
    socket.send(Message::text(init)).await.unwrap();
    let ack = next_text(&mut socket).await.expect("ack");
    assert!(
        matches!(session.open(&ack), Ok(ClientEvent::Ack { .. })),
        "{ack}"
    );
    (socket, session, start.elapsed())
}

/// One encrypted answer of `HONEST_TOKENS` on a new session: completion tokens and seconds.
async fn honest_answer(url: &str, n: usize) -> (u64, f64) {
    let (mut socket, mut session, _) = open_session(url, 1_000_000 + n).await;
    let request =
        serde_json::json!({"prompt": "Load", "max_tokens": HONEST_TOKENS, "temperature": 0.0});
    let frame = session
        .seal_prompt(
            &mut rand::rng(),
            &WireId::from("m"),
            request.to_string().as_bytes(),
        )
        .unwrap();
    let start = Instant::now();
    socket.send(Message::text(frame)).await.unwrap();
    loop {
        let text = next_text(&mut socket).await.expect("the answer completes");
        match session.open(&text).expect("a valid frame") {
            ClientEvent::End { usage, receipt, .. } => {
                assert!(receipt.is_some(), "a verified receipt");
                let _ = socket.close(None).await;
                return (
                    usage.unwrap().completion_tokens,
                    start.elapsed().as_secs_f64(),
                );
            }
            ClientEvent::Error { code, .. } => panic!("honest client got {code}"),
            _ => {}
        }
    }
}

/// Aggregate tokens/s of `HONEST_CLIENTS` concurrent answers.
async fn honest_round(url: &str) -> f64 {
    let start = Instant::now();
    let runs: Vec<_> = (0..HONEST_CLIENTS)
        .map(|n| {
            let url = url.to_owned();
            tokio::spawn(async move { honest_answer(&url, n).await })
        })
        .collect();
    let mut tokens = 0;
    for run in runs {
        tokens += run.await.unwrap().0;
    }
    tokens as f64 / start.elapsed().as_secs_f64()
}

/// Rounds of honest clients per figure of the garbage scenario (the median is reported).
const ROUNDS: usize = 5;

/// The median of [`ROUNDS`] honest rounds, in tokens/s.
async fn median_round(url: &str) -> f64 {
    let mut rounds = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        rounds.push(honest_round(url).await);
    }
    rounds.sort_by(f64::total_cmp);
    rounds[ROUNDS / 2]
}

/// (fds, RSS KiB) of the host.
fn footprint(pid: u32) -> (usize, u64) {
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, Iterator::count);
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let rss = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
        .unwrap_or(0);
    (fds, rss)
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[at].as_secs_f64() * 1000.0
}

async fn sessions(url: &str, pid: u32, count: usize) {
    let before = footprint(pid);
    let permits = Arc::new(Semaphore::new(HANDSHAKE_CONCURRENCY));
    let start = Instant::now();
    let opening: Vec<_> = (0..count)
        .map(|n| {
            let (url, permits) = (url.to_owned(), permits.clone());
            tokio::spawn(async move {
                let _permit = permits.acquire().await.unwrap();
                open_session(&url, n).await
            })
        })
        .collect();
    let mut held = Vec::with_capacity(count);
    let mut times = Vec::with_capacity(count);
    for task in opening {
        let (socket, session, took) = task.await.unwrap();
        times.push(took);
        held.push((socket, session));
    }
    let elapsed = start.elapsed().as_secs_f64();
    times.sort();
    let during = footprint(pid);
    let streaming = honest_round(url).await;
    println!(
        "sessions: {count} concurrent encrypted sessions (one connection each) opened in {elapsed:.1} s ({:.0}/s, {HANDSHAKE_CONCURRENCY} in flight); handshake p50 {:.1} ms, p99 {:.1} ms; host fds {} -> {}, RSS {:.1} MiB -> {:.1} MiB (+{:.1} MiB); meanwhile {HONEST_CLIENTS} clients streamed {streaming:.0} tokens/s with verified receipts",
        count as f64 / elapsed,
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        before.0,
        during.0,
        before.1 as f64 / 1024.0,
        during.1 as f64 / 1024.0,
        (during.1 as f64 - before.1 as f64) / 1024.0,
    );
    drop(held);
    settle(pid, before, "sessions").await;
}

/// Waits up to 30 s for the host's descriptors to return to `before`, then prints the footprint.
async fn settle(pid: u32, before: (usize, u64), label: &str) {
    let start = Instant::now();
    let mut after = footprint(pid);
    while after.0 > before.0 + 4 && start.elapsed() < Duration::from_secs(30) {
        tokio::time::sleep(Duration::from_millis(100)).await;
        after = footprint(pid);
    }
    println!(
        "{label}: after the load the host holds {} fds (before {}), RSS {:.1} MiB (before {:.1} MiB)",
        after.0,
        before.0,
        after.1 as f64 / 1024.0,
        before.1 as f64 / 1024.0
    );
}

/// What a flooding connection sends, each frame after the answer to the last.
#[derive(Clone, Copy)]
enum Flood {
    /// Invalid JSON, unknown types, an init with a bad key, a message without a session: each
    /// refused before any cryptography.
    Garbage,
    /// Well-formed inits encrypted to another host's key: each costs the host an ECDH and a
    /// failed decryption before it is refused.
    Inits,
}

impl Flood {
    fn parse(name: &str) -> Self {
        match name {
            "garbage" => Self::Garbage,
            "inits" => Self::Inits,
            other => panic!("unknown flood {other}"),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Garbage => "garbage",
            Self::Inits => "inits",
        }
    }

    /// What the host does with each frame, for the report.
    fn what(self) -> &'static str {
        match self {
            Self::Garbage => "garbage frames",
            Self::Inits => "invalid inits (an ECDH and a failed decryption each)",
        }
    }

    /// The frames one connection cycles through.
    fn frames(self) -> Vec<String> {
        match self {
            Self::Garbage => [
                "{not json",
                r#"{"type":"nope"}"#,
                r#"{"type":"encrypted_session_init","session_id":"g","payload":{"ephPubHex":"zz"}}"#,
                r#"{"type":"encrypted_message","session_id":"g","payload":{"ciphertextHex":"00","nonceHex":"00","aadHex":"00"}}"#,
            ]
            .map(str::to_owned)
            .to_vec(),
            Self::Inits => {
                let stranger = SecretKey::from_bytes(&[0x44; 32]).unwrap();
                let wallet = SecretKey::from_bytes(&[0x55; 32]).unwrap();
                (0..64)
                    .map(|n| {
                        ClientSession::new(*stranger.public_key(), SignatureScheme::Eip191)
                            .init_message(&wallet, &mut rand::rng(), &params(format!("flood-{n}")))
                            .unwrap()
                    })
                    .collect()
            }
        }
    }
}

/// Sends `frames` in a cycle, each after the answer to the last, forever; reconnects when the host
/// closes the socket. Counts the frames in `sent`.
async fn flooding_connection(url: String, frames: Arc<Vec<String>>, sent: Arc<AtomicU64>) {
    loop {
        let Ok((mut socket, _)) = connect_async(&url).await else {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        for frame in frames.iter().cycle() {
            if socket.send(Message::text(frame.as_str())).await.is_err() {
                break;
            }
            sent.fetch_add(1, Ordering::Relaxed);
            if next_text(&mut socket).await.is_none() {
                break;
            }
        }
    }
}

/// Honest tokens/s alone, then while `count` connections flood the host from a child process at
/// the lowest CPU priority (standing in for attackers on other machines: on one small box the
/// flood's own CPU would otherwise be charged to the host).
async fn flooded(url: &str, pid: u32, count: usize, kind: Flood) {
    let before = footprint(pid);
    honest_round(url).await; // warm-up
    let quiet = median_round(url).await;
    let mut flood = std::process::Command::new("nice")
        .args(["-n", "19"])
        .arg(std::env::current_exe().unwrap())
        .args(["flood", url, &count.to_string(), kind.name()])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start the flood");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let loaded = median_round(url).await;
    let during = footprint(pid);
    let _ = flood.kill();
    let output = flood.wait_with_output().unwrap();
    let report = String::from_utf8_lossy(&output.stdout);
    println!(
        "{}: {HONEST_CLIENTS} honest clients {quiet:.0} tokens/s alone, {loaded:.0} tokens/s while {count} connections sent {} (medians of {ROUNDS} rounds) ({}; honest {:+.1}%; host fds {})",
        kind.name(),
        kind.what(),
        report.lines().last().unwrap_or("no flood report").trim(),
        (loaded / quiet - 1.0) * 100.0,
        during.0,
    );
    settle(pid, before, kind.name()).await;
}

/// The child of a flood scenario: `count` flooding connections until killed; prints the frames
/// answered per second so far, once a second.
async fn flood(url: &str, count: usize, kind: Flood) {
    let frames = Arc::new(kind.frames());
    let sent = Arc::new(AtomicU64::new(0));
    for _ in 0..count {
        tokio::spawn(flooding_connection(
            url.to_owned(),
            Arc::clone(&frames),
            Arc::clone(&sent),
        ));
    }
    let start = Instant::now();
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let frames = sent.load(Ordering::Relaxed) as f64;
        println!(
            "{:.0} {} answered per second",
            frames / start.elapsed().as_secs_f64(),
            kind.what()
        );
    }
}

/// How long a stalling socket waits to be dropped before it counts as never dropped.
const STALL_LIMIT: Duration = Duration::from_secs(60);

/// One stalling socket of kind `n % 3` (silent, half an HTTP upgrade, a WebSocket frame header);
/// connects under `permits` (a burst of thousands of connects overflows the listen backlog, and a
/// connection the host never accepted stays open on the client's side). Returns how long the host
/// took to drop it, or `None` when it did not within [`STALL_LIMIT`].
async fn slow_socket(addr: SocketAddr, n: usize, permits: Arc<Semaphore>) -> Option<Duration> {
    let permit = permits.acquire_owned().await.unwrap();
    let mut stream = TcpStream::connect(addr).await.ok()?;
    let start = Instant::now();
    let head = format!(
        "GET /v1/ws HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
    );
    let _ = match n % 3 {
        0 => Ok(()),
        1 => stream.write_all(head.as_bytes()).await,
        _ => {
            let mut full = head.into_bytes();
            full.extend_from_slice(b"\r\n");
            full.extend_from_slice(&[0x81, 0xFE, 0x01, 0x00, 1, 2, 3, 4]);
            stream.write_all(&full).await
        }
    };
    drop(permit);
    let mut buffer = [0u8; 1024];
    let dropped = async {
        while let Ok(read) = stream.read(&mut buffer).await {
            if read == 0 {
                break;
            }
        }
    };
    tokio::time::timeout(STALL_LIMIT, dropped).await.ok()?;
    Some(start.elapsed())
}

async fn slowloris(addr: SocketAddr, pid: u32, count: usize) {
    let url = format!("ws://{addr}/v1/ws");
    let before = footprint(pid);
    let permits = Arc::new(Semaphore::new(HANDSHAKE_CONCURRENCY));
    let stalls: Vec<_> = (0..count)
        .map(|n| tokio::spawn(slow_socket(addr, n, Arc::clone(&permits))))
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let during = footprint(pid);
    let streaming = honest_round(&url).await;
    let mut dropped_after = Vec::with_capacity(count);
    for stall in stalls {
        dropped_after.push(stall.await.unwrap());
    }
    let never = dropped_after.iter().filter(|d| d.is_none()).count();
    let mut dropped: Vec<Duration> = dropped_after.into_iter().flatten().collect();
    dropped.sort();
    println!(
        "slowloris: {count} stalling sockets (silent, half an upgrade, a frame header; {HANDSHAKE_CONCURRENCY} connecting at a time) held {} fds at the host half a second in; {HONEST_CLIENTS} clients streamed {streaming:.0} tokens/s meanwhile; {} dropped by the host, after {:.1} s at the median and {:.1} s at most; {never} not dropped within {} s",
        during.0,
        dropped.len(),
        dropped
            .get(dropped.len() / 2)
            .map_or(0.0, Duration::as_secs_f64),
        dropped.last().map_or(0.0, Duration::as_secs_f64),
        STALL_LIMIT.as_secs(),
    );
    settle(pid, before, "slowloris").await;
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    // A flood scenario's own child: `flood URL N KIND`.
    if let [scenario, url, count, kind] = args.as_slice()
        && scenario == "flood"
    {
        let count = count.parse().expect("N is a number");
        runtime.block_on(flood(url, count, Flood::parse(kind)));
        return;
    }
    let [scenario, addr, pid, count] = args.as_slice() else {
        eprintln!("usage: load sessions|garbage|inits|slowloris ADDR PID N");
        std::process::exit(2);
    };
    let addr: SocketAddr = addr.parse().expect("ADDR is host:port");
    let pid: u32 = pid.parse().expect("PID is a number");
    let count: usize = count.parse().expect("N is a number");
    let url = format!("ws://{addr}/v1/ws");
    runtime.block_on(async {
        match scenario.as_str() {
            "sessions" => sessions(&url, pid, count).await,
            "garbage" | "inits" => flooded(&url, pid, count, Flood::parse(scenario)).await,
            "slowloris" => slowloris(addr, pid, count).await,
            other => panic!("unknown scenario {other}"),
        }
    });
}
