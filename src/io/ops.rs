//! The futures behind every stream's inherent `read`, `read_exact`, `write`, `write_all` and
//! `flush`, written once over `futures_io::AsyncRead`/`AsyncWrite`.

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::future::FusedFuture;
use futures_io::{AsyncRead, AsyncWrite};

/// The future of a stream's `read`: reads some bytes into the buffer.
///
/// Made by [`TcpStream::read`](crate::net::TcpStream::read) and its kin.
///
/// # Examples
/// ```
/// use baton::net::{TcpListener, TcpStream};
///
/// baton::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let mut client = TcpStream::connect(listener.local_addr()?).await?;
///     let (mut server, _) = listener.accept().await?;
///     client.write_all(b"hi").await?;
///     let mut buf = [0; 8];
///     let n = server.read(&mut buf).await?; // a `Read` future
///     assert_eq!(&buf[..n], b"hi");
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Cancel safety
/// Cancel safe: no bytes are consumed unless it completes.
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct Read<'a, T: ?Sized> {
    io: &'a mut T,
    buf: &'a mut [u8],
    returned: bool,
}

/// The future of a stream's `read_exact`: fills the buffer.
///
/// # Examples
/// ```
/// use baton::net::{TcpListener, TcpStream};
///
/// baton::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let mut client = TcpStream::connect(listener.local_addr()?).await?;
///     let (mut server, _) = listener.accept().await?;
///     client.write_all(b"ping").await?;
///     let mut buf = [0; 4];
///     server.read_exact(&mut buf).await?; // a `ReadExact` future
///     assert_eq!(&buf, b"ping");
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Errors
/// `UnexpectedEof` if the stream ends first; any read error.
///
/// # Cancel safety
/// Not cancel safe: bytes read before cancellation are lost to the caller.
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct ReadExact<'a, T: ?Sized> {
    io: &'a mut T,
    buf: &'a mut [u8],
    filled: usize,
    returned: bool,
}

/// The future of a stream's `write`: writes some bytes from the buffer.
///
/// # Examples
/// ```
/// use baton::net::{TcpListener, TcpStream};
///
/// baton::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let mut client = TcpStream::connect(listener.local_addr()?).await?;
///     let n = client.write(b"hello").await?; // a `Write` future
///     assert!(n > 0);
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Cancel safety
/// Cancel safe: nothing is written unless it completes.
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct Write<'a, T: ?Sized> {
    io: &'a mut T,
    buf: &'a [u8],
    returned: bool,
}

/// The future of a stream's `write_all`: writes the whole buffer.
///
/// # Examples
/// ```
/// use baton::net::{TcpListener, TcpStream};
///
/// baton::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let mut client = TcpStream::connect(listener.local_addr()?).await?;
///     client.write_all(b"all of it").await?; // a `WriteAll` future
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Errors
/// `WriteZero` if the stream accepts no more bytes; any write error.
///
/// # Cancel safety
/// Not cancel safe: part of the buffer may have been written.
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct WriteAll<'a, T: ?Sized> {
    io: &'a mut T,
    buf: &'a [u8],
    returned: bool,
}

/// The future of a stream's `flush`. Sockets buffer nothing in user space, so it is ready at
/// once for them; buffered writers flush.
///
/// # Examples
/// ```
/// use baton::net::{TcpListener, TcpStream};
///
/// baton::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let mut client = TcpStream::connect(listener.local_addr()?).await?;
///     client.flush().await?; // a `Flush` future
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Cancel safety
/// Cancel safe.
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct Flush<'a, T: ?Sized> {
    io: &'a mut T,
    returned: bool,
}

impl<'a, T: ?Sized> Read<'a, T> {
    pub(crate) fn new(io: &'a mut T, buf: &'a mut [u8]) -> Self {
        Read {
            io,
            buf,
            returned: false,
        }
    }
}

impl<'a, T: ?Sized> ReadExact<'a, T> {
    pub(crate) fn new(io: &'a mut T, buf: &'a mut [u8]) -> Self {
        ReadExact {
            io,
            buf,
            filled: 0,
            returned: false,
        }
    }
}

impl<'a, T: ?Sized> Write<'a, T> {
    pub(crate) fn new(io: &'a mut T, buf: &'a [u8]) -> Self {
        Write {
            io,
            buf,
            returned: false,
        }
    }
}

impl<'a, T: ?Sized> WriteAll<'a, T> {
    pub(crate) fn new(io: &'a mut T, buf: &'a [u8]) -> Self {
        WriteAll {
            io,
            buf,
            returned: false,
        }
    }
}

impl<'a, T: ?Sized> Flush<'a, T> {
    pub(crate) fn new(io: &'a mut T) -> Self {
        Flush {
            io,
            returned: false,
        }
    }
}

impl<T: AsyncRead + Unpin + ?Sized> Future for Read<'_, T> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let read = Pin::new(&mut *this.io).poll_read(cx, this.buf);
        returning(&mut this.returned, read)
    }
}

impl<T: AsyncRead + Unpin + ?Sized> Future for ReadExact<'_, T> {
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let filled = this.poll_fill(cx);
        returning(&mut this.returned, filled)
    }
}

impl<T: AsyncRead + Unpin + ?Sized> ReadExact<'_, T> {
    fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.filled < self.buf.len() {
            let n = match Pin::new(&mut *self.io).poll_read(cx, &mut self.buf[self.filled..]) {
                Poll::Ready(Ok(n)) => n,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            };
            if n == 0 {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!(
                        "stream ended after {} of {} bytes",
                        self.filled,
                        self.buf.len()
                    ),
                )));
            }
            self.filled += n;
        }
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncWrite + Unpin + ?Sized> Future for Write<'_, T> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let written = Pin::new(&mut *this.io).poll_write(cx, this.buf);
        returning(&mut this.returned, written)
    }
}

impl<T: AsyncWrite + Unpin + ?Sized> Future for WriteAll<'_, T> {
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let written = this.poll_write_all(cx);
        returning(&mut this.returned, written)
    }
}

impl<T: AsyncWrite + Unpin + ?Sized> WriteAll<'_, T> {
    fn poll_write_all(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while !self.buf.is_empty() {
            let n = match Pin::new(&mut *self.io).poll_write(cx, self.buf) {
                Poll::Ready(Ok(n)) => n,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            };
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.buf = &self.buf[n..];
        }
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncWrite + Unpin + ?Sized> Future for Flush<'_, T> {
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let flushed = Pin::new(&mut *this.io).poll_flush(cx);
        returning(&mut this.returned, flushed)
    }
}

/// `poll` passed through, setting `returned` once it is ready.
fn returning<T>(returned: &mut bool, poll: Poll<T>) -> Poll<T> {
    *returned |= poll.is_ready();
    poll
}

/// `FusedFuture` for the futures here: terminated once they returned (the count, or an error).
macro_rules! fused {
    ($($name:ident: $io:path),*) => {$(
        impl<T: $io + Unpin + ?Sized> FusedFuture for $name<'_, T> {
            fn is_terminated(&self) -> bool {
                self.returned
            }
        }
    )*};
}

fused!(
    Read: AsyncRead,
    ReadExact: AsyncRead,
    Write: AsyncWrite,
    WriteAll: AsyncWrite,
    Flush: AsyncWrite
);

impl<T: ?Sized> fmt::Debug for Read<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Read")
            .field("buf_len", &self.buf.len())
            .finish_non_exhaustive()
    }
}

impl<T: ?Sized> fmt::Debug for ReadExact<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadExact")
            .field("filled", &self.filled)
            .field("len", &self.buf.len())
            .finish_non_exhaustive()
    }
}

impl<T: ?Sized> fmt::Debug for Write<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Write")
            .field("buf_len", &self.buf.len())
            .finish_non_exhaustive()
    }
}

impl<T: ?Sized> fmt::Debug for WriteAll<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WriteAll")
            .field("remaining", &self.buf.len())
            .finish_non_exhaustive()
    }
}

impl<T: ?Sized> fmt::Debug for Flush<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Flush").finish_non_exhaustive()
    }
}
