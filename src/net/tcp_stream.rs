//! `TcpStream`: a TCP connection on the loop.

use std::future::poll_fn;
use std::io::{self, IoSlice};
use std::net::{self, SocketAddr};
use std::task::{Context, Poll};

use socket2::{Domain, Protocol, Socket, Type};

use super::addr::ToSocketAddrs;
use super::happy_eyeballs::ConnectOptions;
use super::split::{OwnedReadHalf, OwnedWriteHalf};
use super::stream_core::byte_stream;
use crate::io::boxed::boxed_future;
use crate::io::evented::Evented;
use crate::runtime::driver::reactor::{Direction, Initially};

/// A TCP connection registered with the event loop (asyncio's socket under a transport).
///
/// Reads and writes wait for readiness without blocking the loop. It is `Send + Sync`: any
/// thread may use it, while its readiness comes from the loop that made it (see
/// [`net`](crate::net) for what happens when that loop is idle or closed).
///
/// # Examples
/// ```
/// use baton::net::{TcpListener, TcpStream};
///
/// baton::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let mut client = TcpStream::connect(listener.local_addr()?).await?;
///     let (mut conn, peer) = listener.accept().await?;
///     assert_eq!(peer, client.local_addr()?);
///     client.write_all(b"ping").await?;
///     let mut buf = [0u8; 4];
///     conn.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"ping");
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct TcpStream {
    pub(super) io: Evented<net::TcpStream>,
}

boxed_future! {
    /// The future returned by [`TcpStream::connect`].
    ///
    /// # Examples
    /// ```
    /// use baton::net::{TcpListener, TcpStream};
    ///
    /// baton::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let connect = TcpStream::connect(listener.local_addr()?); // a `Connect`
    ///     let stream = connect.await?;
    ///     assert_eq!(stream.peer_addr()?, listener.local_addr()?);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub struct Connect -> io::Result<TcpStream>;
}

impl TcpStream {
    /// Opens a TCP connection to `addr` (asyncio's `sock_connect`). Names resolve on a blocking
    /// thread; when a name has several addresses, staggered attempts race as RFC 8305's happy
    /// eyeballs (250 ms apart, families interleaved: see [`ConnectOptions`] and
    /// [`connect_with`](TcpStream::connect_with)), so one that hangs costs 250 ms, not a
    /// connect timeout.
    ///
    /// # Examples
    /// ```
    /// use baton::net::{TcpListener, TcpStream};
    ///
    /// baton::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let port = listener.local_addr()?.port();
    ///     let stream = TcpStream::connect(("localhost", port)).await?;
    ///     assert!(stream.peer_addr()?.ip().is_loopback());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// When the name does not resolve; when every address fails, an error naming each
    /// address's failure.
    ///
    /// # Panics
    /// When polled outside a running event loop.
    ///
    /// # Cancel safety
    /// Cancel safe: a half-open socket is closed.
    pub fn connect<A: ToSocketAddrs>(addr: A) -> Connect {
        TcpStream::connect_with(addr, ConnectOptions::new())
    }

    /// Registers a connected `std::net::TcpStream` with the running loop (made non-blocking).
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    ///     let std_stream = std::net::TcpStream::connect(listener.local_addr()?)?;
    ///     let stream = baton::net::TcpStream::from_std(std_stream)?;
    ///     assert_eq!(stream.peer_addr()?, listener.local_addr()?);
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
    pub fn from_std(stream: net::TcpStream) -> io::Result<TcpStream> {
        Evented::from_std(stream).map(|io| TcpStream { io })
    }

    /// The address of the remote end.
    ///
    /// # Examples
    /// ```
    /// # use baton::net::{TcpListener, TcpStream};
    /// baton::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     assert_eq!(client.peer_addr()?, listener.local_addr()?);
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
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     assert!(client.local_addr()?.ip().is_loopback());
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

    /// Turns Nagle's algorithm off (`true`) or on: small writes go out at once.
    ///
    /// # Examples
    /// ```
    /// # use baton::net::{TcpListener, TcpStream};
    /// baton::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     client.set_nodelay(true)?;
    ///     assert!(client.nodelay()?);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// As `setsockopt(2)`.
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.io.get_ref().set_nodelay(nodelay)
    }

    /// Whether Nagle's algorithm is off. See [`set_nodelay`](TcpStream::set_nodelay).
    ///
    /// # Examples
    /// ```
    /// # use baton::net::{TcpListener, TcpStream};
    /// baton::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     assert!(!client.nodelay()?);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// As `getsockopt(2)`.
    pub fn nodelay(&self) -> io::Result<bool> {
        self.io.get_ref().nodelay()
    }

    /// Splits the stream into a read half and a write half that tasks own separately; each
    /// waits on its own direction. [`OwnedReadHalf::reunite`] puts them back together.
    ///
    /// # Examples
    /// ```
    /// # use baton::net::{TcpListener, TcpStream};
    /// baton::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (mut conn, _) = listener.accept().await?;
    ///     let (mut rd, mut wr) = client.split();
    ///     let writer = baton::spawn(async move { wr.write_all(b"half").await });
    ///     let mut buf = [0; 4];
    ///     conn.read_exact(&mut buf).await?;
    ///     conn.write_all(&buf).await?;
    ///     rd.read_exact(&mut buf).await?;
    ///     assert_eq!(&buf, b"half");
    ///     writer.await.unwrap()?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        super::split::split(self)
    }

    /// Polls for a read into `buf`, for code written against poll functions (hyper's `Read`).
    ///
    /// Only the waker of the most recent call that returned `Pending` is kept (as for
    /// [`AsyncRead::poll_read`](futures_io::AsyncRead::poll_read)): read from one task at a time.
    ///
    /// # Examples
    /// ```
    /// # use baton::net::{TcpListener, TcpStream};
    /// use std::future::poll_fn;
    ///
    /// baton::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let mut client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let (conn, _) = listener.accept().await?;
    ///     client.write_all(b"x").await?;
    ///     let mut buf = [0; 1];
    ///     let n = poll_fn(|cx| conn.poll_read_buf(cx, &mut buf)).await?;
    ///     assert_eq!(n, 1);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// Any read error.
    pub fn poll_read_buf(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.io.poll_read(cx, buf)
    }

    /// Polls for a write of `buf`, for code written against poll functions (hyper's `Write`).
    ///
    /// Only the waker of the most recent call that returned `Pending` is kept: write from one
    /// task at a time.
    ///
    /// # Examples
    /// ```
    /// # use baton::net::{TcpListener, TcpStream};
    /// use std::future::poll_fn;
    ///
    /// baton::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let n = poll_fn(|cx| client.poll_write_buf(cx, b"x")).await?;
    ///     assert_eq!(n, 1);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// Any write error.
    pub fn poll_write_buf(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.io.poll_write(cx, buf)
    }

    /// Polls for a vectored write of `bufs` (one `writev` for several buffers).
    ///
    /// Only the waker of the most recent call that returned `Pending` is kept: write from one
    /// task at a time.
    ///
    /// # Examples
    /// ```
    /// # use baton::net::{TcpListener, TcpStream};
    /// use std::future::poll_fn;
    /// use std::io::IoSlice;
    ///
    /// baton::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = TcpStream::connect(listener.local_addr()?).await?;
    ///     let bufs = [IoSlice::new(b"head"), IoSlice::new(b"body")];
    ///     let n = poll_fn(|cx| client.poll_write_vectored_buf(cx, &bufs)).await?;
    ///     assert_eq!(n, 8);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// Any write error.
    pub fn poll_write_vectored_buf(
        &self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.io.poll_write_vectored(cx, bufs)
    }
}

/// Connects one address: a non-blocking `connect`, then wait for writability and read the
/// outcome (`SO_ERROR`, then `getpeername`).
pub(super) async fn connect_addr(addr: SocketAddr) -> io::Result<TcpStream> {
    let socket = Socket::new(
        Domain::for_address(addr),
        Type::STREAM.nonblocking(),
        Some(Protocol::TCP),
    )?;
    match socket.connect(&addr.into()) {
        Ok(()) => {}
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
        Err(e) => return Err(e),
    }
    let io = Evented::new(net::TcpStream::from(socket), Initially::NotReady)?;
    poll_fn(|cx| {
        io.poll_io(cx, Direction::Write, |s| {
            if let Some(e) = s.take_error()? {
                return Err(e);
            }
            match s.peer_addr() {
                Ok(_) => Ok(()),
                // Still in progress: wait for the next writability event.
                Err(e) if e.kind() == io::ErrorKind::NotConnected => {
                    Err(io::ErrorKind::WouldBlock.into())
                }
                Err(e) => Err(e),
            }
        })
    })
    .await?;
    Ok(TcpStream { io })
}

byte_stream!(
    TcpStream,
    addr: SocketAddr,
    "use baton::net::{TcpListener, TcpStream};
# baton::run(async {
let listener = TcpListener::bind(\"127.0.0.1:0\").await?;
let mut io = TcpStream::connect(listener.local_addr()?).await?;
let (mut peer, _) = listener.accept().await?;"
);
