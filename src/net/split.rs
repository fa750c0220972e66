//! `OwnedReadHalf` / `OwnedWriteHalf`: a stream split so two tasks can read and write at once.
//! The halves share the stream (`Arc`: each half is `Send + Sync`, so the two may run in
//! tasks on different threads); its registration keeps one waker per direction, so each
//! half waits on its own. Generic over the family ([`SplitStream`]): TCP by default, or Unix.
//!
//! Each half also has its direction's low-level operations, the stream's own reached through
//! the sealed core (no second copy): `readable`, `try_read`, `peek` on the read half;
//! `writable`, `try_write`, `sendfile`, `write_eof` on the write half.

use std::error::Error;
use std::fmt;
use std::fs::File;
use std::io;
use std::sync::Arc;

use super::stream_core::{reading, writing, AsStream, SplitStream};
use super::{Peek, SendFile, TcpStream};
use crate::io::Readiness;

/// The read half of a stream, from [`TcpStream::split`] (`OwnedReadHalf`, the default) or
/// [`UnixStream::split`](super::UnixStream::split) (`OwnedReadHalf<UnixStream>`).
///
/// # Examples
/// ```
/// use baton::net::{TcpListener, TcpStream};
///
/// baton::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let client = TcpStream::connect(listener.local_addr()?).await?;
///     let (mut conn, _) = listener.accept().await?;
///     let (mut rd, _wr) = client.split();
///     conn.write_all(b"to the reader").await?;
///     let mut buf = vec![0; 13];
///     rd.read_exact(&mut buf).await?;
///     assert_eq!(buf, b"to the reader");
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// The same over a Unix socket pair:
///
/// ```
/// use baton::net::{OwnedReadHalf, UnixStream};
///
/// baton::run(async {
///     let (a, mut b) = UnixStream::pair()?;
///     let (mut rd, _wr): (OwnedReadHalf<UnixStream>, _) = a.split();
///     b.write_all(b"unix").await?;
///     let mut buf = [0; 4];
///     rd.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"unix");
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct OwnedReadHalf<S: SplitStream = TcpStream> {
    pub(super) stream: Arc<S>,
}

/// The write half of a stream, from [`TcpStream::split`] (`OwnedWriteHalf`, the default) or
/// [`UnixStream::split`](super::UnixStream::split) (`OwnedWriteHalf<UnixStream>`). Dropping it
/// shuts the write direction down (the peer reads EOF).
///
/// # Examples
/// ```
/// use baton::net::{TcpListener, TcpStream};
///
/// baton::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let client = TcpStream::connect(listener.local_addr()?).await?;
///     let (mut conn, _) = listener.accept().await?;
///     let (_rd, mut wr) = client.split();
///     wr.write_all(b"bye").await?;
///     drop(wr); // the peer sees EOF after "bye"
///     let mut buf = Vec::new();
///     let mut chunk = [0; 8];
///     loop {
///         let n = conn.read(&mut chunk).await?;
///         if n == 0 { break; }
///         buf.extend_from_slice(&chunk[..n]);
///     }
///     assert_eq!(buf, b"bye");
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct OwnedWriteHalf<S: SplitStream = TcpStream> {
    pub(super) stream: Arc<S>,
    /// Shut the write direction down on drop (cleared by `reunite`).
    shutdown_on_drop: bool,
}

/// The halves given to [`OwnedReadHalf::reunite`] came from different streams; here they are
/// back.
///
/// # Examples
/// ```
/// use baton::net::{TcpListener, TcpStream};
///
/// baton::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let (r1, _w1) = TcpStream::connect(listener.local_addr()?).await?.split();
///     let (_r2, w2) = TcpStream::connect(listener.local_addr()?).await?.split();
///     let err = r1.reunite(w2).unwrap_err();
///     println!("{err}");
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct ReuniteError<S: SplitStream = TcpStream>(pub OwnedReadHalf<S>, pub OwnedWriteHalf<S>);

/// Splits `stream` into halves sharing it.
pub(super) fn split<S: SplitStream>(stream: S) -> (OwnedReadHalf<S>, OwnedWriteHalf<S>) {
    let stream = Arc::new(stream);
    (
        OwnedReadHalf {
            stream: stream.clone(),
        },
        OwnedWriteHalf {
            stream,
            shutdown_on_drop: true,
        },
    )
}

impl<S: SplitStream> OwnedReadHalf<S> {
    /// Puts the halves of one stream back together.
    ///
    /// # Examples
    /// ```
    /// use baton::net::{TcpListener, TcpStream};
    ///
    /// baton::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let (rd, wr) = TcpStream::connect(listener.local_addr()?).await?.split();
    ///     let stream = rd.reunite(wr).expect("same stream");
    ///     assert_eq!(stream.peer_addr()?, listener.local_addr()?);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`ReuniteError`], holding both halves, if they belong to different streams.
    pub fn reunite(self, mut other: OwnedWriteHalf<S>) -> Result<S, ReuniteError<S>> {
        if !Arc::ptr_eq(&self.stream, &other.stream) {
            return Err(ReuniteError(self, other));
        }
        other.shutdown_on_drop = false;
        drop(other);
        Ok(Arc::try_unwrap(self.stream)
            .unwrap_or_else(|_| unreachable!("both halves were given, so no other Arc exists")))
    }

    /// The address of the remote end.
    ///
    /// # Examples
    /// ```
    /// # use baton::net::{TcpListener, TcpStream};
    /// baton::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let (rd, _wr) = TcpStream::connect(listener.local_addr()?).await?.split();
    ///     assert_eq!(rd.peer_addr()?, listener.local_addr()?);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// When the socket is no longer connected.
    pub fn peer_addr(&self) -> io::Result<S::Addr> {
        self.stream.peer_addr()
    }

    /// The address of this end.
    ///
    /// # Examples
    /// ```
    /// # use baton::net::{TcpListener, TcpStream};
    /// baton::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let (rd, _wr) = TcpStream::connect(listener.local_addr()?).await?.split();
    ///     assert!(rd.local_addr()?.ip().is_loopback());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// As `getsockname(2)`.
    pub fn local_addr(&self) -> io::Result<S::Addr> {
        self.stream.local_addr()
    }

    /// Ready once the stream may be read without blocking (asyncio's `add_reader` on the
    /// socket). It waits on the read direction only, in a place of its own: the write half's
    /// [`writable`](OwnedWriteHalf::writable), awaited meanwhile in another task, waits beside
    /// it, and each is woken by its own direction's events. A hint: see [`Readiness`].
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let (a, mut b) = baton::net::UnixStream::pair()?;
    ///     let (rd, _wr) = a.split();
    ///     b.write_all(b"x").await?;
    ///     rd.readable().await?;
    ///     assert_eq!(rd.try_read(&mut [0; 4])?, 1);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// When the loop the socket was registered with has closed.
    ///
    /// # Cancel safety
    /// Cancel safe: it only waits. Several tasks may wait at once.
    pub fn readable(&self) -> Readiness<'_> {
        self.stream.readable_shared()
    }

    /// Reads what is there now, without waiting (asyncio's `sock_recv` without the wait):
    /// `WouldBlock` when nothing is, which marks the stream not readable until the reactor
    /// says otherwise, so the next [`readable`](Self::readable) waits; `Ok(0)` at EOF.
    ///
    /// # Examples
    /// ```
    /// use std::io::ErrorKind;
    ///
    /// baton::run(async {
    ///     let (a, mut b) = baton::net::UnixStream::pair()?;
    ///     let (rd, _wr) = a.split();
    ///     let mut buf = [0; 8];
    ///     assert_eq!(rd.try_read(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
    ///     b.write_all(b"late").await?;
    ///     let n = loop {
    ///         rd.readable().await?;
    ///         match rd.try_read(&mut buf) {
    ///             Err(e) if e.kind() == ErrorKind::WouldBlock => continue,
    ///             r => break r?,
    ///         }
    ///     };
    ///     assert_eq!(&buf[..n], b"late");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// `WouldBlock` when nothing can be read now; any read error, e.g. `ConnectionReset`.
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.stream.try_read_shared(buf)
    }

    /// Reads bytes at the front of the stream into `buf` without taking them: the next read
    /// returns them again (`recv(2)` with `MSG_PEEK`). Waits until some are there; `Ok(0)` at
    /// EOF.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let (a, mut b) = baton::net::UnixStream::pair()?;
    ///     let (mut rd, _wr) = a.split();
    ///     b.write_all(b"GET /").await?;
    ///     let mut head = [0; 3];
    ///     let n = rd.peek(&mut head).await?; // still queued
    ///     let mut all = [0; 5];
    ///     rd.read_exact(&mut all).await?;
    ///     assert_eq!(head[..n], all[..n]);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// Any receive error; the closed-loop error of [`readable`](Self::readable).
    ///
    /// # Cancel safety
    /// Cancel safe: it takes nothing.
    pub fn peek<'a>(&'a self, buf: &'a mut [u8]) -> Peek<'a> {
        self.stream.peek_shared(buf)
    }
}

reading!(
    [S: SplitStream] OwnedReadHalf<S>,
    "use baton::net::{TcpListener, TcpStream};
# baton::run(async {
let listener = TcpListener::bind(\"127.0.0.1:0\").await?;
let (mut io, _wr) = TcpStream::connect(listener.local_addr()?).await?.split();
let (mut peer, _) = listener.accept().await?;"
);

writing!(
    [S: SplitStream] OwnedWriteHalf<S>,
    "use baton::net::{TcpListener, TcpStream};
# baton::run(async {
let listener = TcpListener::bind(\"127.0.0.1:0\").await?;
let (_rd, mut io) = TcpStream::connect(listener.local_addr()?).await?.split();
let (mut peer, _) = listener.accept().await?;"
);

impl<S: SplitStream> OwnedWriteHalf<S> {
    /// The address of the remote end.
    ///
    /// # Examples
    /// ```
    /// # use baton::net::{TcpListener, TcpStream};
    /// baton::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let (_rd, wr) = TcpStream::connect(listener.local_addr()?).await?.split();
    ///     assert_eq!(wr.peer_addr()?, listener.local_addr()?);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// When the socket is no longer connected.
    pub fn peer_addr(&self) -> io::Result<S::Addr> {
        self.stream.peer_addr()
    }

    /// The address of this end.
    ///
    /// # Examples
    /// ```
    /// # use baton::net::{TcpListener, TcpStream};
    /// baton::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let (_rd, wr) = TcpStream::connect(listener.local_addr()?).await?.split();
    ///     assert!(wr.local_addr()?.ip().is_loopback());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// As `getsockname(2)`.
    pub fn local_addr(&self) -> io::Result<S::Addr> {
        self.stream.local_addr()
    }

    /// Ready once the stream may be written without blocking (asyncio's `add_writer` on the
    /// socket). It waits on the write direction only, in a place of its own: the read half's
    /// [`readable`](OwnedReadHalf::readable), awaited meanwhile in another task, waits beside
    /// it, and each is woken by its own direction's events. A hint: see [`Readiness`].
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let (a, _b) = baton::net::UnixStream::pair()?;
    ///     let (_rd, wr) = a.split();
    ///     wr.writable().await?;
    ///     assert_eq!(wr.try_write(b"now")?, 3);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// When the loop the socket was registered with has closed.
    ///
    /// # Cancel safety
    /// Cancel safe: it only waits. Several tasks may wait at once.
    pub fn writable(&self) -> Readiness<'_> {
        self.stream.writable_shared()
    }

    /// Writes what the socket takes now, without waiting (asyncio's `sock_send` without the
    /// wait): `WouldBlock` when it is full (or not known to be writable), which marks it not
    /// writable until the reactor says otherwise.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let (a, mut b) = baton::net::UnixStream::pair()?;
    ///     let (_rd, wr) = a.split();
    ///     let data = b"some bytes";
    ///     let mut sent = 0;
    ///     while sent < data.len() {
    ///         wr.writable().await?;
    ///         match wr.try_write(&data[sent..]) {
    ///             Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
    ///             r => sent += r?,
    ///         }
    ///     }
    ///     let mut buf = [0; 10];
    ///     b.read_exact(&mut buf).await?;
    ///     assert_eq!(&buf, data);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// `WouldBlock` when the socket takes nothing now; any write error, e.g. `BrokenPipe`.
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.stream.try_write_shared(buf)
    }

    /// Sends `count` bytes of `file` from `offset` (all of it to the end with `None`) as the
    /// stream's own [`sendfile`](super::TcpStream::sendfile) does: `sendfile(2)`, falling back
    /// to 64 KiB reads and writes where the kernel cannot (asyncio's `loop.sendfile`); returns
    /// how many bytes were sent, fewer than `count` only if the file ended first. The file's
    /// own position is neither used nor moved.
    ///
    /// # Examples
    /// ```
    /// use std::io::Write;
    ///
    /// baton::run(async {
    ///     let (a, mut b) = baton::net::UnixStream::pair()?;
    ///     let (_rd, wr) = a.split();
    ///     let path = std::env::temp_dir().join(format!("baton-doc-hsf-{}", std::process::id()));
    ///     std::fs::File::create(&path)?.write_all(b"0123456789")?;
    ///     let file = std::fs::File::open(&path)?;
    ///     assert_eq!(wr.sendfile(&file, 4, Some(3)).await?, 3);
    ///     let mut buf = [0; 3];
    ///     b.read_exact(&mut buf).await?;
    ///     assert_eq!(&buf, b"456");
    ///     std::fs::remove_file(&path)?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// Any write error of the socket (e.g. `BrokenPipe`), any read error of the file.
    ///
    /// # Cancel safety
    /// Not cancel safe: bytes already sent are not reported.
    pub fn sendfile<'a>(&'a self, file: &'a File, offset: u64, count: Option<u64>) -> SendFile<'a> {
        self.stream.sendfile_shared(file, offset, count)
    }

    /// Shuts the write direction down now: the peer reads EOF after what was written
    /// (asyncio's `write_eof`, tokio's `shutdown`). The read half reads on. Dropping the write
    /// half does the same; [`forget`](Self::forget) drops it without.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let (a, mut b) = baton::net::UnixStream::pair()?;
    ///     let (mut rd, mut wr) = a.split();
    ///     wr.write_all(b"request").await?;
    ///     wr.write_eof()?;
    ///     let mut got = Vec::new();
    ///     let mut chunk = [0; 16];
    ///     loop {
    ///         let n = b.read(&mut chunk).await?;
    ///         if n == 0 { break; } // EOF
    ///         got.extend_from_slice(&chunk[..n]);
    ///     }
    ///     assert_eq!(got, b"request");
    ///     b.write_all(b"reply").await?; // the other direction stays open
    ///     rd.read_exact(&mut chunk[..5]).await?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// As `shutdown(2)`; a peer already gone (`NotConnected`) counts as shut.
    pub fn write_eof(&self) -> io::Result<()> {
        super::stream_core::shutdown_write(self)
    }

    /// Drops the write half without shutting the write direction down (tokio's `forget`): the
    /// peer reads EOF only once the read half is dropped too and the socket closes.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let (a, mut b) = baton::net::UnixStream::pair()?;
    ///     let (rd, wr) = a.split();
    ///     wr.forget();
    ///     let mut buf = [0; 1];
    ///     // Nothing to read, and no EOF (which would be `Ok(0)`) while the read half lives.
    ///     let e = b.try_read(&mut buf).unwrap_err();
    ///     assert_eq!(e.kind(), std::io::ErrorKind::WouldBlock);
    ///     drop(rd); // the socket closes
    ///     assert_eq!(b.read(&mut buf).await?, 0);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn forget(mut self) {
        self.shutdown_on_drop = false;
    }
}

/// The stream both halves share, for what the halves do not offer themselves (socket options,
/// the other direction's operations).
impl<S: SplitStream> AsRef<S> for OwnedReadHalf<S> {
    fn as_ref(&self) -> &S {
        &self.stream
    }
}

/// The stream both halves share, for what the halves do not offer themselves (socket options,
/// the other direction's operations).
impl<S: SplitStream> AsRef<S> for OwnedWriteHalf<S> {
    fn as_ref(&self) -> &S {
        &self.stream
    }
}

impl<S: SplitStream> AsStream for OwnedReadHalf<S> {
    type Stream = S;

    #[inline]
    fn as_stream(&self) -> &S {
        &self.stream
    }
}

impl<S: SplitStream> AsStream for OwnedWriteHalf<S> {
    type Stream = S;

    #[inline]
    fn as_stream(&self) -> &S {
        &self.stream
    }
}

impl<S: SplitStream> Drop for OwnedWriteHalf<S> {
    fn drop(&mut self) {
        if self.shutdown_on_drop {
            let _ = super::stream_core::shutdown_write(self);
        }
    }
}

impl<S: SplitStream> fmt::Debug for OwnedReadHalf<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedReadHalf")
            .field("peer", &self.peer_addr().ok())
            .finish()
    }
}

impl<S: SplitStream> fmt::Debug for OwnedWriteHalf<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedWriteHalf")
            .field("peer", &self.peer_addr().ok())
            .finish()
    }
}

impl<S: SplitStream> fmt::Debug for ReuniteError<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ReuniteError")
            .field(&self.0)
            .field(&self.1)
            .finish()
    }
}

impl<S: SplitStream> fmt::Display for ReuniteError<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("tried to reunite halves of different streams")
    }
}

impl<S: SplitStream> Error for ReuniteError<S> {}
