//! `spawn`: asyncio's `create_task`.

use std::future::Future;

use super::Task;
use crate::runtime::context;

/// Schedules `future` as a task on the event loop running on this thread (asyncio's
/// `create_task`) and returns its handle at once; the task starts when the loop next gets
/// control. The future need not be `Send`: it never leaves this thread.
///
/// # Examples
/// ```
/// use baton::{sleep, spawn};
/// use std::rc::Rc;
/// use std::time::Duration;
///
/// baton::run(async {
///     let shared = Rc::new(5); // not Send, and that is fine
///     let s = shared.clone();
///     let t = spawn(async move {
///         sleep(Duration::from_millis(1)).await;
///         *s * 2
///     });
///     assert_eq!(t.await.unwrap(), 10);
/// });
/// ```
///
/// # Panics
/// Outside a running event loop: "no running event loop". Call it inside
/// `EventLoop::run_until_complete` or `baton::run`, use `EventLoop::spawn` before the loop
/// runs, or `LoopHandle::spawn` from another thread.
#[track_caller]
pub fn spawn<F>(future: F) -> Task<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    Task::new(context::with(|cx| cx.spawn(future)))
}
