//! The futures of [`StreamWriter::drain`], [`StreamWriter::close`] and
//! [`StreamWriter::wait_closed`].

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::StreamWriter;
use crate::net::{OwnedWriteHalf, WriteTransport};

const DRAIN_WHILE_CLOSING: &str = "StreamWriter::drain on a closing writer: close was called";

/// The future returned by [`StreamWriter::drain`].
///
/// # Examples
/// See [`StreamWriter::drain`].
///
/// ```
/// # use baton::net::TcpListener;
/// baton::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let (_r, mut w) = baton::open_connection(listener.local_addr()?).await?;
///     let drain = w.drain(); // a `WriterDrain`
///     drain.await?;
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Cancel safety
/// As [`StreamWriter::drain`].
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct WriterDrain<'a, W: WriteTransport = OwnedWriteHalf> {
    pub(super) writer: &'a mut StreamWriter<W>,
}

/// The future returned by [`StreamWriter::close`]: the close has started; it waits for its
/// end.
///
/// # Examples
/// See [`StreamWriter::close`].
///
/// ```
/// # use baton::net::TcpListener;
/// baton::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let (_r, w) = baton::open_connection(listener.local_addr()?).await?;
///     let close = w.close(); // a `WriterClose`
///     close.await?;
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Cancel safety
/// As [`StreamWriter::close`].
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct WriterClose<'a, W: WriteTransport = OwnedWriteHalf> {
    pub(super) writer: &'a StreamWriter<W>,
}

/// The future returned by [`StreamWriter::wait_closed`].
///
/// # Examples
/// See [`StreamWriter::wait_closed`].
///
/// ```
/// # use baton::net::TcpListener;
/// baton::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let (_r, w) = baton::open_connection(listener.local_addr()?).await?;
///     drop(w.close());
///     let closed = w.wait_closed(); // a `WriterWaitClosed`
///     closed.await?;
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Cancel safety
/// As [`StreamWriter::wait_closed`].
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct WriterWaitClosed<'a, W: WriteTransport = OwnedWriteHalf> {
    pub(super) writer: &'a StreamWriter<W>,
}

impl<W: WriteTransport> Future for WriterDrain<'_, W> {
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut st = self.writer.shared().state.lock();
        if let Some(e) = st.error() {
            return Poll::Ready(Err(e));
        }
        if st.close_requested {
            let e = io::Error::new(io::ErrorKind::BrokenPipe, DRAIN_WHILE_CLOSING);
            return Poll::Ready(Err(e));
        }
        if st.paused {
            st.register(cx.waker());
            return Poll::Pending;
        }
        Poll::Ready(Ok(()))
    }
}

impl<W: WriteTransport> Future for WriterClose<'_, W> {
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.writer.poll_closed(cx)
    }
}

impl<W: WriteTransport> Future for WriterWaitClosed<'_, W> {
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.writer.poll_closed(cx)
    }
}

impl<W: WriteTransport> fmt::Debug for WriterDrain<'_, W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WriterDrain")
            .field("writer", &self.writer)
            .finish()
    }
}

impl<W: WriteTransport> fmt::Debug for WriterClose<'_, W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WriterClose")
            .field("writer", &self.writer)
            .finish()
    }
}

impl<W: WriteTransport> fmt::Debug for WriterWaitClosed<'_, W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WriterWaitClosed")
            .field("writer", &self.writer)
            .finish()
    }
}
