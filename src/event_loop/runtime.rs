//! `Runtime`: many cores, each worker thread a full event loop, with work stealing for `Send`
//! tasks. The scheduler beneath is `src/runtime/pool/`.

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::pin;
use std::sync::mpsc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, JoinHandle, Thread};

use super::runtime_builder::RuntimeBuilder;
use super::runtime_handle::RuntimeHandle;
use crate::loom::Arc;
use crate::runtime::context;
use crate::runtime::diagnostics::Diagnostics;
use crate::runtime::driver::{Clock, ClockSource, Io};
use crate::runtime::pool::{current_pool, run_worker, Pool};
use crate::runtime::Core;
use crate::task::{Task, TaskError};

/// A multi-core runtime: `workers` threads, each a full event loop (its own ready queue,
/// timers and reactor), sharing `Send` tasks by work stealing.
///
/// Inside a worker the asyncio API is unchanged: [`spawn`](crate::spawn) makes a task that
/// stays on that worker (it need not be `Send`), sockets register with that worker's reactor.
/// [`spawn_send`](crate::spawn_send) makes a task any worker may run: idle workers steal it
/// between its polls. A `Send` task that moves keeps its sockets and timers: readiness still
/// comes from the reactor of the worker that made the socket, and the wake reaches the task
/// wherever it runs.
///
/// Dropping the runtime (or [`shutdown`](Self::shutdown)) cancels every task on every worker
/// — each worker drops its own — and joins the threads.
///
/// # Examples
/// ```
/// let rt = baton::Runtime::builder().workers(2).build()?;
/// let sum = rt.block_on(async {
///     let parts: Vec<_> = (0..8u64)
///         .map(|i| baton::spawn_send(async move { (i * 1000..(i + 1) * 1000).sum::<u64>() }))
///         .collect();
///     let mut sum = 0;
///     for part in parts {
///         sum += part.await.unwrap();
///     }
///     sum
/// });
/// assert_eq!(sum, (0..8000).sum());
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Runtime {
    handle: RuntimeHandle,
    pool: Arc<Pool>,
    threads: Vec<JoinHandle<()>>,
}

impl Runtime {
    /// A runtime with the default options: one worker per core.
    ///
    /// # Examples
    /// ```
    /// let rt = baton::Runtime::new()?;
    /// assert_eq!(rt.block_on(async { 2 + 2 }), 4);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`RuntimeBuilder::build`].
    pub fn new() -> io::Result<Runtime> {
        RuntimeBuilder::new().build()
    }

    /// Options for a new runtime.
    ///
    /// # Examples
    /// ```
    /// let rt = baton::Runtime::builder().workers(2).build()?;
    /// assert_eq!(rt.workers(), 2);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn builder() -> RuntimeBuilder {
        RuntimeBuilder::new()
    }

    /// The runtime whose worker runs the caller; see [`RuntimeHandle::current`].
    ///
    /// # Examples
    /// ```
    /// let rt = baton::Runtime::builder().workers(2).build()?;
    /// assert_eq!(rt.block_on(async { baton::Runtime::current().workers() }), 2);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Panics
    /// Outside a worker of a `Runtime`.
    #[track_caller]
    pub fn current() -> RuntimeHandle {
        RuntimeHandle::current()
    }

    pub(super) fn start(options: RuntimeBuilder, workers: usize) -> io::Result<Runtime> {
        let diagnostics = Arc::new(Diagnostics::new(options.debug_options()));
        let (pool, locals) = Pool::new(
            workers,
            options.stealing,
            options.lifo_slot,
            diagnostics.clone(),
        );
        let clocks = ClockSource::new(options.paused_clock);
        let cpus = if options.pin_workers {
            allowed_cpus()
        } else {
            Vec::new()
        };
        let (started, starts) = mpsc::channel::<io::Result<()>>();
        let mut runtime = Runtime {
            handle: RuntimeHandle::new(pool.clone()),
            pool,
            threads: Vec::with_capacity(workers),
        };
        for (index, local) in locals.into_iter().enumerate() {
            let pool = runtime.pool.clone();
            let clocks = clocks.clone();
            let diagnostics = diagnostics.clone();
            let started = started.clone();
            let cpu = (!cpus.is_empty()).then(|| cpus[index % cpus.len()]);
            let spawned = thread::Builder::new()
                .name(format!("{}-{index}", options.thread_name))
                .spawn(move || {
                    if let Some(cpu) = cpu {
                        pin_to_cpu(cpu);
                    }
                    let core = match Io::new() {
                        Ok(io) => Core::new(io, Clock::shared(&clocks), diagnostics, None),
                        Err(e) => {
                            let _ = started.send(Err(e));
                            return;
                        }
                    };
                    pool.attach(index, core.shared().clone());
                    // Inspections (a dump) sent from now on wait for the worker's first
                    // iteration instead of finding it not running.
                    core.shared().start_running();
                    let _ = started.send(Ok(()));
                    drop(started);
                    run_worker(pool, index, local, &core);
                });
            match spawned {
                Ok(thread) => runtime.threads.push(thread),
                Err(e) => return Err(e), // `runtime`'s drop stops the workers started so far
            }
        }
        drop(started);
        for _ in 0..workers {
            match starts.recv() {
                Ok(Ok(())) => {}
                Ok(Err(e)) => return Err(e),
                Err(_) => return Err(io::Error::other("a runtime worker ended while starting")),
            }
        }
        Ok(runtime)
    }

    /// How many workers the runtime has.
    ///
    /// # Examples
    /// ```
    /// let rt = baton::Runtime::builder().workers(2).build()?;
    /// assert_eq!(rt.workers(), 2);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn workers(&self) -> usize {
        self.pool.workers()
    }

    /// A handle to the runtime for other threads and tasks.
    ///
    /// # Examples
    /// ```
    /// let rt = baton::Runtime::builder().workers(2).build()?;
    /// let handle = rt.handle();
    /// assert_eq!(rt.block_on(handle.spawn(async { 1 })).unwrap(), 1);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn handle(&self) -> RuntimeHandle {
        self.handle.clone()
    }

    /// Spawns a `Send` task that any worker may run; see [`RuntimeHandle::spawn`].
    ///
    /// # Examples
    /// ```
    /// let rt = baton::Runtime::builder().workers(2).build()?;
    /// let task = rt.spawn(async { 40 + 2 });
    /// assert_eq!(rt.block_on(task).unwrap(), 42);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.handle.spawn(future)
    }

    /// Runs `future` on the runtime as a `Send` task and blocks this thread until it completes
    /// (asyncio's `asyncio.run`, on many cores). The task may move between workers between
    /// polls; for a future that is not `Send`, use
    /// [`run_on_worker`](RuntimeHandle::run_on_worker) and block on its task.
    ///
    /// Unlike tokio's `block_on`, the future does not run on the calling thread, so it must be
    /// `Send`: the calling thread only waits.
    ///
    /// # Examples
    /// ```
    /// let rt = baton::Runtime::builder().workers(2).build()?;
    /// let answer = rt.block_on(async {
    ///     baton::sleep(std::time::Duration::from_millis(1)).await;
    ///     42
    /// });
    /// assert_eq!(answer, 42);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Panics
    /// If the future panics (with its payload), or when called inside a running event loop or
    /// runtime worker (blocking there would stall that loop: `.await` the task instead).
    #[track_caller]
    pub fn block_on<F>(&self, future: F) -> F::Output
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        if context::try_with(|lp| lp.is_some()) {
            panic!(
                "Runtime::block_on called inside a running event loop or runtime worker: \
                 blocking there would stall the loop; spawn the future and `.await` its task"
            );
        }
        match wait_here(self.spawn(future)) {
            Ok(output) => output,
            Err(TaskError::Panicked(payload)) => std::panic::resume_unwind(payload),
            Err(TaskError::Cancelled(_)) => {
                panic!("the future given to Runtime::block_on was cancelled")
            }
        }
    }

    /// Cancels every task on every worker (each worker drops its own tasks' futures), joins
    /// the worker threads, then drops the `Send` tasks that were not running on this thread.
    /// Dropping the runtime does the same.
    ///
    /// # Examples
    /// ```
    /// let rt = baton::Runtime::builder().workers(2).build()?;
    /// let forever = rt.spawn(std::future::pending::<()>());
    /// rt.shutdown();
    /// assert!(forever.cancelled());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Panics
    /// When called on one of the runtime's own workers (it would wait for itself).
    #[track_caller]
    pub fn shutdown(mut self) {
        self.stop();
    }

    #[track_caller]
    fn stop(&mut self) {
        if current_pool().is_some_and(|pool| Arc::ptr_eq(&pool, &self.pool)) {
            panic!(
                "a Runtime was dropped or shut down on one of its own workers: it would wait \
                 for itself; shut it down from the thread that made it"
            );
        }
        self.pool.begin_shutdown();
        let mut worker_panic = None;
        for thread in self.threads.drain(..) {
            if let Err(payload) = thread.join() {
                worker_panic.get_or_insert(payload);
            }
        }
        self.pool.cancel_all();
        // The handler may hold a handle of this runtime (a cycle through the pool): let it go.
        self.pool.diagnostics().set_handler(None);
        if let Some(payload) = worker_panic {
            std::panic::resume_unwind(payload);
        }
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        if !self.threads.is_empty() {
            self.stop();
        }
    }
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("workers", &self.workers())
            .finish()
    }
}

/// Blocks this thread until `task` completes.
fn wait_here<T>(task: Task<T>) -> Result<T, TaskError> {
    struct Unpark(Thread);
    impl Wake for Unpark {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.unpark();
        }
        fn wake_by_ref(self: &std::sync::Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(std::sync::Arc::new(Unpark(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut task = pin!(task);
    loop {
        match task.as_mut().poll(&mut cx) {
            Poll::Ready(result) => return result,
            Poll::Pending => thread::park(),
        }
    }
}

/// The CPUs this process may run on.
#[cfg(target_os = "linux")]
fn allowed_cpus() -> Vec<usize> {
    // SAFETY: `cpu_set_t` is plain data, valid zeroed; `sched_getaffinity` writes at most
    // `size_of::<cpu_set_t>()` bytes into it.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        if libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) != 0 {
            return Vec::new();
        }
        (0..libc::CPU_SETSIZE as usize)
            .filter(|&cpu| libc::CPU_ISSET(cpu, &set))
            .collect()
    }
}

#[cfg(not(target_os = "linux"))]
fn allowed_cpus() -> Vec<usize> {
    Vec::new()
}

/// Pins this thread to `cpu`; a refusal (a container's limits) leaves it unpinned.
#[cfg(target_os = "linux")]
fn pin_to_cpu(cpu: usize) {
    // SAFETY: as in `allowed_cpus`; `sched_setaffinity` only reads the set.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set);
    }
}

#[cfg(not(target_os = "linux"))]
fn pin_to_cpu(_cpu: usize) {}
