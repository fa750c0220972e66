//! `wait_for`: asyncio's `wait_for`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures_core::future::FusedFuture;

use super::{sleep, sleep_until, Sleep};

/// Runs `future` for at most `duration` (asyncio's `wait_for`). On time-out the future is
/// dropped at once and the result is `Err(TimeoutError)`.
///
/// The deadline is fixed when `WaitFor` is first polled, before `future` runs. A result that is
/// ready wins over the time-out, as in asyncio: `wait_for(Duration::ZERO, fut)` gives the output
/// of a future that completes on its first poll. To move the deadline while the work runs, use a
/// [`Timeout`](crate::time::Timeout).
///
/// # Examples
/// ```
/// use baton::{sleep, wait_for, EventLoop};
/// use std::time::Duration;
///
/// let mut lp = EventLoop::builder().paused_clock().build().unwrap();
/// lp.run_until_complete(async {
///     let quick = wait_for(Duration::from_secs(1), async { 5 }).await;
///     assert_eq!(quick, Ok(5));
///     let slow = wait_for(Duration::from_secs(1), sleep(Duration::from_secs(10))).await;
///     assert!(slow.is_err());
/// });
/// ```
///
/// # Errors
/// [`TimeoutError`] when `duration` passes first.
///
/// # Cancel safety
/// As cancel safe as `future`: dropping `WaitFor` drops it.
pub fn wait_for<F: Future>(duration: Duration, future: F) -> WaitFor<F> {
    WaitFor {
        future: Some(future),
        timer: sleep(duration),
    }
}

/// The same as [`wait_for`] (asyncio 3.11's `timeout` as a function of a future).
///
/// # Examples
/// ```
/// use baton::{sleep, timeout};
/// use std::time::Duration;
///
/// let mut lp = baton::EventLoop::builder().paused_clock().build().unwrap();
/// let r = lp.run_until_complete(timeout(Duration::from_secs(1), sleep(Duration::from_secs(2))));
/// assert!(r.is_err());
/// ```
///
/// # Errors
/// [`TimeoutError`] when `duration` passes first.
///
/// # Cancel safety
/// As cancel safe as `future`.
pub fn timeout<F: Future>(duration: Duration, future: F) -> WaitFor<F> {
    wait_for(duration, future)
}

/// Runs `future` until `deadline` on the loop's clock (asyncio's `timeout_at`).
///
/// # Examples
/// ```
/// use baton::{sleep, timeout_at};
/// use std::time::Duration;
///
/// let mut lp = baton::EventLoop::builder().paused_clock().build().unwrap();
/// let deadline = lp.time() + Duration::from_secs(5);
/// let r = lp.run_until_complete(timeout_at(deadline, async {
///     sleep(Duration::from_secs(1)).await;
///     7
/// }));
/// assert_eq!(r, Ok(7));
/// ```
///
/// # Errors
/// [`TimeoutError`] when `deadline` passes first.
///
/// # Cancel safety
/// As cancel safe as `future`.
pub fn timeout_at<F: Future>(deadline: Instant, future: F) -> WaitFor<F> {
    WaitFor {
        future: Some(future),
        timer: sleep_until(deadline),
    }
}

/// The future returned by [`wait_for`], [`timeout`] and [`timeout_at`].
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct WaitFor<F> {
    /// `None` once it finished or timed out (dropped in place, never moved).
    future: Option<F>,
    timer: Sleep,
}

/// The error of [`wait_for`]: the time ran out.
///
/// # Examples
/// ```
/// assert_eq!(baton::TimeoutError.to_string(), "deadline has elapsed");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeoutError;

impl fmt::Display for TimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed")
    }
}

impl std::error::Error for TimeoutError {}

impl<F: Future> Future for WaitFor<F> {
    type Output = Result<F::Output, TimeoutError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `future` is structurally pinned: it is never moved out, only dropped in place
        // by `Pin::set`; `timer` is `Unpin` and may be moved freely; `WaitFor` has no `Drop`.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: see above.
        let mut future = unsafe { Pin::new_unchecked(&mut this.future) };
        let Some(inner) = future.as_mut().as_pin_mut() else {
            panic!("WaitFor polled after it completed");
        };
        // The timer first: a `Sleep` counts from its first poll, so polling it after the inner
        // future would let a long first poll push the deadline back (issue 7, defect 8).
        let deadline_passed = Pin::new(&mut this.timer).poll(cx).is_ready();
        // Then the work, even past the deadline: as in asyncio, a result that is ready wins
        // (`wait_for(fut, 0)` returns an already-complete result).
        if let Poll::Ready(out) = inner.poll(cx) {
            future.set(None);
            return Poll::Ready(Ok(out));
        }
        if deadline_passed {
            future.set(None);
            return Poll::Ready(Err(TimeoutError));
        }
        Poll::Pending
    }
}

/// Terminated once it returned the result or the timeout.
impl<F: Future> FusedFuture for WaitFor<F> {
    fn is_terminated(&self) -> bool {
        self.future.is_none()
    }
}

impl<F> fmt::Debug for WaitFor<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitFor")
            .field("finished", &self.future.is_none())
            .field("timer", &self.timer)
            .finish()
    }
}
