//! `UnixStream`: a Unix-domain stream socket on the loop.

use std::future::poll_fn;
use std::io;
use std::os::unix::net::{self as unix, SocketAddr};
use std::path::Path;

use socket2::{Domain, SockAddr, Socket, Type};

use super::split::{OwnedReadHalf, OwnedWriteHalf};
use super::stream_core::byte_stream;
use crate::io::boxed::boxed_future;
use crate::io::evented::Evented;
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
    /// `NotFound` without a socket at `path`, `ConnectionRefused` when nobody listens; the
    /// message names the path.
    ///
    /// # Panics
    /// When polled outside a running event loop.
    ///
    /// # Cancel safety
    /// Cancel safe.
    pub fn connect(path: impl AsRef<Path>) -> ConnectUnix {
        let path = path.as_ref().to_path_buf();
        ConnectUnix::new(async move {
            connect_path(&path)
                .await
                .map_err(|e| naming_path("connect to", &path, e))
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
        Evented::from_std(stream).map(|io| UnixStream { io })
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

    /// Splits the stream into a read half and a write half that tasks own separately; each
    /// waits on its own direction. [`OwnedReadHalf::reunite`] puts them back together.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let (a, mut b) = baton::net::UnixStream::pair()?;
    ///     let (mut rd, mut wr) = a.split();
    ///     let writer = baton::spawn(async move { wr.write_all(b"half").await });
    ///     let mut buf = [0; 4];
    ///     b.read_exact(&mut buf).await?;
    ///     b.write_all(&buf).await?;
    ///     rd.read_exact(&mut buf).await?;
    ///     assert_eq!(&buf, b"half");
    ///     writer.await.unwrap()?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn split(self) -> (OwnedReadHalf<UnixStream>, OwnedWriteHalf<UnixStream>) {
        super::split::split(self)
    }
}

/// Connects to the socket at `path`: a non-blocking `connect`, then a wait for writability if
/// the kernel did not finish at once.
async fn connect_path(path: &Path) -> io::Result<UnixStream> {
    let addr = SockAddr::unix(path)?;
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
}

/// `e` with the path it concerns, so "No such file or directory" says which file.
pub(super) fn naming_path(what: &str, path: &Path, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("{what} {path:?}: {e}"))
}

byte_stream!(
    UnixStream,
    addr: SocketAddr,
    "use baton::net::UnixStream;
# baton::run(async {
let (mut io, mut peer) = UnixStream::pair()?;"
);
