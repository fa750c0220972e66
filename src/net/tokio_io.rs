//! tokio's `AsyncRead`/`AsyncWrite` for baton's byte streams (cargo feature `tokio-io`:
//! tokio's traits only, no tokio runtime), so tokio-util codecs, tokio-rustls and
//! tokio-tungstenite run on a baton loop: [`TcpStream`], [`UnixStream`], and the halves of a
//! split stream ([`OwnedReadHalf`] reads, [`OwnedWriteHalf`] writes).
//!
//! Reads go straight into the unfilled part of tokio's `ReadBuf` with `read(2)`, without
//! zeroing it first. `poll_shutdown` shuts the write direction down (the peer reads EOF), as
//! futures-io's `poll_close` does.
//!
//! # Examples
//! ```
//! use baton::net::{TcpListener, TcpStream};
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! baton::run(async {
//!     let listener = TcpListener::bind("127.0.0.1:0").await?;
//!     let mut client = TcpStream::connect(listener.local_addr()?).await?;
//!     let (mut server, _) = listener.accept().await?;
//!     AsyncWriteExt::write_all(&mut client, b"tokio traits on baton").await?;
//!     AsyncWriteExt::shutdown(&mut client).await?;
//!     let mut got = String::new();
//!     AsyncReadExt::read_to_string(&mut server, &mut got).await?;
//!     assert_eq!(got, "tokio traits on baton");
//!     std::io::Result::Ok(())
//! })?;
//! # Ok::<(), std::io::Error>(())
//! ```

use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::stream_core::sealed::Stream as _;
use super::stream_core::{self, AsStream};
use super::{OwnedReadHalf, OwnedWriteHalf, SplitStream, TcpStream, UnixStream};

/// Reads into the unfilled part of `buf` through `io`'s stream, uninitialised memory included.
fn poll_read_buf<T: AsStream>(
    io: &T,
    cx: &mut Context<'_>,
    buf: &mut ReadBuf<'_>,
) -> Poll<io::Result<()>> {
    // SAFETY: `poll_read_uninit_shared` only writes into the slice (through `read(2)`) and
    // never de-initialises it, as `ReadBuf::unfilled_mut` requires.
    let unfilled = unsafe { buf.unfilled_mut() };
    let n = ready!(io.as_stream().poll_read_uninit_shared(cx, unfilled))?;
    // SAFETY: `read(2)` initialised the first `n` bytes of the unfilled part.
    unsafe { buf.assume_init(n) };
    buf.advance(n);
    Poll::Ready(Ok(()))
}

macro_rules! tokio_read {
    ([$($g:tt)*] $ty:ty) => {
        impl<$($g)*> AsyncRead for $ty {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut ReadBuf<'_>,
            ) -> Poll<io::Result<()>> {
                poll_read_buf(&*self, cx, buf)
            }
        }
    };
}

macro_rules! tokio_write {
    ([$($g:tt)*] $ty:ty) => {
        impl<$($g)*> AsyncWrite for $ty {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                stream_core::poll_write(&*self, cx, buf)
            }

            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                stream_core::poll_write_vectored(&*self, cx, bufs)
            }

            fn is_write_vectored(&self) -> bool {
                true
            }

            /// A socket buffers nothing in user space: nothing to flush.
            fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(Ok(()))
            }

            /// Shuts the write direction down: the peer reads EOF.
            fn poll_shutdown(
                self: Pin<&mut Self>,
                _cx: &mut Context<'_>,
            ) -> Poll<io::Result<()>> {
                Poll::Ready(stream_core::shutdown_write(&*self))
            }
        }
    };
}

tokio_read!([] TcpStream);
tokio_write!([] TcpStream);
tokio_read!([] UnixStream);
tokio_write!([] UnixStream);
tokio_read!([S: SplitStream] OwnedReadHalf<S>);
tokio_write!([S: SplitStream] OwnedWriteHalf<S>);
