//! The futures of `send` and `recv` on a connected datagram socket, shared by [`UdpSocket`] and
//! [`UnixDatagram`].
//!
//! [`UdpSocket`]: super::UdpSocket
//! [`UnixDatagram`]: super::UnixDatagram

use std::fmt;
use std::future::Future;
use std::io;
use std::net;
use std::os::unix::net as unix;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::io::evented::Evented;
use crate::runtime::driver::reactor::{Direction, Waiter};

/// A borrowed datagram socket of either family.
#[derive(Clone, Copy)]
pub(super) enum DatagramRef<'a> {
    Udp(&'a Evented<net::UdpSocket>),
    Unix(&'a Evented<unix::UnixDatagram>),
}

impl<'a> DatagramRef<'a> {
    /// A waiter of its own on the socket, so that every task sending (or receiving) is woken.
    fn waiter(self, dir: Direction) -> Waiter<'a> {
        match self {
            DatagramRef::Udp(io) => io.waiter(dir),
            DatagramRef::Unix(io) => io.waiter(dir),
        }
    }

    fn poll_send(
        self,
        waiter: &mut Waiter<'_>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self {
            DatagramRef::Udp(io) => waiter.poll_io(cx, || io.get_ref().send(buf)),
            DatagramRef::Unix(io) => waiter.poll_io(cx, || io.get_ref().send(buf)),
        }
    }

    fn poll_recv(
        self,
        waiter: &mut Waiter<'_>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        match self {
            DatagramRef::Udp(io) => waiter.poll_io(cx, || io.get_ref().recv(buf)),
            DatagramRef::Unix(io) => waiter.poll_io(cx, || io.get_ref().recv(buf)),
        }
    }
}

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
    socket: DatagramRef<'a>,
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
    socket: DatagramRef<'a>,
    waiter: Waiter<'a>,
    buf: &'a mut [u8],
}

impl<'a> SendDatagram<'a> {
    pub(super) fn new(socket: DatagramRef<'a>, buf: &'a [u8]) -> Self {
        SendDatagram {
            socket,
            waiter: socket.waiter(Direction::Write),
            buf,
        }
    }
}

impl<'a> RecvDatagram<'a> {
    pub(super) fn new(socket: DatagramRef<'a>, buf: &'a mut [u8]) -> Self {
        RecvDatagram {
            socket,
            waiter: socket.waiter(Direction::Read),
            buf,
        }
    }
}

impl Future for SendDatagram<'_> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        this.socket.poll_send(&mut this.waiter, cx, this.buf)
    }
}

impl Future for RecvDatagram<'_> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        this.socket.poll_recv(&mut this.waiter, cx, this.buf)
    }
}

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
