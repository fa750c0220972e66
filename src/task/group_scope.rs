//! `TaskGroup::scope`: asyncio's `async with TaskGroup() as tg:` block, body included.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::group::{TaskGroup, TaskGroupError, TaskGroupHandle};

impl<E: 'static> TaskGroup<E> {
    /// Runs `body` as the group's `async with` block: the body runs inline (it may borrow
    /// locals) alongside the children it starts through the [`TaskGroupHandle`] it is given.
    /// When the body finishes, the scope waits for every child, also those started meanwhile,
    /// and gives the body's output. When a child fails, the body is dropped at once (asyncio
    /// cancels the block), the other children are cancelled, and the scope returns every
    /// failure once they have stopped.
    ///
    /// Cancelling the group by hand ([`TaskGroupHandle::cancel`]) cancels the children, not the
    /// body. A panicking body unwinds out of the scope, whose drop cancels the children.
    ///
    /// # Examples
    /// ```
    /// use baton::{sleep, TaskGroup};
    /// use std::time::Duration;
    ///
    /// # let mut lp = baton::EventLoop::builder().paused_clock().build().unwrap();
    /// # lp.run_until_complete(async {
    /// let mut pages = Vec::new();
    /// let pages_ref = &mut pages; // the body may borrow locals
    /// let fetched = TaskGroup::new()
    ///     .scope(|tg| async move {
    ///         let a = tg.spawn(async { sleep(Duration::from_millis(20)).await; "a" });
    ///         let b = tg.spawn(async { sleep(Duration::from_millis(10)).await; "b" });
    ///         pages_ref.push(a.await.unwrap());
    ///         pages_ref.push(b.await.unwrap());
    ///         pages_ref.len()
    ///     })
    ///     .await
    ///     .unwrap();
    /// assert_eq!((fetched, pages), (2, vec!["a", "b"]));
    ///
    /// // A failing child cancels the body: it never gets past its sleep.
    /// let err = TaskGroup::new()
    ///     .scope(|tg| async move {
    ///         tg.spawn(async { panic!("child failed") });
    ///         sleep(Duration::from_secs(3600)).await;
    ///         unreachable!("the body was cancelled");
    ///     })
    ///     .await
    ///     .unwrap_err();
    /// assert_eq!(err.to_string(), "1 child of the task group failed: task panicked: child failed");
    /// # });
    /// ```
    ///
    /// # Errors
    /// [`TaskGroupError`] with each failed child's id and error; the body's output is dropped
    /// (or was never made).
    ///
    /// # Cancel safety
    /// Dropping the scope drops the body and cancels every child still running.
    pub fn scope<B, F>(self, body: B) -> TaskGroupScope<F, E>
    where
        B: FnOnce(TaskGroupHandle<E>) -> F,
        F: Future,
    {
        let body = body(self.handle());
        TaskGroupScope {
            body: Some(body),
            output: None,
            group: self,
        }
    }
}

/// The future returned by [`TaskGroup::scope`].
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct TaskGroupScope<F: Future, E> {
    /// `None` once it finished or was cancelled (dropped in place, never moved). Declared first:
    /// a dropped scope drops the body before the group cancels the children.
    body: Option<F>,
    /// The body's output while the scope waits for the children.
    output: Option<F::Output>,
    group: TaskGroup<E>,
}

impl<F: Future, E> Future for TaskGroupScope<F, E> {
    type Output = Result<F::Output, TaskGroupError<E>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `body` is structurally pinned: it is never moved out, only dropped in place by
        // `Pin::set`; `output` and `group` are never pinned; `TaskGroupScope` has no `Drop`.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: see above.
        let mut body = unsafe { Pin::new_unchecked(&mut this.body) };
        let group = &this.group.group;
        assert!(
            !group.is_finished(),
            "TaskGroupScope polled after it completed"
        );
        if let Some(running) = body.as_mut().as_pin_mut() {
            if group.is_failing() {
                // A child failed: the body is cancelled, as asyncio cancels the block.
                body.set(None);
            } else {
                // Registered before the body runs, so that a child failing while the body waits
                // wakes the scope.
                group.set_joiner(cx.waker());
                match running.poll(cx) {
                    Poll::Ready(output) => {
                        this.output = Some(output);
                        body.set(None);
                    }
                    Poll::Pending => return Poll::Pending,
                }
            }
        }
        // The body is over: wait for the children, also those started meanwhile.
        if group.has_children() {
            group.set_joiner(cx.waker());
            return Poll::Pending;
        }
        Poll::Ready(match group.finish() {
            Err(failures) => Err(failures),
            Ok(()) => Ok(this
                .output
                .take()
                .expect("the body is dropped unfinished only when a child failed")),
        })
    }
}

impl<F: Future, E> fmt::Debug for TaskGroupScope<F, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskGroupScope")
            .field("body_running", &self.body.is_some())
            .field("group", &self.group)
            .finish()
    }
}
