//! `Timeout`: asyncio 3.11's `asyncio.Timeout`, a deadline that can move while the work runs.
//!
//! A [`Timeout`] is a shared cell (deadline, version, phase, the guard's waker); the
//! [`Guarded`] future reads it on every poll and keeps a `Sleep` armed for the current deadline.
//! Every `reschedule` bumps the version, so the guard knows its timer is stale: re-arming is
//! dropping the old `Sleep` (O(1) in the timer heap) and making a new one. A reschedule wakes the
//! guard unless the guard is inside its own poll (the work moving its own deadline), in which
//! case the guard re-reads the deadline after polling the work.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use futures_core::future::FusedFuture;

use super::{sleep_until, Sleep, TimeoutError};
use crate::loom::Arc;
use crate::runtime::context;
use crate::util::Mutex;

/// A deadline on the running loop's clock that guards one future and can be read and moved while
/// that future runs (asyncio's `asyncio.Timeout`: the `cm` of
/// `async with asyncio.timeout(delay) as cm`).
///
/// Make one with [`after`](Timeout::after), [`at`](Timeout::at) or [`never`](Timeout::never),
/// start the work with [`guard`](Timeout::guard), and keep clones of the handle wherever the
/// deadline may need to move: inside the work itself, in other tasks, on other threads (it is
/// `Send` and `Sync`). [`reschedule`](Timeout::reschedule) takes effect at once, earlier or later;
/// `None` disables the time-out.
///
/// # Examples
/// ```
/// use baton::sleep;
/// use baton::time::Timeout;
/// use std::time::Duration;
///
/// let mut lp = baton::EventLoop::builder().paused_clock().build().unwrap();
/// lp.run_until_complete(async {
///     let deadline = Timeout::after(Duration::from_secs(1));
///     let handle = deadline.clone();
///     let r = deadline
///         .guard(async move {
///             sleep(Duration::from_millis(600)).await;
///             // More work turned up: allow one more second.
///             handle.reschedule(handle.when().map(|when| when + Duration::from_secs(1)));
///             sleep(Duration::from_millis(600)).await;
///             "done"
///         })
///         .await;
///     assert_eq!(r, Ok("done"));
///     assert!(!deadline.expired());
/// });
/// ```
#[derive(Clone)]
pub struct Timeout {
    shared: Arc<Mutex<State>>,
}

/// The future returned by [`Timeout::guard`]: the guarded future's output, or
/// `Err(TimeoutError)` once the [`Timeout`]'s deadline passes.
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct Guarded<F> {
    /// `None` once it finished or timed out (dropped in place, never moved).
    future: Option<F>,
    timeout: Timeout,
    /// Armed for the deadline of `version`; `None` when that deadline is `None`.
    timer: Option<Sleep>,
    /// The `State::version` that `timer` was made for; `None` before the first poll.
    version: Option<u64>,
}

struct State {
    deadline: Option<Instant>,
    /// Bumped by every `reschedule`.
    version: u64,
    phase: Phase,
    /// The guard's waker while it waits between polls; `None` while it is being polled (so a
    /// reschedule from inside the work does not wake it: the guard re-reads the deadline).
    waker: Option<Waker>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// `guard` has not been called.
    Created,
    /// A `Guarded` future exists and has not finished.
    Guarding,
    /// The guarded future finished in time, or the `Guarded` was dropped.
    Finished,
    /// The deadline passed first: the guarded future was dropped.
    Expired,
}

impl Timeout {
    /// A time-out `delay` from now on the running loop's clock (asyncio's
    /// `asyncio.timeout(delay)`). The deadline is fixed here, not when the guarded future first
    /// runs; a `delay` too large for the clock (`Duration::MAX`) means no deadline.
    ///
    /// # Examples
    /// ```
    /// use baton::{sleep, TimeoutError};
    /// use baton::time::Timeout;
    /// use std::time::Duration;
    ///
    /// let mut lp = baton::EventLoop::builder().paused_clock().build().unwrap();
    /// let start = lp.time();
    /// let r = lp.run_until_complete(async {
    ///     Timeout::after(Duration::from_secs(2)).guard(sleep(Duration::from_secs(5))).await
    /// });
    /// assert_eq!(r, Err(TimeoutError));
    /// assert_eq!(lp.time() - start, Duration::from_secs(2));
    /// ```
    ///
    /// # Panics
    /// Outside a running event loop (the deadline is read from its clock): make the `Timeout`
    /// inside `EventLoop::run_until_complete` or `baton::run`, or use [`Timeout::at`].
    #[track_caller]
    pub fn after(delay: Duration) -> Timeout {
        Timeout::new(loop_now().checked_add(delay))
    }

    /// A time-out at `when` on the loop's clock ([`EventLoop::time`](crate::EventLoop::time);
    /// asyncio's `asyncio.timeout_at(when)`). A `when` already past times out the guarded
    /// future unless its first poll completes it.
    ///
    /// # Examples
    /// ```
    /// use baton::sleep;
    /// use baton::time::Timeout;
    /// use std::time::Duration;
    ///
    /// let mut lp = baton::EventLoop::builder().paused_clock().build().unwrap();
    /// let when = lp.time() + Duration::from_secs(5);
    /// let deadline = Timeout::at(when);
    /// assert_eq!(deadline.when(), Some(when));
    /// let r = lp.run_until_complete(deadline.guard(async {
    ///     sleep(Duration::from_secs(1)).await;
    ///     7
    /// }));
    /// assert_eq!(r, Ok(7));
    /// ```
    pub fn at(when: Instant) -> Timeout {
        Timeout::new(Some(when))
    }

    /// A time-out with no deadline yet (asyncio's `asyncio.timeout(None)`); give it one later
    /// with [`reschedule`](Timeout::reschedule).
    ///
    /// # Examples
    /// ```
    /// use baton::{sleep, TimeoutError};
    /// use baton::time::Timeout;
    /// use std::time::Duration;
    ///
    /// let mut lp = baton::EventLoop::builder().paused_clock().build().unwrap();
    /// lp.run_until_complete(async {
    ///     let deadline = Timeout::never();
    ///     let handle = deadline.clone();
    ///     let r = deadline
    ///         .guard(async move {
    ///             sleep(Duration::from_secs(3600)).await; // no deadline: waits the hour
    ///             handle.reschedule_after(Duration::from_secs(1));
    ///             sleep(Duration::from_secs(3600)).await;
    ///         })
    ///         .await;
    ///     assert_eq!(r, Err(TimeoutError));
    /// });
    /// ```
    pub fn never() -> Timeout {
        Timeout::new(None)
    }

    fn new(deadline: Option<Instant>) -> Timeout {
        Timeout {
            shared: Arc::new(Mutex::new(State {
                deadline,
                version: 0,
                phase: Phase::Created,
                waker: None,
            })),
        }
    }

    /// The current deadline on the loop's clock, `None` if there is none (asyncio's `when()`).
    ///
    /// # Examples
    /// ```
    /// use std::time::Duration;
    ///
    /// let mut lp = baton::EventLoop::builder().paused_clock().build().unwrap();
    /// let now = lp.time();
    /// lp.run_until_complete(async move {
    ///     let deadline = baton::time::Timeout::after(Duration::from_secs(3));
    ///     assert_eq!(deadline.when(), Some(now + Duration::from_secs(3)));
    ///     assert_eq!(baton::time::Timeout::never().when(), None);
    /// });
    /// ```
    pub fn when(&self) -> Option<Instant> {
        self.shared.lock().deadline
    }

    /// Moves the deadline to `when` (asyncio's `reschedule`), earlier or later; `None` disables
    /// the time-out. While the guarded future runs this takes effect at once: a deadline already
    /// past times it out as soon as it is next polled (unless that poll completes it). Callable
    /// from the guarded work itself, from other tasks and from other threads. Before
    /// [`guard`](Timeout::guard) it sets the deadline the guard will start with; after the
    /// guarded future has finished it only changes what [`when`](Timeout::when) reports.
    ///
    /// # Examples
    /// ```
    /// use baton::{sleep, spawn, TimeoutError};
    /// use baton::time::Timeout;
    /// use std::time::Duration;
    ///
    /// let mut lp = baton::EventLoop::builder().paused_clock().build().unwrap();
    /// let start = lp.time();
    /// lp.run_until_complete(async {
    ///     let deadline = Timeout::after(Duration::from_secs(10));
    ///     let handle = deadline.clone();
    ///     // Another task decides, after a second, that the work has two more seconds at most.
    ///     spawn(async move {
    ///         sleep(Duration::from_secs(1)).await;
    ///         handle.reschedule(handle.when().map(|w| w - Duration::from_secs(7)));
    ///     });
    ///     let r = deadline.guard(sleep(Duration::from_secs(60))).await;
    ///     assert_eq!(r, Err(TimeoutError));
    ///     assert!(deadline.expired());
    /// });
    /// assert_eq!(lp.time() - start, Duration::from_secs(3));
    /// ```
    pub fn reschedule(&self, when: Option<Instant>) {
        let waker = {
            let mut state = self.shared.lock();
            state.deadline = when;
            state.version = state.version.wrapping_add(1);
            state.waker.take()
        };
        // Woken after the lock is released: a waker is user code.
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Moves the deadline to `delay` from now on the running loop's clock: the same as
    /// `reschedule(Some(now + delay))` with `now` read from the loop.
    ///
    /// # Examples
    /// ```
    /// use baton::sleep;
    /// use baton::time::Timeout;
    /// use std::time::Duration;
    ///
    /// let mut lp = baton::EventLoop::builder().paused_clock().build().unwrap();
    /// lp.run_until_complete(async {
    ///     let deadline = Timeout::after(Duration::from_secs(1));
    ///     let handle = deadline.clone();
    ///     let r = deadline
    ///         .guard(async move {
    ///             for _ in 0..5 {
    ///                 sleep(Duration::from_millis(800)).await;
    ///                 handle.reschedule_after(Duration::from_secs(1)); // a heartbeat
    ///             }
    ///         })
    ///         .await;
    ///     assert!(r.is_ok(), "each step finished within a second of the last");
    /// });
    /// ```
    ///
    /// # Panics
    /// Outside a running event loop, as [`Timeout::after`].
    #[track_caller]
    pub fn reschedule_after(&self, delay: Duration) {
        self.reschedule(loop_now().checked_add(delay));
    }

    /// True once the deadline passed before the guarded future finished, i.e. once the guard
    /// returned `Err(TimeoutError)` (asyncio's `expired()`).
    ///
    /// # Examples
    /// ```
    /// use baton::sleep;
    /// use baton::time::Timeout;
    /// use std::time::Duration;
    ///
    /// let mut lp = baton::EventLoop::builder().paused_clock().build().unwrap();
    /// lp.run_until_complete(async {
    ///     let quick = Timeout::after(Duration::from_secs(1));
    ///     assert!(quick.guard(async {}).await.is_ok());
    ///     assert!(!quick.expired());
    ///
    ///     let slow = Timeout::after(Duration::from_secs(1));
    ///     assert!(!slow.expired());
    ///     assert!(slow.guard(sleep(Duration::from_secs(2))).await.is_err());
    ///     assert!(slow.expired());
    /// });
    /// ```
    pub fn expired(&self) -> bool {
        self.shared.lock().phase == Phase::Expired
    }

    /// Runs `future` under this time-out (asyncio's `async with timeout:` block). The deadline
    /// is read on every poll of the returned [`Guarded`] future, so it follows every
    /// [`reschedule`](Timeout::reschedule). A `Timeout` guards one future.
    ///
    /// # Examples
    /// ```
    /// use baton::sleep;
    /// use baton::time::Timeout;
    /// use std::time::Duration;
    ///
    /// let mut lp = baton::EventLoop::builder().paused_clock().build().unwrap();
    /// let r = lp.run_until_complete(async {
    ///     Timeout::after(Duration::from_secs(5))
    ///         .guard(async {
    ///             sleep(Duration::from_secs(1)).await;
    ///             "in time"
    ///         })
    ///         .await
    /// });
    /// assert_eq!(r, Ok("in time"));
    /// ```
    ///
    /// # Errors
    /// The future resolves to [`TimeoutError`] when the deadline passes first; a result ready on
    /// the same poll wins, as in asyncio.
    ///
    /// # Panics
    /// If this `Timeout` (or a clone of it) already guarded a future: asyncio's `Timeout` cannot
    /// be entered twice either. Make a new `Timeout` for each future.
    ///
    /// # Cancel safety
    /// As cancel safe as `future`: dropping `Guarded` drops it and frees the timer.
    #[track_caller]
    pub fn guard<F: Future>(&self, future: F) -> Guarded<F> {
        {
            let mut state = self.shared.lock();
            assert!(
                state.phase == Phase::Created,
                "this Timeout already guards a future: make a new `Timeout` for each future \
                 (asyncio's `Timeout` cannot be entered twice either)"
            );
            state.phase = Phase::Guarding;
        }
        Guarded {
            future: Some(future),
            timeout: self.clone(),
            timer: None,
            version: None,
        }
    }

    /// Ends the guard's phase; the waker (if any) is returned to be dropped after the lock.
    fn finish(&self, phase: Phase) -> Option<Waker> {
        let mut state = self.shared.lock();
        if state.phase == Phase::Guarding {
            state.phase = phase;
        }
        state.waker.take()
    }
}

impl<F> Guarded<F> {
    /// Re-arms the timer if the deadline moved since it was armed, then polls it: true when the
    /// current deadline has passed.
    fn poll_deadline(
        timer: &mut Option<Sleep>,
        armed_for: &mut Option<u64>,
        (deadline, version): (Option<Instant>, u64),
        cx: &mut Context<'_>,
    ) -> bool {
        if *armed_for != Some(version) {
            // Dropping the old `Sleep` frees its timer; the new one arms on its first poll.
            *timer = deadline.map(sleep_until);
            *armed_for = Some(version);
        }
        match timer {
            Some(timer) => Pin::new(timer).poll(cx).is_ready(),
            None => false,
        }
    }
}

impl<F: Future> Future for Guarded<F> {
    type Output = Result<F::Output, TimeoutError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `future` is structurally pinned: it is never moved out, only dropped in place
        // by `Pin::set`; the other fields are `Unpin` and never pinned; `Drop` touches only
        // `timeout`.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: see above.
        let mut future = unsafe { Pin::new_unchecked(&mut this.future) };
        let Some(inner) = future.as_mut().as_pin_mut() else {
            panic!("Guarded polled after it completed");
        };

        // 1. Fix the deadline before the work runs (a long poll must not push it back). The
        //    waker is taken out, so a reschedule from inside the work does not wake us.
        let (current, stale_waker) = {
            let mut state = this.timeout.shared.lock();
            ((state.deadline, state.version), state.waker.take())
        };
        drop(stale_waker);
        let mut deadline_passed =
            Self::poll_deadline(&mut this.timer, &mut this.version, current, cx);

        // 2. The work, even past the deadline: a result that is ready wins, as in asyncio.
        if let Poll::Ready(out) = inner.poll(cx) {
            future.set(None);
            drop(this.timeout.finish(Phase::Finished));
            return Poll::Ready(Ok(out));
        }

        // 3. Follow any reschedule made meanwhile (by the work, or by another thread), then
        //    leave the waker for the next one, in one step with reading the deadline.
        let waker = cx.waker().clone();
        loop {
            let mut state = this.timeout.shared.lock();
            if this.version != Some(state.version) {
                let current = (state.deadline, state.version);
                drop(state);
                deadline_passed =
                    Self::poll_deadline(&mut this.timer, &mut this.version, current, cx);
                continue;
            }
            if deadline_passed {
                drop(state);
                future.set(None);
                drop(this.timeout.finish(Phase::Expired));
                return Poll::Ready(Err(TimeoutError));
            }
            let previous = state.waker.replace(waker);
            drop(state);
            drop(previous);
            return Poll::Pending;
        }
    }
}

/// Terminated once it returned the result or the timeout.
impl<F: Future> FusedFuture for Guarded<F> {
    fn is_terminated(&self) -> bool {
        self.future.is_none()
    }
}

impl<F> Drop for Guarded<F> {
    fn drop(&mut self) {
        // A guard dropped before it finished (cancelled) did not time out.
        drop(self.timeout.finish(Phase::Finished));
    }
}

/// Now on the running loop's clock.
#[track_caller]
fn loop_now() -> Instant {
    context::with(|lp| lp.now())
}

impl fmt::Debug for Timeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (when, phase) = {
            let state = self.shared.lock();
            (state.deadline, state.phase)
        };
        f.debug_struct("Timeout")
            .field("when", &when)
            .field("phase", &phase)
            .finish()
    }
}

impl<F> fmt::Debug for Guarded<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Guarded")
            .field("finished", &self.future.is_none())
            .field("timeout", &self.timeout)
            .finish()
    }
}
