//! The write half of a WebSocket connection, in its own task: the connection task queues frames
//! and never waits for the client, so it keeps reading (a cancel is always seen) and generations
//! never block on a slow socket. A write that waits past the deadline, or a client that lets too
//! much pile up unread, fails the connection.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::{Sink, SinkExt};
use tokio::sync::mpsc;
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::error::Error as WsError;
use tokio_util::sync::CancellationToken;

/// Bytes a client may leave unread before the connection is failed (on top of the write deadline).
const MAX_QUEUED_BYTES: usize = 16 << 20;
/// How long the last Close frame may take to go out.
const CLOSE_DEADLINE: Duration = Duration::from_secs(2);

/// What the writer task does next.
enum WriteOp {
    /// Send a message.
    Send(Message),
    /// Send what tungstenite queued by itself (the Pong to a Ping, the reply to a Close).
    Flush,
}

/// The connection task's end of the writer.
pub struct Writer {
    queue: mpsc::UnboundedSender<WriteOp>,
    queued_bytes: Arc<AtomicUsize>,
    failed: CancellationToken,
}

impl Writer {
    /// Starts the writer task on `sink`; each write may wait at most `deadline`.
    pub fn spawn<S>(sink: S, deadline: Duration) -> (Self, tokio::task::JoinHandle<()>)
    where
        S: Sink<Message, Error = WsError> + Unpin + Send + 'static,
    {
        let (queue, receiver) = mpsc::unbounded_channel();
        let queued_bytes = Arc::new(AtomicUsize::new(0));
        let failed = CancellationToken::new();
        let task = tokio::spawn(write_loop(
            sink,
            receiver,
            Arc::clone(&queued_bytes),
            failed.clone(),
            deadline,
        ));
        let writer = Self {
            queue,
            queued_bytes,
            failed,
        };
        (writer, task)
    }

    /// Queues a frame; fails the connection when the client has left too much unread.
    pub fn send(&self, message: Message) {
        let size = message.len();
        let queued = self.queued_bytes.fetch_add(size, Ordering::AcqRel) + size;
        if queued > MAX_QUEUED_BYTES {
            self.failed.cancel();
        }
        let _ = self.queue.send(WriteOp::Send(message));
    }

    /// Sends the frames tungstenite queued by itself (Pong, Close reply).
    pub fn flush(&self) {
        let _ = self.queue.send(WriteOp::Flush);
    }

    /// Whether everything queued has been written (a client still receiving is not idle).
    pub fn is_drained(&self) -> bool {
        self.queued_bytes.load(Ordering::Acquire) == 0
    }

    /// Cancelled when a write missed its deadline, the socket failed, or too much is queued.
    pub fn failed(&self) -> &CancellationToken {
        &self.failed
    }
}

async fn write_loop<S>(
    mut sink: S,
    mut receiver: mpsc::UnboundedReceiver<WriteOp>,
    queued_bytes: Arc<AtomicUsize>,
    failed: CancellationToken,
    deadline: Duration,
) where
    S: Sink<Message, Error = WsError> + Unpin,
{
    loop {
        let op = tokio::select! {
            op = receiver.recv() => op,
            () = failed.cancelled() => None,
        };
        let written = match op {
            None => break,
            Some(WriteOp::Flush) => timeout(deadline, sink.flush()).await,
            Some(WriteOp::Send(message)) => {
                queued_bytes.fetch_sub(message.len(), Ordering::AcqRel);
                let closing = matches!(message, Message::Close(_));
                let limit = if closing { CLOSE_DEADLINE } else { deadline };
                timeout(limit, sink.send(message)).await
            }
        };
        if !matches!(written, Ok(Ok(()))) {
            failed.cancel();
            break;
        }
    }
    let _ = timeout(CLOSE_DEADLINE, sink.close()).await;
}

#[cfg(test)]
mod tests {
    use std::pin::Pin;
    use std::task::{Context, Poll};

    use super::*;

    /// A socket whose peer never reads: every flush waits forever.
    struct StuckSink;

    impl Sink<Message> for StuckSink {
        type Error = WsError;

        fn poll_ready(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), WsError>> {
            Poll::Ready(Ok(()))
        }

        fn start_send(self: Pin<&mut Self>, _: Message) -> Result<(), WsError> {
            Ok(())
        }

        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), WsError>> {
            Poll::Pending
        }

        fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), WsError>> {
            Poll::Pending
        }
    }

    #[tokio::test]
    async fn a_write_past_the_deadline_fails_the_connection_and_ends_the_task() {
        let (writer, task) = Writer::spawn(StuckSink, Duration::from_millis(50));
        writer.send(Message::text("never read"));
        assert!(!writer.is_drained());
        timeout(Duration::from_secs(10), writer.failed().cancelled())
            .await
            .expect("the deadline fails the connection");
        timeout(Duration::from_secs(10), task)
            .await
            .expect("the writer task ends")
            .unwrap();
    }

    #[tokio::test]
    async fn too_much_unread_output_fails_the_connection_at_once() {
        let (writer, _task) = Writer::spawn(StuckSink, Duration::from_secs(3600));
        writer.send(Message::text("x".repeat(MAX_QUEUED_BYTES + 1)));
        assert!(writer.failed().is_cancelled());
    }
}
