//! The one HTTP port: `GET /v1/ws` (WebSocket upgrade), `/v1/info`, `/health` and `/v1/health`,
//! `/metrics`, `POST /v1/auth/challenge` and `POST /v1/inference`.

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{
    ACCESS_CONTROL_ALLOW_ORIGIN, CONNECTION, CONTENT_TYPE, HeaderValue, SEC_WEBSOCKET_ACCEPT,
    SEC_WEBSOCKET_KEY, SEC_WEBSOCKET_VERSION, UPGRADE,
};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_util::task::TaskTracker;
use tracing::debug;

use super::state::{AppState, ConnectionSlot};
use super::{health, http_post, socket};

/// Initial WebSocket read buffer per connection (tungstenite's default is 128 KiB).
const READ_BUFFER_BYTES: usize = 4096;

/// The response type of every route.
pub type HttpResponse = Response<Full<Bytes>>;

/// Routes one request. WebSocket sessions are spawned on `tracker` so shutdown can wait for them.
pub async fn route(
    request: Request<Incoming>,
    state: Arc<AppState>,
    tracker: TaskTracker,
) -> Result<HttpResponse, Infallible> {
    let path = request.uri().path().to_owned();
    let json = |(status, body): (StatusCode, String)| respond(status, "application/json", body);
    let response = match (request.method(), path.as_str()) {
        (&Method::GET, "/v1/ws") => upgrade(request, state, &tracker),
        (&Method::GET, "/v1/info") => public_to_pages(respond(
            StatusCode::OK,
            "application/json",
            state.info_json(),
        )),
        (&Method::GET, "/health" | "/v1/health") => json(health::check(&state).await),
        (&Method::POST, crate::warp::http::SIGNATURE_PATH) => {
            crate::warp::http::signature(request, state.warp.clone()).await
        }
        (&Method::GET, "/metrics") => respond(
            StatusCode::OK,
            "text/plain; version=0.0.4",
            state.metrics_text(),
        ),
        (&Method::POST, "/v1/auth/challenge") => {
            json(http_post::auth_challenge(&state, request.into_body()).await)
        }
        (&Method::POST, "/v1/inference") => {
            json(http_post::inference(&state, request.into_body()).await)
        }
        (_, "/v1/ws" | "/v1/info" | "/health" | "/v1/health" | "/metrics") => {
            json_error(StatusCode::METHOD_NOT_ALLOWED, "only GET is supported here")
        }
        (_, "/v1/auth/challenge" | "/v1/inference") => json_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "only POST is supported here",
        ),
        _ => json_error(StatusCode::NOT_FOUND, "no such endpoint"),
    };
    Ok(response)
}

/// Answers a WebSocket handshake (RFC 6455 §4.2) and hands the upgraded stream to the protocol loop.
fn upgrade(
    mut request: Request<Incoming>,
    state: Arc<AppState>,
    tracker: &TaskTracker,
) -> HttpResponse {
    let headers = request.headers();
    let has_token = |name, token: &str| {
        headers.get_all(name).iter().any(|value| {
            value
                .to_str()
                .is_ok_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
        })
    };
    let key = headers.get(SEC_WEBSOCKET_KEY).cloned();
    let valid = has_token(UPGRADE, "websocket")
        && has_token(CONNECTION, "upgrade")
        && headers
            .get(SEC_WEBSOCKET_VERSION)
            .is_some_and(|v| v == "13");
    let Some(key) = key.filter(|_| valid) else {
        return json_error(
            StatusCode::BAD_REQUEST,
            "expected a WebSocket upgrade (version 13)",
        );
    };
    if state.draining.is_cancelled() {
        return json_error(StatusCode::SERVICE_UNAVAILABLE, "shutting down");
    }
    let Some(slot) = ConnectionSlot::acquire(&state) else {
        return json_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "connection limit reached; try again later",
        );
    };
    let accept = derive_accept_key(key.as_bytes());
    let upgraded = hyper::upgrade::on(&mut request);
    let max = state.config.limits.max_frame_bytes;
    tracker.spawn(async move {
        let _slot = slot;
        match upgraded.await {
            Ok(upgraded) => {
                // Frames are small JSON: start with a small read buffer (it grows for large
                // messages) so thousands of idle connections stay cheap.
                let config = WebSocketConfig::default()
                    .read_buffer_size(READ_BUFFER_BYTES)
                    .max_message_size(Some(max))
                    .max_frame_size(Some(max));
                let ws = WebSocketStream::from_raw_socket(
                    TokioIo::new(upgraded),
                    Role::Server,
                    Some(config),
                )
                .await;
                socket::run(ws, state).await;
            }
            Err(error) => debug!(%error, "websocket upgrade failed"),
        }
    });
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let headers = response.headers_mut();
    headers.insert(UPGRADE, HeaderValue::from_static("websocket"));
    headers.insert(CONNECTION, HeaderValue::from_static("Upgrade"));
    headers.insert(
        SEC_WEBSOCKET_ACCEPT,
        HeaderValue::from_str(&accept).expect("base64 is a valid header value"),
    );
    response
}

/// A response with `status`, `content_type` and `body` (every route's answers go through here).
pub(crate) fn respond(
    status: StatusCode,
    content_type: &'static str,
    body: impl Into<Bytes>,
) -> HttpResponse {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// Lets web pages of any origin read `response` (CORS): for `/v1/info`, the host's public key and
/// models, which a browser client (examples/browser) served from another origin fetches before
/// opening its WebSocket. A simple GET without credentials, so no preflight route is needed.
fn public_to_pages(mut response: HttpResponse) -> HttpResponse {
    response
        .headers_mut()
        .insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    response
}

fn json_error(status: StatusCode, message: &str) -> HttpResponse {
    let body = serde_json::json!({ "error": message }).to_string();
    respond(status, "application/json", body)
}
