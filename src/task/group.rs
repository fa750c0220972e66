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

use super::{spawn, Task, TaskId};
use crate::awaits::AwaitVia;
use crate::runtime::context;
use crate::runtime::task::TaskRef;

/// A group of child tasks that finish together (asyncio's `TaskGroup`).
///
/// [`join`](TaskGroup::join) waits for every child. When a child fails — panics, or returns `Err`
/// from [`try_spawn`](TaskGroup::try_spawn) — the others are cancelled and `join` returns every
/// failure together, like asyncio's `ExceptionGroup`. Dropping the group without joining it
/// cancels its children: no child outlives the group.
///
/// A failed child's own [`Task`] handle reports a cancelled `Err(TaskError)`: its panic payload
/// or error moved into the group's [`TaskGroupError`].
///
/// Children that start siblings (or any other code that must add children while `join` waits)
/// use a [`TaskGroupHandle`] from [`handle`](TaskGroup::handle). asyncio's
/// `async with TaskGroup() as tg:` block, whose body is cancelled when a child fails, is
/// [`scope`](TaskGroup::scope).
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
/// Dropping the group, or the [`TaskGroupJoin`] future, cancels every child still running.
pub struct TaskGroup<E = Infallible> {
    pub(super) group: Rc<Group<E>>,
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
/// use baton::TaskGroup;
/// use baton::task::ChildError;
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
pub struct TaskGroupJoin<E> {
    group: TaskGroup<E>,
}

/// A handle to a [`TaskGroup`] that children (and other code on the loop) keep to start more
/// children while the group runs or is being joined: asyncio's habit of passing `tg` itself
/// around. Cheap to clone; it does not keep the group running, and the group's owner still
/// decides when to join it.
///
/// # Examples
/// ```
/// use baton::{sleep, TaskGroup};
/// use std::time::Duration;
///
/// # let mut lp = baton::EventLoop::builder().paused_clock().build().unwrap();
/// # lp.run_until_complete(async {
/// let tg = TaskGroup::new();
/// let handle = tg.handle();
/// let crawler = tg.spawn(async move {
///     sleep(Duration::from_millis(10)).await;
///     // Found more work: start it as a sibling; `join` waits for it too.
///     handle.spawn(async { sleep(Duration::from_millis(10)).await; "page 2" })
/// });
/// tg.join().await.unwrap();
/// let sibling = crawler.await.unwrap();
/// assert!(sibling.done());
/// # });
/// ```
pub struct TaskGroupHandle<E = Infallible> {
    group: Rc<Group<E>>,
}

/// What the children, the handles and the group share.
///
/// No borrow of these cells is held across user code: a child's future, a `Waker`'s `wake` or
/// `drop`, or a `TaskRef` drop that could be the last reference. Wakers are swapped out of
/// `joiner` (a `Cell`, never borrowed) and woken or dropped afterwards.
pub(super) struct Group<E> {
    /// Children still running; `None` for the moment between reserving a slot and spawning.
    children: RefCell<Slab<Option<TaskRef>>>,
    errors: RefCell<Vec<(TaskId, ChildError<E>)>>,
    /// A child failed, or the group was cancelled or dropped: the rest are being cancelled, and
    /// a child spawned now is cancelled at once.
    cancelling: Cell<bool>,
    /// `join` (or a scope) has returned: spawning now is a mistake, and panics.
    finished: Cell<bool>,
    /// The `TaskGroupJoin` or scope waiting on the group: woken when the last child leaves or when a
    /// child fails.
    joiner: Cell<Option<Waker>>,
    /// The task (or main future) that made the group, as an awaiter: a dump shows the children
    /// under it (asyncio's task groups record their parent task the same way).
    parent: Option<(u32, u32)>,
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
                finished: Cell::new(false),
                joiner: Cell::new(None),
                parent: context::try_with(|cx| cx.map(|cx| cx.awaiter_here())),
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
        self.group.spawn(future)
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
        self.group.try_spawn(future)
    }

    /// A cloneable [`TaskGroupHandle`] that starts children in this group, for children that
    /// spawn siblings while the group is being joined.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let tg = baton::TaskGroup::new();
    ///     let handle = tg.handle();
    ///     let parent = tg.spawn(async move { handle.spawn(async { 2 }) });
    ///     tg.join().await.unwrap(); // waits for the sibling too
    ///     let sibling = parent.await.unwrap();
    ///     assert_eq!(sibling.await.unwrap(), 2);
    /// });
    /// ```
    pub fn handle(&self) -> TaskGroupHandle<E> {
        TaskGroupHandle {
            group: self.group.clone(),
        }
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

    /// Waits for every child, also those started meanwhile through a [`TaskGroupHandle`];
    /// `Err` with every failure if any child failed (the others were cancelled as soon as the
    /// first failed). Once it returns the group is finished: a handle that tries to start
    /// another child panics.
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
    /// Dropping the `TaskGroupJoin` future cancels every child still running.
    pub fn join(self) -> TaskGroupJoin<E> {
        TaskGroupJoin { group: self }
    }
}

impl<E: 'static> TaskGroupHandle<E> {
    /// Starts `future` as a child of the group, as [`TaskGroup::spawn`] does. If the group is
    /// failing (or was cancelled or dropped), the child is cancelled at once.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let tg = baton::TaskGroup::new();
    ///     let handle = tg.handle();
    ///     let t = handle.spawn(async { 5 });
    ///     tg.join().await.unwrap();
    ///     assert_eq!(t.await.unwrap(), 5);
    /// });
    /// ```
    ///
    /// # Panics
    /// Outside a running event loop; and when the group is finished (its `join` or `scope` has
    /// returned), as asyncio raises "TaskGroup is finished": no one would wait for the child.
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> Task<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.group.spawn(future)
    }

    /// Starts a child whose `Err` fails the group, as [`TaskGroup::try_spawn`] does.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let tg = baton::TaskGroup::<&'static str>::fallible();
    ///     tg.handle().try_spawn(async { Err::<(), _>("broken") });
    ///     assert!(tg.join().await.is_err());
    /// });
    /// ```
    ///
    /// # Panics
    /// As [`TaskGroupHandle::spawn`].
    #[track_caller]
    pub fn try_spawn<F, T>(&self, future: F) -> Task<T>
    where
        F: Future<Output = Result<T, E>> + 'static,
        T: 'static,
    {
        self.group.try_spawn(future)
    }
}

impl<E> TaskGroupHandle<E> {
    /// How many children of the group are still running.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let tg = baton::TaskGroup::new();
    ///     let handle = tg.handle();
    ///     tg.spawn(async {});
    ///     assert_eq!(handle.len(), 1);
    ///     tg.join().await.unwrap();
    ///     assert!(handle.is_empty());
    /// });
    /// ```
    pub fn len(&self) -> usize {
        self.group.children.borrow().len()
    }

    /// True when no child of the group is running.
    ///
    /// # Examples
    /// ```
    /// assert!(baton::TaskGroup::new().handle().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Cancels every running child, as [`TaskGroup::cancel`] does.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let tg = baton::TaskGroup::new();
    ///     let handle = tg.handle();
    ///     let t = tg.spawn(std::future::pending::<()>());
    ///     tg.spawn(async move { handle.cancel() });
    ///     tg.join().await.unwrap();
    ///     assert!(t.await.unwrap_err().is_cancelled());
    /// });
    /// ```
    pub fn cancel(&self) {
        self.group.cancel_children();
    }
}

impl<E> Clone for TaskGroupHandle<E> {
    fn clone(&self) -> Self {
        TaskGroupHandle {
            group: self.group.clone(),
        }
    }
}

impl<E: 'static> Group<E> {
    #[track_caller]
    fn spawn<F>(self: &Rc<Self>, future: F) -> Task<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.spawn_child(async move { CatchUnwind(future).await.map_err(ChildError::Panicked) })
    }

    #[track_caller]
    fn try_spawn<F, T>(self: &Rc<Self>, future: F) -> Task<T>
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
        self: &Rc<Self>,
        child: impl Future<Output = Result<T, ChildError<E>>> + 'static,
    ) -> Task<T> {
        assert!(
            !self.finished.get(),
            "this TaskGroup is finished: its `join` (or `scope`) has returned, so it cannot \
             start new children; start them before the group is joined, or in a new TaskGroup \
             (asyncio raises RuntimeError \"TaskGroup is finished\")"
        );
        let key = self.children.borrow_mut().insert(None);
        // Built before the task so that it is dropped with the future even if never polled.
        let membership = Membership {
            group: self.clone(),
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
        let raw = task.handle().raw().clone();
        if let Some(parent) = self.parent {
            context::note_awaited(&raw, parent, AwaitVia::TaskGroup);
        }
        if let Some(slot) = self.children.borrow_mut().get_mut(key) {
            *slot = Some(raw);
        }
        if self.cancelling.get() {
            task.cancel();
        }
        task
    }
}

impl<E> Group<E> {
    fn fail(&self, error: (TaskId, ChildError<E>)) {
        self.errors.borrow_mut().push(error);
        self.cancel_children();
        // A scope drops its body at once; a `TaskGroupJoin` just looks again.
        if let Some(joiner) = self.joiner.take() {
            joiner.wake();
        }
    }

    /// A child failed: a scope's body is to be dropped.
    pub(super) fn is_failing(&self) -> bool {
        !self.errors.borrow().is_empty()
    }

    pub(super) fn has_children(&self) -> bool {
        !self.children.borrow().is_empty()
    }

    pub(super) fn is_finished(&self) -> bool {
        self.finished.get()
    }

    /// Registers `waker` as the joiner's; the one it replaces is dropped after the swap.
    pub(super) fn set_joiner(&self, waker: &Waker) {
        let previous = self.joiner.replace(Some(waker.clone()));
        drop(previous);
    }

    /// The end of `join` or of a scope, once no child is left: no child may start after this.
    pub(super) fn finish(&self) -> Result<(), TaskGroupError<E>> {
        self.finished.set(true);
        let errors = std::mem::take(&mut *self.errors.borrow_mut());
        if errors.is_empty() {
            Ok(())
        } else {
            Err(TaskGroupError { errors })
        }
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
            child.cancel(None);
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
        // The entry is dropped after the borrow ends (it is a task reference).
        let entry = self.group.children.borrow_mut().try_remove(self.key);
        drop(entry);
        let last = self.group.children.borrow().is_empty();
        if last {
            if let Some(joiner) = self.group.joiner.take() {
                joiner.wake();
            }
        }
    }
}

impl<E> Future for TaskGroupJoin<E> {
    type Output = Result<(), TaskGroupError<E>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let group = &self.group.group;
        // Children spawned meanwhile (by siblings, through a handle) are waited for too.
        if group.has_children() {
            group.set_joiner(cx.waker());
            return Poll::Pending;
        }
        Poll::Ready(group.finish())
    }
}

impl<E> Drop for TaskGroup<E> {
    fn drop(&mut self) {
        // Also with no child left: a handle must not start a child nobody would wait for.
        if !self.group.finished.get() {
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
    /// use baton::task::ChildError;
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

impl<E> fmt::Debug for TaskGroupHandle<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskGroupHandle")
            .field("running", &self.group.children.borrow().len())
            .field("failed", &self.group.errors.borrow().len())
            .field("finished", &self.group.finished.get())
            .finish()
    }
}

impl<E> fmt::Debug for TaskGroupJoin<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskGroupJoin")
            .field("group", &self.group)
            .finish()
    }
}
