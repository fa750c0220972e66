//! `StreamWriter::sendfile`: asyncio's `loop.sendfile(transport, file, offset, count)` for a
//! writer over a TCP or Unix stream — the buffer is flushed first, then the file goes out by
//! `sendfile(2)` (or its read/write fallback) straight through the socket.

use std::fmt;
use std::fs::File;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::StreamWriter;
use crate::net::{OwnedWriteHalf, SplitStream, Transfer};

impl<S: SplitStream> StreamWriter<OwnedWriteHalf<S>> {
    /// Sends `count` bytes of `file` from `offset` (to its end with `None`) after the bytes
    /// already written: waits until the buffer is flushed, then sends the file as
    /// [`TcpStream::sendfile`](crate::net::TcpStream::sendfile) does, in the kernel where it
    /// can (asyncio's `loop.sendfile(writer.transport, file, offset, count)`, with
    /// `fallback=True`). Returns how many bytes of the file were sent.
    ///
    /// # Examples
    /// ```
    /// use std::io::Write;
    ///
    /// baton::run(async {
    ///     let path = std::env::temp_dir().join(format!("baton-doc-wsf-{}", std::process::id()));
    ///     std::fs::File::create(&path)?.write_all(b"body\n")?;
    ///     let file = std::fs::File::open(&path)?;
    ///     let listener = baton::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let (mut r, w) = baton::open_connection(listener.local_addr()?).await?;
    ///     let (conn, _) = listener.accept().await?;
    ///     let (_conn_rd, conn_wr) = conn.split();
    ///     let mut server = baton::StreamWriter::new(conn_wr);
    ///     server.write(b"header\n");
    ///     assert_eq!(server.sendfile(&file, 0, None).await?, 5);
    ///     assert_eq!(r.readline().await?, b"header\n");
    ///     assert_eq!(r.readline().await?, b"body\n");
    ///     # drop(w.close());
    ///     std::fs::remove_file(&path)?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// The writer's failure, if it failed before; `BrokenPipe` if it is closing (after
    /// `close` or `write_eof`); then any error of the socket or the file.
    ///
    /// # Cancel safety
    /// Not cancel safe: bytes already sent are not reported.
    pub fn sendfile<'a>(
        &'a mut self,
        file: &'a File,
        offset: u64,
        count: Option<u64>,
    ) -> WriterSendFile<'a, S> {
        WriterSendFile {
            writer: self,
            flushed: false,
            transfer: Transfer::new(file, offset, count),
        }
    }
}

/// The future returned by [`StreamWriter::sendfile`].
///
/// # Examples
/// ```
/// baton::run(async {
///     let file = std::fs::File::open("/proc/self/exe")?; // any regular file
///     let (a, b) = baton::net::UnixStream::pair()?;
///     let (_a_rd, a_wr) = a.split();
///     let mut w = baton::StreamWriter::new(a_wr);
///     let send = w.sendfile(&file, 0, Some(4)); // a `WriterSendFile`
///     assert_eq!(send.await?, 4);
///     # drop(b);
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Cancel safety
/// As [`StreamWriter::sendfile`].
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct WriterSendFile<'a, S: SplitStream> {
    writer: &'a StreamWriter<OwnedWriteHalf<S>>,
    /// The buffered bytes are out: the file may follow.
    flushed: bool,
    transfer: Transfer<'a>,
}

impl<S: SplitStream> WriterSendFile<'_, S> {
    /// Ready once nothing buffered is left to send and no flusher runs.
    fn poll_flushed(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut st = self.writer.shared.state.lock();
        if let Some(e) = st.error() {
            return Poll::Ready(Err(e));
        }
        if st.close_requested || st.eof_requested {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "StreamWriter::sendfile on a closing writer",
            )));
        }
        if st.pending() == 0 && !st.flusher_running {
            return Poll::Ready(Ok(()));
        }
        st.register(cx.waker());
        Poll::Pending
    }
}

impl<S: SplitStream> Future for WriterSendFile<'_, S> {
    type Output = io::Result<u64>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        let this = self.get_mut();
        if !this.flushed {
            match this.poll_flushed(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Ready(Ok(())) => this.flushed = true,
            }
        }
        this.writer.shared.io.poll_transfer(cx, &mut this.transfer)
    }
}

impl<S: SplitStream> fmt::Debug for WriterSendFile<'_, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WriterSendFile")
            .field("flushed", &self.flushed)
            .field("transfer", &self.transfer)
            .finish_non_exhaustive()
    }
}
