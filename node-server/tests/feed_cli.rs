//! `confide-node feed verify|sign|certify` and `keygen --ed25519`, run as the real binary: JSON on
//! stdout, exit codes 0 (signed/certified), 1 (invalid), 2 (unsigned), 64 (usage or input error,
//! one line on stderr); `--fetch-keys` and `feed verify URL` against a local hyper server over
//! http:// and https:// (a test CA trusted through `SSL_CERT_FILE`), with the size cap, the
//! timeout and an untrusted certificate refused.

use std::collections::HashMap;
use std::convert::Infallible;
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use confide_core::feed::{parse_public_key, parse_secret_key};
use http_body_util::Full;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio_rustls::TlsAcceptor;

mod test_tls;
use test_tls::{accept_on_thread, test_ca_and_acceptor};

const BIN: &str = env!("CARGO_BIN_EXE_confide-node");
const REAL: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../core/tests/vectors/llmfeed/llmfeed-spec"
);
const NOW: &str = "2026-01-01T00:00:00Z";

fn node(args: &[&str]) -> Output {
    node_with_stdin(args, b"")
}

fn node_with_stdin(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let _ = input.write_all(stdin); // the binary may stop reading early (size cap)
    drop(input);
    child.wait_with_output().unwrap()
}

fn code(output: &Output) -> i32 {
    output.status.code().unwrap()
}

fn report(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

/// A usage/input error: exit 64, nothing on stdout, one line on stderr containing `needle`.
fn assert_usage_error(output: &Output, needle: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(code(output), 64, "{stderr}");
    assert!(output.stdout.is_empty());
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains(needle), "{stderr}");
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("feed_cli-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A key pair made by `keygen --ed25519 --out-dir`.
fn keygen(dir: &Path) -> (PathBuf, PathBuf) {
    let output = node(&["keygen", "--ed25519", "--out-dir", path(dir)]);
    assert_eq!(
        code(&output),
        0,
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    (dir.join("ed25519-private.pem"), dir.join("public.pem"))
}

const SAMPLE: &str = r#"{"feed_type":"mcp","metadata":{"title":"Café ☕","origin":"https://example.org"},
  "prompts":[{"intent":"greet","text":"say \"hi\""}],"trust":{"scope":"partial"},"_meta":{"note":"unsigned"}}"#;

#[test]
fn keygen_ed25519_prints_pkcs8_on_stdout_and_spki_on_stderr() {
    let output = node(&["keygen", "--ed25519"]);
    assert_eq!(code(&output), 0);
    let private = String::from_utf8(output.stdout).unwrap();
    let public = String::from_utf8(output.stderr).unwrap();
    assert!(private.starts_with("-----BEGIN PRIVATE KEY-----\n"));
    assert!(public.starts_with("-----BEGIN PUBLIC KEY-----\n"));
    let secret = parse_secret_key(&private).unwrap();
    assert_eq!(secret.public_key(), parse_public_key(&public).unwrap());

    let dir = temp_dir("keygen");
    let (private, public) = keygen(&dir);
    let secret = parse_secret_key(&std::fs::read_to_string(&private).unwrap()).unwrap();
    assert_eq!(
        secret.public_key(),
        parse_public_key(&std::fs::read_to_string(&public).unwrap()).unwrap()
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&private).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    // The host keygen is unchanged.
    let host = node(&["keygen"]);
    assert!(String::from_utf8_lossy(&host.stdout).contains("0x"));
}

#[test]
fn sign_then_verify_then_tamper() {
    let dir = temp_dir("sign");
    let (private, public) = keygen(&dir);
    let input = dir.join("feed.json");
    std::fs::write(&input, SAMPLE).unwrap();
    let signed = dir.join("signed.json");
    let output = node(&[
        "feed",
        "sign",
        path(&input),
        "--key",
        path(&private),
        "--blocks",
        "feed_type,metadata,prompts",
        "--key-hint",
        "https://example.org/.well-known/public.pem",
        "--now",
        NOW,
        "-o",
        path(&signed),
    ]);
    assert_eq!(
        code(&output),
        0,
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = std::fs::read_to_string(&signed).unwrap();
    assert!(text.contains("\"created_at\": \"2026-01-01T00:00:00Z\""));

    let output = node(&["feed", "verify", path(&signed), "--key", path(&public)]);
    assert_eq!(code(&output), 0);
    let r = report(&output);
    assert_eq!(r["trust_level"], "signed");
    assert_eq!(r["signature"]["valid"], true);
    assert_eq!(
        r["signature"]["signed_blocks"],
        serde_json::json!(["feed_type", "metadata", "prompts", "trust"])
    );
    assert_eq!(r["untrusted_blocks"], serde_json::json!(["_meta"]));
    assert_eq!(r["certification"]["status"], "absent");

    // From stdin, and with the key given as hex through --key-map on the hint.
    let hex = confide_core::hex::encode(
        &parse_public_key(&std::fs::read_to_string(&public).unwrap())
            .unwrap()
            .to_bytes(),
    );
    let key_file = dir.join("key.hex");
    std::fs::write(&key_file, &hex).unwrap();
    let map = format!(
        "https://example.org/.well-known/public.pem={}",
        path(&key_file)
    );
    let output = node_with_stdin(&["feed", "verify", "-", "--key-map", &map], text.as_bytes());
    assert_eq!(
        code(&output),
        0,
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    // One changed character in a signed block: invalid, exit 1.
    let tampered = text.replace("Café", "Cafe");
    let output = node_with_stdin(&["feed", "verify", "-", "--key", &hex], tampered.as_bytes());
    assert_eq!(code(&output), 1);
    let r = report(&output);
    assert_eq!(r["trust_level"], "invalid");
    assert_eq!(r["signature"]["error"]["code"], "INVALID_SIGNATURE");
    assert_eq!(r["trusted_blocks"], serde_json::json!([]));

    // A change in the unsigned block: still signed.
    let output = node_with_stdin(
        &["feed", "verify", "-", "--key", &hex],
        text.replace("unsigned", "edited").as_bytes(),
    );
    assert_eq!(code(&output), 0);

    // An unsigned feed: exit 2.
    let output = node(&["feed", "verify", path(&input)]);
    assert_eq!(code(&output), 2);
    assert_eq!(report(&output)["trust_level"], "unsigned");
}

#[test]
fn certify_and_verify_with_trust_policy_and_expiry() {
    let dir = temp_dir("certify");
    let (author_private, author_public) = keygen(&dir.join("author"));
    let (cert_private, cert_public) = keygen(&dir.join("certifier"));
    let input = dir.join("feed.json");
    std::fs::write(&input, SAMPLE).unwrap();
    let signed = dir.join("signed.json");
    let certified = dir.join("certified.json");
    let out = node(&[
        "feed",
        "sign",
        path(&input),
        "--key",
        path(&author_private),
        "--now",
        NOW,
        "-o",
        path(&signed),
    ]);
    assert_eq!(code(&out), 0);
    let out = node(&[
        "feed",
        "certify",
        path(&signed),
        "--key",
        path(&cert_private),
        "--certifier",
        "https://llmca.org",
        "--days",
        "30",
        "--now",
        NOW,
        "-o",
        path(&certified),
    ]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));

    let verify_at = |now: &str, extra: &[&str]| {
        let mut args = vec![
            "feed",
            "verify",
            path(&certified),
            "--key",
            path(&author_public),
            "--certifier-key",
            path(&cert_public),
            "--now",
            now,
        ];
        args.extend_from_slice(extra);
        node(&args)
    };
    let verify = |extra: &[&str]| verify_at("2026-01-02T00:00:00Z", extra);
    let out = verify(&["--trusted-certifier", "https://llmca.org"]);
    assert_eq!(code(&out), 0);
    let r = report(&out);
    assert_eq!(r["trust_level"], "certified");
    assert_eq!(r["certification"]["status"], "valid");
    assert_eq!(r["certification"]["certifier"], "https://llmca.org");
    assert_eq!(r["certification"]["expires_at"], "2026-01-31T00:00:00Z");

    let out = verify(&[]);
    assert_eq!(code(&out), 0);
    assert_eq!(report(&out)["trust_level"], "signed");
    assert_eq!(
        report(&out)["certification"]["status"],
        "untrusted_certifier"
    );

    let out = verify_at(
        "2026-03-01T00:00:00Z",
        &["--trusted-certifier", "https://llmca.org"],
    );
    assert_eq!(report(&out)["certification"]["status"], "expired");
    assert!(
        report(&out)["warnings"][0]
            .as_str()
            .unwrap()
            .contains("expired")
    );

    let policy = dir.join("policy.json");
    std::fs::write(&policy, r#"{"feed_type":"certifier-policy","certifier":"https://llmca.org","validity_days":0,
        "accepted_algorithms":["ed25519"],"requirements":{"must_include":["metadata","trust"],"must_be_signed_by":"feed_owner"}}"#).unwrap();
    let out = verify(&[
        "--trusted-certifier",
        "https://llmca.org",
        "--policy",
        path(&policy),
    ]);
    assert_eq!(report(&out)["certification"]["status"], "expired");
    assert_eq!(report(&out)["trust_level"], "signed");

    // Certifying an edited expiry is caught.
    let edited = std::fs::read_to_string(&certified)
        .unwrap()
        .replace("2026-01-31", "2036-01-31");
    std::fs::write(&certified, edited).unwrap();
    let out = verify(&["--trusted-certifier", "https://llmca.org"]);
    assert_eq!(report(&out)["certification"]["status"], "invalid");
}

#[test]
fn all_29_real_feeds_verify_from_the_command_line() {
    let key = format!("{REAL}/.well-known/public.pem");
    let mut count = 0;
    for dir in [
        ".well-known",
        ".well-known/exports",
        ".well-known/prompts",
        "industries",
        "personas",
    ] {
        for entry in std::fs::read_dir(format!("{REAL}/{dir}")).unwrap() {
            let file = entry.unwrap().path();
            if !file.to_string_lossy().ends_with(".llmfeed.json") {
                continue;
            }
            let out = node(&["feed", "verify", path(&file), "--key", &key, "--now", NOW]);
            assert_eq!(code(&out), 0, "{}", file.display());
            assert_eq!(report(&out)["trust_level"], "signed", "{}", file.display());
            count += 1;
        }
    }
    assert_eq!(count, 29);
}

#[test]
fn bad_inputs_exit_64_with_one_line() {
    let dir = temp_dir("bad");
    let (private, public) = keygen(&dir);
    let key = path(&public);
    assert_usage_error(
        &node_with_stdin(&["feed", "verify", "-"], b"{\"feed_type\": "),
        "INVALID_JSON",
    );
    assert_usage_error(
        &node_with_stdin(&["feed", "verify", "-"], b"{\"a\":1,\"a\":2}"),
        "same key twice",
    );
    let deep = "[".repeat(10_000) + &"]".repeat(10_000);
    assert_usage_error(
        &node_with_stdin(&["feed", "verify", "-"], deep.as_bytes()),
        "nested deeper",
    );
    let mut big = b"{\"a\":\"".to_vec();
    big.resize(10 * 1024 * 1024, b'x');
    big.extend_from_slice(b"\"}");
    assert_usage_error(
        &node_with_stdin(&["feed", "verify", "-"], &big),
        "MESSAGE_TOO_LARGE",
    );
    assert_usage_error(
        &node(&["feed", "verify", "/nonexistent/feed.json"]),
        "cannot read",
    );
    assert_usage_error(
        &node_with_stdin(&["feed", "verify", "-", "--key", "abcd"], SAMPLE.as_bytes()),
        "unreadable key",
    );
    assert_usage_error(
        &node_with_stdin(
            &["feed", "verify", "-", "--key", &"00".repeat(31)],
            SAMPLE.as_bytes(),
        ),
        "INVALID_KEY",
    );
    assert_usage_error(
        &node(&["feed", "verify", "x", "--now", "yesterday"]),
        "--now",
    );
    assert_usage_error(&node(&["feed", "verify"]), "FEED");
    assert_usage_error(&node(&["feed", "verify", "x", "--bogus"]), "--bogus");
    assert_usage_error(
        &node_with_stdin(&["feed", "sign", "-", "--key", key], SAMPLE.as_bytes()),
        "unreadable secret key",
    );
    assert_usage_error(
        &node_with_stdin(
            &[
                "feed",
                "sign",
                "-",
                "--key",
                path(&private),
                "--blocks",
                "nope",
            ],
            SAMPLE.as_bytes(),
        ),
        "INVALID_FEED",
    );
    assert_usage_error(
        &node_with_stdin(
            &[
                "feed",
                "sign",
                "-",
                "--key",
                path(&private),
                "--canonicalization",
                "jcs",
            ],
            SAMPLE.as_bytes(),
        ),
        "--canonicalization",
    );
    assert_usage_error(
        &node_with_stdin(
            &[
                "feed",
                "certify",
                "-",
                "--key",
                path(&private),
                "--certifier",
                "x",
                "--targets",
                "signature",
            ],
            SAMPLE.as_bytes(),
        ),
        "INVALID_FEED",
    );
    // A signed feed without any key: neither valid nor invalid.
    let signed = node_with_stdin(
        &["feed", "sign", "-", "--key", path(&private)],
        SAMPLE.as_bytes(),
    );
    assert_usage_error(
        &node_with_stdin(&["feed", "verify", "-"], &signed.stdout),
        "KEY_UNAVAILABLE",
    );
    // Bad base64 in the signature is an invalid feed (exit 1), not a usage error.
    let text = String::from_utf8(signed.stdout).unwrap();
    let value = text
        .split("\"value\": \"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let broken = text.replace(value, "!!!!");
    let out = node_with_stdin(&["feed", "verify", "-", "--key", key], broken.as_bytes());
    assert_eq!(code(&out), 1);
    assert_eq!(report(&out)["signature"]["error"]["code"], "INVALID_BASE64");
}

// ---------------------------------------------------------------------------------------------
// Fetching: a local hyper server.
// ---------------------------------------------------------------------------------------------

/// Serves `routes` (path → body) on 127.0.0.1, over TLS when `tls` is given; `/slow` never
/// answers. Runs until the test ends.
fn serve(routes: HashMap<String, Vec<u8>>, tls: Option<TlsAcceptor>) -> SocketAddr {
    let routes = Arc::new(routes);
    accept_on_thread(move |stream| {
        let (routes, tls) = (routes.clone(), tls.clone());
        async move {
            match tls {
                Some(acceptor) => {
                    if let Ok(stream) = acceptor.accept(stream).await {
                        answer_connection(TokioIo::new(stream), routes).await;
                    }
                }
                None => answer_connection(TokioIo::new(stream), routes).await,
            }
        }
    })
}

/// Answers the requests of one connection from `routes`.
async fn answer_connection<IO>(io: IO, routes: Arc<HashMap<String, Vec<u8>>>)
where
    IO: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let service = service_fn(move |request: Request<hyper::body::Incoming>| {
        let routes = routes.clone();
        async move {
            if request.uri().path() == "/slow" {
                tokio::time::sleep(Duration::from_secs(30)).await;
            }
            let response = match routes.get(request.uri().path()) {
                Some(body) => Response::new(Full::new(Bytes::from(body.clone()))),
                None => {
                    let mut r = Response::new(Full::new(Bytes::new()));
                    *r.status_mut() = StatusCode::NOT_FOUND;
                    r
                }
            };
            Ok::<_, Infallible>(response)
        }
    });
    let _ = hyper::server::conn::http1::Builder::new()
        .serve_connection(io, service)
        .await;
}

fn signed_with_hint(private: &Path, hint: &str) -> Vec<u8> {
    let out = node_with_stdin(
        &[
            "feed",
            "sign",
            "-",
            "--key",
            path(private),
            "--key-hint",
            hint,
        ],
        SAMPLE.as_bytes(),
    );
    assert_eq!(code(&out), 0);
    out.stdout
}

#[test]
fn fetch_keys_and_verify_url_through_a_local_server() {
    let dir = temp_dir("fetch");
    let (private, public) = keygen(&dir);
    let pem = std::fs::read(&public).unwrap();
    let mut routes = HashMap::new();
    routes.insert("/.well-known/public.pem".to_owned(), pem);
    routes.insert("/huge.pem".to_owned(), vec![b'A'; 100 * 1024]);
    let addr = serve(routes.clone(), None);
    let hint = format!("http://{addr}/.well-known/public.pem");
    let feed = signed_with_hint(&private, &hint);
    routes.insert("/feed.llmfeed.json".to_owned(), feed.clone());
    let addr = serve(routes, None);
    let feed = String::from_utf8(feed).unwrap();

    // --fetch-keys resolves the author's hint.
    let out = node_with_stdin(&["feed", "verify", "-", "--fetch-keys"], feed.as_bytes());
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(report(&out)["trust_level"], "signed");

    // feed verify URL fetches the feed itself.
    let url = format!("http://{addr}/feed.llmfeed.json");
    let out = node(&["feed", "verify", &url, "--fetch-keys"]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    assert_usage_error(
        &node(&["feed", "verify", &format!("http://{addr}/missing")]),
        "HTTP 404",
    );

    // Without --fetch-keys nothing is fetched.
    assert_usage_error(
        &node_with_stdin(&["feed", "verify", "-"], feed.as_bytes()),
        "--fetch-keys",
    );

    // A key larger than 64 KiB is refused (the reason is named).
    let huge = String::from_utf8(signed_with_hint(
        &private,
        &format!("http://{addr}/huge.pem"),
    ))
    .unwrap();
    assert_usage_error(
        &node_with_stdin(&["feed", "verify", "-", "--fetch-keys"], huge.as_bytes()),
        "larger than 65536 bytes",
    );

    // A server that never answers: the fetch gives up after 5 s.
    let slow =
        String::from_utf8(signed_with_hint(&private, &format!("http://{addr}/slow"))).unwrap();
    let started = Instant::now();
    assert_usage_error(
        &node_with_stdin(&["feed", "verify", "-", "--fetch-keys"], slow.as_bytes()),
        "longer than 5s",
    );
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_secs(5) && elapsed < Duration::from_secs(25),
        "{elapsed:?}"
    );
}

#[test]
fn fetch_keys_and_verify_url_over_https() {
    let dir = temp_dir("fetch-tls");
    let (private, public) = keygen(&dir);
    let (ca_pem, acceptor) = test_ca_and_acceptor(&dir);
    let mut routes = HashMap::new();
    routes.insert(
        "/.well-known/public.pem".to_owned(),
        std::fs::read(&public).unwrap(),
    );
    let port = serve(routes.clone(), Some(acceptor.clone())).port();
    let feed = signed_with_hint(
        &private,
        &format!("https://localhost:{port}/.well-known/public.pem"),
    );
    routes.insert("/feed.llmfeed.json".to_owned(), feed.clone());
    let port = serve(routes, Some(acceptor)).port();
    let url = format!("https://localhost:{port}/feed.llmfeed.json");
    let trusting = |args: &[&str]| {
        Command::new(BIN)
            .args(args)
            .env("SSL_CERT_FILE", &ca_pem)
            .output()
            .unwrap()
    };

    // With the test CA trusted, the feed and its author's key both come over TLS.
    let out = trusting(&["feed", "verify", &url, "--fetch-keys"]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(report(&out)["trust_level"], "signed");

    // Without it the certificate is refused, and nothing is verified.
    let out = Command::new(BIN)
        .args(["feed", "verify", &url, "--fetch-keys"])
        .env_remove("SSL_CERT_FILE")
        .output()
        .unwrap();
    assert_usage_error(&out, "TLS handshake with localhost failed");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("UnknownIssuer"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The certificate names localhost, not 127.0.0.1: the name is checked.
    let by_address = url.replace("localhost", "127.0.0.1");
    assert_usage_error(
        &trusting(&["feed", "verify", &by_address, "--fetch-keys"]),
        "TLS handshake with 127.0.0.1 failed",
    );
}
