//! External programs the scale-out tests run on 127.0.0.1 (each killed on drop): `redis-server`,
//! `nginx` with the deployment's own config, `confide-node` replicas, llama-cpp-python's
//! OpenAI-compatible server. Each test names the environment variable that gives it the program,
//! and is skipped (saying so on stdout, which `scripts/scale-out-test.sh` counts) when it is unset.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a program may take to start answering.
const START_WAIT: Duration = Duration::from_secs(60);

/// The value of `var`, or `None` after printing that `test` is skipped.
pub fn required(var: &str, test: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(value) if !value.is_empty() => Some(value),
        _ => {
            println!("SKIPPED {test}: {var} is not set (scripts/scale-out-test.sh sets it)");
            None
        }
    }
}

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A scratch directory for one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Waits until `ready` holds, panicking after [`START_WAIT`] with `what`.
pub fn wait_for(what: &str, mut ready: impl FnMut() -> bool) {
    let started = Instant::now();
    while !ready() {
        assert!(started.elapsed() < START_WAIT, "{what} did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A child process, killed (SIGKILL) and reaped on drop.
pub struct Process(Option<Child>);

impl Process {
    pub fn spawn(command: &mut Command) -> Self {
        Self(Some(command.spawn().unwrap_or_else(|err| {
            panic!("cannot start {:?}: {err}", command.get_program())
        })))
    }

    pub fn id(&self) -> u32 {
        self.0.as_ref().unwrap().id()
    }

    /// Kills it now.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `redis-server` on a port of its own, without persistence.
pub struct Redis {
    binary: String,
    pub port: u16,
    process: Process,
}

impl Redis {
    pub fn start(binary: &str) -> Self {
        let port = free_port();
        let process = Self::spawn(binary, port);
        Self {
            binary: binary.to_owned(),
            port,
            process,
        }
    }

    fn spawn(binary: &str, port: u16) -> Process {
        let process = Process::spawn(
            Command::new(binary)
                .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
                .args(["--save", "", "--appendonly", "no", "--protected-mode", "no"])
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
        );
        wait_for("redis-server", || {
            TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
        process
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Stops the server (its data is gone: like a store that restarted without persistence).
    pub fn stop(&mut self) {
        self.process.kill();
    }

    /// Starts it again on the same port.
    pub fn restart(&mut self) {
        self.process = Self::spawn(&self.binary, self.port);
    }
}

/// A `confide-node serve` replica (host key 0x11…11, demo model) with `extra` flags, its address
/// read from the startup line; killed on drop.
pub fn replica(extra: &[&str]) -> super::process::Serve {
    let mut command = super::process::node();
    command
        .arg("serve")
        .args(extra)
        .env("HOST_PRIVATE_KEY", format!("0x{}", "11".repeat(32)));
    super::process::Serve::start(command)
}

/// nginx running `deploy/nginx/confide.conf` verbatim but for its addresses: its example listen
/// address and the two example replicas become `listen` and `replicas`.
pub struct Nginx {
    pub addr: String,
    _process: Process,
}

impl Nginx {
    pub fn start(binary: &str, replicas: [&str; 2]) -> Self {
        let dir = scratch("nginx");
        let template = include_str!("../../../deploy/nginx/confide.conf");
        let addr = format!("127.0.0.1:{}", free_port());
        let site = template
            .replace("127.0.0.1:8080", &addr)
            .replace("127.0.0.1:8081", replicas[0])
            .replace("127.0.0.1:8082", replicas[1]);
        assert_ne!(site, template, "the template's example addresses changed");
        std::fs::write(dir.join("confide.conf"), site).unwrap();
        let d = dir.display();
        let main = format!(
            "daemon off;\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\n\
             events {{ worker_connections 256; }}\n\
             http {{\n  access_log off;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n\
             fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n\
             include {d}/confide.conf;\n}}\n"
        );
        std::fs::write(dir.join("nginx.conf"), main).unwrap();
        let process = Process::spawn(
            Command::new(binary)
                .args(["-p", &d.to_string(), "-e", &format!("{d}/error.log")])
                .args(["-c", &format!("{d}/nginx.conf")])
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
        );
        wait_for("nginx", || TcpStream::connect(&addr).is_ok());
        Self {
            addr,
            _process: process,
        }
    }
}

/// The launcher of llama-cpp-python's server (see the file for why not `-m llama_cpp.server`).
pub const LLAMA_CPP_SERVER: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/support/llama_cpp_server.py"
);

/// llama-cpp-python's OpenAI-compatible server ([`LLAMA_CPP_SERVER`]) serving `gguf` as model
/// `alias`.
pub struct LlamaCppServer {
    pub port: u16,
    command: [String; 3],
    process: Process,
}

impl LlamaCppServer {
    pub fn start(python: &str, gguf: &str, alias: &str) -> Self {
        let port = free_port();
        let command = [python.to_owned(), gguf.to_owned(), alias.to_owned()];
        let process = Self::spawn(&command, port);
        Self {
            port,
            command,
            process,
        }
    }

    /// Starts it again on the same port after [`kill`](Self::kill).
    pub fn restart(&mut self) {
        self.process = Self::spawn(&self.command, self.port);
    }

    fn spawn([python, gguf, alias]: &[String; 3], port: u16) -> Process {
        let process = Process::spawn(
            Command::new(python)
                .args([LLAMA_CPP_SERVER, "--model", gguf, "--model_alias", alias])
                .args(["--host", "127.0.0.1", "--port", &port.to_string()])
                .args(["--n_ctx", "2048", "--n_threads", "2", "--verbose", "false"])
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
        );
        wait_for("llama_cpp.server", || {
            TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
        process
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/v1", self.port)
    }

    /// Kills the server (SIGKILL: no goodbye on its connections).
    pub fn kill(&mut self) {
        self.process.kill();
    }

    /// Established TCP connections to its port, from `/proc/net/tcp` (Linux).
    pub fn connections(&self) -> usize {
        let table = std::fs::read_to_string("/proc/net/tcp").unwrap_or_default();
        let port = format!(":{:04X}", self.port);
        table
            .lines()
            .skip(1)
            .filter(|line| {
                let fields: Vec<&str> = line.split_whitespace().collect();
                fields.len() > 3 && fields[1].ends_with(&port) && fields[3] == "01"
            })
            .count()
    }
}

/// `GET path` from `addr` over a plain connection → (status, raw body).
pub fn http_get(addr: &str, path: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(START_WAIT)).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response[9..12].parse().unwrap();
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// The sum of a metric's samples whose line starts with `prefix` on the replica at `addr`.
pub fn metric_sum(addr: &str, prefix: &str) -> f64 {
    let (_, body) = http_get(addr, "/metrics");
    body.lines()
        .filter(|line| line.starts_with(prefix))
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}
