//! The `confide-node` binary as operators use it: keygen, bad host keys, `serve --dev` + `chat`
//! (also `wss://` through a TLS-terminating proxy), plaintext-only mode, `sign` | `verify`, SIGTERM,
//! `serve --backend openai`.

use std::io::{Read, Write};
use std::process::{Command, Output, Stdio};

mod support;
mod test_tls;

use support::process::{Serve, node};

fn run_with_stdin(mut command: Command, stdin: &str) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// `chat --prompt Hello --max-tokens 8` against `serve`, with `extra` arguments.
fn chat(serve: &Serve, extra: &[&str]) -> Output {
    let mut command = node();
    command.args([
        "chat",
        &format!("ws://{}", serve.addr),
        "--prompt",
        "Hello",
        "--max-tokens",
        "8",
    ]);
    command.args(extra);
    command.output().unwrap()
}

#[test]
fn keygen_prints_key_public_key_and_address() {
    let output = node().arg("keygen").output().unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(
        lines[0].starts_with("private_key=0x") && lines[0].len() == "private_key=0x".len() + 64
    );
    assert!(lines[1].starts_with("public_key=0x0"));
    assert!(lines[2].starts_with("address=0x"));
}

#[test]
fn bad_host_keys_are_startup_errors_that_never_echo_the_value() {
    let cases = [
        ("", "set but empty"),
        (
            "1111111111111111111111111111111111111111111111111111111111111111",
            "must start with 0x",
        ),
        ("0xdeadbeef", "64 hex digits"),
        (
            "0xnothexnothexnothexnothexnothexnothexnothexnothexnothexnothexnoth",
            "not hex",
        ),
        (
            "0x0000000000000000000000000000000000000000000000000000000000000000",
            "not a valid secp256k1",
        ),
    ];
    for (value, expected) in cases {
        let output = node()
            .env("HOST_PRIVATE_KEY", value)
            .arg("serve")
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{value:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{value:?}: {stderr}");
        assert!(stderr.contains("HOST_PRIVATE_KEY"));
        if value.len() > 4 {
            assert!(!stderr.contains(&value[2..]), "the value leaked: {stderr}");
        }
    }
}

#[test]
fn serve_dev_and_chat_end_to_end_then_sigterm() {
    let mut command = node();
    command.args(["serve", "--dev"]);
    let serve = Serve::start(command);
    assert!(
        serve.startup_line.contains("EPHEMERAL --dev host key 0x0"),
        "{}",
        serve.startup_line
    );
    assert!(
        serve
            .startup_line
            .contains("built-in demo model: random weights")
    );
    for scheme in ["eip191", "sdk-transcript"] {
        let output = chat(&serve, &["--scheme", scheme]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{stderr}");
        assert!(stderr.contains("encrypted session open"), "{stderr}");
        assert!(
            stderr.contains("length, 8 tokens; receipt: signed by the host 0x"),
            "{stderr}"
        );
        assert!(!output.stdout.is_empty());
    }
    assert!(serve.terminate().success(), "SIGTERM is a clean exit");
}

#[test]
fn chat_over_wss_through_a_tls_terminating_proxy() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("chat-wss");
    std::fs::create_dir_all(&dir).unwrap();
    let (ca_pem, acceptor) = test_tls::test_ca_and_acceptor(&dir);
    let mut command = node();
    command.args(["serve", "--dev"]);
    let serve = Serve::start(command);
    let proxy = test_tls::tls_proxy(acceptor, serve.addr.parse().unwrap());
    let chat = |url: &str, trust: bool| {
        let mut command = node();
        command.args(["chat", url, "--prompt", "Hello", "--max-tokens", "4"]);
        if trust {
            command.env("SSL_CERT_FILE", &ca_pem);
        } else {
            command.env_remove("SSL_CERT_FILE");
        }
        command.output().unwrap()
    };

    // /v1/info over https and the session over wss, both through the proxy; the receipt is still
    // the host's own signature over what was printed.
    let url = format!("wss://localhost:{}", proxy.port());
    let output = chat(&url, true);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("encrypted session open"), "{stderr}");
    assert!(
        stderr.contains("receipt: signed by the host 0x"),
        "{stderr}"
    );
    assert!(!output.stdout.is_empty());

    // An untrusted certificate stops the chat before anything is sent.
    let output = chat(&url, false);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("TLS handshake with localhost failed"),
        "{stderr}"
    );

    // Anything but ws:// or wss:// is refused by name.
    let output = chat(&format!("https://localhost:{}", proxy.port()), true);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("expected a ws:// or wss:// URL"),
        "{stderr}"
    );
}

#[test]
fn chat_holds_a_conversation_one_stdin_line_per_turn() {
    use std::io::Write;
    use std::process::Stdio;

    let mut command = node();
    command.args(["serve", "--dev"]);
    let serve = Serve::start(command);
    for mode in [&[][..], &["--raw"][..]] {
        let mut chat = node()
            .args(["chat", &format!("ws://{}", serve.addr), "--max-tokens", "4"])
            .args(mode)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = chat.stdin.take().unwrap();
        stdin.write_all(b"Hello\n\nAnd again\n").unwrap();
        drop(stdin);
        let output = chat.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{stderr}");
        // Two turns (the empty line is skipped), each with a verified receipt.
        assert_eq!(
            stderr.matches("receipt: signed by the host 0x").count(),
            2,
            "{mode:?}: {stderr}"
        );
    }
    assert!(serve.terminate().success());
}

#[test]
fn serve_with_an_openai_upstream_loads_no_model_and_lists_the_upstream_one() {
    let upstream = "http://127.0.0.1:9/v1";
    let mut command = node();
    command.args([
        "serve",
        "--dev",
        "--backend",
        "openai",
        "--upstream",
        upstream,
        "--upstream-model",
        "big-model",
        "--ctx-size",
        "8192",
        "--model-alias",
        "org/big-model:q4.gguf=big-model",
    ]);
    let serve = Serve::start(command);
    assert!(
        serve.startup_line.ends_with(&format!(
            "| backend openai upstream {upstream} model big-model\n"
        )),
        "{}",
        serve.startup_line
    );
    let mut stream = std::net::TcpStream::connect(&serve.addr).unwrap();
    write!(
        stream,
        "GET /v1/info HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        serve.addr
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    // Browser pages of other origins may read it (examples/browser fetches it cross-origin).
    assert!(
        head.to_ascii_lowercase()
            .contains("\r\naccess-control-allow-origin: *"),
        "{head}"
    );
    let info: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(
        info["models"],
        serde_json::json!([{"id": "big-model", "aliases": ["org/big-model:q4.gguf"],
            "context_length": 8192}])
    );

    let mut unknown = node();
    unknown.args([
        "serve",
        "--dev",
        "--backend",
        "openai",
        "--upstream",
        upstream,
    ]);
    let output = unknown
        .args(["--model-alias", "x=no-such-model"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("no served model has the id no-such-model"),
        "{stderr}"
    );

    let mut https = node();
    https.args(["serve", "--dev", "--backend", "openai", "--upstream"]);
    let output = https.arg("https://example.com/v1").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("https:// is not supported"), "{stderr}");
}

#[test]
fn without_a_key_the_host_is_plaintext_only() {
    let mut command = node();
    command.arg("serve");
    let serve = Serve::start(command);
    assert!(
        serve.startup_line.contains("NO host key"),
        "{}",
        serve.startup_line
    );
    let encrypted = chat(&serve, &[]);
    assert_eq!(encrypted.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&encrypted.stderr).contains("--plaintext"));
    let plaintext = chat(&serve, &["--plaintext"]);
    let stderr = String::from_utf8_lossy(&plaintext.stderr);
    assert!(plaintext.status.success(), "{stderr}");
    assert!(
        stderr.contains("plaintext session open") && stderr.contains("receipt: none"),
        "{stderr}"
    );
}

#[test]
fn sign_and_verify_through_the_binary() {
    let key = format!("0x{}", "42".repeat(32));
    let mut sign = node();
    sign.args(["sign", "--key", &key, "--nonce", "3"]);
    let signed = run_with_stdin(sign, r#"{"model":"demo","tokens":5}"#);
    assert!(
        signed.status.success(),
        "{}",
        String::from_utf8_lossy(&signed.stderr)
    );
    let envelope = String::from_utf8(signed.stdout).unwrap();

    let verified = run_with_stdin(
        {
            let mut c = node();
            c.arg("verify");
            c
        },
        &envelope,
    );
    assert_eq!(verified.status.code(), Some(0));
    let result: serde_json::Value = serde_json::from_slice(&verified.stdout).unwrap();
    assert_eq!(result["valid"], true);
    assert_eq!(result["bound"], true);

    let tampered = envelope.replace("\"tokens\":5", "\"tokens\":6");
    let rejected = run_with_stdin(
        {
            let mut c = node();
            c.arg("verify");
            c
        },
        &tampered,
    );
    assert_eq!(rejected.status.code(), Some(1));
    let result: serde_json::Value = serde_json::from_slice(&rejected.stdout).unwrap();
    assert_eq!(result["code"], "INVALID_SIGNER");
}
