//! `UnixDatagram`: a Unix-domain datagram socket on the loop.

use std::fmt;
use std::io;
use std::os::unix::net::{self as unix, SocketAddr};
use std::path::{Path, PathBuf};

use super::datagram::{datagram_socket, SendingTo};
use super::unix_stream::naming_path;
use crate::io::evented::Evented;

/// A Unix-domain datagram socket registered with the event loop.
///
/// # Examples
/// ```
/// use baton::net::UnixDatagram;
///
/// baton::run(async {
///     let (a, b) = UnixDatagram::pair()?;
///     a.send(b"one datagram").await?;
///     let mut buf = [0; 32];
///     let n = b.recv(&mut buf).await?;
///     assert_eq!(&buf[..n], b"one datagram");
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct UnixDatagram {
    pub(super) io: Evented<unix::UnixDatagram>,
}

impl UnixDatagram {
    /// Creates a datagram socket bound to `path`.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let path = std::env::temp_dir().join(format!("baton-doc-db-{}", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let socket = baton::net::UnixDatagram::bind(&path)?;
    ///     assert_eq!(socket.local_addr()?.as_pathname(), Some(path.as_path()));
    ///     std::fs::remove_file(&path)?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// `AddrInUse` when `path` exists; others as `bind(2)`. The message names the path.
    ///
    /// # Panics
    /// Outside a running event loop.
    #[track_caller]
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixDatagram> {
        let path = path.as_ref();
        let socket = unix::UnixDatagram::bind(path).map_err(|e| naming_path("bind", path, e))?;
        UnixDatagram::from_std(socket)
    }

    /// Creates a datagram socket bound to no address (it can send, and receive replies only
    /// once connected).
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let socket = baton::net::UnixDatagram::unbound()?;
    ///     assert!(socket.local_addr()?.is_unnamed());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// As `socket(2)`.
    ///
    /// # Panics
    /// Outside a running event loop.
    #[track_caller]
    pub fn unbound() -> io::Result<UnixDatagram> {
        UnixDatagram::from_std(unix::UnixDatagram::unbound()?)
    }

    /// A connected pair of datagram sockets.
    ///
    /// # Examples
    /// See [`UnixDatagram`].
    ///
    /// ```
    /// baton::run(async {
    ///     let (a, b) = baton::net::UnixDatagram::pair()?;
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
    pub fn pair() -> io::Result<(UnixDatagram, UnixDatagram)> {
        let (a, b) = unix::UnixDatagram::pair()?;
        Ok((UnixDatagram::from_std(a)?, UnixDatagram::from_std(b)?))
    }

    /// Registers a `std::os::unix::net::UnixDatagram` with the running loop.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let std_socket = std::os::unix::net::UnixDatagram::unbound()?;
    ///     let _socket = baton::net::UnixDatagram::from_std(std_socket)?;
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
    pub fn from_std(socket: unix::UnixDatagram) -> io::Result<UnixDatagram> {
        Evented::from_std(socket).map(|io| UnixDatagram { io })
    }

    /// Sets the peer for [`send`](UnixDatagram::send) and [`recv`](UnixDatagram::recv).
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let path = std::env::temp_dir().join(format!("baton-doc-dc-{}", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let server = baton::net::UnixDatagram::bind(&path)?;
    ///     let client = baton::net::UnixDatagram::unbound()?;
    ///     client.connect(&path)?;
    ///     client.send(b"hi").await?;
    ///     assert_eq!(server.recv(&mut [0; 8]).await?, 2);
    ///     std::fs::remove_file(&path)?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// As `connect(2)`, e.g. `NotFound` without a socket at `path`. The message names the
    /// path.
    pub fn connect(&self, path: impl AsRef<Path>) -> io::Result<()> {
        let path = path.as_ref();
        self.io
            .get_ref()
            .connect(path)
            .map_err(|e| naming_path("connect to", path, e))
    }

    /// Sends one datagram to the socket at `target`.
    ///
    /// # Examples
    /// See [`UnixSendTo`].
    ///
    /// ```
    /// baton::run(async {
    ///     let path = std::env::temp_dir().join(format!("baton-doc-st-{}", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let server = baton::net::UnixDatagram::bind(&path)?;
    ///     baton::net::UnixDatagram::unbound()?.send_to(b"hey", &path).await?;
    ///     assert_eq!(server.recv(&mut [0; 8]).await?, 3);
    ///     std::fs::remove_file(&path)?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// As `sendto(2)`, e.g. `NotFound` without a socket at `target`, `ConnectionRefused` when
    /// nobody is bound there any more. The message names the path.
    ///
    /// # Cancel safety
    /// Cancel safe: nothing is sent unless it completes. Several tasks may send on one socket
    /// at once; each is woken when it becomes writable.
    pub fn send_to<'a>(&'a self, buf: &'a [u8], target: impl AsRef<Path>) -> UnixSendTo<'a> {
        UnixSendTo {
            inner: SendingTo::new(self, buf, target.as_ref().to_owned()),
        }
    }

    /// The address the socket is bound to.
    ///
    /// # Examples
    /// See [`UnixDatagram::bind`].
    ///
    /// ```
    /// baton::run(async {
    ///     let (a, _b) = baton::net::UnixDatagram::pair()?;
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

    /// The connected peer's address.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let (a, _b) = baton::net::UnixDatagram::pair()?;
    ///     assert!(a.peer_addr()?.is_unnamed());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// `NotConnected` without a peer.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }
}

impl fmt::Debug for UnixDatagram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixDatagram")
            .field("local", &self.local_addr().ok())
            .finish_non_exhaustive()
    }
}

datagram_socket! {
    UnixDatagram over unix::UnixDatagram, addr: SocketAddr, target: PathBuf,
    "# baton::run(async {
let (a, b) = baton::net::UnixDatagram::pair()?;";

    /// The future returned by [`UnixDatagram::send_to`].
    ///
    /// # Examples
    /// See [`UnixDatagram::send_to`].
    ///
    /// ```
    /// use baton::net::UnixDatagram;
    ///
    /// baton::run(async {
    ///     let path = std::env::temp_dir().join(format!("baton-doc-ds-{}", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let server = UnixDatagram::bind(&path)?;
    ///     let client = UnixDatagram::unbound()?;
    ///     let send = client.send_to(b"x", &path); // a `UnixSendTo`
    ///     send.await?;
    ///     # drop(server);
    ///     std::fs::remove_file(&path)?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub struct UnixSendTo;

    /// The future returned by [`UnixDatagram::recv_from`].
    ///
    /// # Examples
    /// See [`UnixDatagram::recv_from`].
    ///
    /// ```
    /// baton::run(async {
    ///     let (a, b) = baton::net::UnixDatagram::pair()?;
    ///     a.send(b"x").await?;
    ///     let mut buf = [0; 4];
    ///     let recv = b.recv_from(&mut buf); // a `UnixRecvFrom`
    ///     let (n, _from) = recv.await?;
    ///     assert_eq!(n, 1);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub struct UnixRecvFrom;
}
