//! `http://` GET with a deadline and a size cap, for `--fetch-keys` and `feed verify URL`. Plain
//! HTTP only (the node has no TLS client): an `https://` URL is refused with a message naming the
//! offline alternatives.

use std::time::Duration;

use hyper::StatusCode;

use crate::http_client;

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
    let answer = http_client::send(url, None, cap).await.map_err(|error| {
        if url.starts_with("https://") {
            format!(
                "{error}; download the file and pass it with --key/--key-map (or a local file path)"
            )
        } else {
            error
        }
    })?;
    if answer.status != StatusCode::OK {
        return Err(format!("GET {url} answered HTTP {}", answer.status));
    }
    Ok(answer.body.to_vec())
}
