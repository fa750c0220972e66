//! `Task<T>`: the handle to a spawned task, and a future of its result.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::future::FusedFuture;

use super::task_handle::name_of;
use super::{TaskHandle, TaskId};
use crate::awaits;
use crate::runtime::context;
use crate::runtime::task::{JoinRef, TaskError};

/// A spawned task: asyncio's `Task`. Await it for `Result<T, TaskError>`.
///
/// The task runs whether or not anyone awaits it. Dropping the handle detaches the task: it runs
/// on to completion and its output is dropped (the loop holds it, so unlike asyncio there is no
/// need to keep a reference). Cancel it with [`Task::cancel`].
///
/// # Examples
/// ```
/// use baton::{sleep, spawn};
/// use std::time::Duration;
///
/// baton::run(async {
///     let t = spawn(async {
///         sleep(Duration::from_millis(10)).await;
///         42
///     });
///     assert!(!t.done());
///     assert_eq!(t.await.unwrap(), 42);
/// });
/// ```
///
/// # Cancel safety
/// Dropping the future returned by awaiting (`&mut Task` is not awaitable; the `Task` itself is)
/// detaches the task; nothing is lost.
pub struct Task<T> {
    join: JoinRef<T>,
    /// This handle returned its result (`FusedFuture::is_terminated`).
    returned: bool,
}

impl<T> Unpin for Task<T> {}

impl<T> Task<T> {
    pub(crate) fn new(join: JoinRef<T>) -> Task<T> {
        Task {
            join,
            returned: false,
        }
    }

    /// The task's id, unique among all tasks of the process.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let a = baton::spawn(async {});
    ///     let b = baton::spawn(async {});
    ///     assert_ne!(a.id(), b.id());
    /// });
    /// ```
    pub fn id(&self) -> TaskId {
        self.join.task().id()
    }

    /// The task's name: the one given with [`named`](Task::named) or
    /// [`set_name`](Task::set_name), else `Task-<id>` as asyncio names them.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let t = baton::spawn(async {});
    ///     assert_eq!(t.name(), format!("Task-{}", t.id()));
    /// });
    /// ```
    pub fn name(&self) -> String {
        name_of(self.join.task())
    }

    /// Names the task (asyncio's `set_name`); callable from any thread, at any time.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let t = baton::spawn(async {});
    ///     t.set_name("fetch");
    ///     assert_eq!(t.name(), "fetch");
    /// });
    /// ```
    pub fn set_name(&self, name: impl Into<String>) {
        self.join.task().set_name(name.into());
    }

    /// Names the task and returns its handle: asyncio's `create_task(coro, name=…)` is
    /// `spawn(fut).named(…)`. A task spawned on the loop's own thread does not start before the
    /// spawner next awaits, so it never runs unnamed.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let t = baton::spawn(async { baton::current_task().unwrap().name() }).named("db");
    ///     assert_eq!(t.await.unwrap(), "db");
    ///
    ///     let tg = baton::TaskGroup::new();
    ///     let child = tg.spawn(async {}).named("child");
    ///     assert_eq!(child.name(), "child");
    ///     tg.join().await.unwrap();
    /// });
    /// ```
    pub fn named(self, name: impl Into<String>) -> Task<T> {
        self.set_name(name);
        self
    }

    /// True once the task has finished: returned, panicked or been cancelled.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let t = baton::spawn(async {});
    ///     assert!(!t.done());
    ///     baton::yield_now().await;
    ///     assert!(t.done());
    /// });
    /// ```
    pub fn done(&self) -> bool {
        self.join.task().is_done()
    }

    /// True once the task has finished by cancellation.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let t = baton::spawn(std::future::pending::<()>());
    ///     t.cancel();
    ///     assert!(!t.cancelled()); // cancellation takes effect when the loop next runs it
    ///     baton::yield_now().await;
    ///     assert!(t.cancelled());
    /// });
    /// ```
    pub fn cancelled(&self) -> bool {
        self.join.task().is_cancelled()
    }

    /// Asks the task to stop: the loop drops its future the next time it would run it, and
    /// awaiting the task gives `Err(TaskError::Cancelled(None))`. Returns false if the task had
    /// already finished (nothing changes then), true otherwise — and after a true, awaiting the
    /// task always reports it cancelled, even if its future returned meanwhile (as asyncio: a
    /// task that cancels itself and then returns is cancelled). Callable from any thread.
    ///
    /// Unlike asyncio, the task's code cannot catch the cancellation: its future is dropped, so
    /// `Drop` impls are where cleanup goes.
    ///
    /// # Examples
    /// ```
    /// use baton::{sleep, spawn};
    /// use std::time::Duration;
    ///
    /// baton::run(async {
    ///     let t = spawn(sleep(Duration::from_secs(60)));
    ///     assert!(t.cancel());
    ///     assert!(t.await.unwrap_err().is_cancelled());
    /// });
    /// ```
    pub fn cancel(&self) -> bool {
        self.join.task().cancel(None)
    }

    /// As [`cancel`](Task::cancel), recording `message` for the awaiter's
    /// [`TaskError::cancel_message`] (asyncio's `cancel(msg)`). A later plain `cancel` clears
    /// it, as asyncio's `cancel(msg=None)` does.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let t = baton::spawn(std::future::pending::<()>());
    ///     assert!(t.cancel_with_message("deadline"));
    ///     let err = t.await.unwrap_err();
    ///     assert_eq!(err.cancel_message(), Some("deadline"));
    ///     assert_eq!(err.to_string(), "task was cancelled: deadline");
    /// });
    /// ```
    pub fn cancel_with_message(&self, message: impl Into<String>) -> bool {
        self.join.task().cancel(Some(message.into()))
    }

    /// Runs `callback` on the loop once the task finishes (returned, panicked or cancelled),
    /// or soon if it already has (asyncio's `add_done_callback`). The callback gets an untyped
    /// handle to the task. Callbacks of tasks still pending when the loop closes do not run.
    ///
    /// # Examples
    /// ```
    /// use std::cell::Cell;
    /// use std::rc::Rc;
    ///
    /// baton::run(async {
    ///     let seen = Rc::new(Cell::new(false));
    ///     let s = seen.clone();
    ///     let t = baton::spawn(async { 1 });
    ///     t.add_done_callback(move |task| s.set(task.done()));
    ///     assert_eq!(t.await.unwrap(), 1);
    ///     baton::yield_now().await; // callbacks run as loop callbacks, soon after
    ///     assert!(seen.get());
    /// });
    /// ```
    ///
    /// # Panics
    /// Unless called on the task's own running loop.
    #[track_caller]
    pub fn add_done_callback(&self, callback: impl FnOnce(TaskHandle) + 'static) {
        let handle = self.handle();
        context::with(|cx| {
            cx.add_done_callback(self.join.task(), Box::new(move || callback(handle)));
        });
    }

    /// True once the task has finished by panicking.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let t = baton::spawn(async { panic!("no") });
    ///     baton::yield_now().await;
    ///     assert!(t.panicked());
    /// });
    /// ```
    pub fn panicked(&self) -> bool {
        self.join.task().is_panicked()
    }

    /// An untyped handle to the same task.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let t = baton::spawn(async {});
    ///     assert_eq!(t.handle().id(), t.id());
    /// });
    /// ```
    pub fn handle(&self) -> TaskHandle {
        TaskHandle::new(self.join.task().clone())
    }

    /// Registers `cx`'s waker to be woken when the task completes, without taking the output.
    pub(crate) fn poll_done(&self, cx: &mut Context<'_>) -> Poll<()> {
        let poll = self.join.poll_done(cx);
        if poll.is_pending() {
            self.note_awaited();
        }
        poll
    }

    /// Records who awaits this task for a dump's await tree: the task (or main future) being
    /// polled, through the combinator polling this handle, if any.
    #[inline]
    fn note_awaited(&self) {
        if let Some(awaiter) = context::try_with(|cx| cx.map(|cx| cx.awaiter_here())) {
            context::note_awaited(self.join.task(), awaiter, awaits::current());
        }
    }
}

impl<T> Future for Task<T> {
    type Output = Result<T, TaskError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let poll = self.join.poll_join(cx);
        if poll.is_pending() {
            self.note_awaited();
        } else {
            self.returned = true;
        }
        poll
    }
}

/// Terminated once the handle returned the task's result (a task that finished but was not
/// awaited yet is not: `select!` still takes its result). So `futures::select!` takes a task
/// (and a [`Sleep`](crate::time::Sleep), and baton's other futures) with no `.fuse()`.
///
/// # Examples
/// ```
/// use baton::time::sleep;
/// use std::time::Duration;
///
/// let mut lp = baton::EventLoop::builder().paused_clock().build().unwrap();
/// let ticks = lp.run_until_complete(async {
///     let mut work = baton::spawn(sleep(Duration::from_secs(25)));
///     let mut tick = sleep(Duration::from_secs(10));
///     let mut ticks = 0;
///     loop {
///         futures::select! {
///             done = work => break done.map(|()| ticks),
///             () = tick => {
///                 ticks += 1;
///                 tick = sleep(Duration::from_secs(10));
///             }
///         }
///     }
/// });
/// assert_eq!(ticks.unwrap(), 2);
/// ```
impl<T> FusedFuture for Task<T> {
    fn is_terminated(&self) -> bool {
        self.returned
    }
}

impl<T> fmt::Debug for Task<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Task")
            .field("id", &self.id())
            .field("name", &self.name())
            .field("done", &self.done())
            .finish()
    }
}
