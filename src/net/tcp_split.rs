//! `OwnedReadHalf` / `OwnedWriteHalf`: a `TcpStream` split so two tasks can read and write at
//! once. The halves share the socket (`Rc`); the registration keeps one waker per direction.

use std::error::Error;
use std::fmt;
use std::io::{self, IoSlice};
use std::net::{self, SocketAddr};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};

use super::tcp_stream::{shutdown_write, TcpStream};
use crate::io::evented::Evented;
use crate::io::ops::{Flush, Read, ReadExact, Write, WriteAll};

/// The read half of a [`TcpStream`], from [`TcpStream::split`].
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
pub struct OwnedReadHalf {
    pub(super) io: Rc<Evented<net::TcpStream>>,
}

/// The write half of a [`TcpStream`], from [`TcpStream::split`]. Dropping it shuts the write
/// direction down (the peer reads EOF).
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
pub struct OwnedWriteHalf {
    pub(super) io: Rc<Evented<net::TcpStream>>,
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
#[derive(Debug)]
pub struct ReuniteError(pub OwnedReadHalf, pub OwnedWriteHalf);

pub(super) fn split(stream: TcpStream) -> (OwnedReadHalf, OwnedWriteHalf) {
    let io = Rc::new(stream.io);
    (
        OwnedReadHalf { io: io.clone() },
        OwnedWriteHalf {
            io,
            shutdown_on_drop: true,
        },
    )
}

impl OwnedReadHalf {
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
    pub fn reunite(self, mut other: OwnedWriteHalf) -> Result<TcpStream, ReuniteError> {
        if !Rc::ptr_eq(&self.io, &other.io) {
            return Err(ReuniteError(self, other));
        }
        other.shutdown_on_drop = false;
        drop(other);
        let io = Rc::try_unwrap(self.io)
            .unwrap_or_else(|_| unreachable!("both halves were given, so no other Rc exists"));
        Ok(TcpStream::from_evented(io))
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
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
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
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Reads some bytes; `Ok(0)` at EOF. As [`TcpStream::read`].
    ///
    /// # Examples
    /// See [`OwnedReadHalf`].
    ///
    /// ```
    /// # use baton::net::{TcpListener, TcpStream};
    /// baton::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let (mut rd, _wr) = TcpStream::connect(listener.local_addr()?).await?.split();
    ///     let (conn, _) = listener.accept().await?;
    ///     drop(conn);
    ///     assert_eq!(rd.read(&mut [0; 4]).await?, 0);
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

    /// Reads exactly `buf.len()` bytes. As [`TcpStream::read_exact`].
    ///
    /// # Examples
    /// See [`OwnedReadHalf`].
    ///
    /// ```
    /// # use baton::net::{TcpListener, TcpStream};
    /// baton::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let (mut rd, _wr) = TcpStream::connect(listener.local_addr()?).await?.split();
    ///     let (mut conn, _) = listener.accept().await?;
    ///     conn.write_all(b"ab").await?;
    ///     let mut buf = [0; 2];
    ///     rd.read_exact(&mut buf).await?;
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
}

impl OwnedWriteHalf {
    /// Writes some bytes. As [`TcpStream::write`].
    ///
    /// # Examples
    /// ```
    /// # use baton::net::{TcpListener, TcpStream};
    /// baton::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let (_rd, mut wr) = TcpStream::connect(listener.local_addr()?).await?.split();
    ///     assert_eq!(wr.write(b"x").await?, 1);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// Any write error.
    ///
    /// # Cancel safety
    /// Cancel safe.
    pub fn write<'a>(&'a mut self, buf: &'a [u8]) -> Write<'a, Self> {
        Write::new(self, buf)
    }

    /// Writes all of `buf`. As [`TcpStream::write_all`].
    ///
    /// # Examples
    /// See [`OwnedWriteHalf`].
    ///
    /// ```
    /// # use baton::net::{TcpListener, TcpStream};
    /// baton::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let (_rd, mut wr) = TcpStream::connect(listener.local_addr()?).await?.split();
    ///     wr.write_all(b"xyz").await?;
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

    /// Flushes (a no-op for sockets). As [`TcpStream::flush`].
    ///
    /// # Examples
    /// ```
    /// # use baton::net::{TcpListener, TcpStream};
    /// baton::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let (_rd, mut wr) = TcpStream::connect(listener.local_addr()?).await?.split();
    ///     wr.flush().await?;
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
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
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
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Writes what the socket takes right now, without waiting: `WouldBlock` when it is full.
    pub(crate) fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        use crate::runtime::driver::reactor::Direction;
        use std::io::Write as _;
        self.io
            .registration()
            .try_io(Direction::Write, || self.io.get_ref().write(buf))
    }

    /// Polls for a write of `buf` through a shared reference.
    pub(crate) fn poll_write_buf(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.io.poll_write(cx, buf)
    }

    /// Shuts the socket down in `how`; a socket the peer already dropped counts as shut.
    pub(crate) fn shutdown(&self, how: std::net::Shutdown) -> io::Result<()> {
        match self.io.get_ref().shutdown(how) {
            Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(()),
            r => r,
        }
    }
}

impl AsyncRead for OwnedReadHalf {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.io.poll_read(cx, buf)
    }
}

impl AsyncWrite for OwnedWriteHalf {
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
        Poll::Ready(shutdown_write(self.io.get_ref()))
    }
}

impl Drop for OwnedWriteHalf {
    fn drop(&mut self) {
        if self.shutdown_on_drop {
            let _ = shutdown_write(self.io.get_ref());
        }
    }
}

impl fmt::Debug for OwnedReadHalf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedReadHalf")
            .field("peer", &self.peer_addr().ok())
            .finish()
    }
}

impl fmt::Debug for OwnedWriteHalf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedWriteHalf")
            .field("peer", &self.peer_addr().ok())
            .finish()
    }
}

impl fmt::Display for ReuniteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("tried to reunite halves of different streams")
    }
}

impl Error for ReuniteError {}
