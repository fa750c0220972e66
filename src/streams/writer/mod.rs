//! `StreamWriter`: asyncio's buffered writer with flow control.
//!
//! # How bytes move
//!
//! `write` is synchronous, as in asyncio: with nothing buffered it tries the socket at once and
//! buffers only what the socket did not take. Buffered bytes are written by a *flusher* task,
//! spawned when the buffer becomes non-empty and finished when it is empty again, so data goes
//! out whether or not the user ever awaits `drain`.
//!
//! Flow control follows asyncio's transports: when the buffer grows past the high-water mark
//! the writer is *paused*, and `drain` waits until the flusher has brought the buffer down to
//! the low-water mark. A peer that never reads therefore holds the writer at the high-water
//! mark: memory stays bounded by the mark plus one `write`.
//!
//! # Closing
//!
//! `close` (or a server's `close_clients`) asks for the buffer to be flushed and the socket
//! then shut down in both directions; from then on the writer *is closing*. A server's
//! `abort_clients` drops the buffer and shuts down at once. Nothing is lost without an error:
//! a `write` after `close` or `write_eof` is dropped and recorded, and `drain`, `close` and
//! `wait_closed` report it as `BrokenPipe`; `drain` on a closing writer fails too (asyncio
//! raises `ConnectionResetError` there).
//!
//! # State
//!
//! Everything lives in one `Mutex<State>` (`crate::util`'s) shared (`Arc`) by the writer, its
//! flusher and the server that accepted the connection, so a writer is `Send + Sync` when its
//! transport is (every baton write half is): it may be used from a task on another thread. The
//! flusher is spawned on the loop running the `write` that first buffers bytes. The lock is never
//! held across an `.await`, nor while a waker is woken or dropped: waiters are taken out under
//! it and woken after it.
//!
//! # Files
//!
//! `state.rs` holds that state and the close protocol; `flusher.rs` the flusher task;
//! `handle.rs` the server's hold on a writer; `futures.rs` the futures of `drain`, `close` and
//! `wait_closed`; `sendfile.rs` `sendfile`, over a TCP or Unix write half.

#[cfg(feature = "tls")]
mod detach;
mod flusher;
mod futures;
mod handle;
mod sendfile;
mod state;

use crate::util::Mutex;
use std::fmt;
use std::io;
use std::net::Shutdown;
use std::sync::Arc;
use std::task::{Context, Poll};

#[cfg(feature = "tls")]
pub(crate) use detach::DetachedWriter;
pub use futures::{WriterClose, WriterDrain, WriterWaitClosed};
pub(crate) use handle::{HeldWriter, WriterHandle};
pub use sendfile::WriterSendFile;
use state::{begin_close, wake_all, Shared, State, DEFAULT_HIGH_WATER};

use crate::net::{OwnedWriteHalf, WriteTransport};
use flusher::start_flusher;

const WRITE_AFTER_CLOSE: &str = "StreamWriter::write after close: the writer is closing and \
                                 the bytes were dropped";
const WRITE_AFTER_EOF: &str = "StreamWriter::write after write_eof: the bytes were dropped";

/// A buffered writer over a connection (asyncio's `StreamWriter`), made by
/// [`open_connection`](crate::open_connection) and [`start_server`](crate::start_server) for
/// TCP, or by [`new`](StreamWriter::new) over the write half of any split stream (the
/// [`WriteTransport`]): `StreamWriter` is `StreamWriter<OwnedWriteHalf>`, over TCP;
/// `StreamWriter<OwnedWriteHalf<UnixStream>>` writes to a Unix socket.
///
/// `Send + Sync` when the transport is (baton's write halves are): a writer may be used from a
/// task on another thread; its flusher task runs on the loop of the `write` that started it.
///
/// # Examples
/// ```
/// use baton::net::TcpListener;
///
/// baton::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let (_r, mut w) = baton::open_connection(listener.local_addr()?).await?;
///     let (mut conn, _) = listener.accept().await?;
///     w.write(b"GET / HTTP/1.0\r\n");
///     w.writelines([&b"Host: x\r\n"[..], b"\r\n"]);
///     w.drain().await?;
///     w.close().await?;
///     let mut got = Vec::new();
///     futures_lite::AsyncReadExt::read_to_end(&mut conn, &mut got).await?;
///     assert_eq!(got, b"GET / HTTP/1.0\r\nHost: x\r\n\r\n");
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct StreamWriter<W: WriteTransport = OwnedWriteHalf> {
    shared: Arc<Shared<W>>,
}

impl<W: WriteTransport> StreamWriter<W> {
    /// A writer over the write half of a stream, with asyncio's water marks (64 KiB high,
    /// 16 KiB low).
    ///
    /// # Examples
    /// ```
    /// use baton::net::{TcpListener, TcpStream};
    /// use baton::{StreamReader, StreamWriter};
    ///
    /// baton::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let stream = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (rd, wr) = stream.split();
    ///     let (_r, mut w) = (StreamReader::new(rd), StreamWriter::new(wr));
    ///     w.write(b"hi");
    ///     w.drain().await?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// Over a Unix socket:
    ///
    /// ```
    /// use baton::net::UnixStream;
    /// use baton::{StreamReader, StreamWriter};
    ///
    /// baton::run(async {
    ///     let (a, b) = UnixStream::pair()?;
    ///     let (_a_rd, a_wr) = a.split();
    ///     let mut w = StreamWriter::new(a_wr);
    ///     let mut r = StreamReader::new(b);
    ///     w.write(b"over unix\n");
    ///     w.drain().await?;
    ///     assert_eq!(r.readline().await?, b"over unix\n");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn new(io: W) -> StreamWriter<W> {
        StreamWriter {
            shared: Arc::new(Shared {
                io,
                state: Mutex::new(State {
                    high: DEFAULT_HIGH_WATER,
                    low: DEFAULT_HIGH_WATER / 4,
                    ..State::default()
                }),
            }),
        }
    }

    /// Sets the water marks (asyncio's `transport.set_write_buffer_limits`): `drain` waits
    /// once more than `high` bytes are buffered, until at most `low` remain (default
    /// `high / 4`).
    ///
    /// # Examples
    /// ```
    /// # use baton::net::TcpListener;
    /// baton::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let (_r, mut w) = baton::open_connection(listener.local_addr()?).await?;
    ///     w.set_write_buffer_limits(1 << 20, None);
    ///     assert_eq!(w.write_buffer_limits(), (1 << 20, 1 << 18));
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Panics
    /// If `low > high`.
    pub fn set_write_buffer_limits(&mut self, high: usize, low: Option<usize>) {
        let low = low.unwrap_or(high / 4);
        assert!(
            low <= high,
            "low-water mark {low} above high-water mark {high}"
        );
        let mut st = self.shared.state.lock();
        st.high = high;
        st.low = low;
    }

    /// The water marks: `(high, low)`.
    ///
    /// # Examples
    /// ```
    /// # use baton::net::TcpListener;
    /// baton::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let (_r, w) = baton::open_connection(listener.local_addr()?).await?;
    ///     assert_eq!(w.write_buffer_limits(), (64 * 1024, 16 * 1024));
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn write_buffer_limits(&self) -> (usize, usize) {
        let st = self.shared.state.lock();
        (st.high, st.low)
    }

    /// Bytes written but not yet taken by the socket (asyncio's
    /// `transport.get_write_buffer_size`).
    ///
    /// # Examples
    /// ```
    /// # use baton::net::TcpListener;
    /// baton::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let (_r, mut w) = baton::open_connection(listener.local_addr()?).await?;
    ///     w.write(b"small");
    ///     assert_eq!(w.write_buffer_size(), 0); // the socket took it at once
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn write_buffer_size(&self) -> usize {
        self.shared.state.lock().pending()
    }

    /// Queues `data` for sending, without waiting (asyncio's `write`): the socket takes what it
    /// can at once, the rest is buffered and sent by the loop. Follow with
    /// [`drain`](StreamWriter::drain) to respect flow control.
    ///
    /// A write that cannot be sent is never lost silently: after [`close`](StreamWriter::close)
    /// or [`write_eof`](StreamWriter::write_eof) the bytes are dropped and `drain`, `close` and
    /// `wait_closed` fail with `BrokenPipe`; after the connection failed they report that
    /// failure.
    ///
    /// # Examples
    /// See [`StreamWriter`].
    ///
    /// ```
    /// # use baton::net::TcpListener;
    /// baton::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let (_r, mut w) = baton::open_connection(listener.local_addr()?).await?;
    ///     w.write(b"queued");
    ///     w.drain().await?;
    ///     drop(w.close());
    ///     w.write(b"too late");
    ///     let err = w.wait_closed().await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::BrokenPipe);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Panics
    /// Outside a running event loop, when the socket cannot take everything at once (the
    /// flusher is a task).
    #[track_caller]
    pub fn write(&mut self, data: &[u8]) {
        if data.is_empty() {
            return;
        }
        let mut st = self.shared.state.lock();
        if st.failure.is_some() {
            return; // the failure is reported by drain/close/wait_closed
        }
        if st.close_requested || st.eof_requested {
            let msg = if st.close_requested {
                WRITE_AFTER_CLOSE
            } else {
                WRITE_AFTER_EOF
            };
            st.dropped_write.get_or_insert(msg);
            return;
        }
        let mut rest = data;
        if st.pending() == 0 {
            match self.shared.io.try_write(rest) {
                Ok(n) => rest = &rest[n..],
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => {
                    let dropped = st.fail(e.kind(), e.to_string());
                    let waiters = std::mem::take(&mut st.waiters);
                    drop(st);
                    drop(dropped);
                    wake_all(waiters);
                    return;
                }
            }
            // A TLS transport that took it all may still hold encrypted bytes: the flusher
            // sends them.
            if rest.is_empty() && !self.shared.io.has_unsent() {
                return;
            }
            if st.start > 0 {
                st.buf.clear();
                st.start = 0;
            }
        }
        st.buf.extend_from_slice(rest);
        if st.pending() > st.high {
            st.paused = true;
        }
        drop(st);
        start_flusher(&self.shared);
    }

    /// Queues each buffer in turn (asyncio's `writelines`).
    ///
    /// # Examples
    /// See [`StreamWriter`].
    ///
    /// ```
    /// # use baton::net::TcpListener;
    /// baton::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let (_r, mut w) = baton::open_connection(listener.local_addr()?).await?;
    ///     w.writelines(["a\n", "b\n"].map(str::as_bytes));
    ///     w.drain().await?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Panics
    /// As [`write`](StreamWriter::write).
    #[track_caller]
    pub fn writelines<I>(&mut self, lines: I)
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        for line in lines {
            self.write(line.as_ref());
        }
    }

    /// Waits until it is appropriate to write more (asyncio's `drain`): at once unless the
    /// buffer passed the high-water mark, in which case until it is down to the low-water mark.
    ///
    /// # Examples
    /// See [`StreamWriter`].
    ///
    /// ```
    /// # use baton::net::TcpListener;
    /// baton::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let (_r, mut w) = baton::open_connection(listener.local_addr()?).await?;
    ///     let (_conn, _) = listener.accept().await?;
    ///     w.set_write_buffer_limits(64 * 1024, None);
    ///     w.write(&vec![0; 32 * 1024]);
    ///     w.drain().await?; // below the high-water mark: ready at once
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// The connection's write error (e.g. `ConnectionReset`, `BrokenPipe`), if one happened;
    /// `ConnectionAborted` after a server's `abort_clients`; `BrokenPipe` when the writer is
    /// closing (see [`is_closing`](StreamWriter::is_closing)) or a write was dropped after
    /// `close` or `write_eof`.
    ///
    /// # Cancel safety
    /// Cancel safe: it only waits.
    pub fn drain(&mut self) -> WriterDrain<'_, W> {
        WriterDrain { writer: self }
    }

    /// Shuts writing down once the buffer is flushed: the peer reads EOF (asyncio's
    /// `write_eof`). Later writes are dropped, and reported by `drain`.
    ///
    /// # Examples
    /// ```
    /// # use baton::net::TcpListener;
    /// baton::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let (_r, mut w) = baton::open_connection(listener.local_addr()?).await?;
    ///     let (conn, _) = listener.accept().await?;
    ///     let (rd, _wr) = conn.split();
    ///     let mut peer = baton::StreamReader::new(rd);
    ///     w.write(b"last words");
    ///     w.write_eof();
    ///     assert_eq!(peer.read(100).await?, b"last words");
    ///     assert_eq!(peer.read(100).await?, b""); // EOF
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Panics
    /// Outside a running event loop, when bytes are still buffered (the flusher is a task).
    #[track_caller]
    pub fn write_eof(&mut self) {
        let mut st = self.shared.state.lock();
        if st.eof_requested || st.close_requested || st.failure.is_some() {
            return;
        }
        st.eof_requested = true;
        if st.pending() == 0 && !st.flusher_running {
            let _ = self.shared.io.shutdown(Shutdown::Write);
            return;
        }
        drop(st);
        start_flusher(&self.shared);
    }

    /// Starts closing at once — the buffer is flushed, then the connection shut down in both
    /// directions — and returns a future that waits until that is done (asyncio's `close`
    /// followed by `wait_closed`). `drop(writer.close())` closes without waiting (asyncio's
    /// bare `close()`): the close finishes in the background.
    ///
    /// # Examples
    /// See [`StreamWriter`].
    ///
    /// ```
    /// # use baton::net::TcpListener;
    /// baton::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let (_r, mut w) = baton::open_connection(listener.local_addr()?).await?;
    ///     w.write(b"bye");
    ///     w.close().await?;
    ///     assert!(w.is_closing());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`wait_closed`](StreamWriter::wait_closed).
    ///
    /// # Cancel safety
    /// Cancel safe: the close goes ahead in the background.
    pub fn close(&self) -> WriterClose<'_, W> {
        begin_close(&self.shared);
        WriterClose { writer: self }
    }

    /// True once the writer is closing: [`close`](StreamWriter::close) was called (here or by
    /// the server's `close_clients`/`abort_clients`), or the connection failed (asyncio's
    /// `is_closing`). A closing writer takes no more bytes.
    ///
    /// # Examples
    /// ```
    /// # use baton::net::TcpListener;
    /// baton::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let (_r, w) = baton::open_connection(listener.local_addr()?).await?;
    ///     assert!(!w.is_closing());
    ///     drop(w.close()); // closes in the background
    ///     assert!(w.is_closing());
    ///     w.wait_closed().await?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn is_closing(&self) -> bool {
        let st = self.shared.state.lock();
        st.close_requested || st.failure.is_some()
    }

    /// Waits until the writer is closed: the buffer flushed and the connection shut down after
    /// [`close`](StreamWriter::close), or the connection failed (asyncio's `wait_closed`). It
    /// does not close by itself: until someone closes, it waits.
    ///
    /// # Examples
    /// ```
    /// # use baton::net::TcpListener;
    /// use std::sync::Arc;
    ///
    /// baton::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let (_r, w) = baton::open_connection(listener.local_addr()?).await?;
    ///     let w = Arc::new(w);
    ///     let watcher = baton::spawn({
    ///         let w = w.clone();
    ///         async move { w.wait_closed().await }
    ///     });
    ///     drop(w.close());
    ///     watcher.await.unwrap()?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// The connection's write error, if one happened (buffered bytes were then lost);
    /// `ConnectionAborted` after a server's `abort_clients`; `BrokenPipe` if a write was
    /// dropped after `close` or `write_eof`.
    ///
    /// # Cancel safety
    /// Cancel safe: it only waits.
    pub fn wait_closed(&self) -> WriterWaitClosed<'_, W> {
        WriterWaitClosed { writer: self }
    }

    /// The address of the remote end (asyncio's `get_extra_info("peername")`).
    ///
    /// # Examples
    /// ```
    /// # use baton::net::TcpListener;
    /// baton::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let (_r, w) = baton::open_connection(listener.local_addr()?).await?;
    ///     assert_eq!(w.peer_addr()?, listener.local_addr()?);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// When the socket is no longer connected.
    pub fn peer_addr(&self) -> io::Result<W::Addr> {
        self.shared.io.peer_addr()
    }

    /// The transport the writer writes through (asyncio's `StreamWriter.transport`): a
    /// socket's write half, or (feature `tls`) a `streams::TlsTransport` with the TLS
    /// session's details.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let listener = baton::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let (_r, w) = baton::open_connection(listener.local_addr()?).await?;
    ///     assert_eq!(w.transport().peer_addr()?, listener.local_addr()?); // an OwnedWriteHalf
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn transport(&self) -> &W {
        &self.shared.io
    }

    /// The server's hold on this connection's writer.
    pub(crate) fn handle(&self) -> WriterHandle<W> {
        WriterHandle {
            shared: self.shared.clone(),
        }
    }

    /// What the writer shares with its flusher and server.
    fn shared(&self) -> &Shared<W> {
        &self.shared
    }

    fn poll_closed(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut st = self.shared.state.lock();
        if let Some(e) = st.failure() {
            return Poll::Ready(Err(e));
        }
        if st.closed {
            return Poll::Ready(st.error().map_or(Ok(()), Err));
        }
        st.register(cx.waker());
        Poll::Pending
    }
}

impl<W: WriteTransport> fmt::Debug for StreamWriter<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.shared.state.lock();
        f.debug_struct("StreamWriter")
            .field("buffered", &st.pending())
            .field("paused", &st.paused)
            .field("closing", &(st.close_requested || st.failure.is_some()))
            .field("closed", &st.closed)
            .field("failure", &st.failure)
            .finish_non_exhaustive()
    }
}
