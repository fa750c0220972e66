//! `TaskGroup`: structured concurrency (asyncio's `TaskGroup`, trio's nurseries).

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use slab::Slab;

use super::raw::TaskRef;
use super::task_handle::cancel;
use super::{spawn, Task, TaskId};

/// A group of child tasks that finish together (asyncio's `TaskGroup`).
///
/// [`join`](TaskGroup::join) waits for every child. When a child fails — panics, or returns `Err`
/// from [`try_spawn`](TaskGroup::try_spawn) — the others are cancelled and `join` returns every
/// failure together, like asyncio's `ExceptionGroup`. Dropping the group without joining it
/// cancels its children: no child outlives the group.
///
/// A failed child's own [`Task`] handle reports `Err(TaskError::Cancelled(_))`: its panic payload or
/// error moved into the group's [`TaskGroupError`].
///
/// # Examples
/// ```
/// use baton::{sleep, TaskGroup};
/// use std::time::Duration;
///
/// # let mut lp = baton::EventLoop::builder().paused_clock().build().unwrap();
/// # lp.run_until_complete(async {
/// let tg = TaskGroup::new();
/// let a = tg.spawn(async { sleep(Duration::from_millis(10)).await; 1 });
/// let b = tg.spawn(async { 2 });
/// tg.join().await.unwrap();
/// assert_eq!(a.await.unwrap() + b.await.unwrap(), 3);
///
/// let tg = TaskGroup::new();
/// tg.spawn(async { panic!("child failed") });
/// let sleeper = tg.spawn(sleep(Duration::from_secs(3600))); // cancelled, not waited for
/// let err = tg.join().await.unwrap_err();
/// assert_eq!(err.to_string(), "1 child of the task group failed: task panicked: child failed");
/// assert!(sleeper.await.unwrap_err().is_cancelled());
/// # });
/// ```
///
/// # Cancel safety
/// Dropping the group, or the [`Join`] future, cancels every child still running.
pub struct TaskGroup<E = Infallible> {
    group: Rc<Group<E>>,
}

/// How one child of a [`TaskGroup`] failed.
#[non_exhaustive]
pub enum ChildError<E> {
    /// It panicked; this is the payload (pass it to `std::panic::resume_unwind` to re-raise).
    Panicked(Box<dyn Any + Send + 'static>),
    /// It returned this error (a child started with [`TaskGroup::try_spawn`]).
    Failed(E),
}

/// Every failure of a [`TaskGroup`]'s children, in the order they happened.
///
/// # Examples
/// ```
/// use baton::{ChildError, TaskGroup};
///
/// baton::run(async {
///     let tg = TaskGroup::<String>::fallible();
///     tg.try_spawn(async { Err::<(), _>("no disk".to_string()) });
///     let err = tg.join().await.unwrap_err();
///     assert!(matches!(&err.errors()[0].1, ChildError::Failed(e) if e == "no disk"));
/// });
/// ```
pub struct TaskGroupError<E> {
    errors: Vec<(TaskId, ChildError<E>)>,
}

/// The future returned by [`TaskGroup::join`].
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct Join<E> {
    group: TaskGroup<E>,
}

/// What the children share with the group.
struct Group<E> {
    /// Children still running; `None` for the moment between reserving a slot and spawning.
    children: RefCell<Slab<Option<TaskRef>>>,
    errors: RefCell<Vec<(TaskId, ChildError<E>)>>,
    /// A child failed (or the group was dropped): the rest are being cancelled.
    cancelling: Cell<bool>,
    joiner: RefCell<Option<Waker>>,
}

impl TaskGroup<Infallible> {
    /// A group whose children fail only by panicking.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let tg = baton::TaskGroup::new();
    ///     tg.spawn(async {});
    ///     tg.join().await.unwrap();
    /// });
    /// ```
    pub fn new() -> TaskGroup<Infallible> {
        TaskGroup::fallible()
    }
}

impl Default for TaskGroup<Infallible> {
    fn default() -> Self {
        TaskGroup::new()
    }
}

impl<E: 'static> TaskGroup<E> {
    /// A group whose children may also fail by returning `Err(E)` (see
    /// [`try_spawn`](TaskGroup::try_spawn)).
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let tg = baton::TaskGroup::<std::io::Error>::fallible();
    ///     tg.try_spawn(async { Ok(()) });
    ///     tg.join().await.unwrap();
    /// });
    /// ```
    pub fn fallible() -> TaskGroup<E> {
        TaskGroup {
            group: Rc::new(Group {
                children: RefCell::new(Slab::new()),
                errors: RefCell::new(Vec::new()),
                cancelling: Cell::new(false),
                joiner: RefCell::new(None),
            }),
        }
    }

    /// Starts `future` as a child task (asyncio's `tg.create_task`). A panic in it fails the
    /// group. If the group is already failing, the child is cancelled at once.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let tg = baton::TaskGroup::new();
    ///     let t = tg.spawn(async { 5 });
    ///     tg.join().await.unwrap();
    ///     assert_eq!(t.await.unwrap(), 5);
    /// });
    /// ```
    ///
    /// # Panics
    /// Outside a running event loop.
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> Task<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.spawn_child(async move { CatchUnwind(future).await.map_err(ChildError::Panicked) })
    }

    /// Starts a child whose `Err` fails the group, as a panic does.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let tg = baton::TaskGroup::<&'static str>::fallible();
    ///     let ok = tg.try_spawn(async { Ok(1) });
    ///     tg.join().await.unwrap();
    ///     assert_eq!(ok.await.unwrap(), 1);
    /// });
    /// ```
    ///
    /// # Panics
    /// Outside a running event loop.
    #[track_caller]
    pub fn try_spawn<F, T>(&self, future: F) -> Task<T>
    where
        F: Future<Output = Result<T, E>> + 'static,
        T: 'static,
    {
        self.spawn_child(async move {
            match CatchUnwind(future).await {
                Ok(Ok(value)) => Ok(value),
                Ok(Err(e)) => Err(ChildError::Failed(e)),
                Err(payload) => Err(ChildError::Panicked(payload)),
            }
        })
    }

    #[track_caller]
    fn spawn_child<T: 'static>(
        &self,
        child: impl Future<Output = Result<T, ChildError<E>>> + 'static,
    ) -> Task<T> {
        let key = self.group.children.borrow_mut().insert(None);
        // Built before the task so that it is dropped with the future even if never polled.
        let membership = Membership {
            group: self.group.clone(),
            key,
        };
        let task = spawn(async move {
            let membership = membership;
            match child.await {
                Ok(value) => value,
                Err(error) => {
                    let id = super::current_task()
                        .expect("a group child runs as a task")
                        .id();
                    membership.group.fail((id, error));
                    // The group cancels this task along with its siblings.
                    std::future::pending().await
                }
            }
        });
        if let Some(slot) = self.group.children.borrow_mut().get_mut(key) {
            *slot = Some(task.handle().raw().clone());
        }
        if self.group.cancelling.get() {
            task.cancel();
        }
        task
    }

    /// How many children are still running.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let tg = baton::TaskGroup::new();
    ///     tg.spawn(async {});
    ///     assert_eq!(tg.len(), 1);
    ///     baton::yield_now().await;
    ///     assert!(tg.is_empty());
    /// });
    /// ```
    pub fn len(&self) -> usize {
        self.group.children.borrow().len()
    }

    /// True when no child is running.
    ///
    /// # Examples
    /// ```
    /// assert!(baton::TaskGroup::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Cancels every running child; `join` then returns once they have stopped.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let tg = baton::TaskGroup::new();
    ///     let t = tg.spawn(std::future::pending::<()>());
    ///     tg.cancel();
    ///     tg.join().await.unwrap();
    ///     assert!(t.await.unwrap_err().is_cancelled());
    /// });
    /// ```
    pub fn cancel(&self) {
        self.group.cancel_children();
    }

    /// Waits for every child; `Err` with every failure if any child failed (the others were
    /// cancelled as soon as the first failed).
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let tg = baton::TaskGroup::new();
    ///     tg.spawn(async { baton::yield_now().await });
    ///     assert!(tg.join().await.is_ok());
    /// });
    /// ```
    ///
    /// # Errors
    /// [`TaskGroupError`] with each failed child's id and error.
    ///
    /// # Cancel safety
    /// Dropping the `Join` future cancels every child still running.
    pub fn join(self) -> Join<E> {
        Join { group: self }
    }
}

impl<E> Group<E> {
    fn fail(&self, error: (TaskId, ChildError<E>)) {
        self.errors.borrow_mut().push(error);
        self.cancel_children();
    }

    fn cancel_children(&self) {
        self.cancelling.set(true);
        let children: Vec<TaskRef> = self
            .children
            .borrow()
            .iter()
            .filter_map(|(_, c)| c.clone())
            .collect();
        for child in &children {
            cancel(child);
        }
    }
}

/// A child's place in its group, released when the child's future is dropped (it finished or
/// was cancelled).
struct Membership<E> {
    group: Rc<Group<E>>,
    key: usize,
}

impl<E> Drop for Membership<E> {
    fn drop(&mut self) {
        let entry = self.group.children.borrow_mut().try_remove(self.key);
        drop(entry);
        if self.group.children.borrow().is_empty() {
            if let Some(joiner) = self.group.joiner.borrow_mut().take() {
                joiner.wake();
            }
        }
    }
}

impl<E> Future for Join<E> {
    type Output = Result<(), TaskGroupError<E>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let group = &self.group.group;
        if !group.children.borrow().is_empty() {
            *group.joiner.borrow_mut() = Some(cx.waker().clone());
            return Poll::Pending;
        }
        let errors = std::mem::take(&mut *group.errors.borrow_mut());
        if errors.is_empty() {
            Poll::Ready(Ok(()))
        } else {
            Poll::Ready(Err(TaskGroupError { errors }))
        }
    }
}

impl<E> Drop for TaskGroup<E> {
    fn drop(&mut self) {
        if !self.group.children.borrow().is_empty() {
            self.group.cancel_children();
        }
    }
}

/// Polls the inner future inside `catch_unwind`.
struct CatchUnwind<F>(F);

impl<F: Future> Future for CatchUnwind<F> {
    type Output = Result<F::Output, Box<dyn Any + Send>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: the inner future is structurally pinned: never moved out of `self`.
        let inner = unsafe { self.map_unchecked_mut(|this| &mut this.0) };
        match catch_unwind(AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(value)) => Poll::Ready(Ok(value)),
            Err(payload) => Poll::Ready(Err(payload)),
        }
    }
}

impl<E> TaskGroupError<E> {
    /// Each failed child's id and error, in the order they failed.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let tg = baton::TaskGroup::new();
    ///     let t = tg.spawn(async { panic!("x") });
    ///     let id = t.id();
    ///     let err = tg.join().await.unwrap_err();
    ///     assert_eq!(err.errors()[0].0, id);
    /// });
    /// ```
    pub fn errors(&self) -> &[(TaskId, ChildError<E>)] {
        &self.errors
    }

    /// The failures, by value (e.g. to `resume_unwind` a panic payload).
    ///
    /// # Examples
    /// ```
    /// use baton::ChildError;
    ///
    /// baton::run(async {
    ///     let tg = baton::TaskGroup::new();
    ///     tg.spawn(async { panic!("x") });
    ///     let (_, error) = tg.join().await.unwrap_err().into_errors().remove(0);
    ///     assert!(matches!(error, ChildError::Panicked(_)));
    /// });
    /// ```
    pub fn into_errors(self) -> Vec<(TaskId, ChildError<E>)> {
        self.errors
    }
}

impl<E: fmt::Display> fmt::Display for ChildError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChildError::Panicked(payload) => match panic_message(&**payload) {
                Some(msg) => write!(f, "task panicked: {msg}"),
                None => f.write_str("task panicked"),
            },
            ChildError::Failed(e) => write!(f, "task failed: {e}"),
        }
    }
}

impl<E: fmt::Debug> fmt::Debug for ChildError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChildError::Panicked(payload) => match panic_message(&**payload) {
                Some(msg) => f.debug_tuple("Panicked").field(&msg).finish(),
                None => f.write_str("Panicked(..)"),
            },
            ChildError::Failed(e) => f.debug_tuple("Failed").field(e).finish(),
        }
    }
}

fn panic_message(payload: &(dyn Any + Send)) -> Option<&str> {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
}

impl<E: fmt::Display> fmt::Display for TaskGroupError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.errors.len();
        write!(
            f,
            "{n} {} of the task group failed: ",
            if n == 1 { "child" } else { "children" }
        )?;
        for (i, (_, error)) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl<E: fmt::Debug> fmt::Debug for TaskGroupError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskGroupError")
            .field("errors", &self.errors)
            .finish()
    }
}

impl<E: fmt::Debug + fmt::Display> std::error::Error for TaskGroupError<E> {}

impl<E> fmt::Debug for TaskGroup<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskGroup")
            .field("running", &self.group.children.borrow().len())
            .field("failed", &self.group.errors.borrow().len())
            .finish()
    }
}

impl<E> fmt::Debug for Join<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Join").field("group", &self.group).finish()
    }
}
