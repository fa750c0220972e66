//! `Evented<T>`: a non-blocking descriptor paired with its reactor registration.

use std::fmt;
use std::io::{self, IoSlice, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::task::{Context, Poll};

use socket2::SockRef;

use super::readiness::Readiness;
use crate::runtime::context;
use crate::runtime::driver::reactor::{Direction, Initially, Registration, Waiter};

/// A non-blocking I/O object registered with the running loop's reactor.
///
/// The registration is declared first, so it is dropped (deregistered) before `io` closes the
/// descriptor.
pub(crate) struct Evented<T: AsRawFd> {
    reg: Registration,
    io: T,
}

impl<T: AsRawFd> Evented<T> {
    /// Registers `io`, which must already be in non-blocking mode.
    ///
    /// # Errors
    /// When the OS refuses the registration.
    ///
    /// # Panics
    /// Outside a running event loop.
    #[track_caller]
    pub(crate) fn new(io: T, initially: Initially) -> io::Result<Evented<T>> {
        let driver = context::with(|lp| lp.registrations());
        let reg = Registration::new(driver, io.as_raw_fd(), initially)?;
        Ok(Evented { reg, io })
    }

    /// Registers a socket handed over by std code (a `from_std`): made non-blocking first,
    /// and taken as ready in both directions until an operation says otherwise.
    ///
    /// # Errors
    /// When the socket cannot be made non-blocking, or the OS refuses the registration.
    ///
    /// # Panics
    /// Outside a running event loop.
    #[track_caller]
    pub(crate) fn from_std(io: T) -> io::Result<Evented<T>>
    where
        T: AsFd,
    {
        SockRef::from(&io).set_nonblocking(true)?;
        Evented::new(io, Initially::Ready)
    }

    /// Moves the registration to the reactor of the loop running on this thread, unless it is
    /// there already or no loop runs here; `initially` is the readiness it starts with there
    /// (events the old loop took are not carried over). The new registration is made before the
    /// old one goes, so on an error the descriptor stays registered where it was.
    ///
    /// # Errors
    /// When the OS refuses the registration, or the running loop is closing.
    pub(crate) fn follow_running_loop(&mut self, initially: Initially) -> io::Result<()> {
        let Some(here) = context::try_with(|lp| lp.map(|lp| lp.registrations())) else {
            return Ok(());
        };
        if self.reg.is_in(&here) {
            return Ok(());
        }
        self.reg = Registration::new(here, self.io.as_raw_fd(), initially)?;
        Ok(())
    }

    pub(crate) fn get_ref(&self) -> &T {
        &self.io
    }

    /// The object, mutably: the caller must not replace it (the registration keeps its
    /// descriptor).
    pub(crate) fn get_mut(&mut self) -> &mut T {
        &mut self.io
    }

    /// The object itself, its registration dropped (deregistered) first.
    pub(crate) fn into_inner(self) -> T {
        let Evented { reg, io } = self;
        drop(reg);
        io
    }

    /// A future ready once `dir` is (see [`Readiness`]), with a waiter of its own.
    pub(crate) fn readiness(&self, dir: Direction) -> Readiness<'_> {
        Readiness::new(self.reg.waiter(dir))
    }

    /// Runs `op` now if `dir` may be ready, without waiting; a `WouldBlock` clears it.
    ///
    /// # Errors
    /// `op`'s; `WouldBlock` when `dir` is not known to be ready; the closed-loop error.
    pub(crate) fn try_io<R>(
        &self,
        dir: Direction,
        op: impl FnOnce(&T) -> io::Result<R>,
    ) -> io::Result<R> {
        self.reg.try_io(dir, || op(&self.io))
    }

    /// As [`poll_io`](Self::poll_io), for an operation that needs the object mutably.
    #[track_caller]
    pub(crate) fn poll_io_mut<R>(
        &mut self,
        cx: &mut Context<'_>,
        dir: Direction,
        mut op: impl FnMut(&mut T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        let io = &mut self.io;
        self.reg.poll_io(cx, dir, || op(io))
    }

    /// A waiter for `dir` with a place of its own, for the future of a `&self` method that
    /// several tasks may await at once (the reactor's waiter list).
    pub(crate) fn waiter(&self, dir: Direction) -> Waiter<'_> {
        self.reg.waiter(dir)
    }

    /// Runs `op` on the object once `dir` is ready, until it stops returning `WouldBlock`.
    #[track_caller]
    pub(crate) fn poll_io<R>(
        &self,
        cx: &mut Context<'_>,
        dir: Direction,
        mut op: impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.reg.poll_io(cx, dir, || op(&self.io))
    }
}

impl<T: AsRawFd> Evented<T>
where
    for<'a> &'a T: Read + Write,
{
    /// Reads into `buf`; a short read marks the socket drained.
    pub(crate) fn poll_read(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_transfer(cx, Direction::Read, buf.len(), |mut io| io.read(buf))
    }

    /// Reads into possibly uninitialised memory (hyper's read buffers) with `read(2)`, which
    /// only writes; returns how many bytes are now initialised. Short reads count as above.
    #[cfg(any(feature = "hyper", feature = "tokio-io"))]
    pub(crate) fn poll_read_uninit(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [std::mem::MaybeUninit<u8>],
    ) -> Poll<io::Result<usize>> {
        let len = buf.len();
        let fd = self.io.as_raw_fd();
        self.poll_transfer(cx, Direction::Read, len, |_| {
            // SAFETY: `buf` is valid for writes of `len` bytes for the whole call, and
            // `read(2)` writes at most `len` bytes into it; `fd` is open (we own it).
            let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), len) };
            if n < 0 {
                Err(io::Error::last_os_error())
            } else {
                Ok(n as usize)
            }
        })
    }

    /// Writes from `buf`; a short write marks the socket full.
    pub(crate) fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.poll_transfer(cx, Direction::Write, buf.len(), |mut io| io.write(buf))
    }

    /// Writes from `bufs` with one `writev`; a short write marks the socket full.
    pub(crate) fn poll_write_vectored(
        &self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let len = bufs.iter().map(|b| b.len()).sum();
        self.poll_transfer(cx, Direction::Write, len, |mut io| io.write_vectored(bufs))
    }

    /// Writes what the socket takes right now, without waiting: `WouldBlock` when it is full
    /// (or not known to be writable).
    pub(crate) fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.reg.try_io(Direction::Write, || (&self.io).write(buf))
    }

    /// `op` moves up to `asked` bytes in `dir` once the socket is ready; a short transfer
    /// proves the kernel buffer drained (or full): the reactor's rule 5.
    #[inline]
    fn poll_transfer(
        &self,
        cx: &mut Context<'_>,
        dir: Direction,
        asked: usize,
        mut op: impl FnMut(&T) -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        self.reg.poll_transfer(cx, dir, asked, || op(&self.io))
    }
}

impl<T: AsRawFd> AsRawFd for Evented<T> {
    fn as_raw_fd(&self) -> RawFd {
        self.io.as_raw_fd()
    }
}

impl<T: AsRawFd + AsFd> AsFd for Evented<T> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.as_fd()
    }
}

impl<T: AsRawFd + fmt::Debug> fmt::Debug for Evented<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.io.fmt(f)
    }
}
