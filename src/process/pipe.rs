//! The child's standard streams as seen from the parent: `ChildStdin` (we write),
//! `ChildStdout` and `ChildStderr` (we read). Each is our end of a pipe, made non-blocking and
//! registered with the reactor of the loop that spawned the child, through the same
//! `Evented` every socket uses; its futures are the sockets' (`io/ops.rs`).

use std::fmt;
use std::fs::File;
use std::io;
use std::net::Shutdown;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};

use crate::io::evented::Evented;
use crate::io::ops::{Flush, Read, ReadExact, Write, WriteAll};
use crate::net::{Transport, WriteTransport};
use crate::streams::{StreamReader, StreamWriter};

/// The child's standard input: the write end of a pipe, from
/// [`Stdio::piped()`](super::Stdio::piped) (asyncio's `proc.stdin`). Closing it — dropping it,
/// [`close`](ChildStdin::close), or closing a [`StreamWriter`] over it — gives the child EOF.
///
/// `Send + Sync`; implements `futures_io::AsyncWrite`, whose `poll_close` closes the pipe.
///
/// # Examples
/// ```
/// use baton::process::{Command, Stdio};
///
/// baton::run(async {
///     let mut child = Command::new("cat").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn()?;
///     let mut stdin = child.stdin.take().unwrap();
///     stdin.write_all(b"meow").await?;
///     drop(stdin); // EOF: cat finishes
///     let out = child.wait_with_output().await?;
///     assert_eq!(out.stdout, b"meow");
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct ChildStdin {
    io: Evented<File>,
    /// Set by `close`: the descriptor now names `/dev/null`, and writes fail.
    closed: AtomicBool,
}

/// The child's standard output: the read end of a pipe, from
/// [`Stdio::piped()`](super::Stdio::piped) (asyncio's `proc.stdout`). Reads return `Ok(0)`
/// once the child (and every process it shared the pipe with) has closed it.
///
/// `Send + Sync`; implements `futures_io::AsyncRead`. [`into_reader`](ChildStdout::into_reader)
/// gives asyncio's [`StreamReader`] over it (`readline`, `readuntil`, …).
///
/// # Examples
/// ```
/// use baton::process::{Command, Stdio};
///
/// baton::run(async {
///     let mut child = Command::new("echo").arg("hello").stdout(Stdio::piped()).spawn()?;
///     let mut stdout = child.stdout.take().unwrap();
///     let mut buf = [0; 6];
///     stdout.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"hello\n");
///     assert!(child.wait().await?.success());
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct ChildStdout {
    io: Evented<File>,
}

/// The child's standard error: the read end of a pipe, from
/// [`Stdio::piped()`](super::Stdio::piped) (asyncio's `proc.stderr`). As [`ChildStdout`].
///
/// # Examples
/// ```
/// use baton::process::{Command, Stdio};
///
/// baton::run(async {
///     let mut child = Command::new("sh")
///         .args(["-c", "echo oops >&2"])
///         .stderr(Stdio::piped())
///         .spawn()?;
///     let mut stderr = child.stderr.take().unwrap().into_reader();
///     assert_eq!(stderr.readline().await?, b"oops\n");
///     child.wait().await?;
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct ChildStderr {
    io: Evented<File>,
}

/// Our end of a pipe std made, non-blocking and registered with the running loop.
#[track_caller]
fn register(fd: OwnedFd) -> io::Result<Evented<File>> {
    Evented::from_std(File::from(fd))
}

impl ChildStdin {
    #[track_caller]
    pub(super) fn new(pipe: std::process::ChildStdin) -> io::Result<ChildStdin> {
        Ok(ChildStdin {
            io: register(pipe.into())?,
            closed: AtomicBool::new(false),
        })
    }

    /// Writes some bytes of `buf`, returning how many (the pipe takes up to its free space).
    ///
    /// # Examples
    /// ```
    /// use baton::process::{Command, Stdio};
    ///
    /// baton::run(async {
    ///     let mut child = Command::new("cat").stdin(Stdio::piped()).spawn()?;
    ///     let mut stdin = child.stdin.take().unwrap();
    ///     assert_eq!(stdin.write(b"").await?, 0);
    ///     drop(stdin);
    ///     child.wait().await?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// `BrokenPipe` once the child has closed its end (or exited), or after
    /// [`close`](ChildStdin::close).
    ///
    /// # Cancel safety
    /// Cancel safe: nothing is written unless it completes.
    pub fn write<'a>(&'a mut self, buf: &'a [u8]) -> Write<'a, Self> {
        Write::new(self, buf)
    }

    /// Writes all of `buf`, waiting while the pipe is full.
    ///
    /// # Examples
    /// ```
    /// use baton::process::{Command, Stdio};
    ///
    /// baton::run(async {
    ///     let mut child = Command::new("cat").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn()?;
    ///     let mut stdin = child.stdin.take().unwrap();
    ///     stdin.write_all(&[b'x'; 1000]).await?;
    ///     drop(stdin);
    ///     assert_eq!(child.wait_with_output().await?.stdout.len(), 1000);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`write`](ChildStdin::write).
    ///
    /// # Cancel safety
    /// Not cancel safe: part of `buf` may have been written.
    pub fn write_all<'a>(&'a mut self, buf: &'a [u8]) -> WriteAll<'a, Self> {
        WriteAll::new(self, buf)
    }

    /// Flushes: a no-op (a pipe buffers nothing in user space), present so pipes, sockets and
    /// buffered writers read alike.
    ///
    /// # Examples
    /// ```
    /// use baton::process::{Command, Stdio};
    ///
    /// baton::run(async {
    ///     let mut child = Command::new("cat").stdin(Stdio::piped()).spawn()?;
    ///     child.stdin.as_mut().unwrap().flush().await?;
    ///     child.wait().await?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// None.
    pub fn flush(&mut self) -> Flush<'_, Self> {
        Flush::new(self)
    }

    /// Closes the pipe: the child reads EOF. Later writes fail with `BrokenPipe`. What dropping
    /// the `ChildStdin` does, for code that shares it (a [`StreamWriter`]'s `close` calls it).
    ///
    /// # Examples
    /// ```
    /// use baton::process::{Command, Stdio};
    ///
    /// baton::run(async {
    ///     let mut child = Command::new("cat").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn()?;
    ///     let mut stdin = child.stdin.take().unwrap();
    ///     stdin.write_all(b"bye").await?;
    ///     stdin.close()?;
    ///     assert_eq!(stdin.write(b"more").await.unwrap_err().kind(), std::io::ErrorKind::BrokenPipe);
    ///     assert_eq!(child.wait_with_output().await?.stdout, b"bye");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// When `/dev/null` cannot be opened (the descriptor is swapped for it, so that its number
    /// is not reused while the `ChildStdin` still holds it).
    pub fn close(&self) -> io::Result<()> {
        if self.closed.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        let null = File::open("/dev/null")?;
        // SAFETY: both descriptors are open (`null` above, the pipe owned by `self.io`);
        // `dup3` closes the pipe's end and makes the same number name `/dev/null`, which
        // `self.io` goes on owning and closes on drop. The reactor forgets a closed pipe by
        // itself (epoll drops a description once it is closed).
        let r = unsafe { libc::dup3(null.as_raw_fd(), self.io.as_raw_fd(), libc::O_CLOEXEC) };
        if r < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// Wraps the pipe in asyncio's buffered [`StreamWriter`] (`write`, `drain`, `close`).
    ///
    /// # Examples
    /// ```
    /// use baton::process::{Command, Stdio};
    ///
    /// baton::run(async {
    ///     let mut child = Command::new("wc").arg("-l").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn()?;
    ///     let mut w = child.stdin.take().unwrap().into_writer();
    ///     w.writelines([&b"a\n"[..], b"b\n", b"c\n"]);
    ///     w.close().await?; // flushed, then EOF
    ///     let out = child.wait_with_output().await?;
    ///     assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "3");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn into_writer(self) -> StreamWriter<ChildStdin> {
        StreamWriter::new(self)
    }

    fn check_open(&self) -> io::Result<()> {
        if self.closed.load(Ordering::Acquire) {
            Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "the child's stdin was closed",
            ))
        } else {
            Ok(())
        }
    }
}

impl AsyncWrite for ChildStdin {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Transport::poll_write_shared(&*self, cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.check_open()?;
        self.io.poll_write_vectored(cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// Closes the pipe: the child reads EOF.
    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.close())
    }
}

/// What a [`StreamWriter<ChildStdin>`] writes through.
impl WriteTransport for ChildStdin {
    /// A pipe has no address.
    type Addr = ();

    /// A pipe has no peer address: always `Unsupported`.
    fn peer_addr(&self) -> io::Result<()> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "a pipe has no peer address",
        ))
    }
}

impl Transport for ChildStdin {
    fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.check_open()?;
        self.io.try_write(buf)
    }

    fn poll_write_shared(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.check_open()?;
        self.io.poll_write(cx, buf)
    }

    /// Any shutdown closes the pipe (it has one direction).
    fn shutdown(&self, _how: Shutdown) -> io::Result<()> {
        self.close()
    }
}

/// The read side's shells, for `ChildStdout` and `ChildStderr`: `new`, `read`, `read_exact`,
/// `into_reader` and `AsyncRead`. The doc setup spawns a child that prints `hey` there and
/// binds `mut child` and `mut io`, the pipe.
macro_rules! read_pipe {
    ($ty:ident, $std:ty, $setup:literal) => {
        impl $ty {
            #[track_caller]
            pub(super) fn new(pipe: $std) -> io::Result<$ty> {
                Ok($ty {
                    io: register(pipe.into())?,
                })
            }

            /// Reads some bytes into `buf`; `Ok(0)` at EOF (or for an empty `buf`).
            ///
            /// # Examples
            #[doc = concat!("```\n", $setup, "
let mut buf = [0; 16];
let n = io.read(&mut buf).await?;
assert!(n > 0 && b\"hey\".starts_with(&buf[..n]));
child.wait().await?;
# std::io::Result::Ok(())
# })?;
# Ok::<(), std::io::Error>(())
```")]
            ///
            /// # Errors
            /// Any read error.
            ///
            /// # Cancel safety
            /// Cancel safe: no bytes are consumed unless it completes.
            pub fn read<'a>(&'a mut self, buf: &'a mut [u8]) -> Read<'a, Self> {
                Read::new(self, buf)
            }

            /// Reads exactly `buf.len()` bytes.
            ///
            /// # Examples
            #[doc = concat!("```\n", $setup, "
let mut buf = [0; 3];
io.read_exact(&mut buf).await?;
assert_eq!(&buf, b\"hey\");
assert_eq!(io.read(&mut buf).await?, 0); // EOF: the child is done
child.wait().await?;
# std::io::Result::Ok(())
# })?;
# Ok::<(), std::io::Error>(())
```")]
            ///
            /// # Errors
            /// `UnexpectedEof` if the pipe ends first; any read error.
            ///
            /// # Cancel safety
            /// Not cancel safe: bytes already read are lost.
            pub fn read_exact<'a>(&'a mut self, buf: &'a mut [u8]) -> ReadExact<'a, Self> {
                ReadExact::new(self, buf)
            }

            /// Wraps the pipe in asyncio's [`StreamReader`] (`readline`, `readuntil`,
            /// `read_to_end`, …), with its default 64 KiB line limit.
            ///
            /// # Examples
            #[doc = concat!("```\n", $setup, "
let mut reader = io.into_reader();
assert_eq!(reader.read_to_end().await?, b\"hey\");
child.wait().await?;
# std::io::Result::Ok(())
# })?;
# Ok::<(), std::io::Error>(())
```")]
            pub fn into_reader(self) -> StreamReader {
                StreamReader::new(self)
            }
        }

        impl AsyncRead for $ty {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut [u8],
            ) -> Poll<io::Result<usize>> {
                self.io.poll_read(cx, buf)
            }
        }
    };
}

read_pipe!(
    ChildStdout,
    std::process::ChildStdout,
    "use baton::process::{Command, Stdio};
# baton::run(async {
let mut child = Command::new(\"printf\").arg(\"hey\").stdout(Stdio::piped()).spawn()?;
# #[allow(unused_mut)]
let mut io = child.stdout.take().unwrap();"
);

read_pipe!(
    ChildStderr,
    std::process::ChildStderr,
    "use baton::process::{Command, Stdio};
# baton::run(async {
let mut child = Command::new(\"sh\").args([\"-c\", \"printf hey >&2\"]).stderr(Stdio::piped()).spawn()?;
# #[allow(unused_mut)]
let mut io = child.stderr.take().unwrap();"
);

/// Descriptor access, e.g. to read a pipe's size with `fcntl`.
macro_rules! fd_impls {
    ($($ty:ident),*) => {$(
        impl AsRawFd for $ty {
            fn as_raw_fd(&self) -> RawFd {
                self.io.as_raw_fd()
            }
        }

        impl AsFd for $ty {
            fn as_fd(&self) -> BorrowedFd<'_> {
                self.io.as_fd()
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($ty))
                    .field("fd", &self.io.as_raw_fd())
                    .finish()
            }
        }
    )*};
}

fd_impls!(ChildStdin, ChildStdout, ChildStderr);
