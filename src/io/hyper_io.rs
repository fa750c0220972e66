//! hyper 1.x's I/O traits and futures-io's, both ways (cargo feature `hyper`): [`HyperIo`],
//! and the one place that fills hyper's uninitialised read buffer, which baton's sockets, TLS
//! streams and `HyperIo` share.

use std::fmt;
use std::io::{self, IoSlice};
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use ::hyper::rt::{Read, ReadBuf, ReadBufCursor, Write};
use futures_io::{AsyncRead, AsyncWrite};

/// The most bytes a read through an initialised buffer zeroes first: hyper's cursor may offer
/// hundreds of kilobytes, and zeroing them all on every read would cost more than the read.
const MAX_ZEROED_READ: usize = 64 * 1024;

/// Reads straight into `buf`'s uninitialised part through `read`, which returns how many
/// leading bytes it initialised: the zero-copy path of baton's sockets (`read(2)` into
/// hyper's buffer).
///
/// # Safety
/// `read` must only write to the slice (never de-initialise a byte), and the count it returns
/// must be of bytes it initialised, at the front of the slice.
pub(crate) unsafe fn poll_read_uninit(
    mut buf: ReadBufCursor<'_>,
    read: impl FnOnce(&mut [MaybeUninit<u8>]) -> Poll<io::Result<usize>>,
) -> Poll<io::Result<()>> {
    // SAFETY: the caller promises `read` only writes to the slice, as `as_mut` requires.
    let unfilled = unsafe { buf.as_mut() };
    let len = unfilled.len();
    let n = ready!(read(unfilled))?;
    debug_assert!(n <= len, "a read cannot fill more than it was given");
    // SAFETY: the caller promises `read` initialised the first `n` bytes.
    unsafe { buf.advance(n) };
    Poll::Ready(Ok(()))
}

/// Reads into `buf` through `read`, a reader of initialised bytes (`AsyncRead`, a TLS
/// session): zeroes at most `limit` bytes of the unfilled part first, hands them over, and
/// advances by what `read` returned.
pub(crate) fn poll_read_zeroed(
    buf: ReadBufCursor<'_>,
    limit: usize,
    read: impl FnOnce(&mut [u8]) -> Poll<io::Result<usize>>,
) -> Poll<io::Result<()>> {
    let read = |unfilled: &mut [MaybeUninit<u8>]| {
        let len = unfilled.len().min(limit);
        let unfilled = &mut unfilled[..len];
        for byte in unfilled.iter_mut() {
            byte.write(0);
        }
        // SAFETY: every byte of `unfilled` was initialised just above, and `MaybeUninit<u8>`
        // has the layout of `u8`.
        let init = unsafe { &mut *(unfilled as *mut [MaybeUninit<u8>] as *mut [u8]) };
        let n = ready!(read(init))?;
        Poll::Ready(if n <= len {
            Ok(n)
        } else {
            Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("a reader claimed {n} bytes read into a buffer of {len}"),
            ))
        })
    };
    // SAFETY: the closure only writes (zeroes, then the reader writes into initialised
    // bytes), and every byte it reports was initialised by the zeroing.
    unsafe { poll_read_uninit(buf, read) }
}

/// hyper's `rt::Write` for a type that implements futures-io's `AsyncWrite`, by forwarding
/// (`poll_shutdown` is `poll_close`): `hyper_write!([generics] Type, vectored: bool)`.
macro_rules! hyper_write {
    ([$($g:tt)*] $ty:ty, vectored: $vectored:expr) => {
        impl<$($g)*> ::hyper::rt::Write for $ty {
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                futures_io::AsyncWrite::poll_write(self, cx, buf)
            }

            fn poll_flush(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                futures_io::AsyncWrite::poll_flush(self, cx)
            }

            fn poll_shutdown(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                futures_io::AsyncWrite::poll_close(self, cx)
            }

            fn is_write_vectored(&self) -> bool {
                $vectored
            }

            fn poll_write_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                futures_io::AsyncWrite::poll_write_vectored(self, cx, bufs)
            }
        }
    };
}
pub(crate) use hyper_write;

/// An I/O object seen through the other family's traits, both ways (hyper-util's `TokioIo`
/// for futures-io):
///
/// - `T: futures_io::AsyncRead/AsyncWrite` (a `futures-rustls` stream, `async-net`'s, any
///   adapter) gives `HyperIo<T>: hyper::rt::Read/Write`, so it goes into hyper's
///   `serve_connection` or client `handshake`;
/// - `T: hyper::rt::Read/Write` (`hyper::upgrade::Upgraded`, a hyper-util client stream) gives
///   `HyperIo<T>: futures_io::AsyncRead/AsyncWrite`, so an upgraded connection feeds
///   `async-tungstenite`, `futures::io` codecs, `futures_lite::io::copy`.
///
/// baton's own streams (TCP, Unix, their owned halves, TLS) implement hyper's traits
/// themselves and need no wrapper. Reads through the first direction zero at most 64 KiB of
/// hyper's buffer before each read (a futures-io reader takes initialised bytes); baton's
/// sockets read straight into it.
///
/// # Examples
/// A futures-io type (here a `futures_lite` `BufReader` over a Unix socket) served by hyper,
/// and an upgraded connection read and written as futures-io:
/// ```
/// use baton::io::HyperIo;
/// use baton::net::hyper_rt::HyperTimer;
/// use http_body_util::Empty;
/// use hyper::body::Bytes;
/// use hyper::{server::conn::http1, service::service_fn, Request, Response, StatusCode};
/// use futures_lite::{AsyncReadExt, AsyncWriteExt};
///
/// baton::run(async {
///     let (server_io, client_io) = baton::net::UnixStream::pair()?;
///     // The server side upgrades to a raw byte stream and echoes it through futures-io.
///     baton::spawn(async move {
///         let service = service_fn(|mut req: Request<hyper::body::Incoming>| async move {
///             baton::spawn(async move {
///                 let upgraded = hyper::upgrade::on(&mut req).await.unwrap();
///                 let mut io = HyperIo::new(upgraded); // hyper -> futures-io
///                 let mut buf = [0; 4];
///                 io.read_exact(&mut buf).await.unwrap();
///                 io.write_all(&buf).await.unwrap();
///             });
///             let mut res = Response::new(Empty::<Bytes>::new());
///             *res.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
///             res.headers_mut().insert("upgrade", "echo".parse().unwrap());
///             Ok::<_, std::convert::Infallible>(res)
///         });
///         // futures-io -> hyper (a baton stream needs no wrapper; any futures-io type does)
///         let io = HyperIo::new(futures_lite::io::BufReader::new(server_io));
///         http1::Builder::new().timer(HyperTimer).serve_connection(io, service)
///             .with_upgrades().await.unwrap();
///     });
///     let (mut send, conn) = hyper::client::conn::http1::handshake(client_io).await.unwrap();
///     baton::spawn(conn.with_upgrades());
///     let req = Request::get("/").header("connection", "upgrade").header("upgrade", "echo")
///         .body(Empty::<Bytes>::new()).unwrap();
///     let mut res = send.send_request(req).await.unwrap();
///     assert_eq!(res.status(), StatusCode::SWITCHING_PROTOCOLS);
///     let mut io = HyperIo::new(hyper::upgrade::on(&mut res).await.unwrap());
///     io.write_all(b"ping").await?;
///     let mut buf = [0; 4];
///     io.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"ping");
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct HyperIo<T> {
    inner: T,
}

impl<T> HyperIo<T> {
    /// Wraps `inner`.
    ///
    /// # Examples
    /// ```
    /// let io = baton::io::HyperIo::new(futures_lite::io::Cursor::new(vec![1, 2, 3]));
    /// assert_eq!(io.get_ref().get_ref(), &[1, 2, 3]);
    /// ```
    pub fn new(inner: T) -> HyperIo<T> {
        HyperIo { inner }
    }

    /// The wrapped object.
    ///
    /// # Examples
    /// ```
    /// let io = baton::io::HyperIo::new(futures_lite::io::Cursor::new(vec![1, 2, 3]));
    /// assert_eq!(io.get_ref().position(), 0);
    /// ```
    pub fn get_ref(&self) -> &T {
        &self.inner
    }

    /// The wrapped object, mutably.
    ///
    /// # Examples
    /// ```
    /// let mut io = baton::io::HyperIo::new(futures_lite::io::Cursor::new(vec![1, 2, 3]));
    /// io.get_mut().set_position(2);
    /// assert_eq!(io.get_ref().position(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    /// Unwraps the object.
    ///
    /// # Examples
    /// ```
    /// let io = baton::io::HyperIo::new(futures_lite::io::Cursor::new(vec![1, 2, 3]));
    /// assert_eq!(io.into_inner().into_inner(), [1, 2, 3]);
    /// ```
    pub fn into_inner(self) -> T {
        self.inner
    }

    fn inner_pin(self: Pin<&mut Self>) -> Pin<&mut T> {
        // SAFETY: structural pinning of `inner`: it is never moved out of a pinned `HyperIo`
        // (`into_inner` takes `self` by value, which a pinned `!Unpin` value cannot give),
        // `HyperIo` has no `Drop`, and it is `Unpin` only when `T` is (the auto trait).
        unsafe { self.map_unchecked_mut(|io| &mut io.inner) }
    }
}

impl<T: fmt::Debug> fmt::Debug for HyperIo<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("HyperIo").field(&self.inner).finish()
    }
}

impl<T: AsyncRead> Read for HyperIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let inner = self.inner_pin();
        poll_read_zeroed(buf, MAX_ZEROED_READ, |init| inner.poll_read(cx, init))
    }
}

impl<T: AsyncWrite> Write for HyperIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.inner_pin().poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.inner_pin().poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.inner_pin().poll_close(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.inner_pin().poll_write_vectored(cx, bufs)
    }
}

impl<T: Read> AsyncRead for HyperIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let mut read_buf = ReadBuf::new(buf);
        ready!(self.inner_pin().poll_read(cx, read_buf.unfilled()))?;
        Poll::Ready(Ok(read_buf.filled().len()))
    }
}

impl<T: Write> AsyncWrite for HyperIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Write::poll_write(self.inner_pin(), cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Write::poll_write_vectored(self.inner_pin(), cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Write::poll_flush(self.inner_pin(), cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Write::poll_shutdown(self.inner_pin(), cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::task::noop_waker_ref;

    /// Reads once through `HyperIo<T>`'s `hyper::rt::Read` into an uninitialised buffer.
    fn hyper_read<T: AsyncRead + Unpin>(io: &mut HyperIo<T>, space: usize) -> io::Result<Vec<u8>> {
        let mut storage = vec![MaybeUninit::<u8>::uninit(); space];
        let mut buf = ReadBuf::uninit(&mut storage);
        let mut cx = Context::from_waker(noop_waker_ref());
        match Read::poll_read(Pin::new(io), &mut cx, buf.unfilled()) {
            Poll::Ready(result) => result.map(|()| buf.filled().to_vec()),
            Poll::Pending => panic!("a cursor is always ready"),
        }
    }

    #[test]
    fn a_futures_io_reader_fills_hypers_uninitialised_buffer() {
        let mut io = HyperIo::new(futures::io::Cursor::new(b"hello world".to_vec()));
        assert_eq!(hyper_read(&mut io, 5).unwrap(), b"hello");
        assert_eq!(hyper_read(&mut io, 100).unwrap(), b" world");
        assert_eq!(hyper_read(&mut io, 100).unwrap(), b"");
    }

    #[test]
    fn at_most_the_zeroing_limit_is_offered_per_read() {
        let data = vec![7u8; MAX_ZEROED_READ + 10];
        let mut io = HyperIo::new(futures::io::Cursor::new(data));
        assert_eq!(
            hyper_read(&mut io, MAX_ZEROED_READ * 2).unwrap().len(),
            MAX_ZEROED_READ
        );
        assert_eq!(hyper_read(&mut io, MAX_ZEROED_READ * 2).unwrap(), [7; 10]);
    }

    /// A reader that claims more bytes than it was given.
    struct Liar;

    impl AsyncRead for Liar {
        fn poll_read(
            self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            buf: &mut [u8],
        ) -> Poll<io::Result<usize>> {
            Poll::Ready(Ok(buf.len() + 1))
        }
    }

    #[test]
    fn a_reader_claiming_too_much_is_an_error_not_uninitialised_bytes() {
        let err = hyper_read(&mut HyperIo::new(Liar), 8).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    }

    #[test]
    fn a_hyper_reader_reads_as_futures_io() {
        // `HyperIo<HyperIo<T>>`: futures-io -> hyper -> futures-io, the round trip.
        let inner = HyperIo::new(futures::io::Cursor::new(b"round trip".to_vec()));
        let mut io = HyperIo::new(inner);
        let mut cx = Context::from_waker(noop_waker_ref());
        let mut buf = [0; 5];
        let n = match Pin::new(&mut io).poll_read(&mut cx, &mut buf) {
            Poll::Ready(n) => n.unwrap(),
            Poll::Pending => unreachable!(),
        };
        assert_eq!(&buf[..n], b"round");
        let mut out = futures::io::Cursor::new(Vec::new());
        let mut writer = HyperIo::new(HyperIo::new(&mut out));
        assert!(matches!(
            Pin::new(&mut writer).poll_write(&mut cx, b"abc"),
            Poll::Ready(Ok(3))
        ));
        assert!(matches!(
            Pin::new(&mut writer).poll_close(&mut cx),
            Poll::Ready(Ok(()))
        ));
        assert_eq!(out.into_inner(), b"abc");
    }
}
