//! `current_task`, `all_tasks`: asyncio's task introspection.

use super::TaskHandle;
use crate::runtime::context;

/// The task running this code (asyncio's `current_task`), or `None` in the future driven by
/// `run_until_complete` itself, which is not a task.
///
/// # Examples
/// ```
/// baton::run(async {
///     assert!(baton::current_task().is_none()); // the main future is not a task
///     let t = baton::spawn(async { baton::current_task().map(|t| t.id()) });
///     let id = t.id();
///     assert_eq!(t.await.unwrap(), Some(id));
/// });
/// ```
///
/// # Panics
/// Outside a running event loop.
#[track_caller]
pub fn current_task() -> Option<TaskHandle> {
    context::with(|cx| cx.current_task()).map(TaskHandle::new)
}

/// Every task of the running loop that has not finished (asyncio's `all_tasks`).
///
/// # Examples
/// ```
/// baton::run(async {
///     let a = baton::spawn(std::future::pending::<()>());
///     let b = baton::spawn(async {});
///     assert_eq!(baton::all_tasks().len(), 2);
///     b.await.unwrap();
///     assert_eq!(baton::all_tasks(), vec![a.handle()]);
/// });
/// ```
///
/// # Panics
/// Outside a running event loop.
#[track_caller]
pub fn all_tasks() -> Vec<TaskHandle> {
    context::with(|cx| cx.all_tasks())
        .into_iter()
        .map(TaskHandle::new)
        .collect()
}
