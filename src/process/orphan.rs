//! Orphans: children whose `Child` was dropped before they exited. They must still be reaped,
//! or each would stay a zombie for the life of the process.
//!
//! With pidfds, a dropped child goes to one process-wide queue, and a reaper thread waits on
//! all of them at once with `poll(2)` (on each child's pidfd, plus a socket that says "a new
//! orphan came"), reaps each as it exits, and ends when none is left; the next orphan starts a
//! new one. In the `SIGCHLD` fallback the `baton-sigchld` thread, which sees every exit
//! anyway, reaps them (`sigchld::adopt`).
//!
//! A thread rather than a task on the loop: an orphan may outlive every loop (a loop that
//! closes cancels its tasks, and a `Child` may be dropped with no loop running at all), and
//! the thread exists only while some dropped child is still running.
//!
//! If the thread cannot be started, the orphans stay queued and every later `spawn` looks at
//! them (`reap_queued`).

use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::sync::{Mutex, MutexGuard};

use super::exit_watcher::ExitWatcher;
use super::sigchld;
use crate::util::lock_static;

/// A child not reaped yet: its process and the watcher of its exit.
pub(super) struct Unreaped {
    pub(super) process: std::process::Child,
    pub(super) watcher: ExitWatcher,
}

struct Queue {
    /// Orphans the reaper thread has not taken yet.
    new: Vec<Unreaped>,
    /// The write end of the running reaper's wake-up socket; `None` while no reaper runs.
    wake: Option<UnixStream>,
}

static QUEUE: Mutex<Queue> = Mutex::new(Queue {
    new: Vec::new(),
    wake: None,
});

/// The queue (no user code runs under this lock).
fn queue() -> MutexGuard<'static, Queue> {
    lock_static(&QUEUE)
}

/// `true` while `orphan` runs; reaps it once it has exited (or when it cannot be waited for:
/// `ECHILD`, someone else reaped it).
pub(super) fn still_running(orphan: &mut Unreaped) -> bool {
    matches!(orphan.process.try_wait(), Ok(None))
}

/// Takes care of `orphan` until it exits.
pub(super) fn adopt(mut orphan: Unreaped) {
    if !still_running(&mut orphan) {
        return;
    }
    if orphan.watcher.pidfd().is_none() {
        return sigchld::adopt(orphan);
    }
    let mut queue = queue();
    queue.new.push(orphan);
    if let Some(wake) = &queue.wake {
        // A full socket already holds a wake-up.
        let _ = (&*wake).write(&[1]);
        return;
    }
    if let Ok(wake) = start_reaper() {
        queue.wake = Some(wake);
    }
}

/// Reaps the queued orphans that have exited: for when no reaper thread could be started.
pub(super) fn reap_queued() {
    let mut queue = queue();
    if queue.wake.is_none() && !queue.new.is_empty() {
        queue.new.retain_mut(still_running);
    }
}

/// Starts the reaper thread; returns the write end of its wake-up socket.
fn start_reaper() -> io::Result<UnixStream> {
    let (wake_rx, wake_tx) = UnixStream::pair()?;
    wake_rx.set_nonblocking(true)?;
    wake_tx.set_nonblocking(true)?;
    std::thread::Builder::new()
        .name("baton-reaper".into())
        .stack_size(64 * 1024)
        .spawn(move || reap_until_none_left(wake_rx))?;
    Ok(wake_tx)
}

/// The reaper thread's body.
fn reap_until_none_left(wake: UnixStream) {
    let mut orphans: Vec<Unreaped> = Vec::new();
    let mut fds: Vec<libc::pollfd> = Vec::new();
    loop {
        {
            let mut queue = queue();
            orphans.append(&mut queue.new);
            orphans.retain_mut(still_running);
            if orphans.is_empty() {
                // Under the lock: an orphan adopted from now on starts a new reaper.
                queue.wake = None;
                return;
            }
        }
        fds.clear();
        fds.extend(
            std::iter::once(wake.as_raw_fd())
                .chain(orphans.iter().filter_map(|o| o.watcher.pidfd()))
                .map(|fd| libc::pollfd {
                    fd,
                    events: libc::POLLIN,
                    revents: 0,
                }),
        );
        // SAFETY: `fds` is a valid array of `fds.len()` pollfds, each naming a descriptor that
        // `wake` or an orphan's watcher keeps open for the whole call.
        let _ = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, -1) };
        // `poll` is level-triggered: empty the wake-up socket (an EINTR just loops).
        let mut buf = [0u8; 64];
        while matches!((&wake).read(&mut buf), Ok(n) if n > 0) {}
    }
}
