//! The process-wide pool of blocking threads behind [`to_thread`](crate::to_thread).
//!
//! # Rules
//!
//! - A job goes to an idle thread if there is one, else to a new thread while fewer than
//!   [`MAX_THREADS`] exist, else it waits in the queue for the next thread that finishes.
//! - A thread idle for [`KEEP_ALIVE`] exits, so a burst of work leaves no threads behind.
//! - Handing a job to a sleeping thread *claims* a sleeper (`wakeups += 1`) under the lock; only
//!   `idle - wakeups` sleepers are free to claim, so two submissions never count on the same
//!   one. Whichever sleeper wakes first consumes a claim and leaves `idle`.
//! - Jobs never unwind into a worker: a job's user code may panic (the function, and also a
//!   waker's `wake`, or the drop of a result or panic payload nobody took), so `to_thread`
//!   contains each step and the worker runs every job under `crate::panic::contain` too. A worker only
//!   leaves through its idle time-out, which gives back its place in `threads`; a worker that
//!   unwound would keep its place forever, and after `MAX_THREADS` of them no job would run.

use std::collections::VecDeque;
use std::sync::OnceLock;
use std::time::Duration;

use crate::panic::contain;
use crate::util::{Condvar, Mutex};

/// At most this many blocking threads at once (asyncio's default executor allows
/// `min(32, cpus + 4)`; blocking calls like DNS spend their time waiting, so baton allows more).
pub(crate) const MAX_THREADS: usize = 64;

/// An idle thread exits after this long without work.
pub(crate) const KEEP_ALIVE: Duration = Duration::from_secs(10);

/// A unit of blocking work.
pub(crate) type Job = Box<dyn FnOnce() + Send + 'static>;

struct Pool {
    state: Mutex<State>,
    work: Condvar,
}

#[derive(Default)]
struct State {
    /// Jobs no thread has taken yet.
    queue: VecDeque<Job>,
    /// Jobs a thread is running now.
    running: usize,
    /// Live worker threads.
    threads: usize,
    /// Threads waiting for work.
    idle: usize,
    /// Claims on sleepers by submissions, not yet consumed by a woken thread (`<= idle`).
    wakeups: usize,
}

fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(|| Pool {
        state: Mutex::new(State::default()),
        work: Condvar::new(),
    })
}

/// Runs `job` on a pool thread.
///
/// # Panics
/// If the OS refuses to start the first thread when no thread exists to run the job.
pub(crate) fn submit(job: Job) {
    let pool = pool();
    let mut state = pool.state.lock();
    state.queue.push_back(job);
    if state.idle > state.wakeups {
        state.wakeups += 1;
        drop(state);
        pool.work.notify_one();
    } else if state.threads < MAX_THREADS {
        state.threads += 1;
        let live = state.threads;
        drop(state);
        let spawned = std::thread::Builder::new()
            .name("baton-blocking".into())
            .spawn(worker);
        if let Err(e) = spawned {
            let mut state = pool.state.lock();
            state.threads -= 1;
            // Other threads will take the job when they finish; with none, it would wait forever.
            assert!(
                live > 1,
                "baton could not start a blocking thread for `to_thread`: {e}"
            );
        }
    }
}

/// How busy the pool is right now (process-wide: every loop shares the pool).
pub(crate) struct Load {
    /// Jobs waiting for a thread.
    pub(crate) queued: usize,
    /// Jobs running on a thread.
    pub(crate) running: usize,
}

/// The pool's load now, read under its lock (for metrics snapshots, never on a loop's path).
pub(crate) fn load() -> Load {
    let state = pool().state.lock();
    Load {
        queued: state.queue.len(),
        running: state.running,
    }
}

/// The number of live pool threads (for tests).
#[cfg(test)]
pub(crate) fn threads() -> usize {
    pool().state.lock().threads
}

fn worker() {
    let pool = pool();
    let mut state = pool.state.lock();
    loop {
        if let Some(job) = state.queue.pop_front() {
            state.running += 1;
            drop(state);
            // A panic must not end this thread: it would keep its place in `threads` forever
            // (and its job in `running`).
            contain(job);
            state = pool.state.lock();
            state.running -= 1;
            continue;
        }
        state.idle += 1;
        loop {
            let (next, timed_out) = pool.work.wait_timeout(state, KEEP_ALIVE);
            state = next;
            if state.wakeups > 0 {
                state.wakeups -= 1;
                state.idle -= 1;
                break;
            }
            if timed_out {
                state.idle -= 1;
                state.threads -= 1;
                return;
            }
            // A spurious wakeup: keep waiting.
        }
    }
}
