//! The `SIGCHLD` fallback: how a child's exit is seen where pidfds are not available (see
//! `exit_watcher.rs`).
//!
//! One per process, made on first use: a `SIGCHLD` handler that writes a byte into a
//! self-pipe (`write(2)` is async-signal-safe) and then calls the handler that was installed
//! before, if any, so code that watched `SIGCHLD` first keeps seeing it; and one thread,
//! `baton-sigchld`, the pipe's only reader. A `SIGCHLD` says that *some* child exited, so on
//! each one the thread bumps a generation number and wakes every waiting child, whose
//! `poll_exit` then looks at its own status, and reaps the dropped children (orphans) that have
//! exited. One reader, because a byte read by one consumer is an event the others never see.
//!
//! A waiter reads the generation, looks at its child, and stores its waker only if the
//! generation is unchanged, under the lock the thread takes to collect wakers after bumping
//! it: an exit after the look is always followed by a wake.

use std::io::{self, Read};
use std::mem::MaybeUninit;
use std::os::fd::IntoRawFd;
use std::os::unix::net::UnixStream;
use std::process::ExitStatus;
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::task::{Context, Poll, Waker};

use slab::Slab;

use super::orphan::{still_running, Unreaped};
use crate::util::lock_static;

/// The write end's descriptor, for the handler (an atomic: readable from a signal handler).
static WRITE_FD: AtomicI32 = AtomicI32::new(-1);

/// The handler that was installed before ours, called after ours.
static PREVIOUS: OnceLock<libc::sigaction> = OnceLock::new();

/// Whether the handler and the thread are in place; the error is kept as its kind and text
/// (an `io::Error` is not `Clone`).
static INSTALLED: OnceLock<Result<(), (io::ErrorKind, String)>> = OnceLock::new();

/// `SIGCHLD`s the thread has handled.
static GENERATION: AtomicU64 = AtomicU64::new(0);

/// The wakers of the children being waited for, one slot per watcher.
static WAITERS: Mutex<Slab<Option<Waker>>> = Mutex::new(Slab::new());

/// Dropped children still running, reaped by the thread.
static ORPHANS: Mutex<Vec<Unreaped>> = Mutex::new(Vec::new());

/// One child's place among the waiters.
pub(crate) struct SigchldWatch {
    key: usize,
}

impl SigchldWatch {
    /// A place among the waiters, installing the handler and the thread on first use.
    ///
    /// # Errors
    /// When the handler or the thread cannot be set up.
    pub(super) fn new() -> io::Result<SigchldWatch> {
        INSTALLED
            .get_or_init(|| install().map_err(|e| (e.kind(), e.to_string())))
            .as_ref()
            .map_err(|(kind, text)| io::Error::new(*kind, text.clone()))?;
        let key = lock_static(&WAITERS).insert(None);
        Ok(SigchldWatch { key })
    }

    /// Ready once `child` has exited (reaping it); otherwise its waker waits for the next
    /// `SIGCHLD` the thread handles.
    pub(super) fn poll_exit(
        &self,
        cx: &mut Context<'_>,
        child: &mut std::process::Child,
    ) -> Poll<io::Result<ExitStatus>> {
        loop {
            let seen = GENERATION.load(Ordering::Acquire);
            if let Some(status) = child.try_wait()? {
                return Poll::Ready(Ok(status));
            }
            let replaced = {
                let mut waiters = lock_static(&WAITERS);
                if GENERATION.load(Ordering::Acquire) != seen {
                    continue; // a SIGCHLD since the look: look again
                }
                waiters[self.key].replace(cx.waker().clone())
            };
            drop(replaced); // after the lock
            return Poll::Pending;
        }
    }
}

impl Drop for SigchldWatch {
    fn drop(&mut self) {
        let waker = lock_static(&WAITERS).remove(self.key);
        drop(waker); // after the lock
    }
}

/// Takes care of a dropped child that still runs: the thread reaps it after its `SIGCHLD`.
pub(super) fn adopt(orphan: Unreaped) {
    let mut orphans = lock_static(&ORPHANS);
    orphans.push(orphan);
    // Looked at after it is queued: an exit before this look is seen here, one after it by
    // the thread's next sweep.
    orphans.retain_mut(still_running);
}

fn install() -> io::Result<()> {
    let (read, write) = UnixStream::pair()?;
    write.set_nonblocking(true)?;
    std::thread::Builder::new()
        .name("baton-sigchld".into())
        .stack_size(64 * 1024)
        .spawn(move || dispatch(read))?;
    // The write end stays open for the life of the process: the handler writes to it.
    WRITE_FD.store(write.into_raw_fd(), Ordering::Release);

    // The previous action is read first and kept where the handler finds it, so no signal
    // arrives between ours being installed and the previous one being known.
    let mut previous = MaybeUninit::<libc::sigaction>::zeroed();
    // SAFETY: a null new action only reads the current one into `previous`, writable memory.
    if unsafe { libc::sigaction(libc::SIGCHLD, std::ptr::null(), previous.as_mut_ptr()) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `sigaction` succeeded, so it wrote the current action into `previous`.
    let _ = PREVIOUS.set(unsafe { previous.assume_init() });
    // SAFETY: an all-zero `sigaction` is a valid value (handler SIG_DFL, empty mask, no
    // flags), which the fields set below complete.
    let mut action: libc::sigaction = unsafe { MaybeUninit::zeroed().assume_init() };
    action.sa_sigaction = on_sigchld as *const () as usize;
    action.sa_flags = libc::SA_SIGINFO | libc::SA_RESTART | libc::SA_NOCLDSTOP;
    // SAFETY: `action` is a valid, initialised sigaction whose handler only does
    // async-signal-safe things; the old action is not asked for.
    if unsafe { libc::sigaction(libc::SIGCHLD, &action, std::ptr::null_mut()) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// The `baton-sigchld` thread: for each wake-up of the pipe, a new generation, every waiter
/// woken, the exited orphans reaped.
fn dispatch(mut pipe: UnixStream) {
    let mut buf = [0u8; 256];
    let mut woken = Vec::new();
    loop {
        match pipe.read(&mut buf) {
            Ok(0) => return, // cannot happen: the write end is never closed
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => return,
        }
        GENERATION.fetch_add(1, Ordering::AcqRel);
        woken.extend(
            lock_static(&WAITERS)
                .iter_mut()
                .filter_map(|(_, waker)| waker.take()),
        );
        crate::panic::wake_all(&mut woken); // after the lock
                                            // A reaped orphan's watcher takes the waiters' lock as it goes: the order is always
                                            // orphans, then waiters.
        lock_static(&ORPHANS).retain_mut(still_running);
    }
}

/// The `SIGCHLD` handler: one byte into the pipe (a full pipe already says "look"), then the
/// previous handler.
extern "C" fn on_sigchld(sig: libc::c_int, info: *mut libc::siginfo_t, context: *mut libc::c_void) {
    // SAFETY: `__errno_location` returns this thread's errno, saved here and restored below so
    // the interrupted code does not see our `write`'s.
    let saved_errno = unsafe { *libc::__errno_location() };
    let fd = WRITE_FD.load(Ordering::Acquire);
    if fd >= 0 {
        let byte = 1u8;
        // SAFETY: `fd` is the pipe's write end, open for the life of the process; one byte
        // from a local; `write(2)` is async-signal-safe.
        unsafe { libc::write(fd, (&byte as *const u8).cast(), 1) };
    }
    if let Some(previous) = PREVIOUS.get() {
        let handler = previous.sa_sigaction;
        if handler != libc::SIG_DFL && handler != libc::SIG_IGN {
            if previous.sa_flags & libc::SA_SIGINFO != 0 {
                // SAFETY: with SA_SIGINFO the previous handler was installed with this
                // three-argument signature; we pass on what the kernel gave us.
                let f: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
                    unsafe { std::mem::transmute(handler) };
                f(sig, info, context);
            } else {
                // SAFETY: without SA_SIGINFO the previous handler takes the signal number.
                let f: extern "C" fn(libc::c_int) = unsafe { std::mem::transmute(handler) };
                f(sig);
            }
        }
    }
    // SAFETY: as above.
    unsafe { *libc::__errno_location() = saved_errno };
}
