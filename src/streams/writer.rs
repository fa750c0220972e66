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
//! # State
//!
//! Everything lives in one `RefCell<State>` shared (`Rc`) by the writer and its flusher; no
//! borrow is held across an `.await` or while waking a task.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::io;
use std::net::{Shutdown, SocketAddr};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use crate::net::OwnedWriteHalf;

/// asyncio's default high-water mark: 64 KiB.
pub(crate) const DEFAULT_HIGH_WATER: usize = 64 * 1024;

/// A buffered writer over a TCP connection (asyncio's `StreamWriter`), made by
/// [`open_connection`](crate::open_connection) and [`start_server`](crate::start_server).
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
pub struct StreamWriter {
    shared: Rc<Shared>,
}

struct Shared {
    io: OwnedWriteHalf,
    state: RefCell<State>,
}

#[derive(Default)]
struct State {
    /// `buf[start..]` is waiting to be written.
    buf: Vec<u8>,
    start: usize,
    high: usize,
    low: usize,
    /// Set when the buffer passed `high`; cleared when the flusher brings it to `low`.
    paused: bool,
    /// The first write error; every later `drain`/`close` reports it.
    error: Option<(io::ErrorKind, String)>,
    /// `write_eof` was called: shut writing down once the buffer is empty.
    eof_requested: bool,
    /// `close` was called: shut both directions down once the buffer is empty.
    close_requested: bool,
    /// The shutdown that `close` asked for has happened.
    closed: bool,
    /// A flusher task exists (it ends when the buffer is empty and nothing is requested).
    flusher_running: bool,
    /// The task waiting in `drain` or `close`.
    waiter: Option<Waker>,
}

impl State {
    fn pending(&self) -> usize {
        self.buf.len() - self.start
    }

    fn record_error(&mut self, e: &io::Error) {
        if self.error.is_none() {
            self.error = Some((e.kind(), e.to_string()));
        }
        self.buf.clear();
        self.start = 0;
        self.paused = false;
    }

    fn error(&self) -> Option<io::Error> {
        self.error
            .as_ref()
            .map(|(kind, msg)| io::Error::new(*kind, msg.clone()))
    }
}

impl StreamWriter {
    /// A writer over the write half of a TCP stream, with asyncio's water marks (64 KiB high,
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
    pub fn new(io: OwnedWriteHalf) -> StreamWriter {
        StreamWriter {
            shared: Rc::new(Shared {
                io,
                state: RefCell::new(State {
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
        let mut st = self.shared.state.borrow_mut();
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
        let st = self.shared.state.borrow();
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
        self.shared.state.borrow().pending()
    }

    /// Queues `data` for sending, without waiting (asyncio's `write`): the socket takes what it
    /// can at once, the rest is buffered and sent by the loop. Follow with
    /// [`drain`](StreamWriter::drain) to respect flow control. Ignored after an error,
    /// `write_eof` or `close` (`drain` reports the error).
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
        let mut st = self.shared.state.borrow_mut();
        if st.error.is_some() || st.eof_requested || st.close_requested || data.is_empty() {
            return;
        }
        let mut rest = data;
        if st.pending() == 0 {
            match self.shared.io.try_write(rest) {
                Ok(n) => rest = &rest[n..],
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => {
                    st.record_error(&e);
                    return;
                }
            }
            if rest.is_empty() {
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
        self.start_flusher();
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
    /// The connection's write error (e.g. `ConnectionReset`, `BrokenPipe`), if one happened.
    ///
    /// # Cancel safety
    /// Cancel safe: it only waits.
    pub fn drain(&mut self) -> Drain<'_> {
        Drain { writer: self }
    }

    /// Shuts writing down once the buffer is flushed: the peer reads EOF (asyncio's
    /// `write_eof`). Later writes are ignored.
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
        let mut st = self.shared.state.borrow_mut();
        if st.eof_requested || st.error.is_some() {
            return;
        }
        st.eof_requested = true;
        if st.pending() == 0 && !st.flusher_running {
            let _ = self.shared.io.shutdown(Shutdown::Write);
            return;
        }
        drop(st);
        self.start_flusher();
    }

    /// Flushes the buffer, then shuts the connection down in both directions (asyncio's
    /// `close` followed by `wait_closed`).
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
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// The connection's write error, if one happened (buffered bytes were then lost).
    ///
    /// # Panics
    /// When polled outside a running event loop with bytes still buffered.
    ///
    /// # Cancel safety
    /// Cancel safe: the close goes ahead in the background.
    pub fn close(&mut self) -> Close<'_> {
        Close {
            writer: self,
            started: false,
        }
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
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.shared.io.peer_addr()
    }

    /// Spawns the flusher unless one is running.
    #[track_caller]
    fn start_flusher(&self) {
        let mut st = self.shared.state.borrow_mut();
        if st.flusher_running {
            return;
        }
        st.flusher_running = true;
        drop(st);
        let shared = self.shared.clone();
        // Detached: it ends by itself once the buffer is empty.
        drop(crate::spawn(Flusher { shared }));
    }
}

/// The task that writes the buffer out as the socket accepts it.
struct Flusher {
    shared: Rc<Shared>,
}

impl Future for Flusher {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let shared = &*self.shared;
        let mut wake = None;
        let result = {
            let mut st = shared.state.borrow_mut();
            loop {
                if st.error.is_some() {
                    wake = wake.or_else(|| st.waiter.take());
                    st.flusher_running = false;
                    break Poll::Ready(());
                }
                if st.pending() > 0 {
                    let start = st.start;
                    match shared.io.poll_write_buf(cx, &st.buf[start..]) {
                        Poll::Ready(Ok(0)) => st.record_error(&io::ErrorKind::WriteZero.into()),
                        Poll::Ready(Ok(n)) => {
                            st.start += n;
                            if st.paused && st.pending() <= st.low {
                                st.paused = false;
                                wake = wake.or_else(|| st.waiter.take());
                            }
                        }
                        Poll::Ready(Err(e)) => st.record_error(&e),
                        Poll::Pending => break Poll::Pending,
                    }
                    continue;
                }
                st.buf.clear();
                st.start = 0;
                st.paused = false;
                if st.close_requested {
                    let _ = shared.io.shutdown(Shutdown::Both);
                    st.closed = true;
                } else if st.eof_requested {
                    let _ = shared.io.shutdown(Shutdown::Write);
                }
                wake = wake.or_else(|| st.waiter.take());
                st.flusher_running = false;
                break Poll::Ready(());
            }
        };
        // Woken after the borrow ends.
        if let Some(w) = wake {
            w.wake();
        }
        result
    }
}

/// The future returned by [`StreamWriter::drain`].
///
/// # Examples
/// See [`StreamWriter::drain`].
///
/// ```
/// # use baton::net::TcpListener;
/// baton::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let (_r, mut w) = baton::open_connection(listener.local_addr()?).await?;
///     let drain = w.drain(); // a `Drain`
///     drain.await?;
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct Drain<'a> {
    writer: &'a mut StreamWriter,
}

/// The future returned by [`StreamWriter::close`].
///
/// # Examples
/// See [`StreamWriter::close`].
///
/// ```
/// # use baton::net::TcpListener;
/// baton::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let (_r, mut w) = baton::open_connection(listener.local_addr()?).await?;
///     let close = w.close(); // a `Close`
///     close.await?;
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct Close<'a> {
    writer: &'a mut StreamWriter,
    started: bool,
}

impl Future for Drain<'_> {
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut st = self.writer.shared.state.borrow_mut();
        if let Some(e) = st.error() {
            return Poll::Ready(Err(e));
        }
        if st.paused {
            st.waiter = Some(cx.waker().clone());
            return Poll::Pending;
        }
        Poll::Ready(Ok(()))
    }
}

impl Future for Close<'_> {
    type Output = io::Result<()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if !self.started {
            self.started = true;
            let writer = &*self.writer;
            let mut st = writer.shared.state.borrow_mut();
            if st.error.is_none() && !st.closed {
                st.close_requested = true;
                if st.pending() == 0 && !st.flusher_running {
                    let _ = writer.shared.io.shutdown(Shutdown::Both);
                    st.closed = true;
                } else {
                    drop(st);
                    writer.start_flusher();
                }
            }
        }
        let mut st = self.writer.shared.state.borrow_mut();
        if let Some(e) = st.error() {
            return Poll::Ready(Err(e));
        }
        if st.closed {
            return Poll::Ready(Ok(()));
        }
        st.waiter = Some(cx.waker().clone());
        Poll::Pending
    }
}

impl fmt::Debug for StreamWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.shared.state.borrow();
        f.debug_struct("StreamWriter")
            .field("buffered", &st.pending())
            .field("paused", &st.paused)
            .field("error", &st.error)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for Drain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Drain")
            .field("writer", &self.writer)
            .finish()
    }
}

impl fmt::Debug for Close<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Close")
            .field("writer", &self.writer)
            .field("started", &self.started)
            .finish()
    }
}
