//! `Task<T>`: the handle to a spawned task, and a future of its result.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::error::TaskError;
use super::raw::TaskRef;
use super::state;
use super::{TaskHandle, TaskId};
use crate::runtime::context;

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

    /// The task's name, `Task-<id>` as asyncio names them.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let t = baton::spawn(async {});
    ///     assert_eq!(t.name(), format!("Task-{}", t.id()));
    /// });
    /// ```
    pub fn name(&self) -> String {
        format!("Task-{}", self.id())
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
    /// awaiting the task gives `Err(TaskError::Cancelled)`. Returns false if the task had already
    /// finished (nothing changes then), true otherwise. Callable from any thread.
    ///
    /// Unlike asyncio, the task's code cannot catch the cancellation: its future is dropped, so
    /// `Drop` impls are where cleanup goes.
    ///
    /// # Examples
    /// ```
    /// use baton::{sleep, spawn, TaskError};
    /// use std::time::Duration;
    ///
    /// baton::run(async {
    ///     let t = spawn(sleep(Duration::from_secs(60)));
    ///     assert!(t.cancel());
    ///     assert!(matches!(t.await, Err(TaskError::Cancelled)));
    /// });
    /// ```
    pub fn cancel(&self) -> bool {
        super::task_handle::cancel(&self.raw)
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
    /// Returns true if it is complete.
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
        // SAFETY: AWAITER is clear, so the slot is the handle's alone (see `state.rs`).
        unsafe { *header.awaiter.get() = Some(cx.waker().clone()) };
        header.state.set_awaiter().is_err()
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
            unsafe { super::raw::dealloc_raw(self.raw.as_ptr()) };
        }
    }
}

impl<T> fmt::Debug for Task<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Task")
            .field("id", &self.id())
            .field("done", &self.done())
            .finish()
    }
}
