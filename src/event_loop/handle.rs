//! `LoopHandle`: reach a loop from any thread.

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::time::Duration;

use super::callback::CallbackHandle;
use super::signal_handlers;
use crate::debug::{Dump, DumpError, Exception, Metrics};
use crate::loom::Arc;
use crate::runtime::shared::InspectError;
use crate::runtime::{context, Shared};
use crate::task::Task;

/// A `Send + Sync + Clone` handle to an event loop, for other threads (asyncio's
/// `run_coroutine_threadsafe` and `call_soon_threadsafe`). Anything it sends wakes a parked loop
/// at once.
///
/// # Examples
/// ```
/// let mut lp = baton::EventLoop::new()?;
/// let handle = lp.handle();
/// let worker = std::thread::spawn(move || {
///     handle.call_soon_threadsafe(|| println!("ran on the loop"));
///     handle.stop();
/// });
/// lp.run_forever();
/// worker.join().unwrap();
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone)]
pub struct LoopHandle {
    shared: Arc<Shared>,
}

impl LoopHandle {
    pub(crate) fn new(shared: Arc<Shared>) -> LoopHandle {
        LoopHandle { shared }
    }

    /// Schedules `future` as a task on the loop from any thread (asyncio's
    /// `run_coroutine_threadsafe`). The task handle can be awaited on any thread or loop.
    ///
    /// If the loop has closed, the future is dropped here and the task reports
    /// `Err(TaskError::Cancelled(_))`.
    ///
    /// # Examples
    /// ```
    /// let mut lp = baton::EventLoop::new()?;
    /// let handle = lp.handle();
    /// let task = std::thread::spawn(move || handle.spawn(async { "from afar" }))
    ///     .join()
    ///     .unwrap();
    /// assert_eq!(lp.run_until_complete(task).unwrap(), "from afar");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// The future crosses threads, so it must be `Send` (use `baton::spawn` on the loop's own
    /// thread for the rest):
    ///
    /// ```compile_fail,E0277
    /// let lp = baton::EventLoop::new().unwrap();
    /// let not_send = std::rc::Rc::new(1);
    /// lp.handle().spawn(async move { *not_send }); // error: `Rc<i32>` cannot be sent
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let site = Location::caller();
        if self.shared.is_current() {
            // On the loop's own thread the local path is cheaper and keeps FIFO order.
            return Task::new(context::with(|cx| cx.spawn(future, site)));
        }
        Task::new(Shared::spawn_remote(&self.shared, future, site))
    }

    /// Runs `callback` on the loop soon, from any thread (asyncio's `call_soon_threadsafe`).
    /// If the loop has closed, the callback is dropped and the handle reports it cancelled.
    ///
    /// # Examples
    /// ```
    /// use std::sync::atomic::{AtomicBool, Ordering};
    /// use std::sync::Arc;
    ///
    /// let mut lp = baton::EventLoop::new()?;
    /// let ran = Arc::new(AtomicBool::new(false));
    /// let (r, handle) = (ran.clone(), lp.handle());
    /// std::thread::spawn(move || {
    ///     handle.call_soon_threadsafe(move || r.store(true, Ordering::SeqCst));
    ///     handle.stop();
    /// });
    /// lp.run_forever();
    /// # while !ran.load(Ordering::SeqCst) { lp.run_until_complete(baton::yield_now()); }
    /// assert!(ran.load(Ordering::SeqCst));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[track_caller]
    pub fn call_soon_threadsafe<F: FnOnce() + Send + 'static>(
        &self,
        callback: F,
    ) -> CallbackHandle {
        CallbackHandle::new(self.spawn(async move { callback() }))
    }

    /// [`EventLoop::add_signal_handler`](crate::EventLoop::add_signal_handler) from any thread
    /// (so the callback must be `Send`): runs `callback` on the loop each time `signal`
    /// arrives, replacing its handler of it. On a
    /// [`Runtime`](crate::Runtime) worker's handle, the callback runs on that worker.
    ///
    /// # Examples
    /// ```
    /// use baton::signal::Signal;
    ///
    /// let mut lp = baton::EventLoop::new()?;
    /// let handle = lp.handle();
    /// let stopper = handle.clone();
    /// std::thread::spawn(move || handle.add_signal_handler(Signal::USR2, move || stopper.stop()))
    ///     .join()
    ///     .unwrap()?;
    /// // SAFETY: raising a signal this process has a handler for.
    /// unsafe { libc::raise(libc::SIGUSR2) };
    /// lp.run_forever();
    /// assert!(lp.handle().remove_signal_handler(Signal::USR2));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`EventLoop::add_signal_handler`](crate::EventLoop::add_signal_handler); and when
    /// the loop has closed.
    #[track_caller]
    pub fn add_signal_handler(
        &self,
        signal: i32,
        callback: impl FnMut() + Send + 'static,
    ) -> std::io::Result<()> {
        if self.is_closed() {
            return Err(std::io::Error::other("the event loop has closed"));
        }
        signal_handlers::add(self.shared.id(), signal, callback, |task| {
            self.spawn(task.run()).handle()
        })
    }

    /// [`EventLoop::remove_signal_handler`](crate::EventLoop::remove_signal_handler) from any
    /// thread; false if the loop had no handler of `signal`.
    ///
    /// # Examples
    /// ```
    /// let lp = baton::EventLoop::new()?;
    /// assert!(!lp.handle().remove_signal_handler(libc::SIGHUP));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn remove_signal_handler(&self, signal: i32) -> bool {
        signal_handlers::remove(self.shared.id(), signal)
    }

    /// Asks `run_forever` to return after its current iteration, from any thread.
    ///
    /// # Examples
    /// ```
    /// let mut lp = baton::EventLoop::new()?;
    /// let handle = lp.handle();
    /// std::thread::spawn(move || handle.stop());
    /// lp.run_forever();
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn stop(&self) {
        self.shared.request_stop();
    }

    /// A [task dump](Dump) of the loop: every task, its state, spawn site and polls, and the
    /// tree of who awaits whom. From any thread: the loop answers between two polls (never
    /// polling a task for it); on the loop's own thread, at once.
    ///
    /// # Examples
    /// ```
    /// let mut lp = baton::EventLoop::new()?;
    /// let handle = lp.handle();
    /// let t = lp.spawn(std::future::pending::<()>()).named("idle");
    /// // Another thread asks while the loop runs; the loop answers between polls.
    /// let dump = lp.run_until_complete(baton::to_thread(move || handle.dump()));
    /// let dump = dump.unwrap();
    /// assert_eq!(dump.task(t.id()).unwrap().task.name.as_deref(), Some("idle"));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`DumpError::NotRunning`] when no thread is running the loop (no `run_until_complete` or
    /// `run_forever` in progress) and the caller is not on its thread, [`DumpError::Closed`] if
    /// it closes first. A loop blocked by a task that never returns never answers: use
    /// [`dump_timeout`](Self::dump_timeout) where that may happen.
    pub fn dump(&self) -> Result<Dump, DumpError> {
        self.dump_within(None)
    }

    /// As [`dump`](Self::dump), giving up after `limit`.
    ///
    /// # Examples
    /// ```
    /// use std::time::Duration;
    ///
    /// let mut lp = baton::EventLoop::new()?;
    /// let handle = lp.handle();
    /// let dump = lp.run_until_complete(baton::to_thread(move || {
    ///     handle.dump_timeout(Duration::from_secs(10))
    /// }));
    /// assert!(dump.is_ok());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`dump`](Self::dump), and [`DumpError::TimedOut`] when the loop did not answer within
    /// `limit` (a task is blocking its thread).
    pub fn dump_timeout(&self, limit: Duration) -> Result<Dump, DumpError> {
        self.dump_within(Some(limit))
    }

    fn dump_within(&self, limit: Option<Duration>) -> Result<Dump, DumpError> {
        self.shared
            .inspect(|core| Dump::new(core.task_snapshots(None)), limit)
            .map_err(dump_error)
    }

    /// The loop's [`Metrics`], read between two polls as [`dump`](Self::dump) is.
    ///
    /// # Examples
    /// ```
    /// let mut lp = baton::EventLoop::new()?;
    /// let handle = lp.handle();
    /// lp.spawn(async {});
    /// let metrics = lp.run_until_complete(baton::to_thread(move || handle.metrics()));
    /// assert_eq!(metrics.unwrap().tasks_spawned, 1);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`dump`](Self::dump).
    pub fn metrics(&self) -> Result<Metrics, DumpError> {
        self.shared
            .inspect(|core| core.metrics(), None)
            .map_err(dump_error)
    }

    /// Whether the loop runs in [debug mode](super::Builder::debug).
    ///
    /// # Examples
    /// ```
    /// let lp = baton::EventLoop::builder().debug(false).build()?;
    /// assert!(!lp.handle().debug());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn debug(&self) -> bool {
        self.shared.diagnostics().debug()
    }

    /// Sends the loop's reports (slow polls, panics nobody retrieved, tasks pending at close,
    /// servers' failed accepts and connections) to `handler` instead of stderr (asyncio's
    /// `loop.set_exception_handler`); see
    /// [`EventLoop::set_exception_handler`](crate::EventLoop::set_exception_handler).
    ///
    /// # Examples
    /// ```
    /// let lp = baton::EventLoop::new()?;
    /// lp.handle().set_exception_handler(|e: &baton::debug::Exception| eprintln!("app: {e}"));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn set_exception_handler(&self, handler: impl Fn(&Exception) + Send + Sync + 'static) {
        self.shared
            .diagnostics()
            .set_handler(Some(std::sync::Arc::new(handler)));
    }

    /// Hands `exception` to the loop's handler, as the loop does with its own reports
    /// (asyncio's `loop.call_exception_handler`).
    ///
    /// # Examples
    /// ```
    /// use baton::debug::{Exception, ExceptionKind};
    ///
    /// let lp = baton::EventLoop::new()?;
    /// let seen = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    /// let flag = seen.clone();
    /// lp.handle().set_exception_handler(move |_: &Exception| flag.store(true, std::sync::atomic::Ordering::SeqCst));
    /// lp.handle().call_exception_handler(&Exception::new(ExceptionKind::UnobservedPanic));
    /// assert!(seen.load(std::sync::atomic::Ordering::SeqCst));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn call_exception_handler(&self, exception: &Exception) {
        self.shared.diagnostics().report(exception);
    }

    /// True once the loop was closed (or dropped).
    ///
    /// # Examples
    /// ```
    /// let lp = baton::EventLoop::new()?;
    /// let handle = lp.handle();
    /// assert!(!handle.is_closed());
    /// lp.close();
    /// assert!(handle.is_closed());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn is_closed(&self) -> bool {
        self.shared.is_closed()
    }

    /// The handle of the loop running on this thread, if any.
    ///
    /// # Examples
    /// ```
    /// assert!(baton::LoopHandle::try_current().is_none());
    /// baton::run(async { assert!(baton::LoopHandle::try_current().is_some()) });
    /// ```
    pub fn try_current() -> Option<LoopHandle> {
        context::try_with(|cx| cx.map(|cx| LoopHandle::new(cx.shared().clone())))
    }

    /// Whether this is the handle of the loop running on this thread.
    #[cfg(feature = "hyper")]
    pub(crate) fn is_current(&self) -> bool {
        context::try_with(|cx| cx.is_some_and(|cx| Arc::ptr_eq(cx.shared(), &self.shared)))
    }
}

/// The handle of the loop running on this thread (asyncio's `get_running_loop`).
///
/// # Examples
/// ```
/// baton::run(async {
///     let handle = baton::get_running_loop();
///     let t = handle.spawn(async { 1 });
///     assert_eq!(t.await.unwrap(), 1);
/// });
/// ```
///
/// # Panics
/// Outside a running event loop.
#[track_caller]
pub fn get_running_loop() -> LoopHandle {
    context::with(|cx| LoopHandle::new(cx.shared().clone()))
}

impl fmt::Debug for LoopHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoopHandle")
            .field("closed", &self.is_closed())
            .finish()
    }
}

/// The public face of an unanswered inspection.
pub(crate) fn dump_error(error: InspectError) -> DumpError {
    match error {
        InspectError::NotRunning => DumpError::NotRunning,
        InspectError::Closed => DumpError::Closed,
        InspectError::TimedOut => DumpError::TimedOut,
    }
}
