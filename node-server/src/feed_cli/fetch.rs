//! `http://` and `https://` GET with a deadline and a size cap, for `--fetch-keys` and
//! `feed verify URL`.

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
    let answer = http_client::send(url, None, cap).await?;
    if answer.status != StatusCode::OK {
        return Err(format!("GET {url} answered HTTP {}", answer.status));
    }
    Ok(answer.body.to_vec())
}
