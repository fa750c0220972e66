//! `shield`: asyncio's `shield`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::{spawn, Task, TaskError};
use crate::awaits::{AwaitVia, ThroughGuard};

/// Runs `future` as its own task so that cancelling (dropping) the awaiter does not cancel it
/// (asyncio's `shield`). Typical use: under a time-out that must not interrupt the work.
///
/// # Examples
/// ```
/// use baton::{shield, sleep, wait_for};
/// use std::cell::Cell;
/// use std::rc::Rc;
/// use std::time::Duration;
///
/// # let mut lp = baton::EventLoop::builder().paused_clock().build().unwrap();
/// # lp.run_until_complete(async {
/// let saved = Rc::new(Cell::new(false));
/// let s = saved.clone();
/// let save = shield(async move {
///     sleep(Duration::from_secs(5)).await;
///     s.set(true);
/// });
/// assert!(wait_for(Duration::from_secs(1), save).await.is_err()); // we stop waiting...
/// sleep(Duration::from_secs(5)).await;
/// assert!(saved.get()); // ...but the work finished
/// # });
/// ```
///
/// # Panics
/// Outside a running event loop.
///
/// # Cancel safety
/// Cancel safe by design: dropping `Shield` leaves the work running.
#[track_caller]
pub fn shield<F>(future: F) -> Shield<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    Shield {
        task: spawn(future),
    }
}

/// The future returned by [`shield`]: the shielded task's result.
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct Shield<T> {
    task: Task<T>,
}

impl<T> Future for Shield<T> {
    type Output = Result<T, TaskError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let _through = ThroughGuard::enter(AwaitVia::Shield);
        Pin::new(&mut self.task).poll(cx)
    }
}

impl<T> fmt::Debug for Shield<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shield").field("task", &self.task).finish()
    }
}
