//! `POST /v1/warp/signature`: an LP-118 `SignatureRequest` body (application/octet-stream) → 200 with
//! the 96-byte signature, or 4xx/5xx with `{"code":N,"message":"…"}`.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use confide_core::warp::MAX_REQUEST_SIZE;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};

use super::node::{Answer, WarpNode};
use crate::clock::unix_now_ms;

/// The path of the route.
pub const SIGNATURE_PATH: &str = "/v1/warp/signature";

/// The remote address of the HTTP connection, put in each request's extensions by the server (the
/// rate limit is per peer IP).
#[derive(Clone, Copy, Debug)]
pub struct PeerAddr(pub SocketAddr);

/// Answers one signature request.
pub async fn signature(
    request: Request<Incoming>,
    node: Option<Arc<WarpNode>>,
) -> Response<Full<Bytes>> {
    let Some(node) = node else {
        return to_response(json_error(503, 3, "Warp signing is not configured"));
    };
    let peer = request
        .extensions()
        .get::<PeerAddr>()
        .map_or_else(|| "unknown".to_owned(), |peer| peer.0.ip().to_string());
    let body = match Limited::new(request.into_body(), MAX_REQUEST_SIZE)
        .collect()
        .await
    {
        Ok(body) => body.to_bytes(),
        Err(_) => {
            return to_response(json_error(
                413,
                1,
                &format!("request body over {MAX_REQUEST_SIZE} bytes, or unreadable"),
            ));
        }
    };
    let answer =
        tokio::task::spawn_blocking(move || node.answer(&peer, unix_now_ms(), &body)).await;
    match answer {
        Ok(answer) => to_response(answer),
        Err(_) => to_response(json_error(500, 3, "signing failed")),
    }
}

fn json_error(status: u16, code: u32, message: &str) -> Answer {
    let body = serde_json::json!({ "code": code, "message": message });
    (status, "application/json", body.to_string().into_bytes())
}

fn to_response((status, content_type, body): Answer) -> Response<Full<Bytes>> {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    crate::server::http::respond(status, content_type, body)
}
