//! `http://` GET with a deadline and a size cap, for `--fetch-keys` and `feed verify URL`. Plain
//! HTTP only (the node has no TLS client): an `https://` URL is refused with a message naming the
//! offline alternatives.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::header::HOST;
use hyper::{Request, StatusCode, Uri};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// How long one fetch may take, connect to last byte.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// The largest key file fetched.
pub const KEY_SIZE_CAP: usize = 64 * 1024;

/// Whether `text` is an `http://` or `https://` URL (the forms a key hint or feed location takes).
pub fn is_url(text: &str) -> bool {
    text.starts_with("http://") || text.starts_with("https://")
}

/// GETs `url` within [`FETCH_TIMEOUT`]; the body must be at most `cap` bytes and the status 200.
pub async fn fetch(url: &str, cap: usize) -> Result<Vec<u8>, String> {
    tokio::time::timeout(FETCH_TIMEOUT, get(url, cap))
        .await
        .map_err(|_| format!("fetching {url} took longer than {FETCH_TIMEOUT:?}"))?
}

async fn get(url: &str, cap: usize) -> Result<Vec<u8>, String> {
    let uri: Uri = url.parse().map_err(|_| format!("{url} is not a URL"))?;
    match uri.scheme_str() {
        Some("http") => {}
        Some("https") => {
            return Err(format!(
                "cannot fetch {url}: https:// needs TLS, which confide-node does not include; \
                 download the file and pass it with --key/--key-map (or a local file path)"
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
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|err| format!("HTTP handshake with {address} failed: {err}"))?;
    let driver = tokio::spawn(connection);
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let request = Request::get(path)
        .header(HOST, authority.as_str())
        .body(Empty::<Bytes>::new())
        .map_err(|err| format!("cannot build the request for {url}: {err}"))?;
    let result = async {
        let response = sender
            .send_request(request)
            .await
            .map_err(|err| format!("GET {url} failed: {err}"))?;
        if response.status() != StatusCode::OK {
            return Err(format!("GET {url} answered HTTP {}", response.status()));
        }
        let mut body = response.into_body();
        let mut out = Vec::new();
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|err| format!("reading {url} failed: {err}"))?;
            if let Some(data) = frame.data_ref() {
                if out.len() + data.len() > cap {
                    return Err(format!("{url} is larger than {cap} bytes"));
                }
                out.extend_from_slice(data);
            }
        }
        Ok(out)
    }
    .await;
    driver.abort();
    result
}
