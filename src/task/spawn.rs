//! `spawn`: asyncio's `create_task`.

use std::future::Future;
use std::panic::Location;

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
    let site = Location::caller();
    Task::new(context::with(|cx| cx.spawn(future, site)))
}

/// Spawns a `Send` future as a task that may run on any worker of a multi-core
/// [`Runtime`](crate::Runtime): it starts on the worker that spawned it, and an idle worker
/// may steal it between its polls, so a burst of work spreads over the cores. On a plain
/// [`EventLoop`](crate::EventLoop) it is an ordinary task of that loop.
///
/// Use [`spawn`] for futures that are not `Send` (they stay on the worker that spawned them).
///
/// # Examples
/// ```
/// let rt = baton::Runtime::builder().workers(2).build()?;
/// let total = rt.block_on(async {
///     let tasks: Vec<_> = (0..4u64).map(|i| baton::spawn_send(async move { i * i })).collect();
///     let mut total = 0;
///     for task in tasks {
///         total += task.await.unwrap();
///     }
///     total
/// });
/// assert_eq!(total, 14);
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Panics
/// Outside a running event loop or runtime worker.
#[track_caller]
pub fn spawn_send<F>(future: F) -> Task<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let site = Location::caller();
    Task::new(context::with(|cx| cx.spawn_send(future, site)))
}
