//! `WriteTransport`: what an asyncio-style [`StreamWriter`](crate::StreamWriter) writes
//! through (asyncio's write transport): the write half of a TCP or a Unix stream.

use std::fmt;
use std::io;
use std::net::Shutdown;
use std::task::{Context, Poll};

use super::stream_core::{AsStream as _, SplitStream};
use super::OwnedWriteHalf;

/// What a [`StreamWriter<W>`](crate::StreamWriter) writes through: [`OwnedWriteHalf`] (TCP,
/// the default), `OwnedWriteHalf<UnixStream>`, or a child's stdin
/// ([`ChildStdin`](crate::process::ChildStdin)).
///
/// Sealed: baton implements it; code outside only names it, to be generic over writers.
///
/// # Examples
/// ```
/// use baton::net::{UnixStream, WriteTransport};
/// use baton::{StreamReader, StreamWriter};
///
/// /// Sends a greeting through any writer.
/// async fn greet<W: WriteTransport>(w: &mut StreamWriter<W>) -> std::io::Result<()> {
///     w.write(b"hello\n");
///     w.drain().await
/// }
///
/// baton::run(async {
///     let (a, b) = UnixStream::pair()?;
///     let (_a_rd, a_wr) = a.split();
///     let (b_rd, _b_wr) = b.split();
///     let mut w = StreamWriter::new(a_wr);
///     greet(&mut w).await?;
///     assert_eq!(StreamReader::new(b_rd).readline().await?, b"hello\n");
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub trait WriteTransport: sealed::Transport {
    /// The address type of the remote end.
    type Addr: fmt::Debug;

    /// The address of the remote end.
    ///
    /// # Examples
    /// ```
    /// use baton::net::WriteTransport;
    ///
    /// baton::run(async {
    ///     let (a, _b) = baton::net::UnixStream::pair()?;
    ///     let (_rd, wr) = a.split();
    ///     assert!(WriteTransport::peer_addr(&wr)?.is_unnamed());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// When the socket is no longer connected.
    fn peer_addr(&self) -> io::Result<Self::Addr>;
}

pub(crate) mod sealed {
    use std::io;
    use std::net::Shutdown;
    use std::task::{Context, Poll};

    /// The operations a `StreamWriter` makes, all through a shared reference (the writer and
    /// its flusher task share the transport).
    ///
    /// Public but unnameable outside baton, which seals [`WriteTransport`](super::WriteTransport).
    pub trait Transport: 'static {
        /// Writes what the socket takes now: `WouldBlock` when it is full.
        fn try_write(&self, buf: &[u8]) -> io::Result<usize>;

        /// Writes from `buf` once the socket is writable.
        fn poll_write_shared(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>>;

        /// Shuts down `how`; a socket the peer already dropped counts as shut.
        fn shutdown(&self, how: Shutdown) -> io::Result<()>;

        /// Sends what the transport holds beyond the writer's buffer (a TLS transport's
        /// encrypted bytes); the writer's flusher waits for it before it ends. Sockets hold
        /// nothing.
        fn poll_flush_shared(&self, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }

        /// Whether `poll_flush_shared` has bytes to send, so a `write` that the transport took
        /// whole still starts the flusher.
        fn has_unsent(&self) -> bool {
            false
        }

        /// Ends the connection at once, sending nothing more (a server's `abort_clients`):
        /// unlike `shutdown`, a TLS transport sends no `close_notify`, so the peer sees a
        /// truncation, as asyncio's `transport.abort()` gives it.
        fn abort(&self) -> io::Result<()> {
            self.shutdown(Shutdown::Both)
        }
    }
}

impl<S: SplitStream> WriteTransport for OwnedWriteHalf<S> {
    type Addr = S::Addr;

    fn peer_addr(&self) -> io::Result<S::Addr> {
        self.as_stream().peer_addr()
    }
}

impl<S: SplitStream> sealed::Transport for OwnedWriteHalf<S> {
    fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.as_stream().try_write_shared(buf)
    }

    fn poll_write_shared(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.as_stream().poll_write_shared(cx, buf)
    }

    fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.as_stream().shutdown_quiet(how)
    }
}
