//! `UdpSocket`: UDP on the loop (asyncio's datagram endpoint, without the protocol class).

use std::fmt;
use std::future::Future;
use std::io;
use std::net::{self, SocketAddr};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::future::FusedFuture;
use socket2::{Domain, Protocol, Socket, Type};

use super::addr::{each_addr, ToSocketAddrs};
use super::datagram::{datagram_socket, SendingTo};
use crate::io::boxed::boxed_future;
use crate::io::evented::Evented;
use crate::runtime::driver::reactor::Initially;

/// A UDP socket registered with the event loop.
///
/// # Examples
/// ```
/// use baton::net::UdpSocket;
///
/// baton::run(async {
///     let server = UdpSocket::bind("127.0.0.1:0").await?;
///     let client = UdpSocket::bind("127.0.0.1:0").await?;
///     client.send_to(b"ping", server.local_addr()?).await?;
///     let mut buf = [0; 16];
///     let (n, from) = server.recv_from(&mut buf).await?;
///     assert_eq!((&buf[..n], from), (&b"ping"[..], client.local_addr()?));
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct UdpSocket {
    pub(super) io: Evented<net::UdpSocket>,
}

boxed_future! {
    /// The future returned by [`UdpSocket::bind`].
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let socket = baton::net::UdpSocket::bind("127.0.0.1:0").await?; // a `BindUdp`
    ///     assert_ne!(socket.local_addr()?.port(), 0);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub struct BindUdp -> io::Result<UdpSocket>;
}

/// The future returned by [`UdpSocket::connect`].
///
/// # Examples
/// ```
/// baton::run(async {
///     let a = baton::net::UdpSocket::bind("127.0.0.1:0").await?;
///     a.connect("127.0.0.1:9").await?; // a `ConnectUdp`
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct ConnectUdp<'a> {
    socket: &'a UdpSocket,
    resolve: super::Resolve,
    /// It returned `Ready`: `FusedFuture::is_terminated`.
    returned: bool,
}

impl UdpSocket {
    /// Binds a UDP socket to `addr`, trying each address a name resolves to.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let socket = baton::net::UdpSocket::bind(("127.0.0.1", 0)).await?;
    ///     assert!(socket.local_addr()?.ip().is_loopback());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// When the name does not resolve or no address can be bound.
    ///
    /// # Panics
    /// When polled outside a running event loop.
    ///
    /// # Cancel safety
    /// Cancel safe.
    pub fn bind<A: ToSocketAddrs>(addr: A) -> BindUdp {
        let resolve = addr.to_addrs();
        BindUdp::new(async move {
            each_addr(resolve.await?, |addr| async move {
                let socket = Socket::new(
                    Domain::for_address(addr),
                    Type::DGRAM.nonblocking(),
                    Some(Protocol::UDP),
                )?;
                socket.bind(&addr.into())?;
                Ok(UdpSocket {
                    io: Evented::new(net::UdpSocket::from(socket), Initially::Ready)?,
                })
            })
            .await
        })
    }

    /// Registers a bound `std::net::UdpSocket` with the running loop (made non-blocking).
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let std_socket = std::net::UdpSocket::bind("127.0.0.1:0")?;
    ///     let socket = baton::net::UdpSocket::from_std(std_socket)?;
    ///     assert!(socket.local_addr()?.ip().is_loopback());
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
    pub fn from_std(socket: net::UdpSocket) -> io::Result<UdpSocket> {
        Evented::from_std(socket).map(|io| UdpSocket { io })
    }

    /// Sets the default peer for [`send`](UdpSocket::send) and the only source
    /// [`recv`](UdpSocket::recv) accepts, using the first address `addr` names.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let a = baton::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = baton::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     a.connect(b.local_addr()?).await?;
    ///     assert_eq!(a.peer_addr()?, b.local_addr()?);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// When the name does not resolve or `connect(2)` fails for every address.
    ///
    /// # Cancel safety
    /// Cancel safe.
    pub fn connect<A: ToSocketAddrs>(&self, addr: A) -> ConnectUdp<'_> {
        ConnectUdp {
            socket: self,
            resolve: addr.to_addrs(),
            returned: false,
        }
    }

    /// Sends `buf` as one datagram to `target`: any address form — a `SocketAddr`, an
    /// `(ip, port)` pair, or a name such as `"localhost:53"` or `("example.com", 53)`, looked up
    /// through [`lookup_host`](crate::net::lookup_host) (on a blocking thread) and sent to its
    /// first address of the socket's family. A literal address is sent without lookup or
    /// allocation.
    ///
    /// # Examples
    /// See [`UdpSocket`].
    ///
    /// ```
    /// baton::run(async {
    ///     let a = baton::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     assert_eq!(a.send_to(b"abc", "127.0.0.1:9").await?, 3);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// ```
    /// baton::run(async {
    ///     let a = baton::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = baton::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     let port = b.local_addr()?.port();
    ///     a.send_to(b"by name", ("localhost", port)).await?;
    ///     let mut buf = [0; 7];
    ///     b.recv_from(&mut buf).await?;
    ///     assert_eq!(&buf, b"by name");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// As `sendto(2)`; a name that does not resolve, or resolves to no address, fails as
    /// [`lookup_host`](crate::net::lookup_host) does (nothing is sent).
    ///
    /// # Cancel safety
    /// Cancel safe: nothing is sent unless it completes. Several tasks may send on one socket
    /// at once; each is woken when it becomes writable.
    pub fn send_to<'a, A: ToSocketAddrs>(&'a self, buf: &'a [u8], target: A) -> SendTo<'a> {
        // A literal address goes straight to `sendto`: no lookup, no allocation.
        if let Some(addr) = target.literal() {
            return SendTo {
                inner: SendingTo::new(self, buf, addr),
            };
        }
        let lookup = target.to_addrs();
        let ipv4 = self.local_addr().map_or(true, |a| a.is_ipv4());
        SendTo {
            inner: SendingTo::resolving(self, buf, async move {
                let addrs = lookup.await?;
                // The first address of the socket's family (an IPv4 socket cannot reach an
                // IPv6 one), else the first: `sendto` then says why not.
                let same_family = addrs.iter().find(|a| a.is_ipv4() == ipv4);
                Ok(*same_family.unwrap_or(&addrs[0]))
            }),
        }
    }

    /// The address the socket is bound to.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let a = baton::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     assert_ne!(a.local_addr()?.port(), 0);
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
    /// See [`UdpSocket::connect`].
    ///
    /// ```
    /// baton::run(async {
    ///     let a = baton::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     assert!(a.peer_addr().is_err()); // not connected
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// `NotConnected` when no peer is set.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }
}

impl Future for ConnectUdp<'_> {
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let connected = this.poll_connect(cx);
        this.returned |= connected.is_ready();
        connected
    }
}

/// Terminated once it returned.
impl FusedFuture for ConnectUdp<'_> {
    fn is_terminated(&self) -> bool {
        self.returned
    }
}

impl ConnectUdp<'_> {
    /// Looks the address up, then connects to the first address that takes it.
    fn poll_connect(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let addrs = match Pin::new(&mut self.resolve).poll(cx) {
            Poll::Ready(Ok(addrs)) => addrs,
            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            Poll::Pending => return Poll::Pending,
        };
        let mut last = None;
        for addr in addrs {
            match self.socket.io.get_ref().connect(addr) {
                Ok(()) => return Poll::Ready(Ok(())),
                Err(e) => last = Some(e),
            }
        }
        Poll::Ready(Err(last.expect("Resolve yields at least one address")))
    }
}

impl fmt::Debug for UdpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UdpSocket")
            .field("local", &self.local_addr().ok())
            .field("peer", &self.peer_addr().ok())
            .finish()
    }
}

impl fmt::Debug for ConnectUdp<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectUdp")
            .field("resolve", &self.resolve)
            .finish_non_exhaustive()
    }
}

datagram_socket! {
    UdpSocket over net::UdpSocket, addr: SocketAddr, target: SocketAddr,
    "# baton::run(async {
let a = baton::net::UdpSocket::bind(\"127.0.0.1:0\").await?;
let b = baton::net::UdpSocket::bind(\"127.0.0.1:0\").await?;
a.connect(b.local_addr()?).await?;
b.connect(a.local_addr()?).await?;";

    /// The future returned by [`UdpSocket::send_to`].
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let a = baton::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = baton::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     let send = a.send_to(b"x", b.local_addr()?); // a `SendTo`
    ///     assert_eq!(send.await?, 1);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub struct SendTo;

    /// The future returned by [`UdpSocket::recv_from`].
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let a = baton::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = baton::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     a.send_to(b"x", b.local_addr()?).await?;
    ///     let mut buf = [0; 4];
    ///     let (n, from) = b.recv_from(&mut buf).await?; // a `RecvFrom`
    ///     assert_eq!((n, from), (1, a.local_addr()?));
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub struct RecvFrom;
}
