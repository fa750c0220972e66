//! `peek`: reading bytes (or a datagram) without taking them off the socket's queue —
//! `MSG_PEEK` — for `TcpStream`, `UnixStream` and `UdpSocket`.

use std::fmt;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, RawFd};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::future::FusedFuture;

use super::{TcpStream, UdpSocket, UnixStream};
use crate::runtime::driver::reactor::{Direction, Waiter};

/// The future of [`TcpStream::peek`], [`UnixStream::peek`] and [`OwnedReadHalf::peek`]: the
/// bytes at the front of the stream, left there for the next read.
///
/// [`OwnedReadHalf::peek`]: super::OwnedReadHalf::peek
///
/// # Examples
/// ```
/// baton::run(async {
///     let (a, mut b) = baton::net::UnixStream::pair()?;
///     b.write_all(b"look").await?;
///     let mut buf = [0; 4];
///     let n = a.peek(&mut buf).await?; // a `Peek`
///     assert_eq!(&buf[..n], &b"look"[..n]);
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Cancel safety
/// Cancel safe: it takes nothing.
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct Peek<'a> {
    fd: RawFd,
    waiter: Waiter<'a>,
    buf: &'a mut [u8],
}

/// The future of [`UdpSocket::peek_from`]: the next datagram and its sender, left queued.
///
/// # Examples
/// ```
/// baton::run(async {
///     let a = baton::net::UdpSocket::bind("127.0.0.1:0").await?;
///     let b = baton::net::UdpSocket::bind("127.0.0.1:0").await?;
///     a.send_to(b"dgram", b.local_addr()?).await?;
///     let mut buf = [0; 8];
///     let (n, from) = b.peek_from(&mut buf).await?; // a `PeekFrom`
///     assert_eq!((&buf[..n], from), (&b"dgram"[..], a.local_addr()?));
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Cancel safety
/// Cancel safe: it takes nothing.
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct PeekFrom<'a> {
    socket: &'a UdpSocket,
    waiter: Waiter<'a>,
    buf: &'a mut [u8],
}

/// `peek` on a stream type.
macro_rules! peek {
    ($ty:ident, $setup:literal) => {
        impl $ty {
            /// Reads bytes at the front of the stream into `buf` without taking them: the
            /// next read returns them again. Waits until some are there; `Ok(0)` at EOF.
            ///
            /// # Examples
            #[doc = concat!("```\n# baton::run(async {\n", $setup, "
peer.write_all(b\"first\").await?;
let mut buf = [0; 5];
let n = io.peek(&mut buf).await?;
let mut again = [0; 5];
io.read_exact(&mut again[..n]).await?; // the same bytes
assert_eq!(buf[..n], again[..n]);
# std::io::Result::Ok(())
# })?;
# Ok::<(), std::io::Error>(())
```")]
            ///
            /// # Errors
            /// Any receive error.
            ///
            /// # Cancel safety
            /// Cancel safe: it takes nothing.
            pub fn peek<'a>(&'a self, buf: &'a mut [u8]) -> Peek<'a> {
                Peek {
                    fd: self.as_raw_fd(),
                    waiter: self.io.waiter(Direction::Read),
                    buf,
                }
            }
        }
    };
}

peek!(
    TcpStream,
    "let listener = baton::net::TcpListener::bind(\"127.0.0.1:0\").await?;
let mut io = baton::net::TcpStream::connect(listener.local_addr()?).await?;
let (mut peer, _) = listener.accept().await?;"
);
peek!(
    UnixStream,
    "let (mut io, mut peer) = baton::net::UnixStream::pair()?;"
);

impl UdpSocket {
    /// Receives the next datagram into `buf` without taking it off the queue, with its sender
    /// (`recvfrom(2)` with `MSG_PEEK`). Waits until one is there.
    ///
    /// # Examples
    /// See [`PeekFrom`].
    ///
    /// ```
    /// baton::run(async {
    ///     let a = baton::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     let b = baton::net::UdpSocket::bind("127.0.0.1:0").await?;
    ///     a.send_to(b"once", b.local_addr()?).await?;
    ///     let mut buf = [0; 4];
    ///     b.peek_from(&mut buf).await?;
    ///     let (n, _) = b.recv_from(&mut buf).await?; // still there
    ///     assert_eq!(&buf[..n], b"once");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// Any receive error.
    ///
    /// # Cancel safety
    /// Cancel safe: it takes nothing.
    pub fn peek_from<'a>(&'a self, buf: &'a mut [u8]) -> PeekFrom<'a> {
        PeekFrom {
            socket: self,
            waiter: self.io.waiter(Direction::Read),
            buf,
        }
    }
}

impl Future for Peek<'_> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let (fd, buf) = (this.fd, &mut *this.buf);
        let peeked = this.waiter.poll_io(cx, || {
            // SAFETY: `buf` is valid for writes of `buf.len()` bytes for the call; `fd` is the
            // socket this future borrows (`'a`), so it stays open.
            let n = unsafe { libc::recv(fd, buf.as_mut_ptr().cast(), buf.len(), libc::MSG_PEEK) };
            if n < 0 {
                Err(io::Error::last_os_error())
            } else {
                Ok(n as usize)
            }
        });
        this.waiter.returning(peeked)
    }
}

/// Terminated once it returned the count or an error.
impl FusedFuture for Peek<'_> {
    fn is_terminated(&self) -> bool {
        self.waiter.has_returned()
    }
}

impl Future for PeekFrom<'_> {
    type Output = io::Result<(usize, SocketAddr)>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let (socket, buf) = (this.socket.io.get_ref(), &mut *this.buf);
        let peeked = this.waiter.poll_io(cx, || socket.peek_from(buf));
        this.waiter.returning(peeked)
    }
}

/// Terminated once it returned the datagram's size and sender, or an error.
impl FusedFuture for PeekFrom<'_> {
    fn is_terminated(&self) -> bool {
        self.waiter.has_returned()
    }
}

impl fmt::Debug for Peek<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Peek")
            .field("fd", &self.fd)
            .field("capacity", &self.buf.len())
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for PeekFrom<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PeekFrom")
            .field("socket", self.socket)
            .field("capacity", &self.buf.len())
            .finish_non_exhaustive()
    }
}
