//! `CallbackHandle`: a scheduled callback that can be cancelled.

use std::fmt;

use crate::task::Task;

/// A callback scheduled with [`EventLoop::call_soon`](crate::EventLoop::call_soon),
/// [`call_later`](crate::EventLoop::call_later), [`call_at`](crate::EventLoop::call_at) or
/// [`LoopHandle::call_soon_threadsafe`](crate::LoopHandle::call_soon_threadsafe) (asyncio's
/// `Handle`/`TimerHandle`). Dropping it does not cancel the callback.
///
/// # Examples
/// ```
/// use std::time::Duration;
///
/// let mut lp = baton::EventLoop::builder().paused_clock().build()?;
/// let h = lp.call_later(Duration::from_secs(1), || println!("never"));
/// assert!(h.cancel());
/// lp.run_until_complete(baton::sleep(Duration::from_secs(2)));
/// assert!(h.cancelled());
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct CallbackHandle {
    task: Task<()>,
}

impl CallbackHandle {
    pub(crate) fn new(task: Task<()>) -> CallbackHandle {
        CallbackHandle { task }
    }

    /// Cancels the callback if it has not run yet; returns false if it already ran (or was
    /// cancelled). A panic in the callback counts as having run.
    ///
    /// # Examples
    /// ```
    /// let mut lp = baton::EventLoop::new()?;
    /// let h = lp.call_soon(|| {});
    /// lp.run_until_complete(baton::yield_now());
    /// assert!(!h.cancel()); // it already ran
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn cancel(&self) -> bool {
        self.task.cancel()
    }

    /// True once the callback was cancelled (and so will never run).
    ///
    /// # Examples
    /// ```
    /// let mut lp = baton::EventLoop::new()?;
    /// let h = lp.call_soon(|| {});
    /// h.cancel();
    /// lp.run_until_complete(baton::yield_now());
    /// assert!(h.cancelled());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn cancelled(&self) -> bool {
        self.task.cancelled()
    }
}

impl fmt::Debug for CallbackHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallbackHandle")
            .field("done", &self.task.done())
            .field("cancelled", &self.task.cancelled())
            .finish()
    }
}
