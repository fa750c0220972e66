//! `Metrics`: a snapshot of one loop's counters, as [`EventLoop::metrics`] returns it.
//!
//! [`EventLoop::metrics`]: crate::EventLoop::metrics

use std::fmt;
use std::time::Duration;

/// A snapshot of what one event loop has done since it was made, and what it holds now.
///
/// Counts are per loop and kept in plain counters on the loop's thread (no atomics on the
/// loop's path), so keeping them costs next to nothing. "Tasks" are the loop's own tasks; the
/// future that [`run_until_complete`](crate::EventLoop::run_until_complete) drives is not a task
/// and appears in none of the counts. On a [`Runtime`](crate::Runtime)'s worker, the pool's
/// `Send` tasks belong to the pool, not to a worker: they count in the [`polls`](Self::polls)
/// of whichever worker ran them, and in no task count.
///
/// Times ([`busy`](Self::busy), [`parked`](Self::parked)) are real time (the OS clock), also
/// under the paused clock, where the loop's own clock jumps instead of passing.
///
/// [`blocking_queued`](Self::blocking_queued) and [`blocking_running`](Self::blocking_running)
/// are process-wide: every loop shares one pool of threads for [`to_thread`](crate::to_thread).
///
/// `Display` prints a compact table, one line per area, such as:
///
/// ```text
/// tasks         spawned 3, completed 3, alive 0
/// polls         6 (slow 0)
/// time          busy 41.2µs, parked 0ns in 0 parks
/// ready queue   0 now, 3 at most
/// remote wakes  0
/// timers        0 pending
/// I/O events    0
/// to_thread     0 queued, 0 running (process-wide)
/// ```
///
/// # Examples
/// ```
/// use baton::{yield_now, EventLoop};
///
/// let mut lp = EventLoop::builder().paused_clock().build()?;
/// let tasks: Vec<_> = (0..3)
///     .map(|_| lp.spawn(async { yield_now().await }))
///     .collect();
/// lp.run_until_complete(async {
///     for task in tasks {
///         task.await.unwrap();
///     }
/// });
/// let metrics = lp.metrics();
/// assert_eq!(metrics.tasks_spawned, 3);
/// assert_eq!(metrics.tasks_completed, 3);
/// assert_eq!(metrics.tasks_alive, 0);
/// assert_eq!(metrics.polls, 6); // each task: one poll up to the yield, one after
/// println!("{metrics}");
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Metrics {
    /// Tasks this loop took on: spawned on it, or spawned for it from another thread (counted
    /// when the loop adopts them).
    pub tasks_spawned: u64,
    /// Tasks of this loop that finished: returned, panicked or were cancelled.
    pub tasks_completed: u64,
    /// Tasks of this loop not yet finished: `tasks_spawned - tasks_completed`.
    pub tasks_alive: u64,
    /// Runs of a task on this loop: each poll, and the run that drops a cancelled task's future
    /// instead of polling it. On a [`Runtime`](crate::Runtime)'s worker, this includes the
    /// pool's `Send` tasks it ran.
    pub polls: u64,
    /// Polls that took longer than debug mode allows (zero when debug mode is off).
    pub slow_polls: u64,
    /// Real time the loop was running (inside `run_until_complete`, `run_forever`, or a
    /// worker's run) and not parked: running tasks, callbacks and its own bookkeeping.
    pub busy: Duration,
    /// Real time the loop spent parked, waiting for a timer, I/O or another thread.
    pub parked: Duration,
    /// How many times the loop parked (under the paused clock, a jump of time to the next
    /// timer counts as one).
    pub parks: u64,
    /// Tasks ready to run now, waiting in the loop's ready queue.
    pub ready_depth: usize,
    /// The most tasks the ready queue held at the start of an iteration of the loop (or now,
    /// if more).
    pub ready_depth_max: usize,
    /// Tasks the loop took from its remote queue: woken, or spawned, on other threads.
    pub remote_wakes: u64,
    /// Timers armed on this loop and not yet fired or cancelled (each pending
    /// [`sleep`](crate::sleep), [`timeout`](crate::timeout), `call_later`, …).
    pub timers_pending: usize,
    /// I/O readiness events the loop's reactor delivered to its sockets.
    pub io_events: u64,
    /// [`to_thread`](crate::to_thread) jobs waiting for a thread. Process-wide, not per loop.
    pub blocking_queued: usize,
    /// [`to_thread`](crate::to_thread) jobs running on a thread now. Process-wide, not per loop.
    pub blocking_running: usize,
}

impl fmt::Display for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "tasks         spawned {}, completed {}, alive {}",
            self.tasks_spawned, self.tasks_completed, self.tasks_alive
        )?;
        writeln!(f, "polls         {} (slow {})", self.polls, self.slow_polls)?;
        writeln!(
            f,
            "time          busy {:?}, parked {:?} in {} parks",
            self.busy, self.parked, self.parks
        )?;
        writeln!(
            f,
            "ready queue   {} now, {} at most",
            self.ready_depth, self.ready_depth_max
        )?;
        writeln!(f, "remote wakes  {}", self.remote_wakes)?;
        writeln!(f, "timers        {} pending", self.timers_pending)?;
        writeln!(f, "I/O events    {}", self.io_events)?;
        write!(
            f,
            "to_thread     {} queued, {} running (process-wide)",
            self.blocking_queued, self.blocking_running
        )
    }
}
