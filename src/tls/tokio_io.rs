//! tokio's `AsyncRead`/`AsyncWrite` for [`TlsStream`] (with the `tokio-io` feature), so a
//! baton TLS connection carries tokio-util codecs or a tokio-tungstenite WebSocket.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};
use tokio::io::ReadBuf;

use super::stream::TlsStream;

/// The most plaintext one TLS record carries: the most one read gives at once, so only that
/// much of a large `ReadBuf` is ever zeroed (once: tokio's `ReadBuf` remembers it).
const MAX_RECORD: usize = 16 * 1024;

impl<S: AsyncRead + AsyncWrite + Unpin> tokio::io::AsyncRead for TlsStream<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let len = buf.remaining().min(MAX_RECORD);
        let n = ready!(self
            .get_mut()
            .poll_read_plain(cx, buf.initialize_unfilled_to(len)))?;
        buf.advance(n);
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> tokio::io::AsyncWrite for TlsStream<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        AsyncWrite::poll_write(self, cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        AsyncWrite::poll_flush(self, cx)
    }

    /// Sends `close_notify`, then closes the stream for writing.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        AsyncWrite::poll_close(self, cx)
    }
}
