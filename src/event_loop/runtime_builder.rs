//! `RuntimeBuilder`: options for a new multi-core `Runtime`.

use std::io;
use std::num::NonZeroUsize;
use std::time::Duration;

use super::builder::debug_options;
use super::runtime::Runtime;
use crate::runtime::diagnostics::DebugOptions;

/// Options for a [`Runtime`]: how many workers, their thread names, CPU pinning, work
/// stealing, a paused clock.
///
/// # Examples
/// ```
/// let rt = baton::Runtime::builder()
///     .workers(2)
///     .thread_name("app-worker")
///     .stealing(true)
///     .build()?;
/// assert_eq!(rt.workers(), 2);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct RuntimeBuilder {
    pub(super) workers: Option<usize>,
    pub(super) thread_name: String,
    pub(super) pin_workers: bool,
    pub(super) stealing: bool,
    pub(super) lifo_slot: bool,
    pub(super) paused_clock: bool,
    pub(super) debug: Option<bool>,
    pub(super) slow_poll: Option<Duration>,
    pub(super) dump_on_signal: bool,
}

impl Default for RuntimeBuilder {
    fn default() -> RuntimeBuilder {
        RuntimeBuilder {
            workers: None,
            thread_name: "baton-worker".to_owned(),
            pin_workers: false,
            stealing: true,
            lifo_slot: true,
            paused_clock: false,
            debug: None,
            slow_poll: None,
            dump_on_signal: false,
        }
    }
}

impl RuntimeBuilder {
    /// The default options: one worker per core, stealing on, no pinning.
    ///
    /// # Examples
    /// ```
    /// let rt = baton::event_loop::RuntimeBuilder::new().build()?;
    /// assert!(rt.workers() >= 1);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn new() -> RuntimeBuilder {
        RuntimeBuilder::default()
    }

    /// How many workers (threads, each a full event loop) to start. Default: one per core
    /// the process may run on (`std::thread::available_parallelism`).
    ///
    /// # Examples
    /// ```
    /// let rt = baton::Runtime::builder().workers(1).build()?;
    /// assert_eq!(rt.workers(), 1);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn workers(mut self, workers: usize) -> RuntimeBuilder {
        self.workers = Some(workers);
        self
    }

    /// The workers' thread names: `{prefix}-{index}`. Default `baton-worker`.
    ///
    /// # Examples
    /// ```
    /// let rt = baton::Runtime::builder().workers(1).thread_name("db").build()?;
    /// let name = rt.block_on(async { std::thread::current().name().map(String::from) });
    /// assert_eq!(name.as_deref(), Some("db-0"));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn thread_name(mut self, prefix: impl Into<String>) -> RuntimeBuilder {
        self.thread_name = prefix.into();
        self
    }

    /// Pins worker `i` to the `i`-th CPU the process may run on (wrapping), on Linux; a no-op
    /// elsewhere. Default off. Pinning pays with thread-per-core servers on a quiet machine,
    /// and costs when other processes compete for the same cores.
    ///
    /// # Examples
    /// ```
    /// let rt = baton::Runtime::builder().workers(2).pin_workers(true).build()?;
    /// assert_eq!(rt.block_on(async { 1 + 1 }), 2);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn pin_workers(mut self, pin: bool) -> RuntimeBuilder {
        self.pin_workers = pin;
        self
    }

    /// Whether idle workers steal `Send` tasks from busy ones. Default on. Off gives a pure
    /// thread-per-core runtime: a task runs on the worker that spawned it (tasks spawned from
    /// outside still go to whichever worker looks first).
    ///
    /// # Examples
    /// ```
    /// let rt = baton::Runtime::builder().workers(2).stealing(false).build()?;
    /// assert_eq!(rt.block_on(async { 3 }), 3);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn stealing(mut self, stealing: bool) -> RuntimeBuilder {
        self.stealing = stealing;
        self
    }

    /// Whether a `Send` task woken by a running `Send` task runs next on the same worker, ahead
    /// of the worker's queue (tokio's LIFO slot). Default on: message passing (a request
    /// handed to a task that answers it) runs while its data is in cache. At most three tasks
    /// in a row run this way, and the slot is not stolen from, so turn it off if a woken task
    /// must never wait behind a long poll of the task that woke it.
    ///
    /// # Examples
    /// ```
    /// let rt = baton::Runtime::builder().workers(2).lifo_slot(false).build()?;
    /// assert_eq!(rt.block_on(async { 5 }), 5);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn lifo_slot(mut self, lifo_slot: bool) -> RuntimeBuilder {
        self.lifo_slot = lifo_slot;
        self
    }

    /// Starts the workers with one paused clock (for tests): time moves only when a worker
    /// has nothing to run, jumping to its next timer, for every worker at once.
    ///
    /// # Examples
    /// ```
    /// use std::time::{Duration, Instant};
    ///
    /// let rt = baton::Runtime::builder().workers(2).paused_clock().build()?;
    /// let start = Instant::now();
    /// rt.block_on(baton::sleep(Duration::from_secs(3600)));
    /// assert!(start.elapsed() < Duration::from_secs(60));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn paused_clock(mut self) -> RuntimeBuilder {
        self.paused_clock = true;
        self
    }

    /// Debug mode on every worker, as [`Builder::debug`](super::Builder::debug) for one loop:
    /// slow polls, tasks pending at shutdown and servers' failed connections are reported
    /// through the runtime's exception handler. Unset, `BATON_DEBUG` decides.
    ///
    /// # Examples
    /// ```
    /// let rt = baton::Runtime::builder().workers(2).debug(true).build()?;
    /// assert!(rt.handle().debug());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn debug(mut self, on: bool) -> RuntimeBuilder {
        self.debug = Some(on);
        self
    }

    /// How long one poll may take before debug mode reports it; 100 ms by default.
    ///
    /// # Examples
    /// ```
    /// let rt = baton::Runtime::builder()
    ///     .workers(1)
    ///     .debug(true)
    ///     .slow_poll_threshold(std::time::Duration::from_millis(10))
    ///     .build()?;
    /// assert!(rt.handle().debug());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn slow_poll_threshold(mut self, threshold: Duration) -> RuntimeBuilder {
        self.slow_poll = Some(threshold);
        self
    }

    /// Prints a task dump of every worker and of the pool's `Send` tasks to stderr on
    /// `SIGUSR1`, as [`Builder::dump_on_signal`](super::Builder::dump_on_signal).
    ///
    /// # Examples
    /// ```
    /// let rt = baton::Runtime::builder().workers(1).dump_on_signal().build()?;
    /// rt.block_on(async {}); // kill -USR1 <pid> meanwhile prints a dump
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn dump_on_signal(mut self) -> RuntimeBuilder {
        self.dump_on_signal = true;
        self
    }

    /// The debug options, with the environment's defaults.
    pub(super) fn debug_options(&self) -> DebugOptions {
        debug_options(self.debug, self.slow_poll)
    }

    /// Starts the workers.
    ///
    /// # Examples
    /// ```
    /// let rt = baton::Runtime::builder().workers(2).build()?;
    /// assert_eq!(rt.block_on(async { "up" }), "up");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// `InvalidInput` for zero workers; the OS's error when a thread or a worker's poller
    /// cannot be made (the workers already started are stopped first).
    pub fn build(self) -> io::Result<Runtime> {
        let workers = match self.workers {
            Some(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "a Runtime needs at least one worker (RuntimeBuilder::workers(0))",
                ))
            }
            Some(n) => n,
            None => std::thread::available_parallelism().map_or(1, NonZeroUsize::get),
        };
        if self.dump_on_signal {
            super::dump_signal::install()?;
        }
        Runtime::start(self, workers)
    }
}
