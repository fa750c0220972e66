//! `ExitWatcher`: how the loop learns that a child has exited.
//!
//! Either way the news is confirmed by reaping: `waitpid` with `WNOHANG` (through
//! `std::process::Child::try_wait`), so a spurious wake costs one syscall, and the watcher is
//! in place before the first look, so no exit is missed. A pidfd is looked at only once the
//! reactor reports it readable (tokio's order): right after a spawn the child is still
//! starting, and a first look then would cost a `waitpid` for nothing.
//!
//! - `Pidfd`: `pidfd_open(2)` on the child (Linux 5.3+): readable when that child exits.
//! - `Sigchld`: where `pidfd_open` is missing (`ENOSYS`) or refused (`EPERM`, a seccomp
//!   filter), or forced by `BATON_NO_PIDFD=1`: a `SIGCHLD` listener of `baton::signal`
//!   (`sigchld.rs`), woken after any child exits; each waiter then looks at its own child.

use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::process::ExitStatus;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;
use std::task::{Context, Poll};

use super::sigchld::SigchldWatch;
use crate::io::evented::Evented;
use crate::runtime::driver::reactor::{Direction, Initially};

/// Watches one child's exit: through the reactor of the loop that spawned it (a pidfd), or
/// through `baton::signal`'s `SIGCHLD` listeners.
pub(crate) enum ExitWatcher {
    /// The child's pidfd, registered with the reactor: readable once it has exited.
    Pidfd(Evented<File>),
    /// A listener woken after every `SIGCHLD`.
    Sigchld(SigchldWatch),
}

/// Set once `pidfd_open` said it is not available here: later spawns skip the syscall.
static PIDFD_MISSING: AtomicBool = AtomicBool::new(false);

/// `BATON_NO_PIDFD=1` forces the `SIGCHLD` path (to test it on kernels that have pidfds);
/// read once per process.
fn pidfd_forced_off() -> bool {
    static FORCED: OnceLock<bool> = OnceLock::new();
    *FORCED.get_or_init(|| std::env::var_os("BATON_NO_PIDFD").is_some_and(|v| v == "1"))
}

impl ExitWatcher {
    /// Starts watching the child `pid`, which this process has not reaped yet.
    ///
    /// # Errors
    /// When no pidfd can be made or registered (`EMFILE`, the loop closed), or the `SIGCHLD`
    /// handler cannot be set up.
    ///
    /// # Panics
    /// Outside a running event loop, with pidfds.
    #[track_caller]
    pub(crate) fn new(pid: u32) -> io::Result<ExitWatcher> {
        if !pidfd_forced_off() && !PIDFD_MISSING.load(Ordering::Relaxed) {
            match pidfd_open(pid) {
                // Not ready until the reactor says so: a child spawned this instant is still
                // starting, and a look now would be a wasted `waitpid`. One that exits before
                // (or while) it is registered is reported by `epoll_ctl` itself, as readable.
                Ok(fd) => {
                    return Ok(ExitWatcher::Pidfd(Evented::new(
                        File::from(fd),
                        Initially::NotReady,
                    )?))
                }
                Err(e) if matches!(e.raw_os_error(), Some(libc::ENOSYS | libc::EPERM)) => {
                    PIDFD_MISSING.store(true, Ordering::Relaxed);
                }
                Err(e) => return Err(e),
            }
        }
        Ok(ExitWatcher::Sigchld(SigchldWatch::new()?))
    }

    /// Ready with the child's status once it has exited and been reaped; otherwise waits for
    /// the pidfd to become readable, or for the next `SIGCHLD`.
    ///
    /// # Errors
    /// `waitpid`'s, or the reactor's when the pidfd cannot be registered with the running
    /// loop.
    pub(crate) fn poll_exit(
        &mut self,
        cx: &mut Context<'_>,
        child: &mut std::process::Child,
    ) -> Poll<io::Result<ExitStatus>> {
        match self {
            ExitWatcher::Pidfd(io) => {
                // Awaited on another loop than the one that spawned the child (which may be
                // closed, or not running): the pidfd moves to this one, and the first look
                // reaps a child that exited meanwhile.
                io.follow_running_loop(Initially::Ready)?;
                io.poll_io(cx, Direction::Read, |_| match child.try_wait()? {
                    Some(status) => Ok(status),
                    None => Err(io::ErrorKind::WouldBlock.into()),
                })
            }
            ExitWatcher::Sigchld(watch) => watch.poll_exit(cx, child),
        }
    }

    /// The pidfd, for a watcher waited on outside the reactor (the orphan reaper's `poll(2)`).
    pub(crate) fn pidfd(&self) -> Option<RawFd> {
        match self {
            ExitWatcher::Pidfd(io) => Some(io.as_raw_fd()),
            ExitWatcher::Sigchld(_) => None,
        }
    }
}

/// `pidfd_open(2)`: a descriptor for the process `pid` (close-on-exec, as always for pidfds).
fn pidfd_open(pid: u32) -> io::Result<OwnedFd> {
    let pid =
        libc::pid_t::try_from(pid).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    // SAFETY: pidfd_open takes two integers and touches no memory of ours.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the kernel just returned this descriptor to us, open and owned by no one else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}
