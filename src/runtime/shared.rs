//! The part of a loop that other threads may touch: the remote queue and the unparker.

use std::mem;
use std::sync::atomic::{AtomicBool, Ordering};

use super::context;
use crate::loom::{Arc, Mutex};
use crate::runtime::driver::reactor::Unparker;
use crate::runtime::driver::TimerKey;
use crate::runtime::task::raw::TaskRef;

/// Shared between the loop and every thread holding one of its wakers, tasks or `LoopHandle`s.
pub(crate) struct Shared {
    remote: Mutex<Remote>,
    /// Set when `remote` has something for the loop (or a remote wake of the main future came);
    /// cleared by the loop just before it drains `remote`. Whoever flips it from false to true
    /// unparks the loop, so a burst of remote wakes costs one unpark.
    notified: AtomicBool,
    /// `stop()` was called: `run_forever` returns after the current iteration.
    stop_requested: AtomicBool,
    unparker: Unparker,
}

#[derive(Default)]
struct Remote {
    /// Tasks woken or spawned from other threads (or off-loop on this one).
    tasks: Vec<TaskRef>,
    /// Timers whose `Sleep` was dropped away from the running loop.
    cancelled_timers: Vec<TimerKey>,
    /// The loop closed: nothing will drain this queue again.
    closed: bool,
}

/// What the loop took from the remote queue.
#[derive(Default)]
pub(crate) struct RemoteBatch {
    pub(crate) tasks: Vec<TaskRef>,
    pub(crate) cancelled_timers: Vec<TimerKey>,
}

impl Shared {
    pub(crate) fn new(unparker: Unparker) -> Shared {
        Shared {
            remote: Mutex::new(Remote::default()),
            notified: AtomicBool::new(false),
            stop_requested: AtomicBool::new(false),
            unparker,
        }
    }

    /// Hands a task to the loop from a thread that is not running it. Returns the task back if
    /// the loop has closed.
    pub(crate) fn push_remote(&self, task: TaskRef) -> Result<(), TaskRef> {
        {
            let mut remote = self.remote.lock().unwrap_or_else(|e| e.into_inner());
            if remote.closed {
                return Err(task);
            }
            remote.tasks.push(task);
        }
        self.notify();
        Ok(())
    }

    pub(crate) fn cancel_timer_remote(&self, key: TimerKey) {
        {
            let mut remote = self.remote.lock().unwrap_or_else(|e| e.into_inner());
            if remote.closed {
                return;
            }
            remote.cancelled_timers.push(key);
        }
        self.notify();
    }

    /// Wakes the loop if it is parked (or about to park).
    pub(crate) fn notify(&self) {
        if !self.notified.swap(true, Ordering::AcqRel) {
            self.unparker.unpark();
        }
    }

    pub(crate) fn is_notified(&self) -> bool {
        self.notified.load(Ordering::Acquire)
    }

    /// Takes everything other threads queued. Loop thread only.
    pub(crate) fn take_remote(&self, batch: &mut RemoteBatch) {
        self.notified.store(false, Ordering::Release);
        let mut remote = self.remote.lock().unwrap_or_else(|e| e.into_inner());
        mem::swap(&mut remote.tasks, &mut batch.tasks);
        mem::swap(&mut remote.cancelled_timers, &mut batch.cancelled_timers);
    }

    /// Refuses further remote work and returns what was queued. Loop thread only (shutdown).
    pub(crate) fn close_remote(&self) -> Vec<TaskRef> {
        let mut remote = self.remote.lock().unwrap_or_else(|e| e.into_inner());
        remote.closed = true;
        remote.cancelled_timers.clear();
        mem::take(&mut remote.tasks)
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.remote.lock().unwrap_or_else(|e| e.into_inner()).closed
    }

    pub(crate) fn request_stop(&self) {
        self.stop_requested.store(true, Ordering::Release);
        self.notify();
    }

    pub(crate) fn take_stop_request(&self) -> bool {
        self.stop_requested.swap(false, Ordering::AcqRel)
    }

    pub(crate) fn stop_requested(&self) -> bool {
        self.stop_requested.load(Ordering::Acquire)
    }

    /// True when called on the thread where this loop is running.
    pub(crate) fn is_current(&self) -> bool {
        context::try_with_core(|core| core.is_some_and(|core| std::ptr::eq(&*core.shared, self)))
    }
}

/// Queues a woken task on its loop: the local queue on the loop's own thread, the remote queue
/// (and an unpark) anywhere else. Called by wakers and `Task::cancel`.
pub(crate) fn schedule(task: TaskRef) {
    let local = context::try_with_core(|core| match core {
        Some(core) if Arc::ptr_eq(&core.shared, &task.header().shared) => {
            core.push(task);
            None
        }
        _ => Some(task),
    });
    if let Some(task) = local {
        let shared = task.header().shared.clone();
        if let Err(task) = shared.push_remote(task) {
            // The loop is closed: the task was already completed by shutdown (or, if it was
            // spawned remotely and never adopted, is cancelled here), and the entry is dropped.
            super::core::cancel_orphan(task);
        }
    }
}
