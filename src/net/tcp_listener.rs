//! `TcpListener`: a listening TCP socket on the loop.

use std::io;
use std::net::{self, SocketAddr};
use std::task::{Context, Poll};

use socket2::{Domain, Protocol, SockAddr, Socket, Type};

use super::accept::{self, listener};
use super::addr::{each_addr, ToSocketAddrs};
use super::tcp_stream::TcpStream;
use crate::io::boxed::boxed_future;
use crate::io::evented::Evented;
use crate::runtime::driver::reactor::Initially;

/// The listen backlog unless told otherwise.
pub const DEFAULT_BACKLOG: u32 = 1024;

/// A TCP socket listening for connections (asyncio's listening socket under `start_server`).
///
/// # Examples
/// ```
/// use baton::net::{TcpListener, TcpStream};
///
/// baton::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let addr = listener.local_addr()?;
///     let client = baton::spawn(async move { TcpStream::connect(addr).await });
///     let (_conn, peer) = listener.accept().await?;
///     assert_eq!(peer, client.await.unwrap()?.local_addr()?);
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct TcpListener {
    pub(super) io: Evented<net::TcpListener>,
}

boxed_future! {
    /// The future returned by [`TcpListener::bind`].
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let bind = baton::net::TcpListener::bind("127.0.0.1:0"); // a `Bind`
    ///     let listener = bind.await?;
    ///     assert_ne!(listener.local_addr()?.port(), 0);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub struct Bind -> io::Result<TcpListener>;
}

impl TcpListener {
    /// Binds a listener to `addr` with a backlog of 1 024 and `SO_REUSEADDR`, trying each
    /// address a name resolves to until one binds. Port 0 picks a free port.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let listener = baton::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    ///     assert!(listener.local_addr()?.ip().is_loopback());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// When the name does not resolve or no address can be bound (e.g. `AddrInUse`).
    ///
    /// # Panics
    /// When polled outside a running event loop.
    ///
    /// # Cancel safety
    /// Cancel safe.
    pub fn bind<A: ToSocketAddrs>(addr: A) -> Bind {
        TcpListener::bind_with_backlog(addr, DEFAULT_BACKLOG)
    }

    /// As [`bind`](TcpListener::bind), with the listen backlog given.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let listener = baton::net::TcpListener::bind_with_backlog("127.0.0.1:0", 16).await?;
    ///     # drop(listener);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`bind`](TcpListener::bind).
    ///
    /// # Panics
    /// When polled outside a running event loop.
    ///
    /// # Cancel safety
    /// Cancel safe.
    pub fn bind_with_backlog<A: ToSocketAddrs>(addr: A, backlog: u32) -> Bind {
        TcpListener::bind_with(addr, backlog, false)
    }

    /// As [`bind`](TcpListener::bind), with `SO_REUSEPORT` set: several listeners — say one per
    /// event loop, on as many threads — may then bind the same address and port, and the kernel
    /// spreads incoming connections across them. Every listener sharing the port must be bound
    /// this way (and by the same user); a plain [`bind`](TcpListener::bind) of a port in use
    /// still fails with `AddrInUse`.
    ///
    /// # Examples
    /// ```
    /// use baton::net::TcpListener;
    ///
    /// baton::run(async {
    ///     let first = TcpListener::bind_reuse_port("127.0.0.1:0").await?;
    ///     let second = TcpListener::bind_reuse_port(first.local_addr()?).await?;
    ///     assert_eq!(first.local_addr()?, second.local_addr()?);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`bind`](TcpListener::bind); `AddrInUse` when a listener without `SO_REUSEPORT`
    /// holds the port.
    ///
    /// # Panics
    /// When polled outside a running event loop.
    ///
    /// # Cancel safety
    /// Cancel safe.
    pub fn bind_reuse_port<A: ToSocketAddrs>(addr: A) -> Bind {
        TcpListener::bind_with(addr, DEFAULT_BACKLOG, true)
    }

    /// Binds with the backlog given and, if `reuse_port`, `SO_REUSEPORT`.
    pub(crate) fn bind_with<A: ToSocketAddrs>(addr: A, backlog: u32, reuse_port: bool) -> Bind {
        let resolve = addr.to_addrs();
        let backlog = i32::try_from(backlog).unwrap_or(i32::MAX);
        Bind::new(async move {
            each_addr(resolve.await?, |addr| async move {
                let socket = Socket::new(
                    Domain::for_address(addr),
                    Type::STREAM.nonblocking(),
                    Some(Protocol::TCP),
                )?;
                socket.set_reuse_address(true)?;
                if reuse_port {
                    socket.set_reuse_port(true)?;
                }
                socket.bind(&addr.into())?;
                socket.listen(backlog)?;
                Ok(TcpListener {
                    io: Evented::new(net::TcpListener::from(socket), Initially::Ready)?,
                })
            })
            .await
        })
    }

    /// Registers a bound, listening `std::net::TcpListener` with the running loop (made
    /// non-blocking).
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let std_listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    ///     let listener = baton::net::TcpListener::from_std(std_listener)?;
    ///     assert!(listener.local_addr()?.ip().is_loopback());
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
    pub fn from_std(listener: net::TcpListener) -> io::Result<TcpListener> {
        Evented::from_std(listener).map(|io| TcpListener { io })
    }

    /// Waits for a connection and returns it with the peer's address.
    ///
    /// # Examples
    /// ```
    /// use baton::net::{TcpListener, TcpStream};
    ///
    /// baton::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (conn, peer) = listener.accept().await?;
    ///     assert_eq!(peer, client.local_addr()?);
    ///     assert_eq!(conn.local_addr()?, listener.local_addr()?);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// As `accept4(2)`: e.g. `EMFILE` when the process is out of descriptors (the connection
    /// stays queued; retry after a pause), `ECONNABORTED`.
    ///
    /// # Cancel safety
    /// Cancel safe: no connection is taken unless it completes. Several tasks may await
    /// `accept` on one listener at once; each is woken when connections arrive, and one that is
    /// cancelled takes no wake-up from the others.
    pub fn accept(&self) -> Accept<'_> {
        Accept::new(self)
    }

    /// Polls for a connection: the poll form of [`accept`](TcpListener::accept).
    ///
    /// Only the waker of the most recent call that returned `Pending` is kept: tasks sharing a
    /// listener should each await [`accept`](TcpListener::accept), which wakes them all.
    ///
    /// # Examples
    /// ```
    /// use baton::net::{TcpListener, TcpStream};
    /// use std::future::poll_fn;
    ///
    /// baton::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let _client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (_conn, peer) = poll_fn(|cx| listener.poll_accept(cx)).await?;
    ///     assert!(peer.ip().is_loopback());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`accept`](TcpListener::accept).
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        accept::poll_accept(self, cx)
    }

    /// The address the listener is bound to (with the port the OS picked for port 0).
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let listener = baton::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     assert_ne!(listener.local_addr()?.port(), 0);
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
fn adopt(socket: Socket, peer: SockAddr) -> io::Result<(TcpStream, SocketAddr)> {
    let peer = peer.as_socket().ok_or_else(|| {
        io::Error::new(io::ErrorKind::InvalidData, "accepted a non-IP peer address")
    })?;
    let io = Evented::new(net::TcpStream::from(socket), Initially::Ready)?;
    Ok((TcpStream { io }, peer))
}

listener! {
    TcpListener over net::TcpListener => (TcpStream, SocketAddr), adopt: adopt;

    /// The future returned by [`TcpListener::accept`].
    ///
    /// # Examples
    /// ```
    /// use baton::net::{TcpListener, TcpStream};
    ///
    /// baton::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let _client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let accept = listener.accept(); // an `Accept`
    ///     let (_conn, peer) = accept.await?;
    ///     assert!(peer.ip().is_loopback());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub struct Accept;
}
