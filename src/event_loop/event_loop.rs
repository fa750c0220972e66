//! `EventLoop`: asyncio's event loop, single-threaded.

use std::fmt;
use std::future::Future;
use std::io;
use std::marker::PhantomData;
use std::panic::Location;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use super::builder::Builder;
use super::callback::CallbackHandle;
use super::error::LoopStopped;
use super::handle::LoopHandle;
use super::signal_handlers;
use crate::debug::{Dump, Exception, Metrics};
use crate::loom::Arc;
use crate::runtime::diagnostics::Diagnostics;
use crate::runtime::driver::{Clock, Io};
use crate::runtime::{Core, Shared};
use crate::task::Task;
use crate::time::sleep_until;

/// An event loop: runs tasks, timers and callbacks on the thread that drives it.
///
/// Create one, drive it with [`run_until_complete`](EventLoop::run_until_complete) or
/// [`run_forever`](EventLoop::run_forever), and [`close`](EventLoop::close) it (or drop it).
/// Tasks spawned during one run keep running in the next, as in asyncio.
///
/// # Examples
/// ```
/// use baton::{sleep, EventLoop};
/// use std::time::Duration;
///
/// async fn square(x: u64) -> u64 {
///     sleep(Duration::from_millis(10)).await;
///     x * x
/// }
///
/// let mut lp = EventLoop::new()?;
/// assert_eq!(lp.run_until_complete(square(3)), 9);
/// lp.close();
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// A loop stays on the thread that made it (its tasks need not be `Send`); send a
/// [`LoopHandle`] to other threads instead:
///
/// ```compile_fail,E0277
/// let lp = baton::EventLoop::new().unwrap();
/// std::thread::spawn(move || drop(lp)); // error: `EventLoop` cannot be sent between threads
/// ```
pub struct EventLoop {
    core: Box<Core>,
    /// Tasks with `!Send` futures live here: the loop stays on its thread.
    _not_send: PhantomData<*const ()>,
}

impl EventLoop {
    /// A new loop with the real clock.
    ///
    /// # Examples
    /// ```
    /// let mut lp = baton::EventLoop::new()?;
    /// assert_eq!(lp.run_until_complete(async { 1 + 1 }), 2);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// When the OS refuses the poller (e.g. out of file descriptors).
    pub fn new() -> io::Result<EventLoop> {
        Builder::new().build()
    }

    /// Options for a new loop, such as the paused clock for tests.
    ///
    /// # Examples
    /// ```
    /// let lp = baton::EventLoop::builder().paused_clock().build()?;
    /// lp.close();
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn builder() -> Builder {
        Builder::new()
    }

    pub(crate) fn from_builder(options: &Builder) -> io::Result<EventLoop> {
        let seed = options.seed_option()?;
        if options.wants_dump_on_signal() {
            super::dump_signal::install()?;
        }
        let diagnostics = Arc::new(Diagnostics::new(options.debug_options()));
        Ok(EventLoop {
            core: Box::new(Core::new(
                Io::new()?,
                Clock::new(options.is_paused()),
                diagnostics,
                seed,
            )),
            _not_send: PhantomData,
        })
    }

    /// Runs the loop until `future` completes, and returns its output (asyncio's
    /// `run_until_complete`). Other tasks run meanwhile; those still pending when it returns
    /// stay on the loop for the next run. The future may borrow local variables.
    ///
    /// # Examples
    /// ```
    /// use baton::{sleep, EventLoop};
    /// use std::time::Duration;
    ///
    /// let mut lp = EventLoop::builder().paused_clock().build()?;
    /// let name = String::from("borrowed");
    /// let len = lp.run_until_complete(async {
    ///     sleep(Duration::from_secs(1)).await;
    ///     name.len()
    /// });
    /// assert_eq!(len, 8);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Panics
    /// If `future` panics: the panic propagates, and the loop stays usable. If the loop is
    /// [stopped](EventLoop::stop) before `future` completes, with asyncio's message ("event loop
    /// stopped before the future completed"): use
    /// [`try_run_until_complete`](EventLoop::try_run_until_complete) where `stop` is expected.
    /// If another loop is already running on this thread (called from inside a task): `.await`
    /// instead.
    #[track_caller]
    pub fn run_until_complete<F: Future>(&mut self, future: F) -> F::Output {
        match self.try_run_until_complete(future) {
            Ok(output) => output,
            Err(stopped) => panic!(
                "{stopped}: `stop()` was called during `run_until_complete`; use \
                 `try_run_until_complete` to handle it"
            ),
        }
    }

    /// As [`run_until_complete`](EventLoop::run_until_complete), but a
    /// [`stop`](EventLoop::stop) requested before `future` completes ends the run with
    /// `Err(LoopStopped)` (asyncio's `RuntimeError`) after the current iteration of the loop.
    /// `future` is dropped then; to resume it in a later run, pass it by reference
    /// (`&mut fut`, pinned if it is not `Unpin`) or run it as a task and pass the [`Task`].
    ///
    /// # Examples
    /// ```
    /// use baton::{sleep, EventLoop};
    /// use baton::event_loop::LoopStopped;
    /// use std::time::Duration;
    ///
    /// let mut lp = EventLoop::builder().paused_clock().build()?;
    /// let handle = lp.handle();
    /// lp.call_later(Duration::from_secs(1), move || handle.stop());
    /// let mut work = std::pin::pin!(sleep(Duration::from_secs(5)));
    /// assert_eq!(lp.try_run_until_complete(&mut work), Err(LoopStopped));
    /// // The work was not lost: a later run resumes it.
    /// assert_eq!(lp.try_run_until_complete(&mut work), Ok(()));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`LoopStopped`] when the loop was stopped first.
    ///
    /// # Panics
    /// As [`run_until_complete`](EventLoop::run_until_complete), except for the stop.
    #[track_caller]
    pub fn try_run_until_complete<F: Future>(
        &mut self,
        future: F,
    ) -> Result<F::Output, LoopStopped> {
        let core: &Core = &self.core;
        let _enter = core.enter();
        // A std `Arc`: `Waker::from` wants one (the waker plumbing is not loom-modelled).
        let main = std::sync::Arc::new(MainWaker {
            woken: AtomicBool::new(true),
            shared: core.shared().clone(),
        });
        let waker = Waker::from(main.clone());
        let mut cx = Context::from_waker(&waker);
        let mut future = pin!(future);
        loop {
            if main.woken.swap(false, Ordering::AcqRel) {
                let poll = core.poll_main(|| future.as_mut().poll(&mut cx));
                if let Poll::Ready(output) = poll {
                    return Ok(output);
                }
            }
            core.tick(&|| main.woken.load(Ordering::Acquire));
            if core.shared().take_stop_request() {
                return Err(LoopStopped);
            }
        }
    }

    /// Runs the loop until [`stop`](EventLoop::stop) (or [`LoopHandle::stop`]) is called
    /// (asyncio's `run_forever`). A stop requested before the call makes it run one iteration.
    ///
    /// # Examples
    /// ```
    /// use std::time::Duration;
    ///
    /// let mut lp = baton::EventLoop::builder().paused_clock().build()?;
    /// let handle = lp.handle();
    /// lp.call_later(Duration::from_secs(5), move || handle.stop());
    /// let start = lp.time();
    /// lp.run_forever();
    /// assert_eq!(lp.time() - start, Duration::from_secs(5));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Panics
    /// If another loop is already running on this thread.
    #[track_caller]
    pub fn run_forever(&mut self) {
        let core: &Core = &self.core;
        let _enter = core.enter();
        loop {
            core.tick(&|| core.shared().stop_requested());
            if core.shared().take_stop_request() {
                return;
            }
        }
    }

    /// Asks [`run_forever`](EventLoop::run_forever) to return after its current iteration
    /// (asyncio's `stop`); a [`run_until_complete`](EventLoop::run_until_complete) then ends
    /// with [`LoopStopped`] unless its future completed in that iteration.
    ///
    /// # Examples
    /// ```
    /// let mut lp = baton::EventLoop::new()?;
    /// lp.stop();
    /// lp.run_forever(); // returns after one iteration
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn stop(&self) {
        self.core.shared().request_stop();
    }

    /// Schedules `future` as a task on this loop (asyncio's `loop.create_task`); it starts when
    /// the loop next runs.
    ///
    /// # Examples
    /// ```
    /// let mut lp = baton::EventLoop::new()?;
    /// let t = lp.spawn(async { 7 });
    /// assert_eq!(lp.run_until_complete(t).unwrap(), 7);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> Task<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        Task::new(self.core.spawn(future, Location::caller()))
    }

    /// The loop's clock (asyncio's `loop.time()`); under the paused clock, virtual time.
    ///
    /// # Examples
    /// ```
    /// use std::time::Duration;
    ///
    /// let mut lp = baton::EventLoop::builder().paused_clock().build()?;
    /// let start = lp.time();
    /// lp.run_until_complete(baton::sleep(Duration::from_secs(3600)));
    /// assert_eq!(lp.time() - start, Duration::from_secs(3600));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn time(&self) -> Instant {
        self.core.driver().now()
    }

    /// Runs `callback` on the loop soon, in FIFO order with tasks (asyncio's `call_soon`).
    ///
    /// # Examples
    /// ```
    /// use std::cell::Cell;
    /// use std::rc::Rc;
    ///
    /// let mut lp = baton::EventLoop::new()?;
    /// let hits = Rc::new(Cell::new(0));
    /// let h = hits.clone();
    /// lp.call_soon(move || h.set(h.get() + 1));
    /// lp.run_until_complete(baton::yield_now());
    /// assert_eq!(hits.get(), 1);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[track_caller]
    pub fn call_soon<F: FnOnce() + 'static>(&self, callback: F) -> CallbackHandle {
        CallbackHandle::new(Task::new(
            self.core
                .spawn(async move { callback() }, Location::caller()),
        ))
    }

    /// Runs `callback` on the loop once `delay` has passed (asyncio's `call_later`).
    ///
    /// # Examples
    /// ```
    /// use std::time::Duration;
    ///
    /// let mut lp = baton::EventLoop::builder().paused_clock().build()?;
    /// let cancelled = lp.call_later(Duration::from_secs(1), || unreachable!());
    /// assert!(cancelled.cancel());
    /// lp.run_until_complete(baton::sleep(Duration::from_secs(2)));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[track_caller]
    pub fn call_later<F: FnOnce() + 'static>(
        &self,
        delay: Duration,
        callback: F,
    ) -> CallbackHandle {
        let when = self.time().checked_add(delay);
        CallbackHandle::new(Task::new(self.core.spawn(
            async move {
                match when {
                    Some(when) => sleep_until(when).await,
                    None => std::future::pending().await,
                }
                callback()
            },
            Location::caller(),
        )))
    }

    /// Runs `callback` on the loop at `when`, on the loop's clock (asyncio's `call_at`).
    ///
    /// # Examples
    /// ```
    /// use std::time::Duration;
    ///
    /// let mut lp = baton::EventLoop::builder().paused_clock().build()?;
    /// let when = lp.time() + Duration::from_secs(10);
    /// let handle = lp.handle();
    /// lp.call_at(when, move || handle.stop());
    /// lp.run_forever();
    /// assert_eq!(lp.time(), when);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[track_caller]
    pub fn call_at<F: FnOnce() + 'static>(&self, when: Instant, callback: F) -> CallbackHandle {
        CallbackHandle::new(Task::new(self.core.spawn(
            async move {
                sleep_until(when).await;
                callback()
            },
            Location::caller(),
        )))
    }

    /// A snapshot of this loop's counters: tasks spawned and completed, polls, busy and parked
    /// time, the ready queue, remote wakes, pending timers, I/O events and the `to_thread`
    /// pool's load (see [`Metrics`] for what each counts).
    ///
    /// # Examples
    /// ```
    /// use std::time::Duration;
    ///
    /// let mut lp = baton::EventLoop::builder().paused_clock().build()?;
    /// let sleeper = lp.spawn(baton::sleep(Duration::from_secs(60)));
    /// lp.run_until_complete(baton::yield_now());
    /// let metrics = lp.metrics();
    /// assert_eq!(metrics.tasks_alive, 1);
    /// assert_eq!(metrics.timers_pending, 1);
    ///
    /// lp.run_until_complete(sleeper).unwrap();
    /// let metrics = lp.metrics();
    /// assert_eq!((metrics.tasks_completed, metrics.timers_pending), (1, 0));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn metrics(&self) -> Metrics {
        self.core.metrics()
    }

    /// A handle for other threads: spawn `Send` futures, call functions, stop the loop.
    ///
    /// # Examples
    /// ```
    /// let mut lp = baton::EventLoop::new()?;
    /// let handle = lp.handle();
    /// let t = std::thread::spawn(move || handle.spawn(async { 6 * 7 }))
    ///     .join()
    ///     .unwrap();
    /// assert_eq!(lp.run_until_complete(t).unwrap(), 42);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn handle(&self) -> LoopHandle {
        LoopHandle::new(self.core.shared().clone())
    }

    /// A [task dump](Dump): every task of the loop — id, name, state, spawn site, polls, and in
    /// debug mode age and busy time — and the tree of who awaits whom, through `gather`,
    /// `as_completed`, `wait`, `TaskGroup` and `shield` (asyncio 3.14's `ps` and `pstree`).
    /// From another thread, or from inside a task, use [`LoopHandle::dump`].
    ///
    /// # Examples
    /// ```
    /// let lp = baton::EventLoop::new()?;
    /// let t = lp.spawn(async {}).named("greeter");
    /// let dump = lp.dump();
    /// assert_eq!(dump.tasks()[0].task.id, t.id());
    /// println!("{dump}");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn dump(&self) -> Dump {
        Dump::new(self.core.task_snapshots(None))
    }

    /// Whether the loop runs in [debug mode](Builder::debug).
    ///
    /// # Examples
    /// ```
    /// let lp = baton::EventLoop::builder().debug(true).build()?;
    /// assert!(lp.debug());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn debug(&self) -> bool {
        self.core.diagnostics().debug()
    }

    /// Sends the loop's reports — [slow polls](crate::debug::ExceptionKind::SlowPoll),
    /// [tasks pending at close](crate::debug::ExceptionKind::PendingAtClose) and servers'
    /// [failed connections](crate::debug::ExceptionKind::ConnectionFailed) in debug mode, and
    /// [panics nobody retrieved](crate::debug::ExceptionKind::UnobservedPanic) and servers'
    /// [failed accepts](crate::debug::ExceptionKind::AcceptFailed) always — to
    /// `handler` instead of the default, which writes one line to stderr (or, with the `tracing`
    /// feature, a `tracing` event). asyncio's `loop.set_exception_handler`.
    ///
    /// The handler may be called on any thread (a panic's last handle can be dropped anywhere)
    /// and must not block; a panic in it is contained. The loop lets go of it when it closes
    /// (so it may hold the loop's own [`LoopHandle`]); reports made after that go to the
    /// default handler.
    ///
    /// # Examples
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use std::time::Duration;
    /// use baton::debug::{Exception, ExceptionKind};
    ///
    /// let mut lp = baton::EventLoop::builder().paused_clock().debug(true).build()?;
    /// let slow = Arc::new(Mutex::new(Vec::new()));
    /// let log = slow.clone();
    /// lp.set_exception_handler(move |e: &Exception| {
    ///     if let ExceptionKind::SlowPoll { took } = e.kind {
    ///         log.lock().unwrap().push(took);
    ///     }
    /// });
    /// lp.run_until_complete(async {
    ///     baton::spawn(async {
    ///         baton::time::advance(Duration::from_millis(150)); // a poll that "takes" 150 ms
    ///     })
    ///     .await
    ///     .unwrap();
    /// });
    /// assert_eq!(*slow.lock().unwrap(), [Duration::from_millis(150)]);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn set_exception_handler(&self, handler: impl Fn(&Exception) + Send + Sync + 'static) {
        self.core
            .diagnostics()
            .set_handler(Some(std::sync::Arc::new(handler)));
    }

    /// Goes back to the default exception handler (stderr, or `tracing`).
    ///
    /// # Examples
    /// ```
    /// let lp = baton::EventLoop::new()?;
    /// lp.set_exception_handler(|_: &baton::debug::Exception| {});
    /// lp.reset_exception_handler();
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn reset_exception_handler(&self) {
        self.core.diagnostics().set_handler(None);
    }

    /// Runs `callback` on this loop each time `signal` arrives (asyncio's
    /// `loop.add_signal_handler`), replacing the handler this loop had for it. The callback
    /// runs as a [`call_soon`](EventLoop::call_soon) callback does, between tasks; arrivals
    /// before it ran coalesce into one call. A callback that panics is reported to the
    /// [exception handler](EventLoop::set_exception_handler) as
    /// [`SignalHandlerPanic`](crate::debug::ExceptionKind::SignalHandlerPanic), and stays
    /// installed. Handlers are removed when the loop closes.
    ///
    /// As for [`Signals`](crate::signal::Signals), baton's process-wide handler for the signal
    /// stays installed after the callback is removed. A handler of `SIGINT` takes Ctrl-C from
    /// [`baton::run`](crate::run)'s own handling.
    ///
    /// # Examples
    /// ```
    /// use baton::signal::Signal;
    ///
    /// let mut lp = baton::EventLoop::new()?;
    /// let handle = lp.handle();
    /// lp.add_signal_handler(Signal::USR2, move || handle.stop())?;
    /// // SAFETY: raising a signal this process has a handler for.
    /// unsafe { libc::raise(libc::SIGUSR2) }; // as `kill -USR2 <pid>` would
    /// lp.run_forever(); // until the handler stops it
    /// assert!(lp.remove_signal_handler(Signal::USR2));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Signals::new`](crate::signal::Signals::new): `InvalidInput` for signals that cannot
    /// be handled (`SIGKILL`, `SIGSTOP`, `SIGSEGV`, …).
    #[track_caller]
    pub fn add_signal_handler(
        &self,
        signal: i32,
        callback: impl FnMut() + 'static,
    ) -> io::Result<()> {
        let site = Location::caller();
        signal_handlers::add(self.core.shared().id(), signal, callback, |task| {
            Task::new(self.core.spawn(task.run(), site)).handle()
        })
    }

    /// Removes this loop's handler of `signal` (asyncio's `loop.remove_signal_handler`); false
    /// if it had none. Its callback is not called again.
    ///
    /// # Examples
    /// ```
    /// let lp = baton::EventLoop::new()?;
    /// lp.add_signal_handler(libc::SIGHUP, || println!("reloading"))?;
    /// assert!(lp.remove_signal_handler(libc::SIGHUP));
    /// assert!(!lp.remove_signal_handler(libc::SIGHUP));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn remove_signal_handler(&self, signal: i32) -> bool {
        signal_handlers::remove(self.core.shared().id(), signal)
    }

    /// Cancels every task that remains (dropping their futures here) and frees the loop
    /// (asyncio's `close`). Dropping the loop does the same.
    ///
    /// # Examples
    /// ```
    /// let lp = baton::EventLoop::new()?;
    /// let t = lp.spawn(std::future::pending::<()>());
    /// lp.close();
    /// assert!(t.cancelled());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn close(self) {
        drop(self);
    }
}

impl Drop for EventLoop {
    fn drop(&mut self) {
        // Before shutdown: cancelled, the handlers' tasks are not reported pending at close.
        signal_handlers::remove_all(self.core.shared().id());
        self.core.shutdown();
        // The handler may hold a `LoopHandle` of this loop (a cycle through `Shared`): let it
        // go once shutdown's reports are made.
        self.core.diagnostics().set_handler(None);
    }
}

impl fmt::Debug for EventLoop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventLoop")
            .field("paused_clock", &self.core.driver().is_paused())
            .finish_non_exhaustive()
    }
}

/// Wakes the future that `run_until_complete` drives (it is not a task).
struct MainWaker {
    woken: AtomicBool,
    shared: Arc<Shared>,
}

impl Wake for MainWaker {
    fn wake(self: std::sync::Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        if !self.shared.is_current() {
            self.shared.notify();
        }
    }
}
