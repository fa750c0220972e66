//! Orphans: children whose `Child` was dropped before they exited. They must still be reaped,
//! or each would stay a zombie for the life of the process.
//!
//! A dropped child that still runs goes to one process-wide queue, and a reaper thread,
//! `baton-reaper`, started only while there are such children, takes care of all of them and
//! ends when none is left (the next orphan starts a new one). It waits with `poll(2)` on a
//! wake-up socket and every orphan's pidfd, and reaps each orphan as it exits. Orphans of the
//! `SIGCHLD` fallback have no pidfd: for them the thread holds one `SIGCHLD` listener of its own
//! (`signal::BlockingListener`), whose dup of the signal self-pipe joins the `poll(2)` set, so a
//! child's exit wakes it whether or not a loop runs, and nothing wakes it while they all run.
//! The listener is made before the thread looks at the orphans, so no exit after that look
//! goes unheard. Only if that listener cannot be made (out of descriptors) does the thread fall
//! back to looking every `FALLBACK_SWEEP`.
//!
//! A thread rather than a task on the loop: an orphan may outlive every loop (a loop that
//! closes cancels its tasks, and a `Child` may be dropped with no loop running at all).
//!
//! If the thread cannot be started, the orphans stay queued and every later `spawn` looks at
//! them (`reap_queued`).

use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Wake, Waker};

use super::exit_watcher::ExitWatcher;
use crate::signal::BlockingListener;
use crate::util::lock_static;

/// How often the reaper looks at orphans of the `SIGCHLD` fallback when it could not make its
/// `SIGCHLD` listener, in milliseconds: then the longest such an orphan may stay a zombie.
const FALLBACK_SWEEP: libc::c_int = 100;

/// A child not reaped yet: its process and the watcher of its exit.
pub(super) struct Unreaped {
    pub(super) process: std::process::Child,
    pub(super) watcher: ExitWatcher,
}

/// A child in the reaper's care: its process and, when it has one, its pidfd's watcher. An
/// orphan of the `SIGCHLD` fallback gives up its own listener (its mailbox could hold the
/// waker of a task that no longer waits): the reaper's one listener hears for all of them.
struct Orphan {
    process: std::process::Child,
    pidfd: Option<ExitWatcher>,
}

impl Orphan {
    /// The pidfd to wait on, or `None` for an orphan of the `SIGCHLD` fallback.
    fn pidfd(&self) -> Option<libc::c_int> {
        self.pidfd.as_ref().and_then(ExitWatcher::pidfd)
    }
}

struct Queue {
    /// Orphans the reaper thread has not taken yet.
    new: Vec<Orphan>,
    /// The running reaper's wake-up; `None` while no reaper runs.
    reaper: Option<Arc<WakeUp>>,
}

/// The reaper's wake-up socket; as a waker, one byte into it. Both ends live as long as the
/// last waker, so a late wake writes into a socket that is still open.
struct WakeUp {
    rx: UnixStream,
    tx: UnixStream,
}

static QUEUE: Mutex<Queue> = Mutex::new(Queue {
    new: Vec::new(),
    reaper: None,
});

/// The queue (no user code runs under this lock).
fn queue() -> MutexGuard<'static, Queue> {
    lock_static(&QUEUE)
}

/// `true` while `orphan` runs; reaps it once it has exited (or when it cannot be waited for:
/// `ECHILD`, someone else reaped it).
fn still_running(orphan: &mut Orphan) -> bool {
    matches!(orphan.process.try_wait(), Ok(None))
}

/// Takes care of `child` until it exits.
pub(super) fn adopt(child: Unreaped) {
    let mut orphan = Orphan {
        process: child.process,
        pidfd: match child.watcher {
            watcher @ ExitWatcher::Pidfd(_) => Some(watcher),
            ExitWatcher::Sigchld(_) => None,
        },
    };
    if !still_running(&mut orphan) {
        return;
    }
    let mut queue = queue();
    queue.new.push(orphan);
    if let Some(reaper) = &queue.reaper {
        reaper.wake_by_ref();
        return;
    }
    if let Ok(reaper) = start_reaper() {
        queue.reaper = Some(reaper);
    }
}

/// Reaps the queued orphans that have exited: for when no reaper thread could be started.
pub(super) fn reap_queued() {
    let mut queue = queue();
    if queue.reaper.is_none() && !queue.new.is_empty() {
        queue.new.retain_mut(still_running);
    }
}

/// Starts the reaper thread; returns its wake-up.
fn start_reaper() -> io::Result<Arc<WakeUp>> {
    let (rx, tx) = UnixStream::pair()?;
    rx.set_nonblocking(true)?;
    tx.set_nonblocking(true)?;
    let wake_up = Arc::new(WakeUp { rx, tx });
    let theirs = wake_up.clone();
    std::thread::Builder::new()
        .name("baton-reaper".into())
        .stack_size(64 * 1024)
        .spawn(move || reap_until_none_left(theirs))?;
    Ok(wake_up)
}

/// The reaper thread's body.
fn reap_until_none_left(wake_up: Arc<WakeUp>) {
    let waker = Waker::from(wake_up.clone());
    let mut cx = Context::from_waker(&waker);
    let mut orphans: Vec<Orphan> = Vec::new();
    // Heard by the `SIGCHLD` fallback's orphans, which have no pidfd; `None` while there are
    // none (or it could not be made).
    let mut sigchld: Option<BlockingListener> = None;
    let mut fds: Vec<libc::pollfd> = Vec::new();
    loop {
        orphans.append(&mut queue().new);
        let fallback = orphans.iter().any(|o| o.pidfd().is_none());
        if !fallback {
            sigchld = None;
        } else if sigchld.is_none() {
            sigchld = BlockingListener::new(libc::SIGCHLD).ok();
        }
        // Takes what the listener heard and arms it, before the look below: an exit after that
        // look leaves a byte in its pipe or wakes `waker`.
        if let Some(listener) = &mut sigchld {
            while listener.poll_recv(&mut cx).is_ready() {}
        }
        // Outside the lock: a reaped orphan's watcher deregisters as it goes.
        orphans.retain_mut(still_running);
        if orphans.is_empty() {
            let mut queue = queue();
            if queue.new.is_empty() {
                // Under the lock: an orphan adopted from now on starts a new reaper.
                queue.reaper = None;
                return;
            }
            continue;
        }
        fds.clear();
        fds.extend(
            std::iter::once(wake_up.rx.as_raw_fd())
                .chain(sigchld.as_ref().map(BlockingListener::fd))
                .chain(orphans.iter().filter_map(Orphan::pidfd))
                .map(|fd| libc::pollfd {
                    fd,
                    events: libc::POLLIN,
                    revents: 0,
                }),
        );
        let unheard = fallback && sigchld.is_none();
        let timeout = if unheard { FALLBACK_SWEEP } else { -1 };
        // SAFETY: `fds` is a valid array of `fds.len()` pollfds, each naming a descriptor that
        // `wake_up`, the listener or an orphan's watcher keeps open for the whole call.
        let _ = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout) };
        // `poll` is level-triggered: empty the wake-up socket (an EINTR just loops). The
        // listener's pipe is emptied by its `poll_recv` above.
        let mut buf = [0u8; 64];
        while matches!((&wake_up.rx).read(&mut buf), Ok(n) if n > 0) {}
    }
}

impl Wake for WakeUp {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        // A full socket already holds a wake-up.
        let _ = (&self.tx).write(&[1]);
    }
}
