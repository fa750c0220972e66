//! `Task<T>`: the handle to a spawned task, and a future of its result.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::task_handle::{cancel, cancel_with, name_of};
use super::{TaskHandle, TaskId};
use crate::runtime::context;
use crate::runtime::task::meta;
use crate::runtime::task::raw::TaskRef;
use crate::runtime::task::state;
use crate::runtime::task::TaskError;

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
    /// The handle's counted reference; released by `drop_handle` in `Drop`.
    raw: ManuallyDrop<TaskRef>,
    _output: PhantomData<T>,
}

// SAFETY: the handle reaches the task only through atomics, the awaiter slot (guarded by the
// `AWAITER` protocol in `state.rs`) and the output, which it moves out once `COMPLETE`; the future
// itself is only ever polled and dropped on its loop's thread (cancel only asks the loop to).
unsafe impl<T: Send> Send for Task<T> {}
// SAFETY: `&Task` gives only `id`, `done`, `cancelled`, `cancel`, which use atomics.
unsafe impl<T: Send> Sync for Task<T> {}

impl<T> Unpin for Task<T> {}

impl<T> Task<T> {
    pub(crate) fn new(raw: TaskRef) -> Task<T> {
        Task {
            raw: ManuallyDrop::new(raw),
            _output: PhantomData,
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
        self.raw.header().id
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
        name_of(&self.raw)
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
        meta::set_name(self.raw.header(), name.into());
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
        self.raw.is_done()
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
        self.raw.finished_by(state::CANCELLED)
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
        cancel(&self.raw)
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
        cancel_with(&self.raw, Some(message.into()))
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
        context::with_core(|core| core.add_done_callback(&self.raw, Box::new(callback)));
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
        self.raw.finished_by(state::PANICKED)
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
        TaskHandle::new((*self.raw).clone())
    }

    /// Registers `cx`'s waker to be woken when the task completes, without taking the output.
    pub(crate) fn poll_done(&self, cx: &mut Context<'_>) -> Poll<()> {
        if self.register_awaiter(cx) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }

    /// The awaiter protocol of `state.rs`: publishes `cx`'s waker unless the task is complete.
    /// Returns true if it is complete. The waker it replaces is dropped last, once the slot and
    /// the flag agree again (a waker's `drop` is user code).
    fn register_awaiter(&self, cx: &mut Context<'_>) -> bool {
        let header = self.raw.header();
        let snapshot = header.state.load();
        if snapshot.has(state::COMPLETE) {
            return true;
        }
        if snapshot.has(state::AWAITER) {
            // SAFETY: AWAITER is set and the task is not complete, so the loop does not write the
            // slot and the handle (us) does not either until it clears the flag: reading is safe.
            let same = unsafe { &*header.awaiter.get() }
                .as_ref()
                .is_some_and(|w| w.will_wake(cx.waker()));
            if same {
                return false;
            }
            if header.state.unset_awaiter().is_err() {
                return true;
            }
        }
        let waker = cx.waker().clone();
        // SAFETY: AWAITER is clear, so the slot is the handle's alone (see `state.rs`).
        let old = unsafe { (*header.awaiter.get()).replace(waker) };
        let complete = header.state.set_awaiter().is_err();
        drop(old);
        complete
    }
}

impl<T> Future for Task<T> {
    type Output = Result<T, TaskError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if self.register_awaiter(cx) {
            Poll::Ready(self.take())
        } else {
            Poll::Pending
        }
    }
}

impl<T> Task<T> {
    fn take(&self) -> Result<T, TaskError> {
        let snapshot = self.raw.header().state.load();
        assert!(
            !snapshot.has(state::STAGE_EMPTY) || snapshot.has(state::CANCELLED),
            "Task polled after it returned its result"
        );
        // SAFETY: `T` is this task's output type (it was spawned as `Task<T>`), and a complete
        // task's stage belongs to the handle.
        unsafe { self.raw.take_output::<T>() }
    }
}

impl<T> Drop for Task<T> {
    fn drop(&mut self) {
        let (drop_output, last) = self.raw.header().state.drop_handle();
        if drop_output {
            self.raw.drop_output();
        }
        // `drop_handle` released the handle's reference itself, so `raw` is not dropped.
        if last {
            // SAFETY: `drop_handle` released the last reference.
            unsafe { crate::runtime::task::raw::dealloc_raw(self.raw.as_ptr()) };
        }
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
