//! `TaskHandle`: an untyped handle to a task, for code that does not know its output type.

use std::fmt;

use super::TaskId;
use crate::runtime::task::TaskRef;

/// A handle to a task whose output type is not known here: what [`current_task`],
/// [`all_tasks`] and done callbacks give. It can inspect and cancel the task, not await its
/// output (await the task's [`Task`](crate::Task) for that).
///
/// [`current_task`]: crate::current_task
/// [`all_tasks`]: crate::all_tasks
///
/// # Examples
/// ```
/// baton::run(async {
///     let t = baton::spawn(std::future::pending::<()>());
///     let all = baton::all_tasks();
///     assert_eq!(all.len(), 1);
///     assert_eq!(all[0].id(), t.id());
///     assert!(all[0].cancel());
///     assert!(t.await.unwrap_err().is_cancelled());
/// });
/// ```
#[derive(Clone)]
pub struct TaskHandle {
    raw: TaskRef,
}

impl TaskHandle {
    pub(crate) fn new(raw: TaskRef) -> TaskHandle {
        TaskHandle { raw }
    }

    /// The task's id.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let t = baton::spawn(async { baton::current_task().unwrap().id() });
    ///     let id = t.id();
    ///     assert_eq!(t.await.unwrap(), id);
    /// });
    /// ```
    pub fn id(&self) -> TaskId {
        self.raw.id()
    }

    /// The task's name: the one given with [`set_name`](TaskHandle::set_name) or
    /// [`Task::named`](crate::Task::named), else `Task-<id>`.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let t = baton::spawn(async { baton::current_task().unwrap().name() });
    ///     let name = t.name();
    ///     assert_eq!(t.await.unwrap(), name);
    /// });
    /// ```
    pub fn name(&self) -> String {
        name_of(&self.raw)
    }

    /// Names the task (asyncio's `set_name`); any thread, any time.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let t = baton::spawn(async {
    ///         baton::current_task().unwrap().set_name("worker");
    ///     });
    ///     let h = t.handle();
    ///     t.await.unwrap();
    ///     assert_eq!(h.name(), "worker");
    /// });
    /// ```
    pub fn set_name(&self, name: impl Into<String>) {
        self.raw.set_name(name.into());
    }

    /// True once the task has finished.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let t = baton::spawn(async {});
    ///     let h = baton::all_tasks().pop().unwrap();
    ///     t.await.unwrap();
    ///     assert!(h.done());
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
    ///     let h = baton::all_tasks().pop().unwrap();
    ///     h.cancel();
    ///     let _ = t.await;
    ///     assert!(h.cancelled());
    /// });
    /// ```
    pub fn cancelled(&self) -> bool {
        self.raw.is_cancelled()
    }

    /// True once the task has finished by panicking.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let t = baton::spawn(async { panic!("no") });
    ///     let h = baton::all_tasks().pop().unwrap();
    ///     let _ = t.await;
    ///     assert!(h.panicked());
    /// });
    /// ```
    pub fn panicked(&self) -> bool {
        self.raw.is_panicked()
    }

    /// Cancels the task, as [`Task::cancel`](crate::Task::cancel) does.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let t = baton::spawn(std::future::pending::<()>());
    ///     assert!(baton::all_tasks()[0].cancel());
    ///     assert!(t.await.unwrap_err().is_cancelled());
    /// });
    /// ```
    pub fn cancel(&self) -> bool {
        self.raw.cancel(None)
    }

    /// Cancels the task with a message, as
    /// [`Task::cancel_with_message`](crate::Task::cancel_with_message) does.
    ///
    /// # Examples
    /// ```
    /// baton::run(async {
    ///     let t = baton::spawn(std::future::pending::<()>());
    ///     assert!(baton::all_tasks()[0].cancel_with_message("timed out"));
    ///     assert_eq!(t.await.unwrap_err().cancel_message(), Some("timed out"));
    /// });
    /// ```
    pub fn cancel_with_message(&self, message: impl Into<String>) -> bool {
        self.raw.cancel(Some(message.into()))
    }

    pub(crate) fn raw(&self) -> &TaskRef {
        &self.raw
    }
}

/// The task's name, or asyncio's default `Task-<id>`.
pub(crate) fn name_of(task: &TaskRef) -> String {
    task.name().unwrap_or_else(|| format!("Task-{}", task.id()))
}

impl PartialEq for TaskHandle {
    fn eq(&self, other: &TaskHandle) -> bool {
        self.raw.ptr_eq(&other.raw)
    }
}

impl Eq for TaskHandle {}

impl fmt::Debug for TaskHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskHandle")
            .field("id", &self.id())
            .field("name", &self.name())
            .field("done", &self.done())
            .finish()
    }
}
