//! `UnixListener`: a listening Unix-domain socket on the loop.

use std::io;
use std::os::unix::net::{self as unix, SocketAddr};
use std::path::Path;

use socket2::{Domain, SockAddr, Socket, Type};

use super::accept::listener;
use super::tcp_listener::DEFAULT_BACKLOG;
use super::unix_stream::{naming_path, UnixStream};
use crate::io::evented::Evented;
use crate::runtime::driver::reactor::Initially;

/// A Unix-domain socket listening for connections (asyncio's `start_unix_server` socket).
///
/// # Examples
/// ```
/// use baton::net::{UnixListener, UnixStream};
///
/// baton::run(async {
///     let path = std::env::temp_dir().join(format!("baton-doc-l-{}", std::process::id()));
///     let _ = std::fs::remove_file(&path);
///     let listener = UnixListener::bind(&path)?;
///     let _client = UnixStream::connect(&path).await?;
///     let (_conn, _peer) = listener.accept().await?;
///     std::fs::remove_file(&path)?;
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct UnixListener {
    pub(super) io: Evented<unix::UnixListener>,
}

impl UnixListener {
    /// Creates a socket at `path` and listens on it with a backlog of 1 024. The path must not
    /// exist yet.
    ///
    /// # Examples
    /// See [`UnixListener`].
    ///
    /// ```
    /// baton::run(async {
    ///     let path = std::env::temp_dir().join(format!("baton-doc-b-{}", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let listener = baton::net::UnixListener::bind(&path)?;
    ///     assert_eq!(listener.local_addr()?.as_pathname(), Some(path.as_path()));
    ///     std::fs::remove_file(&path)?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// `AddrInUse` when `path` exists (remove a stale socket file first); others as `bind(2)`.
    /// The message names the path.
    ///
    /// # Panics
    /// Outside a running event loop.
    #[track_caller]
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixListener> {
        let path = path.as_ref();
        let socket = Socket::new(Domain::UNIX, Type::STREAM.nonblocking(), None)?;
        SockAddr::unix(path)
            .and_then(|addr| socket.bind(&addr))
            .map_err(|e| naming_path("bind", path, e))?;
        socket.listen(DEFAULT_BACKLOG as i32)?;
        Ok(UnixListener {
            io: Evented::new(unix::UnixListener::from(socket), Initially::Ready)?,
        })
    }

    /// Registers a listening `std::os::unix::net::UnixListener` with the running loop.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let path = std::env::temp_dir().join(format!("baton-doc-f-{}", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let std_listener = std::os::unix::net::UnixListener::bind(&path)?;
    ///     let _listener = baton::net::UnixListener::from_std(std_listener)?;
    ///     std::fs::remove_file(&path)?;
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
    pub fn from_std(listener: unix::UnixListener) -> io::Result<UnixListener> {
        Evented::from_std(listener).map(|io| UnixListener { io })
    }

    /// Waits for a connection.
    ///
    /// # Examples
    /// See [`UnixListener`].
    ///
    /// ```
    /// # use baton::net::{UnixListener, UnixStream};
    /// baton::run(async {
    ///     let path = std::env::temp_dir().join(format!("baton-doc-w-{}", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let listener = UnixListener::bind(&path)?;
    ///     let mut client = UnixStream::connect(&path).await?;
    ///     let (mut conn, _) = listener.accept().await?;
    ///     conn.write_all(b"hi").await?;
    ///     client.read_exact(&mut [0; 2]).await?;
    ///     std::fs::remove_file(&path)?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// As `accept4(2)`, e.g. `EMFILE`.
    ///
    /// # Cancel safety
    /// Cancel safe: no connection is taken unless it completes. Several tasks may await
    /// `accept` on one listener at once; each is woken when connections arrive, and one that is
    /// cancelled takes no wake-up from the others.
    pub fn accept(&self) -> UnixAccept<'_> {
        UnixAccept::new(self)
    }

    /// The address the listener is bound to.
    ///
    /// # Examples
    /// See [`UnixListener::bind`].
    ///
    /// ```
    /// baton::run(async {
    ///     let path = std::env::temp_dir().join(format!("baton-doc-la-{}", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let listener = baton::net::UnixListener::bind(&path)?;
    ///     assert!(listener.local_addr()?.as_pathname().is_some());
    ///     std::fs::remove_file(&path)?;
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
}

/// Registers an accepted connection with the loop.
fn adopt(socket: Socket, _peer: SockAddr) -> io::Result<(UnixStream, SocketAddr)> {
    let stream = unix::UnixStream::from(socket);
    let peer = stream.peer_addr()?;
    let io = Evented::new(stream, Initially::Ready)?;
    Ok((UnixStream { io }, peer))
}

listener! {
    UnixListener over unix::UnixListener => (UnixStream, SocketAddr), adopt: adopt;

    /// The future returned by [`UnixListener::accept`].
    ///
    /// # Examples
    /// See [`UnixListener`].
    ///
    /// ```
    /// use baton::net::{UnixListener, UnixStream};
    ///
    /// baton::run(async {
    ///     let path = std::env::temp_dir().join(format!("baton-doc-a-{}", std::process::id()));
    ///     let _ = std::fs::remove_file(&path);
    ///     let listener = UnixListener::bind(&path)?;
    ///     let _client = UnixStream::connect(&path).await?;
    ///     let accept = listener.accept(); // a `UnixAccept`
    ///     accept.await?;
    ///     std::fs::remove_file(&path)?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub struct UnixAccept;
}
