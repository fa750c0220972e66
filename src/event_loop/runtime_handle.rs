//! `RuntimeHandle`: reach a multi-core `Runtime` from any thread, or from inside its workers.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::handle::LoopHandle;
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
    pub fn spawn<F>(&self, future: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        Task::new(Pool::spawn(&self.pool, future))
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
