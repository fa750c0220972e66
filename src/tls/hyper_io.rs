//! hyper's `rt::Read` and `rt::Write` for [`TlsStream`] (with the `hyper` feature), so a TLS
//! connection goes straight into hyper's `serve_connection` or client `handshake`.

use std::io;
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use ::hyper::rt::{Read, ReadBufCursor, Write};
use futures_io::{AsyncRead, AsyncWrite};

use super::stream::TlsStream;

/// The most plaintext one TLS record carries: the most one read gives at once.
const MAX_RECORD: usize = 16 * 1024;

impl<S: AsyncRead + AsyncWrite + Unpin> Read for TlsStream<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        // SAFETY: the slice is only written to (zeroed below, then filled by rustls) and never
        // de-initialised, as `ReadBufCursor::as_mut` requires.
        let unfilled = unsafe { buf.as_mut() };
        let len = unfilled.len().min(MAX_RECORD);
        let unfilled: &mut [MaybeUninit<u8>] = &mut unfilled[..len];
        for byte in unfilled.iter_mut() {
            byte.write(0);
        }
        // SAFETY: every byte of `unfilled` was initialised just above, and `MaybeUninit<u8>`
        // has the layout of `u8`.
        let init = unsafe { &mut *(unfilled as *mut [MaybeUninit<u8>] as *mut [u8]) };
        let n = ready!(self.get_mut().poll_read_plain(cx, init))?;
        // SAFETY: the first `n` bytes of the unfilled part were initialised (all `len` were).
        unsafe { buf.advance(n) };
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Write for TlsStream<S> {
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

    /// Sends `close_notify`, then shuts the stream down for writing.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        AsyncWrite::poll_close(self, cx)
    }
}
