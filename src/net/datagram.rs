//! The datagram core: what [`UdpSocket`] and [`UnixDatagram`] share, written once.
//!
//! Every datagram operation is one call (`send`, `recv`, `send_to`, `recv_from`) made when the
//! socket is ready, from a future that holds a waiter of its own, so that every task sending
//! (or receiving) on a shared socket is woken. A family says which calls those are
//! ([`DatagramSocket`]); `datagram_socket!` writes each family's shells once: the inherent
//! `send`, `recv` and `recv_from`, and its named `send_to` and `recv_from` futures over
//! [`SendingTo`] and [`ReceivingFrom`]. The futures of connected `send` and `recv`,
//! [`SendDatagram`] and [`RecvDatagram`], are one type for both families.
//!
//! [`UdpSocket`]: super::UdpSocket
//! [`UnixDatagram`]: super::UnixDatagram

use std::fmt;
use std::future::Future;
use std::io;
use std::net;
use std::os::fd::AsRawFd;
use std::os::unix::net as unix;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::future::FusedFuture;

use crate::io::evented::Evented;
use crate::runtime::driver::reactor::{Direction, Waiter};

/// A datagram socket of one family: [`UdpSocket`](super::UdpSocket) or
/// [`UnixDatagram`](super::UnixDatagram).
pub(super) trait DatagramSocket {
    /// The std socket under it.
    type Socket: Connected + AsRawFd;
    /// A sender's address.
    type Addr;
    /// Where `send_to` sends, as the future keeps it.
    type Target: SendTarget;

    fn evented(&self) -> &Evented<Self::Socket>;

    fn send_to(socket: &Self::Socket, buf: &[u8], target: &Self::Target) -> io::Result<usize>;

    fn recv_from(socket: &Self::Socket, buf: &mut [u8]) -> io::Result<(usize, Self::Addr)>;
}

/// Where a datagram goes, and how a failed `send_to` says so.
pub(super) trait SendTarget: fmt::Debug {
    /// `e`, naming this target where the OS's message does not: a Unix socket's path.
    fn naming(&self, e: io::Error) -> io::Error;
}

/// A UDP address: the OS's message stands as it is.
impl SendTarget for std::net::SocketAddr {
    fn naming(&self, e: io::Error) -> io::Error {
        e
    }
}

/// A Unix socket's path: "No such file or directory" says which file.
impl SendTarget for std::path::PathBuf {
    fn naming(&self, e: io::Error) -> io::Error {
        super::unix_stream::naming_path("send to", self, e)
    }
}

/// The calls on a connected socket, object-safe so that [`SendDatagram`] and [`RecvDatagram`]
/// serve both families.
pub(super) trait Connected: Sync {
    fn send(&self, buf: &[u8]) -> io::Result<usize>;

    fn recv(&self, buf: &mut [u8]) -> io::Result<usize>;
}

/// std's sockets already have these calls, by the same names.
macro_rules! connected {
    ($($socket:ty),*) => {$(
        impl Connected for $socket {
            fn send(&self, buf: &[u8]) -> io::Result<usize> {
                <$socket>::send(self, buf)
            }

            fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
                <$socket>::recv(self, buf)
            }
        }
    )*};
}

connected!(net::UdpSocket, unix::UnixDatagram);

/// The future of `send` on a connected [`UdpSocket`](super::UdpSocket) or
/// [`UnixDatagram`](super::UnixDatagram): sends one datagram to the connected peer.
///
/// # Examples
/// ```
/// use baton::net::UdpSocket;
///
/// baton::run(async {
///     let a = UdpSocket::bind("127.0.0.1:0").await?;
///     let b = UdpSocket::bind("127.0.0.1:0").await?;
///     a.connect(b.local_addr()?).await?;
///     let send = a.send(b"datagram"); // a `SendDatagram`
///     assert_eq!(send.await?, 8);
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Cancel safety
/// Cancel safe: nothing is sent unless it completes. Several tasks may send on one socket at
/// once; each is woken when it becomes writable.
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct SendDatagram<'a> {
    socket: &'a dyn Connected,
    waiter: Waiter<'a>,
    buf: &'a [u8],
}

/// The future of `recv` on a connected [`UdpSocket`](super::UdpSocket) or
/// [`UnixDatagram`](super::UnixDatagram): receives one datagram.
///
/// # Examples
/// ```
/// use baton::net::UdpSocket;
///
/// baton::run(async {
///     let a = UdpSocket::bind("127.0.0.1:0").await?;
///     let b = UdpSocket::bind("127.0.0.1:0").await?;
///     b.connect(a.local_addr()?).await?;
///     a.send_to(b"hi", b.local_addr()?).await?;
///     let mut buf = [0; 16];
///     let n = b.recv(&mut buf).await?; // a `RecvDatagram`
///     assert_eq!(&buf[..n], b"hi");
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Cancel safety
/// Cancel safe: no datagram is taken unless it completes. Several tasks may receive on one
/// socket at once; each is woken when datagrams arrive.
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct RecvDatagram<'a> {
    socket: &'a dyn Connected,
    waiter: Waiter<'a>,
    buf: &'a mut [u8],
}

impl<'a> SendDatagram<'a> {
    pub(super) fn new<D: DatagramSocket>(socket: &'a D, buf: &'a [u8]) -> Self {
        let io = socket.evented();
        SendDatagram {
            socket: io.get_ref(),
            waiter: io.waiter(Direction::Write),
            buf,
        }
    }
}

impl<'a> RecvDatagram<'a> {
    pub(super) fn new<D: DatagramSocket>(socket: &'a D, buf: &'a mut [u8]) -> Self {
        let io = socket.evented();
        RecvDatagram {
            socket: io.get_ref(),
            waiter: io.waiter(Direction::Read),
            buf,
        }
    }
}

impl Future for SendDatagram<'_> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let (socket, buf) = (this.socket, this.buf);
        let sent = this.waiter.poll_io(cx, || socket.send(buf));
        this.waiter.returning(sent)
    }
}

/// Terminated once it returned the count or an error.
impl FusedFuture for SendDatagram<'_> {
    fn is_terminated(&self) -> bool {
        self.waiter.has_returned()
    }
}

impl Future for RecvDatagram<'_> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let (socket, buf) = (this.socket, &mut *this.buf);
        let received = this.waiter.poll_io(cx, || socket.recv(buf));
        this.waiter.returning(received)
    }
}

/// Terminated once it returned the count or an error.
impl FusedFuture for RecvDatagram<'_> {
    fn is_terminated(&self) -> bool {
        self.waiter.has_returned()
    }
}

/// The state of a family's `send_to` future: the socket, its own waiter, the datagram and
/// where it goes.
pub(super) struct SendingTo<'a, D: DatagramSocket> {
    socket: &'a D,
    waiter: Waiter<'a>,
    buf: &'a [u8],
    target: Target<D::Target>,
}

/// Where a `send_to` goes: known, or still being looked up (a host name).
enum Target<T> {
    Known(T),
    /// The lookup, behind a `Mutex` only so the future stays `Sync` (a lookup is not): it is
    /// reached through `get_mut`, which never locks.
    Resolving(std::sync::Mutex<Pin<Box<dyn Future<Output = io::Result<T>> + Send>>>),
}

/// The state of a family's `recv_from` future: the socket, its own waiter and the buffer.
pub(super) struct ReceivingFrom<'a, D: DatagramSocket> {
    socket: &'a D,
    waiter: Waiter<'a>,
    buf: &'a mut [u8],
}

impl<'a, D: DatagramSocket> SendingTo<'a, D> {
    pub(super) fn new(socket: &'a D, buf: &'a [u8], target: D::Target) -> Self {
        SendingTo {
            socket,
            waiter: socket.evented().waiter(Direction::Write),
            buf,
            target: Target::Known(target),
        }
    }

    /// As [`new`](Self::new), sending once `target` has resolved (a name looked up).
    pub(super) fn resolving(
        socket: &'a D,
        buf: &'a [u8],
        target: impl Future<Output = io::Result<D::Target>> + Send + 'static,
    ) -> Self {
        SendingTo {
            socket,
            waiter: socket.evented().waiter(Direction::Write),
            buf,
            target: Target::Resolving(std::sync::Mutex::new(Box::pin(target))),
        }
    }

    pub(super) fn poll(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let sent = self.poll_send(cx);
        self.waiter.returning(sent)
    }

    /// Whether the future returned (its `FusedFuture::is_terminated`).
    pub(super) fn has_returned(&self) -> bool {
        self.waiter.has_returned()
    }

    fn poll_send(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        if let Target::Resolving(lookup) = &mut self.target {
            let lookup = lookup
                .get_mut()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            match lookup.as_mut().poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Ready(Ok(found)) => self.target = Target::Known(found),
            }
        }
        let Target::Known(target) = &self.target else {
            unreachable!("resolved above")
        };
        let (socket, buf) = (self.socket.evented().get_ref(), self.buf);
        // `poll_io` returns no `WouldBlock`: only a real failure is named, once.
        self.waiter
            .poll_io(cx, || D::send_to(socket, buf, target))
            .map_err(|e| target.naming(e))
    }

    pub(super) fn fmt_as(&self, name: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct(name);
        d.field("len", &self.buf.len());
        match &self.target {
            Target::Known(target) => d.field("target", target),
            Target::Resolving(_) => d.field("target", &"resolving"),
        };
        d.finish_non_exhaustive()
    }
}

impl<'a, D: DatagramSocket> ReceivingFrom<'a, D> {
    pub(super) fn new(socket: &'a D, buf: &'a mut [u8]) -> Self {
        ReceivingFrom {
            socket,
            waiter: socket.evented().waiter(Direction::Read),
            buf,
        }
    }

    pub(super) fn poll(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<(usize, D::Addr)>> {
        let (socket, buf) = (self.socket.evented().get_ref(), &mut *self.buf);
        let received = self.waiter.poll_io(cx, || D::recv_from(socket, buf));
        self.waiter.returning(received)
    }

    /// Whether the future returned (its `FusedFuture::is_terminated`).
    pub(super) fn has_returned(&self) -> bool {
        self.waiter.has_returned()
    }

    pub(super) fn fmt_as(&self, name: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(name)
            .field("capacity", &self.buf.len())
            .finish_non_exhaustive()
    }
}

/// A datagram family's shells over its field `io: Evented<socket>`: the [`DatagramSocket`]
/// impl, the inherent `send`, `recv` and `recv_from`, and the named `send_to` and `recv_from`
/// futures (their docs given here, each with its own example).
///
/// The setup of the method examples binds `a` and `b`, two sockets connected to each other.
macro_rules! datagram_socket {
    (
        $ty:ident over $socket:ty, addr: $addr:ty, target: $target:ty, $setup:literal;
        $(#[$send_to_meta:meta])* pub struct $send_to:ident;
        $(#[$recv_from_meta:meta])* pub struct $recv_from:ident;
    ) => {
        impl $crate::net::datagram::DatagramSocket for $ty {
            type Socket = $socket;
            type Addr = $addr;
            type Target = $target;

            fn evented(&self) -> &$crate::io::evented::Evented<$socket> {
                &self.io
            }

            fn send_to(socket: &$socket, buf: &[u8], target: &$target) -> std::io::Result<usize> {
                socket.send_to(buf, target)
            }

            fn recv_from(socket: &$socket, buf: &mut [u8]) -> std::io::Result<(usize, $addr)> {
                socket.recv_from(buf)
            }
        }

        impl $ty {
            /// Sends `buf` as one datagram to the connected peer.
            ///
            /// # Examples
            #[doc = concat!("```\n", $setup, "
assert_eq!(a.send(b\"abc\").await?, 3);
let mut buf = [0; 8];
assert_eq!(b.recv(&mut buf).await?, 3);
# std::io::Result::Ok(())
# })?;
# Ok::<(), std::io::Error>(())
```")]
            ///
            /// # Errors
            /// `NotConnected` without a peer; others as `send(2)` (over UDP, e.g.
            /// `ConnectionRefused` after the peer's port answered a previous datagram with ICMP
            /// port unreachable).
            ///
            /// # Cancel safety
            /// Cancel safe; several tasks may send at once (see
            /// [`SendDatagram`](crate::net::SendDatagram)).
            pub fn send<'a>(&'a self, buf: &'a [u8]) -> $crate::net::SendDatagram<'a> {
                $crate::net::SendDatagram::new(self, buf)
            }

            /// Receives one datagram from the connected peer into `buf` (the excess of a
            /// longer datagram is discarded).
            ///
            /// # Examples
            #[doc = concat!("```\n", $setup, "
a.send(b\"hello\").await?;
let mut buf = [0; 3];
assert_eq!(b.recv(&mut buf).await?, 3); // truncated
# std::io::Result::Ok(())
# })?;
# Ok::<(), std::io::Error>(())
```")]
            ///
            /// # Errors
            /// As `recv(2)`.
            ///
            /// # Cancel safety
            /// Cancel safe; several tasks may receive at once (see
            /// [`RecvDatagram`](crate::net::RecvDatagram)).
            pub fn recv<'a>(&'a self, buf: &'a mut [u8]) -> $crate::net::RecvDatagram<'a> {
                $crate::net::RecvDatagram::new(self, buf)
            }

            /// Receives one datagram into `buf`, with the sender's address.
            ///
            /// # Examples
            #[doc = concat!("```\n", $setup, "
a.send(b\"abc\").await?;
let mut buf = [0; 8];
let (n, _from) = b.recv_from(&mut buf).await?;
assert_eq!(n, 3);
# std::io::Result::Ok(())
# })?;
# Ok::<(), std::io::Error>(())
```")]
            ///
            /// # Errors
            /// As `recvfrom(2)`.
            ///
            /// # Cancel safety
            /// Cancel safe: no datagram is taken unless it completes. Several tasks may receive
            /// on one socket at once; each is woken when datagrams arrive.
            pub fn recv_from<'a>(&'a self, buf: &'a mut [u8]) -> $recv_from<'a> {
                $recv_from {
                    inner: $crate::net::datagram::ReceivingFrom::new(self, buf),
                }
            }
        }

        $(#[$send_to_meta])*
        #[must_use = "futures do nothing unless you .await or poll them"]
        pub struct $send_to<'a> {
            inner: $crate::net::datagram::SendingTo<'a, $ty>,
        }

        $(#[$recv_from_meta])*
        #[must_use = "futures do nothing unless you .await or poll them"]
        pub struct $recv_from<'a> {
            inner: $crate::net::datagram::ReceivingFrom<'a, $ty>,
        }

        impl std::future::Future for $send_to<'_> {
            type Output = std::io::Result<usize>;

            fn poll(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<Self::Output> {
                self.get_mut().inner.poll(cx)
            }
        }

        impl std::future::Future for $recv_from<'_> {
            type Output = std::io::Result<(usize, $addr)>;

            fn poll(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<Self::Output> {
                self.get_mut().inner.poll(cx)
            }
        }

        /// Terminated once it returned the count or an error.
        impl futures_core::future::FusedFuture for $send_to<'_> {
            fn is_terminated(&self) -> bool {
                self.inner.has_returned()
            }
        }

        /// Terminated once it returned the datagram's size and sender, or an error.
        impl futures_core::future::FusedFuture for $recv_from<'_> {
            fn is_terminated(&self) -> bool {
                self.inner.has_returned()
            }
        }

        impl std::fmt::Debug for $send_to<'_> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.inner.fmt_as(stringify!($send_to), f)
            }
        }

        impl std::fmt::Debug for $recv_from<'_> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.inner.fmt_as(stringify!($recv_from), f)
            }
        }
    };
}

pub(super) use datagram_socket;

impl fmt::Debug for SendDatagram<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendDatagram")
            .field("len", &self.buf.len())
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for RecvDatagram<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecvDatagram")
            .field("capacity", &self.buf.len())
            .finish_non_exhaustive()
    }
}
