//! `UnixStream`: a Unix-domain stream socket on the loop.

use std::fmt;
use std::future::poll_fn;
use std::io::{self, IoSlice};
use std::net::Shutdown;
use std::os::unix::net::{self as unix, SocketAddr};
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};
use socket2::{Domain, SockAddr, Socket, Type};

use crate::io::boxed::boxed_future;
use crate::io::evented::Evented;
use crate::io::ops::{Flush, Read, ReadExact, Write, WriteAll};
use crate::runtime::driver::reactor::{Direction, Initially};

/// A Unix-domain stream socket registered with the event loop (asyncio's
/// `open_unix_connection` socket).
///
/// # Examples
/// ```
/// use baton::net::UnixStream;
///
/// baton::run(async {
///     let (mut a, mut b) = UnixStream::pair()?;
///     a.write_all(b"over unix").await?;
///     let mut buf = [0; 9];
///     b.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"over unix");
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct UnixStream {
    pub(super) io: Evented<unix::UnixStream>,
}

boxed_future! {
    /// The future returned by [`UnixStream::connect`].
    ///
    /// # Examples
    /// ```
    /// use baton::net::{UnixListener, UnixStream};
    ///
    /// baton::run(async {
    ///     let path = std::env::temp_dir().join(format!("baton-doc-uc-{}", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let _listener = UnixListener::bind(&path)?;
    ///     let connect = UnixStream::connect(&path); // a `ConnectUnix`
    ///     let _stream = connect.await?;
    ///     std::fs::remove_file(&path)?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub struct ConnectUnix -> io::Result<UnixStream>;
}

impl UnixStream {
    /// Connects to the socket at `path`.
    ///
    /// # Examples
    /// ```
    /// use baton::net::{UnixListener, UnixStream};
    ///
    /// baton::run(async {
    ///     let path = std::env::temp_dir().join(format!("baton-doc-c-{}", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let listener = UnixListener::bind(&path)?;
    ///     let mut client = UnixStream::connect(&path).await?;
    ///     let (mut conn, _) = listener.accept().await?;
    ///     client.write_all(b"x").await?;
    ///     conn.read_exact(&mut [0; 1]).await?;
    ///     std::fs::remove_file(&path)?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// `NotFound` without a socket at `path`, `ConnectionRefused` when nobody listens.
    ///
    /// # Panics
    /// When polled outside a running event loop.
    ///
    /// # Cancel safety
    /// Cancel safe.
    pub fn connect(path: impl AsRef<Path>) -> ConnectUnix {
        let addr = SockAddr::unix(path.as_ref());
        ConnectUnix::new(async move {
            let addr = addr?;
            let socket = Socket::new(Domain::UNIX, Type::STREAM.nonblocking(), None)?;
            let pending = match socket.connect(&addr) {
                Ok(()) => false,
                Err(e)
                    if e.raw_os_error() == Some(libc::EINPROGRESS)
                        || e.kind() == io::ErrorKind::WouldBlock =>
                {
                    true
                }
                Err(e) => return Err(e),
            };
            let io = Evented::new(unix::UnixStream::from(socket), Initially::NotReady)?;
            if pending {
                poll_fn(|cx| {
                    io.poll_io(cx, Direction::Write, |s| match s.take_error()? {
                        Some(e) => Err(e),
                        None => Ok(()),
                    })
                })
                .await?;
            }
            Ok(UnixStream { io })
        })
    }

    /// A connected pair of sockets (`socketpair(2)`).
    ///
    /// # Examples
    /// See [`UnixStream`].
    ///
    /// ```
    /// baton::run(async {
    ///     let (a, b) = baton::net::UnixStream::pair()?;
    ///     # drop((a, b));
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// As `socketpair(2)`.
    ///
    /// # Panics
    /// Outside a running event loop.
    #[track_caller]
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        let (a, b) = unix::UnixStream::pair()?;
        Ok((UnixStream::from_std(a)?, UnixStream::from_std(b)?))
    }

    /// Registers a connected `std::os::unix::net::UnixStream` with the running loop.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    ///     let a = baton::net::UnixStream::from_std(a)?;
    ///     # drop(a);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// When the socket cannot be made non-blocking or registered.
    ///
    /// # Panics
    /// Outside a running event loop.
    #[track_caller]
    pub fn from_std(stream: unix::UnixStream) -> io::Result<UnixStream> {
        stream.set_nonblocking(true)?;
        Ok(UnixStream {
            io: Evented::new(stream, Initially::Ready)?,
        })
    }

    pub(super) fn from_evented(io: Evented<unix::UnixStream>) -> UnixStream {
        UnixStream { io }
    }

    /// The address of this end.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let (a, _b) = baton::net::UnixStream::pair()?;
    ///     assert!(a.local_addr()?.is_unnamed());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// As `getsockname(2)`.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The address of the remote end.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let (a, _b) = baton::net::UnixStream::pair()?;
    ///     assert!(a.peer_addr()?.is_unnamed());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// As `getpeername(2)`.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Shuts down reading, writing (the peer reads EOF), or both.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let (a, mut b) = baton::net::UnixStream::pair()?;
    ///     a.shutdown(std::net::Shutdown::Write)?;
    ///     assert_eq!(b.read(&mut [0; 4]).await?, 0);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// As `shutdown(2)`.
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.get_ref().shutdown(how)
    }

    /// Reads some bytes; `Ok(0)` at EOF.
    ///
    /// # Examples
    /// See [`UnixStream`].
    ///
    /// ```
    /// baton::run(async {
    ///     let (mut a, mut b) = baton::net::UnixStream::pair()?;
    ///     b.write_all(b"r").await?;
    ///     assert_eq!(a.read(&mut [0; 4]).await?, 1);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// Any read error.
    ///
    /// # Cancel safety
    /// Cancel safe.
    pub fn read<'a>(&'a mut self, buf: &'a mut [u8]) -> Read<'a, Self> {
        Read::new(self, buf)
    }

    /// Reads exactly `buf.len()` bytes.
    ///
    /// # Examples
    /// See [`UnixStream`].
    ///
    /// ```
    /// baton::run(async {
    ///     let (mut a, mut b) = baton::net::UnixStream::pair()?;
    ///     b.write_all(b"xy").await?;
    ///     a.read_exact(&mut [0; 2]).await?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// `UnexpectedEof` if the peer closes first; any read error.
    ///
    /// # Cancel safety
    /// Not cancel safe.
    pub fn read_exact<'a>(&'a mut self, buf: &'a mut [u8]) -> ReadExact<'a, Self> {
        ReadExact::new(self, buf)
    }

    /// Writes some bytes.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let (mut a, _b) = baton::net::UnixStream::pair()?;
    ///     assert_eq!(a.write(b"w").await?, 1);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// Any write error, e.g. `BrokenPipe`.
    ///
    /// # Cancel safety
    /// Cancel safe.
    pub fn write<'a>(&'a mut self, buf: &'a [u8]) -> Write<'a, Self> {
        Write::new(self, buf)
    }

    /// Writes all of `buf`.
    ///
    /// # Examples
    /// See [`UnixStream`].
    ///
    /// ```
    /// baton::run(async {
    ///     let (mut a, _b) = baton::net::UnixStream::pair()?;
    ///     a.write_all(b"all").await?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// Any write error.
    ///
    /// # Cancel safety
    /// Not cancel safe.
    pub fn write_all<'a>(&'a mut self, buf: &'a [u8]) -> WriteAll<'a, Self> {
        WriteAll::new(self, buf)
    }

    /// Flushes (a no-op for sockets).
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let (mut a, _b) = baton::net::UnixStream::pair()?;
    ///     a.flush().await?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// None for a socket.
    ///
    /// # Cancel safety
    /// Cancel safe.
    pub fn flush(&mut self) -> Flush<'_, Self> {
        Flush::new(self)
    }
}

impl AsyncRead for UnixStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.io.poll_read(cx, buf)
    }
}

impl AsyncWrite for UnixStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.io.poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.io.poll_write_vectored(cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// Shuts the write direction down: the peer reads EOF.
    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(match self.io.get_ref().shutdown(Shutdown::Write) {
            Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(()),
            r => r,
        })
    }
}

impl fmt::Debug for UnixStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixStream")
            .field("local", &self.local_addr().ok())
            .field("peer", &self.peer_addr().ok())
            .finish()
    }
}
