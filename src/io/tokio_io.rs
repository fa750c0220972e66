//! tokio's I/O traits (cargo feature `tokio-io`): [`TokioCompat`], which turns any
//! futures-io type into a tokio one and any tokio one into a futures-io one (tokio-util's
//! `compat`, both directions in one type), and tokio's `AsyncRead`/`AsyncWrite` for
//! [`Async<T>`](super::Async).

use std::io::{self, IoSlice, Read, Write};
use std::os::fd::AsFd;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use tokio::io::ReadBuf;

use super::Async;

/// Reads through a futures-io reader into tokio's `ReadBuf`: the unfilled part is zeroed
/// (once: `ReadBuf` remembers what is initialised) because a futures-io reader takes `&mut [u8]`.
fn poll_read_futures<R: futures_io::AsyncRead + ?Sized>(
    reader: Pin<&mut R>,
    cx: &mut Context<'_>,
    buf: &mut ReadBuf<'_>,
) -> Poll<io::Result<()>> {
    let n = ready!(reader.poll_read(cx, buf.initialize_unfilled()))?;
    buf.advance(n);
    Poll::Ready(Ok(()))
}

/// An I/O object seen through the other family's traits: a futures-io type
/// (`futures_io::AsyncRead`/`AsyncWrite`/`AsyncBufRead`) gets tokio's, and a tokio type gets
/// futures-io's (as tokio-util's `Compat`, both directions in one wrapper).
///
/// baton's own streams implement both families already (with this feature); use
/// `TokioCompat` for other crates' types: a futures-rustls stream into tokio-util's `Framed`,
/// or a tokio-only type into code written for futures-io. `poll_shutdown` is `poll_close` and
/// back.
///
/// # Examples
/// A futures-io reader read with tokio's `AsyncReadExt`:
/// ```
/// use baton::io::TokioCompat;
/// use tokio::io::AsyncReadExt;
///
/// baton::run(async {
///     let reader = futures_lite::io::Cursor::new(b"from futures-io".to_vec());
///     let mut text = String::new();
///     TokioCompat::new(reader).read_to_string(&mut text).await?;
///     assert_eq!(text, "from futures-io");
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// And a tokio reader (`&[u8]` is one) read with futures-io's extension traits:
/// ```
/// use baton::io::TokioCompat;
/// use futures_lite::AsyncReadExt;
///
/// baton::run(async {
///     let mut text = String::new();
///     TokioCompat::new(&b"from tokio"[..]).read_to_string(&mut text).await?;
///     assert_eq!(text, "from tokio");
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TokioCompat<T> {
    inner: T,
}

impl<T> TokioCompat<T> {
    /// Wraps `inner`.
    ///
    /// # Examples
    /// ```
    /// let wrapped = baton::io::TokioCompat::new(Vec::<u8>::new());
    /// assert!(wrapped.get_ref().is_empty());
    /// ```
    pub fn new(inner: T) -> TokioCompat<T> {
        TokioCompat { inner }
    }

    /// The wrapped object.
    ///
    /// # Examples
    /// ```
    /// let wrapped = baton::io::TokioCompat::new(7);
    /// assert_eq!(*wrapped.get_ref(), 7);
    /// ```
    pub fn get_ref(&self) -> &T {
        &self.inner
    }

    /// The wrapped object, mutably.
    ///
    /// # Examples
    /// ```
    /// let mut wrapped = baton::io::TokioCompat::new(7);
    /// *wrapped.get_mut() += 1;
    /// assert_eq!(wrapped.into_inner(), 8);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    /// Unwraps it.
    ///
    /// # Examples
    /// ```
    /// let wrapped = baton::io::TokioCompat::new("inner");
    /// assert_eq!(wrapped.into_inner(), "inner");
    /// ```
    pub fn into_inner(self) -> T {
        self.inner
    }

    /// The wrapped object, pinned (the wrapper pins it structurally).
    ///
    /// # Examples
    /// ```
    /// use std::pin::pin;
    ///
    /// let wrapped = pin!(baton::io::TokioCompat::new(7));
    /// assert_eq!(*wrapped.get_pin_mut(), 7);
    /// ```
    pub fn get_pin_mut(self: Pin<&mut Self>) -> Pin<&mut T> {
        // SAFETY: structural pinning: `inner` is never moved out of a pinned wrapper (only
        // `into_inner` and `get_mut` move or expose it, and both need the wrapper unpinned
        // or `Unpin`, which holds only when `T: Unpin`), and the wrapper has no `Drop`.
        unsafe { self.map_unchecked_mut(|this| &mut this.inner) }
    }
}

impl<T: futures_io::AsyncRead> tokio::io::AsyncRead for TokioCompat<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        poll_read_futures(self.get_pin_mut(), cx, buf)
    }
}

impl<T: futures_io::AsyncBufRead> tokio::io::AsyncBufRead for TokioCompat<T> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        futures_io::AsyncBufRead::poll_fill_buf(self.get_pin_mut(), cx)
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        futures_io::AsyncBufRead::consume(self.get_pin_mut(), amt)
    }
}

impl<T: futures_io::AsyncWrite> tokio::io::AsyncWrite for TokioCompat<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        futures_io::AsyncWrite::poll_write(self.get_pin_mut(), cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        futures_io::AsyncWrite::poll_write_vectored(self.get_pin_mut(), cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        futures_io::AsyncWrite::poll_flush(self.get_pin_mut(), cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        futures_io::AsyncWrite::poll_close(self.get_pin_mut(), cx)
    }
}

impl<T: tokio::io::AsyncRead> futures_io::AsyncRead for TokioCompat<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let mut buf = ReadBuf::new(buf);
        ready!(tokio::io::AsyncRead::poll_read(
            self.get_pin_mut(),
            cx,
            &mut buf
        ))?;
        Poll::Ready(Ok(buf.filled().len()))
    }
}

impl<T: tokio::io::AsyncBufRead> futures_io::AsyncBufRead for TokioCompat<T> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        tokio::io::AsyncBufRead::poll_fill_buf(self.get_pin_mut(), cx)
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        tokio::io::AsyncBufRead::consume(self.get_pin_mut(), amt)
    }
}

impl<T: tokio::io::AsyncWrite> futures_io::AsyncWrite for TokioCompat<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        tokio::io::AsyncWrite::poll_write(self.get_pin_mut(), cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        tokio::io::AsyncWrite::poll_write_vectored(self.get_pin_mut(), cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        tokio::io::AsyncWrite::poll_flush(self.get_pin_mut(), cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        tokio::io::AsyncWrite::poll_shutdown(self.get_pin_mut(), cx)
    }
}

/// tokio's `AsyncRead` for an [`Async`] over a blocking reader (a pipe, a tty, a socket made
/// elsewhere): the same reads as its futures-io impl.
impl<T: AsFd + Read> tokio::io::AsyncRead for Async<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        poll_read_futures(self, cx, buf)
    }
}

/// tokio's `AsyncWrite` for an [`Async`] over a blocking writer; `poll_shutdown` flushes, as
/// futures-io's `poll_close` does (dropping the `Async` closes the descriptor).
impl<T: AsFd + Write> tokio::io::AsyncWrite for Async<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        futures_io::AsyncWrite::poll_write(self, cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        futures_io::AsyncWrite::poll_flush(self, cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        futures_io::AsyncWrite::poll_close(self, cx)
    }
}
