//! A small HTTP/1.1 client for the CLI tools and the Warp aggregator driver: plain `http://` only
//! (confide-node has no TLS client), one request per connection, the answer's body capped. Errors
//! are one-line messages naming the URL.

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::header::{CONTENT_TYPE, HOST};
use hyper::{Method, Request, StatusCode, Uri};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

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

/// Sends one request to `url`: a GET without `body`, a POST with it. The answer's body must be at
/// most `cap` bytes. An `https://` URL is refused with a message saying TLS is not included.
pub async fn send(url: &str, body: Option<Body>, cap: usize) -> Result<Answer, String> {
    let uri: Uri = url.parse().map_err(|_| format!("{url} is not a URL"))?;
    match uri.scheme_str() {
        Some("http") => {}
        Some("https") => {
            return Err(format!(
                "cannot reach {url}: https:// needs TLS, which confide-node does not include"
            ));
        }
        _ => return Err(format!("{url} must start with http://")),
    }
    let authority = uri
        .authority()
        .ok_or_else(|| format!("{url} has no host"))?;
    let address = format!(
        "{}:{}",
        authority.host(),
        authority.port_u16().unwrap_or(80)
    );
    let stream = TcpStream::connect(&address)
        .await
        .map_err(|err| format!("cannot reach {address}: {err}"))?;
    let _ = stream.set_nodelay(true);
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|err| format!("HTTP handshake with {address} failed: {err}"))?;
    let connection = tokio::spawn(connection);
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let (method, content_type, bytes) = match body {
        Some(body) => (Method::POST, Some(body.content_type), body.bytes),
        None => (Method::GET, None, Bytes::new()),
    };
    let mut request = Request::builder()
        .method(method.clone())
        .uri(path)
        .header(HOST, authority.as_str());
    if let Some(content_type) = content_type {
        request = request.header(CONTENT_TYPE, content_type);
    }
    let request = request
        .body(Full::new(bytes))
        .map_err(|err| format!("cannot build the request for {url}: {err}"))?;
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
