//! `RuntimeHandle`: reach a multi-core `Runtime` from any thread, or from inside its workers.

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use super::handle::{dump_error, LoopHandle};
use crate::debug::{Dump, DumpError, Exception, Metrics};
use crate::loom::Arc;
use crate::runtime::pool::{current_pool, Pool};
use crate::task::{Task, TaskError};

/// A `Send + Sync + Clone` handle to a [`Runtime`](super::Runtime): spawn `Send` tasks on it,
/// run a future on a chosen worker or on every worker, reach each worker's loop.
///
/// # Examples
/// ```
/// let rt = baton::Runtime::builder().workers(2).build()?;
/// let handle = rt.handle();
/// let task = std::thread::spawn(move || handle.spawn(async { 6 * 7 })).join().unwrap();
/// assert_eq!(rt.block_on(task).unwrap(), 42);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone)]
pub struct RuntimeHandle {
    pool: Arc<Pool>,
}

impl RuntimeHandle {
    pub(crate) fn new(pool: Arc<Pool>) -> RuntimeHandle {
        RuntimeHandle { pool }
    }

    /// The runtime whose worker is running the caller.
    ///
    /// # Examples
    /// ```
    /// let rt = baton::Runtime::builder().workers(2).build()?;
    /// let workers = rt.block_on(async { baton::Runtime::current().workers() });
    /// assert_eq!(workers, 2);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Panics
    /// Outside a worker of a `Runtime` (on an `EventLoop`, or outside any loop); see
    /// [`try_current`](Self::try_current).
    #[track_caller]
    pub fn current() -> RuntimeHandle {
        RuntimeHandle::try_current().unwrap_or_else(|| {
            panic!(
                "not on a worker of a baton::Runtime: `Runtime::current()` is available inside \
                 `Runtime::block_on` and the tasks of its workers"
            )
        })
    }

    /// The runtime whose worker is running the caller, if any.
    ///
    /// # Examples
    /// ```
    /// assert!(baton::event_loop::RuntimeHandle::try_current().is_none());
    /// ```
    pub fn try_current() -> Option<RuntimeHandle> {
        current_pool().map(RuntimeHandle::new)
    }

    /// How many workers (threads, each an event loop) the runtime has.
    ///
    /// # Examples
    /// ```
    /// let rt = baton::Runtime::builder().workers(3).build()?;
    /// assert_eq!(rt.handle().workers(), 3);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn workers(&self) -> usize {
        self.pool.workers()
    }

    /// Spawns a `Send` task that any worker may run, from any thread (inside a worker,
    /// [`spawn_send`](crate::spawn_send) does the same). After shutdown the future is dropped
    /// and the task reports `Err(TaskError::Cancelled(_))`.
    ///
    /// # Examples
    /// ```
    /// let rt = baton::Runtime::builder().workers(2).build()?;
    /// let task = rt.handle().spawn(async { "anywhere" });
    /// assert_eq!(rt.block_on(task).unwrap(), "anywhere");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        Task::new(Pool::spawn(&self.pool, future, Location::caller()))
    }

    /// A [task dump](Dump) of the whole runtime: every worker's own tasks (labelled with the
    /// worker) and the pool's `Send` tasks, with one await tree across them. Each worker answers
    /// between two polls; a worker that does not answer within `limit` (a task blocking it) is
    /// left out and named in the error.
    ///
    /// # Examples
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = baton::Runtime::builder().workers(2).build()?;
    /// let stuck = rt.spawn(std::future::pending::<()>()).named("stuck");
    /// let dump = rt.handle().dump(Duration::from_secs(10)).unwrap();
    /// let found = dump.task(stuck.id()).unwrap();
    /// assert_eq!(found.task.name.as_deref(), Some("stuck"));
    /// assert_eq!(found.worker, None); // a `Send` task: the pool's
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`DumpError::TimedOut`] when a worker did not answer within `limit`;
    /// [`DumpError::Closed`] after shutdown.
    pub fn dump(&self, limit: Duration) -> Result<Dump, DumpError> {
        let deadline = Instant::now() + limit;
        let mut tasks = Vec::new();
        for index in 0..self.workers() {
            let Some(shared) = self.pool.worker_loop(index) else {
                return Err(DumpError::NotRunning);
            };
            let left = deadline.saturating_duration_since(Instant::now());
            let pool = self.pool.clone();
            let answer = shared.inspect(
                move |core| {
                    let mut tasks = core.task_snapshots(Some(index));
                    if index == 0 {
                        // The pool's tasks, read on worker 0 so their ages use the workers' clock.
                        tasks.extend(pool.task_snapshots(core.driver().now()));
                    }
                    tasks
                },
                Some(left),
            );
            tasks.extend(answer.map_err(dump_error)?);
        }
        Ok(Dump::new(tasks))
    }

    /// Each worker's [`Metrics`], in worker order, read between two of its polls; a pool task
    /// counts in the metrics of the worker that spawned it and of those that polled it.
    ///
    /// # Examples
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = baton::Runtime::builder().workers(2).build()?;
    /// rt.block_on(async {});
    /// let metrics = rt.handle().metrics(Duration::from_secs(10)).unwrap();
    /// assert_eq!(metrics.len(), 2);
    /// assert!(metrics.iter().map(|m| m.polls).sum::<u64>() >= 1);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`dump`](Self::dump).
    pub fn metrics(&self, limit: Duration) -> Result<Vec<Metrics>, DumpError> {
        let deadline = Instant::now() + limit;
        (0..self.workers())
            .map(|index| {
                let shared = self.pool.worker_loop(index).ok_or(DumpError::NotRunning)?;
                let left = deadline.saturating_duration_since(Instant::now());
                shared
                    .inspect(|core| core.metrics(), Some(left))
                    .map_err(dump_error)
            })
            .collect()
    }

    /// Whether the runtime runs in [debug mode](super::RuntimeBuilder::debug).
    ///
    /// # Examples
    /// ```
    /// let rt = baton::Runtime::builder().workers(1).debug(false).build()?;
    /// assert!(!rt.handle().debug());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn debug(&self) -> bool {
        self.pool.diagnostics().debug()
    }

    /// Sends every worker's reports (slow polls, panics nobody retrieved, tasks pending at
    /// shutdown) to `handler`; see [`EventLoop::set_exception_handler`](crate::EventLoop::set_exception_handler).
    /// It may be called on any worker, or any thread that drops a task's last handle.
    ///
    /// # Examples
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::sync::Arc;
    ///
    /// let rt = baton::Runtime::builder().workers(2).build()?;
    /// let lost = Arc::new(AtomicUsize::new(0));
    /// let count = lost.clone();
    /// rt.handle().set_exception_handler(move |_: &baton::debug::Exception| {
    ///     count.fetch_add(1, Ordering::SeqCst);
    /// });
    /// let task = rt.spawn(async { panic!("nobody looks") });
    /// while !task.done() {
    ///     std::thread::yield_now();
    /// }
    /// drop(task);
    /// assert_eq!(lost.load(Ordering::SeqCst), 1);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn set_exception_handler(&self, handler: impl Fn(&Exception) + Send + Sync + 'static) {
        self.pool
            .diagnostics()
            .set_handler(Some(std::sync::Arc::new(handler)));
    }

    /// The loop of worker `index`: spawn on it from any thread, call soon on it, stop it.
    ///
    /// # Examples
    /// ```
    /// let rt = baton::Runtime::builder().workers(2).build()?;
    /// let on_second = rt.handle().worker(1).spawn(async { std::thread::current().name().map(String::from) });
    /// assert_eq!(rt.block_on(on_second).unwrap().as_deref(), Some("baton-worker-1"));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Panics
    /// If `index` is not below [`workers`](Self::workers).
    #[track_caller]
    pub fn worker(&self, index: usize) -> LoopHandle {
        let workers = self.workers();
        match self.pool.worker_loop(index) {
            Some(shared) => LoopHandle::new(shared.clone()),
            None => panic!("no worker {index}: the runtime has {workers} workers (0..{workers})"),
        }
    }

    /// Runs the future `make()` returns on worker `index`, where it stays (it need not be
    /// `Send`: only `make` crosses threads). Awaiting the task gives its output; cancelling
    /// it (or dropping the awaiting future's task) cancels the future on the worker.
    ///
    /// # Examples
    /// ```
    /// use std::rc::Rc;
    ///
    /// let rt = baton::Runtime::builder().workers(2).build()?;
    /// let task = rt.handle().run_on_worker(1, || async {
    ///     let local = Rc::new(5); // not Send: fine, it never leaves worker 1
    ///     baton::sleep(std::time::Duration::from_millis(1)).await;
    ///     *local * 2
    /// });
    /// assert_eq!(rt.block_on(task).unwrap(), 10);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Panics
    /// If `index` is not below [`workers`](Self::workers).
    #[track_caller]
    pub fn run_on_worker<M, F>(&self, index: usize, make: M) -> Task<F::Output>
    where
        M: FnOnce() -> F + Send + 'static,
        F: Future + 'static,
        F::Output: Send + 'static,
    {
        self.worker(index).spawn(async move {
            // `make()`'s future never crosses threads: it is spawned here, on the worker, and
            // only its `Send` handle is held across the await.
            let inner = crate::task::spawn(make());
            output_of(inner).await
        })
    }

    /// Runs the future `make()` returns on every worker (thread-per-core: one server per
    /// worker, say, each with its own `reuse_port` listener); the task completes with every
    /// worker's output, in worker order.
    ///
    /// # Examples
    /// ```
    /// let rt = baton::Runtime::builder().workers(2).build()?;
    /// let names = rt.block_on(rt.handle().run_on_every_worker(|| async {
    ///     std::thread::current().name().unwrap().to_owned()
    /// }));
    /// assert_eq!(names.unwrap(), ["baton-worker-0", "baton-worker-1"]);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[track_caller]
    pub fn run_on_every_worker<M, F>(&self, make: M) -> Task<Vec<F::Output>>
    where
        M: Fn() -> F + Clone + Send + 'static,
        F: Future + 'static,
        F::Output: Send + 'static,
    {
        let tasks: Vec<_> = (0..self.workers())
            .map(|index| CancelOnDrop(self.run_on_worker(index, make.clone())))
            .collect();
        self.spawn(async move {
            let mut outputs = Vec::with_capacity(tasks.len());
            for task in tasks {
                outputs.push(output_of(task).await);
            }
            outputs
        })
    }
}

/// The output of a task awaited on another task's behalf: its panic resumes here, its
/// cancellation (its worker is shutting down) cancels the caller too, and dropping the caller
/// first cancels it.
async fn output_of<T>(task: impl Into<CancelOnDrop<T>>) -> T {
    match task.into().await {
        Ok(output) => output,
        Err(TaskError::Panicked(payload)) => std::panic::resume_unwind(payload),
        Err(TaskError::Cancelled(_)) => {
            if let Some(this) = crate::task::current_task() {
                this.cancel();
            }
            std::future::pending().await
        }
    }
}

/// A task handle that cancels its task when dropped: a future that waits on another task on
/// the caller's behalf takes it down with it.
struct CancelOnDrop<T>(Task<T>);

impl<T> From<Task<T>> for CancelOnDrop<T> {
    fn from(task: Task<T>) -> CancelOnDrop<T> {
        CancelOnDrop(task)
    }
}

impl<T> Future for CancelOnDrop<T> {
    type Output = Result<T, TaskError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.0).poll(cx)
    }
}

impl<T> Drop for CancelOnDrop<T> {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

impl fmt::Debug for RuntimeHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RuntimeHandle")
            .field("workers", &self.workers())
            .finish()
    }
}
