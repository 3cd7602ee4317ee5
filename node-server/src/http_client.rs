//! A small HTTP/1.1 client for the CLI tools and the Warp aggregator driver: `http://` and
//! `https://` (through [`crate::tls`]), one request per connection, the answer's body capped.
//! Errors are one-line messages naming the URL.

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::header::{CONTENT_TYPE, HOST};
use hyper::{Method, Request, StatusCode, Uri};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use crate::tls;

/// What a server answered.
pub struct Answer {
    /// The status.
    pub status: StatusCode,
    /// The body (at most the cap given).
    pub body: Bytes,
}

/// A request body and its content type.
pub struct Body {
    /// `Content-Type`.
    pub content_type: &'static str,
    /// The bytes.
    pub bytes: Bytes,
}

/// Where a URL points: whether it asks for TLS, the host and the port (80, or 443 with TLS, when
/// the URL names none). Shared by the HTTP client and `chat`'s WebSocket.
pub struct Target {
    /// Whether the scheme asks for TLS.
    pub secure: bool,
    /// The host name or address.
    pub host: String,
    /// The port.
    pub port: u16,
}

/// A byte stream to a [`Target`]: a TCP stream, or a TLS stream on one.
pub trait Transport: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Transport for T {}

impl Target {
    /// Parses `uri`, whose scheme must be `plain` (no TLS) or `secure` (TLS).
    pub fn of(uri: &Uri, plain: &str, secure: &str) -> Result<Self, String> {
        let is_secure = match uri.scheme_str() {
            Some(scheme) if scheme == plain => false,
            Some(scheme) if scheme == secure => true,
            _ => {
                return Err(format!(
                    "expected a {plain}:// or {secure}:// URL, got {uri}"
                ));
            }
        };
        let authority = uri
            .authority()
            .ok_or_else(|| format!("{uri} has no host"))?;
        Ok(Self {
            secure: is_secure,
            host: authority.host().to_owned(),
            port: authority
                .port_u16()
                .unwrap_or(if is_secure { 443 } else { 80 }),
        })
    }

    /// Connects, through TLS when the scheme asked for it (certificates checked as in
    /// [`crate::tls`]).
    pub async fn connect(&self) -> Result<Box<dyn Transport>, String> {
        let address = format!("{}:{}", self.host, self.port);
        let stream = TcpStream::connect(&address)
            .await
            .map_err(|err| format!("cannot reach {address}: {err}"))?;
        let _ = stream.set_nodelay(true);
        Ok(if self.secure {
            Box::new(tls::connect(&self.host, stream).await?)
        } else {
            Box::new(stream)
        })
    }
}

/// Sends one request to `url` (`http://` or `https://`): a GET without `body`, a POST with it.
/// The answer's body must be at most `cap` bytes.
pub async fn send(url: &str, body: Option<Body>, cap: usize) -> Result<Answer, String> {
    let uri: Uri = url.parse().map_err(|_| format!("{url} is not a URL"))?;
    let transport = Target::of(&uri, "http", "https")?.connect().await?;
    let request = build_request(url, &uri, body)?;
    exchange(TokioIo::new(transport), request, url, cap).await
}

/// The request for `uri`: a GET without `body`, a POST with it.
fn build_request(url: &str, uri: &Uri, body: Option<Body>) -> Result<Request<Full<Bytes>>, String> {
    let (method, content_type, bytes) = match body {
        Some(body) => (Method::POST, Some(body.content_type), body.bytes),
        None => (Method::GET, None, Bytes::new()),
    };
    let authority = uri.authority().map_or("", |a| a.as_str());
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header(HOST, authority);
    if let Some(content_type) = content_type {
        request = request.header(CONTENT_TYPE, content_type);
    }
    request
        .body(Full::new(bytes))
        .map_err(|err| format!("cannot build the request for {url}: {err}"))
}

/// One HTTP/1.1 exchange over `io`, the answer's body capped at `cap` bytes.
async fn exchange<IO>(
    io: IO,
    request: Request<Full<Bytes>>,
    url: &str,
    cap: usize,
) -> Result<Answer, String>
where
    IO: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(io)
        .await
        .map_err(|err| format!("HTTP handshake for {url} failed: {err}"))?;
    let connection = tokio::spawn(connection);
    let method = request.method().clone();
    let result = async {
        let response = sender
            .send_request(request)
            .await
            .map_err(|err| format!("{method} {url} failed: {err}"))?;
        let status = response.status();
        let body = Limited::new(response.into_body(), cap)
            .collect()
            .await
            .map_err(|_| format!("{url} is larger than {cap} bytes, or its answer broke off"))?
            .to_bytes();
        Ok(Answer { status, body })
    }
    .await;
    connection.abort();
    result
}
