//! `LoopMetrics`: what a loop counts about itself, for [`Metrics`] snapshots.
//!
//! Plain `Cell`s, touched only on the loop's thread: no atomics on the loop's path. Each counter
//! on the hot path (a poll, a spawn, a completion) is one add; the clock is read only per park
//! and per run (`run_until_complete`, `run_forever`, a worker's run), never per poll. Gauges
//! that other parts already know (the ready queue's length, the timers, the reactor's event
//! count, the blocking pool's load) are read only when a snapshot is taken.

use std::cell::Cell;
use std::time::{Duration, Instant};

use crate::blocking;
use crate::debug::Metrics;

/// The loop's counters. Loop thread only.
#[derive(Default)]
pub(crate) struct LoopMetrics {
    spawned: Cell<u64>,
    completed: Cell<u64>,
    polls: Cell<u64>,
    slow_polls: Cell<u64>,
    remote_tasks: Cell<u64>,
    ready_max: Cell<usize>,
    parks: Cell<u64>,
    parked: Cell<Duration>,
    /// Real time spent in runs that have ended.
    ran: Cell<Duration>,
    /// When the current run began, while the loop runs.
    running_since: Cell<Option<Instant>>,
}

/// What a snapshot reads from the rest of the loop at the moment it is taken.
pub(crate) struct Gauges {
    pub(crate) ready: usize,
    pub(crate) timers_pending: usize,
    pub(crate) io_events: u64,
}

impl LoopMetrics {
    /// The loop took a task into its owned set (spawned here, or adopted from another thread).
    #[inline]
    pub(crate) fn task_spawned(&self) {
        bump(&self.spawned);
    }

    /// One of the loop's own tasks completed (returned, panicked or was cancelled).
    #[inline]
    pub(crate) fn task_completed(&self) {
        bump(&self.completed);
    }

    /// A task ran on this loop: the loop's own or, on a worker, a pool task.
    #[inline]
    pub(crate) fn polled(&self) {
        bump(&self.polls);
    }

    /// A poll took longer than debug mode allows.
    #[inline]
    pub(crate) fn record_slow_poll(&self) {
        bump(&self.slow_polls);
    }

    /// The loop took `n` tasks from its remote queue (woken or spawned on other threads).
    #[inline]
    pub(crate) fn remote_tasks(&self, n: usize) {
        self.remote_tasks.set(self.remote_tasks.get() + n as u64);
    }

    /// An iteration begins with `n` tasks ready; keeps the largest such `n`. Sampled once per
    /// iteration rather than on every push, so it costs one comparison per iteration.
    #[inline]
    pub(crate) fn ready_depth(&self, n: usize) {
        if n > self.ready_max.get() {
            self.ready_max.set(n);
        }
    }

    /// Runs `park` (the driver's park) and counts the real time it took as parked.
    #[inline]
    pub(crate) fn park<R>(&self, park: impl FnOnce() -> R) -> R {
        let start = Instant::now();
        let out = park();
        self.parked.set(self.parked.get() + start.elapsed());
        bump(&self.parks);
        out
    }

    /// Counts the loop as running until the guard drops (also on unwind).
    pub(crate) fn running(&self) -> Running<'_> {
        self.running_since.set(Some(Instant::now()));
        Running { metrics: self }
    }

    /// The counters, with `gauges` and the blocking pool's load, as the user sees them.
    pub(crate) fn snapshot(&self, gauges: Gauges) -> Metrics {
        let current_run = self
            .running_since
            .get()
            .map_or(Duration::ZERO, |since| since.elapsed());
        let parked = self.parked.get();
        let spawned = self.spawned.get();
        let completed = self.completed.get();
        let blocking = blocking::load();
        Metrics {
            tasks_spawned: spawned,
            tasks_completed: completed,
            tasks_alive: spawned.saturating_sub(completed),
            polls: self.polls.get(),
            slow_polls: self.slow_polls.get(),
            busy: (self.ran.get() + current_run).saturating_sub(parked),
            parked,
            parks: self.parks.get(),
            ready_depth: gauges.ready,
            ready_depth_max: self.ready_max.get().max(gauges.ready),
            remote_wakes: self.remote_tasks.get(),
            timers_pending: gauges.timers_pending,
            io_events: gauges.io_events,
            blocking_queued: blocking.queued,
            blocking_running: blocking.running,
        }
    }
}

#[inline]
fn bump(counter: &Cell<u64>) {
    counter.set(counter.get() + 1);
}

/// A run of the loop, timed in real time; see [`LoopMetrics::running`].
pub(crate) struct Running<'a> {
    metrics: &'a LoopMetrics,
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        if let Some(since) = self.metrics.running_since.take() {
            let ran = &self.metrics.ran;
            ran.set(ran.get() + since.elapsed());
        }
    }
}
