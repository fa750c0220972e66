//! `Async<T>`: any descriptor on the loop's reactor — asyncio's `add_reader`/`add_writer` in
//! Rust form, shaped like smol's `async_io::Async`.

use std::fmt;
use std::future::Future;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::future::FusedFuture;
use futures_io::{AsyncRead, AsyncWrite};

use super::evented::Evented;
use super::readiness::Readiness;
use crate::runtime::driver::reactor::{Direction, Initially, Waiter};

/// A descriptor — a pipe, an eventfd, a tty, a socket baton has no type for — made
/// non-blocking and registered with the running loop's reactor, so tasks can wait until it is
/// readable or writable (asyncio's `loop.add_reader`/`add_writer`, as a value rather than a
/// callback).
///
/// Do the I/O through [`read_with`](Async::read_with) / [`write_with`](Async::write_with):
/// they run the operation, and on `WouldBlock` mark the descriptor not ready and wait for the
/// reactor's next event. `Async<T>` implements `futures_io::AsyncRead`/`AsyncWrite` when `T`
/// (or `&T`) implements `Read`/`Write`.
///
/// It is `Send`/`Sync` when `T` is, so `Send` tasks of a multi-core
/// [`Runtime`](crate::Runtime) may use it; as for sockets, readiness comes from the loop that
/// registered it (see [`net`](crate::net)). Dropping it deregisters the descriptor, then drops
/// `T` (which closes it, for an owning type).
///
/// # Examples
/// ```
/// use std::io::{Read, Write};
/// use std::os::unix::net::UnixStream;
/// use baton::io::Async;
///
/// baton::run(async {
///     let (a, b) = UnixStream::pair()?;
///     let (a, b) = (Async::new(a)?, Async::new(b)?);
///     a.write_with(|mut s| s.write(b"hi")).await?;
///     let mut buf = [0; 2];
///     let n = b.read_with(|mut s| s.read(&mut buf)).await?; // waits until readable
///     assert_eq!(&buf[..n], b"hi");
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Async<T: AsFd> {
    io: Evented<ByFd<T>>,
}

// `T` is never pinned through an `Async` (as smol's `Async`): the I/O impls take it by `&mut`.
impl<T: AsFd> Unpin for Async<T> {}

/// `T` seen through `AsFd`, as `Evented` wants `AsRawFd`.
struct ByFd<T>(T);

impl<T: AsFd> AsRawFd for ByFd<T> {
    fn as_raw_fd(&self) -> RawFd {
        self.0.as_fd().as_raw_fd()
    }
}

impl<T: AsFd> Async<T> {
    /// Puts `io`'s descriptor in non-blocking mode and registers it with the running loop's
    /// reactor. The first readiness comes from the reactor (it reports a descriptor that is
    /// ready already), so [`readable`](Async::readable) on an empty pipe waits.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    ///     let a = baton::io::Async::new(a)?;
    ///     # drop(a);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// When `fcntl(2)` fails, or the reactor refuses the descriptor: `EPERM` for a regular
    /// file, which epoll cannot watch (it is always ready: read it with
    /// [`to_thread`](crate::task::to_thread) or plainly).
    ///
    /// # Panics
    /// Outside a running event loop.
    #[track_caller]
    pub fn new(io: T) -> io::Result<Async<T>> {
        set_nonblocking(io.as_fd())?;
        Ok(Async {
            io: Evented::new(ByFd(io), Initially::NotReady)?,
        })
    }

    /// The object inside.
    ///
    /// # Examples
    /// ```
    /// use std::os::fd::AsRawFd;
    ///
    /// baton::run(async {
    ///     let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    ///     let fd = a.as_raw_fd();
    ///     let a = baton::io::Async::new(a)?;
    ///     assert_eq!(a.get_ref().as_raw_fd(), fd);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn get_ref(&self) -> &T {
        &self.io.get_ref().0
    }

    /// The object inside, mutably.
    ///
    /// # Examples
    /// ```
    /// use std::io::Write;
    ///
    /// baton::run(async {
    ///     let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    ///     let mut a = baton::io::Async::new(a)?;
    ///     // SAFETY: the stream is written to, not replaced.
    ///     unsafe { a.get_mut() }.write_all(b"x")?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Safety
    /// The descriptor must stay the one registered: do not replace `T` (say with
    /// `std::mem::swap`) or close its descriptor through it. The registration keeps the
    /// descriptor's number; if another file took that number, dropping this `Async` would
    /// deregister that file from the reactor (I/O safety, as smol's `Async::get_mut`).
    /// Reading or writing through the reference is fine, but a `WouldBlock` met there does not
    /// mark the descriptor not ready (see [`Readiness`]).
    pub unsafe fn get_mut(&mut self) -> &mut T {
        &mut self.io.get_mut().0
    }

    /// Deregisters the descriptor and gives the object back, still non-blocking.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    ///     let a = baton::io::Async::new(a)?;
    ///     let std_stream: std::os::unix::net::UnixStream = a.into_inner();
    ///     std_stream.set_nonblocking(false)?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn into_inner(self) -> T {
        self.io.into_inner().0
    }

    /// Ready once the descriptor may be read without blocking (asyncio's `add_reader`, as a
    /// future). A hint: see [`Readiness`].
    ///
    /// # Examples
    /// ```
    /// use std::io::Write;
    ///
    /// baton::run(async {
    ///     let (mut a, b) = std::os::unix::net::UnixStream::pair()?;
    ///     let b = baton::io::Async::new(b)?;
    ///     a.write_all(b"x")?;
    ///     b.readable().await?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// When the loop the descriptor was registered with has closed.
    ///
    /// # Cancel safety
    /// Cancel safe.
    pub fn readable(&self) -> Readiness<'_> {
        self.io.readiness(Direction::Read)
    }

    /// Ready once the descriptor may be written without blocking (asyncio's `add_writer`, as
    /// a future). A hint: see [`Readiness`].
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    ///     let a = baton::io::Async::new(a)?;
    ///     a.writable().await?; // an empty socket buffer takes bytes
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// When the loop the descriptor was registered with has closed.
    ///
    /// # Cancel safety
    /// Cancel safe.
    pub fn writable(&self) -> Readiness<'_> {
        self.io.readiness(Direction::Write)
    }

    /// Runs the read-side operation `op` on the object until it does not return `WouldBlock`:
    /// after each `WouldBlock` the descriptor is marked not readable and the future waits for
    /// the reactor's next event. Several tasks may wait at once; each is woken.
    ///
    /// # Examples
    /// ```
    /// use std::io::{Read, Write};
    ///
    /// baton::run(async {
    ///     let (mut a, b) = std::os::unix::net::UnixStream::pair()?;
    ///     let b = baton::io::Async::new(b)?;
    ///     a.write_all(b"abc")?;
    ///     let mut buf = [0; 8];
    ///     let n = b.read_with(|mut s| s.read(&mut buf)).await?;
    ///     assert_eq!(&buf[..n], b"abc");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// `op`'s errors other than `WouldBlock`; the closed-loop error.
    ///
    /// # Cancel safety
    /// Cancel safe when `op` is: it is dropped between calls, never inside one.
    pub fn read_with<R, F>(&self, op: F) -> IoWith<'_, T, F>
    where
        F: FnMut(&T) -> io::Result<R>,
    {
        IoWith::new(self, Direction::Read, op)
    }

    /// Runs the write-side operation `op` on the object until it does not return
    /// `WouldBlock`, as [`read_with`](Async::read_with) for writability.
    ///
    /// # Examples
    /// ```
    /// use std::io::{Read, Write};
    ///
    /// baton::run(async {
    ///     let (mut a, b) = std::os::unix::net::UnixStream::pair()?;
    ///     let b = baton::io::Async::new(b)?;
    ///     let n = b.write_with(|mut s| s.write(b"abc")).await?;
    ///     let mut buf = [0; 3];
    ///     a.read_exact(&mut buf[..n])?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// `op`'s errors other than `WouldBlock`; the closed-loop error.
    ///
    /// # Cancel safety
    /// Cancel safe when `op` is.
    pub fn write_with<R, F>(&self, op: F) -> IoWith<'_, T, F>
    where
        F: FnMut(&T) -> io::Result<R>,
    {
        IoWith::new(self, Direction::Write, op)
    }

    /// Polls a read-side operation through the direction's single poll waker, for the
    /// `futures_io` impls (one reader at a time, as `poll_read`'s contract).
    fn poll_with_mut<R>(
        &mut self,
        cx: &mut Context<'_>,
        dir: Direction,
        mut op: impl FnMut(&mut T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.io.poll_io_mut(cx, dir, |io| op(&mut io.0))
    }
}

/// The future of [`Async::read_with`] and [`Async::write_with`]: runs the operation until it
/// does not return `WouldBlock`.
///
/// # Examples
/// ```
/// use std::io::Write;
///
/// baton::run(async {
///     let (a, _b) = std::os::unix::net::UnixStream::pair()?;
///     let a = baton::io::Async::new(a)?;
///     let write = a.write_with(|mut s| s.write(b"x")); // an `IoWith`
///     assert_eq!(write.await?, 1);
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Cancel safety
/// Cancel safe when its operation is.
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct IoWith<'a, T: AsFd, F> {
    io: &'a Async<T>,
    waiter: Waiter<'a>,
    op: F,
}

impl<'a, T: AsFd, F> IoWith<'a, T, F> {
    fn new(io: &'a Async<T>, dir: Direction, op: F) -> Self {
        IoWith {
            io,
            waiter: io.io.waiter(dir),
            op,
        }
    }
}

// Nothing in it is pinned: `op` is called through `&mut`, never held across a move.
impl<T: AsFd, F> Unpin for IoWith<'_, T, F> {}

impl<T: AsFd, R, F: FnMut(&T) -> io::Result<R>> Future for IoWith<'_, T, F> {
    type Output = io::Result<R>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<R>> {
        let this = self.get_mut();
        let (io, op) = (this.io, &mut this.op);
        let done = this.waiter.poll_io(cx, || op(io.get_ref()));
        this.waiter.returning(done)
    }
}

/// Terminated once its operation returned something other than `WouldBlock`.
impl<T: AsFd, R, F: FnMut(&T) -> io::Result<R>> FusedFuture for IoWith<'_, T, F> {
    fn is_terminated(&self) -> bool {
        self.waiter.has_returned()
    }
}

impl<T: AsFd, F> fmt::Debug for IoWith<'_, T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IoWith")
            .field("waiter", &self.waiter)
            .finish_non_exhaustive()
    }
}

impl<T: AsFd + Read> AsyncRead for Async<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut()
            .poll_with_mut(cx, Direction::Read, |io| io.read(buf))
    }
}

impl<T: AsFd + Write> AsyncWrite for Async<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut()
            .poll_with_mut(cx, Direction::Write, |io| io.write(buf))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        // Most objects buffer nothing: flushing them needs no writability.
        match this.io.get_mut().0.flush() {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                this.poll_with_mut(cx, Direction::Write, |io| io.flush())
            }
            done => Poll::Ready(done),
        }
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush(cx)
    }
}

impl<T: AsFd> AsyncRead for &Async<T>
where
    for<'a> &'a T: Read,
{
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.io.poll_io(cx, Direction::Read, |io| (&io.0).read(buf))
    }
}

impl<T: AsFd> AsyncWrite for &Async<T>
where
    for<'a> &'a T: Write,
{
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.io
            .poll_io(cx, Direction::Write, |io| (&io.0).write(buf))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // Most objects buffer nothing: flushing them needs no writability.
        let mut io: &T = Async::get_ref(*self);
        match io.flush() {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                self.io.poll_io(cx, Direction::Write, |io| (&io.0).flush())
            }
            done => Poll::Ready(done),
        }
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush(cx)
    }
}

impl<T: AsFd> AsFd for Async<T> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.get_ref().as_fd()
    }
}

impl<T: AsFd> AsRawFd for Async<T> {
    fn as_raw_fd(&self) -> RawFd {
        self.get_ref().as_fd().as_raw_fd()
    }
}

impl<T: AsFd + fmt::Debug> fmt::Debug for Async<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Async").field(self.get_ref()).finish()
    }
}

/// Sets `O_NONBLOCK` on `fd` (any descriptor, not only sockets).
fn set_nonblocking(fd: BorrowedFd<'_>) -> io::Result<()> {
    let fd = fd.as_raw_fd();
    // SAFETY: `F_GETFL` takes no argument and only reads the flags of `fd`, which is open for
    // the call (it is borrowed).
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if flags < 0 {
        return Err(io::Error::last_os_error());
    }
    if flags & libc::O_NONBLOCK == 0 {
        // SAFETY: as above; `F_SETFL` takes an `int` of flags, here the old ones plus
        // `O_NONBLOCK`.
        if unsafe { libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK) } < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}
