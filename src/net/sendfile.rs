//! `sendfile`: a file's bytes straight to a stream socket by `sendfile(2)` (asyncio's
//! `loop.sendfile`), falling back to reads and writes where the kernel cannot (`EINVAL`,
//! `ENOSYS`: a source that is not a regular file, some filesystems), as asyncio's
//! `fallback=True`.

use std::cell::Cell;
use std::fmt;
use std::fs::File;
use std::future::Future;
use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::fs::FileExt;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::future::FusedFuture;

use super::stream_core::{AsStream as _, SplitStream};
use super::{OwnedWriteHalf, TcpStream, UnixStream};
use crate::runtime::driver::reactor::{Direction, Waiter};

/// The most one `sendfile(2)` call is asked for (Linux moves at most about 2 GiB a call).
const MAX_CHUNK: u64 = 1 << 30;
/// The buffer of the read/write fallback.
const FALLBACK_BUF: usize = 64 * 1024;

thread_local! {
    /// Tests force the fallback on their thread.
    static FORCE_FALLBACK: Cell<bool> = const { Cell::new(false) };
}

/// Makes `sendfile` futures polled on this thread use the read/write fallback (`true`) or
/// `sendfile(2)` first (`false`, the default). For tests of the fallback.
///
/// # Examples
/// ```
/// baton::net::force_sendfile_fallback(true);
/// baton::net::force_sendfile_fallback(false);
/// ```
#[doc(hidden)]
pub fn force_sendfile_fallback(on: bool) {
    FORCE_FALLBACK.with(|f| f.set(on));
}

/// The future of [`TcpStream::sendfile`], [`UnixStream::sendfile`] and
/// [`OwnedWriteHalf::sendfile`]: how many bytes went.
///
/// # Examples
/// ```
/// use std::io::Write;
///
/// baton::run(async {
///     let (a, mut b) = baton::net::UnixStream::pair()?;
///     let path = std::env::temp_dir().join(format!("baton-doc-sf-{}", std::process::id()));
///     std::fs::File::create(&path)?.write_all(b"file body")?;
///     let file = std::fs::File::open(&path)?;
///     let send = a.sendfile(&file, 0, None); // a `SendFile`
///     assert_eq!(send.await?, 9);
///     let mut buf = [0; 9];
///     b.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"file body");
///     std::fs::remove_file(&path)?;
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Cancel safety
/// Not cancel safe: bytes already sent are not reported.
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct SendFile<'a> {
    socket: RawFd,
    waiter: Waiter<'a>,
    transfer: Transfer<'a>,
}

/// How a transfer writes: runs the given operation on the socket's descriptor once it is
/// writable, until the operation does not return `WouldBlock` (a `Waiter`'s `poll_io`, or a
/// stream's through its write half).
pub(crate) type WriteFd<'w> = dyn FnMut(&mut Context<'_>, &mut dyn FnMut(RawFd) -> io::Result<usize>) -> Poll<io::Result<usize>>
    + 'w;

/// The state of a `sendfile`, whatever the socket waits through: what is left of the file
/// and, once `sendfile(2)` proved unusable, the fallback's buffer.
pub(crate) struct Transfer<'a> {
    file: &'a File,
    /// Where the next byte of the file is read from.
    offset: u64,
    /// Bytes still to send; `None`: up to the end of the file.
    remaining: Option<u64>,
    sent: u64,
    /// Set once `sendfile(2)` proved unusable: the buffer of the read/write path and the
    /// part of it not yet written.
    fallback: Option<Fallback>,
}

struct Fallback {
    buf: Box<[u8]>,
    start: usize,
    end: usize,
}

impl Fallback {
    fn new() -> Fallback {
        Fallback {
            buf: vec![0; FALLBACK_BUF].into_boxed_slice(),
            start: 0,
            end: 0,
        }
    }
}

/// `sendfile` on a stream type.
macro_rules! sendfile {
    ($ty:ident, $setup:literal) => {
        impl $ty {
            /// Sends `count` bytes of `file` from `offset` (all of it to the end with `None`)
            /// with `sendfile(2)`, which copies inside the kernel; returns how many bytes were
            /// sent, fewer than `count` only if the file ended first (asyncio's
            /// `loop.sendfile`). Where `sendfile(2)` cannot be used on this file (`EINVAL`,
            /// `ENOSYS`), it falls back to reading 64 KiB at a time and writing, as asyncio's
            /// `fallback=True`; those reads happen on the loop's thread.
            ///
            /// The file's own position is neither used nor moved (unlike asyncio, which moves
            /// it): reads are at `offset`, as `pread(2)`. As any write to a socket whose peer
            /// is gone, `sendfile(2)` raises `SIGPIPE`, which Rust programs ignore by default.
            ///
            /// # Examples
            #[doc = concat!("```\nuse std::io::Write;\n# baton::run(async {\n", $setup, "
let path = std::env::temp_dir().join(format!(\"baton-doc-sf-{}\", std::process::id()));
std::fs::File::create(&path)?.write_all(b\"0123456789\")?;
let file = std::fs::File::open(&path)?;
assert_eq!(io.sendfile(&file, 2, Some(5)).await?, 5);
let mut buf = [0; 5];
peer.read_exact(&mut buf).await?;
assert_eq!(&buf, b\"23456\");
std::fs::remove_file(&path)?;
# std::io::Result::Ok(())
# })?;
# Ok::<(), std::io::Error>(())
```")]
            ///
            /// # Errors
            /// Any write error of the socket (e.g. `BrokenPipe`), any read error of the file.
            ///
            /// # Cancel safety
            /// Not cancel safe: bytes already sent are not reported.
            pub fn sendfile<'a>(
                &'a self,
                file: &'a File,
                offset: u64,
                count: Option<u64>,
            ) -> SendFile<'a> {
                SendFile {
                    socket: self.as_raw_fd(),
                    waiter: self.io.waiter(Direction::Write),
                    transfer: Transfer::new(file, offset, count),
                }
            }
        }
    };
}

sendfile!(
    TcpStream,
    "let listener = baton::net::TcpListener::bind(\"127.0.0.1:0\").await?;
let io = baton::net::TcpStream::connect(listener.local_addr()?).await?;
let (mut peer, _) = listener.accept().await?;"
);
sendfile!(
    UnixStream,
    "let (io, mut peer) = baton::net::UnixStream::pair()?;"
);

impl<S: SplitStream> OwnedWriteHalf<S> {
    /// Moves `transfer` on through this half's stream (a `StreamWriter`'s `sendfile`).
    pub(crate) fn poll_transfer(
        &self,
        cx: &mut Context<'_>,
        transfer: &mut Transfer<'_>,
    ) -> Poll<io::Result<u64>> {
        let stream = self.as_stream();
        transfer.poll(cx, &mut |cx, op| stream.poll_write_fd(cx, op))
    }
}

impl<'a> Transfer<'a> {
    pub(crate) fn new(file: &'a File, offset: u64, count: Option<u64>) -> Transfer<'a> {
        Transfer {
            file,
            offset,
            remaining: count,
            sent: 0,
            fallback: None,
        }
    }

    /// Sends until the count is sent or the file ends, writing through `write`; the total.
    pub(crate) fn poll(
        &mut self,
        cx: &mut Context<'_>,
        write: &mut WriteFd<'_>,
    ) -> Poll<io::Result<u64>> {
        if self.fallback.is_none() && FORCE_FALLBACK.with(Cell::get) {
            self.fallback = Some(Fallback::new());
        }
        while self.remaining != Some(0) {
            let step = if self.fallback.is_some() {
                self.poll_fallback(cx, write)
            } else {
                match self.poll_sendfile(cx, write) {
                    Poll::Ready(Ok(None)) => {
                        self.fallback = Some(Fallback::new());
                        continue;
                    }
                    other => other.map(|r| r.map(|n| n.unwrap_or(0))),
                }
            };
            match step {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Ready(Ok(0)) => break, // the end of the file
                Poll::Ready(Ok(n)) => self.advance(n),
            }
        }
        Poll::Ready(Ok(self.sent))
    }

    /// Counts `n` bytes as sent.
    fn advance(&mut self, n: u64) {
        self.sent += n;
        self.offset += n;
        if let Some(rem) = &mut self.remaining {
            *rem -= n;
        }
    }

    /// How much the next read or `sendfile(2)` may move, capped at `cap`.
    fn chunk(&self, cap: u64) -> u64 {
        self.remaining.map_or(cap, |rem| rem.min(cap))
    }

    /// One step of `sendfile(2)`: `Ok(None)` when the kernel cannot do it for this file.
    fn poll_sendfile(
        &mut self,
        cx: &mut Context<'_>,
        write: &mut WriteFd<'_>,
    ) -> Poll<io::Result<Option<u64>>> {
        let (file, chunk) = (self.file.as_raw_fd(), self.chunk(MAX_CHUNK));
        let Ok(mut offset) = libc::off_t::try_from(self.offset) else {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "sendfile: offset too large",
            )));
        };
        let result = write(cx, &mut |socket| {
            // SAFETY: `socket` and `file` are open descriptors borrowed for this transfer's
            // life; `offset` is a valid `off_t` the call updates; `chunk` bounds the count.
            let n = unsafe { libc::sendfile(socket, file, &mut offset, chunk as usize) };
            if n < 0 {
                Err(io::Error::last_os_error())
            } else {
                Ok(n as usize)
            }
        });
        match result {
            Poll::Ready(Err(e))
                if matches!(e.raw_os_error(), Some(libc::EINVAL | libc::ENOSYS)) =>
            {
                Poll::Ready(Ok(None))
            }
            other => other.map(|r| r.map(|n| Some(n as u64))),
        }
    }

    /// One step of the read/write fallback: `Ok(0)` at the end of the file.
    fn poll_fallback(
        &mut self,
        cx: &mut Context<'_>,
        write: &mut WriteFd<'_>,
    ) -> Poll<io::Result<u64>> {
        let chunk = self.chunk(FALLBACK_BUF as u64) as usize;
        let fb = self.fallback.get_or_insert_with(Fallback::new);
        if fb.start == fb.end {
            let n = self.file.read_at(&mut fb.buf[..chunk], self.offset)?;
            if n == 0 {
                return Poll::Ready(Ok(0));
            }
            (fb.start, fb.end) = (0, n);
        }
        let pending = &fb.buf[fb.start..fb.end];
        let written = match write(cx, &mut |socket| {
            // SAFETY: `pending` is valid for reads of its length for the call; `socket` is
            // the open descriptor this transfer borrows.
            let n = unsafe {
                libc::send(
                    socket,
                    pending.as_ptr().cast(),
                    pending.len(),
                    libc::MSG_NOSIGNAL,
                )
            };
            if n < 0 {
                Err(io::Error::last_os_error())
            } else {
                Ok(n as usize)
            }
        }) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(r) => r?,
        };
        fb.start += written;
        Poll::Ready(Ok(written as u64))
    }
}

impl Future for SendFile<'_> {
    type Output = io::Result<u64>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        let this = self.get_mut();
        let (socket, waiter) = (this.socket, &mut this.waiter);
        let sent = this
            .transfer
            .poll(cx, &mut |cx, op| waiter.poll_io(cx, || op(socket)));
        this.waiter.returning(sent)
    }
}

/// Terminated once it returned the total or an error (not after each chunk it sent).
impl FusedFuture for SendFile<'_> {
    fn is_terminated(&self) -> bool {
        self.waiter.has_returned()
    }
}

impl fmt::Debug for SendFile<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendFile")
            .field("socket", &self.socket)
            .field("transfer", &self.transfer)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for Transfer<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transfer")
            .field("offset", &self.offset)
            .field("remaining", &self.remaining)
            .field("sent", &self.sent)
            .field("fallback", &self.fallback.is_some())
            .finish_non_exhaustive()
    }
}
