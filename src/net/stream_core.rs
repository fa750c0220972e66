//! The byte-stream core: what [`TcpStream`], [`UnixStream`] and their owned halves share,
//! written once.
//!
//! # Layers
//!
//! - [`Evented`] does the I/O: readiness, `WouldBlock`, the short-transfer rule.
//! - [`sealed::Stream`] is every operation a stream offers through a shared reference (read,
//!   write, shut down; readiness, `try_read`, `peek`, `sendfile`). `byte_stream!` implements
//!   it for each stream type over its `io: Evented<_>`, so the halves of a split stream, which
//!   share the stream (`Arc<S>`), and the asyncio `StreamWriter` can drive either family with
//!   plain generics.
//! - [`SplitStream`] is its public, sealed face: what `OwnedReadHalf<S>` and
//!   `OwnedWriteHalf<S>` ask of `S`, with the address type.
//! - [`AsStream`] says how a type reaches its stream: a stream is its own, a half holds one.
//!
//! # The macros
//!
//! Rust wants each type's own inherent methods and trait impls, and the public types keep
//! their own names, so the per-type shells are generated here, once: `reading!` (`read`,
//! `read_exact`, `futures_io::AsyncRead`), `writing!` (`write`, `write_all`, `flush`,
//! `futures_io::AsyncWrite`) and `byte_stream!` (both of those for a whole stream, plus the
//! core over `Evented`, `shutdown` and `Debug`). Each shell is one call into
//! [`sealed::Stream`]; the doc examples run once per type, from a setup the caller gives (it
//! binds `io`, the value under test, and `peer`, the other end, both `mut`).
//!
//! [`TcpStream`]: super::TcpStream
//! [`UnixStream`]: super::UnixStream
//! [`Evented`]: crate::io::evented::Evented

use std::fmt;
use std::io::{self, IoSlice};
use std::net::Shutdown;
use std::task::{Context, Poll};

/// A byte stream that splits into owned halves: [`TcpStream`](super::TcpStream) and
/// [`UnixStream`](super::UnixStream). [`OwnedReadHalf<S>`](super::OwnedReadHalf) and
/// [`OwnedWriteHalf<S>`](super::OwnedWriteHalf) are generic over it.
///
/// Sealed: baton implements it for its stream types; code outside only names it, to be generic
/// over the family.
///
/// # Examples
/// ```
/// use baton::net::{OwnedReadHalf, SplitStream, UnixStream};
///
/// /// Reads one byte from the read half of either family.
/// async fn first_byte<S: SplitStream>(rd: &mut OwnedReadHalf<S>) -> std::io::Result<u8> {
///     let mut b = [0];
///     rd.read_exact(&mut b).await?;
///     Ok(b[0])
/// }
///
/// baton::run(async {
///     let (a, mut b) = UnixStream::pair()?;
///     let (mut rd, _wr) = a.split();
///     b.write_all(b"x").await?;
///     assert_eq!(first_byte(&mut rd).await?, b'x');
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub trait SplitStream: sealed::Stream {
    /// The address of either end: `std::net::SocketAddr` for TCP,
    /// `std::os::unix::net::SocketAddr` for Unix sockets.
    type Addr: fmt::Debug;

    /// The address of the remote end, as the stream's own `peer_addr`.
    ///
    /// # Examples
    /// ```
    /// use baton::net::SplitStream;
    ///
    /// baton::run(async {
    ///     let (a, _b) = baton::net::UnixStream::pair()?;
    ///     assert!(SplitStream::peer_addr(&a)?.is_unnamed());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// When the socket is no longer connected.
    fn peer_addr(&self) -> io::Result<Self::Addr>;

    /// The address of this end, as the stream's own `local_addr`.
    ///
    /// # Examples
    /// ```
    /// use baton::net::SplitStream;
    ///
    /// baton::run(async {
    ///     let (a, _b) = baton::net::UnixStream::pair()?;
    ///     assert!(SplitStream::local_addr(&a)?.is_unnamed());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// As `getsockname(2)`.
    fn local_addr(&self) -> io::Result<Self::Addr>;
}

pub(super) mod sealed {
    use std::io::{self, IoSlice};
    use std::net::Shutdown;
    use std::os::fd::{AsFd, AsRawFd};
    use std::task::{Context, Poll};

    /// Every operation of a byte stream, through a shared reference: the halves of a split
    /// stream share it, and each waits on its own direction (the registration keeps one
    /// waker per direction).
    ///
    /// Public but unnameable outside baton, which seals [`SplitStream`](super::SplitStream).
    pub trait Stream: AsRawFd + AsFd + Send + Sync + Sized + 'static {
        /// Reads into `buf` once readable (a short read marks the socket drained).
        fn poll_read_shared(&self, cx: &mut Context<'_>, buf: &mut [u8])
            -> Poll<io::Result<usize>>;

        /// Reads into possibly uninitialised memory; returns how many bytes it initialised.
        #[cfg(any(feature = "hyper", feature = "tokio-io"))]
        fn poll_read_uninit_shared(
            &self,
            cx: &mut Context<'_>,
            buf: &mut [std::mem::MaybeUninit<u8>],
        ) -> Poll<io::Result<usize>>;

        /// Writes from `buf` once writable (a short write marks the socket full).
        fn poll_write_shared(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>>;

        /// Writes from `bufs` with one `writev` once writable.
        fn poll_write_vectored_shared(
            &self,
            cx: &mut Context<'_>,
            bufs: &[IoSlice<'_>],
        ) -> Poll<io::Result<usize>>;

        /// Writes what the socket takes now: `WouldBlock` when it is full.
        fn try_write_shared(&self, buf: &[u8]) -> io::Result<usize>;

        /// Runs `op` on the descriptor once writable, through the write direction's poll
        /// waker, until it does not return `WouldBlock`: a `StreamWriter`'s `sendfile`.
        fn poll_write_fd(
            &self,
            cx: &mut Context<'_>,
            op: &mut dyn FnMut(std::os::fd::RawFd) -> io::Result<usize>,
        ) -> Poll<io::Result<usize>>;

        /// Shuts down `how`; see [`shutdown_quietly`](super::shutdown_quietly).
        fn shutdown_quiet(&self, how: Shutdown) -> io::Result<()>;

        /// The stream's `readable()`: a future with its own place among the read waiters.
        fn readable_shared(&self) -> crate::io::Readiness<'_>;

        /// The stream's `writable()`: a future with its own place among the write waiters.
        fn writable_shared(&self) -> crate::io::Readiness<'_>;

        /// The stream's `try_read`: reads what is there now, without waiting.
        fn try_read_shared(&self, buf: &mut [u8]) -> io::Result<usize>;

        /// The stream's `peek`.
        fn peek_shared<'a>(&'a self, buf: &'a mut [u8]) -> crate::net::Peek<'a>;

        /// The stream's `sendfile`.
        fn sendfile_shared<'a>(
            &'a self,
            file: &'a std::fs::File,
            offset: u64,
            count: Option<u64>,
        ) -> crate::net::SendFile<'a>;
    }
}

/// How a stream type or an owned half reaches its stream: the shells `reading!` and
/// `writing!` generate call the core through it.
pub(crate) trait AsStream {
    type Stream: SplitStream;

    fn as_stream(&self) -> &Self::Stream;
}

/// A shutdown's result, where a socket the peer already dropped (`NotConnected`) counts as
/// shut: what closing a writer, `poll_close` and a write half's drop want.
pub(crate) fn shutdown_quietly(result: io::Result<()>) -> io::Result<()> {
    match result {
        Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(()),
        r => r,
    }
}

/// Reads through `io`'s stream: the body of every `AsyncRead::poll_read`.
#[inline]
pub(crate) fn poll_read<T: AsStream>(
    io: &T,
    cx: &mut Context<'_>,
    buf: &mut [u8],
) -> Poll<io::Result<usize>> {
    sealed::Stream::poll_read_shared(io.as_stream(), cx, buf)
}

/// Writes through `io`'s stream: the body of every `AsyncWrite::poll_write`.
#[inline]
pub(crate) fn poll_write<T: AsStream>(
    io: &T,
    cx: &mut Context<'_>,
    buf: &[u8],
) -> Poll<io::Result<usize>> {
    sealed::Stream::poll_write_shared(io.as_stream(), cx, buf)
}

/// Writes `bufs` with one `writev` through `io`'s stream.
#[inline]
pub(crate) fn poll_write_vectored<T: AsStream>(
    io: &T,
    cx: &mut Context<'_>,
    bufs: &[IoSlice<'_>],
) -> Poll<io::Result<usize>> {
    sealed::Stream::poll_write_vectored_shared(io.as_stream(), cx, bufs)
}

/// Shuts the write direction of `io`'s stream down (the peer reads EOF), quietly: the body of
/// every `AsyncWrite::poll_close`.
pub(crate) fn shutdown_write<T: AsStream>(io: &T) -> io::Result<()> {
    sealed::Stream::shutdown_quiet(io.as_stream(), Shutdown::Write)
}

/// The read shells of a stream or read half: `read`, `read_exact` and `AsyncRead`.
///
/// `reading!([generics] Type, "doc setup")`; the setup binds `mut io` and `mut peer`.
macro_rules! reading {
    ([$($g:tt)*] $ty:ty, $setup:literal) => {
        impl<$($g)*> $ty {
            /// Reads some bytes into `buf`; `Ok(0)` at EOF (or for an empty `buf`).
            ///
            /// # Examples
            #[doc = concat!("```\n", $setup, "
peer.write_all(b\"hey\").await?;
let mut buf = [0; 16];
let n = io.read(&mut buf).await?;
assert_eq!(&buf[..n], b\"hey\");
# std::io::Result::Ok(())
# })?;
# Ok::<(), std::io::Error>(())
```")]
            ///
            /// # Errors
            /// Any read error, e.g. `ConnectionReset`.
            ///
            /// # Cancel safety
            /// Cancel safe: no bytes are consumed unless it completes.
            pub fn read<'a>(&'a mut self, buf: &'a mut [u8]) -> $crate::net::Read<'a, Self> {
                $crate::net::Read::new(self, buf)
            }

            /// Reads exactly `buf.len()` bytes.
            ///
            /// # Examples
            #[doc = concat!("```\n", $setup, "
peer.write_all(b\"12345\").await?;
let mut buf = [0; 5];
io.read_exact(&mut buf).await?;
assert_eq!(&buf, b\"12345\");
# std::io::Result::Ok(())
# })?;
# Ok::<(), std::io::Error>(())
```")]
            ///
            /// # Errors
            /// `UnexpectedEof` if the peer closes first; any read error.
            ///
            /// # Cancel safety
            /// Not cancel safe: bytes already read are lost.
            pub fn read_exact<'a>(
                &'a mut self,
                buf: &'a mut [u8],
            ) -> $crate::net::ReadExact<'a, Self> {
                $crate::net::ReadExact::new(self, buf)
            }
        }

        impl<$($g)*> futures_io::AsyncRead for $ty {
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &mut [u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                $crate::net::stream_core::poll_read(&*self, cx, buf)
            }
        }
    };
}

/// The write shells of a stream or write half: `write`, `write_all`, `flush` and
/// `AsyncWrite` (whose `poll_close` shuts the write direction down: the peer reads EOF).
///
/// `writing!([generics] Type, "doc setup")`; the setup binds `mut io` and `mut peer`.
macro_rules! writing {
    ([$($g:tt)*] $ty:ty, $setup:literal) => {
        impl<$($g)*> $ty {
            /// Writes some bytes of `buf`, returning how many.
            ///
            /// # Examples
            #[doc = concat!("```\n", $setup, "
let n = io.write(b\"abc\").await?;
let mut buf = [0; 3];
peer.read_exact(&mut buf[..n]).await?;
assert_eq!(&buf[..n], &b\"abc\"[..n]);
# std::io::Result::Ok(())
# })?;
# Ok::<(), std::io::Error>(())
```")]
            ///
            /// # Errors
            /// Any write error, e.g. `BrokenPipe` or `ConnectionReset`.
            ///
            /// # Cancel safety
            /// Cancel safe: nothing is written unless it completes.
            pub fn write<'a>(&'a mut self, buf: &'a [u8]) -> $crate::net::Write<'a, Self> {
                $crate::net::Write::new(self, buf)
            }

            /// Writes all of `buf`.
            ///
            /// # Examples
            #[doc = concat!("```\n", $setup, "
io.write_all(&[7; 10_000]).await?;
let mut buf = vec![0; 10_000];
peer.read_exact(&mut buf).await?;
assert!(buf.iter().all(|&b| b == 7));
# std::io::Result::Ok(())
# })?;
# Ok::<(), std::io::Error>(())
```")]
            ///
            /// # Errors
            /// `WriteZero` if the socket takes no more bytes; any write error.
            ///
            /// # Cancel safety
            /// Not cancel safe: part of `buf` may have been written.
            pub fn write_all<'a>(&'a mut self, buf: &'a [u8]) -> $crate::net::WriteAll<'a, Self> {
                $crate::net::WriteAll::new(self, buf)
            }

            /// Flushes: a no-op for a socket (it buffers nothing in user space), present so
            /// streams and buffered writers read alike.
            ///
            /// # Examples
            #[doc = concat!("```\n", $setup, "
io.write_all(b\"x\").await?;
io.flush().await?;
peer.read_exact(&mut [0; 1]).await?;
# std::io::Result::Ok(())
# })?;
# Ok::<(), std::io::Error>(())
```")]
            ///
            /// # Errors
            /// None for a socket.
            ///
            /// # Cancel safety
            /// Cancel safe.
            pub fn flush(&mut self) -> $crate::net::Flush<'_, Self> {
                $crate::net::Flush::new(self)
            }
        }

        impl<$($g)*> futures_io::AsyncWrite for $ty {
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                $crate::net::stream_core::poll_write(&*self, cx, buf)
            }

            fn poll_write_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                $crate::net::stream_core::poll_write_vectored(&*self, cx, bufs)
            }

            fn poll_flush(
                self: std::pin::Pin<&mut Self>,
                _cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::task::Poll::Ready(Ok(()))
            }

            /// Shuts the write direction down: the peer reads EOF.
            fn poll_close(
                self: std::pin::Pin<&mut Self>,
                _cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::task::Poll::Ready($crate::net::stream_core::shutdown_write(&*self))
            }
        }
    };
}

/// A whole byte stream over its field `io: Evented<_>`: the core ([`sealed::Stream`],
/// [`SplitStream`], [`AsStream`]), `shutdown`, `Debug`, and the `reading!` and `writing!`
/// shells.
///
/// `byte_stream!(Type, addr: address type, "doc setup")`.
macro_rules! byte_stream {
    ($ty:ident, addr: $addr:ty, $setup:literal) => {
        impl $crate::net::stream_core::sealed::Stream for $ty {
            #[inline]
            fn poll_read_shared(
                &self,
                cx: &mut std::task::Context<'_>,
                buf: &mut [u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                self.io.poll_read(cx, buf)
            }

            #[cfg(any(feature = "hyper", feature = "tokio-io"))]
            #[inline]
            fn poll_read_uninit_shared(
                &self,
                cx: &mut std::task::Context<'_>,
                buf: &mut [std::mem::MaybeUninit<u8>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                self.io.poll_read_uninit(cx, buf)
            }

            #[inline]
            fn poll_write_shared(
                &self,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                self.io.poll_write(cx, buf)
            }

            #[inline]
            fn poll_write_vectored_shared(
                &self,
                cx: &mut std::task::Context<'_>,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                self.io.poll_write_vectored(cx, bufs)
            }

            fn try_write_shared(&self, buf: &[u8]) -> std::io::Result<usize> {
                self.io.try_write(buf)
            }

            fn poll_write_fd(
                &self,
                cx: &mut std::task::Context<'_>,
                op: &mut dyn FnMut(std::os::fd::RawFd) -> std::io::Result<usize>,
            ) -> std::task::Poll<std::io::Result<usize>> {
                self.io.poll_io(
                    cx,
                    $crate::runtime::driver::reactor::Direction::Write,
                    |s| op(std::os::fd::AsRawFd::as_raw_fd(s)),
                )
            }

            fn shutdown_quiet(&self, how: std::net::Shutdown) -> std::io::Result<()> {
                $crate::net::stream_core::shutdown_quietly(self.io.get_ref().shutdown(how))
            }

            fn readable_shared(&self) -> $crate::io::Readiness<'_> {
                self.readable()
            }

            fn writable_shared(&self) -> $crate::io::Readiness<'_> {
                self.writable()
            }

            fn try_read_shared(&self, buf: &mut [u8]) -> std::io::Result<usize> {
                self.try_read(buf)
            }

            fn peek_shared<'a>(&'a self, buf: &'a mut [u8]) -> $crate::net::Peek<'a> {
                self.peek(buf)
            }

            fn sendfile_shared<'a>(
                &'a self,
                file: &'a std::fs::File,
                offset: u64,
                count: Option<u64>,
            ) -> $crate::net::SendFile<'a> {
                self.sendfile(file, offset, count)
            }
        }

        impl $crate::net::SplitStream for $ty {
            type Addr = $addr;

            fn peer_addr(&self) -> std::io::Result<$addr> {
                self.io.get_ref().peer_addr()
            }

            fn local_addr(&self) -> std::io::Result<$addr> {
                self.io.get_ref().local_addr()
            }
        }

        impl $crate::net::stream_core::AsStream for $ty {
            type Stream = $ty;

            #[inline]
            fn as_stream(&self) -> &$ty {
                self
            }
        }

        impl $ty {
            /// Shuts down the read half, the write half (the peer reads EOF), or both. Does
            /// not wait.
            ///
            /// # Examples
            #[doc = concat!("```\n", $setup, "
io.write_all(b\"bye\").await?;
io.shutdown(std::net::Shutdown::Write)?;
let mut buf = [0; 3];
peer.read_exact(&mut buf).await?;
assert_eq!(peer.read(&mut buf).await?, 0); // EOF
# std::io::Result::Ok(())
# })?;
# Ok::<(), std::io::Error>(())
```")]
            ///
            /// # Errors
            /// As `shutdown(2)`, e.g. `NotConnected`.
            pub fn shutdown(&self, how: std::net::Shutdown) -> std::io::Result<()> {
                self.io.get_ref().shutdown(how)
            }
        }

        $crate::net::stream_core::reading!([] $ty, $setup);
        $crate::net::stream_core::writing!([] $ty, $setup);

        impl std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($ty))
                    .field("local", &self.local_addr().ok())
                    .field("peer", &self.peer_addr().ok())
                    .finish()
            }
        }
    };
}

pub(crate) use {byte_stream, reading, writing};
