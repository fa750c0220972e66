//! `wait`: asyncio's `wait`, over tasks.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use super::Task;
use crate::awaits::{AwaitVia, ThroughGuard};
use crate::time::{sleep, Sleep};

/// When [`wait`] returns (asyncio's `FIRST_COMPLETED`, `FIRST_EXCEPTION`, `ALL_COMPLETED`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReturnWhen {
    /// As soon as any task finishes (or is cancelled).
    FirstCompleted,
    /// As soon as any task finishes by panicking; if none does, when all have finished.
    FirstException,
    /// When every task has finished.
    AllCompleted,
}

/// Waits for `tasks` until `return_when` holds or `timeout` passes, and returns them split into
/// `(done, pending)` (asyncio's `wait`). Nothing is cancelled: await the done tasks for their
/// results, and the pending ones later or cancel them.
///
/// # Examples
/// ```
/// use baton::{sleep, spawn, wait, ReturnWhen};
/// use std::time::Duration;
///
/// # let mut lp = baton::EventLoop::builder().paused_clock().build().unwrap();
/// # lp.run_until_complete(async {
/// let tasks = vec![
///     spawn(async { sleep(Duration::from_secs(1)).await; "fast" }),
///     spawn(async { sleep(Duration::from_secs(9)).await; "slow" }),
/// ];
/// let (done, pending) = wait(tasks, ReturnWhen::FirstCompleted, None).await;
/// assert_eq!(done.len(), 1);
/// assert_eq!(pending.len(), 1);
/// for t in done {
///     assert_eq!(t.await.unwrap(), "fast");
/// }
/// # });
/// ```
///
/// # Panics
/// With a `timeout`, when polled outside a running event loop.
///
/// # Cancel safety
/// Cancel safe: dropping it detaches the tasks (they run on).
pub fn wait<T>(
    tasks: impl IntoIterator<Item = Task<T>>,
    return_when: ReturnWhen,
    timeout: Option<Duration>,
) -> Wait<T> {
    Wait {
        pending: tasks.into_iter().collect(),
        done: Vec::new(),
        return_when,
        timer: timeout.map(sleep),
    }
}

/// The future returned by [`wait`].
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct Wait<T> {
    pending: Vec<Task<T>>,
    done: Vec<Task<T>>,
    return_when: ReturnWhen,
    timer: Option<Sleep>,
}

impl<T> Future for Wait<T> {
    type Output = (Vec<Task<T>>, Vec<Task<T>>);

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let mut i = 0;
        let mut panicked = false;
        let through = ThroughGuard::enter(AwaitVia::Wait);
        while i < this.pending.len() {
            if this.pending[i].poll_done(cx).is_ready() {
                let task = this.pending.remove(i);
                panicked |= task.panicked();
                this.done.push(task);
            } else {
                i += 1;
            }
        }
        drop(through);
        let finished = this.pending.is_empty()
            || match this.return_when {
                ReturnWhen::FirstCompleted => !this.done.is_empty(),
                ReturnWhen::FirstException => panicked || this.done.iter().any(Task::panicked),
                ReturnWhen::AllCompleted => false,
            };
        let timed_out = !finished
            && this
                .timer
                .as_mut()
                .is_some_and(|timer| Pin::new(timer).poll(cx).is_ready());
        if finished || timed_out {
            Poll::Ready((
                std::mem::take(&mut this.done),
                std::mem::take(&mut this.pending),
            ))
        } else {
            Poll::Pending
        }
    }
}

impl<T> fmt::Debug for Wait<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wait")
            .field("done", &self.done.len())
            .field("pending", &self.pending.len())
            .field("return_when", &self.return_when)
            .finish()
    }
}
