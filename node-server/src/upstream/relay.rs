//! Relaying one upstream stream to a generation's events, within its bounds: the whole stream's
//! deadline, the longest silence between two pieces, a byte cap and a text-delta cap. A stream that
//! ended cleanly gives its connection back to the pool; any other closes it.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::warn;

use super::chunks::{StreamTally, upstream_error};
use super::pool::{Connection, Pool};
use super::sse::{SseEvent, SseParser};
use crate::inference::{FinishReason, GenerationEvent};

/// How long the end of a finished stream's body may take to arrive before its connection is
/// closed instead of kept.
const DRAIN_WAIT: Duration = Duration::from_secs(1);

/// The bounds of one stream.
#[derive(Debug, Clone, Copy)]
pub struct StreamBounds {
    pub deadline: Instant,
    pub idle: Duration,
    pub max_bytes: usize,
    pub max_deltas: u64,
}

/// One stream being relayed.
pub struct Stream {
    pub tally: StreamTally,
    pub bounds: StreamBounds,
    pub cancel: CancellationToken,
    pub events: mpsc::Sender<GenerationEvent>,
}

/// How reading a stream ended.
struct Ending {
    /// The stream's last event, or `None` when the receiver is gone.
    last: Option<GenerationEvent>,
    /// Whether the body was read to its end (its connection may serve another request).
    body_complete: bool,
}

/// Forwards the upstream's stream to the stream's channel, ending it with exactly one `Done` or
/// `Failed` while the receiver is there. The connection is kept for reuse when the body was read
/// to its end, else closed, before that last event is sent.
pub async fn relay(
    mut body: Incoming,
    connection: Connection,
    pool: Arc<Pool>,
    mut stream: Stream,
) {
    let mut ending = read_stream(&mut body, &mut stream).await;
    if ending.last.as_ref().is_some_and(is_done) && !ending.body_complete {
        ending.body_complete = drain(&mut body).await;
    }
    drop(body);
    if ending.body_complete && ending.last.as_ref().is_some_and(is_done) {
        pool.put(connection);
    } else {
        drop(connection);
    }
    if let Some(last) = ending.last {
        let _ = stream.events.send(last).await;
    }
}

fn is_done(event: &GenerationEvent) -> bool {
    matches!(event, GenerationEvent::Done { finish_reason, .. } if *finish_reason != FinishReason::Cancelled)
}

/// Reads what is left of a finished stream's body (the end of its chunked encoding), briefly.
async fn drain(body: &mut Incoming) -> bool {
    let rest = async {
        let mut left = 64 * 1024usize;
        while let Some(frame) = body.frame().await {
            let Ok(frame) = frame else { return false };
            let size = frame.data_ref().map_or(0, Bytes::len);
            left = match left.checked_sub(size) {
                Some(left) => left,
                None => return false,
            };
        }
        true
    };
    tokio::time::timeout(DRAIN_WAIT, rest)
        .await
        .unwrap_or(false)
}

/// Reads the body's events and sends their text until the stream ends, fails or is cancelled.
async fn read_stream(body: &mut Incoming, stream: &mut Stream) -> Ending {
    let Stream {
        tally,
        bounds,
        cancel,
        events,
    } = stream;
    let mut parser = SseParser::default();
    let (mut bytes_seen, mut deltas) = (0usize, 0u64);
    let ended = |last| Ending {
        last: Some(last),
        body_complete: false,
    };
    loop {
        let idle_until = (Instant::now() + bounds.idle).min(bounds.deadline);
        let frame = tokio::select! {
            biased;
            () = cancel.cancelled() => return ended(tally.done(FinishReason::Cancelled)),
            () = events.closed() => return Ending { last: None, body_complete: false },
            () = tokio::time::sleep_until(idle_until) => {
                let what = if idle_until >= bounds.deadline {
                    "the upstream's stream took longer than its deadline"
                } else {
                    "the upstream's stream went silent for too long"
                };
                return ended(failed(what));
            }
            frame = body.frame() => frame,
        };
        let bytes = match frame {
            None => {
                let last = tally.finish_reason().map_or_else(
                    || failed("the upstream closed the stream before it finished"),
                    |reason| tally.done(reason),
                );
                return Ending {
                    last: Some(last),
                    body_complete: true,
                };
            }
            Some(Err(err)) => {
                warn!(error = %err, "reading the upstream's stream failed");
                return ended(failed("reading the upstream's stream failed"));
            }
            Some(Ok(frame)) => match frame.into_data() {
                Ok(bytes) => bytes,
                Err(_trailers) => continue,
            },
        };
        bytes_seen = bytes_seen.saturating_add(bytes.len());
        if bytes_seen > bounds.max_bytes {
            return ended(failed("the upstream's stream exceeds its size cap"));
        }
        let parsed = match parser.feed(&bytes) {
            Ok(parsed) => parsed,
            Err(err) => return ended(failed(err.to_string())),
        };
        for event in parsed {
            let data = match event {
                SseEvent::Done => {
                    return ended(tally.done(tally.finish_reason().unwrap_or(FinishReason::Stop)));
                }
                SseEvent::Data(data) => data,
            };
            match tally.take(&data) {
                Err(error) => return ended(GenerationEvent::Failed(error)),
                Ok(Some(text)) => {
                    deltas += 1;
                    if deltas > bounds.max_deltas {
                        return ended(failed(
                            "the upstream sent more text deltas than the request allows",
                        ));
                    }
                    if events
                        .send(GenerationEvent::Text { text, tokens: 1 })
                        .await
                        .is_err()
                    {
                        return Ending {
                            last: None,
                            body_complete: false,
                        };
                    }
                }
                Ok(None) => {}
            }
        }
    }
}

fn failed(message: impl Into<String>) -> GenerationEvent {
    GenerationEvent::Failed(upstream_error(message))
}
